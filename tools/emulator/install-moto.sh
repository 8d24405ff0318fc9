#!/usr/bin/env bash
# Install the pinned moto server (a local AWS emulator) into the repository's
# Python virtualenv (.venv, gitignored; shared with tools/policy's checkov) so
# tools/emulator can start `.venv/bin/moto_server` on 127.0.0.1.
# Idempotent: does nothing when the pinned version is already installed.
#
#   bash tools/emulator/install-moto.sh        # -> .venv/bin/moto_server
#   MOTO_VENV=/some/dir bash tools/emulator/install-moto.sh
set -euo pipefail

MOTO_VERSION="5.2.5"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${MOTO_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"

if [[ -x "$VENV/bin/moto_server" ]] && "$VENV/bin/python" -m pip show moto 2>/dev/null | grep -qx "Version: $MOTO_VERSION"; then
  echo "moto $MOTO_VERSION already installed in $VENV"
  exit 0
fi

start=$(date +%s)
if [[ ! -x "$VENV/bin/python" ]]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
end=$(date +%s)
echo "moto $MOTO_VERSION installed in $VENV in $((end - start)) s"

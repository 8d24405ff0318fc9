#!/usr/bin/env bash
# Install the pinned checkov into the repository's Python virtualenv (.venv,
# gitignored) so tools/policy/checkov.ts can run it. Idempotent: does nothing
# when the pinned version is already there. Takes 35-60 s on a fresh venv.
#
#   bash tools/policy/install-checkov.sh        # -> .venv/bin/checkov
#   CHECKOV_VENV=/some/dir bash tools/policy/install-checkov.sh
set -euo pipefail

CHECKOV_VERSION="3.3.30"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${CHECKOV_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"

if [[ -x "$VENV/bin/checkov" ]] && "$VENV/bin/python" -m pip show checkov 2>/dev/null | grep -qx "Version: $CHECKOV_VERSION"; then
  echo "checkov $CHECKOV_VERSION already installed in $VENV"
  exit 0
fi

start=$(date +%s)
if [[ ! -x "$VENV/bin/python" ]]; then
  "$PYTHON" -m venv "$VENV"
fi
log="$(mktemp)"
if ! "$VENV/bin/python" -m pip install --disable-pip-version-check "checkov==$CHECKOV_VERSION" >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  exit 1
fi
rm -f "$log"
end=$(date +%s)
echo "checkov $("$VENV/bin/checkov" --version) installed in $VENV in $((end - start)) s"

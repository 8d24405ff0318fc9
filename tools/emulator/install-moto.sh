#!/usr/bin/env bash
# Install the pinned moto server (a local AWS emulator) into the repository's
# Python virtualenv (.venv, gitignored; shared with tools/policy's checkov) so
# tools/emulator can start it on 127.0.0.1.
# Idempotent: does nothing when the pinned version is already installed.
#
#   bash tools/emulator/install-moto.sh        # -> .venv/bin/moto_server
#   MOTO_VENV=/some/dir bash tools/emulator/install-moto.sh
set -euo pipefail
MOTO_VERSION="5.2.5" # keep in step with MOTO_VERSION in moto.ts
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
exec bash "$ROOT/tools/pip-install-pinned.sh" "${MOTO_VENV:-$ROOT/.venv}" moto "$MOTO_VERSION" "moto[server]==$MOTO_VERSION"

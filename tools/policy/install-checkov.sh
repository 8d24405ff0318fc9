#!/usr/bin/env bash
# Install the pinned checkov into the repository's Python virtualenv (.venv,
# gitignored) so tools/policy/checkov.ts can run it. Idempotent: does nothing
# when the pinned version is already there. Takes 35-60 s on a fresh venv.
#
#   bash tools/policy/install-checkov.sh        # -> .venv/bin/checkov
#   CHECKOV_VENV=/some/dir bash tools/policy/install-checkov.sh
set -euo pipefail
CHECKOV_VERSION="3.3.30" # keep in step with CHECKOV_VERSION in checkov.ts
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
exec bash "$ROOT/tools/pip-install-pinned.sh" "${CHECKOV_VENV:-$ROOT/.venv}" checkov "$CHECKOV_VERSION"

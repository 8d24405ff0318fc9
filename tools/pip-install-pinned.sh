#!/usr/bin/env bash
# Install one pinned Python package into a virtualenv (created when missing),
# quietly, and only when that version is not there yet. Shared by the
# installers of the Python tools the project uses (checkov, moto).
#
#   tools/pip-install-pinned.sh <venv> <distribution> <version> [<pip requirement>]
#   e.g. tools/pip-install-pinned.sh .venv moto 5.2.5 'moto[server]==5.2.5'
set -euo pipefail

venv="$1" dist="$2" version="$3" requirement="${4:-$2==$3}"
python="${PYTHON:-python3}"

installed=""
[[ -x "$venv/bin/python" ]] && installed="$("$venv/bin/python" -m pip show "$dist" 2>/dev/null || true)"
if grep -qx "Version: $version" <<<"$installed"; then
  echo "$dist $version already installed in $venv"
  exit 0
fi

start=$(date +%s)
[[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv"
log="$(mktemp)"
if ! "$venv/bin/python" -m pip install --disable-pip-version-check "$requirement" >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  exit 1
fi
rm -f "$log"
echo "$dist $version installed in $venv in $(($(date +%s) - start)) s"

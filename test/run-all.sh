#!/usr/bin/env bash
# The whole test suite, from a fresh clone: install, build, provision the test bed (Docker engine,
# local registry, gateway double), then every unit, end-to-end and terminal test.
set -euo pipefail
cd "$(dirname "$0")/.."
# `npm install`, not `npm ci`: npm 11's ci rejects this lock file over rollup's optional platform packages.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm install --no-fund --no-audit
fi
npm run build --silent
bash test/bed/provision.sh
exec npx vitest run "$@"

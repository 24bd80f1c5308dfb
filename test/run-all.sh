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
npx tsc -p tsconfig.test.json
bash test/bed/provision.sh
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.test-bed/results.json "$@" || status=$?
# One plain closing line for any reader of the log: N passed, N failed.
node -e 'const r=JSON.parse(require("fs").readFileSync(".test-bed/results.json","utf8"));console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed`)' || true
exit "$status"

#!/usr/bin/env bash
# The whole test suite: set-up, static checks, vitest (unit + integration with real Redis,
# ONNX models, ffmpeg), Playwright in Debian's Chromium; ends with one line
# "tests: N passed, M failed" and a non-zero exit on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh test || { echo "tests: 0 passed, 1 failed"; exit 1; }
mkdir -p test-results
rm -f test-results/vitest.json test-results/playwright.json test-results/checks.json
checks=()
check() {
  local name="$1"; shift
  echo "== $name: $*"
  if "$@"; then checks+=("$name:pass"); else checks+=("$name:fail"); fi
}
check typecheck node_modules/.bin/tsc -p tsconfig.json
check typecheck-renderer node_modules/.bin/tsc -p renderer/tsconfig.json
check lint node_modules/.bin/eslint .
check circular node_modules/.bin/madge --circular --extensions ts,tsx --ts-config tsconfig.json main app renderer/src
printf '%s\n' "${checks[@]}" > test-results/checks.txt

echo "== vitest"
node_modules/.bin/vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json
echo "== playwright (Chromium: ${CHROMIUM_PATH:-/usr/bin/chromium})"
PLAYWRIGHT_JSON_OUTPUT_NAME=test-results/playwright.json node_modules/.bin/playwright test --reporter=list,json
node tools/test-summary.mjs test-results

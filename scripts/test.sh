#!/usr/bin/env bash
# The README's test command (`npm test`): makes sure the system services the suite needs are
# present, then runs every test project and ends with one line: "N passed, N failed, N skipped".
#   npm test            all projects (unit, integration, e2e)
#   npm test -- e2e     one project
set -uo pipefail
cd "$(dirname "$0")/.."

# Debian packages the suite runs for real: PostgreSQL (integration), coturn (calls), Chromium (e2e),
# nginx (the cluster suite's round-robin proxy, started by the test itself).
declare -A NEEDS=([postgresql]="/usr/lib/postgresql" [coturn]="turnserver" [chromium]="chromium" [nginx]="/usr/sbin/nginx")
missing=()
for pkg in postgresql coturn chromium nginx; do
  probe=${NEEDS[$pkg]}
  if [[ $probe == /* ]]; then [[ -e $probe ]] || missing+=("$pkg"); else command -v "$probe" >/dev/null || missing+=("$pkg"); fi
done
if ((${#missing[@]})); then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "Installing from Debian: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
      || { echo "apt-get install ${missing[*]} failed"; exit 1; }
  else
    echo "The test suite needs: ${missing[*]}"
    echo "Install them with:  sudo apt-get install -y ${missing[*]}"
    exit 1
  fi
fi

npx tsx scripts/db-generate.ts || exit 1

report=$(mktemp -d)/vitest.json
projects=()
for p in "$@"; do projects+=(--project "$p"); done
npx vitest run "${projects[@]}" --reporter=default --reporter=json --outputFile.json="$report"
status=$?
node -e '
  const fs = require("fs");
  let r = {};
  try { r = JSON.parse(fs.readFileSync(process.argv[1], "utf8")); } catch {}
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  console.log(`${r.numPassedTests ?? 0} passed, ${r.numFailedTests ?? 0} failed, ${skipped} skipped`);
' "$report"
exit $status

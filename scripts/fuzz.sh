#!/usr/bin/env bash
# Runs every Go fuzz target in the repository for the given time each (default 3s).
set -euo pipefail
time=${1:-3s}
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
passed=0
failed=0
while IFS=: read -r file name; do
  pkg="./$(dirname "$file")"
  echo "fuzz $pkg $name ($time)"
  if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$time" "$pkg" >"$log" 2>&1; then
    cat "$log"
    status=1
    failed=$((failed + 1))
  else
    passed=$((passed + 1))
  fi
done < <(grep -rHoE '^func (Fuzz[A-Za-z0-9_]+)' --include='*_test.go' . | sed -E 's#^\./##; s#:func #:#' | sort -u)
echo "fuzz: $passed passed, $failed failed"
exit $status

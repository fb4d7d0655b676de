#!/usr/bin/env bash
# Runs every Go fuzz target in the repository for the given time each (default 3s).
set -euo pipefail
time=${1:-3s}
cd "$(dirname "$0")/.."
status=0
while IFS=: read -r file name; do
  pkg="./$(dirname "$file")"
  echo "fuzz $pkg $name ($time)"
  if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$time" "$pkg" >/tmp/kmslab-fuzz.log 2>&1; then
    cat /tmp/kmslab-fuzz.log
    status=1
  fi
done < <(grep -rHoE '^func (Fuzz[A-Za-z0-9_]+)' --include='*_test.go' . | sed -E 's#^\./##; s#:func #:#' | sort -u)
exit $status

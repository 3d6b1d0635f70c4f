#!/bin/bash
# Reads TAP on stdin (bats --tap, the unit tests), echoes it, and closes with
# "N passed, M failed" so a run that executed nothing is plain to see.
# Each failure is repeated, with its diagnostics, just above that count:
# a log shown by its tail (CI's) still names what failed and why.
# Exits non-zero if anything failed or nothing ran.
passed=0 failed=0 skipped=0
failures=() in_failure=0
while IFS= read -r line; do
  printf '%s\n' "$line"
  case $line in
    "not ok "*) failed=$((failed + 1)); failures+=("$line"); in_failure=1 ;;
    "#"*) [ "$in_failure" = 0 ] || failures+=("$line") ;;
    *) in_failure=0 ;;
  esac
  case $line in
    "ok "*"# skip"*) skipped=$((skipped + 1)) ;;
    "ok "*) passed=$((passed + 1)) ;;
  esac
done
if [ "$failed" -gt 0 ]; then
  echo "# ---- the $failed failures again ----"
  # Diagnostics are capped per failure so that every failure fits.
  printf '%s\n' "${failures[@]}" | awk '/^not ok/ { n = 0 } { if (n++ < 12) print }'
fi
[ "$skipped" -eq 0 ] || echo "($skipped skipped)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]

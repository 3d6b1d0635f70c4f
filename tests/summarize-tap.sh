#!/bin/bash
# Reads TAP on stdin (bats --tap, the unit tests), echoes it, and closes with
# "N passed, M failed" so a run that executed nothing is plain to see.
# Exits non-zero if anything failed or nothing ran.
passed=0 failed=0 skipped=0
while IFS= read -r line; do
  printf '%s\n' "$line"
  case $line in
    "not ok "*) failed=$((failed + 1)) ;;
    "ok "*"# skip"*) skipped=$((skipped + 1)) ;;
    "ok "*) passed=$((passed + 1)) ;;
  esac
done
[ "$skipped" -eq 0 ] || echo "($skipped skipped)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]

#!/bin/bash
# Prints tests/shard-weights anew from the output of a full run of
# tests/run-all.sh (its TAP carries each test's time: bats --timing).
#   tests/shard-weights.sh RUN_ALL_LOG >tests/shard-weights
# A test is counted to the file whose @test line bears its name.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(realpath "$1")
sed -n '1,/^# file /p' tests/shard-weights
for f in tests/integration/*.bats; do
  sed -n "s/^@test [\"']\\(.*\\)[\"'] {\$/${f##*/}\\t\\1/p" "$f"
done | awk -F'\t' '
  FILENAME == "-" { file[$2] = $1; files[$1] = 1; next }
  match($0, /^(ok|not ok) [0-9]+ /) {
    line = substr($0, RLENGTH + 1)
    pass = "plain"
    if (sub(/^\[asan\] /, "", line)) pass = "asan"
    if (!match(line, / in [0-9]+ms$/)) next
    ms = substr(line, RSTART + 4, RLENGTH - 6)
    name = substr(line, 1, RSTART - 1)
    sub(/ # skip.*$/, "", name)
    if (name in file) t[file[name], pass] += ms / 1000
  }
  END {
    for (f in files)
      printf "%-22s %4d %4d\n", f, t[f, "plain"] + 0.5, t[f, "asan"] + 0.5
  }' - "$log" | LC_ALL=C sort

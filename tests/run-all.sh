#!/bin/bash
# The whole test suite, as CI runs it (.ci/run): installs what it needs,
# builds, runs the C unit tests, the fuzz corpus and the bats integration
# suite, and ends with one line "N passed, M failed".
#   tests/run-all.sh [--asan] [bats args...]
# --asan builds with AddressSanitizer/UBSan and runs everything against that
# binary. Extra arguments go to bats (e.g. a single .bats file, --filter RE).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "run-all: containers need root" >&2; exit 1; }

build=build
if [ "${1:-}" = --asan ]; then
  build=build-asan
  bash tests/bootstrap.sh --asan
  shift
  # Leaks in the short-lived CLI are checked too; the container init execs
  # away and never reaches exit handlers.
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
else
  bash tests/bootstrap.sh
fi
make -s -C "$build" -j"$(nproc)" tests/unit/test-config tests/fuzz/fuzz-config-replay

bats_args=("$@")
[ ${#bats_args[@]} -gt 0 ] || bats_args=(tests/integration)
export SPACER=$PWD/$build/spacer
{
  "$build/tests/unit/test-config" | sed 's/^\([0-9]* passed\)/# unit tests: \1/'
  if top_srcdir=. top_builddir=$build tests/fuzz/run-corpus.sh >/dev/null; then
    echo "ok - the fuzz corpus replays through the config loader"
  else
    echo "not ok - the fuzz corpus replays through the config loader"
  fi
  bats --tap "${bats_args[@]}"
} 2>&1 | tests/summarize-tap.sh

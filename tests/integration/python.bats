#!/usr/bin/env bats
# The Python package (python/spacer): its pytest suite (tests/python) run
# against this build's library, spacer-idle and spacer, as one test of this
# suite; a failure prints pytest's report.

load helpers

setup() {
  BUILD=$(dirname "$SPACER")
  TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
}

# The Python that has pytest: python3 on PATH, else Debian's (a python3
# from pyenv or a venv may lack python3-pytest).
find_python() {
  local p
  for p in python3 /usr/bin/python3; do
    if "$p" -c 'import pytest' 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

@test "python: the spacer package's pytest suite passes (tests/python)" {
  local lib=$BUILD/.libs/libspacer.so.0 python
  python=$(find_python) || skip "no python3 with pytest (apt-get install python3-pytest)"
  [ -e "$lib" ] || skip "$lib not built"
  local -a env=(SPACER="$SPACER" SPACER_LIBRARY="$lib" SPACER_IDLE="$BUILD/spacer-idle"
    SPACER_BINARY="$SPACER" SPACER_TEST_ROOTFS="$SPACER_TEST_ROOTFS" PYTHONPATH="$TOP/python"
    PYTHONDONTWRITEBYTECODE=1)
  # A sanitizer build's library loads into python only after its runtime;
  # python's own allocations are not the library's leaks.
  local asan
  asan=$(ldd "$lib" | awk '/libasan/ { print $3 }')
  if [ -n "$asan" ]; then
    env+=(LD_PRELOAD="$asan" ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0")
  fi
  run env "${env[@]}" timeout -k 10 900 "$python" -m pytest -q -p no:cacheprovider \
    --basetemp="$BATS_TEST_TMPDIR/pytest" "$TOP/tests/python"
  if [ "$status" -ne 0 ]; then
    echo "$output"
    return 1
  fi
}

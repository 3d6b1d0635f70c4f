#!/bin/bash
# The whole test suite, as CI runs it (.ci/run): installs what it needs,
# builds spacer twice (plain, and with AddressSanitizer/UBSan), and runs the
# C unit tests, the fuzz corpus and the bats integration suite against each.
# Ends with one line "N passed, M failed".
#   tests/run-all.sh [--no-asan] [bats args...]
# Extra arguments go to bats (a .bats file, --filter REGEX, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "run-all: containers need root" >&2; exit 1; }

builds=(build build-asan)
if [ "${1:-}" = --no-asan ]; then
  builds=(build)
  shift
fi
bats_args=("$@")
bats_args_default=0
[ ${#bats_args[@]} -gt 0 ] || { bats_args=(tests/integration); bats_args_default=1; }

bash tests/bootstrap.sh
[ ${#builds[@]} -eq 1 ] || bash tests/bootstrap.sh --asan
for b in "${builds[@]}"; do
  make -s -C "$b" -j"$(nproc)" test-programs
done
# The unit tests as Makefile.am lists them (UNIT_TESTS), the list `make
# check` runs too: one added there is run here without a word changed.
read -ra unit_tests <<<"$(make -s --no-print-directory -C build print-unit-tests)"

# A busybox rootfs for the unit tests that run containers (test-api), as
# the bats suite makes its own.
unit_rootfs=$(mktemp -d)
bundles/make-rootfs.sh build/spacer "$unit_rootfs/rootfs" >/dev/null

# Sanitizer reports go to files: a test that expects spacer to fail would
# not notice one that only changed the exit status.
reports=$(mktemp -d)
trap 'rm -rf "$reports" "$unit_rootfs"' EXIT
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:log_path=$reports/asan"
# UBSan, run beside ASan, ignores log_path: it aborts instead, so no test
# that expects a clean error can pass over it.
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1"

# run_unit BUILD UNIT: the unit test's TAP lines, its summary made a
# comment. One that fails without a "not ok" line (a crash, a sanitizer's
# abort) adds one, so that it cannot pass unnoticed. Those that run
# containers get BUILD's spacer and the rootfs.
run_unit() {
  local out status=0
  out=$(SPACER_BINARY=$PWD/$1/spacer SPACER_TEST_ROOTFS=$unit_rootfs/rootfs "$1/$2" 2>&1) \
    || status=$?
  printf '%s\n' "$out" | sed "s|^\([0-9]* passed\)|# ${2##*/}: \1|"
  if [ "$status" -ne 0 ] && ! grep -q '^not ok' <<<"$out"; then
    echo "not ok - ${2##*/} exited with status $status"
  fi
}

# plain_only FILE: a bats file the sanitizer pass leaves out. They test
# packaging and bindings (make install, the installed library and the
# Python package), whose C code runs under the sanitizers in test-api, a
# unit test of both passes; under them they would only cost time.
#
# validate.bats and seccomp-profile.bats too: validate is the config loader
# in collect mode, which the unit tests (test-validate, test-config) and the
# fuzz corpus replay run under the sanitizers, and the profile is data the
# seccomp unit tests compile there. Single tests that check only text (the
# help of every command) are tagged `plain-only` (bats test_tags) and left
# out the same way.
plain_only() {
  case ${1##*/} in
    install.bats | library.bats | python.bats | validate.bats | seccomp-profile.bats) return 0 ;;
  esac
  return 1
}

# run_bats_sharded BUILD: tests/integration against BUILD as two bats runs
# side by side, each on half the files (by number of tests), their TAP
# then printed as one run's. The sanitizer build's pass is the suite's
# longest: its spacer is several times slower, but its tests still spend
# most of their time waiting, so a third stream beside the plain pass
# shortens the suite without crowding two CPUs.
run_bats_sharded() {
  local b=$1 f n one=0 two=0 shards
  local -a first=() second=()
  for f in tests/integration/*.bats; do
    plain_only "$f" && continue
    n=$(grep -c '^@test ' "$f")
    if [ "$one" -le "$two" ]; then
      first+=("$f"); one=$((one + n))
    else
      second+=("$f"); two=$((two + n))
    fi
  done
  shards=$(mktemp -d)
  SPACER=$PWD/$b/spacer bats --tap --timing --filter-tags '!plain-only' "${first[@]}" >"$shards/1" 2>&1 &
  SPACER=$PWD/$b/spacer bats --tap --timing --filter-tags '!plain-only' "${second[@]}" >"$shards/2" 2>&1 &
  wait
  # One numbering and one plan for both.
  cat "$shards/1" "$shards/2" | awk '
    /^1\.\.[0-9]+$/ { next }
    /^(ok|not ok) [0-9]+ / { n++; sub(/ [0-9]+ /, " " n " ") }
    { print }
    END { print "1.." n }'
  rm -rf "$shards"
}

# run_pass BUILD: the TAP lines of every test against BUILD; names are
# tagged with the build when it is not the plain one. A failing part goes
# on to the next: its "not ok" lines carry the failure.
run_pass() {
  local b=$1 tag="" unit
  [ "$b" = build ] || tag="[${b#build-}] "
  # spacer under real engines (podman, containerd): the plain build only,
  # for the time budget; the ASan pass goes through the same code paths in
  # tests/integration. Skipped when bats was given other arguments. They
  # run beside the pass's other tests (engines wait on daemons far more
  # than they compute) and are printed after them.
  local engines="" engines_pid
  if [ "$b" = build ] && [ "$bats_args_default" = 1 ]; then
    engines=$(mktemp)
    SPACER=$PWD/$b/spacer bats --tap tests/engines >"$engines" 2>&1 &
    engines_pid=$!
  fi
  {
    for unit in "${unit_tests[@]}"; do
      run_unit "$b" "$unit"
    done
    if top_srcdir=. top_builddir=$b tests/fuzz/run-corpus.sh >/dev/null; then
      echo "ok - the fuzz corpora replay through the config and state loaders"
    else
      echo "not ok - the fuzz corpora replay through the config and state loaders"
    fi
    if [ "$b" != build ] && [ "$bats_args_default" = 1 ]; then
      run_bats_sharded "$b"
    else
      SPACER=$PWD/$b/spacer bats --tap --timing "${bats_args[@]}" || true
    fi
  } 2>&1 | sed -E "s/^(ok|not ok)( [0-9]+)? /\1\2 $tag/"
  if [ -n "$engines" ]; then
    wait "$engines_pid" || true
    cat "$engines"
    rm -f "$engines"
  fi
}

# The passes run side by side, each on its own build and state, to keep the
# suite within CI's time budget on two CPUs: most of a test's time is spent
# waiting for processes, not computing. Each pass's TAP goes to a file and
# is printed whole, in order, once both are done.
passes=$(mktemp -d)
trap 'rm -rf "$reports" "$passes" "$unit_rootfs"' EXIT
trap 'kill $(jobs -p) 2>/dev/null; exit 143' INT TERM
for b in "${builds[@]}"; do
  (
    start=$SECONDS
    run_pass "$b" >"$passes/$b.tap"
    echo "run-all: the $b pass took $((SECONDS - start)) s" >&2
  ) &
done
wait
{
  for b in "${builds[@]}"; do
    cat "$passes/$b.tap"
  done
  if [ -z "$(ls -A "$reports")" ]; then
    echo "ok - no sanitizer reports"
  else
    echo "not ok - sanitizer reports:"
    cat "$reports"/* | sed 's/^/# /'
  fi
} | tests/summarize-tap.sh

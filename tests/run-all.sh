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

# weigh BUILD FILE: FILE's weight in BUILD's pass, from tests/shard-weights
# (2 s a test for a file not listed there).
declare -A weights=()
while read -r f plain asan; do
  weights[build/$f]=$plain
  weights[build-asan/$f]=$asan
done < <(grep -v '^#' tests/shard-weights)
weigh() {
  local w=${weights[$1/${2##*/}]:-}
  [ -n "$w" ] || w=$((2 * $(grep -c '^@test ' "$2")))
  echo "$w"
}

# The bats files of both passes (one job per build and file) are spread
# over $streams bats streams that run side by side, by longest processing
# time first: each job, heaviest first, goes to the stream with the least
# work so far. Each stream runs its files of one build as one bats run, so
# that setup_suite's rootfs is made once per stream and build. Two CPUs
# are kept busy by more streams than that: a test spends much of its time
# waiting on processes. Balanced by measured time, not test count, the
# streams end about together, where the passes run as one and two streams
# (by test count) left one CPU idle for the last two minutes.
streams=4
# plan_streams: prints "STREAM BUILD FILE" for every job.
plan_streams() {
  local b f k best
  local -a load=()
  for ((k = 0; k < streams; k++)); do load[k]=0; done
  for b in "${builds[@]}"; do
    for f in tests/integration/*.bats; do
      [ "$b" = build ] || ! plain_only "$f" || continue
      echo "$(weigh "$b" "$f") $b $f"
    done
  done | sort -rn | while read -r w b f; do
    best=0
    for ((k = 1; k < streams; k++)); do
      [ "${load[k]}" -ge "${load[best]}" ] || best=$k
    done
    load[best]=$((load[best] + w))
    echo "$best $b $f"
  done
}

# run_stream DIR K: stream K of the plan in DIR/plan, its TAP of each
# build in DIR/BUILD.K, the second its last bats run ended (counted from
# the suite's start) in DIR/BUILD.K.end.
run_stream() {
  local dir=$1 k=$2 b
  local -a files filter
  for b in "${builds[@]}"; do
    mapfile -t files < <(awk -v k="$k" -v b="$b" '$1 == k && $2 == b { print $3 }' "$dir/plan")
    [ ${#files[@]} -gt 0 ] || continue
    filter=()
    [ "$b" = build ] || filter=(--filter-tags '!plain-only')
    SPACER=$PWD/$b/spacer bats --tap --timing "${filter[@]}" "${files[@]}" >"$dir/$b.$k" 2>&1 || true
    echo "$((SECONDS - suite_start))" >"$dir/$b.$k.end"
  done
}

# run_units BUILD: the unit tests and the fuzz corpus replay against BUILD.
run_units() {
  local b=$1 unit
  for unit in "${unit_tests[@]}"; do
    run_unit "$b" "$unit"
  done
  if top_srcdir=. top_builddir=$b tests/fuzz/run-corpus.sh >/dev/null; then
    echo "ok - the fuzz corpora replay through the config and state loaders"
  else
    echo "not ok - the fuzz corpora replay through the config and state loaders"
  fi
}

# pass_tap DIR BUILD: BUILD's pass as one TAP stream: its unit tests, then
# the TAP of its bats runs with one numbering and one plan, names tagged
# with the build when it is not the plain one.
pass_tap() {
  local dir=$1 b=$2 tag="" k
  [ "$b" = build ] || tag="[${b#build-}] "
  {
    cat "$dir/$b.units"
    for ((k = 0; k < streams; k++)); do
      [ ! -e "$dir/$b.$k" ] || cat "$dir/$b.$k"
    done
  } | awk '
    /^1\.\.[0-9]+$/ { next }
    /^(ok|not ok) [0-9]+ / { n++; sub(/ [0-9]+ /, " " n " ") }
    { print }
    END { print "1.." n }' | sed -E "s/^(ok|not ok)( [0-9]+)? /\1\2 $tag/"
}

# The passes run side by side, each on its own build and state, to keep the
# suite within CI's time budget on two CPUs. Each bats run's TAP goes to a
# file; each pass is printed whole, in order, once all are done.
passes=$(mktemp -d)
trap 'rm -rf "$reports" "$passes" "$unit_rootfs"' EXIT
trap 'kill $(jobs -p) 2>/dev/null; exit 143' INT TERM
suite_start=$SECONDS
# spacer under real engines (podman, containerd): the plain build only,
# for the time budget; the ASan pass goes through the same code paths in
# tests/integration. Skipped when bats was given other arguments. They
# run beside the other tests (engines wait on daemons far more than they
# compute) and are printed after the plain pass.
engines_pid=
if [ "$bats_args_default" = 1 ]; then
  SPACER=$PWD/build/spacer bats --tap tests/engines >"$passes/engines" 2>&1 &
  engines_pid=$!
fi
(
  for b in "${builds[@]}"; do
    run_units "$b" >"$passes/$b.units" 2>&1
  done
) &
if [ "$bats_args_default" = 1 ]; then
  plan_streams >"$passes/plan"
  for ((k = 0; k < streams; k++)); do
    run_stream "$passes" "$k" &
  done
else
  for b in "${builds[@]}"; do
    (
      SPACER=$PWD/$b/spacer bats --tap --timing "${bats_args[@]}" >"$passes/$b.0" 2>&1 || true
      echo "$((SECONDS - suite_start))" >"$passes/$b.0.end"
    ) &
  done
fi
wait
for b in "${builds[@]}"; do
  echo "run-all: the $b pass took $(cat "$passes/$b".*.end | sort -n | tail -1) s" >&2
done
{
  for b in "${builds[@]}"; do
    pass_tap "$passes" "$b"
    if [ "$b" = build ] && [ -n "$engines_pid" ]; then
      cat "$passes/engines"
    fi
  done
  if [ -z "$(ls -A "$reports")" ]; then
    echo "ok - no sanitizer reports"
  else
    echo "not ok - sanitizer reports:"
    cat "$reports"/* | sed 's/^/# /'
  fi
} | tests/summarize-tap.sh

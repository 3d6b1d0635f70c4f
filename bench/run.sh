#!/usr/bin/env bash
# Time spacer against runc and crun, interleaved, and print medians and
# spacer's ratio to the others. One mode per run (needs root):
#   bench/run.sh [-n N] [-s]        N sequential `run`s of /bin/true (default)
#   bench/run.sh -e [-n N] [-s]     N `exec ID /bin/true` into one running
#                                   container per runtime (health probes)
#   bench/run.sh -c [-n N] [-s]     N `create` + `start` + `delete` as engines
#                                   call them: three commands per container
#   bench/run.sh -p P [-n R] [-s]   R rounds (default 3) of P (default 100)
#                                   containers created, started and deleted
#                                   in parallel, per runtime
#   bench/run.sh -m [-n R] [-s]     the container cgroup's memory peak (R
#                                   rounds, default 10), and whether each
#                                   runs /bin/true under a 512 KiB limit
#   bench/run.sh -l L [-n K] [-s]   `list`, `state`, `kill` and `delete` with
#                                   L (default 1000) created containers, K
#                                   (default 20) timed ops of each
# -s adds the seccomp profile `spacer spec` writes to the config, for all
# three runtimes alike. N also from BENCH_N (default 100 for run/exec/-c).
# Env: SPACER, RUNC, CRUN override the binaries. SPACER_BEFORE=BINARY times
# another spacer build too ("before"), interleaved with the rest, and prints
# the difference of the medians: what a change costs.
# bench/README.md says what each mode measures and why it is fair.
set -euo pipefail

bench_usage="usage: $0 [-n N] [-s] [-e | -c | -p P | -m | -l L]"
mode=run
n=${BENCH_N:-}
seccomp=0
while getopts n:secp:ml: opt; do
  case $opt in
  n) n=$OPTARG ;;
  s) seccomp=1 ;;
  e) mode=exec ;;
  c) mode=lifecycle ;;
  p) mode=parallel batch=$OPTARG ;;
  m) mode=memory ;;
  l) mode=many many=$OPTARG ;;
  *) echo "$bench_usage" >&2; exit 2 ;;
  esac
done
((OPTIND > $#)) || { echo "$bench_usage" >&2; exit 2; }
positive() { [[ $2 =~ ^[1-9][0-9]*$ ]] || { echo "bench: $1 must be a positive integer: $2" >&2; exit 2; }; }
case $mode in
parallel) n=${n:-3} ;;
memory) n=${n:-10} ;;
many) n=${n:-20} ;;
*) n=${n:-100} ;;
esac
positive N "$n"
[[ $mode != parallel ]] || positive P "$batch"
[[ $mode != many ]] || positive L "$many"

# `sealed` only where spacer re-executes itself: run, exec, create.
case $mode in
run | exec | lifecycle | parallel) want_sealed=1 ;;
*) want_sealed=0 ;;
esac
lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib
# shellcheck source=lib/setup.sh
source "$lib/setup.sh"

print_versions
case $mode in
run | exec) source "$lib/run-exec.sh" ;;
lifecycle) source "$lib/lifecycle.sh" ;;
parallel) source "$lib/parallel.sh" ;;
memory) source "$lib/memory.sh" ;;
many) source "$lib/many.sh" ;;
esac
report_leftovers
exit "${bench_status:-0}"

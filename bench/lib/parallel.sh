# shellcheck shell=bash
# bench/run.sh -p P, sourced after lib/setup.sh: batches of P containers
# per runtime, all P `create`s launched at once, then all P `start`s, then
# all P `delete --force`s, each phase waited for before the next. The
# program is `sleep`: after the start phase all P containers run at once,
# as in a scale-up, `list` can check that each one runs, and the delete
# phase is the same work for all three (kill, wait, remove) without an
# untimed wait for exits in the middle of the batch. A batch per runtime,
# the runtimes one after another; N rounds of that round-robin.

# One bundle per container, made once: a bundle's config.json is read by
# its create, and P of them run at once. Only the cgroup changes per batch.
for ((i = 1; i <= batch; i++)); do mkdir -p "$tmp/p/$i"; done

# phase RT VERB: the verb on all P containers of RT at once; sets
# phase_fails to the number that failed, whose stderr is in
# $tmp/p/I/err-VERB. In this shell, not a subshell: cleanup waits for
# these jobs when the bench is interrupted.
phase() {
  local rt=$1 verb=$2 i
  local -a pids=()
  for ((i = 1; i <= batch; i++)); do
    case $verb in
    create) set -- create --bundle "$tmp/p/$i" "$rt-p$i" ;;
    start) set -- start "$rt-p$i" ;;
    delete) set -- delete --force "$rt-p$i" ;;
    esac
    rt_cmd "$rt" "$@" </dev/null >/dev/null 2>"$tmp/p/$i/err-$verb" &
    pids+=($!)
  done
  phase_fails=0
  for i in "${pids[@]}"; do wait "$i" || ((phase_fails++)) || true; done
}

# first_error RT VERB: the first non-empty stderr of the phase (a failed
# command's, or a warning), on one line.
first_error() {
  local f
  for f in "$tmp"/p/*/err-"$2"; do
    [[ -s $f ]] && { echo "$1 $2: $(head -c 300 "$f" | tr '\n' ' ')"; return; }
  done
  return 0
}

# One timed batch; appends the microseconds of each phase to
# $tmp/times-RT-PHASE and of the batch to $tmp/times-RT, and failures to
# $tmp/fails-RT. A failed command is reported with its stderr; the batch
# goes on with what exists.
time_batch() {
  local rt=$1 round=$2 i verb f fails=0 running left
  local -A t
  for ((i = 1; i <= batch; i++)); do
    container_config "$config_sleep" "$rt-p$i" "$tmp/p/$i"
  done
  for verb in create start check delete; do
    t[$verb]=$EPOCHREALTIME
    if [[ $verb == check ]]; then
      # Untimed: a start that returned 0 but left no running container
      # fails too.
      running=$(rt_cmd "$rt" list --format json | jq '[.[]? | select(.status == "running")] | length')
      if ((running < batch)); then
        echo "bench: $rt round $round: $running of $batch containers running after start" >&2
        ((fails < batch - running)) && fails=$((batch - running))
      fi
      continue
    fi
    phase "$rt" "$verb"
    t[$verb-end]=$EPOCHREALTIME
    f=$phase_fails
    if ((f > 0)); then
      echo "bench: $rt round $round: $f ${verb}s of $batch failed" >&2
      first_error "$rt" "$verb" >&2
      ((fails += f))
    fi
  done
  # Untimed: a delete that left a container behind fails too.
  left=$(rt_cmd "$rt" list --quiet | wc -l)
  if ((left > 0)); then
    echo "bench: $rt round $round: $left containers left after delete" >&2
    ((fails += left))
    delete_all "$rt" || true
  fi
  for verb in create start delete; do
    echo $((${t[$verb-end]/./} - ${t[$verb]/./})) >>"$tmp/times-$rt-$verb"
  done
  echo $((${t[start-end]/./} - ${t[create]/./} + ${t[delete-end]/./} - ${t[delete]/./})) >>"$tmp/times-$rt"
  echo "$fails" >>"$tmp/fails-$rt"
}

# A warm-up round of one container each, untimed in effect (a batch of P
# is the measure; this only brings binaries and the rootfs into the cache).
for rt in "${runtimes[@]}"; do
  container_config "$config" "$rt-w"
  rt_cmd "$rt" run --bundle "$bundle" "$rt-w" </dev/null >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err" >&2; die "$rt run (warm-up) failed"; }
done
interleave 0 time_batch "${runtimes[@]}"

echo "$n rounds of $batch containers ($(program sleep)) created, started and deleted in parallel per runtime;"
echo "wall time of a batch in ms (median over rounds), failures over all rounds (must be 0)"
printf '%-9s %9s %9s %9s   %9s  %9s  %9s %8s\n' runtime batch min max create start delete failures
declare -A med
for rt in "${runtimes[@]}"; do
  read -r m _ _ lo hi < <(stats "$tmp/times-$rt")
  med[$rt]=$m
  printf '%-9s %9.1f %9.1f %9.1f ' "$rt" "$m" "$lo" "$hi"
  for part in create start delete; do
    read -r pm _ < <(stats "$tmp/times-$rt-$part")
    printf '  %9.1f' "$pm"
  done
  f=$(awk '{ s += $1 } END { print s }' "$tmp/fails-$rt")
  printf ' %8d\n' "$f"
  ((f == 0)) || bench_status=1 # run.sh's exit status
done
echo "(batch: create + start + delete phases; the check between start and delete is untimed)"
echo
print_ratios "a batch of $batch"

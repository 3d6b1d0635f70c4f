# shellcheck shell=bash
# bench/run.sh default mode and -e, sourced after lib/setup.sh.
# Default: N sequential `run`s of /bin/true per runtime, interleaved.
# -e: exec instead, what health probes run: one long-running container per
# runtime (`run -d`, program `sleep`), then N interleaved `exec ID
# /bin/true` into each.
warmup=3

# One timed run; appends microseconds to $tmp/times-RT, or exits showing stderr.
# The config is rewritten each time only for a fresh cgroupsPath, untimed.
time_run() {
  local rt=$1 tag=$2 rc=0 t0 t1
  if [[ $rt == baseline ]]; then
    t0=$EPOCHREALTIME
    unshare -fpmuin --mount-proc chroot "$bundle/rootfs" /bin/true >/dev/null 2>"$tmp/err" || rc=$?
    t1=$EPOCHREALTIME
  else
    container_config "$config" "$rt-$tag"
    t0=$EPOCHREALTIME
    rt_cmd "$rt" run --bundle "$bundle" "$rt-$tag" >/dev/null 2>"$tmp/err" || rc=$?
    t1=$EPOCHREALTIME
  fi
  if ((rc != 0)); then
    echo "bench: $rt run $tag failed (exit $rc):" >&2
    cat "$tmp/err" >&2
    exit 1
  fi
  [[ $tag == w* ]] || echo $((${t1/./} - ${t0/./})) >>"$tmp/times-$rt"
}

# -e: one container per runtime, running until it is deleted below or by
# cleanup; its init pid is what the baseline enters.
declare -A exec_pid
start_exec_targets() {
  local rt
  for rt in "${runtimes[@]}"; do
    container_config "$config_sleep" "$rt-exec"
    rt_cmd "$rt" run -d --bundle "$bundle" "$rt-exec" \
      </dev/null >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; die "$rt run -d failed"; }
    exec_pid[$rt]=$(rt_cmd "$rt" state "$rt-exec" | jq -r .pid)
  done
}

# One timed exec; appends microseconds to $tmp/times-RT, or exits showing
# stderr. The baseline is nsenter into spacer's container: the floor.
time_exec() {
  local rt=$1 tag=$2 rc=0 t0 t1
  if [[ $rt == baseline ]]; then
    t0=$EPOCHREALTIME
    nsenter -a -r -w -t "${exec_pid[spacer]}" /bin/true >/dev/null 2>"$tmp/err" || rc=$?
    t1=$EPOCHREALTIME
  else
    t0=$EPOCHREALTIME
    rt_cmd "$rt" exec "$rt-exec" /bin/true >/dev/null 2>"$tmp/err" </dev/null || rc=$?
    t1=$EPOCHREALTIME
  fi
  if ((rc != 0)); then
    echo "bench: $rt exec $tag failed (exit $rc):" >&2
    cat "$tmp/err" >&2
    exit 1
  fi
  [[ $tag == w* ]] || echo $((${t1/./} - ${t0/./})) >>"$tmp/times-$rt"
}
if [[ $mode == exec ]]; then
  start_exec_targets
  time_run() { time_exec "$@"; }
fi

# Round-robin so that drift and noise hit every runtime alike.
order=("${runtimes[@]}" baseline)
for ((i = 1; i <= warmup; i++)); do
  for rt in "${order[@]}"; do time_run "$rt" "w$i"; done
done
for ((i = 1; i <= n; i++)); do
  for rt in "${order[@]}"; do time_run "$rt" "$i"; done
done

what="/bin/true"
((seccomp)) && what+=" with spacer's default seccomp profile"
echo "$n ${mode}s each of $what (+$warmup warm-up), interleaved; wall time per \`$mode\` in ms"
printf '%-9s %8s %8s %8s\n' runtime median p10 p90
declare -A med
for rt in "${order[@]}"; do
  read -r m p10 p90 _ < <(stats "$tmp/times-$rt")
  med[$rt]=$m
  printf '%-9s %8.2f %8.2f %8.2f\n' "$rt" "$m" "$p10" "$p90"
done
if [[ $mode == exec ]]; then
  echo "(baseline: nsenter -a -r -w into spacer's container, /bin/true: the floor without a runtime)"
else
  echo "(baseline: unshare -fpmuin --mount-proc chroot ROOTFS /bin/true, the floor without a runtime)"
fi
echo
print_ratios "per $mode"

# -e: the exec targets go first; what an exec leaves is in their cgroups.
if [[ $mode == exec ]]; then
  for rt in "${runtimes[@]}"; do
    rt_cmd "$rt" delete --force "$rt-exec" >/dev/null 2>&1 ||
      echo "bench: warning: $rt could not delete its exec target" >&2
  done
fi

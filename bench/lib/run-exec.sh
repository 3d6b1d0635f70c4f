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
  local rt=$1 tag=$2 out=$tmp/times-$1
  [[ $tag != w* ]] || out=
  if [[ $rt == baseline ]]; then
    timed "$out" "baseline $tag" unshare -fpmuin --mount-proc chroot "$bundle/rootfs" /bin/true
  else
    container_config "$config" "$rt-$tag"
    timed "$out" "$rt run $tag" rt_cmd "$rt" run --bundle "$bundle" "$rt-$tag"
  fi
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
  local rt=$1 tag=$2 out=$tmp/times-$1
  [[ $tag != w* ]] || out=
  if [[ $rt == baseline ]]; then
    timed "$out" "baseline $tag" nsenter -a -r -w -t "${exec_pid[spacer]}" /bin/true
  else
    timed "$out" "$rt exec $tag" rt_cmd "$rt" exec "$rt-exec" /bin/true
  fi
}
if [[ $mode == exec ]]; then
  start_exec_targets
  time_run() { time_exec "$@"; }
fi

order=("${runtimes[@]}" baseline)
interleave "$warmup" time_run "${order[@]}"

echo "$n ${mode}s each of $(program /bin/true) (+$warmup warm-up), interleaved; wall time per \`$mode\` in ms"
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
print_ratios "one \`$mode\`"

# -e: the exec targets go first; what an exec leaves is in their cgroups.
if [[ $mode == exec ]]; then
  for rt in "${runtimes[@]}"; do
    rt_cmd "$rt" delete --force "$rt-exec" >/dev/null 2>&1 ||
      echo "bench: warning: $rt could not delete its exec target" >&2
  done
fi

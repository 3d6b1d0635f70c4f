# shellcheck shell=bash
# bench/run.sh -l L, sourced after lib/setup.sh: `list`, `state`, `kill`
# and `delete` in a state directory of L containers. Each runtime gets L
# containers in the created state (program `sleep`, never started: their
# inits wait cheaply), made untimed, jobs_max at a time. Then N rounds,
# interleaved: `list` (default table format), `state ID`, `kill ID KILL`
# and, once the init has gone (an untimed wait), `delete ID`, each timed
# on its own. Each round kills and deletes one container, so the state
# directories hold L down to L-N+1 containers, the same for every runtime.

((n <= many)) || die "-n $n is more than the $many containers of -l: each round deletes one"

make_one() {
  local rt=$1 i=$2
  container_config "$config_sleep" "$rt-l$i" "$tmp/l/$rt-$i"
  rt_cmd_bounded "$rt" create --bundle "$tmp/l/$rt-$i" "$rt-l$i"
}

for rt in "${runtimes[@]}"; do
  echo "bench: creating $many containers under $rt" >&2
  t0=$EPOCHREALTIME
  seq "$many" >"$tmp/indexes"
  if ! run_bounded "$tmp/indexes" make_one "$rt"; then
    head -c 1000 "$tmp/bounded.err" >&2
    die "$rt: creating $many containers failed"
  fi
  t1=$EPOCHREALTIME
  echo "bench: ... in $(((${t1/./} - ${t0/./}) / 1000000)) s" >&2
  created_n=$(rt_cmd "$rt" list --quiet | wc -l)
  ((created_n == many)) || die "$rt lists $created_n containers, not $many"
done

ops=(list state kill delete)
for ((r = 1; r <= n; r++)); do
  # Spread over the creation order: not always the newest or the oldest.
  i=$(((r - 1) * many / n + 1))
  for rt in "${runtimes[@]}"; do
    id=$rt-l$i
    pid=$(rt_cmd "$rt" state "$id" | jq -r .pid)
    timed "$tmp/times-$rt-list" "$rt list" rt_cmd "$rt" list
    timed "$tmp/times-$rt-state" "$rt state $id" rt_cmd "$rt" state "$id"
    timed "$tmp/times-$rt-kill" "$rt kill $id" rt_cmd "$rt" kill "$id" KILL
    wait_gone "$pid"
    timed "$tmp/times-$rt-delete" "$rt delete $id" rt_cmd "$rt" delete "$id"
  done
done

echo "$n rounds, interleaved, in a state directory of $many created containers (sleep) per runtime;"
echo "wall time per command in ms (median; p10-p90)"
printf '%-9s' runtime
for op in "${ops[@]}"; do printf ' %19s' "$op"; done
echo
declare -A opmed
cell=
for rt in "${runtimes[@]}"; do
  printf '%-9s' "$rt"
  for op in "${ops[@]}"; do
    read -r m p10 p90 _ < <(stats "$tmp/times-$rt-$op")
    opmed[$rt-$op]=$m
    printf -v cell '%.2f (%.1f-%.1f)' "$m" "$p10" "$p90"
    printf ' %19s' "$cell"
  done
  echo
done
echo "(list: the default table; kill: \`kill ID KILL\` of a created container; delete: after it is gone)"
echo
declare -A med
for op in "${ops[@]}"; do
  for rt in "${runtimes[@]}"; do med[$rt]=${opmed[$rt-$op]}; done
  print_ratios "one \`$op\`"
done

echo "bench: deleting the containers" >&2
for rt in "${runtimes[@]}"; do
  delete_all "$rt" || {
    head -c 1000 "$tmp/bounded.err" >&2
    echo "bench: warning: $rt: delete --force failed for some containers" >&2
  }
done

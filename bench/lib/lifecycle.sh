# shellcheck shell=bash
# bench/run.sh -c, sourced after lib/setup.sh: N containers per runtime
# through `create`, `start` and `delete` as engines call them, three
# separate commands that each read the container's state from disk.
# The program is /bin/true; after `start` the bench waits, untimed, until
# the init has exited (it is the subreaper, as a shim is), then `delete`
# (without --force) removes a stopped container: the same work for all
# three. create gets --pid-file, as from containerd and CRI-O.
warmup=3
parts=(create start delete)

# One timed lifecycle; appends microseconds of each part to
# $tmp/times-RT-PART and of the sum to $tmp/times-RT, or exits showing
# stderr.
time_lifecycle() {
  local rt=$1 tag=$2 id=$1-$2 part pid sum=0 out
  local -A part_took
  container_config "$config" "$id"
  rm -f "$tmp/pid"
  for part in "${parts[@]}"; do
    case $part in
    create) set -- create --bundle "$bundle" --pid-file "$tmp/pid" "$id" ;;
    start) set -- start "$id" ;;
    delete)
      pid=$(<"$tmp/pid")
      wait_gone "$pid"
      set -- delete "$id"
      ;;
    esac
    out=$tmp/times-$rt-$part
    [[ $tag != w* ]] || out=
    timed "$out" "$rt $part $tag" rt_cmd "$rt" "$@"
    ((sum += took))
  done
  [[ $tag == w* ]] || echo "$sum" >>"$tmp/times-$rt"
}

interleave "$warmup" time_lifecycle "${runtimes[@]}"

echo "$n create+start+delete each of $(program /bin/true) (+$warmup warm-up), interleaved; wall time in ms"
printf '%-9s %8s %8s %8s   %8s  %8s  %8s\n' runtime sum p10 p90 create start delete
declare -A med
for rt in "${runtimes[@]}"; do
  read -r m p10 p90 _ < <(stats "$tmp/times-$rt")
  med[$rt]=$m
  printf '%-9s %8.2f %8.2f %8.2f ' "$rt" "$m" "$p10" "$p90"
  for part in "${parts[@]}"; do
    read -r pm _ < <(stats "$tmp/times-$rt-$part")
    printf '  %8.2f' "$pm"
  done
  echo
done
echo "(sum: median of the three commands' total; create, start, delete: each one's median)"
echo
print_ratios "create+start+delete"
for part in "${parts[@]}"; do
  for rt in "${runtimes[@]}"; do
    read -r m _ < <(stats "$tmp/times-$rt-$part")
    med[$rt]=$m
  done
  awk -v s="${med[spacer]}" -v r="${med[runc]}" -v c="${med[crun]}" -v p="$part" \
    'BEGIN { printf "  %-6s spacer is %.2fx runc, %.2fx crun\n", p, s / r, s / c }'
done

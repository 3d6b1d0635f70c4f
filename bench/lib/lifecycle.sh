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
  local rt=$1 tag=$2 id=$1-$2 part t0 t1 pid sum=0
  local -A took
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
    t0=$EPOCHREALTIME
    rt_cmd "$rt" "$@" </dev/null >/dev/null 2>"$tmp/err" || {
      echo "bench: $rt $part $tag failed (exit $?):" >&2
      cat "$tmp/err" >&2
      exit 1
    }
    t1=$EPOCHREALTIME
    took[$part]=$((${t1/./} - ${t0/./}))
    ((sum += took[$part]))
  done
  [[ $tag == w* ]] && return
  for part in "${parts[@]}"; do echo "${took[$part]}" >>"$tmp/times-$rt-$part"; done
  echo "$sum" >>"$tmp/times-$rt"
}

for ((i = 1; i <= warmup; i++)); do
  for rt in "${runtimes[@]}"; do time_lifecycle "$rt" "w$i"; done
done
for ((i = 1; i <= n; i++)); do
  for rt in "${runtimes[@]}"; do time_lifecycle "$rt" "$i"; done
done

what="/bin/true"
((seccomp)) && what+=" with spacer's default seccomp profile"
echo "$n create+start+delete each of $what (+$warmup warm-up), interleaved; wall time in ms"
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

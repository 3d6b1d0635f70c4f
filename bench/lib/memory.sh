# shellcheck shell=bash
# bench/run.sh -m, sourced after lib/setup.sh: memory, per runtime and
# round (interleaved, after one warm-up round):
# - the peak of the container's v1 memory cgroup: a container running
#   `sleep` (`run -d`), memory.max_usage_in_bytes read before its delete.
#   What a runtime's init does inside the container's cgroup is charged
#   there (its own pages, page tables, the kernel objects it makes), so
#   this is the least a memory limit must allow for;
# - whether `run` of /bin/true works under a 512 KiB limit
#   (linux.resources.memory.limit = 524288, swap unset).
# Page cache is charged to the cgroup that first reads a page; the warm-up
# round has every binary and the rootfs in the cache before the first
# measured one, so no runtime is charged for reading its own binary.

mem_root=$(awk '{ for (i = 7; i < NF; i++) if ($i == "-") {
    if ($(i + 1) == "cgroup" && $(i + 3) ~ /(^|,)memory(,|$)/) print $5; break } }' /proc/self/mountinfo)
[[ -n $mem_root ]] || die "-m: no v1 memory hierarchy mounted"
config_limit=$(jq '.linux.resources.memory.limit = 524288' <<<"$config")

# One round for a runtime: appends the peaks in bytes to $tmp/peak-RT and
# $tmp/kmem-RT, and "ok" or the error to $tmp/limit-RT.
measure_memory() {
  local rt=$1 tag=$2 id=$1-m$2 dir rc=0 err
  dir=$mem_root$cg_parent/$id
  container_config "$config_sleep" "$id"
  rt_cmd "$rt" run -d --bundle "$bundle" "$id" </dev/null >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err" >&2; die "$rt run -d failed"; }
  [[ -r $dir/memory.max_usage_in_bytes ]] || die "$rt made no memory cgroup at $dir"
  if [[ $tag != w* ]]; then
    cat "$dir/memory.max_usage_in_bytes" >>"$tmp/peak-$rt"
    cat "$dir/memory.kmem.max_usage_in_bytes" >>"$tmp/kmem-$rt"
  fi
  rt_cmd "$rt" delete --force "$id" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err" >&2; die "$rt delete --force failed"; }

  container_config "$config_limit" "$id-limit"
  timeout -k 5 60 "${bin[$rt]}" --root "$tmp/state-$rt" run --bundle "$bundle" "$id-limit" \
    </dev/null >/dev/null 2>"$tmp/err" || rc=$?
  [[ $tag == w* ]] && return
  if ((rc == 0)); then
    echo ok >>"$tmp/limit-$rt"
  else
    err=$(grep -v '^$' "$tmp/err" | tail -1 | cut -c1-400)
    echo "exit $rc: ${err:-no message}" >>"$tmp/limit-$rt"
    # A failed run may leave its container (created, or its init killed
    # by the OOM killer); remove it now, not at the end.
    rt_cmd "$rt" delete --force "$id-limit" >/dev/null 2>&1 || true
  fi
}

interleave 1 measure_memory "${runtimes[@]}"

echo "$n rounds (+1 warm-up), interleaved: memory peak of the container's cgroup"
echo "running $(program sleep) (memory.max_usage_in_bytes, of it kernel memory: memory.kmem.*), in KiB"
printf '%-9s %9s %9s %9s %11s\n' runtime median min max kmem-median
declare -A med
for rt in "${runtimes[@]}"; do
  read -r m _ _ lo hi < <(stats "$tmp/peak-$rt" 1024)
  read -r km _ < <(stats "$tmp/kmem-$rt" 1024)
  med[$rt]=$m
  printf '%-9s %9.0f %9.0f %9.0f %11.0f\n' "$rt" "$m" "$lo" "$hi" "$km"
done
echo "(the memory counter is charged in batches of 64 pages per CPU: its peaks are multiples of"
echo " 256 KiB, and equal values may hide a difference below that; the kernel memory counter is exact)"
echo
print_ratios "the memory peak" KiB
echo
echo "run of /bin/true under a 512 KiB memory limit (linux.resources.memory.limit = 524288):"
for rt in "${runtimes[@]}"; do
  ok=$(grep -cx ok "$tmp/limit-$rt" || true)
  if ((ok == n)); then
    printf '%-9s ok (%d of %d)\n' "$rt" "$ok" "$n"
  else
    printf '%-9s fails (%d of %d ok): %s\n' "$rt" "$ok" "$n" "$(grep -vx ok "$tmp/limit-$rt" | head -1)"
  fi
done

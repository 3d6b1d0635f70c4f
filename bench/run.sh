#!/usr/bin/env bash
# Time N sequential `run`s of a busybox /bin/true container under spacer, runc
# and crun, interleaved, and print medians and spacer's ratio to the others.
#   bench/run.sh [-n N] [-s] [-e]   (N also from BENCH_N; default 100; needs root)
# -s adds the seccomp profile `spacer spec` writes to the config, for all
# three runtimes alike.
# -e times `exec` instead, what health probes run: one long-running
# container per runtime (`run -d`, program `sleep`), then N interleaved
# `exec ID /bin/true` into each.
# Env: SPACER, RUNC, CRUN override the binaries. SPACER_BEFORE=BINARY times
# another spacer build too ("before"), interleaved with the rest, and prints
# the difference of the medians: what a change costs per run.
set -euo pipefail
export LC_ALL=C # EPOCHREALTIME uses the locale's decimal point

die() { echo "bench: $*" >&2; exit 2; }

# crun refuses this host's hybrid layout (cgroup2 at /sys/fs/cgroup/unified),
# so everything runs in a private mount namespace without it, where all three
# runtimes see the same cgroup layout. The host's mounts are never touched.
if [[ -z ${SPACER_BENCH_INNER:-} ]]; then
  [[ $EUID -eq 0 ]] || die "must run as root"
  export SPACER_BENCH_INNER=1
  exec unshare -m -- "$BASH" "$0" "$@"
fi
mount --make-rprivate /
if [[ $(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null) == cgroup2fs ]]; then
  umount /sys/fs/cgroup/unified
  # crun still writes a directory tree for the "0::" line of /proc/self/cgroup
  # there; give it a tmpfs that dies with this namespace rather than the
  # host's /sys/fs/cgroup tmpfs, where it would be hidden under cgroup2.
  mount -t tmpfs -o size=1m,mode=755 spacer-bench /sys/fs/cgroup/unified
fi

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
declare -A bin=([spacer]=${SPACER:-$repo/build/spacer} [runc]=${RUNC:-runc} [crun]=${CRUN:-crun})
runtimes=(spacer runc crun)
if [[ -n ${SPACER_BEFORE:-} ]]; then
  bin[before]=$SPACER_BEFORE
  runtimes+=(before)
fi
# `sealed`: the same spacer, started from a sealed copy (sealed-copy.py), so
# it skips its re-execution from a protected image: spacer minus sealed is
# the cost of the CVE-2019-5736 protection.
if command -v python3 >/dev/null; then
  # It holds the copy until this script exits and closes its pipe.
  coproc holder { exec python3 "$repo/bench/sealed-copy.py" "${bin[spacer]}"; }
  read -r -u "${holder[0]}" bin[sealed] || die "sealed-copy.py failed"
  runtimes+=(sealed)
else
  echo "bench: no python3: the protection's cost (runtime 'sealed') is not measured" >&2
fi
n=${BENCH_N:-100}
warmup=3
seccomp=0
exec_mode=0
while getopts n:se opt; do
  case $opt in
  n) n=$OPTARG ;;
  s) seccomp=1 ;;
  e) exec_mode=1 ;;
  *) die "usage: $0 [-n N] [-s] [-e]" ;;
  esac
done
[[ $n =~ ^[1-9][0-9]*$ ]] || die "N must be a positive integer: $n"
for rt in "${runtimes[@]}"; do
  command -v "${bin[$rt]}" >/dev/null || die "$rt not found: ${bin[$rt]}"
done

# runc and crun create a cgroup at cgroupsPath in every hierarchy, and crun
# reads even a relative path from the hierarchy root. So use an absolute path
# below the deepest of our own cgroups: below ours in every hierarchy as long
# as our other cgroups are its ancestors.
own=/
while IFS=: read -r id _ path; do
  [[ $id != 0 && ${#path} -gt ${#own} ]] && own=$path
done </proc/self/cgroup
while IFS=: read -r id ctrl path; do
  [[ $id == 0 || $path == / || $own == "$path" || $own == "$path"/* ]] ||
    die "cgroups $ctrl:$path and $own are not nested; cannot pick a safe cgroupsPath"
done </proc/self/cgroup
cg_parent=${own%/}/spacer-bench.$$
hierarchies=$(awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup") print $5; break } }' \
  /proc/self/mountinfo)
created=() # cgroup dirs on the way to cg_parent that the runtimes will create
for h in $hierarchies; do
  p=$h
  for part in ${cg_parent//\// }; do
    p+=/$part
    [[ -e $p ]] || created+=("$p")
  done
done

tmp=$(mktemp -d /tmp/spacer-bench.XXXXXX)
bundle=$tmp/bundle

cleanup() {
  set +e
  for rt in "${runtimes[@]}"; do
    [[ -d $tmp/state-$rt ]] || continue
    for id in $("${bin[$rt]}" --root "$tmp/state-$rt" list --quiet 2>/dev/null); do
      "${bin[$rt]}" --root "$tmp/state-$rt" delete --force "$id" >/dev/null 2>&1
    done
  done
  # Container cgroups a runtime failed to remove, then the parents; rmdir only,
  # which refuses anything still populated.
  for h in $hierarchies; do
    for d in "$h$cg_parent"/*/; do [[ -d $d ]] && rmdir "$d"; done
  done
  for ((k = ${#created[@]} - 1; k >= 0; k--)); do
    [[ -d ${created[k]} ]] && rmdir "${created[k]}"
  done
  # A mount a runtime left in the rootfs would make rm -rf reach outside the
  # temp dir; it exists only in this namespace, so detach it here.
  awk -v t="$tmp" 'index($5, t "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r |
    while read -r m; do umount -l "$m"; done
  rm -rf --one-file-system "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# runc's default config, the same for all three runtimes; with -s, plus
# spacer's default seccomp profile.
make_config() {
  local profile=null
  (cd "$bundle" && "${bin[runc]}" spec)
  if ((seccomp)); then
    profile=$(cd "$tmp" && "${bin[spacer]}" spec && jq -c .linux.seccomp config.json && rm config.json)
  fi
  jq --arg cg @CGROUP@ --argjson profile "$profile" '.process.terminal = false
    | .process.args = ["/bin/true"] | .linux.cgroupsPath = $cg
    | if $profile == null then . else .linux.seccomp = $profile end' "$bundle/config.json"
}

mkdir -p "$bundle" "${runtimes[@]/#/$tmp/state-}"
"$repo/bundles/make-rootfs.sh" "${bin[spacer]}" "$bundle/rootfs" >/dev/null
config=$(make_config)

# One timed run; appends microseconds to $tmp/times-RT, or exits showing stderr.
# The config is rewritten each time only for a fresh cgroupsPath, untimed.
time_run() {
  local rt=$1 tag=$2 rc=0 t0 t1
  if [[ $rt == baseline ]]; then
    t0=$EPOCHREALTIME
    unshare -fpmuin --mount-proc chroot "$bundle/rootfs" /bin/true >/dev/null 2>"$tmp/err" || rc=$?
    t1=$EPOCHREALTIME
  else
    printf '%s\n' "${config//@CGROUP@/$cg_parent/$rt-$tag}" >"$bundle/config.json"
    t0=$EPOCHREALTIME
    "${bin[$rt]}" --root "$tmp/state-$rt" run --bundle "$bundle" "$rt-$tag" >/dev/null 2>"$tmp/err" || rc=$?
    t1=$EPOCHREALTIME
  fi
  if ((rc != 0)); then
    echo "bench: $rt run $tag failed (exit $rc):" >&2
    cat "$tmp/err" >&2
    exit 1
  fi
  [[ $tag == w* ]] || echo $((${t1/./} - ${t0/./})) >>"$tmp/times-$rt"
}

# -e: one container per runtime, running until cleanup deletes it; its init
# pid is what the baseline enters.
declare -A exec_pid
start_exec_targets() {
  local rt
  for rt in "${runtimes[@]}"; do
    printf '%s\n' "${config//@CGROUP@/$cg_parent/$rt-exec}" |
      jq '.process.args = ["sleep", "1000000"]' >"$bundle/config.json"
    "${bin[$rt]}" --root "$tmp/state-$rt" run -d --bundle "$bundle" "$rt-exec" \
      </dev/null >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; die "$rt run -d failed"; }
    exec_pid[$rt]=$("${bin[$rt]}" --root "$tmp/state-$rt" state "$rt-exec" | jq -r .pid)
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
    "${bin[$rt]}" --root "$tmp/state-$rt" exec "$rt-exec" /bin/true >/dev/null 2>"$tmp/err" </dev/null || rc=$?
    t1=$EPOCHREALTIME
  fi
  if ((rc != 0)); then
    echo "bench: $rt exec $tag failed (exit $rc):" >&2
    cat "$tmp/err" >&2
    exit 1
  fi
  [[ $tag == w* ]] || echo $((${t1/./} - ${t0/./})) >>"$tmp/times-$rt"
}
if ((exec_mode)); then
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

# Linear-interpolated percentiles of the sorted samples, in ms.
stats() {
  sort -n "$tmp/times-$1" | awk '
    function pct(p,   x, k) { x = (NR - 1) * p + 1; k = int(x)
      return (k >= NR ? v[NR] : v[k] + (v[k + 1] - v[k]) * (x - k)) / 1000 }
    { v[NR] = $1 }
    END { printf "%.3f %.3f %.3f\n", pct(0.5), pct(0.1), pct(0.9) }'
}

# --root: crun --version otherwise creates /run/crun.
for rt in "${runtimes[@]}"; do
  "${bin[$rt]}" --root "$tmp/state-$rt" --version 2>&1 | head -1
done | paste -sd'|' | sed 's/|/ | /g'
what="/bin/true"
((seccomp)) && what+=" with spacer's default seccomp profile"
verb=run
((exec_mode)) && verb=exec
echo "$n ${verb}s each of $what (+$warmup warm-up), interleaved; wall time per \`$verb\` in ms"
printf '%-9s %8s %8s %8s\n' runtime median p10 p90
declare -A med
for rt in "${order[@]}"; do
  read -r m p10 p90 < <(stats "$rt")
  med[$rt]=$m
  printf '%-9s %8.2f %8.2f %8.2f\n' "$rt" "$m" "$p10" "$p90"
done
if ((exec_mode)); then
  echo "(baseline: nsenter -a -r -w into spacer's container, /bin/true: the floor without a runtime)"
else
  echo "(baseline: unshare -fpmuin --mount-proc chroot ROOTFS /bin/true, the floor without a runtime)"
fi
awk -v s="${med[spacer]}" -v r="${med[runc]}" -v c="${med[crun]}" \
  'BEGIN { printf "\nspacer is %.2fx runc, %.2fx crun (median/median; lower is faster)\n", s / r, s / c }'
if [[ -n ${bin[sealed]:-} ]]; then
  awk -v s="${med[spacer]}" -v b="${med[sealed]}" \
    'BEGIN { printf "the protected image (re-execution) costs %+.2f ms a run (%.2fx)\n", s - b, s / b }'
fi
if [[ -n ${bin[before]:-} ]]; then
  awk -v s="${med[spacer]}" -v b="${med[before]}" \
    'BEGIN { printf "spacer is %+.2f ms a run against before (%.2fx)\n", s - b, s / b }'
fi

# -e: the exec targets go first; what an exec leaves is in their cgroups.
if ((exec_mode)); then
  for rt in "${runtimes[@]}"; do
    "${bin[$rt]}" --root "$tmp/state-$rt" delete --force "$rt-exec" >/dev/null 2>&1 ||
      echo "bench: warning: $rt could not delete its exec target" >&2
  done
fi

# Anything left after a successful `run` is the runtime's leak; report it
# (cleanup removes it).
for rt in "${runtimes[@]}"; do
  left=$("${bin[$rt]}" --root "$tmp/state-$rt" list --quiet 2>/dev/null | wc -l)
  ((left == 0)) || echo "bench: warning: $rt left $left container(s) in its state dir" >&2
done
for h in $hierarchies; do
  for d in "$h$cg_parent"/*/; do [[ -d $d ]] && echo "bench: warning: leftover cgroup $d" >&2; done
done
if grep -qF " $tmp/" /proc/self/mountinfo; then
  echo "bench: warning: mounts left under $tmp:" >&2
  grep -F " $tmp/" /proc/self/mountinfo >&2
fi
exit 0

# shellcheck shell=bash
# Sourced by bench/run.sh and bench/steps.sh: the private mount namespace,
# the runtimes, the cgroup parent below our own cgroups, the temp dir, the
# bundle and the cleanup that removes all of it on any exit.
# The sourcing script sets, before it sources this: want_sealed (1: add
# the `sealed` runtime), seccomp (1: -s) and, to run spacer alone,
# spacer_only=1.

export LC_ALL=C # EPOCHREALTIME uses the locale's decimal point

die() { echo "bench: $*" >&2; exit 2; }

# crun refuses this host's hybrid layout (cgroup2 at /sys/fs/cgroup/unified),
# so everything runs in a private mount namespace without it, where all three
# runtimes see the same cgroup layout. The host's mounts are never touched.
# The shell that runs the bench is made a child subreaper, as the engines'
# shims (containerd-shim, conmon) are: a detached container's init is then
# reaped by it when it exits, not left to pid 1 (which on some hosts never
# reaps), so `state` and `delete` see it gone as they would under an engine.
if [[ -z ${SPACER_BENCH_INNER:-} ]]; then
  [[ $EUID -eq 0 ]] || die "must run as root"
  export SPACER_BENCH_INNER=1
  if command -v python3 >/dev/null; then
    exec unshare -m -- python3 -c 'import ctypes, os, sys
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0 or sys.exit("PR_SET_CHILD_SUBREAPER failed")
os.execv(sys.argv[1], sys.argv[1:])' "$BASH" "$0" "$@"
  fi
  echo "bench: no python3: detached containers' inits are reaped by pid 1" >&2
  exec unshare -m -- "$BASH" "$0" "$@"
fi
mount --make-rprivate /
if [[ $(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null) == cgroup2fs ]]; then
  umount /sys/fs/cgroup/unified
  # crun still writes a directory tree for the "0::" line of /proc/self/cgroup
  # there; give it a tmpfs that dies with this namespace rather than the
  # host's /sys/fs/cgroup tmpfs, where it would be hidden under cgroup2.
  # A page per container (its cgroup.procs): room for -l 1000 and more.
  mount -t tmpfs -o size=64m,mode=755 spacer-bench /sys/fs/cgroup/unified
fi

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
declare -A bin=([spacer]=${SPACER:-$repo/build/spacer} [runc]=${RUNC:-runc} [crun]=${CRUN:-crun})
runtimes=(spacer runc crun)
if ((${spacer_only:-0})); then
  runtimes=(spacer)
  want_sealed=0
  command -v "${bin[runc]}" >/dev/null || die "runc not found (its \`runc spec\` is the config): ${bin[runc]}"
elif [[ -n ${SPACER_BEFORE:-} ]]; then
  bin[before]=$SPACER_BEFORE
  runtimes+=(before)
fi
# `sealed`: the same spacer, started from a sealed copy (sealed-copy.py), so
# it skips its re-execution from a protected image: spacer minus sealed is
# the cost of the CVE-2019-5736 protection.
if ((want_sealed)) && command -v python3 >/dev/null; then
  # It holds the copy until this script exits and closes its pipe.
  coproc holder { exec python3 "$repo/bench/sealed-copy.py" "${bin[spacer]}"; }
  read -r -u "${holder[0]}" 'bin[sealed]' || die "sealed-copy.py failed"
  runtimes+=(sealed)
elif ((want_sealed)); then
  echo "bench: no python3: the protection's cost (runtime 'sealed') is not measured" >&2
fi
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
# On a cgroup2-only host the runtimes would place cgroupsPath in the one
# unified tree, which the placement above does not look at: refuse rather
# than create cgroups outside our own.
[[ -n $hierarchies ]] || die "no cgroup v1 hierarchy: the bench is written for v1 and hybrid hosts"
created=() # cgroup dirs on the way to cg_parent, made below and removed by cleanup
for h in $hierarchies; do
  p=$h
  for part in ${cg_parent//\// }; do
    p+=/$part
    [[ -e $p ]] || created+=("$p")
  done
done

tmp=$(mktemp -d /tmp/spacer-bench.XXXXXX)
bundle=$tmp/bundle
jobs_max=$(($(nproc) * 2)) # concurrency of untimed batch work (-l)

# A sleep of $1 seconds without a process: read on a fifo we also hold open
# for writing, so it only ever times out.
mkfifo "$tmp/never"
exec {never_fd}<>"$tmp/never"
pause() { read -r -t "$1" -u "$never_fd" _ || true; }

# run_bounded FILE CMD...: CMD... WORD for each word (line) of FILE, at most
# jobs_max at a time; returns the number of failures (capped at 255),
# whose stderr goes to $tmp/bounded.err. Its jobs are this shell's (no
# pipeline, no subshell), so cleanup waits for them after an interrupt.
run_bounded() {
  local file=$1 word fails=0 running=0
  shift
  : >"$tmp/bounded.err"
  while read -r word; do
    if ((running >= jobs_max)); then
      wait -n || ((fails++)) || true
      ((running--)) || true
    fi
    "$@" "$word" </dev/null >/dev/null 2>>"$tmp/bounded.err" &
    ((running++)) || true
  done <"$file"
  for (( ; running > 0; running--)); do wait -n || ((fails++)) || true; done
  return $((fails > 255 ? 255 : fails))
}

# delete_all RT: delete --force of every container RT lists.
delete_all() {
  rt_cmd "$1" list --quiet >"$tmp/ids-$1" 2>/dev/null
  run_bounded "$tmp/ids-$1" delete_force "$1"
}

# rt_cmd RT ARGS...: the runtime with its private state directory.
rt_cmd() { local rt=$1; shift; "${bin[$rt]}" --root "$tmp/state-$rt" "$@"; }
# The same for untimed batch work, where one hung command must not hang
# the bench (or its cleanup).
rt_cmd_bounded() { local rt=$1; shift; timeout -k 5 120 "${bin[$rt]}" --root "$tmp/state-$rt" "$@"; }
delete_force() { rt_cmd_bounded "$1" delete --force "$2"; }

# remove_cgroup DIR: rmdir, which refuses a populated cgroup; quiet when a
# runtime removed it first.
remove_cgroup() {
  [[ -d $1 ]] || return 0
  rmdir "$1" 2>/dev/null || [[ ! -d $1 ]] || echo "bench: warning: cannot remove cgroup $1" >&2
}

cleanup() {
  set +e
  trap - EXIT INT TERM HUP
  # Runtime commands still running in the background (an interrupted
  # batch) would make containers after the deletes below: let them end
  # first, for a minute at most. The holder of the sealed copy stays.
  local deadline=$((SECONDS + 60))
  while jobs -pr >"$tmp/jobs" && grep -qvx "${holder_PID:-none}" "$tmp/jobs" &&
    ((SECONDS < deadline)); do
    pause 0.1
  done
  # The sealed copy dies with its holder; its state dir is spacer's format.
  [[ -z ${bin[sealed]:-} || -e ${bin[sealed]} ]] || bin[sealed]=${bin[spacer]}
  for rt in "${runtimes[@]}"; do
    [[ -d $tmp/state-$rt ]] || continue
    delete_all "$rt"
  done
  # Container cgroups a runtime failed to remove, then the parents; rmdir only,
  # which refuses anything still populated.
  for h in $hierarchies; do
    for d in "$h$cg_parent"/*/; do remove_cgroup "$d"; done
  done
  for ((k = ${#created[@]} - 1; k >= 0; k--)); do remove_cgroup "${created[k]}"; done
  # A mount a runtime left in the rootfs would make rm -rf reach outside the
  # temp dir; it exists only in this namespace, so detach it here.
  awk -v t="$tmp" 'index($5, t "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r |
    while read -r m; do umount -l "$m"; done
  rm -rf --one-file-system "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# The cgroups on the way to cg_parent are made here, as an engine makes
# its parent cgroup before its containers: no runtime pays for making or
# removing them in some runs and not others, and concurrent creates (-p,
# -l) do not race to make them. A new v1 cpuset cgroup has no CPUs and
# memory nodes; ours get their parent's.
for d in "${created[@]}"; do
  mkdir "$d"
  if [[ -e $d/cpuset.cpus ]]; then
    cat "${d%/*}/cpuset.cpus" >"$d/cpuset.cpus"
    cat "${d%/*}/cpuset.mems" >"$d/cpuset.mems"
  fi
done

# runc's default config, the same for all three runtimes; with -s, plus
# spacer's default seccomp profile. The cgroupsPath is the placeholder
# @CGROUP@, replaced per container (container_config).
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
# The same config running `sleep`: a container that stays until deleted.
config_sleep=$(jq '.process.args = ["sleep", "1000000"]' <<<"$config")

# container_config CONFIG NAME [BUNDLE_DIR]: CONFIG with the cgroup
# $cg_parent/NAME, written to BUNDLE_DIR/config.json (default the shared
# bundle); another bundle dir shares the rootfs by its absolute path.
container_config() {
  local dir=${3:-$bundle}
  if [[ $dir == "$bundle" ]]; then
    printf '%s\n' "${1//@CGROUP@/$cg_parent/$2}" >"$dir/config.json"
  else
    mkdir -p "$dir"
    printf '%s\n' "${1//@CGROUP@/$cg_parent/$2}" |
      jq --arg r "$bundle/rootfs" '.root.path = $r' >"$dir/config.json"
  fi
}

# wait_gone PID: until the process has exited (gone, or a zombie when no
# subreaper reaps it); untimed waits between timed commands.
wait_gone() {
  local stat
  while read -r stat 2>/dev/null <"/proc/$1/stat"; do
    stat=${stat##*) }
    [[ ${stat:0:1} == Z ]] && return 0
    pause 0.001
  done
}

# timed OUT LABEL CMD...: runs CMD (stdin /dev/null, stdout dropped,
# stderr kept) and sets `took` to its wall time in microseconds, appended
# to the file OUT unless OUT is empty; exits showing stderr if CMD fails.
timed() {
  local out=$1 label=$2 t0 t1 rc=0
  shift 2
  t0=$EPOCHREALTIME
  "$@" </dev/null >/dev/null 2>"$tmp/err" || rc=$?
  t1=$EPOCHREALTIME
  if ((rc != 0)); then
    echo "bench: $label failed (exit $rc):" >&2
    cat "$tmp/err" >&2
    exit 1
  fi
  took=$((${t1/./} - ${t0/./}))
  [[ -z $out ]] || echo "$took" >>"$out"
}

# interleave WARMUP FUNC RT...: FUNC RT TAG for each RT in turn, so that
# drift and noise hit every runtime alike: WARMUP rounds tagged w1..,
# then n rounds tagged 1..n.
interleave() {
  local warm=$1 fn=$2 i rt
  shift 2
  for ((i = 1; i <= warm; i++)); do
    for rt; do "$fn" "$rt" "w$i"; done
  done
  for ((i = 1; i <= n; i++)); do
    for rt; do "$fn" "$rt" "$i"; done
  done
}

# The program's description in a heading: ARG, and the profile with -s.
program() {
  local what=$1
  ((seccomp)) && what+=" with spacer's default seccomp profile"
  echo "$what"
}

# Linear-interpolated percentiles of the numbers in file $1, divided by $2
# (default 1000: microseconds to ms): "median p10 p90 min max".
stats() {
  sort -n "$1" | awk -v d="${2:-1000}" '
    function pct(p,   x, k) { x = (NR - 1) * p + 1; k = int(x)
      return (k >= NR ? v[NR] : v[k] + (v[k + 1] - v[k]) * (x - k)) / d }
    { v[NR] = $1 }
    END { printf "%.3f %.3f %.3f %.3f %.3f\n", pct(0.5), pct(0.1), pct(0.9), v[1] / d, v[NR] / d }'
}

print_versions() {
  # --root: crun --version otherwise creates /run/crun.
  for rt in "${runtimes[@]}"; do
    rt_cmd "$rt" --version 2>&1 | sed -n 1p
  done | paste -sd'|' | sed 's/|/ | /g'
}

# print_ratios WHAT [UNIT]: spacer's value in med[] against runc's and
# crun's, and against sealed's and before's where they ran.
print_ratios() {
  local what=$1 unit=${2:-ms}
  awk -v s="${med[spacer]}" -v r="${med[runc]}" -v c="${med[crun]}" -v w="$what" \
    'BEGIN { printf "spacer is %.2fx runc, %.2fx crun (%s, median/median; lower is better)\n",
             s / r, s / c, w }'
  if [[ -n ${med[sealed]:-} ]]; then
    awk -v s="${med[spacer]}" -v b="${med[sealed]}" -v w="$what" -v u="$unit" \
      'BEGIN { printf "the protected image (re-execution) costs %+.2f %s (%.2fx) in %s\n", s - b, u, s / b, w }'
  fi
  if [[ -n ${med[before]:-} ]]; then
    awk -v s="${med[spacer]}" -v b="${med[before]}" -v w="$what" -v u="$unit" \
      'BEGIN { printf "spacer is %+.2f %s against before (%.2fx) in %s\n", s - b, u, s / b, w }'
  fi
}

# Anything left after the mode's own deletes is a runtime's leak; report it
# (cleanup removes it).
report_leftovers() {
  local rt left h d
  for rt in "${runtimes[@]}"; do
    left=$(rt_cmd "$rt" list --quiet 2>/dev/null | wc -l)
    ((left == 0)) || echo "bench: warning: $rt left $left container(s) in its state dir" >&2
  done
  for h in $hierarchies; do
    for d in "$h$cg_parent"/*/; do [[ -d $d ]] && echo "bench: warning: leftover cgroup $d" >&2; done
  done
  if grep -qF " $tmp/" /proc/self/mountinfo; then
    echo "bench: warning: mounts left under $tmp:" >&2
    grep -F " $tmp/" /proc/self/mountinfo >&2
  fi
  return 0
}

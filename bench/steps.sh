#!/usr/bin/env bash
# Where a `spacer run` of /bin/true spends its time, step by step: K traced
# runs (default 5) of the bundle and config bench/run.sh uses, after three
# untraced warm-up runs, each under `strace -f -ttt -T`, split into phases
# at landmark syscalls (lib/phases.awk); then `strace -c -f` totals per
# syscall. The same for the floor, `unshare -fpmuin --mount-proc chroot
# ROOTFS /bin/true`. Prints markdown tables (medians over the K runs).
#   bench/steps.sh [-n K] [-s]      (needs root and strace)
# -s adds the seccomp profile `spacer spec` writes, as in bench/run.sh.
# strace stops the traced processes at every syscall: the times are
# inflated, several-fold for short syscalls. Read the shares, and compare
# phases with each other rather than with bench/run.sh's times.
set -euo pipefail

bench_usage="usage: $0 [-n K] [-s]"
n=5
seccomp=0
while getopts n:s opt; do
  case $opt in
  n) n=$OPTARG ;;
  s) seccomp=1 ;;
  *) echo "$bench_usage" >&2; exit 2 ;;
  esac
done
((OPTIND > $#)) || { echo "$bench_usage" >&2; exit 2; }
[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "bench: K must be a positive integer: $n" >&2; exit 2; }
command -v strace >/dev/null || { echo "bench: strace missing: apt-get install strace" >&2; exit 2; }

want_sealed=0 spacer_only=1
lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib
# shellcheck source=lib/setup.sh
source "$lib/setup.sh"

# NAME|WHO|AFTER|REGEX, see lib/phases.awk. WHO=child: the container's
# init (spacer) or unshare's child (the floor).
cat >"$tmp/landmarks-spacer" <<'EOF'
start: exec; the entry point clones the binary read-only|main||^execve\(
re-executed from the clone: C library start, options|main||^execveat\(|^execve\("/proc/
config.json read and parsed|any||^(openat|open|openat2)\(.*/config\.json"
clone of the init|main||^clone3?\(.*CLONE_NEW
cgroup mkdirs (runtime)|any||^mkdir(at)?\(.*"/sys/fs/cgroup/
runtime: cgroups done, lets the init go on and waits|main|cgroup mkdirs (runtime)|^sendmsg\(
init: mounts|child||^(mount|fsopen|open_tree|move_mount|mount_setattr|fsmount)\(
init: pivot_root, masked and read-only paths|child||^pivot_root\(
init: capabilities, user, prctl|child||^(prctl\(PR_CAPBSET_DROP|capset\()
init: seccomp filter|child||^(seccomp\(|prctl\(PR_SET_SECCOMP)
init: execve of /bin/true, which runs|child||^execve\("/bin/true"
runtime: wait4 returns (init exited)|main|init: execve of /bin/true, which runs|^(<\.\.\. )?wait4[ (].*= [1-9]
runtime: cgroup rmdirs, state removed|main|init: execve of /bin/true, which runs|^rmdir\(.*"/sys/fs/cgroup/
runtime: exit|main|init: execve of /bin/true, which runs|^exit_group\(
EOF
cat >"$tmp/landmarks-floor" <<'EOF'
unshare: exec, dynamic loading|main||^execve\(
unshare()|main||^unshare\(
fork of the child|main|unshare()|^(clone3?|fork|vfork)\(
child: mounts (--mount-proc)|child||^mount\(
child: execve of chroot|child||^execve\(
child: chroot()|child||^chroot\(
child: execve of /bin/true, which runs|child||^execve\("/bin/true"
unshare: wait4 returns (child exited)|main|child: execve of /bin/true, which runs|^(<\.\.\. )?wait4[ (].*= [1-9]
unshare: exit|main|child: execve of /bin/true, which runs|^exit_group\(
EOF

# The traced command of each kind; TAG makes the container ID and cgroup.
trace_cmd() {
  local kind=$1 tag=$2
  shift 2
  if [[ $kind == spacer ]]; then
    container_config "$config" "$tag"
    "$@" "${bin[spacer]}" --root "$tmp/state-spacer" run --bundle "$bundle" "$tag"
  else
    "$@" unshare -fpmuin --mount-proc chroot "$bundle/rootfs" /bin/true
  fi
}

for i in 1 2 3; do
  trace_cmd spacer "w$i" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; die "spacer run failed"; }
  trace_cmd floor "w$i" >/dev/null
done

# phases KIND: K traced runs; per run, lib/phases.awk's lines with the run
# number in front, in $tmp/phases-KIND.
phases() {
  local kind=$1 i
  for ((i = 1; i <= n; i++)); do
    trace_cmd "$kind" "t$i" timeout -k 5 120 strace -f -ttt -T -o "$tmp/trace" >/dev/null 2>"$tmp/err" ||
      { cat "$tmp/err" >&2; die "traced $kind run failed"; }
    awk -v landmarks="$tmp/landmarks-$kind" -f "$lib/phases.awk" "$tmp/trace" |
      sed "s/^/$i\t/" >>"$tmp/phases-$kind"
  done
}

# table KIND TITLE: the phases as markdown, medians over the runs, in the
# order of the first run; the share is of the sum of the medians.
table() {
  echo "### $2"
  echo
  echo "| phase (from the landmark on) | syscalls | of them in the child | ms (strace) | share |"
  echo "| --- | ---: | ---: | ---: | ---: |"
  awk -F'\t' -v runs="$n" '
    function median(list,   a, c, t, i, j) {
      c = split(list, a, " ")
      for (i = 2; i <= c; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
      return c % 2 ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2
    }
    $2 == "missing" { missing[$3]++; next }
    {
      if (!($2 in calls)) { names[++np] = $2 }
      calls[$2] = calls[$2] " " $3; kids[$2] = kids[$2] " " $4; us[$2] = us[$2] " " $5; seen[$2]++
    }
    END {
      for (i = 1; i <= np; i++) if (names[i] != "total") sum += median(us[names[i]])
      for (i = 1; i <= np; i++) {
        p = names[i]
        if (p == "total") continue
        note = seen[p] < runs ? sprintf(" (in %d of %d runs)", seen[p], runs) : ""
        printf "| %s%s | %d | %d | %.2f | %.1f%% |\n", p, note, median(calls[p]), median(kids[p]),
          median(us[p]) / 1000, 100 * median(us[p]) / sum
      }
      printf "| **total** (median of the runs) | %d | %d | %.2f | |\n", median(calls["total"]),
        median(kids["total"]), median(us["total"]) / 1000
      for (p in missing) printf "\nNot seen in %d of %d runs: %s.\n", missing[p], runs, p
    }' "$tmp/phases-$1"
  echo
}

# counts KIND TITLE: `strace -c -f` of one run, as markdown: the 20
# syscalls with the most time, then the others together.
counts() {
  trace_cmd "$1" c timeout -k 5 120 strace -c -f -o "$tmp/count" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err" >&2; die "strace -c of $1 failed"; }
  echo "### $2"
  echo
  echo "| syscall | calls | errors | seconds | % time |"
  echo "| --- | ---: | ---: | ---: | ---: |"
  awk '/^-/ { dash++; next }
    dash == 1 && NF >= 5 && ++rows <= 20 {
      printf "| %s | %s | %s | %s | %s |\n", $NF, $4, NF == 6 ? $5 : "", $2, $1; next }
    dash == 1 && NF >= 5 { oc += $4; oe += NF == 6 ? $5 : 0; os += $2; op += $1; on++ }
    dash == 2 && NF >= 4 {
      if (on) printf "| (%d others) | %d | %d | %.6f | %.2f |\n", on, oc, oe, os, op
      printf "| **total** | %s | %s | %s | %s |\n", $4, NF == 6 ? $5 : "", $2, $1 }' \
    "$tmp/count"
  echo
}

print_versions
echo
echo "## Where a \`run\` of $(program /bin/true) spends its time"
echo
echo "Medians of $n runs under \`strace -f -ttt -T\` (after 3 untraced warm-up runs)."
echo "strace inflates every syscall: compare the shares, not the times with bench/run.sh."
echo "A phase runs from its landmark syscall to the next one seen, on the merged"
echo "timeline of all processes (the runtime goes on while the init works)."
echo
phases spacer
table spacer "spacer run"
phases floor
table floor "floor: unshare -fpmuin --mount-proc chroot ROOTFS /bin/true"
echo "## Syscall totals (\`strace -c -f\`, one run each; seconds: strace -c's time column, documented as system time)"
echo
counts spacer "spacer run"
counts floor "floor"
report_leftovers
exit 0

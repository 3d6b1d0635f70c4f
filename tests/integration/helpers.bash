# Shared by every .bats file (`load helpers`). Each test gets its own bundle
# (a copy of the suite's busybox rootfs and a `spacer spec` config) and its
# own --root state directory, both in $BATS_TEST_TMPDIR; teardown deletes
# every container the test left and fails the test if anything leaked.
#
# status, output, stderr...: set by bats' `run` (or by capture below).
# shellcheck disable=SC2154

# spacer with this test's private state directory.
spacer() {
  "$SPACER" --root "$ROOT" "$@"
}

# A fresh bundle in $BUNDLE running `true`, without a terminal.
# SPACER_TEST_MARK marks this test's processes (see test_processes): every
# command the test executes from here on, spacer and so every container init
# until it executes the program, carries it in its environment, and the
# program gets it from process.env.
setup_bundle() {
  ROOT=$BATS_TEST_TMPDIR/state
  BUNDLE=$BATS_TEST_TMPDIR/bundle
  export SPACER_TEST_MARK=$BATS_TEST_TMPDIR
  mkdir -p "$BUNDLE"
  cp -a "$SPACER_TEST_ROOTFS" "$BUNDLE/rootfs"
  bundle_config >"$BUNDLE/config.json"
}

# bundle_config: setup_bundle's config.json, from the template setup_suite
# made (make_config_template in setup_suite.bash) with this test's mark put in. `spacer spec`
# and jq for every test cost a tenth of a second each (several times that
# in the sanitizer pass) in a suite of two thousand tests; bash's own
# substitution costs nothing. A mark JSON would need to escape goes
# through jq.
bundle_config() {
  local template
  IFS= read -r -d '' template <"$SPACER_TEST_CONFIG_TEMPLATE" || true
  if [[ $SPACER_TEST_MARK == *[\"\\[:cntrl:]]* ]]; then
    jq --arg mark "$SPACER_TEST_MARK" \
      '.process.env |= map(if . == "SPACER_TEST_MARK=@MARK@" then "SPACER_TEST_MARK=" + $mark else . end)' \
      <<<"$template"
  else
    printf '%s' "${template//@MARK@/"$SPACER_TEST_MARK"}"
  fi
}


# Files whose containers never write through their root (root.readonly)
# share one copy of the rootfs: share_rootfs in setup_file, then
# setup_linked_bundle in place of setup_bundle. setup_bundle's `cp -a`
# costs ~0.3 s a test (one slow symlinkat per busybox applet); a hardlinked
# copy gives each bundle directories of its own and shares the files.
share_rootfs() {
  mkdir "$BATS_FILE_TMPDIR/no-rootfs"
  cp -a "$SPACER_TEST_ROOTFS" "$BATS_FILE_TMPDIR/rootfs"
}

setup_linked_bundle() {
  SPACER_TEST_ROOTFS=$BATS_FILE_TMPDIR/no-rootfs setup_bundle
  rmdir "$BUNDLE/rootfs"
  cp -al "$BATS_FILE_TMPDIR/rootfs" "$BUNDLE/rootfs"
}

# with_config JQ_FILTER [jq options...]: $CONFIG is the pristine config
# ($BATS_TEST_TMPDIR/config.orig, kept by the file's setup) edited by
# JQ_FILTER; each call starts again from the original.
with_config() {
  cp "$BATS_TEST_TMPDIR/config.orig" "$CONFIG"
  update_config "$@"
}

# assert_dir_holds DIR NAME...: DIR holds exactly NAMEs (sorted), nothing
# half-made beside them.
assert_dir_holds() {
  local dir=$1 left
  shift
  left=$(cd "$dir" && ls -A | LC_ALL=C sort | tr '\n' ' ')
  if [ "$left" != "$* " ]; then
    echo "expected in $dir: $*; found: $left" >&2
    return 1
  fi
}

# build_make BUILD MAKE_ARGS...: make in spacer's build tree, one test at a
# time across the suite's parallel runs (a lock in the tree). The binaries
# under test live there: tests must leave everything in it as up to date
# as they found it, or a later make would relink spacer while others run it.
build_make() {
  local build=$1
  shift
  flock "$build/.suite-make.lock" make -s --no-print-directory -C "$build" "$@"
}

# update_config JQ_FILTER [jq options...]: edit $BUNDLE/config.json in
# place. Options come after the file so --args/--arg work.
update_config() {
  local filter=$1 tmp=$BUNDLE/config.json.tmp
  shift
  jq "$filter" "$BUNDLE/config.json" "$@" >"$tmp"
  mv "$tmp" "$BUNDLE/config.json"
}

# set_args ARG...: the container's process.args. Each goes through --arg,
# the one jq option whose value is never taken for an option itself.
set_args() {
  local i=0 a jq_args=() names=()
  for a in "$@"; do
    jq_args+=(--arg "a$i" "$a")
    names+=("\$a$i")
    i=$((i + 1))
  done
  update_config ".process.args = [$(IFS=,; echo "${names[*]}")]" "${jq_args[@]}"
}

# create_container ID [create flags...]: `spacer create` from $BUNDLE. The
# container's stdio (inherited from spacer) goes to $BATS_TEST_TMPDIR/ID.log,
# so bats does not wait on a pipe the container holds open.
create_container() {
  local id=$1
  shift
  spacer create --bundle "$BUNDLE" "$@" "$id" >"$BATS_TEST_TMPDIR/$id.log" 2>&1 </dev/null || {
    cat "$BATS_TEST_TMPDIR/$id.log" >&2
    return 1
  }
}

# capture CMD...: like bats' `run`, but the command's stdout and stderr go
# to files and its stdin is /dev/null: a container wrongly created would
# otherwise hold bats' pipe open and hang the test. Sets $status, $output
# (stdout, then stderr), $stdout and $stderr.
capture() {
  local out=$BATS_TEST_TMPDIR/capture.out err=$BATS_TEST_TMPDIR/capture.err
  status=0
  "$@" >"$out" 2>"$err" </dev/null || status=$?
  # $(<file) is read by bash itself, where $(cat file) forks and execs:
  # the suite captures thousands of commands.
  # shellcheck disable=SC2034 # for the callers
  stdout=$(<"$out")
  # shellcheck disable=SC2034 # for the callers
  stderr=$(<"$err")
  if [ -s "$out" ] && [ -s "$err" ]; then
    output=$(cat "$out" "$err")
  else
    output=$stdout$stderr
  fi
}

# The container's output so far (see create_container).
container_log() {
  cat "$BATS_TEST_TMPDIR/$1.log"
}

# state_field ID FIELD: one field of `spacer state`.
state_field() {
  spacer state "$1" | jq -r ".$2"
}

# without_leak_check CMD...: CMD with LeakSanitizer's check at exit off (in
# the ASan pass). The check costs every process some 40 ms here, most of
# it page faults in its scan of the sanitizer runtime's own tables; the
# suite's polling and bookkeeping (state while it waits, list and state in
# every teardown) would pay it thousands of times. The commands a test is
# about keep the check.
without_leak_check() {
  ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 "$@"
}

# wait_for_status ID STATUS: poll up to 10 s (a loaded machine is slow, a
# passing test does not wait).
wait_for_status() {
  local i
  for i in $(seq 200); do
    [ "$(without_leak_check state_field "$1" status 2>/dev/null)" = "$2" ] && return 0
    sleep 0.05
  done
  echo "container $1 did not reach status $2 (now: $(state_field "$1" status 2>&1))" >&2
  return 1
}

# wait_for_file PATH: poll up to 10 s for PATH to exist and be non-empty.
wait_for_file() {
  local i
  for i in $(seq 200); do
    [ -s "$1" ] && return 0
    sleep 0.05
  done
  echo "$1 did not appear" >&2
  return 1
}

# assert_ok: the last `run` (or capture) exited 0 (shows its output when not).
assert_ok() {
  if [ "$status" -ne 0 ]; then
    echo "expected status 0, got $status: $output" >&2
    return 1
  fi
}

# assert_output EXPECTED: the last `run` (or capture) printed exactly EXPECTED.
assert_output() {
  if [ "$output" != "$1" ]; then
    printf 'expected output:\n%s\ngot:\n%s\n' "$1" "$output" >&2
    return 1
  fi
}

# assert_error PATTERN: the last `run` (or capture) failed, with a non-zero
# status and the one error line assert_one_line_error PATTERN wants.
assert_error() {
  if [ "$status" -eq 0 ]; then
    echo "expected a failure with an error matching: $1" >&2
    echo "got status 0: $output" >&2
    return 1
  fi
  assert_one_line_error "$1"
}

# assert_one_line_error PATTERN: $output (from bats `run`) is exactly one
# line starting with "spacer: " and matching the extended regex PATTERN.
assert_one_line_error() {
  # Lines as `wc -l` counts those of "$output\n", without its fork.
  local newlines=${output//[!$'\n']/} lines
  lines=$((${#newlines} + 1))
  if [ "$lines" -ne 1 ] || [[ $output != "spacer: "* ]] || ! grep -Eq -- "$1" <<<"$output"; then
    echo "expected one error line matching: $1" >&2
    echo "got ($lines lines): $output" >&2
    return 1
  fi
}

# process_alive PID: the process exists and is not a zombie waiting to be
# reaped (a killed container init lingers as one until its reaper runs).
process_alive() {
  local stat state
  # Builtins only: tests poll this. The state is the field after the
  # command's ") ", the last one in the line.
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  state=${stat##*) }
  [ "${state:0:1}" != Z ]
}

# test_processes: PIDs of live processes that carry this test's
# SPACER_TEST_MARK (see setup_bundle) in their environment. Zombies have an
# empty environ and are not listed. Only builtins here (a command this
# function executed would carry the mark itself), in a subshell without
# bats' DEBUG trap, which makes a walk over /proc ten times slower.
test_processes() (
  trap - DEBUG
  local p env
  for p in /proc/[0-9]*; do
    [ "${p#/proc/}" = "$BASHPID" ] && continue
    mapfile -d '' env 2>/dev/null <"$p/environ" || continue
    [[ " ${env[*]} " == *" SPACER_TEST_MARK=$SPACER_TEST_MARK "* ]] && echo "${p#/proc/}"
  done
  return 0
)

# assert_nothing_left [PID...]: nothing of a failed or deleted container is
# left: no container in `spacer list`, nothing in the state directory (which
# need not exist), no mount of the bundle on the host, and no live process of
# the test: none of the PIDs given, none carrying SPACER_TEST_MARK
# (test_processes), none whose root is the rootfs, none whose command line
# names the test directory (an init that has not executed the program yet
# is a copy of the spacer that made it, --root and all).
#
# It and teardown_containers run in a subshell without bats' DEBUG trap,
# which runs before every command and made them cost a test a quarter of
# a second each (with builtins where a command would fork: every test
# runs them).
# state_left: what is in $ROOT but the cache of compiled seccomp programs,
# which outlives containers on purpose.
state_left() {
  local f
  for f in "$ROOT"/* "$ROOT"/.[!.]* "$ROOT"/..?*; do
    [ -e "$f" ] || [ -L "$f" ] || continue
    [ "${f##*/}" = .seccomp-cache ] || echo "${f##*/}"
  done
}

# mountinfo_lines TEXT: the lines of our /proc/self/mountinfo holding TEXT.
mountinfo_lines() {
  local line
  while IFS= read -r line; do
    [[ $line == *"$1"* ]] && echo "$line"
  done </proc/self/mountinfo
  return 0
}

assert_nothing_left() (
  trap - DEBUG
  local ids bundle pid procs p args
  ids=$(spacer list -q)
  if [ -n "$ids" ]; then
    echo "containers left: $ids" >&2
    return 1
  fi
  local left
  left=$(state_left)
  if [ -n "$left" ]; then
    echo "state left in $ROOT: $left" >&2
    return 1
  fi
  for bundle in "$BUNDLE" "$(realpath "$BUNDLE")"; do
    left=$(mountinfo_lines "$bundle")
    if [ -n "$left" ]; then
      echo "mounts left:" >&2
      echo "$left" >&2
      return 1
    fi
  done
  for pid in "$@"; do
    if process_alive "$pid"; then
      echo "process $pid still alive" >&2
      return 1
    fi
  done
  procs=$(test_processes)
  if [ -n "$procs" ]; then
    echo "processes of the test left: ${procs//$'\n'/ }" >&2
    return 1
  fi
  # As in test_processes: builtins only (but to tell a zombie). -ef
  # compares the directories themselves: readlink of a pivoted container's
  # /proc/PID/root shows "/", not the rootfs.
  procs=$(
    for p in /proc/[0-9]*; do
      [ "${p#/proc/}" = "$BASHPID" ] && continue
      if [ "$p/root" -ef "$BUNDLE/rootfs" ] && process_alive "${p#/proc/}"; then
        echo "${p#/proc/}, whose root is the rootfs"
      elif mapfile -d '' args 2>/dev/null <"$p/cmdline" && [[ "${args[*]}" == *"$BATS_TEST_TMPDIR"* ]]; then
        echo "${p#/proc/}: ${args[*]}"
      fi
    done
  )
  if [ -n "$procs" ]; then
    echo "processes left:" >&2
    echo "$procs" >&2
    return 1
  fi
)

# Delete every container the test left behind, then fail the test if the
# state directory, a container process or a mount below the test directory
# is left over. Only a state directory that holds something can hold a
# container: `spacer list` runs when it does (with ASan, a process costs
# a tenth of a second).
teardown_containers() (
  trap - DEBUG
  local id pids=() leaked=0
  if [ -n "$(state_left)" ]; then
    for id in $(without_leak_check spacer list -q 2>/dev/null); do
      pids+=("$(without_leak_check state_field "$id" pid 2>/dev/null || true)")
      spacer delete --force "$id" || leaked=1
    done
    if [ -n "$(state_left)" ]; then
      echo "leaked state: $(state_left)" >&2
      leaked=1
    fi
  fi
  for id in "${pids[@]}"; do
    if [ "${id:-0}" -gt 0 ] && process_alive "$id"; then
      echo "leaked container process $id" >&2
      leaked=1
    fi
  done
  local mounts
  mounts=$(mountinfo_lines "$BATS_TEST_TMPDIR")
  if [ -n "$mounts" ]; then
    echo "leaked mounts:" >&2
    echo "$mounts" >&2
    leaked=1
  fi
  local cgroups
  cgroups=$(leaked_cgroups)
  if [ -n "$cgroups" ]; then
    echo "leaked cgroups: $cgroups" >&2
    leaked=1
  fi
  return "$leaked"
)

# fnv1a TEXT: the 32-bit FNV-1a hash spacer puts in default cgroup names
# (spacer-ID.HASH, the hash of the state directory).
fnv1a() {
  local s=$1 h=2166136261 i c
  for ((i = 0; i < ${#s}; i++)); do
    printf -v c '%d' "'${s:i:1}"
    h=$(((h ^ c) * 16777619 & 0xffffffff))
  done
  printf '%08x' "$h"
}

# The default cgroups of this test's containers still on the host: they
# sit below our own cgroup in each hierarchy (each listed once: v1
# hierarchies can share a mount).
leaked_cgroups() {
  local hash own dir
  local -A seen=()
  hash=$(fnv1a "$ROOT")
  while IFS=: read -r _ _ own; do
    for dir in /sys/fs/cgroup/*"$own"/spacer-*."$hash" /sys/fs/cgroup"$own"/spacer-*."$hash"; do
      [ -d "$dir" ] && [ -z "${seen[$dir]:-}" ] && seen[$dir]=1 && echo "$dir"
    done
  done </proc/self/cgroup
  return 0
}

# spacer_in_background NAME READY ARGS...: spacer ARGS (with this test's
# --root) as a background job under timeout (its PID in RUNNER, ended by
# teardown through BG_PIDS) until container NAME printed READY; output in
# $BATS_TEST_TMPDIR/NAME.log. SPACER_PID: spacer's own PID, the parent of
# the container's init.
spacer_in_background() {
  local name=$1 ready=$2
  shift 2
  timeout -k 5 60 "$SPACER" --root "$ROOT" "$@" >"$BATS_TEST_TMPDIR/$name.log" 2>&1 </dev/null &
  RUNNER=$!
  BG_PIDS+=("$RUNNER")
  wait_for_log "$name" "$ready"
  SPACER_PID=$(awk '/^PPid:/ { print $2 }' "/proc/$(state_field "$name" pid)/status")
  [ -n "$SPACER_PID" ]
}

# wait_for_log ID TEXT: poll up to 10 s for TEXT in the container's output.
wait_for_log() {
  local i
  for i in $(seq 200); do
    grep -qF -- "$2" "$BATS_TEST_TMPDIR/$1.log" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "\"$2\" not in the output of $1: $(container_log "$1")" >&2
  return 1
}

# ere_quote TEXT: TEXT as an extended regex matching itself.
ere_quote() {
  sed 's/[][\.*^$+?(){}|]/\\&/g' <<<"$1"
}

# spacer with a time limit, for commands that must return on their own.
spacer_timed() {
  timeout 20 "$SPACER" --root "$ROOT" "$@"
}

# host_mount ARGS... TARGET: mount on the host for this test; teardown
# unmounts it. TARGET must be below $BATS_TEST_TMPDIR.
host_mount() {
  mount "$@"
  HOST_MOUNTS+=("${!#}")
}

# bind_host_dir HOST_DIR DEST: bind-mount a host directory into the container.
bind_host_dir() {
  mkdir -p "$1"
  update_config '.mounts += [{"destination": $dst, "type": "bind", "source": $src,
                              "options": ["rbind", "rw"]}]' --arg src "$1" --arg dst "$2"
}

# end_background_jobs: KILL the background jobs this test started, listed
# in BG_PIDS, by PID only, and reap them.
end_background_jobs() {
  local pid
  for pid in "${BG_PIDS[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}

# wait_until CMD...: run CMD every 50 ms, up to 5 s, until it succeeds;
# fails (saying what it waited for) if it never does.
wait_until() {
  local i
  for i in $(seq 100); do
    "$@" && return 0
    sleep 0.05
  done
  echo "still not true after 5 s: $*" >&2
  return 1
}

# socket_listening PID SOCKET: the process PID listens on the unix socket
# file SOCKET. The file exists from bind(), a moment before listen(): a
# socket of PID's flagged __SO_ACCEPTCON in /proc/net/unix says it listens.
socket_listening() {
  local fd inodes=
  for fd in "/proc/$1/fd/"*; do
    inodes+=" $(readlink "$fd" 2>/dev/null | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p')"
  done
  awk -v inodes="$inodes " '$4 == "00010000" && index(inodes, " " $7 " ") { found = 1 }
    END { exit !found }' /proc/net/unix && [ -S "$2" ]
}

# start_receiver TOOL SOCKET NAME [ARG...]: TOOL, a receiver of
# tests/tools, listening on $BATS_TEST_TMPDIR/SOCKET in the background,
# its output in $BATS_TEST_TMPDIR/NAME.out and NAME.err, its pid in
# $RECEIVER_PID; returns once it listens. The tool is the test's, not part
# of a container: it runs without SPACER_TEST_MARK and with a relative
# socket path, so that assert_nothing_left (which looks for processes
# carrying the mark or naming the test directory) does not count it.
start_receiver() {
  local tool=$1 socket=$2 name=$3
  shift 3
  [ -x "$tool" ] || {
    echo "$tool is not built (make -C build test-programs)" >&2
    return 1
  }
  (cd "$BATS_TEST_TMPDIR" && exec env -u SPACER_TEST_MARK "$tool" "$socket" "$@") \
    >"$BATS_TEST_TMPDIR/$name.out" 2>"$BATS_TEST_TMPDIR/$name.err" </dev/null 3>&- &
  RECEIVER_PID=$!
  BG_PIDS+=("$RECEIVER_PID")
  wait_until socket_listening "$RECEIVER_PID" "$BATS_TEST_TMPDIR/$socket" || {
    echo "$name did not listen on $socket: $(cat "$BATS_TEST_TMPDIR/$name.err")" >&2
    return 1
  }
}

# start_recvpidfd [SIGNAL]: tests/tools/recvpidfd listening on $PIDFD_SOCK
# (see the tool for what it writes to $BATS_TEST_TMPDIR/recvpidfd.out, and
# what it does with SIGNAL); its pid in $RECVPIDFD_PID.
start_recvpidfd() {
  PIDFD_SOCK=$BATS_TEST_TMPDIR/pidfd.sock
  start_receiver "$RECVPIDFD" pidfd.sock recvpidfd "$@" || return 1
  RECVPIDFD_PID=$RECEIVER_PID
}

# recvpidfd_said KEY: the value recvpidfd reported for KEY (msg, fd, pid),
# once it has exited.
recvpidfd_said() {
  wait_until process_gone "$RECVPIDFD_PID"
  sed -n "s/^$1=//p" "$BATS_TEST_TMPDIR/recvpidfd.out"
}

# process_gone PID: the process has exited (see process_alive).
process_gone() {
  ! process_alive "$1"
}

# ---- what the host offers ----
#
# A test of a feature some supported hosts lack calls one of these first,
# before it creates anything, and is skipped with the reason where the
# feature is missing. They look at the host (the kernel's files, this
# shell's own limits and capabilities), never at what spacer says: a spacer
# that broke a feature must fail its test, not skip it.

# CAP_NAMES[N]: the name of capability N (linux/capability.h).
CAP_NAMES=(CAP_CHOWN CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER CAP_FSETID CAP_KILL
  CAP_SETGID CAP_SETUID CAP_SETPCAP CAP_LINUX_IMMUTABLE CAP_NET_BIND_SERVICE
  CAP_NET_BROADCAST CAP_NET_ADMIN CAP_NET_RAW CAP_IPC_LOCK CAP_IPC_OWNER CAP_SYS_MODULE
  CAP_SYS_RAWIO CAP_SYS_CHROOT CAP_SYS_PTRACE CAP_SYS_PACCT CAP_SYS_ADMIN CAP_SYS_BOOT
  CAP_SYS_NICE CAP_SYS_RESOURCE CAP_SYS_TIME CAP_SYS_TTY_CONFIG CAP_MKNOD CAP_LEASE
  CAP_AUDIT_WRITE CAP_AUDIT_CONTROL CAP_SETFCAP CAP_MAC_OVERRIDE CAP_MAC_ADMIN CAP_SYSLOG
  CAP_WAKE_ALARM CAP_BLOCK_SUSPEND CAP_AUDIT_READ CAP_PERFMON CAP_BPF CAP_CHECKPOINT_RESTORE)

# cap_mask NAME...: the mask /proc/PID/status shows for these capabilities.
cap_mask() {
  local mask=0 name i found
  for name in "$@"; do
    found=
    for i in "${!CAP_NAMES[@]}"; do
      [ "${CAP_NAMES[$i]}" = "$name" ] && found=$i
    done
    [ -n "$found" ] || {
      echo "cap_mask: unknown $name" >&2
      return 1
    }
    mask=$((mask | (1 << found)))
  done
  printf '%016x\n' "$mask"
}

# has_capability SET NAME: this shell's SET (Bnd, Eff, Prm...) holds NAME.
# spacer runs with this shell's sets.
has_capability() {
  local set
  set=$(awk -v f="Cap$1:" '$1 == f { print $2 }' /proc/self/status)
  (((16#$set & 16#$(cap_mask "$2")) != 0))
}

# require_preload: the test attacks spacer from inside, through a library
# LD_PRELOAD puts into it; a statically linked spacer (the default build)
# loads none. The sanitizer pass's spacer is linked dynamically and runs it.
require_preload() {
  command -v cc >/dev/null || skip "no C compiler for the LD_PRELOAD attacker"
  ldd "$SPACER" >/dev/null 2>&1 ||
    skip "spacer is linked statically: no LD_PRELOAD library can interpose (the sanitizer pass runs this)"
}

# require_capability NAME...: spacer drops (with a warning) a capability
# its own bounding set lacks, so a container asking for it cannot get it.
require_capability() {
  local name
  for name in "$@"; do
    has_capability Bnd "$name" || skip "the runtime's bounding set lacks $name"
  done
}

# without_capability NAME CMD...: CMD (spacer, say) as on a host whose
# bounding set lacks NAME: root's permitted set follows the bounding set
# at exec, so tests of what a runtime without NAME may not do run anywhere.
without_capability() {
  local cap=${1#CAP_}
  shift
  setpriv --bounding-set "-${cap,,}" "$@"
}

# require_hard_rlimit RESOURCE HARD: a container may get a hard RLIMIT_RESOURCE
# of HARD: setrlimit(2) raises a hard limit above the runtime's own only
# with CAP_SYS_RESOURCE.
require_hard_rlimit() {
  local own
  own=$(prlimit --pid $$ --raw --noheadings --output RESOURCE,HARD | awk -v r="$1" '$1 == r { print $2 }')
  [ "$own" = unlimited ] || [ "$own" -ge "$2" ] || has_capability Eff CAP_SYS_RESOURCE ||
    skip "the runtime's hard RLIMIT_$1 is $own, below $2, and it lacks CAP_SYS_RESOURCE to raise it"
}

# require_oom_score_adj VALUE: a container may get oom_score_adj VALUE:
# going below the runtime's own needs CAP_SYS_RESOURCE.
require_oom_score_adj() {
  local own
  own=$(cat /proc/self/oom_score_adj)
  [ "$1" -ge "$own" ] || has_capability Eff CAP_SYS_RESOURCE ||
    skip "oom_score_adj $1 is below the runtime's own ($own) and it lacks CAP_SYS_RESOURCE"
}

# require_arch MACHINE: the test's syscall numbers or assembly are MACHINE's.
require_arch() {
  [ "$(uname -m)" = "$1" ] || skip "syscall numbers and code of $1, this host is $(uname -m)"
}

# require_time_namespace: time namespaces came in Linux 5.6.
require_time_namespace() {
  [ -e /proc/self/ns/time ] || skip "the kernel has no time namespaces"
}

# require_user_namespaces: user.max_user_namespaces 0 forbids them to all.
require_user_namespaces() {
  [ "$(cat /proc/sys/user/max_user_namespaces)" -gt 0 ] ||
    skip "user namespaces are off (user.max_user_namespaces = 0)"
}

# no_unprivileged_user_namespaces: why a plain user may not make a user
# namespace here (user.max_user_namespaces 0, Debian's
# kernel.unprivileged_userns_clone, Ubuntu's AppArmor restriction); fails
# where it may.
no_unprivileged_user_namespaces() {
  if [ "$(cat /proc/sys/user/max_user_namespaces)" -eq 0 ]; then
    echo "user namespaces are off (user.max_user_namespaces = 0)"
  elif [ "$(cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null || echo 1)" != 1 ]; then
    echo "unprivileged user namespaces are off (kernel.unprivileged_userns_clone = 0)"
  elif [ "$(cat /proc/sys/kernel/apparmor_restrict_unprivileged_userns 2>/dev/null || echo 0)" != 0 ]; then
    echo "AppArmor restricts unprivileged user namespaces"
  else
    return 1
  fi
}

# require_unprivileged_user_namespaces: a plain user may make a user namespace.
require_unprivileged_user_namespaces() {
  local why
  if why=$(no_unprivileged_user_namespaces); then
    skip "$why"
  fi
}

# require_newidmap: shadow's newuidmap and newgidmap (Debian's package
# uidmap) are on PATH, setuid root or with file capabilities: without
# either they can grant nothing.
require_newidmap() {
  local tool path
  for tool in newuidmap newgidmap; do
    path=$(command -v "$tool") || skip "no $tool on PATH (package uidmap)"
    [ -u "$path" ] || [ -n "$(getcap "$path" 2>/dev/null)" ] ||
      skip "$path is neither setuid nor holds file capabilities"
  done
}

# require_idmapped_mounts DIR: DIR's filesystem can be idmapped (Linux
# 5.12; ext4, xfs, btrfs from then on, tmpfs only from 6.3), as probed by
# tests/tools/idmap-probe outside spacer.
require_idmapped_mounts() {
  local why
  why=$("$IDMAP_PROBE" "$1" 2>&1) || skip "no idmapped mount of $1 here: $why"
}

# cgroup_v1_mountpoint CONTROLLER: where a cgroup v1 hierarchy holding
# CONTROLLER is mounted; fails where none is. The kernel lists hierarchies
# in /proc/self/cgroup that nothing mounts; spacer uses mounted ones only.
cgroup_v1_mountpoint() {
  awk -v c="$1" '{ split($0, halves, " - "); split(halves[2], f, " ") }
    f[1] == "cgroup" && index("," f[3] ",", "," c ",") { print $5; found = 1; exit }
    END { exit !found }' /proc/self/mountinfo
}

# cgroup2_mountpoint: where the cgroup2 hierarchy is mounted; fails where
# it is not.
cgroup2_mountpoint() {
  awk '{ split($0, halves, " - "); split(halves[2], f, " ") }
    f[1] == "cgroup2" { print $5; found = 1; exit }
    END { exit !found }' /proc/self/mountinfo
}

# cgroup2_own_dir: our own cgroup in the mounted cgroup2 hierarchy; fails
# where cgroup2 is not mounted.
cgroup2_own_dir() {
  local mnt own
  mnt=$(cgroup2_mountpoint) || return 1
  own=$(sed -n 's/^0:://p' /proc/self/cgroup)
  [ -n "$own" ] && echo "$mnt${own%/}"
}

# cgroup_v1_own_dir CONTROLLER: this shell's cgroup in the v1 hierarchy
# holding CONTROLLER (where spacer makes the containers' cgroups).
cgroup_v1_own_dir() {
  local mnt own
  mnt=$(cgroup_v1_mountpoint "$1") || return 1
  own=$(awk -F: -v c="$1" 'index("," $2 ",", "," c ",") { print $3; exit }' /proc/self/cgroup)
  echo "$mnt${own%/}"
}

# require_cpu_rt MICROSECONDS: a container's cgroup can be given that much
# realtime run time: cgroup v1's cpu controller (cgroup2 has no realtime
# bandwidth), a kernel with realtime group scheduling
# (CONFIG_RT_GROUP_SCHED: the cpu.rt_* files), and at least that much in
# our own cgroup's cpu.rt_runtime_us (a child's is bounded by it).
require_cpu_rt() {
  local dir
  dir=$(cgroup_v1_own_dir cpu) || skip "no cgroup v1 cpu hierarchy (realtime CPU bandwidth is v1's)"
  [ -e "$dir/cpu.rt_runtime_us" ] ||
    skip "no realtime group scheduling in this kernel (CONFIG_RT_GROUP_SCHED: no cpu.rt_runtime_us)"
  [ "$(cat "$dir/cpu.rt_runtime_us")" -ge "$1" ] ||
    skip "our cpu cgroup's cpu.rt_runtime_us ($(cat "$dir/cpu.rt_runtime_us")) is below $1"
}

# require_no_resctrl: the test is of a host without Intel RDT's resctrl
# filesystem mounted at /sys/fs/resctrl.
require_no_resctrl() {
  ! grep -qs ' /sys/fs/resctrl resctrl ' /proc/mounts ||
    skip "resctrl is mounted at /sys/fs/resctrl (the test is of a host without it)"
}

# mounted_cgroup_lines [FILE]: the lines of FILE (a /proc/PID/cgroup,
# default ours) whose hierarchy is mounted here, which are the ones
# spacer makes a cgroup in.
mounted_cgroup_lines() {
  local line ctrls c all
  while IFS= read -r line; do
    ctrls=${line#*:}
    ctrls=${ctrls%%:*}
    if [ -z "$ctrls" ]; then
      cgroup2_own_dir >/dev/null && echo "$line"
      continue
    fi
    all=1
    for c in ${ctrls//,/ }; do
      cgroup_v1_mountpoint "$c" >/dev/null || all=0
    done
    [ "$all" = 0 ] || echo "$line"
  done <"${1:-/proc/self/cgroup}"
}

# require_cgroup_v1 CONTROLLER: for tests that read CONTROLLER's cgroup v1
# files (a pure cgroup v2 host has none).
require_cgroup_v1() {
  cgroup_v1_mountpoint "$1" >/dev/null || skip "no cgroup v1 $1 hierarchy (the test reads its v1 files)"
}

# require_cgroup_controller CONTROLLER: the containers' cgroups get
# CONTROLLER: from a v1 hierarchy, or on cgroup2 where our own cgroup
# enables it for its children (spacer makes its cgroups below ours and
# does not touch a subtree_control it did not make).
require_cgroup_controller() {
  local dir
  cgroup_v1_mountpoint "$1" >/dev/null && return 0
  dir=$(cgroup2_own_dir) && grep -qw -- "$1" "$dir/cgroup.subtree_control" 2>/dev/null && return 0
  skip "no $1 cgroup controller for the containers (no v1 hierarchy, not enabled in our cgroup2 cgroup)"
}

# require_cgroup_freezer: pause needs v1's freezer or cgroup2's
# cgroup.freeze (Linux 5.2, in every cgroup2 cgroup).
require_cgroup_freezer() {
  cgroup_v1_mountpoint freezer >/dev/null || cgroup2_own_dir >/dev/null ||
    skip "no freezer: neither a cgroup v1 freezer hierarchy nor cgroup2"
}

# require_blkio_weight: v1's blkio.weight was CFQ's (gone in Linux 5.0);
# blkio.bfq.weight exists while BFQ is registered, and the kernel then
# lists bfq among the schedulers of every disk.
require_blkio_weight() {
  grep -qsw bfq /sys/block/*/queue/scheduler ||
    skip "no I/O scheduler with weights (BFQ) here: no blkio.weight or blkio.bfq.weight"
}

# require_memory_limit_binds: with swap on, a memory limit holds a hog only
# where the kernel also limits its swap (v1's memory.memsw files, present
# when swap is accounted); otherwise the hog swaps instead of being killed.
require_memory_limit_binds() {
  local mnt
  mnt=$(cgroup_v1_mountpoint memory) || return 0
  [ -e "$mnt/memory.memsw.limit_in_bytes" ] || [ "$(wc -l </proc/swaps)" -le 1 ] ||
    skip "swap is on and not accounted (no memory.memsw files): a hog would swap, not meet its limit"
}

# require_cpus N...: the runtime may run on each CPU N (its own cpuset).
require_cpus() {
  local n
  for n in "$@"; do
    cpus_allowed "$n" || skip "the runtime may not run on CPU $n (Cpus_allowed_list $(own_cpus))"
  done
}

# own_cpus: this shell's Cpus_allowed_list ("0-3,6").
own_cpus() {
  awk '$1 == "Cpus_allowed_list:" { print $2 }' /proc/self/status
}

# cpus_allowed N: CPU N is in own_cpus.
cpus_allowed() {
  local range
  for range in $(own_cpus | tr , ' '); do
    [ "$1" -ge "${range%-*}" ] && [ "$1" -le "${range#*-}" ] && return 0
  done
  return 1
}

# join_namespace TYPE PATH: the config's TYPE namespace is the one at PATH.
join_namespace() {
  update_config '(.linux.namespaces[] | select(.type == $t)) |= {type: $t, path: $p}' \
    --arg t "$1" --arg p "$2"
}

# A copy of spacer for tests where the container tries to reach the binary
# that made it: should one of them get through, it writes to the copy, not
# to the build others use. spacer_copy makes it ($SPACER_COPY), copy_spacer
# runs it with this test's state directory.
spacer_copy() {
  SPACER_COPY=$BATS_TEST_TMPDIR/spacer-copy
  cp "$SPACER" "$SPACER_COPY"
}

copy_spacer() {
  "$SPACER_COPY" --root "$ROOT" "$@"
}

# require_numa: the kernel has NUMA policies (CONFIG_NUMA: /proc/PID/numa_maps).
require_numa() {
  [ -e /proc/self/numa_maps ] || skip "the kernel has no NUMA support (no /proc/self/numa_maps)"
}

# require_kernel MAJOR.MINOR WHAT: the running kernel is at least that.
require_kernel() {
  local have want=$1
  have=$(uname -r | grep -Eo '^[0-9]+\.[0-9]+')
  [ "$(printf '%s\n%s\n' "$want" "$have" | sort -V | head -1)" = "$want" ] ||
    skip "$2 needs Linux $want (this is $(uname -r))"
}

# require_no_resctrl: resctrl is not mounted (for the refusal where it is not).
require_no_resctrl() {
  [ "$(stat -f -c %t /sys/fs/resctrl 2>/dev/null)" != 7655821 ] ||
    skip "resctrl is mounted at /sys/fs/resctrl on this host"
}

# require_selinux / require_no_selinux: SELinux is (not) active.
require_selinux() {
  [ -e /sys/fs/selinux/enforce ] || skip "SELinux is not enabled on this host"
}

require_no_selinux() {
  [ ! -e /sys/fs/selinux/enforce ] || skip "SELinux is enabled on this host"
}

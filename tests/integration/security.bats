#!/usr/bin/env bats
# Security: the five capability sets, noNewPrivileges, oomScoreAdj,
# personality, scheduler and I/O priority; seccomp filters (every action,
# argument conditions, NOTIFY listeners, the order against the identity
# change, the cache of compiled programs); AppArmor/SELinux labels on a host without them; and the known
# runtime escapes (CVE-2019-5736, CVE-2024-21626, CVE-2019-16884/19921,
# writes to /proc/sys, /sys and /proc/sysrq-trigger) that must not work.
#
# Helper programs (fixtures/security/*.c) are built static in setup_file and
# put in this file's rootfs, in /bin. rawsys.c is x86_64 assembly and
# sigsys.c calls mkdir(2), which newer architectures lack: both are built on
# x86_64 only, where the syscall numbers below (mkdir = 83) hold, and the
# tests that use them or those numbers require_arch x86_64.

load helpers

bats_require_minimum_version 1.5.0

setup_file() {
  local src=$BATS_TEST_DIRNAME/fixtures/security f
  export SECURITY_BIN=$BATS_FILE_TMPDIR/bin
  mkdir "$SECURITY_BIN" "$BATS_FILE_TMPDIR/no-rootfs"
  local in_rootfs=(ids ioprio)
  for f in ids ioprio notify-listener; do
    gcc -static -O2 -Wall -o "$SECURITY_BIN/$f" "$src/$f.c"
  done
  if [ "$(uname -m)" = x86_64 ]; then
    gcc -static -O2 -Wall -o "$SECURITY_BIN/sigsys" "$src/sigsys.c"
    # No libc at all: it must run under an allow-list of a few system calls.
    gcc -static -nostdlib -ffreestanding -fno-builtin -fno-tree-loop-distribute-patterns \
      -fno-stack-protector -Os -Wall -o "$SECURITY_BIN/rawsys" "$src/rawsys.c"
    in_rootfs+=(sigsys rawsys)
  fi
  cp -a "$SPACER_TEST_ROOTFS" "$BATS_FILE_TMPDIR/rootfs"
  for f in "${in_rootfs[@]}"; do
    cp "$SECURITY_BIN/$f" "$BATS_FILE_TMPDIR/rootfs/bin/$f"
  done
  # A setuid-root program, for noNewPrivileges.
  chown 0:0 "$BATS_FILE_TMPDIR/rootfs/bin/ids"
  chmod 4755 "$BATS_FILE_TMPDIR/rootfs/bin/ids"
}

setup() {
  # As in hooks.bats: each bundle hardlinks this file's copy of the rootfs
  # (a `cp -a` would cost ~0.3 s a test). Directories are the test's own,
  # so tests add files and symlinks freely; no test writes to an existing
  # file of the rootfs.
  SPACER_TEST_ROOTFS=$BATS_FILE_TMPDIR/no-rootfs setup_bundle
  rmdir "$BUNDLE/rootfs"
  cp -al "$BATS_FILE_TMPDIR/rootfs" "$BUNDLE/rootfs"
  BG_PIDS=()
}

teardown() {
  end_background_jobs
  teardown_containers
}

# ---- helpers of this file ----

# set_caps JSON: process.capabilities.
set_caps() {
  update_config '.process.capabilities = $c' --argjson c "$1"
}

# expected_caps JSON: the five lines /proc/self/status shows (grep ^Cap)
# when each set is exactly what JSON (a process.capabilities) says.
expected_caps() {
  local set names
  for set in Inh:inheritable Prm:permitted Eff:effective Bnd:bounding Amb:ambient; do
    mapfile -t names < <(jq -r --arg s "${set#*:}" '.[$s] // [] | .[]' <<<"$1")
    printf 'Cap%s:\t%s\n' "${set%%:*}" "$(cap_mask "${names[@]}")"
  done
}

# A seccomp profile: everything allowed but the rules given (a JSON array).
allow_but() {
  update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
                                   "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
                                   "syscalls": $rules}' --argjson rules "$1"
}

# run_container ID: `spacer run` of $BUNDLE, as capture does it.
run_container() {
  capture spacer run --bundle "$BUNDLE" "$1"
}

# write_script PATH BODY: an executable /bin/sh script at PATH.
write_script() {
  printf '#!/bin/sh\n%s\n' "$2" >"$1"
  chmod 755 "$1"
}

# ---- capabilities ----

@test "capabilities: root gets the five sets exactly as configured" {
  require_capability CAP_CHOWN CAP_DAC_OVERRIDE CAP_KILL CAP_NET_RAW CAP_SYS_CHROOT CAP_SETUID
  # effective = permitted: for root the kernel recomputes the effective set
  # from the permitted one at the exec; everything else is distinct.
  local caps='{"bounding": ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_KILL", "CAP_NET_RAW", "CAP_SYS_CHROOT", "CAP_SETUID"],
               "effective": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"],
               "permitted": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"],
               "inheritable": ["CAP_NET_RAW", "CAP_SYS_CHROOT"],
               "ambient": ["CAP_NET_RAW"]}'
  set_caps "$caps"
  set_args grep ^Cap /proc/self/status
  run_container c1
  assert_ok
  assert_output "$(expected_caps "$caps")"
}

@test "capabilities: a non-root user gets the five sets exactly as configured" {
  require_capability CAP_CHOWN CAP_KILL CAP_NET_RAW CAP_SYS_ADMIN CAP_SETUID
  # A non-root program keeps across its exec what is ambient (and so
  # permitted, effective and inheritable): those four sets are equal.
  local caps='{"bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW", "CAP_SYS_ADMIN", "CAP_SETUID"],
               "effective": ["CAP_KILL", "CAP_NET_RAW"],
               "permitted": ["CAP_KILL", "CAP_NET_RAW"],
               "inheritable": ["CAP_KILL", "CAP_NET_RAW"],
               "ambient": ["CAP_KILL", "CAP_NET_RAW"]}'
  set_caps "$caps"
  update_config '.process.user = {"uid": 1000, "gid": 1000}'
  set_args grep ^Cap /proc/self/status
  run_container c1
  assert_ok
  assert_output "$(expected_caps "$caps")"
}

@test "capabilities: ambient capabilities of a non-root user need to be inheritable and permitted too" {
  require_capability CAP_KILL CAP_NET_RAW CAP_CHOWN
  # CAP_KILL is ambient and permitted but not inheritable: not raised, and
  # so gone after the exec; CAP_NET_RAW is all three: kept.
  set_caps '{"bounding": ["CAP_KILL", "CAP_NET_RAW", "CAP_CHOWN"],
             "effective": ["CAP_KILL", "CAP_NET_RAW"],
             "permitted": ["CAP_KILL", "CAP_NET_RAW"],
             "inheritable": ["CAP_NET_RAW", "CAP_CHOWN"],
             "ambient": ["CAP_KILL", "CAP_NET_RAW"]}'
  update_config '.process.user = {"uid": 1000, "gid": 1000}'
  set_args grep ^Cap /proc/self/status
  run_container c1
  assert_ok
  assert_output "$(printf 'CapInh:\t%s\nCapPrm:\t%s\nCapEff:\t%s\nCapBnd:\t%s\nCapAmb:\t%s' \
    "$(cap_mask CAP_NET_RAW CAP_CHOWN)" "$(cap_mask CAP_NET_RAW)" "$(cap_mask CAP_NET_RAW)" \
    "$(cap_mask CAP_KILL CAP_NET_RAW CAP_CHOWN)" "$(cap_mask CAP_NET_RAW)")"
}

@test "capabilities: an empty capabilities object leaves no capability at all" {
  set_caps '{}'
  set_args grep ^Cap /proc/self/status
  run_container c1
  assert_ok
  assert_output "$(printf 'CapInh:\t%s\nCapPrm:\t%s\nCapEff:\t%s\nCapBnd:\t%s\nCapAmb:\t%s' \
    0000000000000000 0000000000000000 0000000000000000 0000000000000000 0000000000000000)"
}

@test "capabilities: an unknown name is a one-line error naming its JSON path, and nothing is created" {
  update_config '.process.capabilities.bounding = ["CAP_KILL", "CAP_BOGUS"]'
  capture spacer create --bundle "$BUNDLE" c1
  assert_error 'process\.capabilities\.bounding\[1\]: unknown capability "CAP_BOGUS"'
  assert_nothing_left
}

@test "capabilities: one spacer's own bounding set lacks is dropped with a one-line warning" {
  require_capability CAP_KILL
  local caps='["CAP_KILL", "CAP_SYS_RESOURCE"]'
  set_caps "{\"bounding\": $caps, \"effective\": $caps, \"permitted\": $caps}"
  set_args grep ^Cap /proc/self/status
  capture without_capability CAP_SYS_RESOURCE "$SPACER" --root "$ROOT" run --bundle "$BUNDLE" c1
  assert_ok
  # The warning is all spacer says; the container runs without it.
  [ "$(wc -l <<<"$stderr")" -eq 1 ]
  [[ $stderr == "spacer: "* ]]
  [[ $stderr == *warning* ]]
  [[ $stderr == *CAP_SYS_RESOURCE* ]]
  [[ $stdout == *"CapBnd:	$(cap_mask CAP_KILL)"* ]]
  [[ $stdout == *"CapPrm:	$(cap_mask CAP_KILL)"* ]]
  [[ $stdout == *"CapEff:	$(cap_mask CAP_KILL)"* ]]
}

# ---- noNewPrivileges, oomScoreAdj, personality, scheduler, ioPriority ----

@test "noNewPrivileges: NoNewPrivs is 1 with true, 0 with false" {
  set_args grep ^NoNewPrivs: /proc/self/status
  update_config '.process.noNewPrivileges = true'
  run_container c1
  assert_ok
  assert_output "NoNewPrivs:	1"
  update_config '.process.noNewPrivileges = false'
  run_container c2
  assert_ok
  assert_output "NoNewPrivs:	0"
}

@test "noNewPrivileges: a setuid-root binary run by uid 1000 keeps euid 1000 (and gets 0 without it)" {
  update_config '.process.user = {"uid": 1000, "gid": 1000}'
  set_args /bin/ids
  update_config '.process.noNewPrivileges = true'
  run_container c1
  assert_ok
  assert_output "uid=1000 euid=1000"
  # Without it the setuid bit works: the test can tell.
  update_config '.process.noNewPrivileges = false'
  run_container c2
  assert_ok
  assert_output "uid=1000 euid=0"
}

@test "oomScoreAdj: the program runs with it" {
  require_oom_score_adj 500
  update_config '.process.oomScoreAdj = 500'
  set_args cat /proc/self/oom_score_adj
  run_container c1
  assert_ok
  assert_output 500
}

@test "personality: LINUX32 makes uname -m say i686, LINUX x86_64" {
  require_arch x86_64
  set_args uname -m
  update_config '.linux.personality = {"domain": "LINUX32"}'
  run_container c1
  assert_ok
  [[ $output =~ ^i[3-6]86$ ]]
  update_config '.linux.personality = {"domain": "LINUX"}'
  run_container c2
  assert_ok
  assert_output x86_64
}

# stat_field N: field N of the /proc/self/stat the last run printed (its
# command, field 2, is one word). Policy (41) and nice (19) are read there:
# /proc/PID/sched shows them only where the kernel has CONFIG_SCHED_DEBUG.
stat_field() {
  awk -v n="$1" '{ print $n }' <<<"$output"
}

@test "scheduler: SCHED_BATCH is the program's policy" {
  update_config '.process.scheduler = {"policy": "SCHED_BATCH"}'
  set_args cat /proc/self/stat
  run_container c1
  assert_ok
  # SCHED_BATCH is policy 3.
  [ "$(stat_field 41)" = 3 ]
}

@test "scheduler: SCHED_OTHER with nice 5 gives policy 0 and nice 5" {
  update_config '.process.scheduler = {"policy": "SCHED_OTHER", "nice": 5}'
  set_args cat /proc/self/stat
  run_container c1
  assert_ok
  [ "$(stat_field 41)" = 0 ]
  [ "$(stat_field 19)" = 5 ]
}

@test "scheduler: an unknown policy is a one-line error naming its JSON path" {
  update_config '.process.scheduler = {"policy": "SCHED_BOGUS"}'
  capture spacer create --bundle "$BUNDLE" c1
  assert_error 'process\.scheduler\.policy: .*SCHED_BOGUS'
  assert_nothing_left
}

@test "ioPriority: IOPRIO_CLASS_IDLE and IOPRIO_CLASS_BE 4 are the program's" {
  set_args /bin/ioprio
  update_config '.process.ioPriority = {"class": "IOPRIO_CLASS_IDLE", "priority": 0}'
  run_container c1
  assert_ok
  assert_output "class=3 data=0"
  update_config '.process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 4}'
  run_container c2
  assert_ok
  assert_output "class=2 data=4"
}

# ---- seccomp ----

@test "seccomp: ERRNO with errnoRet fails the call with that errno, other calls work" {
  update_config '.root.readonly = false'
  allow_but '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]'
  set_args sh -c 'mkdir /tmp/x; echo "mkdir=$?"; touch /tmp/file && echo touched'
  run_container c1
  assert_ok
  [[ $output == *"mkdir=1"* ]]
  [[ $output == *"Permission denied"* ]]
  [[ $output == *touched* ]]
  [ ! -e "$BUNDLE/rootfs/tmp/x" ]
  [ -f "$BUNDLE/rootfs/tmp/file" ]
}

@test "seccomp: ERRNO without errnoRet fails the call with EPERM" {
  update_config '.root.readonly = false'
  allow_but '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]'
  set_args sh -c 'mkdir /tmp/x; echo "mkdir=$?"'
  run_container c1
  assert_ok
  [[ $output == *"mkdir=1"* ]]
  [[ $output == *"Operation not permitted"* ]]
  [ ! -e "$BUNDLE/rootfs/tmp/x" ]
}

@test "seccomp: defaultAction ERRNO with defaultErrnoRet; ALLOW and ERRNO rules over it" {
  require_arch x86_64
  # rawsys makes raw system calls only: an allow-list of the few it and
  # the exec need runs it.
  update_config '.root.readonly = false'
  update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 77,
    "syscalls": [{"names": ["execve", "write", "exit", "exit_group", "rt_sigaction", "rt_sigprocmask", "getpid"],
                  "action": "SCMP_ACT_ALLOW"},
                 {"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}'
  set_args /bin/rawsys getpid getppid mkdir
  run_container c1
  assert_ok
  assert_output "getpid=1
getppid=-13
mkdir=-77"
  [ ! -e "$BUNDLE/rootfs/tmp/rawsys-dir" ]
  # Without defaultErrnoRet: EPERM.
  update_config 'del(.linux.seccomp.defaultErrnoRet)'
  run_container c2
  assert_ok
  assert_output "getpid=1
getppid=-13
mkdir=-1"
}

# deny_by_default ACTION RULES: a profile for rawsys whose default is
# ACTION, allowing what rawsys, the exec and spacer's init after the
# filter need (the largest of them exit_group, 231 on x86_64) plus RULES (a JSON array), for the three x86
# architectures.
deny_by_default() {
  update_config '.linux.seccomp = {"defaultAction": $action,
    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    "syscalls": ([{"names": ["execve", "write", "exit", "exit_group", "rt_sigaction", "rt_sigprocmask"],
                   "action": "SCMP_ACT_ALLOW"}]
                 + $rules)}' --arg action "$1" --argjson rules "$2"
}

# The system calls newer than the profiles below: clone3 (435), openat2
# (437), faccessat2 (439), called with all arguments 0 by rawsys.
NEWER=(n435 n437 n439)

@test "seccomp: a call newer than a denying profile gets ENOSYS; an older one it leaves out, the default" {
  require_arch x86_64
  deny_by_default SCMP_ACT_ERRNO '[]'
  set_args /bin/rawsys "${NEWER[@]}" getppid mkdir n999
  run_container c1
  assert_ok
  # ENOSYS (38): glibc falls back to clone, openat, faccessat. getppid
  # (110) and mkdir (83) are older than exit_group: left out on purpose,
  # they keep EPERM.
  assert_output "n435=-38
n437=-38
n439=-38
getppid=-1
mkdir=-1
n999=-38"
}

@test "seccomp: ENOSYS for newer calls also under KILL_PROCESS and TRAP defaults, and from the cache" {
  require_arch x86_64
  local action
  for action in SCMP_ACT_KILL_PROCESS SCMP_ACT_TRAP; do
    deny_by_default "$action" '[]'
    set_args /bin/rawsys n437 n439
    capture spacer --debug run --bundle "$BUNDLE" "c-$action"
    assert_ok
    [[ $stderr == *"seccomp cache: miss"* ]]
    [ "$stdout" = $'n437=-38\nn439=-38' ]
    # The cached program gets the stub too.
    capture spacer --debug run --bundle "$BUNDLE" "d-$action"
    assert_ok
    [[ $stderr == *"seccomp cache: hit"* ]]
    [ "$stdout" = $'n437=-38\nn439=-38' ]
  done
  # An older call under KILL_PROCESS still kills (SIGSYS, 128+31).
  deny_by_default SCMP_ACT_KILL_PROCESS '[]'
  set_args /bin/rawsys getppid
  run_container c3
  [ "$status" -eq 159 ]
}

@test "seccomp: a profile that names a newer call moves the line: below it, the default" {
  require_arch x86_64
  # process_madvise (440), even in a rule that repeats the default (which
  # libseccomp's program leaves out), tells that the profile knows 437.
  deny_by_default SCMP_ACT_ERRNO '[{"names": ["process_madvise"], "action": "SCMP_ACT_ERRNO"}]'
  set_args /bin/rawsys "${NEWER[@]}" n441
  run_container c1
  assert_ok
  assert_output "n435=-1
n437=-1
n439=-1
n441=-38"
}

@test "seccomp: no ENOSYS stub when the default allows, logs, or is ENOSYS already" {
  require_arch x86_64
  # openat2 and the others let through fail on their 0 arguments: EINVAL.
  allow_but '[{"names": ["getppid"], "action": "SCMP_ACT_ERRNO"}]'
  set_args /bin/rawsys "${NEWER[@]}" getppid
  run_container c1
  assert_ok
  assert_output "n435=-22
n437=-22
n439=-22
getppid=-1"
  update_config '.linux.seccomp.defaultAction = "SCMP_ACT_LOG"'
  run_container c2
  assert_ok
  assert_output "n435=-22
n437=-22
n439=-22
getppid=-1"
  # ERRNO(ENOSYS) by default: everything not allowed is ENOSYS, older too.
  deny_by_default SCMP_ACT_ERRNO '[]'
  update_config '.linux.seccomp.defaultErrnoRet = 38'
  set_args /bin/rawsys n437 getppid
  run_container c3
  assert_ok
  assert_output "n437=-38
getppid=-38"
}

@test "seccomp: KILL, KILL_THREAD and KILL_PROCESS end the process with SIGSYS" {
  update_config '.root.readonly = false'
  local action
  for action in SCMP_ACT_KILL SCMP_ACT_KILL_THREAD SCMP_ACT_KILL_PROCESS; do
    allow_but "[{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"$action\"}]"
    # A child of the program: the shell sees it die of signal 31.
    set_args sh -c 'mkdir /tmp/x; echo "mkdir=$?"'
    run_container c1
    assert_ok
    [[ $output == *"mkdir=159"* ]] || {
      echo "$action: $output" >&2
      return 1
    }
    # The program itself: run exits 128 + 31.
    set_args mkdir /tmp/x
    run_container c2
    [ "$status" -eq 159 ] || {
      echo "$action: run exited $status: $output" >&2
      return 1
    }
    [ ! -e "$BUNDLE/rootfs/tmp/x" ]
  done
}

@test "seccomp: TRAP delivers SIGSYS: fatal unless handled, and a handler sees the call" {
  require_arch x86_64
  update_config '.root.readonly = false'
  allow_but '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_TRAP"}]'
  set_args sh -c 'mkdir /tmp/x; echo "mkdir=$?"; /bin/sigsys /tmp/y'
  run_container c1
  assert_ok
  [[ $output == *"mkdir=159"* ]]
  # x86_64's mkdir is 83.
  [[ $output == *"caught SIGSYS syscall=83"* ]]
  [ ! -e "$BUNDLE/rootfs/tmp/x" ]
  [ ! -e "$BUNDLE/rootfs/tmp/y" ]
}

@test "seccomp: TRACE without a tracer fails the call with ENOSYS, whatever errnoRet says" {
  update_config '.root.readonly = false'
  # errnoRet is the tracer's event message; with no tracer attached the
  # kernel skips the call with ENOSYS.
  allow_but '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_TRACE", "errnoRet": 13}]'
  set_args sh -c 'mkdir /tmp/x; echo "mkdir=$?"'
  run_container c1
  assert_ok
  [[ $output == *"mkdir=1"* ]]
  [[ $output == *"Function not implemented"* ]]
  [ ! -e "$BUNDLE/rootfs/tmp/x" ]
}

@test "seccomp: LOG and ALLOW leave the call working" {
  update_config '.root.readonly = false'
  local action
  for action in SCMP_ACT_LOG SCMP_ACT_ALLOW; do
    allow_but "[{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"$action\"}]"
    set_args sh -c "mkdir /tmp/$action && echo made"
    run_container c1
    assert_ok
    assert_output made
    [ -d "$BUNDLE/rootfs/tmp/$action" ]
  done
}

@test "seccomp: an argument condition: write to fd 2 fails, to fd 1 works" {
  require_arch x86_64
  allow_but '[{"names": ["write"], "action": "SCMP_ACT_ERRNO", "errnoRet": 9,
               "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]}]'
  set_args /bin/rawsys w1 w2
  run_container c1
  assert_ok
  [ "$stdout" = "w1
w1=3
w2=-9" ]
  [ -z "$stderr" ]
}

@test "seccomp: two conditions on the same argument are alternatives" {
  require_arch x86_64
  # write to fd 1 or fd 2 fails; the same file through fd 3 or 4 works.
  allow_but '[{"names": ["write"], "action": "SCMP_ACT_ERRNO", "errnoRet": 9,
               "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"},
                        {"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]}]'
  set_args sh -c 'exec /bin/rawsys -r3 w1 w2 w4 3>&1 4>&1'
  run_container c1
  assert_ok
  assert_output "w1=-9
w2=-9
w4
w4=3"
}

@test "seccomp: MASKED_EQ: openat with O_CREAT fails, plain opens work" {
  update_config '.root.readonly = false'
  # O_CREAT is 0100 (64): flags & 64 == 64.
  allow_but '[{"names": ["openat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
               "args": [{"index": 2, "value": 64, "valueTwo": 64, "op": "SCMP_CMP_MASKED_EQ"}]}]'
  set_args sh -c 'head -n1 /etc/passwd; touch /tmp/new; echo "touch=$?"'
  run_container c1
  assert_ok
  [[ $output == *"root:x:0:0:"* ]]
  [[ $output == *"touch=1"* ]]
  [[ $output == *"Permission denied"* ]]
  [ ! -e "$BUNDLE/rootfs/tmp/new" ]
}

@test "seccomp: an unknown syscall name is skipped, the rest of the rule applies" {
  update_config '.root.readonly = false'
  allow_but '[{"names": ["no_such_syscall_at_all", "mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]'
  set_args sh -c 'mkdir /tmp/x; echo "mkdir=$?"'
  run_container c1
  assert_ok
  [[ $output == *"mkdir=1"* ]]
  [[ $output == *"Permission denied"* ]]
}

@test "seccomp: an unknown action is a one-line error naming its JSON path, and nothing is created" {
  allow_but '[{"names": ["mkdir"], "action": "SCMP_ACT_NOPE"}]'
  capture spacer create --bundle "$BUNDLE" c1
  assert_error 'linux\.seccomp\.syscalls\[0\]\.action: .*SCMP_ACT_NOPE'
  assert_nothing_left
}

@test "seccomp: flags TSYNC, LOG and SPEC_ALLOW are taken; the program runs under exactly one filter" {
  update_config '.root.readonly = false'
  allow_but '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]'
  update_config '.linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                                         "SECCOMP_FILTER_FLAG_SPEC_ALLOW"]'
  set_args sh -c 'mkdir /tmp/x; echo "mkdir=$?"; grep ^Seccomp /proc/$$/status'
  run_container c1
  assert_ok
  [[ $stdout == *"mkdir=1"* ]]
  [[ $stdout == *"Seccomp:	2"* ]]
  [[ $stdout == *"Seccomp_filters:	1"* ]]
  [[ $stderr == *"Permission denied"* ]]
}

@test "seccomp: an unknown flag or architecture is a one-line error naming its JSON path" {
  allow_but '[]'
  update_config '.linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_BOGUS"]'
  capture spacer create --bundle "$BUNDLE" c1
  assert_error 'linux\.seccomp\.flags\[1\]: .*SECCOMP_FILTER_FLAG_BOGUS'
  assert_nothing_left
  update_config '.linux.seccomp.flags = [] | .linux.seccomp.architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_BOGUS"]'
  capture spacer create --bundle "$BUNDLE" c1
  assert_error 'linux\.seccomp\.architectures\[1\]: .*SCMP_ARCH_BOGUS'
  assert_nothing_left
}

@test "seccomp: NOTIFY without listenerPath is a one-line error, and nothing is created" {
  allow_but '[{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]'
  capture spacer create --bundle "$BUNDLE" c1
  assert_error 'linux\.seccomp\.listenerPath'
  assert_nothing_left
}

@test "seccomp: NOTIFY: the listener gets the fd and the process state, and its answer is the call's" {
  require_arch x86_64
  local sock=$BATS_TEST_TMPDIR/listener.sock payload=$BATS_TEST_TMPDIR/payload.json
  # 33 is EDOM.
  "$SECURITY_BIN/notify-listener" "$sock" "$payload" 33 >"$BATS_TEST_TMPDIR/listener.out" 2>&1 &
  BG_PIDS+=($!)
  local listener=$!
  local i
  for i in $(seq 100); do
    [ -S "$sock" ] && break
    sleep 0.05
  done
  [ -S "$sock" ]
  update_config '.root.readonly = false'
  update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": $sock,
    "listenerMetadata": "org.example.meta=42",
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]}' --arg sock "$sock"
  set_args sh -c 'mkdir /tmp/x; echo "mkdir=$?"'
  create_container c1
  # The fd left at create, with the state.
  [ -s "$payload" ]
  jq -e . "$payload" >/dev/null
  jq -e '.fds == ["seccompFd"]' "$payload"
  jq -e --argjson pid "$(state_field c1 pid)" '.pid == $pid and .state.pid == $pid' "$payload"
  jq -e '.state.id == "c1"' "$payload"
  jq -e '.metadata == "org.example.meta=42"' "$payload"
  jq -e '(.ociVersion | type) == "string"' "$payload"
  spacer start c1
  wait_for_status c1 stopped
  run container_log c1
  [[ $output == *"mkdir=1"* ]]
  [[ $output == *"Numerical argument out of domain"* ]]
  [ ! -e "$BUNDLE/rootfs/tmp/x" ]
  wait "$listener"
  [ "$(cat "$BATS_TEST_TMPDIR/listener.out")" = "notified syscall=83" ]
}

@test "seccomp: the filter comes after the identity change with noNewPrivileges: blocking setuid does not stop the container" {
  update_config '.process.user = {"uid": 1000, "gid": 1000, "additionalGids": [1001]}
    | .process.noNewPrivileges = true'
  allow_but '[{"names": ["setuid", "setgid", "setresuid", "setresgid", "setreuid", "setregid",
                         "setgroups", "setfsuid", "setfsgid", "capset"],
               "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]'
  set_args id
  run_container c1
  assert_ok
  [[ $output == "uid=1000 gid=1000 groups="*1001* ]]
}

# ---- the cache of compiled seccomp programs ----

# cache_entries: the entries in ROOT's seccomp cache, one per line.
cache_entries() {
  ls "$ROOT/.seccomp-cache"
}

# deny_mkdir ERRNO: a profile in which mkdir fails with ERRNO.
deny_mkdir() {
  allow_but "[{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": $1}]"
}

@test "seccomp cache: the first container compiles and stores the program, the next ones load it" {
  update_config '.root.readonly = false'
  deny_mkdir 13
  update_config '.linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                                         "SECCOMP_FILTER_FLAG_SPEC_ALLOW"]'
  set_args sh -c 'mkdir /tmp/x; echo "mkdir=$?"; grep ^Seccomp /proc/$$/status'
  capture spacer --debug run --bundle "$BUNDLE" c1
  assert_ok
  [[ $stderr == *"seccomp cache: miss"* ]]
  [[ $stderr == *"seccomp cache: stored"* ]]
  [ "$(cache_entries | wc -l)" -eq 1 ]
  local entry=$ROOT/.seccomp-cache/$(cache_entries)
  [ "$(stat -c %a "$ROOT/.seccomp-cache")" = 700 ]
  [ "$(stat -c %a "$entry")" = 600 ]
  local before
  before=$(stat -c '%i %Y %s' "$entry")

  local id
  for id in c2 c3; do
    capture spacer --debug run --bundle "$BUNDLE" "$id"
    assert_ok
    [[ $stderr == *"seccomp cache: hit"* ]]
    [[ $stderr != *"seccomp cache: miss"* ]]
    [[ $stdout == *"mkdir=1"* ]]
    [[ $stderr == *"Permission denied"* ]]
    [[ $stdout == *"Seccomp:	2"* ]]
    [[ $stdout == *"Seccomp_filters:	1"* ]]
  done
  [ "$(stat -c '%i %Y %s' "$entry")" = "$before" ]
  [ ! -e "$BUNDLE/rootfs/tmp/x" ]
  # The cache is no container.
  [ -z "$(spacer list -q)" ]
}

@test "seccomp cache: each profile has its own entry, and the entry is what gets loaded" {
  update_config '.root.readonly = false'
  set_args sh -c 'mkdir /tmp/x; echo "mkdir=$?"'
  deny_mkdir 13
  run_container c1
  [[ $output == *"Permission denied"* ]]
  local eacces=$ROOT/.seccomp-cache/$(cache_entries)
  deny_mkdir 33
  run_container c2
  [[ $output == *"Numerical argument out of domain"* ]]
  [ "$(cache_entries | wc -l)" -eq 2 ]
  local edom
  edom=$ROOT/.seccomp-cache/$(cache_entries | grep -vxF "$(basename "$eacces")")

  # Swap the EDOM program in under the EACCES profile's name: a container
  # of that profile now gets EDOM, so it did load the entry, not compile.
  cp "$edom" "$eacces"
  deny_mkdir 13
  run_container c3
  assert_ok
  [[ $output == *"mkdir=1"* ]]
  [[ $output == *"Numerical argument out of domain"* ]]

  rm "$eacces"
  run_container c4
  [[ $output == *"Permission denied"* ]]
  [ -f "$eacces" ]
  ! cmp -s "$eacces" "$edom"
}

@test "seccomp cache: a damaged entry is compiled and stored again" {
  update_config '.root.readonly = false'
  deny_mkdir 13
  set_args sh -c 'mkdir /tmp/x; echo "mkdir=$?"'
  run_container c1
  local entry=$ROOT/.seccomp-cache/$(cache_entries)
  cp "$entry" "$BATS_TEST_TMPDIR/sound"
  # A torn write: the header promises more instructions than follow.
  truncate -s -8 "$entry"
  capture spacer --debug run --bundle "$BUNDLE" c2
  assert_ok
  [[ $stderr == *"seccomp cache: miss"* ]]
  [[ $stderr == *"Permission denied"* ]]
  cmp "$entry" "$BATS_TEST_TMPDIR/sound"
  # One instruction changed: the checksum no longer matches.
  printf '\x06' | dd of="$entry" bs=1 seek=40 conv=notrunc status=none
  ! cmp -s "$entry" "$BATS_TEST_TMPDIR/sound"
  capture spacer --debug run --bundle "$BUNDLE" c3
  assert_ok
  [[ $stderr == *"seccomp cache: miss"* ]]
  [[ $stderr == *"Permission denied"* ]]
  cmp "$entry" "$BATS_TEST_TMPDIR/sound"
}

@test "seccomp cache: an entry others could have written is not trusted" {
  update_config '.root.readonly = false'
  set_args sh -c 'mkdir /tmp/x; echo "mkdir=$?"'
  deny_mkdir 33
  run_container c1
  local edom=$ROOT/.seccomp-cache/$(cache_entries)
  mv "$edom" "$BATS_TEST_TMPDIR/edom"
  deny_mkdir 13
  run_container c2
  local eacces=$ROOT/.seccomp-cache/$(cache_entries)
  cp "$BATS_TEST_TMPDIR/edom" "$eacces"
  chmod 0666 "$eacces"
  run_container c3
  assert_ok
  [[ $output == *"Permission denied"* ]]
}

@test "seccomp cache: without a usable cache directory containers still get their filter" {
  update_config '.root.readonly = false'
  deny_mkdir 13
  set_args sh -c 'mkdir /tmp/x; echo "mkdir=$?"'
  mkdir -p "$ROOT"
  touch "$ROOT/.seccomp-cache"
  local id
  for id in c1 c2; do
    capture spacer --debug run --bundle "$BUNDLE" "$id"
    assert_ok
    [[ $stderr == *"seccomp cache: "*"unusable"* ]]
    [[ $stdout == *"mkdir=1"* ]]
    [[ $stderr == *"Permission denied"* ]]
  done
  [ -f "$ROOT/.seccomp-cache" ]
}

@test "seccomp cache: a NOTIFY program from the cache still hands its listener the fd" {
  require_arch x86_64
  update_config '.root.readonly = false'
  set_args sh -c 'mkdir /tmp/x; echo "mkdir=$?"'
  local round sock listener
  # listenerPath differs between the rounds and is not part of the program:
  # the second round is a hit.
  for round in 1 2; do
    sock=$BATS_TEST_TMPDIR/listener$round.sock
    "$SECURITY_BIN/notify-listener" "$sock" "$BATS_TEST_TMPDIR/payload$round.json" 33 \
      >"$BATS_TEST_TMPDIR/listener$round.out" 2>&1 &
    listener=$!
    BG_PIDS+=("$listener")
    for _ in $(seq 100); do
      [ -S "$sock" ] && break
      sleep 0.05
    done
    update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": $sock,
      "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]}' --arg sock "$sock"
    capture spacer --debug run --bundle "$BUNDLE" "c$round"
    assert_ok
    if [ "$round" = 1 ]; then
      [[ $stderr == *"seccomp cache: miss"* ]]
    else
      [[ $stderr == *"seccomp cache: hit"* ]]
    fi
    [[ $stdout == *"mkdir=1"* ]]
    [[ $stderr == *"Numerical argument out of domain"* ]]
    wait "$listener"
    [ "$(cat "$BATS_TEST_TMPDIR/listener$round.out")" = "notified syscall=83" ]
  done
  [ "$(cache_entries | wc -l)" -eq 1 ]
}

# ---- AppArmor, SELinux ----

@test "apparmorProfile on a host without AppArmor: a one-line error, nothing created" {
  if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]; then
    skip "AppArmor is enabled here"
  fi
  update_config '.process.apparmorProfile = "spacer-test-profile"'
  capture spacer create --bundle "$BUNDLE" c1
  assert_error 'process\.apparmorProfile.*AppArmor is not enabled'
  assert_nothing_left
}

@test "selinuxLabel on a host without SELinux: a one-line error, nothing created" {
  [ ! -e /sys/fs/selinux/enforce ] || skip "SELinux is enabled here"
  update_config '.process.selinuxLabel = "system_u:system_r:container_t:s0"'
  capture spacer create --bundle "$BUNDLE" c1
  assert_error 'process\.selinuxLabel.*SELinux is not enabled'
  assert_nothing_left
}

# ---- CVE-2019-5736: the host's spacer binary ----

@test "CVE-2019-5736: a startContainer hook cannot open the host's spacer through /proc/1/exe for writing" {
  # The hook runs in the container while pid 1 is still spacer. It may
  # open /proc/1/exe for reading (a sealed copy, or the binary through a
  # read-only mount: exe.bats shows that neither can be written); for
  # writing, never.
  spacer_copy
  update_config '.root.readonly = false | .hooks.startContainer = [{"path": "/bin/exe-hook"}]'
  write_script "$BUNDLE/rootfs/bin/exe-hook" 'export PATH=/bin
exec >/tmp/exe-hook.out 2>&1
echo "exe=$(readlink /proc/1/exe)"
if head -c 4 /proc/1/exe >/dev/null; then
  echo read=open
else
  echo read=refused
fi
if (printf "" >>/proc/1/exe); then echo write=open; else echo write=refused; fi
exit 0'
  set_args true
  copy_spacer create --bundle "$BUNDLE" c1 >"$BATS_TEST_TMPDIR/c1.log" 2>&1 </dev/null
  copy_spacer start c1
  wait_for_status c1 stopped
  local out
  out=$(cat "$BUNDLE/rootfs/tmp/exe-hook.out")
  echo "hook: $out" >&2
  grep -qx write=refused <<<"$out"
}

@test "CVE-2019-5736: a container process cannot keep the host's spacer open and write it after the exec" {
  # The attack: open /proc/1/exe while pid 1 is spacer, wait until no
  # spacer runs (the kernel refuses writes to a running binary only), then
  # reopen it through /proc/self/fd for writing.
  spacer_copy
  local before
  before=$(sha256sum <"$SPACER_COPY")
  update_config '.root.readonly = false | .hooks.startContainer = [{"path": "/bin/exe-hook"}]'
  write_script "$BUNDLE/rootfs/bin/exe-hook" 'export PATH=/bin
if ! head -c 1 /proc/1/exe >/dev/null 2>&1; then echo open-refused >/tmp/exploit.out; exit 0; fi
exec 9</proc/1/exe
(
  i=0
  while [ ! -e /tmp/go ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
  if (printf "#spacer-was-here" >>/proc/self/fd/9) 2>/dev/null; then
    echo written
  else
    echo write-refused
  fi >/tmp/exploit.out
) </dev/null >/dev/null 2>&1 &
exit 0'
  set_args sleep 100
  copy_spacer create --bundle "$BUNDLE" c1 >"$BATS_TEST_TMPDIR/c1.log" 2>&1 </dev/null
  copy_spacer start c1
  # start returns once the init executed the program: no spacer runs now.
  touch "$BUNDLE/rootfs/tmp/go"
  wait_for_file "$BUNDLE/rootfs/tmp/exploit.out"
  echo "exploit: $(cat "$BUNDLE/rootfs/tmp/exploit.out")" >&2
  [ "$(cat "$BUNDLE/rootfs/tmp/exploit.out")" != written ]
  [ "$(sha256sum <"$SPACER_COPY")" = "$before" ]
}

@test "CVE-2019-5736: after the exec /proc/1/exe is the program, and spacer's host path is not in the container" {
  set_args sh -c 'readlink /proc/1/exe; ls -l /proc/[0-9]*/exe 2>/dev/null; [ -e "$1" ] && echo "$1 visible"; true' sh "$SPACER"
  run_container c1
  assert_ok
  # The test rootfs's applets are hard links to busybox: the kernel names
  # the program by the path it executed.
  [ "$(head -n1 <<<"$stdout")" = /bin/sh ]
  [[ $output != *"$SPACER"* ]]
  [[ $output != *"$(basename "$SPACER")"* ]]
}

# ---- CVE-2024-21626: file descriptors and the working directory ----

@test "CVE-2024-21626: only stdio and the preserved fds reach the program" {
  # The init's fds, listed by a child (no pipe: its fds would show; not
  # the last command: sh would exec it).
  set_args sh -c 'ls /proc/$$/fd; true'
  capture spacer run --bundle "$BUNDLE" c1 3</etc/hostname 4</etc/hostname 5</etc/passwd \
    7>"$BATS_TEST_TMPDIR/seven" 9<"$BATS_TEST_TMPDIR"
  assert_ok
  assert_output "$(printf '0\n1\n2')"
  capture spacer run --preserve-fds 2 --bundle "$BUNDLE" c2 3</etc/hostname 4</etc/hostname \
    5</etc/passwd 7>"$BATS_TEST_TMPDIR/seven" 9<"$BATS_TEST_TMPDIR"
  assert_ok
  assert_output "$(printf '0\n1\n2\n3\n4')"
  # create and start: the same.
  create_container c3 5</etc/passwd 7>"$BATS_TEST_TMPDIR/seven" 9<"$BATS_TEST_TMPDIR"
  spacer start c3
  wait_for_status c3 stopped
  run container_log c3
  assert_output "$(printf '0\n1\n2')"
}

@test "CVE-2024-21626: process.cwd /proc/self/fd/N never leads to a host directory" {
  # A marker beside the state directory: a program whose working directory
  # is one of spacer's own fds (the state directory's, say) sees state.json
  # in . or the marker in ../.. (it only lists: a write would reach the host).
  local marker=host-marker-$RANDOM n out
  touch "$BATS_TEST_TMPDIR/$marker"
  set_args sh -c 'ls -a . .. ../.. 2>&1; true'
  for n in $(seq 3 15); do
    update_config '.process.cwd = $cwd' --arg cwd "/proc/self/fd/$n"
    # create and start: the state directory is open in the init then.
    if spacer create --bundle "$BUNDLE" "c$n" >"$BATS_TEST_TMPDIR/c$n.log" 2>&1 </dev/null; then
      spacer start "c$n"
      wait_for_status "c$n" stopped
    fi
    out=$(container_log "c$n")
    if [[ $out == *"$marker"* ]] || [[ $out == *state.json* ]]; then
      echo "create: cwd /proc/self/fd/$n is a host directory; the program lists:" >&2
      head -n 12 <<<"$out" >&2
      return 1
    fi
    spacer delete --force "c$n" 2>/dev/null || true
    # run
    run_container "r$n"
    if [[ $output == *"$marker"* ]] || [[ $output == *state.json* ]]; then
      echo "run: cwd /proc/self/fd/$n is a host directory; the program lists:" >&2
      head -n 12 <<<"$output" >&2
      return 1
    fi
  done
}

@test "CVE-2024-21626: a cwd through a symlink climbing out of the rootfs stays inside" {
  local marker=host-marker-$RANDOM
  touch "$BATS_TEST_TMPDIR/$marker"
  ln -s ../../../../../../../../../../ "$BUNDLE/rootfs/escape"
  update_config '.process.cwd = "/escape"'
  set_args sh -c 'pwd; ls -a . ..'
  run_container c1
  # Refused (the error names the config file), or inside the container:
  # never the host's files.
  if [ "$status" -ne 0 ]; then
    assert_one_line_error 'process\.cwd'
  else
    [[ $output == *proc* ]]
    [[ $output == *escape* ]]
    [[ $output != *bats-run* ]]
  fi
  [[ $output != *"$marker"* ]]
  assert_nothing_left
}

# ---- CVE-2019-16884 / CVE-2019-19921: symlinks in the rootfs ----

@test "a /proc that is a symlink in the rootfs is refused with a one-line error" {
  rmdir "$BUNDLE/rootfs/proc"
  mkdir "$BUNDLE/rootfs/fakeproc"
  ln -s /fakeproc "$BUNDLE/rootfs/proc"
  capture spacer create --bundle "$BUNDLE" c1
  assert_error '/proc.*symlink'
  assert_nothing_left
  [ -z "$(ls -A "$BUNDLE/rootfs/fakeproc")" ]
}

@test "a /sys that is a symlink in the rootfs is refused with a one-line error" {
  rmdir "$BUNDLE/rootfs/sys"
  mkdir "$BUNDLE/rootfs/fakesys"
  ln -s fakesys "$BUNDLE/rootfs/sys"
  capture spacer create --bundle "$BUNDLE" c1
  assert_error '/sys.*symlink'
  assert_nothing_left
  [ -z "$(ls -A "$BUNDLE/rootfs/fakesys")" ]
}

@test "maskedPaths and readonlyPaths through symlinks leaving the rootfs touch nothing on the host" {
  local host_file=$BUNDLE/host-file host_dir=$BUNDLE/host-dir
  echo host-secret >"$host_file"
  mkdir "$host_dir"
  echo host-data >"$host_dir/data"
  # Relative links climbing out, and an absolute one naming the host path.
  ln -s ../../host-file "$BUNDLE/rootfs/etc/secret"
  ln -s "$host_file" "$BUNDLE/rootfs/etc/secret-abs"
  ln -s ../../../../../../../../.."$host_dir" "$BUNDLE/rootfs/etc/rodir"
  update_config '.linux.maskedPaths += ["/etc/secret", "/etc/secret-abs"]
    | .linux.readonlyPaths += ["/etc/rodir"]'
  set_args sh -c 'cat /etc/secret /etc/secret-abs /etc/rodir/data 2>&1; true'
  run_container c1
  # Refused, or applied inside the container: never on the host's files.
  if [ "$status" -ne 0 ]; then
    assert_one_line_error 'maskedPaths|readonlyPaths'
  fi
  [[ $output != *host-secret* ]]
  [[ $output != *host-data* ]]
  assert_nothing_left
  [ "$(cat "$host_file")" = host-secret ]
  [ "$(cat "$host_dir/data")" = host-data ]
  # Still writable on the host.
  echo more >>"$host_dir/data"
}

@test "maskedPaths and readonlyPaths through a symlink inside the rootfs are refused; the target keeps its content" {
  # Each path is resolved once, to a file descriptor, following no symlink:
  # the mask or the read-only bind lands on the path named or nowhere.
  echo inside-secret >"$BUNDLE/rootfs/secret-target"
  mkdir "$BUNDLE/rootfs/rw-target"
  ln -s ../secret-target "$BUNDLE/rootfs/etc/secret"
  ln -s /rw-target "$BUNDLE/rootfs/etc/rodir"
  update_config '.linux.maskedPaths += ["/etc/secret"]'
  set_args sh -c 'cat /etc/secret; echo written >/secret-target'
  run_container c1
  assert_error 'maskedPaths\[[0-9]+\]: `/etc/secret`.*symlink'
  assert_nothing_left
  update_config '.linux.maskedPaths -= ["/etc/secret"] | .linux.readonlyPaths += ["/etc/rodir"]'
  run_container c1
  assert_error 'readonlyPaths\[[0-9]+\]: `/etc/rodir`.*symlink'
  assert_nothing_left
  [ "$(cat "$BUNDLE/rootfs/secret-target")" = inside-secret ]
}

@test "a mount destination through a symlink climbing out of the rootfs is refused" {
  local target=$BATS_TEST_TMPDIR/host-target
  mkdir "$target"
  touch "$target/host-file"
  ln -s ../../../../../../../../.."$target" "$BUNDLE/rootfs/escape"
  update_config '.mounts += [{"destination": "/escape/sub", "type": "tmpfs", "source": "tmpfs"}]'
  capture spacer create --bundle "$BUNDLE" c1
  assert_error 'mounts\[[0-9]+\].*/escape/sub'
  assert_nothing_left
  [ "$(ls -A "$target")" = host-file ]
  run grep -qF "$target" /proc/self/mountinfo
  [ "$status" -ne 0 ]
}

@test "a read-only bind on a symlink in a shared volume lands inside the rootfs, read-only, or is refused; the host's directory is untouched" {
  # The volume is a host directory others can write to (CVE-2021-30465's
  # attacker); the destination is the symlink itself, one absolute, naming
  # a host directory, one climbing out with .. past the volume's own mount.
  local shared=$BATS_TEST_TMPDIR/shared victim=$BATS_TEST_TMPDIR/victim src=$BATS_TEST_TMPDIR/ro-src
  mkdir -p "$shared" "$victim/sub" "$src" "$BUNDLE/rootfs/shared"
  echo host-canary >"$victim/canary"
  echo bound >"$src/file"
  ln -s "$victim" "$shared/abs"
  ln -s "../../../../../../../../../../../..$victim" "$shared/climb"
  local before
  before=$(cd "$victim" && find . -printf '%p %y %m %s\n' | sort && cat canary)
  update_config '.mounts += [{"destination": "/shared", "type": "bind", "source": $shared, "options": ["rbind", "rw"]}]' \
    --arg shared "$shared"
  local base
  base=$(jq '.mounts' "$BUNDLE/config.json")

  local dest
  for dest in /shared/abs /shared/climb; do
    update_config '.mounts = $base + [{"destination": $dst, "type": "bind", "source": $src, "options": ["bind", "ro"]}]' \
      --argjson base "$base" --arg dst "$dest" --arg src "$src"
    set_args sh -c "cat $dest/file; touch $dest/written 2>/dev/null && echo WRITABLE; grep -F ' $victim ' /proc/self/mountinfo"
    run_container c1
    if [ "$status" -ne 0 ]; then
      assert_one_line_error "mounts\[[0-9]+\]: \`$dest\`"
    else
      # Inside: the bind is where the link leads in the rootfs, read-only.
      mapfile -t lines <<<"$output"
      [ "${lines[0]}" = bound ]
      [[ $output != *WRITABLE* ]]
      [ "${#lines[@]}" -eq 2 ]
      [[ ${lines[1]} == *" $victim ro,"* ]]
      # The mount point, made in the rootfs (the mount went with the
      # container's namespace).
      [ -d "$BUNDLE/rootfs$victim" ]
    fi
    assert_nothing_left
    # The host's directory: no mount, same content; the source unwritten.
    run grep -F " $victim" /proc/self/mountinfo
    [ "$status" -ne 0 ]
    [ "$(cd "$victim" && find . -printf '%p %y %m %s\n' | sort && cat canary)" = "$before" ]
    [ ! -e "$src/written" ]
  done
}

# ---- the default config: /proc/sys, /sys, /proc/sysrq-trigger ----

@test "default config: writes to /proc/sys, /sys and /proc/sysrq-trigger fail, the host's values stay" {
  # Values the host has already (but the hostname, which is the container's):
  # should a write go through, it changes nothing.
  local burst thp host_name
  burst=$(cat /proc/sys/kernel/printk_ratelimit_burst)
  thp=$(sed 's/.*\[\(.*\)\].*/\1/' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo never)
  host_name=$(cat /proc/sys/kernel/hostname)
  write_script "$BUNDLE/rootfs/probe" '
try() {
  if (printf "%s\n" "$2" >"$1") 2>/dev/null; then echo "$1: written"; else echo "$1: refused"; fi
}
try /proc/sys/kernel/hostname evil-name
try /proc/sys/kernel/printk_ratelimit_burst "$BURST"
try /proc/sys/vm/drop_caches 4
try /sys/class/net/lo/mtu 65536
try /sys/kernel/mm/transparent_hugepage/enabled "$THP"
if [ -e /proc/sysrq-trigger ]; then
  if (: >/proc/sysrq-trigger) 2>/dev/null; then echo "sysrq: written"; else echo "sysrq: refused"; fi
else
  echo "sysrq: absent"
fi
hostname'
  update_config '.process.env += ["BURST=" + $b, "THP=" + $t]' --arg b "$burst" --arg t "$thp"
  set_args /probe
  run_container c1
  assert_ok
  echo "$output" >&2
  [[ $output != *written* ]]
  [[ $output == *"/proc/sys/kernel/hostname: refused"* ]]
  [[ $output == *"/proc/sys/kernel/printk_ratelimit_burst: refused"* ]]
  [[ $output == *"/proc/sys/vm/drop_caches: refused"* ]]
  [[ $output == *"/sys/class/net/lo/mtu: refused"* ]]
  [[ $output == *"/sys/kernel/mm/transparent_hugepage/enabled: refused"* ]]
  if [ -e /proc/sysrq-trigger ]; then
    [[ $output == *"sysrq: refused"* ]] || [[ $output == *"sysrq: absent"* ]]
  else
    [[ $output == *"sysrq: absent"* ]]
  fi
  [ "$(tail -n1 <<<"$output")" != evil-name ]
  [ "$(cat /proc/sys/kernel/printk_ratelimit_burst)" = "$burst" ]
  [ "$(cat /proc/sys/kernel/hostname)" = "$host_name" ]
}

# ---- CVE-2025-31133, CVE-2025-52881: masks and /proc writes that cannot
# be redirected ----
#
# Every file these tests offer as the target of a redirected write or mount
# is the test's own, in its directory or its copy of the rootfs.

# dev_from_dir DIR: the container's /dev is DIR bind-mounted (nothing else
# under /dev), as a config may have it.
dev_from_dir() {
  update_config '.mounts |= map(select(.destination | startswith("/dev") | not))
    | .mounts += [{"destination": "/dev", "type": "bind", "source": $dir, "options": ["rbind", "rw"]}]' \
    --arg dir "$1"
}

# refused_bind_with_sysctl DEST PATTERN: with kernel.domainname set and a
# file of the test's own bind-mounted at DEST, create fails with one line
# matching PATTERN, leaves nothing, and the file keeps its content.
refused_bind_with_sysctl() {
  local file=$BATS_TEST_TMPDIR/domainname
  echo original >"$file"
  update_config '.mounts += [{"destination": $d, "type": "bind", "source": $f, "options": ["bind"]}]
    | .linux.sysctl = {"kernel.domainname": "pwned"}' --arg d "$1" --arg f "$file"
  capture spacer create --bundle "$BUNDLE" c1
  assert_error "$2"
  assert_nothing_left
  [ "$(cat "$file")" = original ]
}

@test "CVE-2025-31133: a /dev/null that is a symlink to a file is refused for maskedPaths; the file is untouched" {
  local dev=$BATS_TEST_TMPDIR/dev
  mkdir "$dev"
  echo original >"$dev/target"
  ln -s target "$dev/null"
  dev_from_dir "$dev"
  echo secret >"$BUNDLE/rootfs/etc/masked"
  update_config '.linux.maskedPaths = ["/etc/masked"]'
  set_args sh -c 'cat /etc/masked; echo written >/etc/masked'
  run_container c1
  assert_error 'maskedPaths.*/dev/null.*not the null device'
  assert_nothing_left
  [ "$(cat "$dev/target")" = original ]
  [ "$(cat "$BUNDLE/rootfs/etc/masked")" = secret ]
}

@test "a masked file below a read-only path reads empty, writes to it go to /dev/null, the rest stays read-only" {
  mkdir "$BUNDLE/rootfs/rodir"
  echo secret >"$BUNDLE/rootfs/rodir/masked"
  update_config '.root.readonly = false
    | .linux.maskedPaths += ["/rodir/masked"] | .linux.readonlyPaths += ["/rodir"]'
  set_args sh -c 'wc -c </rodir/masked; echo x >/rodir/masked && echo into-null; touch /rodir/new 2>&1; true'
  run_container c1
  assert_ok
  assert_output "0
into-null
touch: /rodir/new: Read-only file system"
  [ "$(cat "$BUNDLE/rootfs/rodir/masked")" = secret ]
  [ ! -e "$BUNDLE/rootfs/rodir/new" ]
}

@test "CVE-2025-52881: a bind mount over a sysctl file is refused before anything is created; the file keeps its content" {
  refused_bind_with_sysctl /proc/sys/kernel/domainname \
    'config\.json: mounts\[[0-9]+\]\.destination: `/proc/sys/kernel/domainname`: .*inside /proc'
}

@test "mounts inside /proc are refused but for the few lxcfs needs; procfs alone may cover /proc" {
  local dest
  for dest in /proc/self/attr/exec /proc/1/oom_score_adj /proc//sys/./fs/../kernel/core_pattern \
    /proc/sys /proc/net/dev; do
    cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/config.saved"
    refused_bind_with_sysctl "$dest" \
      "config\\.json: mounts\\[[0-9]+\\]\\.destination: \`$(ere_quote "$dest")\`: .*inside /proc"
    mv "$BATS_TEST_TMPDIR/config.saved" "$BUNDLE/config.json"
  done
  update_config '.mounts += [{"destination": "/proc", "type": "tmpfs", "source": "tmpfs"}]'
  capture spacer create --bundle "$BUNDLE" c1
  assert_error 'config\.json: mounts\[[0-9]+\]\.destination: `/proc`: only procfs'
  assert_nothing_left
}

@test "mounts over /proc files lxcfs emulates (/proc/uptime, /proc/meminfo) are taken" {
  echo "4242.00 1.00" >"$BATS_TEST_TMPDIR/uptime"
  echo "MemTotal: 4242 kB" >"$BATS_TEST_TMPDIR/meminfo"
  update_config '.mounts += [{"destination": "/proc/uptime", "type": "bind", "source": $u, "options": ["bind", "ro"]},
                             {"destination": "/proc/meminfo", "type": "bind", "source": $m, "options": ["bind", "ro"]}]' \
    --arg u "$BATS_TEST_TMPDIR/uptime" --arg m "$BATS_TEST_TMPDIR/meminfo"
  set_args sh -c 'cat /proc/uptime /proc/meminfo'
  run_container c1
  assert_ok
  assert_output "4242.00 1.00
MemTotal: 4242 kB"
}

@test "CVE-2025-52881: a mount reaching into /proc through a symlink in the rootfs is refused; the file keeps its content" {
  ln -s /proc/sys/kernel "$BUNDLE/rootfs/etc/kernel-knobs"
  refused_bind_with_sysctl /etc/kernel-knobs/domainname \
    'mounts\[[0-9]+\]: `/etc/kernel-knobs/domainname`.*/proc/sys/kernel/domainname.*inside /proc'
}

@test "CVE-2025-52881: a file a createContainer hook mounts over a sysctl does not get the write; the sysctl does" {
  # The host has no LSM, so of the writes to /proc the init makes after the
  # container's mounts exist, the sysctls are the ones within reach.
  local file=$BATS_TEST_TMPDIR/domainname rootfs mount_bin pid cmd
  echo original >"$file"
  rootfs=$(realpath "$BUNDLE/rootfs")
  mount_bin=$(command -v mount)
  cmd=$(printf '%q --bind %q %q' "$mount_bin" "$file" "$rootfs/proc/sys/kernel/domainname")
  update_config '.linux.sysctl = {"kernel.domainname": "spacer-test"}
    | .hooks.createContainer = [{"path": "/bin/sh", "args": ["sh", "-c", $cmd]}]' --arg cmd "$cmd"
  set_args sleep 100
  create_container c1
  pid=$(state_field c1 pid)
  [ "$(cat "$file")" = original ]
  # Read in the container's uts namespace through the host's /proc, which
  # no mount of the container covers.
  [ "$(nsenter -t "$pid" -u cat /proc/sys/kernel/domainname)" = spacer-test ]
  spacer delete --force c1
  assert_nothing_left
}

#!/usr/bin/env bats
# The default seccomp profile `spacer spec` writes (src/lib/seccomp-profile.c):
# an ordinary busybox userland works under it; what it refuses fails with
# EPERM, what it hides (clone3, io_uring, syscalls it does not know) with
# ENOSYS; and where the kernel would refuse anyway, a run with
# CAP_SYS_ADMIN, or without the profile, shows that the filter is what
# refuses. Syscalls busybox cannot make come from a small static program,
# fixtures/seccomp/probe.c, built once per run of this file.

load helpers

setup_file() {
  PROBE=$BATS_FILE_TMPDIR/seccomp-probe
  gcc -static -O2 -Wall -o "$PROBE" "$BATS_TEST_DIRNAME/fixtures/seccomp/probe.c"
  export PROBE
}

setup() {
  setup_bundle
  cp "$PROBE" "$BUNDLE/rootfs/bin/seccomp-probe"
}

teardown() {
  teardown_containers
}

# ---- helpers of this file ----

# in_container SCRIPT: run SCRIPT with the container's sh; sets $status
# and $output (stdout, then stderr) like bats' `run`.
in_container() {
  set_args sh -c "$1"
  capture spacer run --bundle "$BUNDLE" c1
}

# probe NAME...: run seccomp-probe in the container; $output has one
# "NAME RESULT" line per probe.
probe() {
  set_args seccomp-probe "$@"
  capture spacer run --bundle "$BUNDLE" c1
  assert_ok
}

# add_capability CAP: CAP in every capability set of the config.
add_capability() {
  update_config '.process.capabilities |= map_values(. + [$cap])' --arg cap "$1"
}

# drop_profile: no linux.seccomp at all, the control runs.
drop_profile() {
  update_config 'del(.linux.seccomp)'
}

# A busybox script running the commands a profile refuses, each followed
# by its exit status; their error lines go to stdout to keep the order.
REFUSED_COMMANDS='
unshare -U true 2>&1; echo "rc=$?"
unshare -m true 2>&1; echo "rc=$?"
mount -t tmpfs none /tmp 2>&1; echo "rc=$?"
'

# What busybox says when the filter refuses each of REFUSED_COMMANDS
# (mount's "are you root?" is its message for EPERM; the mount probe names
# the errno itself).
REFUSED_OUTPUT='unshare: unshare(0x10000000): Operation not permitted
rc=1
unshare: unshare(0x20000): Operation not permitted
rc=1
mount: permission denied (are you root?)
rc=1'

# The probes that get EPERM from the profile whatever the capabilities.
EPERM_PROBES=(clone_newuts mount keyctl add_key bpf settime vsock)

# expect_probes RESULT NAME...: $output has "NAME RESULT" for each NAME.
expect_probes() {
  local result=$1 name
  shift
  for name in "$@"; do
    grep -qx -- "$name $result" <<<"$output" || {
      echo "expected \"$name $result\" in:" >&2
      echo "$output" >&2
      return 1
    }
  done
}

# ---- the profile in config.json ----

@test "seccomp profile: spec and spec --rootless write it under linux.seccomp" {
  local dir=$BATS_TEST_TMPDIR/spec kind
  # setup_bundle made $BUNDLE with `spacer spec`: the profile is in every
  # test's config.
  jq -e '.linux.seccomp.defaultAction == "SCMP_ACT_ERRNO"' "$BUNDLE/config.json"
  for kind in "" --rootless; do
    rm -rf "$dir"
    mkdir -p "$dir"
    (cd "$dir" && "$SPACER" spec ${kind:+"$kind"})
    jq -e '.linux.seccomp | .defaultAction == "SCMP_ACT_ERRNO" and .defaultErrnoRet == 38
      and (.architectures | index("SCMP_ARCH_X86_64") and index("SCMP_ARCH_X86")
           and index("SCMP_ARCH_X32"))' "$dir/config.json"
    # keyctl is refused with EPERM and allowed nowhere.
    jq -e '[.linux.seccomp.syscalls[] | select(.names | index("keyctl"))]
      | length == 1 and .[0].action == "SCMP_ACT_ERRNO" and .[0].errnoRet == 1' "$dir/config.json"
  done
}

# ---- what works ----

@test "seccomp profile: a busybox shell works" {
  update_config '.root.readonly = false'
  # set -e: any command the filter breaks ends the script early.
  in_container '
set -eu
grep "^Seccomp:" /proc/self/status
mkdir -p /tmp/work/www
cd /tmp/work
echo hello >www/index.html
ls www
mv www/index.html www/page.html
cat www/page.html
sed s/hello/goodbye/ www/page.html
printf "a 1\nb 2\n" | awk "{ s += \$2 } END { print \"sum\", s }"
find /tmp/work -name page.html
tar -cf /tmp/www.tar -C /tmp/work www
mkdir copy
tar -xf /tmp/www.tar -C copy
cat copy/www/page.html
date +%Y | grep -q "^[0-9]\{4\}$"
id
hostname
sleep 0.1
ps -o pid,comm | grep -q "ps"
top -b -n 1 | grep -q "^Mem:"
httpd -f -p 127.0.0.1:8080 -h /tmp/work/www &
for i in $(seq 50); do
  wget -q -O - http://127.0.0.1:8080/page.html 2>/dev/null && break
  sleep 0.1
done
kill $!
echo done'
  assert_ok
  assert_output "$(printf 'Seccomp:\t2\nindex.html\nhello\ngoodbye\nsum 3\n/tmp/work/www/page.html\nhello
uid=0(root) gid=0(root)\nspacer\nhello\ndone')"
}

@test "seccomp profile: clone without namespace flags forks, and plain sockets and ptrace work" {
  probe fork inet ptrace
  assert_output "$(printf 'fork ok\ninet ok\nptrace ok')"
}

@test "seccomp profile: personality allows the harmless values only" {
  probe personality_query personality_no_aslr
  assert_output "$(printf 'personality_query ok\npersonality_no_aslr ENOSYS')"
  # PER_LINUX32 is one of them: linux32 reports the 32-bit machine, as on
  # the host.
  local machine32
  machine32=$(setarch linux32 uname -m)
  in_container 'linux32 uname -m'
  assert_ok
  assert_output "$machine32"
}

# ---- what is refused ----

@test "seccomp profile: namespaces, mounts, keyring, bpf, clock and vsock get EPERM" {
  in_container "$REFUSED_COMMANDS"
  assert_output "$REFUSED_OUTPUT"
  probe "${EPERM_PROBES[@]}"
  expect_probes EPERM "${EPERM_PROBES[@]}"
}

@test "seccomp profile: with CAP_SYS_ADMIN the filter still refuses what the kernel would allow" {
  require_capability CAP_SYS_ADMIN
  add_capability CAP_SYS_ADMIN
  in_container "$REFUSED_COMMANDS"
  assert_output "$REFUSED_OUTPUT"
  probe "${EPERM_PROBES[@]}" clone3 io_uring
  expect_probes EPERM "${EPERM_PROBES[@]}"
  expect_probes ENOSYS clone3 io_uring
  local filtered=$output

  # The control: the same container without the profile. Every command
  # succeeds, and no probe gets the answer the filter gave.
  drop_profile
  in_container "$REFUSED_COMMANDS"
  assert_output "$(printf 'rc=0\nrc=0\nrc=0')"
  probe "${EPERM_PROBES[@]}" clone3 io_uring
  expect_probes ok clone_newuts mount keyctl add_key bpf clone3
  # An invalid time: the kernel says EINVAL where the filter said EPERM.
  expect_probes EINVAL settime
  local line
  while read -r line; do
    if grep -qx -- "$line" <<<"$filtered"; then
      echo "without the profile, still \"$line\": the filter is not what refuses it" >&2
      return 1
    fi
  done <<<"$output"
}

# ---- what is hidden (ENOSYS) ----

@test "seccomp profile: clone3 and io_uring get ENOSYS, and glibc falls back to clone" {
  probe clone3 io_uring thread spawn
  # glibc makes threads and posix_spawn children with clone3 first.
  assert_output "$(printf 'clone3 ENOSYS\nio_uring ENOSYS\nthread ok\nspawn ok')"
}

@test "seccomp profile: syscalls it does not know get ENOSYS" {
  probe unknown new
  assert_output "$(printf 'unknown ENOSYS\nnew ENOSYS')"
}

@test "seccomp profile: without it, a kernel that has lsm_list_modules answers for itself" {
  # lsm_list_modules ("new" above) is newer than the profile (and than this
  # libseccomp): the ENOSYS above is the filter's where the kernel has it.
  local host
  host=$("$PROBE" new)
  [ "$host" != "new ENOSYS" ] || skip "the kernel has no lsm_list_modules (Linux < 6.8)"
  drop_profile
  probe new
  assert_output "$host"
}

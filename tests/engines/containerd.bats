#!/usr/bin/env bats
# spacer as the runc binary of containerd's runc v2 shim (containerd 1.6
# from Debian): a containerd of our own (see helpers.bash), driven by ctr.

load helpers

setup_file() {
  require_program containerd ctr containerd-shim-runc-v2
  # The shims' sockets go to /run/containerd/s whatever the config says:
  # remove that directory afterwards only if it is ours.
  [ -e /run/containerd ] && RUN_CONTAINERD_EXISTED=1 || RUN_CONTAINERD_EXISTED=0
  export RUN_CONTAINERD_EXISTED
  engine_tree
  containerd_start
  oci_archive "$ENGINE_ROOTFS_TAR" "$ENGINE_TMP/busybox-oci.tar" localhost/busybox:latest
  c images import --snapshotter native "$ENGINE_TMP/busybox-oci.tar" >/dev/null
}

setup() {
  engine_mark
}

teardown() {
  engine_evidence
  local id
  for id in $(c tasks ls -q 2>/dev/null); do
    c tasks delete -f "$id" >/dev/null 2>&1 || true
  done
  for id in $(c containers ls -q 2>/dev/null); do
    c containers delete "$id" >/dev/null 2>&1 || true
  done
}

teardown_file() {
  [ -n "${ENGINE_TMP:-}" ] || return 0
  local leaked=0 left
  if [ -n "${CONTAINERD_PID:-}" ]; then
    teardown
    c images rm localhost/busybox:latest >/dev/null 2>&1 || true
    end_pid "$CONTAINERD_PID"
    wait "$CONTAINERD_PID" 2>/dev/null || true
  fi
  # The shim gives spacer --root RUNC_ROOT/NAMESPACE: "default" stays.
  left=$(ls -A "$ENGINE_TMP/spacer-state/default" 2>/dev/null | grep -vx '\.seccomp-cache' || true)
  [ -z "$left" ] || { echo "spacer state left: $left" >&2; leaked=1; }
  left=$(unmount_below "$ENGINE_TMP")
  [ -z "$left" ] || { echo "mounts left: $left" >&2; leaked=1; }
  left=$(remove_engine_cgroups)
  [ -z "$left" ] || { echo "cgroups left: $left" >&2; leaked=1; }
  if [ "${RUN_CONTAINERD_EXISTED:-1}" = 0 ] && [ -d /run/containerd ]; then
    find /run/containerd -depth -type d -empty -delete 2>/dev/null || true
    [ ! -e /run/containerd ] || { echo "left in /run/containerd: $(find /run/containerd)" >&2; leaked=1; }
  fi
  rm -rf "$ENGINE_TMP"
  return "$leaked"
}

@test "ctr run --runc-binary spacer: output and exit status" {
  capture crun_ --rm --cgroup "$ENGINE_CGROUP/r1" localhost/busybox:latest r1 echo hello from spacer
  assert_status 0
  assert_stdout "hello from spacer"
  capture crun_ --rm --cgroup "$ENGINE_CGROUP/r2" localhost/busybox:latest r2 sh -c 'exit 3'
  assert_status 3
}

@test "ctr task exec: a program in a running task" {
  crun_ -d --cgroup "$ENGINE_CGROUP/e1" localhost/busybox:latest e1 sleep 100 >/dev/null
  capture c task exec --exec-id x1 e1 sh -c 'echo in; cat /proc/1/cmdline | tr "\0" " "'
  assert_status 0
  assert_stdout $'in\nsleep 100 '
  capture c task exec --exec-id x2 e1 sh -c 'exit 4'
  assert_status 4
}

@test "ctr task kill: a signal ends the task" {
  crun_ -d --cgroup "$ENGINE_CGROUP/k1" localhost/busybox:latest k1 sleep 100 >/dev/null
  capture c task kill -s KILL k1
  assert_status 0
  wait_until sh -c "ctr --address '$CONTAINERD_ADDRESS' task ls | grep -q '^k1 .*STOPPED'"
}

@test "ctr task pause / resume: the task freezes and thaws" {
  crun_ -d --cgroup "$ENGINE_CGROUP/p1" localhost/busybox:latest p1 sleep 100 >/dev/null
  capture c task pause p1
  assert_status 0
  c task ls | grep -q '^p1 .*PAUSED'
  capture c task resume p1
  assert_status 0
  c task ls | grep -q '^p1 .*RUNNING'
}

@test "ctr task delete -f: a running task is killed and removed" {
  crun_ -d --cgroup "$ENGINE_CGROUP/d1" localhost/busybox:latest d1 sleep 100 >/dev/null
  capture c task delete -f d1
  assert_status 0
  ! c task ls -q | grep -qx d1
  capture c container delete d1
  assert_status 0
  [ -z "$(ls -A "$ENGINE_TMP/spacer-state/default" | grep -vx '\.seccomp-cache' || true)" ]
}

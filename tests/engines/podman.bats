#!/usr/bin/env bats
# spacer as podman's OCI runtime (podman 4.3 and conmon from Debian), with
# config, storage, spacer state and cgroups private to this file (see
# helpers.bash). The image is bundles/make-rootfs.sh's busybox, imported.
# Every container is run with --network=none (netns = "none").

load helpers

setup_file() {
  require_program podman conmon
  engine_tree
  podman_tree
  # containers/image keeps a blob cache in /var/lib/containers/cache whatever
  # the storage: the import gets a private, empty /var/lib for the purpose.
  timed unshare -m --propagation private sh -c 'mount -t tmpfs tmpfs /var/lib &&
    exec podman import --quiet --change "CMD [\"sh\"]" "$1" localhost/busybox:latest' \
    sh "$ENGINE_ROOTFS_TAR" >/dev/null
}

setup() {
  engine_mark
}

teardown() {
  engine_evidence
  p pod rm -af -t 0 >/dev/null 2>&1 || true
  p rm -af -t 0 >/dev/null 2>&1 || true
}

teardown_file() {
  [ -n "${ENGINE_TMP:-}" ] || return 0
  local leaked=0 left
  p pod rm -af -t 0 >/dev/null 2>&1 || true
  p rm -af -t 0 >/dev/null 2>&1 || true
  p rmi -af >/dev/null 2>&1 || true
  left=$(ls -A "$ENGINE_TMP/spacer-state" | grep -vx '\.seccomp-cache' || true)
  [ -z "$left" ] || { echo "spacer state left: $left" >&2; leaked=1; }
  left=$(unmount_below "$ENGINE_TMP")
  [ -z "$left" ] || { echo "mounts left: $left" >&2; leaked=1; }
  left=$(remove_engine_cgroups)
  [ -z "$left" ] || { echo "cgroups left: $left" >&2; leaked=1; }
  rm -rf "$ENGINE_TMP"
  return "$leaked"
}

# cid NAME: the container's full ID.
cid() {
  p inspect --format '{{.Id}}' "$1"
}

# ctr_cgroup CONTROLLER NAME: the container's cgroup directory (v1).
ctr_cgroup() {
  local own
  own=$(own_cgroup_dirs | grep -m1 "/$1\(/\|\$\)")
  echo "$own/$ENGINE_CGROUP/libpod-$(cid "$2")"
}

@test "podman run: output and exit status 0" {
  capture prun --rm busybox echo hello from spacer
  assert_status 0
  assert_stdout "hello from spacer"
}

@test "podman run: the program's exit status" {
  capture prun --rm busybox sh -c 'exit 3'
  assert_status 3
}

@test "podman run: a missing program is 127" {
  capture prun --rm busybox /nope
  assert_status 127
}

@test "podman run: a program that cannot be executed is 126" {
  capture prun --rm busybox /etc/passwd
  assert_status 126
}

@test "podman run -e: the environment" {
  capture prun --rm -e FOO=bar busybox env
  assert_status 0
  grep -qx FOO=bar <<<"$stdout"
  grep -q '^PATH=' <<<"$stdout"
}

@test "podman run -u: the user" {
  capture prun --rm -u 65534:65534 busybox id
  assert_status 0
  assert_stdout "uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)"
}

@test "podman run -w: the working directory" {
  capture prun --rm -w /var/tmp busybox pwd
  assert_status 0
  assert_stdout /var/tmp
}

@test "podman run --read-only: the root is read-only, /tmp is not" {
  capture prun --rm --read-only busybox sh -c 'touch /x; echo $?; touch /tmp/y && echo tmp ok'
  assert_status 0
  grep -q 'Read-only file system' <<<"$stderr"
  assert_stdout $'1\ntmp ok'
}

@test "podman run --memory: a hog is OOM-killed" {
  # conmon 2.1.6 notes the OOM kill in a file "oom" in its working
  # directory, which podman 4.3 looks for in the bundle: podman's
  # OOMKilled stays false, with runc as with spacer. The file is the
  # evidence here.
  mkdir -p "$BATS_TEST_TMPDIR/cwd"
  capture sh -c 'cd "$1" && shift && exec "$@"' sh "$BATS_TEST_TMPDIR/cwd" \
    timeout -k 5 60 podman run --cgroup-parent="$ENGINE_CGROUP" --rm --memory 16m --memory-swap 16m \
    busybox sh -c 'x=$(head -c 100m /dev/zero | tr "\0" a); echo survived'
  assert_status 137
  [ -e "$BATS_TEST_TMPDIR/cwd/oom" ]
}

@test "podman run --pids-limit: the limit is the container's cgroup's" {
  prun -d --name pl --pids-limit 10 busybox sleep 100
  [ "$(cat "$(ctr_cgroup pids pl)/pids.max")" = 10 ]
  capture p exec pl sh -c 'for i in $(seq 20); do sleep 10 & done; wait'
  [ "$status" -ne 0 ] || grep -qi 'fork' <<<"$output"
}

@test "podman update: a running container's limits change" {
  prun -d --name up --memory 32m busybox sleep 100
  [ "$(cat "$(ctr_cgroup memory up)/memory.limit_in_bytes")" = $((32 << 20)) ]
  # podman 4.3's update has no --pids-limit.
  capture p update --memory 64m --memory-swap 128m --cpu-period 100000 --cpu-quota 50000 up
  assert_status 0
  [ "$(cat "$(ctr_cgroup memory up)/memory.limit_in_bytes")" = $((64 << 20)) ]
  [ "$(cat "$(ctr_cgroup cpu up)/cpu.cfs_quota_us")" = 50000 ]
}

@test "podman exec: a program in a running container" {
  prun -d --name ex busybox sleep 100
  capture p exec ex sh -c 'echo in $(hostname); cat /proc/1/cmdline | tr "\0" " "'
  assert_status 0
  assert_stdout "in $(cid ex | cut -c1-12)
sleep 100 "
}

@test "podman exec -it: a terminal" {
  prun -d --name ext busybox sleep 100
  # The time limit is outside script(1): timeout(1) makes its own process
  # group, and podman in a group that is not the pty's foreground one is
  # stopped by SIGTTOU when it puts the terminal in raw mode.
  capture timeout -k 5 30 script -qec "podman exec -it ext sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo both'" /dev/null
  assert_status 0
  # script(1) with its stdin at end-of-file writes a NUL to the terminal,
  # which the pty echoes as "^@" before the output (runc's exec -t shows
  # the same): not the container's.
  local out=${stdout//^@/}
  grep -q '^/dev/pts/[0-9]' <<<"$out" || { echo "script printed: $output" >&2; return 1; }
  grep -q '^both' <<<"$out"
}

@test "podman exec -u -w -e: user, directory and environment" {
  prun -d --name exu busybox sleep 100
  capture p exec -u 65534:65534 -w /var/tmp -e FOO=bar exu sh -c 'id -u; id -g; pwd; echo $FOO'
  assert_status 0
  assert_stdout $'65534\n65534\n/var/tmp\nbar'
}

@test "podman exec: exit status, 127 for a missing program, 126 for a non-executable" {
  prun -d --name exs busybox sleep 100
  capture p exec exs sh -c 'exit 5'
  assert_status 5
  capture p exec exs /nope
  assert_status 127
  capture p exec exs /etc/passwd
  assert_status 126
}

@test "podman stop: TERM, then KILL after the timeout" {
  prun -d --name st busybox sleep 100
  capture p stop -t 1 st
  assert_status 0
  [ "$(p inspect --format '{{.State.Status}}' st)" = exited ]
  # sleep as pid 1 has no TERM handler: the kernel drops TERM, podman KILLs.
  [ "$(p inspect --format '{{.State.ExitCode}}' st)" = 137 ]
}

@test "podman stop: a program that handles TERM exits with its own status" {
  prun -d --name st2 busybox sh -c 'trap "exit 7" TERM; while :; do sleep 0.1; done'
  capture p stop -t 10 st2
  assert_status 0
  [ "$(p inspect --format '{{.State.ExitCode}}' st2)" = 7 ]
}

@test "podman kill: a signal reaches the container" {
  prun -d --name kl busybox sleep 100
  capture p kill -s KILL kl
  assert_status 0
  capture p wait kl
  assert_status 0
  [ "$stdout" = 137 ]
  [ "$(p inspect --format '{{.State.ExitCode}}' kl)" = 137 ]
}

@test "podman pause / unpause: the container freezes and thaws" {
  prun -d --name pz busybox sh -c 'while :; do date +%s%N >/tmp/t; sleep 0.05; done'
  capture p pause pz
  assert_status 0
  [ "$(p inspect --format '{{.State.Status}}' pz)" = paused ]
  [ "$(cat "$(ctr_cgroup freezer pz)/freezer.state")" = FROZEN ]
  capture p unpause pz
  assert_status 0
  [ "$(p inspect --format '{{.State.Status}}' pz)" = running ]
  [ "$(cat "$(ctr_cgroup freezer pz)/freezer.state")" = THAWED ]
}

@test "podman logs: the container's output" {
  prun -d --name lg busybox sh -c 'echo out; echo err >&2'
  # podman wait returns once podman has the program's exit status.
  capture p wait lg
  assert_status 0
  [ "$stdout" = 0 ]
  capture p logs lg
  assert_status 0
  grep -qx out <<<"$stdout"
  grep -qx err <<<"$output"
}

@test "podman run --rm: nothing of the container is left" {
  capture prun --rm --name rmme busybox true
  assert_status 0
  [ -z "$(p ps -aq)" ]
  [ -z "$(ls -A "$ENGINE_TMP/spacer-state" | grep -vx '\.seccomp-cache')" ]
  [ -z "$(grep -F "$ENGINE_TMP" /proc/self/mountinfo | grep -v 'vfs/dir' || true)" ]
  ! find /sys/fs/cgroup -maxdepth 4 -path "*/$ENGINE_CGROUP/libpod-*" -type d 2>/dev/null | grep -q .
}

@test "podman run --uidmap: a user namespace" {
  [ "$(cat /proc/sys/user/max_user_namespaces)" -gt 0 ] || skip "user namespaces are off"
  capture prun --rm --uidmap 0:100000:65536 --gidmap 0:100000:65536 busybox \
    sh -c 'cat /proc/self/uid_map /proc/self/gid_map; id -u'
  assert_status 0
  [ "$(echo $stdout)" = "0 100000 65536 0 100000 65536 0" ]
}

@test "podman pod: two containers in a pod" {
  # --infra=false: an infra container needs podman's pause image (catatonit
  # or a registry), and podman makes an infra pod's cgroup itself, at an
  # absolute path outside our cgroup where ours is not a hierarchy's root.
  capture p pod create --infra=false --cgroup-parent="$ENGINE_CGROUP" --name pod1
  assert_status 0
  # The pod's --cgroup-parent does not reach its containers in podman 4.3:
  # without their own they get /libpod_parent, at each hierarchy's root,
  # outside our cgroup.
  prun -d --pod pod1 --name pa busybox sleep 100
  prun -d --pod pod1 --name pb busybox sleep 100
  [ "$(p ps --filter pod=pod1 --format '{{.Names}}' | sort | xargs)" = "pa pb" ]
  [ -d "$(ctr_cgroup memory pa)" ] && [ -d "$(ctr_cgroup memory pb)" ]
  capture p pod stop -t 0 pod1
  assert_status 0
  capture p pod rm pod1
  assert_status 0
  [ -z "$(p ps -aq)" ]
}

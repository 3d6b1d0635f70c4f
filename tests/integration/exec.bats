#!/usr/bin/env bats
# shellcheck disable=SC2016 # the programs' scripts are for the container's sh
# `spacer exec`, runc's: one more process in a created or running
# container. It joins every namespace and cgroup of the container's init,
# gets the container's seccomp filter, capabilities (never a larger
# inheritable set: CVE-2022-29162), rlimits, no_new_privs, user and
# groups, environment and a cwd resolved inside the rootfs
# (CVE-2024-21626), and only stdio and the preserved fds. Each flag of
# runc's exec; exit statuses and signals in the foreground; --detach with
# --pid-file; -t with and without --console-socket; paused, created and
# stopped containers; runc's wording for a missing or non-executable
# program; CVE-2019-5736 through the exec'ing process's exe.

load helpers

bats_require_minimum_version 1.5.0

setup() {
  setup_bundle
  BG_PIDS=()
}

teardown() {
  end_background_jobs
  teardown_containers
}

# ---- helpers of this file ----

# running ID [create flags...]: a started container running `sleep 1000`.
running() {
  local id=$1
  shift
  set_args sleep 1000
  create_container "$id" "$@"
  spacer start "$id"
}

# in_c1 [FLAGS... --] CMD...: `spacer exec FLAGS c1 CMD...` with capture
# (stdin /dev/null).
in_c1() {
  local flags=()
  if [[ " $* " == *" -- "* ]]; then
    while [ "$1" != -- ]; do
      flags+=("$1")
      shift
    done
    shift
  fi
  capture timeout -k 5 20 "$SPACER" --root "$ROOT" exec "${flags[@]}" c1 "$@"
}

# status_field PID FIELD: a line's value in /proc/PID/status.
status_field() {
  awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

# ---- the process and the container ----

@test "exec runs the command in the container and passes its output" {
  running c1
  in_c1 sh -c 'echo hello; echo oops >&2'
  assert_ok
  [ "$stdout" = hello ]
  [ "$stderr" = oops ]
}

@test "exec: the process is in every namespace of the container's init" {
  running c1
  local init ns
  init=$(state_field c1 pid)
  in_c1 sh -c 'for ns in cgroup ipc mnt net pid user uts time; do
    echo "$ns $(readlink /proc/self/ns/$ns)"; done'
  assert_ok
  for ns in cgroup ipc mnt net pid user uts time; do
    grep -qxF "$ns $(readlink "/proc/$init/ns/$ns")" <<<"$stdout"
  done
  # And a child of the container's pid namespace, not its init.
  in_c1 sh -c 'echo $$'
  [ "$stdout" -gt 1 ]
}

@test "exec: the process is in the container's cgroup in every hierarchy" {
  running c1
  local init pid
  init=$(state_field c1 pid)
  capture spacer exec -d --pid-file "$BATS_TEST_TMPDIR/p.pid" c1 sleep 100
  assert_ok
  pid=$(cat "$BATS_TEST_TMPDIR/p.pid")
  diff "/proc/$init/cgroup" "/proc/$pid/cgroup"
  # Inside, through the container's cgroup namespace: the same root.
  in_c1 cat /proc/self/cgroup
  [ "$stdout" = "$(spacer exec c1 cat /proc/1/cgroup </dev/null)" ]
}

@test "exec --cgroup CONTROLLER:PATH runs the process in a sub-cgroup" {
  require_cgroup_controller memory
  running c1
  local dir
  dir=$(awk -F: '$2 == "memory" { print $3 }' "/proc/$(state_field c1 pid)/cgroup")
  mkdir "/sys/fs/cgroup/memory$dir/sub"
  in_c1 --cgroup memory:sub -- cat /proc/self/cgroup
  assert_ok
  grep -Eq '^[0-9]+:memory:.*/sub$' <<<"$stdout"
  # The other hierarchies stay the container's own.
  ! grep -Eq '^[0-9]+:pids:.*/sub$' <<<"$stdout"
  in_c1 --cgroup memory:missing -- true
  [ "$status" -eq 255 ]
  assert_one_line_error 'cgroup .*missing.*No such file or directory'
  in_c1 --cgroup memory:../.. -- true
  assert_error 'not a path below'
}

@test "exec: the process gets the container's seccomp filter" {
  [ "$(jq '.linux.seccomp != null' "$BUNDLE/config.json")" = true ]
  running c1
  in_c1 grep -E '^Seccomp:' /proc/self/status
  assert_ok
  [ "$(awk '{ print $2 }' <<<"$stdout")" = 2 ]
}

@test "exec: no seccomp filter when the config has none" {
  update_config 'del(.linux.seccomp)'
  running c1
  in_c1 grep -E '^Seccomp:' /proc/self/status
  [ "$(awk '{ print $2 }' <<<"$stdout")" = 0 ]
}

@test "exec: capabilities are the config's; -c adds one, never to the inheritable set (CVE-2022-29162)" {
  update_config '.process.capabilities.inheritable = ["CAP_KILL"]'
  running c1
  local init
  init=$(state_field c1 pid)
  in_c1 grep -E '^Cap(Eff|Inh|Prm|Bnd):' /proc/self/status
  assert_ok
  [ "$(awk '$1 == "CapEff:" { print $2 }' <<<"$stdout")" = "$(status_field "$init" CapEff)" ]
  [ "$(awk '$1 == "CapInh:" { print $2 }' <<<"$stdout")" = "$(cap_mask CAP_KILL)" ]
  in_c1 -c CAP_SYS_ADMIN -c sys_ptrace -- grep -E '^Cap(Eff|Inh|Amb):' /proc/self/status
  assert_ok
  local eff inh amb want
  eff=$(awk '$1 == "CapEff:" { print $2 }' <<<"$stdout")
  inh=$(awk '$1 == "CapInh:" { print $2 }' <<<"$stdout")
  amb=$(awk '$1 == "CapAmb:" { print $2 }' <<<"$stdout")
  want=$(cap_mask CAP_SYS_ADMIN CAP_SYS_PTRACE)
  (((16#$eff & 16#$want) == 16#$want))
  [ "$inh" = "$(cap_mask CAP_KILL)" ]
  [ "$amb" = 0000000000000000 ]
  in_c1 -c CAP_NOPE -- true
  assert_error '--cap `CAP_NOPE`: not a capability'
}

@test "exec: rlimits are the config's" {
  update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 1234, "hard": 1234}]'
  running c1
  in_c1 sh -c 'ulimit -n'
  assert_ok
  assert_output 1234
}

@test "exec: NoNewPrivs is the config's; --no-new-privs sets it" {
  update_config '.process.noNewPrivileges = false'
  running c1
  in_c1 grep NoNewPrivs /proc/self/status
  [ "$(awk '{ print $2 }' <<<"$stdout")" = 0 ]
  in_c1 --no-new-privs -- grep NoNewPrivs /proc/self/status
  [ "$(awk '{ print $2 }' <<<"$stdout")" = 1 ]
  # And the filter is still installed, after the identity change.
  in_c1 --no-new-privs -u 1000 -- grep -E '^Seccomp:' /proc/self/status
  [ "$(awk '{ print $2 }' <<<"$stdout")" = 2 ]
}

@test "exec -u UID:GID and -g set the user and groups" {
  running c1
  in_c1 -u 1000:1001 -g 10 -g 20,30 -- sh -c 'id -u; id -g; id -G'
  assert_ok
  assert_output $'1000\n1001\n1001 10 20 30'
  in_c1 -u 1000 -- id -g
  assert_output 0
  in_c1 -u nobody -- true
  assert_error '--user `nobody`: not UID or UID:GID'
}

@test "exec -e sets and replaces variables over the config's" {
  running c1
  in_c1 -e FOO=bar -e PATH=/bin:/sbin -- sh -c 'echo "$FOO $PATH"; env | grep -c ^PATH='
  assert_ok
  assert_output $'bar /bin:/sbin\n1'
  in_c1 sh -c 'echo "$SPACER_TEST_MARK"'
  assert_output "$SPACER_TEST_MARK"
}

@test "exec --cwd sets the working directory; the config's otherwise" {
  update_config '.process.cwd = "/etc"'
  running c1
  in_c1 pwd
  assert_output /etc
  in_c1 --cwd /tmp -- pwd
  assert_output /tmp
  in_c1 --cwd /nonexistent -- pwd
  [ "$status" -eq 255 ]
  in_c1 --cwd tmp -- pwd
  assert_error 'not an absolute path'
}

@test "CVE-2024-21626: a cwd that climbs out through a symlink stays inside the rootfs" {
  running c1
  ln -s ../../../../../../../../.. "$BUNDLE/rootfs/escape"
  touch "$BUNDLE/rootfs/inside-marker"
  in_c1 --cwd /escape -- sh -c 'ls -a; pwd -P'
  if [ "$status" -eq 0 ]; then
    grep -qx inside-marker <<<"$stdout"
  else
    [ "$status" -eq 255 ]
  fi
  # Nor through one of spacer's descriptors.
  local fd
  for fd in 3 4 5 6 7 8 9; do
    in_c1 --cwd "/proc/self/fd/$fd" -- sh -c 'ls -a'
    ! grep -qx "$(basename "$BATS_TEST_TMPDIR")" <<<"$stdout"
    ! grep -qx state.json <<<"$stdout"
  done
}

@test "exec: the process has only stdio, and --preserve-fds N more" {
  running c1
  in_c1 sh -c 'ls /proc/$$/fd; exit 0'
  assert_ok
  assert_output $'0\n1\n2'
  echo passed >"$BATS_TEST_TMPDIR/f"
  capture timeout -k 5 20 "$SPACER" --root "$ROOT" exec --preserve-fds 1 c1 \
    sh -c 'ls /proc/$$/fd; cat <&3; exit 0' 3<"$BATS_TEST_TMPDIR/f" 4</dev/null
  assert_ok
  assert_output $'0\n1\n2\n3\npassed'
}

# ---- status, signals ----

@test "exec exits with the process's status, 128+N for signal N" {
  running c1
  in_c1 sh -c 'exit 7'
  [ "$status" -eq 7 ]
  in_c1 sh -c 'kill -KILL $$'
  [ "$status" -eq 137 ]
  in_c1 sh -c 'kill -TERM $$'
  [ "$status" -eq 143 ]
}

@test "exec in the foreground forwards signals to the process" {
  bind_host_dir "$BATS_TEST_TMPDIR/shared" /shared
  running c1
  # spacer itself, not the helper function's subshell, gets the signal.
  "$SPACER" --root "$ROOT" exec c1 sh -c 'trap "echo got TERM; exit 3" TERM; echo ready >/shared/ready
    while :; do sleep 0.1; done' </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1 &
  local pid=$!
  BG_PIDS+=("$pid")
  wait_for_file "$BATS_TEST_TMPDIR/shared/ready"
  kill -TERM "$pid"
  local rc=0
  wait "$pid" || rc=$?
  [ "$rc" -eq 3 ]
  grep -q 'got TERM' "$BATS_TEST_TMPDIR/out"
}

@test "exec --detach --pid-file returns once the program runs and writes its host pid" {
  running c1
  capture spacer exec --detach --pid-file "$BATS_TEST_TMPDIR/p.pid" c1 sleep 100
  assert_ok
  local pid
  pid=$(cat "$BATS_TEST_TMPDIR/p.pid")
  process_alive "$pid"
  [ "$(tr '\0' ' ' <"/proc/$pid/cmdline")" = "sleep 100 " ]
  [ "$(readlink "/proc/$pid/ns/pid")" = "$(readlink "/proc/$(state_field c1 pid)/ns/pid")" ]
  # It is the container's: delete takes it.
  spacer delete --force c1
  wait_until process_gone "$pid"
}

@test "exec --process FILE runs a runtime-spec process object" {
  running c1
  cat >"$BATS_TEST_TMPDIR/process.json" <<EOF
{"args": ["sh", "-c", "echo \$A; pwd; id -u"], "env": ["A=from-file", "PATH=/bin"],
 "cwd": "/tmp", "user": {"uid": 1000, "gid": 1000}, "terminal": false}
EOF
  in_c1_process() {
    capture timeout -k 5 20 "$SPACER" --root "$ROOT" exec --process "$BATS_TEST_TMPDIR/process.json" "$@"
  }
  in_c1_process c1
  assert_ok
  assert_output $'from-file\n/tmp\n1000'
  # The flags go on top of it.
  in_c1_process -e A=flag --cwd / c1
  assert_output $'flag\n/\n1000'
}

@test "exec --process FILE with a bad object: one line naming the file and the JSON path" {
  running c1
  echo '{"args": ["true"], "cwd": "/", "user": {"uid": "x"}}' >"$BATS_TEST_TMPDIR/p.json"
  in_c1_bad() {
    capture timeout -k 5 20 "$SPACER" --root "$ROOT" exec --process "$BATS_TEST_TMPDIR/p.json" c1
  }
  in_c1_bad
  [ "$status" -eq 255 ]
  assert_one_line_error "p\.json: process\.user\.uid|p\.json: user\.uid"
  echo '{"cwd": "/"}' >"$BATS_TEST_TMPDIR/p.json"
  in_c1_bad
  assert_error 'p\.json: .*args: required'
  echo '{"args": [' >"$BATS_TEST_TMPDIR/p.json"
  in_c1_bad
  assert_error 'p\.json'
  capture spacer exec --process "$BATS_TEST_TMPDIR/p.json" c1 true
  assert_error 'exclusive'
}

# ---- terminals ----

@test "exec -t --console-socket sends the process's pty to the socket" {
  running c1
  # start_recvtty (terminal.bats) inlined: recvtty receives the master.
  SOCK=$BATS_TEST_TMPDIR/console.sock
  (cd "$BATS_TEST_TMPDIR" && exec env -u SPACER_TEST_MARK "$RECVTTY" console.sock) \
    >"$BATS_TEST_TMPDIR/recvtty.out" 2>"$BATS_TEST_TMPDIR/recvtty.err" </dev/null 3>&- &
  BG_PIDS+=("$!")
  local rpid=$!
  wait_until test -S "$SOCK"
  sleep 0.2
  capture spacer exec -t -d --console-socket "$SOCK" c1 sh -c 'tty; [ -t 0 ] && echo stdin-tty'
  assert_ok
  wait_until process_gone "$rpid"
  grep -q '^/dev/pts/[0-9]' "$BATS_TEST_TMPDIR/recvtty.out"
  grep -q 'stdin-tty' "$BATS_TEST_TMPDIR/recvtty.out"
  # The container's /dev/console stays the init's.
  in_c1 tty
  [ "$status" -ne 0 ]
}

@test "exec -t in the foreground connects the pty to spacer's own terminal" {
  command -v script >/dev/null || skip "script(1) missing"
  running c1
  local cmd
  cmd="$(printf '%q ' "$SPACER" --root "$ROOT" exec -t c1 sh -c 'tty; exit 5'); echo rc=\$?"
  SHELL=/bin/bash timeout -k 5 20 script -qec "$cmd" /dev/null </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1
  tr -d '\r' <"$BATS_TEST_TMPDIR/out" >"$BATS_TEST_TMPDIR/out2"
  cat "$BATS_TEST_TMPDIR/out2" >&2
  grep -q '/dev/pts/[0-9]' "$BATS_TEST_TMPDIR/out2"
  grep -qx 'rc=5' "$BATS_TEST_TMPDIR/out2"
  # Without a terminal, runc's rules: -t needs one or a console socket.
  in_c1 -t -- true
  assert_error 'standard input is not a terminal'
  in_c1 --console-socket "$BATS_TEST_TMPDIR/x.sock" -- true
  assert_error 'no terminal'
}

# ---- container status ----

@test "exec in a paused container is refused, unless --ignore-paused" {
  require_cgroup_freezer
  bind_host_dir "$BATS_TEST_TMPDIR/shared" /shared
  running c1
  spacer pause c1
  in_c1 true
  [ "$status" -eq 255 ]
  assert_one_line_error 'cannot exec in container `c1`: it is paused .*--ignore-paused'
  # The process joins the frozen cgroup and runs once it is thawed.
  timeout -k 5 20 "$SPACER" --root "$ROOT" exec --ignore-paused -d c1 touch /shared/ran \
    </dev/null >/dev/null 2>&1 &
  local pid=$!
  BG_PIDS+=("$pid")
  sleep 0.3
  [ ! -e "$BATS_TEST_TMPDIR/shared/ran" ]
  spacer resume c1
  wait "$pid"
  wait_until test -e "$BATS_TEST_TMPDIR/shared/ran"
}

@test "exec in a created container runs, as with runc" {
  set_args sleep 1000
  create_container c1
  [ "$(state_field c1 status)" = created ]
  in_c1 echo hi
  assert_ok
  assert_output hi
  [ "$(state_field c1 status)" = created ]
}

@test "exec in a stopped container is refused" {
  set_args true
  create_container c1
  spacer start c1
  wait_for_status c1 stopped
  in_c1 true
  [ "$status" -eq 255 ]
  assert_one_line_error 'cannot exec in container `c1`: it is stopped'
  capture spacer exec nosuch true
  assert_error 'container `nosuch` does not exist'
}

# ---- errors engines classify ----

@test "exec: a missing program is runc's 'executable file not found', exit 255" {
  running c1
  in_c1 nosuchprogram
  [ "$status" -eq 255 ]
  assert_one_line_error 'executable file not found in \$PATH'
  in_c1 /bin/nosuchprogram
  [ "$status" -eq 255 ]
  assert_one_line_error '[Nn]o such file or directory'
}

@test "exec: a program that cannot be executed is 'permission denied', exit 255" {
  running c1
  in_c1 /etc/passwd
  [ "$status" -eq 255 ]
  assert_one_line_error '[Pp]ermission denied'
  in_c1 /etc
  [ "$status" -eq 255 ]
  assert_one_line_error 'is a directory'
}

@test "exec: usage errors" {
  running c1
  capture spacer exec c1
  assert_error 'no command'
  capture spacer exec
  assert_error 'usage: spacer exec'
  capture spacer exec --preserve-fds x c1 true
  assert_error 'not a count of fds'
  capture spacer exec -e NOEQUALS c1 true
  assert_error 'not KEY=VALUE'
}

# ---- CVE-2019-5736 ----

@test "CVE-2019-5736: a process of the container cannot write spacer through the exe of an exec" {
  # The attacker is the container's pid 1 with CAP_SYS_PTRACE and scans
  # for another process's exe; exec's process is spacer until its exec,
  # and here the program is spacer itself again (/proc/self/exe), held on
  # a fifo while the attacker works on it.
  gcc -static -O2 -Wall -o "$BUNDLE/rootfs/bin/exe-attack" \
    "$BATS_TEST_DIRNAME/fixtures/exe/exe-attack.c"
  local out=$BATS_TEST_TMPDIR/out lib
  bind_host_dir "$out" /out
  for lib in $(ldd "$SPACER" | grep -o '/[^ ]*'); do
    mkdir -p "$BUNDLE/rootfs$(dirname "$lib")"
    cp -L "$lib" "$BUNDLE/rootfs$lib"
  done
  mkfifo "$out/log"
  spacer_copy
  local hash
  hash=$(sha256sum <"$SPACER_COPY")
  update_config '.process.capabilities |= with_entries(.value += ["CAP_SYS_PTRACE"])'
  set_args /bin/exe-attack scan /out/report
  create_container c1
  spacer start c1
  "$SPACER_COPY" --root "$ROOT" exec -d c1 /proc/self/exe --log=/out/log state c1 \
    </dev/null >/dev/null 2>&1
  local i
  for i in $(seq 600); do
    grep -q '^done' "$out/report" 2>/dev/null && break
    grep -q '^open /proc/.*for reading' "$out/report" 2>/dev/null \
      && timeout -k 5 10 cat "$out/log" >/dev/null
    sleep 0.05
  done
  echo "attacker: $(cat "$out/report")" >&2
  grep -q '^done' "$out/report"
  grep -q '^open /proc/' "$out/report"
  ! grep -q '^written' "$out/report"
  [ "$(sha256sum <"$SPACER_COPY")" = "$hash" ]
}

# ---- --pidfd-socket ----

@test "exec --pidfd-socket: the socket gets a pidfd of the exec'd process, with runc 1.2's bytes \"setns\"" {
  running c1
  start_recvpidfd
  capture spacer exec -d --pid-file "$BATS_TEST_TMPDIR/p.pid" --pidfd-socket "$PIDFD_SOCK" c1 sleep 100
  assert_ok
  [ "$(recvpidfd_said msg)" = setns ]
  [ "$(recvpidfd_said fd)" = "anon_inode:[pidfd]" ]
  [ "$(recvpidfd_said pid)" = "$(cat "$BATS_TEST_TMPDIR/p.pid")" ]
  [ "$(recvpidfd_said pid)" != "$(state_field c1 pid)" ]
}

@test "exec --pidfd-socket: the pidfd received ends the process, the container runs on" {
  running c1
  start_recvpidfd "$(kill -l KILL)"
  capture timeout 20 "$SPACER" --root "$ROOT" exec --pidfd-socket "$PIDFD_SOCK" c1 sleep 100
  [ "$status" -eq 137 ]
  # The receiver says so once its poll on the pidfd returns, which may be
  # after spacer has already reported the exit.
  wait_until grep -qx exited "$BATS_TEST_TMPDIR/recvpidfd.out"
  [ "$(state_field c1 status)" = running ]
}

@test "exec --pidfd-socket: a socket nobody listens on is an error, nothing runs" {
  running c1
  capture spacer exec --pidfd-socket "$BATS_TEST_TMPDIR/nobody.sock" c1 sh -c 'echo ran'
  assert_error "--pidfd-socket \`[^\`]*/nobody\.sock\`: No such file or directory"
  [[ $output != *ran* ]]
}

# ---- help ----

@test "exec has help listing runc's flags" {
  capture spacer exec --help
  assert_ok
  local flag
  for flag in --process --pid-file --detach --tty --console-socket --cwd --env --user \
    --additional-gids --cap --no-new-privs --apparmor --process-label --preserve-fds \
    --ignore-paused --cgroup --pidfd-socket; do
    grep -q -- "$flag" <<<"$stdout"
  done
}

@test "exec --apparmor on a host without AppArmor: a one-line error, nothing runs" {
  if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]; then
    skip "AppArmor is enabled here"
  fi
  running c1
  in_c1 --apparmor spacer-test-profile -- sh -c 'echo ran'
  assert_error 'AppArmor is not enabled'
  [[ $output != *ran* ]]
}

@test "exec --process-label on a host without SELinux: a one-line error, nothing runs" {
  if [ -e /sys/fs/selinux/enforce ]; then
    skip "SELinux is enabled here"
  fi
  running c1
  in_c1 --process-label system_u:system_r:container_t:s0 -- sh -c 'echo ran'
  assert_error 'SELinux is not enabled'
  [[ $output != *ran* ]]
}

@test "exec: the process starts with every signal at its default action, whatever spacer's caller ignored" {
  running c1
  run -0 bash -c 'trap "" INT TERM PIPE USR1 HUP; exec "$@"' - "$SPACER" --root "$ROOT" exec c1 \
    grep -E '^Sig(Ign|Blk):' /proc/self/status
  [ "${lines[0]}" = $'SigBlk:\t0000000000000000' ]
  [ "${lines[1]}" = $'SigIgn:\t0000000000000000' ]
}

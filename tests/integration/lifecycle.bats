#!/usr/bin/env bats
# The OCI lifecycle: create, start, state, kill, delete, run, list, and the
# command line around them (IDs, locking, global flags, errors).

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

# running_container ID [create flags...]: a started container running
# `sleep 100`.
running_container() {
  local id=$1
  shift
  set_args sleep 100
  create_container "$id" "$@"
  spacer start "$id"
}

# stopped_container ID: a container whose program (`true`) ran and exited.
stopped_container() {
  set_args true
  create_container "$1"
  spacer start "$1"
  wait_for_status "$1" stopped
}

# trapping_container ID TRAPS: a started container whose program, a shell,
# runs TRAPS (its `trap` commands), says ready and loops. It returns once
# the program is ready. pid 1 of a pid namespace only gets the signals it
# handles: the traps tell which signal arrived.
trapping_container() {
  set_args sh -c "$2; echo ready; while :; do sleep 0.05; done"
  create_container "$1"
  spacer start "$1"
  wait_for_log "$1" ready
}

# in_parallel N PATTERN CMD...: run CMD N times at once, each with its
# output in a file, and wait for all. Sets $ok to how many succeeded; every
# other one must have failed with one error line matching PATTERN.
in_parallel() {
  local n=$1 pattern=$2 i pids=()
  shift 2
  for i in $(seq "$n"); do
    "$@" >"$BATS_TEST_TMPDIR/parallel$i.out" 2>&1 </dev/null &
    pids+=($!)
  done
  BG_PIDS+=("${pids[@]}")
  ok=0
  for i in $(seq "$n"); do
    if wait "${pids[$((i - 1))]}"; then
      ok=$((ok + 1))
    else
      output=$(cat "$BATS_TEST_TMPDIR/parallel$i.out")
      assert_one_line_error "$pattern" || return 1
    fi
  done
}

# Where tests bind-mount a host directory (bind_host_dir) to see from the
# host what the program did inside.
HOST_DIR_IN=/mnt/host

# ---- spec ----

@test "spec: writes a valid config.json that runs sh on a terminal" {
  local dir=$BATS_TEST_TMPDIR/fresh
  mkdir "$dir"
  cd "$dir"
  "$SPACER" spec
  jq -e . config.json >/dev/null
  jq -e '.process.args == ["sh"]' config.json
  jq -e '.process.terminal == true' config.json
  jq -e '.root.path == "rootfs"' config.json
  jq -e '(.ociVersion | type) == "string"' config.json
}

@test "spec: refuses to overwrite an existing config.json" {
  local dir=$BATS_TEST_TMPDIR/fresh
  mkdir "$dir"
  echo '{"edited": true}' >"$dir/config.json"
  cd "$dir"
  run "$SPACER" spec
  assert_error "config.json.*exists"
  [ "$(cat config.json)" = '{"edited": true}' ]
}

@test "spec --bundle DIR writes DIR/config.json and nothing in the cwd" {
  local dir=$BATS_TEST_TMPDIR/elsewhere cwd=$BATS_TEST_TMPDIR/cwd
  mkdir "$dir" "$cwd"
  cd "$cwd"
  "$SPACER" spec --bundle "$dir"
  jq -e '.process.args == ["sh"]' "$dir/config.json"
  [ ! -e "$cwd/config.json" ]
}

@test "spec --rootless adds a user namespace with uid and gid mappings for the caller" {
  local dir=$BATS_TEST_TMPDIR/rootless
  mkdir "$dir"
  # The default spec has no user namespace: --rootless is what adds it.
  jq -e '[.linux.namespaces[].type] | index("user") == null' "$BUNDLE/config.json"
  "$SPACER" spec --rootless --bundle "$dir"
  jq -e '[.linux.namespaces[].type] | index("user") != null' "$dir/config.json"
  jq -e --argjson uid "$(id -u)" \
    '.linux.uidMappings | length >= 1 and any(.[]; .hostID == $uid and .containerID == 0 and .size >= 1)' \
    "$dir/config.json"
  jq -e --argjson gid "$(id -g)" \
    '.linux.gidMappings | length >= 1 and any(.[]; .hostID == $gid and .containerID == 0 and .size >= 1)' \
    "$dir/config.json"
}

# ---- create ----

@test "create leaves the container created, start makes it running" {
  set_args sleep 100
  create_container c1
  [ "$(state_field c1 status)" = created ]
  spacer start c1
  [ "$(state_field c1 status)" = running ]
}

@test "create: the init is blocked before the user program runs, until start" {
  local host=$BATS_TEST_TMPDIR/host
  bind_host_dir "$host" "$HOST_DIR_IN"
  set_args sh -c "echo program-ran; echo yes >$HOST_DIR_IN/ran; sleep 100"
  create_container c1
  [ "$(state_field c1 status)" = created ]
  # Give a program that was not held back ample time to leave its traces.
  sleep 0.5
  [ ! -e "$host/ran" ]
  [ -z "$(container_log c1)" ]
  [ "$(state_field c1 status)" = created ]
  spacer start c1
  wait_for_file "$host/ran"
  wait_for_log c1 program-ran
}

@test "create --pid-file: the file holds the init's pid, the one state reports" {
  local dir=$BATS_TEST_TMPDIR/piddir
  mkdir "$dir"
  set_args sleep 100
  create_container c1 --pid-file "$dir/c1.pid"
  local pid
  pid=$(cat "$dir/c1.pid")
  [[ $pid =~ ^[1-9][0-9]*$ ]]
  [ "$(state_field c1 pid)" = "$pid" ]
  process_alive "$pid"
  # It is the container's init: pid 1 in the container's pid namespace.
  [ "$(awk '/^NSpid:/ {print $NF}' "/proc/$pid/status")" = 1 ]
  # Written atomically: no temporary file is left next to it.
  [ "$(ls -A "$dir")" = c1.pid ]
}

@test "create --pid-file: a relative path is relative to the caller's cwd, not the bundle" {
  local cwd=$BATS_TEST_TMPDIR/cwd
  mkdir "$cwd"
  set_args sleep 100
  cd "$cwd"
  create_container c1 --pid-file c1.pid
  [ -f "$cwd/c1.pid" ]
  [ ! -e "$BUNDLE/c1.pid" ]
  [ "$(cat "$cwd/c1.pid")" = "$(state_field c1 pid)" ]
}

@test "create --pid-file: an unwritable pid file fails create and leaves nothing behind" {
  set_args sleep 100
  capture spacer create --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/no/such/dir/c1.pid" c1
  assert_error "pid file.*No such file or directory"
  assert_nothing_left
}

@test "create --pidfd-socket: the socket gets a pidfd of the init, with runc 1.2's bytes \"standard\"" {
  start_recvpidfd
  set_args sleep 100
  create_container c1 --pidfd-socket "$PIDFD_SOCK"
  [ "$(recvpidfd_said msg)" = standard ]
  [ "$(recvpidfd_said fd)" = "anon_inode:[pidfd]" ]
  [ "$(recvpidfd_said pid)" = "$(state_field c1 pid)" ]
  [ "$(state_field c1 status)" = created ]
}

@test "create --pidfd-socket: the pidfd received stops the container (SIGKILL through it)" {
  start_recvpidfd "$(kill -l KILL)"
  set_args sleep 100
  create_container c1 --pidfd-socket "$PIDFD_SOCK"
  wait_until process_gone "$RECVPIDFD_PID"
  grep -qx exited "$BATS_TEST_TMPDIR/recvpidfd.out" || {
    echo "recvpidfd: $(cat "$BATS_TEST_TMPDIR/recvpidfd.out" "$BATS_TEST_TMPDIR/recvpidfd.err")" >&2
    return 1
  }
  wait_for_status c1 stopped
}

@test "run -d --pidfd-socket: the socket gets a pidfd of the running init" {
  start_recvpidfd
  set_args sleep 100
  capture timeout 20 "$SPACER" --root "$ROOT" run -d --bundle "$BUNDLE" --pidfd-socket "$PIDFD_SOCK" c1
  assert_ok
  [ "$(recvpidfd_said msg)" = standard ]
  [ "$(recvpidfd_said fd)" = "anon_inode:[pidfd]" ]
  [ "$(recvpidfd_said pid)" = "$(state_field c1 pid)" ]
  [ "$(state_field c1 status)" = running ]
}

@test "create --pidfd-socket: a socket nobody listens on fails create, naming it, and leaves nothing" {
  set_args sleep 100
  capture spacer create --bundle "$BUNDLE" --pidfd-socket "$BATS_TEST_TMPDIR/nobody.sock" c1
  assert_error "--pidfd-socket \`[^\`]*/nobody\.sock\`: No such file or directory"
  assert_nothing_left
}

@test "create --config FILE: the config is FILE, relative to the bundle, and exec uses it too" {
  update_config '.process.args = ["sleep", "100"] | .process.env += ["FROM=alt"]'
  mv "$BUNDLE/config.json" "$BUNDLE/alt.json"
  # A config.json that would fail: it must not be the one read.
  echo '{}' >"$BUNDLE/config.json"
  cd "$BATS_TEST_TMPDIR"
  create_container c1 --config alt.json
  spacer start c1
  [ "$(state_field c1 status)" = running ]
  # exec takes process defaults from the container's config: alt.json's.
  run --separate-stderr spacer exec c1 sh -c 'echo "$FROM"'
  assert_ok
  [ "$output" = alt ]
  # Changed or removed after create, the file no longer matters.
  rm "$BUNDLE/alt.json"
  run --separate-stderr spacer exec c1 sh -c 'echo "$FROM"'
  [ "$output" = alt ]
}

@test "create --config FILE: a missing or bad FILE is an error that names it" {
  capture spacer create --bundle "$BUNDLE" --config nosuch.json c1
  [ "$status" -eq 1 ]
  assert_error "nosuch.json: open: No such file or directory"
  jq '.process.args = 5' "$BUNDLE/config.json" >"$BUNDLE/bad.json"
  capture spacer create --bundle "$BUNDLE" --config bad.json c1
  [ "$status" -eq 1 ]
  assert_error "^spacer: bad.json: process.args: "
  assert_nothing_left
}

@test "create: without --bundle the bundle is the current directory" {
  set_args sleep 100
  cd "$BUNDLE"
  spacer create c1 >"$BATS_TEST_TMPDIR/c1.log" 2>&1 </dev/null
  [ "$(state_field c1 status)" = created ]
  [ "$(state_field c1 bundle)" = "$(realpath "$BUNDLE")" ]
}

# ---- start ----

@test "start: the container becomes running and its program runs" {
  set_args sh -c 'echo hello-from-start; sleep 100'
  create_container c1
  spacer start c1
  [ "$(state_field c1 status)" = running ]
  wait_for_log c1 hello-from-start
}

@test "start: refused for a running container" {
  running_container c1
  local pid
  pid=$(state_field c1 pid)
  run spacer start c1
  assert_error "c1.*running"
  [ "$(state_field c1 status)" = running ]
  [ "$(state_field c1 pid)" = "$pid" ]
}

@test "start: refused for a stopped container" {
  stopped_container c1
  run spacer start c1
  assert_error "c1.*stopped"
}

@test "start: refused for an unknown container" {
  run spacer start nosuch
  assert_error "nosuch.*does not exist"
  # Also when other containers exist (the state directory is there).
  set_args sleep 100
  create_container c1
  run spacer start nosuch
  assert_error "nosuch.*does not exist"
  [ "$(state_field c1 status)" = created ]
}

# ---- state ----

@test "state: reports ociVersion, id, status, pid, absolute bundle, annotations, created" {
  update_config '.annotations = {"org.example.key": "some value", "other": "x"}'
  set_args sleep 100
  local before after
  before=$(date +%s)
  create_container c1 --pid-file "$BATS_TEST_TMPDIR/c1.pid"
  after=$(date +%s)
  run spacer state c1
  [ "$status" -eq 0 ]
  local json=$output
  jq -e . <<<"$json" >/dev/null
  jq -e --arg v "$(jq -r .ociVersion "$BUNDLE/config.json")" '.ociVersion == $v' <<<"$json"
  jq -e '.id == "c1"' <<<"$json"
  jq -e '.status == "created"' <<<"$json"
  jq -e --argjson pid "$(cat "$BATS_TEST_TMPDIR/c1.pid")" '.pid == $pid' <<<"$json"
  jq -e --arg b "$(realpath "$BUNDLE")" '.bundle == $b' <<<"$json"
  jq -e '.annotations == {"org.example.key": "some value", "other": "x"}' <<<"$json"
  local created
  created=$(jq -r .created <<<"$json")
  [[ $created =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$ ]]
  # ... and it is the time of the create.
  local t
  t=$(date -d "$created" +%s)
  [ "$t" -ge $((before - 1)) ]
  [ "$t" -le $((after + 1)) ]
}

@test "state: annotations with quotes, backslashes, newlines and UTF-8 come back unchanged" {
  update_config '.annotations = {"k\"ey": "say \"hi\" \\ back\nslash \u00e9 \t end"}'
  set_args sleep 100
  create_container c1
  run spacer state c1
  [ "$status" -eq 0 ]
  jq -e --slurpfile cfg "$BUNDLE/config.json" '.annotations == $cfg[0].annotations' <<<"$output"
  run spacer list --format json
  jq -e --slurpfile cfg "$BUNDLE/config.json" '.[0].annotations == $cfg[0].annotations' <<<"$output"
}

@test "state: the bundle is absolute when create was given a relative --bundle" {
  set_args sleep 100
  cd "$BATS_TEST_TMPDIR"
  spacer create --bundle bundle c1 >"$BATS_TEST_TMPDIR/c1.log" 2>&1 </dev/null
  local bundle
  bundle=$(state_field c1 bundle)
  [[ $bundle == /* ]]
  [ "$bundle" = "$(realpath "$BUNDLE")" ]
}

@test "state: a running container reports status running and its init's pid" {
  running_container c1 --pid-file "$BATS_TEST_TMPDIR/c1.pid"
  [ "$(state_field c1 status)" = running ]
  [ "$(state_field c1 pid)" = "$(cat "$BATS_TEST_TMPDIR/c1.pid")" ]
}

@test "state: a stopped container reports status stopped and pid 0" {
  stopped_container c1
  run spacer state c1
  [ "$status" -eq 0 ]
  jq -e '.status == "stopped" and .pid == 0 and .id == "c1"' <<<"$output"
}

@test "state: owner names the user who created the container, and list --format json says the same" {
  set_args sleep 100
  create_container c1
  run spacer state c1
  assert_ok
  jq -e --arg me "$(id -un)" '.owner == $me' <<<"$output"
  local state=$output
  # runc's list prints objects of state's fields, owner included.
  run spacer list --format json
  assert_ok
  jq -e --argjson s "$state" '.[0] == $s' <<<"$output"
  run spacer list
  assert_ok
  [ "$(awk 'NR == 2 { print $NF }' <<<"$output")" = "$(id -un)" ]
}

@test "state: an unknown container is an error" {
  run spacer state nosuch
  assert_error "nosuch.*does not exist"
}

# ---- kill ----

@test "kill: a signal given by name, SIG-prefixed name or number reaches the init" {
  local sig
  for sig in KILL SIGKILL 9 kill; do
    running_container "k-$sig"
  done
  for sig in KILL SIGKILL 9 kill; do
    spacer kill "k-$sig" "$sig"
    wait_for_status "k-$sig" stopped
  done
}

@test "kill: the named signal is the one delivered (USR1, SIGUSR2, 10)" {
  trapping_container c1 'trap "echo got-usr1" USR1; trap "echo got-usr2" USR2'
  spacer kill c1 SIGUSR2
  wait_for_log c1 got-usr2
  ! grep -q got-usr1 "$BATS_TEST_TMPDIR/c1.log" || false
  spacer kill c1 USR1
  wait_for_log c1 got-usr1
  : >"$BATS_TEST_TMPDIR/c1.log"
  spacer kill c1 10   # SIGUSR1 on x86 and arm
  wait_for_log c1 got-usr1
  ! grep -q got-usr2 "$BATS_TEST_TMPDIR/c1.log" || false
  [ "$(state_field c1 status)" = running ]
}

@test "kill: without a signal the init gets TERM" {
  trapping_container c1 'trap "echo got-term; exit 0" TERM'
  spacer kill c1
  wait_for_log c1 got-term
  wait_for_status c1 stopped
}

@test "kill: without a signal the init gets the org.opencontainers.image.stopSignal annotation's signal; a named one wins" {
  local sig
  for sig in SIGUSR1 USR2 "$(kill -l HUP)"; do
    update_config '.annotations["org.opencontainers.image.stopSignal"] = $s' --arg s "$sig"
    trapping_container "c-$sig" 'trap "echo got-term" TERM; trap "echo got-usr1" USR1;
      trap "echo got-usr2" USR2; trap "echo got-hup" HUP'
  done
  spacer kill c-SIGUSR1
  wait_for_log c-SIGUSR1 got-usr1
  spacer kill c-USR2
  wait_for_log c-USR2 got-usr2
  spacer kill "c-$(kill -l HUP)"
  wait_for_log "c-$(kill -l HUP)" got-hup
  for sig in SIGUSR1 USR2 "$(kill -l HUP)"; do
    ! grep -q got-term "$BATS_TEST_TMPDIR/c-$sig.log" || false
  done
  # A signal on the command line is the one sent.
  spacer kill c-SIGUSR1 TERM
  wait_for_log c-SIGUSR1 got-term
  [ "$(grep -c got-usr1 "$BATS_TEST_TMPDIR/c-SIGUSR1.log")" = 1 ]
  [ "$(state_field c-USR2 status)" = running ]
}

@test "kill: a stopSignal annotation that is no signal is an error naming it, and sends nothing" {
  update_config '.annotations["org.opencontainers.image.stopSignal"] = "SIGNOPE"'
  trapping_container c1 'trap "echo got-signal" TERM USR1 USR2 HUP INT'
  run spacer kill c1
  assert_error 'c1.*annotations\.org\.opencontainers\.image\.stopSignal: invalid signal `SIGNOPE`'
  sleep 0.2
  ! grep -q got-signal "$BATS_TEST_TMPDIR/c1.log" || false
  spacer kill c1 KILL
  wait_for_status c1 stopped
}

@test "kill: an invalid signal is an error and sends nothing" {
  trapping_container c1 'trap "echo got-signal" TERM USR1 USR2 HUP INT'
  local sig
  for sig in NOPE SIGNOPE SIG 65 999 9x ''; do
    run spacer kill c1 "$sig"
    assert_error "signal" || { echo "(from kill with signal '$sig')" >&2; return 1; }
  done
  sleep 0.2
  ! grep -q got-signal "$BATS_TEST_TMPDIR/c1.log" || false
  [ "$(state_field c1 status)" = running ]
}

@test "kill: a stopped container is an error" {
  stopped_container c1
  run spacer kill c1 KILL
  assert_error "c1.*not running"
}

@test "kill: signal 0 checks that the container runs and sends nothing, as runc" {
  trapping_container c1 'trap "echo got-signal" TERM USR1 USR2 HUP INT'
  run spacer kill c1 0
  assert_ok
  [ "$(state_field c1 status)" = running ]
  spacer kill c1 KILL
  wait_for_status c1 stopped
  run spacer kill c1 0
  assert_error "c1.*not running"
}

@test "kill --all: a stopped container is no error, as runc (containerd sends it after the task died)" {
  stopped_container c1
  run spacer kill --all c1 KILL
  assert_ok
  [ -z "$output" ]
  run spacer kill --all c1
  assert_ok
}

@test "kill: an unknown container is an error" {
  run spacer kill nosuch KILL
  assert_error "nosuch.*does not exist"
}

# ---- delete ----

@test "delete: refused while the container is running" {
  running_container c1
  local pid
  pid=$(state_field c1 pid)
  run spacer delete c1
  assert_error "c1.*running"
  [ "$(state_field c1 status)" = running ]
  process_alive "$pid"
}

@test "delete --force: kills a running container and removes it" {
  running_container c1
  local pid
  pid=$(state_field c1 pid)
  [ "$(test_processes)" = "$pid" ]
  spacer delete --force c1
  assert_nothing_left "$pid"
}

@test "delete: a created container is deleted and its blocked init is gone" {
  local host=$BATS_TEST_TMPDIR/host
  bind_host_dir "$host" "$HOST_DIR_IN"
  set_args sh -c "touch $HOST_DIR_IN/ran"
  create_container c1
  local pid
  pid=$(state_field c1 pid)
  [ "$(test_processes)" = "$pid" ]
  spacer delete c1
  assert_nothing_left "$pid"
  # The program never ran.
  [ ! -e "$host/ran" ]
}

@test "delete: a stopped container is deleted" {
  set_args true
  create_container c1
  local pid
  pid=$(state_field c1 pid)
  spacer start c1
  wait_for_status c1 stopped
  spacer delete c1
  assert_nothing_left "$pid"
  run spacer state c1
  assert_error "c1.*does not exist"
}

@test "delete --force of an unknown ID exits 0, plain delete of it fails" {
  run spacer delete --force nosuch
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  run spacer delete nosuch
  assert_error "nosuch.*does not exist"
}

@test "delete --force of an invalid ID such as .. is refused and removes nothing" {
  mkdir -p "$ROOT"
  touch "$BATS_TEST_TMPDIR/sentinel"
  local id
  for id in .. . ../bundle; do
    run spacer delete --force "$id"
    assert_error "ID" || { echo "(from delete --force '$id')" >&2; return 1; }
  done
  [ -d "$ROOT" ]
  [ -e "$BATS_TEST_TMPDIR/sentinel" ]
  [ -f "$BUNDLE/config.json" ]
}

# ---- run ----

@test "run: the user program is pid 1 and its exit status is spacer's" {
  set_args sh -c 'echo "pid=$$"; exit 3'
  run spacer run --bundle "$BUNDLE" c1
  [ "$status" -eq 3 ]
  [ "$output" = "pid=1" ]
}

@test "run: the foreground run waits for the program to exit" {
  local host=$BATS_TEST_TMPDIR/host
  bind_host_dir "$host" "$HOST_DIR_IN"
  set_args sh -c "sleep 0.3; touch $HOST_DIR_IN/done; exit 7"
  run spacer_timed run --bundle "$BUNDLE" c1
  [ "$status" -eq 7 ]
  [ -e "$host/done" ]
}

@test "run: a program killed by a signal makes spacer exit 128+N" {
  # Without a pid namespace the program is an ordinary process and can kill
  # itself (pid 1 of a namespace ignores its own unhandled signals).
  update_config '.linux.namespaces |= map(select(.type != "pid"))'
  set_args sh -c 'kill -KILL $$; echo survived; exit 5'
  run spacer_timed run --bundle "$BUNDLE" c1
  [ "$status" -eq 137 ]
  set_args sh -c 'kill -USR1 $$; echo survived; exit 5'
  run spacer_timed run --bundle "$BUNDLE" c2
  [ "$status" -eq 138 ]
}

@test "run: an init killed with spacer kill makes the foreground run exit 137" {
  set_args sleep 100
  timeout 20 "$SPACER" --root "$ROOT" run --bundle "$BUNDLE" c1 \
    >"$BATS_TEST_TMPDIR/c1.log" 2>&1 </dev/null &
  local runner=$!
  BG_PIDS+=("$runner")
  wait_for_status c1 running
  spacer kill c1 KILL
  local rc=0
  wait "$runner" || rc=$?
  [ "$rc" -eq 137 ]
}

@test "run: a signal sent to the foreground spacer is forwarded to the program" {
  set_args sh -c 'trap "echo got-term; exit 3" TERM; echo ready; while :; do sleep 0.05; done'
  "$SPACER" --root "$ROOT" run --bundle "$BUNDLE" c1 >"$BATS_TEST_TMPDIR/c1.log" 2>&1 </dev/null &
  local runner=$! i rc=0
  BG_PIDS+=("$runner")
  wait_for_log c1 ready
  kill -TERM "$runner"
  for i in $(seq 100); do
    kill -0 "$runner" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 "$runner" 2>/dev/null; then
    echo "spacer run still running 5 s after TERM: $(container_log c1)" >&2
    return 1
  fi
  wait "$runner" || rc=$?
  grep -q got-term "$BATS_TEST_TMPDIR/c1.log"
  [ "$rc" -eq 3 ]
}

@test "run: the container is removed after a foreground run" {
  set_args sh -c 'echo ran'
  local pid_file=$BATS_TEST_TMPDIR/c1.pid
  run spacer_timed run --bundle "$BUNDLE" --pid-file "$pid_file" c1
  [ "$status" -eq 0 ]
  [ "$output" = ran ]
  assert_nothing_left "$(cat "$pid_file")"
  # The ID can be used again.
  run spacer_timed run --bundle "$BUNDLE" c1
  [ "$status" -eq 0 ]
}

@test "run --detach: returns while the program runs, delete --force cleans up" {
  set_args sh -c 'echo started; sleep 100'
  timeout 10 "$SPACER" --root "$ROOT" run --detach --bundle "$BUNDLE" c1 \
    >"$BATS_TEST_TMPDIR/c1.log" 2>&1 </dev/null
  [ "$(state_field c1 status)" = running ]
  wait_for_log c1 started
  local pid
  pid=$(state_field c1 pid)
  process_alive "$pid"
  spacer delete --force c1
  assert_nothing_left "$pid"
}

@test "run -d --pid-file: the pid file holds the running init's pid" {
  set_args sleep 100
  timeout 10 "$SPACER" --root "$ROOT" run -d --pid-file "$BATS_TEST_TMPDIR/c1.pid" \
    --bundle "$BUNDLE" c1 >"$BATS_TEST_TMPDIR/c1.log" 2>&1 </dev/null
  [ "$(state_field c1 status)" = running ]
  [ "$(cat "$BATS_TEST_TMPDIR/c1.pid")" = "$(state_field c1 pid)" ]
}

# ---- list ----

@test "list: no containers gives a header only, an empty -q and an empty json array" {
  # The state directory does not exist yet...
  run spacer list
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ ${lines[0]} == ID* ]]
  run spacer list -q
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  run spacer list --format json
  [ "$status" -eq 0 ]
  jq -e '. == []' <<<"$output"
  # ... nor when it exists but is empty.
  mkdir -p "$ROOT"
  run spacer list --format json
  [ "$status" -eq 0 ]
  jq -e '. == []' <<<"$output"
}

@test "list: several containers are listed, sorted by ID" {
  set_args sleep 100
  local id
  for id in c-b c-c c-a; do
    create_container "$id"
  done
  run spacer list
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 4 ]
  [[ ${lines[0]} == ID* ]]
  [ "$(printf '%s\n' "${lines[@]:1}" | awk '{print $1}' | tr '\n' ' ')" = "c-a c-b c-c " ]
  # Each row names its status and bundle.
  printf '%s\n' "${lines[@]:1}" | grep -q 'created'
  printf '%s\n' "${lines[@]:1}" | grep -qF "$(realpath "$BUNDLE")"
}

@test "list --format json: parses with jq and holds id, status, pid and bundle" {
  set_args sh -c 'sleep 100'
  create_container c-created
  create_container c-running
  spacer start c-running
  stopped_container c-stopped
  run spacer list --format json
  [ "$status" -eq 0 ]
  local json=$output bundle
  bundle=$(realpath "$BUNDLE")
  jq -e 'length == 3' <<<"$json"
  jq -e '[.[].id] == ["c-created", "c-running", "c-stopped"]' <<<"$json"
  jq -e '[.[].status] == ["created", "running", "stopped"]' <<<"$json"
  jq -e --argjson p "$(state_field c-created pid)" '.[0].pid == $p' <<<"$json"
  jq -e --argjson p "$(state_field c-running pid)" '.[1].pid == $p and $p > 0' <<<"$json"
  jq -e '.[2].pid == 0' <<<"$json"
  jq -e --arg b "$bundle" 'all(.[]; .bundle == $b)' <<<"$json"
}

@test "list -q prints only the IDs" {
  set_args sleep 100
  create_container q2
  create_container q1
  run spacer list -q
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'q1\nq2')" ]
  run spacer list --quiet
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'q1\nq2')" ]
}

@test "list: an unknown --format is an error" {
  run spacer list --format yaml
  assert_error "format.*yaml"
}

# ---- container IDs ----

@test "create: invalid IDs are refused with a clear error and nothing is created" {
  set_args sleep 100
  local long id
  long=$(printf 'x%.0s' $(seq 1025))
  for id in a/b .. . .hidden '' "$long" 'a b' ' ' 'a;b' '../escape' 'a*' 'é'; do
    capture "$SPACER" --root "$ROOT" create --bundle "$BUNDLE" "$id"
    assert_error "ID" || { echo "(from create '$id')" >&2; return 1; }
    assert_nothing_left
  done
  [ ! -e "$BATS_TEST_TMPDIR/escape" ]
}

@test "create: an ID with a newline or control character is refused with a one-line error" {
  set_args sleep 100
  local id
  for id in $'a\nb' $'a\rb' $'a\tb' $'\e[31mred'; do
    capture "$SPACER" --root "$ROOT" create --bundle "$BUNDLE" "$id"
    assert_error "ID" || { echo "(from create of an ID with a control character)" >&2; return 1; }
    # The terminal gets no raw control characters from the error either.
    ! [[ $output == *[$'\r\t\e']* ]] || { echo "raw control character in: $output" >&2; return 1; }
    assert_nothing_left
  done
}

@test "create: a duplicate ID of a created container is refused, the container untouched" {
  set_args sleep 100
  create_container c1
  local pid
  pid=$(state_field c1 pid)
  capture spacer create --bundle "$BUNDLE" c1
  assert_error "c1.*already exists"
  [ "$(state_field c1 status)" = created ]
  [ "$(state_field c1 pid)" = "$pid" ]
  process_alive "$pid"
  [ "$(ls -A "$ROOT/c1" | tr '\n' ' ')" = "exec.fifo state.json " ]
  # It still starts.
  spacer start c1
  [ "$(state_field c1 status)" = running ]
}

@test "run: a duplicate ID of a running container is refused, the container untouched" {
  running_container c1
  local pid
  pid=$(state_field c1 pid)
  capture spacer_timed run --bundle "$BUNDLE" c1
  assert_error "c1.*already exists"
  capture spacer_timed run -d --bundle "$BUNDLE" c1
  assert_error "c1.*already exists"
  [ "$(state_field c1 status)" = running ]
  [ "$(state_field c1 pid)" = "$pid" ]
  process_alive "$pid"
}

# ---- locking and atomicity ----

@test "locking: two delete --force and a state racing on one container all finish sensibly" {
  running_container c1
  local pid d1 d2 st rc1=0 rc2=0 rc3=0
  pid=$(state_field c1 pid)
  spacer_timed delete --force c1 >"$BATS_TEST_TMPDIR/d1.out" 2>&1 &
  d1=$!
  spacer_timed delete --force c1 >"$BATS_TEST_TMPDIR/d2.out" 2>&1 &
  d2=$!
  spacer_timed state c1 >"$BATS_TEST_TMPDIR/st.out" 2>"$BATS_TEST_TMPDIR/st.err" &
  st=$!
  BG_PIDS+=("$d1" "$d2" "$st")
  wait "$d1" || rc1=$?
  wait "$d2" || rc2=$?
  wait "$st" || rc3=$?
  [ "$rc1" -eq 0 ] || { cat "$BATS_TEST_TMPDIR/d1.out" >&2; return 1; }
  [ "$rc2" -eq 0 ] || { cat "$BATS_TEST_TMPDIR/d2.out" >&2; return 1; }
  if [ "$rc3" -eq 0 ]; then
    # state won the race: a whole, consistent state.
    jq -e --argjson p "$pid" '.id == "c1" and .status == "running" and .pid == $p' \
      "$BATS_TEST_TMPDIR/st.out"
  else
    output=$(cat "$BATS_TEST_TMPDIR/st.err")
    assert_one_line_error "c1.*does not exist"
  fi
  assert_nothing_left "$pid"
}

@test "locking: 3 parallel starts of one container: exactly one succeeds, the program runs once" {
  local host=$BATS_TEST_TMPDIR/host
  bind_host_dir "$host" "$HOST_DIR_IN"
  set_args sh -c "echo started >>$HOST_DIR_IN/starts; sleep 100"
  create_container c1
  in_parallel 3 "c1.*running" spacer_timed start c1
  [ "$ok" -eq 1 ]
  [ "$(state_field c1 status)" = running ]
  wait_for_file "$host/starts"
  sleep 0.2
  [ "$(cat "$host/starts")" = started ]
}

@test "locking: 10 parallel creates of distinct IDs all succeed" {
  set_args sleep 100
  local i pids=() failed=0
  for i in $(seq 10); do
    create_container "p$i" &
    pids+=($!)
  done
  BG_PIDS+=("${pids[@]}")
  for i in "${pids[@]}"; do
    wait "$i" || failed=$((failed + 1))
  done
  [ "$failed" -eq 0 ]
  [ "$(spacer list -q | wc -l)" -eq 10 ]
  for i in $(seq 10); do
    [ "$(state_field "p$i" status)" = created ]
    # No temporary file is left in any of them.
    [ "$(ls -A "$ROOT/p$i" | tr '\n' ' ')" = "exec.fifo state.json " ]
  done
  [ "$(state_left | wc -l)" -eq 10 ]
}

@test "locking: 5 parallel creates of the same ID: exactly one succeeds" {
  set_args sleep 100
  in_parallel 5 "dup.*already exists" "$SPACER" --root "$ROOT" create --bundle "$BUNDLE" dup
  [ "$ok" -eq 1 ]
  [ "$(spacer list -q)" = dup ]
  [ "$(state_field dup status)" = created ]
  process_alive "$(state_field dup pid)"
  # Exactly one init exists for it: the losers left no process behind.
  [ "$(test_processes)" = "$(state_field dup pid)" ]
}

@test "the state directory holds only state.json, and exec.fifo before start" {
  set_args sleep 100
  create_container c1
  [ "$(state_left)" = c1 ]
  [ "$(ls -A "$ROOT/c1" | tr '\n' ' ')" = "exec.fifo state.json " ]
  [ -p "$ROOT/c1/exec.fifo" ]
  spacer start c1
  [ "$(state_left)" = c1 ]
  [ "$(ls -A "$ROOT/c1")" = state.json ]
  spacer kill c1 KILL
  wait_for_status c1 stopped
  [ "$(ls -A "$ROOT/c1")" = state.json ]
  # run never makes a fifo: its init waits on the sync socket instead.
  timeout 10 "$SPACER" --root "$ROOT" run -d --bundle "$BUNDLE" c2 \
    >"$BATS_TEST_TMPDIR/c2.log" 2>&1 </dev/null
  [ "$(ls -A "$ROOT/c2")" = state.json ]
  [ "$(state_left | tr '\n' ' ')" = "c1 c2 " ]
}

# ---- global flags ----

@test "--version prints the version" {
  run "$SPACER" --version
  [ "$status" -eq 0 ]
  [[ ${lines[0]} =~ ^spacer\ version\ [0-9]+\.[0-9]+ ]]
  run "$SPACER" -v
  [ "$status" -eq 0 ]
  [[ ${lines[0]} =~ ^spacer\ version\ [0-9]+\.[0-9]+ ]]
}

@test "--root DIR keeps the state in DIR, creating it" {
  ROOT=$BATS_TEST_TMPDIR/deep/er/root
  local other=$BATS_TEST_TMPDIR/other-root
  set_args sleep 100
  create_container c1
  [ -f "$ROOT/c1/state.json" ]
  [ "$(spacer list -q)" = c1 ]
  # Another root does not see it.
  run "$SPACER" --root "$other" list -q
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  run "$SPACER" --root "$other" state c1
  [ "$status" -ne 0 ]
}

@test "--root: a relative DIR is relative to the caller's cwd, also for a foreground run" {
  set_args sh -c 'echo ran'
  cd "$BATS_TEST_TMPDIR"
  # $ROOT is $BATS_TEST_TMPDIR/state: the same directory, named relatively.
  [ "$ROOT" = "$BATS_TEST_TMPDIR/state" ]
  "$SPACER" --root state create --bundle bundle c1 >"$BATS_TEST_TMPDIR/c1.log" 2>&1 </dev/null
  [ -f "$ROOT/c1/state.json" ]
  "$SPACER" --root state delete c1
  assert_nothing_left
  run timeout 20 "$SPACER" --root state run --bundle bundle c2
  assert_ok
  [ "$output" = ran ]
  [ ! -e "$BUNDLE/state" ]
  assert_nothing_left
}

@test "--log FILE --log-format json: a failing command logs one JSON error line and prints it" {
  local log=$BATS_TEST_TMPDIR/spacer.log
  run --separate-stderr "$SPACER" --root "$ROOT" --log "$log" --log-format json state nosuch
  [ -z "$output" ]
  # shellcheck disable=SC2154 # set by run --separate-stderr
  output=$stderr
  assert_error "nosuch.*does not exist"
  [ "$(wc -l <"$log")" -eq 1 ]
  # runc's three members, and the errno for programs (libspacer): ENOENT.
  jq -e '(keys | sort) == ["errno", "level", "msg", "time"]' "$log"
  jq -e '.level == "error"' "$log"
  jq -e '.errno == 2' "$log"
  jq -e '.msg | test("nosuch.*does not exist")' "$log"
  jq -e '.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$")' "$log"
  # stderr says the same thing.
  [ "$stderr" = "spacer: $(jq -r .msg "$log")" ]
}

@test "--log FILE with SPACER_LOG_NO_STDERR=1: the error is in FILE only, nothing on stderr" {
  local log=$BATS_TEST_TMPDIR/spacer.log
  run --separate-stderr env SPACER_LOG_NO_STDERR=1 "$SPACER" --root "$ROOT" --log "$log" \
    --log-format json state nosuch
  [ "$status" -eq 1 ]
  [ -z "$output" ]
  [ -z "$stderr" ]
  jq -e '.level == "error" and (.msg | test("nosuch.*does not exist"))' "$log"
  # Without --log, stderr is the log: the error still goes there.
  run --separate-stderr env SPACER_LOG_NO_STDERR=1 "$SPACER" --root "$ROOT" state nosuch
  [ "$status" -eq 1 ]
  [[ "$stderr" == "spacer: "*"nosuch"*"does not exist" ]]
}

@test "--log FILE --log-format text: a failing command logs a text line" {
  local log=$BATS_TEST_TMPDIR/spacer.log
  run --separate-stderr "$SPACER" --root "$ROOT" --log "$log" --log-format text state nosuch
  output=$stderr
  assert_error "nosuch.*does not exist"
  [ "$(wc -l <"$log")" -eq 1 ]
  grep -q 'error' "$log"
  grep -q 'nosuch.*does not exist' "$log"
  ! jq -e . "$log" >/dev/null 2>&1 || false
}

@test "--log-format: an unknown format is an error" {
  run "$SPACER" --root "$ROOT" --log-format yaml list
  assert_error "log-format.*yaml"
}

@test "--debug is accepted" {
  set_args sh -c 'echo debug-ok'
  run --separate-stderr "$SPACER" --root "$ROOT" --debug run --bundle "$BUNDLE" c1
  [ "$status" -eq 0 ]
  [ "$output" = debug-ok ]
  run "$SPACER" --root "$ROOT" --debug list -q
  [ "$status" -eq 0 ]
}

@test "an unknown command is an error" {
  run "$SPACER" --root "$ROOT" frobnicate
  assert_error "unknown command.*frobnicate"
}

# ---- errors ----

@test "errors: every failing command prints one line on stderr, nothing on stdout, exits non-zero" {
  set_args sleep 100
  create_container c1
  mkdir -p "$BATS_TEST_TMPDIR/nobundle" "$BATS_TEST_TMPDIR/badjson"
  echo '{"ociVersion": ' >"$BATS_TEST_TMPDIR/badjson/config.json"
  local cmd
  local -a cmds=(
    "start nosuch"
    "state nosuch"
    "kill nosuch"
    "kill c1 NOPE"
    "delete nosuch"
    "create"
    "create a b"
    "start"
    "state"
    "kill"
    "delete"
    "list --format yaml"
    "list extra"
    "create --bundle $BATS_TEST_TMPDIR/nobundle c2"
    "create --bundle $BATS_TEST_TMPDIR/missing c2"
    "create --bundle $BATS_TEST_TMPDIR/badjson c2"
    "spec --bundle $BUNDLE"
    "frobnicate"
  )
  for cmd in "${cmds[@]}"; do
    # shellcheck disable=SC2086
    capture "$SPACER" --root "$ROOT" $cmd
    if [ "$status" -eq 0 ] || [ -n "$stdout" ]; then
      echo "spacer $cmd: status $status, stdout: $stdout" >&2
      return 1
    fi
    output=$stderr
    assert_one_line_error . || { echo "(from: spacer $cmd)" >&2; return 1; }
  done
  [ "$(spacer list -q)" = c1 ]
}

@test "errors: an unknown command option is one error line, not getopt's message plus usage" {
  run --separate-stderr "$SPACER" --root "$ROOT" create --frobnicate c1
  output=$stderr
  assert_error "frobnicate"
  run --separate-stderr "$SPACER" --root "$ROOT" delete --frobnicate c1
  output=$stderr
  assert_error "frobnicate"
}

@test "errors: an unknown global option is one error line, not a usage dump" {
  run --separate-stderr "$SPACER" --root "$ROOT" --frobnicate list
  output=$stderr
  assert_error "frobnicate"
}

@test "errors: a missing executable fails create, naming it, and leaves nothing behind" {
  set_args /nonexistent
  capture spacer create --bundle "$BUNDLE" c1
  assert_error "/nonexistent.*No such file or directory"
  assert_nothing_left
}

@test "errors: a missing executable fails run the same way" {
  set_args /nonexistent
  capture spacer_timed run --bundle "$BUNDLE" c1
  assert_error "/nonexistent.*No such file or directory"
  assert_nothing_left
}

@test "errors: a failing mount fails create, naming the mount and the errno" {
  update_config '.mounts += [{"destination": "/mnt/missing", "type": "bind",
                              "source": $src, "options": ["rbind"]}]' \
    --arg src "$BATS_TEST_TMPDIR/does-not-exist"
  capture spacer create --bundle "$BUNDLE" c1
  assert_error "/mnt/missing.*No such file or directory"
  assert_nothing_left
}

# ---- runc compatibility ----

@test "a bundle written by runc spec runs unchanged apart from args and terminal" {
  local b=$BATS_TEST_TMPDIR/runc-bundle
  mkdir "$b"
  (cd "$b" && runc spec)
  cp -a "$SPACER_TEST_ROOTFS" "$b/rootfs"
  local tmp=$b/config.json.tmp
  jq '.process.terminal = false | .process.args = ["sh", "-c", "echo hello from $(hostname)"]' \
    "$b/config.json" >"$tmp"
  mv "$tmp" "$b/config.json"
  run spacer_timed run --bundle "$b" c1
  [ "$status" -eq 0 ]
  [ "$output" = "hello from runc" ]
  assert_nothing_left
}

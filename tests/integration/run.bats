#!/usr/bin/env bats
# shellcheck disable=SC2016 # the programs' scripts are for the container's sh
# A foreground `spacer run` as runc's: it ends when the program ends, or
# when it is told to end (signals, `timeout`, its own death), and its flags
# --keep and --no-subreaper.

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

# run_in_background ID READY [run flags...]: a foreground `spacer run` of
# $BUNDLE as a background job of the test (under timeout, whose PID is
# RUNNER), once the program printed READY. RUN_PID is spacer's own PID: the
# parent of the container's init. Output goes to the container's log.
run_in_background() {
  local id=$1 ready=$2
  shift 2
  spacer_in_background "$id" "$ready" run --bundle "$BUNDLE" "$@" "$id"
  RUN_PID=$SPACER_PID
}

# wait_for_exit PID: wait up to 5 s for a background job to end; its exit
# status in EXIT_STATUS.
wait_for_exit() {
  wait_until process_gone "$1"
  EXIT_STATUS=0
  wait "$1" || EXIT_STATUS=$?
}

# no_test_processes: no live process carries this test's mark.
no_test_processes() {
  [ -z "$(test_processes)" ]
}

# ---- ending a foreground run ----

@test "run: timeout ends a program that has no handler for TERM, though pid 1 of its namespace" {
  # The kernel drops an unhandled TERM to a namespace's init: spacer kills it.
  set_args sleep 100
  local start=$SECONDS
  run timeout -k 10 1 "$SPACER" --root "$ROOT" run --bundle "$BUNDLE" c1
  [ "$status" -eq 124 ]
  [ $((SECONDS - start)) -lt 8 ]
  assert_nothing_left
}

@test "run: INT, HUP and QUIT to spacer end such a program too, which exits 137" {
  set_args sh -c 'echo ready; exec sleep 100'
  local sig
  for sig in INT HUP QUIT; do
    run_in_background "c-$sig" ready
    kill "-$sig" "$RUN_PID"
    wait_for_exit "$RUNNER"
    [ "$EXIT_STATUS" -eq 137 ] || { echo "$sig: exit $EXIT_STATUS" >&2; false; }
  done
  assert_nothing_left
}

@test "run: a program with a handler for TERM gets it and decides; it is not killed" {
  set_args sh -c 'trap "echo handled; exit 7" TERM; echo ready; while :; do sleep 0.05; done'
  run_in_background c1 ready
  kill -TERM "$RUN_PID"
  wait_for_exit "$RUNNER"
  [ "$EXIT_STATUS" -eq 7 ]
  grep -qx handled "$BATS_TEST_TMPDIR/c1.log"
}

@test "run: a program that ignores TERM keeps running; spacer killed takes the container with it" {
  set_args sh -c 'trap "" TERM; echo ready; while :; do sleep 0.05; done'
  run_in_background c1 ready
  local pid
  pid=$(state_field c1 pid)
  kill -TERM "$RUN_PID"
  sleep 0.3
  [ "$(state_field c1 status)" = running ]
  # As `timeout -k` does when TERM was not enough.
  kill -KILL "$RUN_PID"
  wait_for_exit "$RUNNER"
  wait_until process_gone "$pid"
  [ "$(state_field c1 status)" = stopped ]
  spacer delete c1
  assert_nothing_left "$pid"
}

@test "run: a stop request while the container is made ends the run once it is made; nothing is left" {
  # A createRuntime hook holds the create: it says who runs it (spacer),
  # then takes a second, and TERM comes meanwhile.
  local mark=$BATS_TEST_TMPDIR/hook-ran
  set_args sleep 100
  update_config '.hooks.createRuntime = [{"path": "/bin/sh",
    "args": ["sh", "-c", "echo $PPID >\($mark).tmp && mv \($mark).tmp \($mark) && sleep 1"]}]' \
    --arg mark "$mark"
  timeout -k 5 60 "$SPACER" --root "$ROOT" run --bundle "$BUNDLE" c1 \
    >"$BATS_TEST_TMPDIR/c1.log" 2>&1 </dev/null &
  RUNNER=$!
  BG_PIDS+=("$RUNNER")
  wait_for_file "$mark"
  kill -TERM "$(cat "$mark")"
  wait_for_exit "$RUNNER"
  # Not ended by the signal's default action, which would leave a created
  # container: the init got it, and the run says so.
  [ "$EXIT_STATUS" -ne 143 ] || { cat "$BATS_TEST_TMPDIR/c1.log" >&2; false; }
  grep -q 'Terminated before the program started' "$BATS_TEST_TMPDIR/c1.log" || {
    cat "$BATS_TEST_TMPDIR/c1.log" >&2
    false
  }
  assert_nothing_left
}

@test "run: spacer killed while the program runs leaves no process of the container" {
  set_args sh -c 'sleep 100 & echo ready; wait'
  run_in_background c1 ready
  kill -KILL "$RUN_PID"
  wait_for_exit "$RUNNER"
  wait_until no_test_processes
  spacer delete c1
  assert_nothing_left
}

# ---- --keep ----

@test "run --keep: the stopped container stays until delete, which removes it" {
  set_args sh -c 'echo ran; exit 3'
  run spacer_timed run --keep --bundle "$BUNDLE" c1
  [ "$status" -eq 3 ]
  [ "$output" = ran ]
  [ "$(state_field c1 status)" = stopped ]
  [ "$(spacer list -q)" = c1 ]
  spacer delete c1
  assert_nothing_left
}

@test "run --keep: poststop hooks run at the delete, not when the program exits" {
  local log=$BATS_TEST_TMPDIR/hook.log
  update_config '.hooks.poststop = [{"path": "/bin/sh", "args": ["sh", "-c", "echo poststop >> \($log)"]}]' \
    --arg log "$log"
  run spacer_timed run --keep --bundle "$BUNDLE" c1
  assert_ok
  [ ! -e "$log" ]
  spacer delete c1
  [ "$(cat "$log")" = poststop ]
}

@test "run --keep: a program that cannot be executed at start leaves the container stopped" {
  # Executable at create, its interpreter missing: exec fails after start.
  printf '#!/no/such/interpreter\n' >"$BUNDLE/rootfs/bad"
  chmod +x "$BUNDLE/rootfs/bad"
  set_args /bad
  run spacer_timed run --keep --bundle "$BUNDLE" c1
  [ "$status" -ne 0 ]
  [ "$(state_field c1 status)" = stopped ]
  spacer delete c1
  assert_nothing_left
}

@test "create --keep, --detach and --no-subreaper are refused: they belong to run" {
  local flag
  for flag in --keep --detach -d --no-subreaper; do
    capture spacer create --bundle "$BUNDLE" "$flag" c1
    assert_error "create: option \`$flag\` belongs to run only"
  done
  assert_nothing_left
}

# ---- the subreaper ----

# The program (no pid namespace: nobody in the container reaps orphans)
# leaves an orphan and prints its own parent and the orphan's, then ends it.
orphan_script='sh -c "sleep 30 </dev/null >/dev/null 2>&1 & echo \$! >/tmp/orphan"
  sleep 0.3
  o=$(cat /tmp/orphan)
  echo "run=$(awk "/^PPid/ {print \$2}" /proc/$$/status)"
  echo "orphan=$(awk "/^PPid/ {print \$2}" /proc/$o/status)"
  kill $o'

@test "run: without a pid namespace, what the program orphans is reparented to spacer, a subreaper" {
  update_config '.linux.namespaces |= map(select(.type != "pid"))
    | .mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"}]'
  set_args sh -c "$orphan_script"
  run spacer_timed run --bundle "$BUNDLE" c1
  assert_ok
  local spacer_pid
  spacer_pid=$(sed -n 's/^run=//p' <<<"$output")
  [ -n "$spacer_pid" ]
  [ "$(sed -n 's/^orphan=//p' <<<"$output")" = "$spacer_pid" ]
  assert_nothing_left
}

@test "run --no-subreaper: the orphan goes to an ancestor of spacer instead" {
  update_config '.linux.namespaces |= map(select(.type != "pid"))
    | .mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"}]'
  set_args sh -c "$orphan_script"
  run spacer_timed run --no-subreaper --bundle "$BUNDLE" c1
  assert_ok
  local spacer_pid orphan_parent
  spacer_pid=$(sed -n 's/^run=//p' <<<"$output")
  orphan_parent=$(sed -n 's/^orphan=//p' <<<"$output")
  [ -n "$spacer_pid" ] && [ -n "$orphan_parent" ]
  [ "$orphan_parent" != "$spacer_pid" ]
  assert_nothing_left
}

@test "run: the program starts with every signal at its default action and none blocked, whatever spacer's caller ignored" {
  # A shell's `trap '' SIG` ignores SIG in what it executes, spacer here.
  set_args grep -E '^Sig(Ign|Blk):' /proc/self/status
  run -0 bash -c 'trap "" INT TERM PIPE USR1 HUP; exec "$@"' - "$SPACER" --root "$ROOT" run --bundle "$BUNDLE" c1
  [ "${lines[0]}" = $'SigBlk:\t0000000000000000' ]
  [ "${lines[1]}" = $'SigIgn:\t0000000000000000' ]
}

#!/usr/bin/env bats
# shellcheck disable=SC2016 # the programs' scripts are for the container's sh
# The state directory is trusted only when it is the caller's own: its
# state.json files name hooks that delete runs and cgroups it removes. What
# is in it is private, and commands racing on one ID never touch a
# container that is not theirs.

load helpers

bats_require_minimum_version 1.5.0

setup() {
  setup_bundle
  BG_PIDS=()
  NOBODY=$(id -u nobody 2>/dev/null) || skip "no user nobody to play another user"
}

teardown() {
  end_background_jobs
  # A root the tests made untrusted is the test's again for the clean-up.
  if [ -d "$ROOT" ]; then
    chown "$(id -u)" "$ROOT"
    chmod 0700 "$ROOT"
  fi
  teardown_containers
  if [ -n "${WORK:-}" ]; then
    rm -rf "$WORK"
  fi
}

# as_nobody CMD...: CMD as the user nobody.
as_nobody() {
  setpriv --reuid "$NOBODY" --regid "$(id -g nobody)" --clear-groups "$@"
}

# ---- trust ----

@test "state directory: one that belongs to another user is refused, and nothing is made in it" {
  mkdir -p "$ROOT"
  chown "$NOBODY" "$ROOT"
  capture spacer create --bundle "$BUNDLE" c1
  assert_error "state directory \`$(ere_quote "$ROOT")\` belongs to uid $NOBODY, not to the caller \\(uid $(id -u)\\): refused"
  [ -z "$(ls -A "$ROOT")" ]
  # So are the commands that act on what it holds.
  local cmd
  for cmd in "state c1" "delete --force c1" "kill c1" "start c1"; do
    # shellcheck disable=SC2086 # the command and its arguments
    capture spacer $cmd
    assert_error "belongs to uid $NOBODY"
  done
}

@test "state directory: one that others may write to is refused (world or group)" {
  mkdir -p "$ROOT"
  local mode
  for mode in 0777 0770 0702; do
    chmod "$mode" "$ROOT"
    capture spacer create --bundle "$BUNDLE" c1
    assert_error "state directory \`$(ere_quote "$ROOT")\` is writable by others \\(mode $mode\\): refused"
  done
  chmod 0755 "$ROOT"
  create_container c1
}

@test "state directory: a new one is made private (0700)" {
  [ ! -e "$ROOT" ]
  create_container c1
  [ "$(stat -c %a "$ROOT")" = 700 ]
}

# ---- what it holds ----

@test "ROOT/ID is 0700 and exec.fifo 0600: another user cannot hold the fifo open to make start hang" {
  set_args sh -c 'echo started'
  create_container c1
  [ "$(stat -c %a "$ROOT/c1")" = 700 ]
  [ "$(stat -c '%a %u' "$ROOT/c1/exec.fifo")" = "600 $(id -u)" ]
  # Even given a way through ROOT and ROOT/ID, the fifo itself refuses them.
  chmod 0711 "$ROOT/c1"
  run ! as_nobody timeout -k 1 2 sh -c "exec 3>$ROOT/c1/exec.fifo"
  [[ $output == *"Permission denied"* ]]
  chmod 0700 "$ROOT/c1"
  spacer_timed start c1
  wait_for_log c1 started
}

@test "exec.fifo of a container with a user namespace belongs to the host ids of the container's root" {
  update_config '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]'
  # The container's root must reach its rootfs: a bundle outside the
  # test's private directory.
  WORK=$(mktemp -d /tmp/spacer-state.XXXXXX)
  chmod 755 "$WORK"
  mv "$BUNDLE" "$WORK/bundle"
  BUNDLE=$WORK/bundle
  chown -R 100000:200000 "$BUNDLE/rootfs"
  set_args sh -c 'echo started'
  create_container c1
  [ "$(stat -c '%a %u %g' "$ROOT/c1/exec.fifo")" = "600 100000 200000" ]
  spacer_timed start c1
  wait_for_log c1 started
}

# ---- the state file is spacer's, and its directory's name is the ID ----

@test "delete --force A whose state.json names container B refuses, and B is untouched" {
  set_args sleep 100
  create_container a
  create_container b
  spacer start b
  local a_pid b_pid
  a_pid=$(state_field a pid)
  b_pid=$(state_field b pid)
  cp "$ROOT/a/state.json" "$BATS_TEST_TMPDIR/a.state"
  # B's state copied over A's: the same id, pid and cgroups as B's.
  cp "$ROOT/b/state.json" "$ROOT/a/state.json"
  capture spacer delete --force a
  assert_error "container \`a\`: state.json names container \`b\`: refused"
  [ -f "$ROOT/b/state.json" ]
  [ "$(state_field b status)" = running ]
  process_alive "$b_pid"
  process_alive "$a_pid"
  # `state a` refuses the same way; `list` says so and still lists B.
  capture spacer state a
  assert_error "state.json names container \`b\`"
  capture spacer list -q
  [ "$stdout" = b ]
  [[ $stderr == *"state.json names container \`b\`"* ]]
  cp "$BATS_TEST_TMPDIR/a.state" "$ROOT/a/state.json"
  spacer delete --force a
  spacer delete --force b
  assert_nothing_left "$a_pid" "$b_pid"
}

# broken_state KIND: c1's state.json replaced by something that is not a
# state file spacer wrote: a FIFO, a symlink to /dev/zero, a huge (sparse)
# file or a directory.
broken_state() {
  local f=$ROOT/c1/state.json
  rm "$f"
  case $1 in
    fifo) mkfifo "$f" ;;
    zero) ln -s /dev/zero "$f" ;;
    huge) truncate -s 1G "$f" ;;
    dir) mkdir "$f" ;;
  esac
}

# `state` fails at once with ERROR; `list` returns at once, says ERROR and
# lists the others. Then the state file comes back and c1 is deleted.
@test "state.json that is a FIFO, a symlink to /dev/zero, huge or a directory: state and list return at once with a clear error" {
  local kind error
  set_args sleep 100
  create_container c0
  for kind in fifo zero huge dir; do
    create_container c1
    cp "$ROOT/c1/state.json" "$BATS_TEST_TMPDIR/c1.state"
    broken_state "$kind"
    case $kind in
      fifo | dir) error="\`state.json\` is not a regular file: refused" ;;
      zero) error="\`state.json\` is a symbolic link, not a file: refused" ;;
      huge) error="\`state.json\` is 1073741824 bytes, more than the [0-9]+ spacer reads" ;;
    esac
    capture timeout -k 2 10 "$SPACER" --root "$ROOT" state c1
    [ "$status" -ne 124 ] && [ "$status" -ne 137 ] || { echo "$kind: state hung" >&2; return 1; }
    assert_error "container \`c1\`: $error"
    capture timeout -k 2 10 "$SPACER" --root "$ROOT" list -q
    [ "$status" -eq 0 ] || { echo "$kind: list failed ($status): $output" >&2; return 1; }
    [ "$stdout" = c0 ]
    grep -Eq -- "$error" <<<"$stderr" || { echo "$kind: list said: $stderr" >&2; return 1; }
    capture timeout -k 2 10 "$SPACER" --root "$ROOT" delete --force c1
    assert_error "container \`c1\`: $error"
    rm -rf "$ROOT/c1/state.json"
    cp "$BATS_TEST_TMPDIR/c1.state" "$ROOT/c1/state.json"
    spacer delete --force c1
  done
  spacer delete --force c0
  assert_nothing_left
}

# ---- commands racing on one ID ----

@test "run, then delete --force and create of the same ID elsewhere: the run leaves the new container alone, poststop runs once" {
  local log=$BATS_TEST_TMPDIR/poststop.log
  update_config '.hooks.poststop = [{"path": "/bin/sh", "args": ["sh", "-c", "echo poststop >> \($log)"]}]' \
    --arg log "$log"
  set_args sh -c 'echo ready; exec sleep 100'
  timeout -k 5 60 "$SPACER" --root "$ROOT" run --bundle "$BUNDLE" c1 \
    >"$BATS_TEST_TMPDIR/c1.log" 2>&1 </dev/null &
  local runner=$!
  BG_PIDS+=("$runner")
  wait_for_log c1 ready
  local first
  first=$(state_field c1 pid)
  # From another shell: the first container goes, a new one takes its ID.
  spacer delete --force c1
  set_args sleep 100
  spacer create --bundle "$BUNDLE" c1 >"$BATS_TEST_TMPDIR/c1-new.log" 2>&1 </dev/null
  local second
  second=$(state_field c1 pid)
  [ "$second" != "$first" ]
  wait "$runner" || true
  # The new container is untouched: still created, its init alive.
  [ "$(state_field c1 status)" = created ]
  [ "$(state_field c1 pid)" = "$second" ]
  process_alive "$second"
  [ "$(cat "$log")" = poststop ]
}

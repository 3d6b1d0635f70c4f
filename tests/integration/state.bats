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

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

@test "delete --force A whose state.json names container B takes nothing from it: A goes, B is untouched" {
  set_args sleep 100
  create_container a
  create_container b
  spacer start b
  local a_pid b_pid
  a_pid=$(state_field a pid)
  b_pid=$(state_field b pid)
  # B's state copied over A's: the same id, pid and cgroups as B's.
  cp "$ROOT/b/state.json" "$ROOT/a/state.json"
  # `state a` and a plain delete refuse, saying why and what removes it;
  # `list` says so and lists A as unknown.
  capture spacer state a
  assert_error "container \`a\`: state.json names container \`b\`: refused .* \(delete --force removes the container\)"
  capture spacer delete a
  assert_error "state.json names container \`b\`"
  capture spacer list --format json
  assert_ok
  [ "$(jq -c 'map([.id, .status])' <<<"$stdout")" = '[["a","unknown"],["b","running"]]' ]
  [[ $stderr == *"state.json names container \`b\`"* ]]
  # delete --force trusts nothing in the file: A's processes and cgroups
  # are found by A's own cgroup name, B's are left.
  capture spacer delete --force a
  assert_ok
  [ ! -e "$ROOT/a" ]
  [ -f "$ROOT/b/state.json" ]
  [ "$(state_field b status)" = running ]
  process_alive "$b_pid"
  wait_until process_gone "$a_pid"
  spacer delete --force b
  assert_nothing_left "$a_pid" "$b_pid"
}

# broken_state KIND: c1's state.json replaced by something that is not a
# state file spacer wrote, or damaged.
broken_state() {
  local f=$ROOT/c1/state.json
  case $1 in
    fifo) rm "$f" && mkfifo "$f" ;;
    zero) rm "$f" && ln -s /dev/zero "$f" ;;
    huge) rm "$f" && truncate -s 1G "$f" ;;
    dir) rm "$f" && mkdir "$f" ;;
    missing) rm "$f" ;;
    dangling) rm "$f" && ln -s "$ROOT/c1/gone.json" "$f" ;;
    truncated) truncate -s $(($(stat -c %s "$f") / 2)) "$f" ;;
    empty) : >"$f" ;;
    garbage) head -c 3000 /dev/urandom >"$f" ;;
    # The opening brace and a byte in the middle, flipped: no longer JSON.
    flipped) printf '\x5b' | dd of="$f" bs=1 seek=0 conv=notrunc status=none
             printf '\x01' | dd of="$f" bs=1 seek=$(($(stat -c %s "$f") / 2)) conv=notrunc status=none ;;
    negative-pid) jq -c '.pid = -1' "$f" >"$f.new" && mv "$f.new" "$f" ;;
    string-pid) jq -c '.pid = "1"' "$f" >"$f.new" && mv "$f.new" "$f" ;;
  esac
}

# `state` fails at once with ERROR (and says delete --force removes it);
# `list` returns at once, lists c1 as unknown, says ERROR and lists the
# others; plain delete refuses; delete --force removes c1's init, its
# cgroups and its directory, even though the state naming them is lost.
@test "state.json broken in every way (FIFO, symlink to /dev/zero, huge, directory, missing, dangling symlink, truncated, empty, garbage, flipped bytes, bad pid): delete --force removes everything, the ID is reusable" {
  local kind error pid
  set_args sleep 100
  create_container c0
  for kind in fifo zero huge dir missing dangling truncated empty garbage flipped negative-pid string-pid; do
    create_container c1
    spacer start c1
    pid=$(state_field c1 pid)
    broken_state "$kind"
    case $kind in
      fifo | dir) error="\`state.json\` is not a regular file: refused" ;;
      zero | dangling) error="\`state.json\` is a symbolic link, not a file: refused" ;;
      huge) error="\`state.json\` is 1073741824 bytes, more than the [0-9]+ spacer reads" ;;
      missing) error="no state file \(a create or delete of it was interrupted\)" ;;
      negative-pid | string-pid) error="state.json: pid: missing or invalid" ;;
      *) error="state.json" ;;
    esac
    capture timeout -k 2 10 "$SPACER" --root "$ROOT" state c1
    [ "$status" -ne 124 ] && [ "$status" -ne 137 ] || { echo "$kind: state hung" >&2; return 1; }
    assert_error "container \`c1\`: $error.*\(delete --force removes the container\)"
    capture timeout -k 2 10 "$SPACER" --root "$ROOT" list --format json
    [ "$status" -eq 0 ] || { echo "$kind: list failed ($status): $output" >&2; return 1; }
    [ "$(jq -c 'map([.id, .status, .pid])' <<<"$stdout")" = '[["c0","created",'"$(state_field c0 pid)"'],["c1","unknown",0]]' ] ||
      { echo "$kind: list said: $stdout" >&2; return 1; }
    grep -Eq -- "$error" <<<"$stderr" || { echo "$kind: list said: $stderr" >&2; return 1; }
    capture timeout -k 2 10 "$SPACER" --root "$ROOT" delete c1
    assert_error "container \`c1\`: $error"
    process_alive "$pid"
    capture timeout -k 2 10 "$SPACER" --root "$ROOT" delete --force c1
    [ "$status" -eq 0 ] || { echo "$kind: delete --force failed: $output" >&2; return 1; }
    [ ! -e "$ROOT/c1" ]
    wait_until process_gone "$pid"
    [ -z "$(leaked_cgroups | grep -F "spacer-c1.")" ] || { echo "$kind: cgroups left: $(leaked_cgroups)" >&2; return 1; }
  done
  # c0 was never touched, and c1 can be made again.
  [ "$(state_field c0 status)" = created ]
  create_container c1
  spacer delete --force c1
  spacer delete --force c0
  assert_nothing_left
}

@test "state.json naming a live process that is not the init (start time differs): delete --force kills the init, not that process" {
  set_args sleep 100
  create_container c1
  spacer start c1
  local pid
  pid=$(state_field c1 pid)
  sleep 100 &
  local other=$!
  BG_PIDS+=("$other")
  jq -c --argjson p "$other" '.pid = $p' "$ROOT/c1/state.json" >"$ROOT/c1/state.new"
  mv "$ROOT/c1/state.new" "$ROOT/c1/state.json"
  [ "$(state_field c1 status)" = stopped ]
  spacer delete --force c1
  process_alive "$other"
  wait_until process_gone "$pid"
  end_background_jobs
  assert_nothing_left "$pid"
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

# ---- list ----

# lock_dir_in_background DIR MARK [CMD...]: a background shell takes an
# exclusive flock on DIR (as a create or delete holds one), writes MARK,
# then runs CMD (default: sleep 30), holding the lock until it ends.
lock_dir_in_background() {
  local dir=$1 mark=$2
  shift 2
  [ $# -gt 0 ] || set -- sleep 30
  (
    exec 9<"$dir"
    flock -x 9
    echo locked >"$mark"
    "$@"
  ) &
  BG_PIDS+=("$!")
  wait_for_file "$mark"
}

@test "list: created, running, paused and stopped each with its status and pid; an init that executed its program is running whatever exec.fifo says" {
  set_args sleep 100
  create_container c-created
  create_container c-running
  spacer start c-running
  create_container c-stopped
  spacer start c-stopped
  local stopped_pid
  stopped_pid=$(state_field c-stopped pid)
  spacer kill c-stopped KILL
  wait_until process_gone "$stopped_pid"
  # The fifo a start killed after releasing the init leaves: the init has
  # executed sleep, so the container runs.
  mkfifo -m 0600 "$ROOT/c-running/exec.fifo"
  capture spacer list --format json
  assert_ok
  [ -z "$stderr" ]
  [ "$(jq -c 'map([.id, .status])' <<<"$stdout")" = '[["c-created","created"],["c-running","running"],["c-stopped","stopped"]]' ]
  [ "$(jq -r '.[0].pid' <<<"$stdout")" = "$(state_field c-created pid)" ]
  [ "$(jq -r '.[1].pid' <<<"$stdout")" = "$(state_field c-running pid)" ]
  [ "$(jq -r '.[2].pid' <<<"$stdout")" = 0 ]
  [ "$(state_field c-running status)" = running ]
  [ "$(state_field c-created status)" = created ]
  # The table says the same.
  capture spacer list
  assert_ok
  [ "$(awk 'NR > 1 {print $1, $3}' <<<"$stdout" | tr '\n' ' ')" = "c-created created c-running running c-stopped stopped " ]
  # A paused container is told by its cgroup, which list reads for it.
  if cgroup_v1_mountpoint freezer >/dev/null || cgroup2_own_dir >/dev/null; then
    spacer pause c-running
    capture spacer list --format json
    assert_ok
    [ "$(jq -r '.[1].status' <<<"$stdout")" = paused ]
    spacer resume c-running
  fi
}

@test "list: a container removed while list waits for its lock is left out without a word; one whose state.json is gone is listed unknown" {
  set_args sleep 100
  create_container c1
  # Two containers of a stopped init (pid 0), as their state files say,
  # each locked as a delete locks it: the first is removed meanwhile, the
  # second only loses its state file.
  local id
  for id in c8 c9; do
    mkdir -m 0700 "$ROOT/$id"
    jq -c --arg id "$id" '.id = $id | .pid = 0 | del(.cgroup, .hooks)' "$ROOT/c1/state.json" \
      >"$ROOT/$id/state.json"
  done
  lock_dir_in_background "$ROOT/c8" "$BATS_TEST_TMPDIR/c8.locked" \
    sh -c 'sleep 1; rm -rf "$1"' sh "$ROOT/c8"
  lock_dir_in_background "$ROOT/c9" "$BATS_TEST_TMPDIR/c9.locked" \
    sh -c 'sleep 1; rm "$1/state.json"' sh "$ROOT/c9"
  capture timeout -k 2 20 "$SPACER" --root "$ROOT" list --format json
  assert_ok
  [ "$(jq -c 'map([.id, .status])' <<<"$stdout")" = '[["c1","created"],["c9","unknown"]]' ]
  [ ! -e "$ROOT/c8" ]
  [[ $stderr == *"container \`c9\`: no state file"* ]]
  [[ $stderr != *c8* ]]
  end_background_jobs
  rm -rf "$ROOT/c9"
}

@test "state, kill and delete of one ID neither read nor wait for the other containers" {
  set_args sleep 100
  create_container c1
  # Another container held locked (a create in progress), with a state
  # file that would hang a reader that waited for a writer.
  mkdir -m 0700 "$ROOT/c2"
  mkfifo -m 0600 "$ROOT/c2/state.json"
  lock_dir_in_background "$ROOT/c2" "$BATS_TEST_TMPDIR/c2.locked"
  local pid
  pid=$(state_field c1 pid)
  capture timeout -k 2 10 "$SPACER" --root "$ROOT" state c1
  assert_ok
  [ "$(jq -r .status <<<"$stdout")" = created ]
  capture timeout -k 2 10 "$SPACER" --root "$ROOT" kill c1 KILL
  assert_ok
  wait_until process_gone "$pid"
  capture timeout -k 2 10 "$SPACER" --root "$ROOT" delete c1
  assert_ok
  [ ! -e "$ROOT/c1" ]
  end_background_jobs
  rm -rf "$ROOT/c2"
}

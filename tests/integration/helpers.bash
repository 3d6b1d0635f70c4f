# Shared by every .bats file (`load helpers`). Each test gets its own bundle
# (a copy of the suite's busybox rootfs and a `spacer spec` config) and its
# own --root state directory, both in $BATS_TEST_TMPDIR; teardown deletes
# every container the test left and fails the test if anything leaked.

# spacer with this test's private state directory.
spacer() {
  "$SPACER" --root "$ROOT" "$@"
}

# A fresh bundle in $BUNDLE running `true`, without a terminal.
setup_bundle() {
  ROOT=$BATS_TEST_TMPDIR/state
  BUNDLE=$BATS_TEST_TMPDIR/bundle
  mkdir -p "$BUNDLE"
  cp -a "$SPACER_TEST_ROOTFS" "$BUNDLE/rootfs"
  (cd "$BUNDLE" && "$SPACER" spec)
  update_config '.process.terminal = false | .process.args = ["true"]'
}

# update_config JQ_FILTER [jq options...]: edit $BUNDLE/config.json in
# place. Options come after the file so --args/--arg work.
update_config() {
  local filter=$1 tmp=$BUNDLE/config.json.tmp
  shift
  jq "$filter" "$BUNDLE/config.json" "$@" >"$tmp"
  mv "$tmp" "$BUNDLE/config.json"
}

# set_args ARG...: the container's process.args. Each goes through --arg,
# the one jq option whose value is never taken for an option itself.
set_args() {
  local i=0 a jq_args=() names=()
  for a in "$@"; do
    jq_args+=(--arg "a$i" "$a")
    names+=("\$a$i")
    i=$((i + 1))
  done
  update_config ".process.args = [$(IFS=,; echo "${names[*]}")]" "${jq_args[@]}"
}

# create_container ID [create flags...]: `spacer create` from $BUNDLE. The
# container's stdio (inherited from spacer) goes to $BATS_TEST_TMPDIR/ID.log,
# so bats does not wait on a pipe the container holds open.
create_container() {
  local id=$1
  shift
  spacer create --bundle "$BUNDLE" "$@" "$id" >"$BATS_TEST_TMPDIR/$id.log" 2>&1 </dev/null || {
    cat "$BATS_TEST_TMPDIR/$id.log" >&2
    return 1
  }
}

# The container's output so far (see create_container).
container_log() {
  cat "$BATS_TEST_TMPDIR/$1.log"
}

# state_field ID FIELD: one field of `spacer state`.
state_field() {
  spacer state "$1" | jq -r ".$2"
}

# wait_for_status ID STATUS: poll up to 5 s.
wait_for_status() {
  local i
  for i in $(seq 100); do
    [ "$(state_field "$1" status 2>/dev/null)" = "$2" ] && return 0
    sleep 0.05
  done
  echo "container $1 did not reach status $2 (now: $(state_field "$1" status 2>&1))" >&2
  return 1
}

# wait_for_file PATH: poll up to 5 s for PATH to exist and be non-empty.
wait_for_file() {
  local i
  for i in $(seq 100); do
    [ -s "$1" ] && return 0
    sleep 0.05
  done
  echo "$1 did not appear" >&2
  return 1
}

# assert_one_line_error PATTERN: $output (from bats `run`) is exactly one
# line starting with "spacer: " and matching the extended regex PATTERN.
assert_one_line_error() {
  local lines
  lines=$(printf '%s\n' "$output" | wc -l)
  if [ "$lines" -ne 1 ] || [[ $output != "spacer: "* ]] || ! grep -Eq -- "$1" <<<"$output"; then
    echo "expected one error line matching: $1" >&2
    echo "got ($lines lines): $output" >&2
    return 1
  fi
}

# process_alive PID: the process exists and is not a zombie waiting to be
# reaped (a killed container init lingers as one until its reaper runs).
process_alive() {
  local state
  state=$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
  [ "$state" != Z ]
}

# Delete every container the test left behind, then fail the test if the
# state directory, a container process or a mount below the test directory
# is left over.
teardown_containers() {
  local id pids=() leaked=0
  if [ -d "$ROOT" ]; then
    for id in $(spacer list -q 2>/dev/null); do
      pids+=("$(state_field "$id" pid 2>/dev/null || true)")
      spacer delete --force "$id" || leaked=1
    done
    if [ -n "$(ls -A "$ROOT")" ]; then
      echo "leaked state: $(ls -A "$ROOT")" >&2
      leaked=1
    fi
  fi
  for id in "${pids[@]}"; do
    if [ "${id:-0}" -gt 0 ] && process_alive "$id"; then
      echo "leaked container process $id" >&2
      leaked=1
    fi
  done
  if grep -qF "$BATS_TEST_TMPDIR" /proc/self/mountinfo; then
    echo "leaked mounts:" >&2
    grep -F "$BATS_TEST_TMPDIR" /proc/self/mountinfo >&2
    leaked=1
  fi
  return "$leaked"
}

#!/usr/bin/env bats
# Bad config.json through the real CLI. The contract: `spacer create` and
# `spacer run` fail with exactly one line
#   spacer: <bundle>/config.json: <JSON path>: <what is wrong>
# and a non-zero exit, and leave nothing behind: no entry in the state
# directory, nothing in `spacer list`, no process. Unknown fields are
# ignored, null reads as absent and an unknown ociVersion only warns (one
# that is not SemVer at all is an error).
# (tests/unit/test-config.c covers the parser itself in depth.)

load helpers

bats_require_minimum_version 1.5.0

setup_file() {
  share_rootfs
}

setup() {
  # The spec config keeps root.readonly: no container writes through the
  # links to the shared files.
  setup_linked_bundle
  [ "$(jq .root.readonly "$BUNDLE/config.json")" = true ]
  CONFIG=$BUNDLE/config.json
  cp "$CONFIG" "$BATS_TEST_TMPDIR/config.orig"
}

teardown() {
  teardown_containers
}

# create_and_run_fail PATTERN: `spacer create` and `spacer run` of the
# bundle (as c-create and c-run) both fail with one error line matching the
# extended regex PATTERN, and leave nothing behind.
create_and_run_fail() {
  local cmd
  for cmd in create run; do
    capture spacer "$cmd" --bundle "$BUNDLE" "c-$cmd"
    assert_error "$1" || {
      echo "(from spacer $cmd)" >&2
      return 1
    }
    assert_nothing_left
  done
}

# expect_error WHERE WHAT: create and run both fail with the one line
# "spacer: $BUNDLE/config.json: WHERE: WHAT..." (WHERE literal, WHAT an
# extended regex) and leave nothing behind. An empty WHERE means the error
# is about the file as a whole.
expect_error() {
  local prefix="$BUNDLE/config.json: ${1:+$1: }"
  create_and_run_fail "^spacer: $(ere_quote "$prefix")$2"
}

# assert_runs_silently: the bundle's container, running `echo ok`, prints ok
# and exits 0 without a word on stderr.
assert_runs_silently() {
  set_args echo ok
  run --separate-stderr spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output ok
  if [ -n "$stderr" ]; then
    echo "expected nothing on stderr, got: $stderr" >&2
    return 1
  fi
}

# config_error JQ_FILTER WHERE WHAT: expect_error for the spec config edited
# by JQ_FILTER.
config_error() {
  with_config "$1"
  expect_error "$2" "$3"
}

# --- the file itself --------------------------------------------------------

@test "invalid JSON: the error gives the file, line and column" {
  # The colon is missing on line 4, column 13 (the '{').
  cat >"$CONFIG" <<'EOF'
{
  "ociVersion": "1.2.0",
  "root": {"path": "rootfs"},
  "process" {"cwd": "/", "args": ["true"]},
  "linux": {"namespaces": [{"type": "mount"}]}
}
EOF
  expect_error "" "line 4, column 13: .+"
}

@test "invalid JSON: a syntax error late in a big file gets its own line" {
  # A comma after the last mount: the error is at the ']' on the next line.
  jq '.' "$BATS_TEST_TMPDIR/config.orig" >"$CONFIG"
  local line
  line=$(grep -n '^  "mounts": \[' "$CONFIG" | cut -d: -f1)
  line=$(awk -v from="$line" 'NR > from && /^  \],?$/ { print NR; exit }' "$CONFIG")
  sed -i "$((line - 1))s/}\$/},/" "$CONFIG"
  expect_error "" "line $line, column 3: .+"
}

@test "a truncated file: the error points at the end of the file" {
  local size line column
  size=$(( $(wc -c <"$BATS_TEST_TMPDIR/config.orig") / 2 ))
  head -c "$size" "$BATS_TEST_TMPDIR/config.orig" >"$CONFIG"
  # Cut inside a line, so its last line is a partial one.
  while [ "$(tail -c 1 "$CONFIG" | od -An -c | tr -d ' ')" = '\n' ]; do
    size=$((size - 1))
    head -c "$size" "$BATS_TEST_TMPDIR/config.orig" >"$CONFIG"
  done
  line=$(( $(wc -l <"$CONFIG") + 1 ))
  column=$(( $(tail -n 1 "$CONFIG" | wc -c) + 1 ))
  expect_error "" "line $line, column $column: .+"
}

@test "an empty file is an error at line 1, column 1" {
  : >"$CONFIG"
  expect_error "" "line 1, column 1: .+"
}

@test "a missing config.json is a one-line error naming it" {
  rm "$CONFIG"
  expect_error "" ".*(No such file|not found|missing)"
}

@test "a top level that is not an object is refused" {
  local doc
  for doc in '[]' '"config"' '42' 'true' 'null'; do
    echo "$doc" >"$CONFIG"
    expect_error "" "must be an object"
  done
}

# --- required members ------------------------------------------------------

@test "missing ociVersion is reported at ociVersion" {
  config_error 'del(.ociVersion)' ociVersion "required"
}

@test "an ociVersion that is not SemVer is refused at ociVersion, and nothing is created" {
  local version
  for version in invalid 1.0 "" 1.2 v1.0.0 1.0.0. 01.0.0 "1.0.0 "; do
    with_config '.ociVersion = $v' --arg v "$version"
    expect_error ociVersion "$(ere_quote "\"$version\"") is not a SemVer version" || {
      echo "(ociVersion \"$version\")" >&2
      return 1
    }
  done
}

@test "missing root is reported at root" {
  config_error 'del(.root)' root "required"
  config_error 'del(.root.path)' root.path "required"
}

@test "missing process is refused by create and run" {
  config_error 'del(.process)' process "required"
}

@test "missing process.args is reported at process.args" {
  config_error 'del(.process.args)' process.args "required"
}

@test "missing process.cwd is reported at process.cwd" {
  config_error 'del(.process.cwd)' process.cwd "required"
}

# --- wrong types -------------------------------------------------------------

@test "a string where an array belongs names the member" {
  config_error '.process.args = "true"' process.args "must be an array"
  config_error '.linux.namespaces = "pid"' linux.namespaces "must be an array"
  config_error '.process.env = "PATH=/bin"' process.env "must be an array"
}

@test "a number where a string belongs names the member" {
  config_error '.process.cwd = 5' process.cwd "must be a string"
  config_error '.root.path = 1' root.path "must be a string"
  config_error '.process.args = ["sh", 2]' 'process.args[1]' "must be a string"
}

@test "a bool where an object belongs names the member" {
  config_error '.linux = true' linux "must be an object"
  config_error '.process.user = false' process.user "must be an object"
  config_error '.mounts[2] = true' 'mounts[2]' "must be an object"
}

@test "a fraction, a negative or a too big number where an integer belongs" {
  config_error '.process.user.uid = 1.5' process.user.uid "must be an integer"
  config_error '.process.user.uid = -1' process.user.uid "out of range"
  config_error '.process.user.gid = 4294967296' process.user.gid "out of range"
}

# --- process -----------------------------------------------------------------

@test "empty process.args: must be a non-empty array" {
  config_error '.process.args = []' process.args "must be a non-empty array"
}

@test "a relative process.cwd is refused" {
  config_error '.process.cwd = "tmp"' process.cwd ".*absolute"
}

@test "a NUL byte inside an argument is refused, not cut short" {
  config_error '.process.args = ["sh\u0000-c", "exit 0"]' 'process.args[0]' ".*NUL"
}

@test "an unknown rlimit type names the type" {
  config_error '.process.rlimits = [{"type": "RLIMIT_FOO", "soft": 1, "hard": 1}]' 'process.rlimits[0].type' \
    'unknown .*"RLIMIT_FOO"'
}

@test "an rlimit whose soft limit exceeds its hard limit is refused" {
  config_error '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 2048, "hard": 1024}]' \
    'process.rlimits[0]' "soft.*hard"
}

# --- linux -------------------------------------------------------------------

@test "an unknown namespace type: linux.namespaces[2].type" {
  config_error '.linux.namespaces[2].type = "foo"' 'linux.namespaces[2].type' \
    'unknown namespace "foo"'
}

@test "a namespace listed twice is refused at the second one" {
  local n
  n=$(jq '.linux.namespaces | length' "$CONFIG")
  config_error '.linux.namespaces += [{"type": "pid"}]' "linux.namespaces[$n].type" \
    'duplicate .*"pid"'
}

@test "an unknown device type names the device" {
  config_error '.linux.devices = [{"path": "/dev/null2", "type": "x", "major": 1, "minor": 3}]' \
    'linux.devices[0].type' 'unknown .*"x"'
}

@test "an unknown rootfsPropagation is refused" {
  config_error '.linux.rootfsPropagation = "sideways"' linux.rootfsPropagation \
    'unknown .*"sideways"'
}

@test "a hostname or domainname without a uts namespace is refused" {
  # The host's own names: were they wrongly set, nothing would change.
  update_config '.hostname = $h | .domainname = $d | del(.linux.namespaces[] | select(.type == "uts"))' \
    --arg h "$(cat /proc/sys/kernel/hostname)" --arg d "$(cat /proc/sys/kernel/domainname)"
  cp "$CONFIG" "$BATS_TEST_TMPDIR/config.orig"
  config_error '.' hostname ".*uts namespace"
  config_error 'del(.hostname)' domainname ".*uts namespace"
}

@test "a sysctl that is not namespaced is refused" {
  # Its current value: were it wrongly written, nothing would change.
  with_config '.linux.sysctl = {"kernel.panic": $v}' --arg v "$(cat /proc/sys/kernel/panic)"
  expect_error 'linux.sysctl["kernel.panic"]' ".*namespaced"
}

@test "a network sysctl without a new network namespace is refused" {
  with_config '.linux.sysctl = {"net.ipv4.ip_forward": $v} | del(.linux.namespaces[] | select(.type == "network"))' \
    --arg v "$(cat /proc/sys/net/ipv4/ip_forward)"
  expect_error 'linux.sysctl["net.ipv4.ip_forward"]' ".*network namespace"
}

@test "an id mapping of size 0 is refused" {
  config_error '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 0}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]' \
    'linux.uidMappings[0].size' ".*(greater than|positive|zero|at least)"
}

@test "an unknown seccomp action is refused" {
  config_error '.linux.seccomp = {"defaultAction": "SCMP_ACT_FOO"}' linux.seccomp.defaultAction \
    'unknown .*"SCMP_ACT_FOO"'
  config_error '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
                                  "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOPE"}]}' \
    'linux.seccomp.syscalls[0].action' 'unknown .*"SCMP_ACT_NOPE"'
}

# --- mounts and root -------------------------------------------------------

@test "mount options that are not an array of strings are refused" {
  config_error '.mounts[1].options = "nosuid,mode=755"' 'mounts[1].options' "must be an array"
  config_error '.mounts[1].options = {"nosuid": true}' 'mounts[1].options' "must be an array"
  config_error '.mounts[1].options = ["nosuid", 7]' 'mounts[1].options[1]' "must be a string"
}

@test "a relative mount destination warns and mounts below the container root" {
  local n
  n=$(jq '.mounts | length' "$CONFIG")
  update_config '.mounts += [{"destination": "tmp", "type": "tmpfs", "source": "tmpfs"}]'
  set_args sh -c 'grep " /tmp tmpfs " /proc/mounts | cut -d" " -f2'
  run --separate-stderr spacer run --bundle "$BUNDLE" c1
  [ "$status" -eq 0 ]
  [ "$output" = /tmp ]
  # shellcheck disable=SC2154 # set by run --separate-stderr
  [ "${#stderr_lines[@]}" -eq 1 ]
  [[ $stderr == "spacer: warning: $BUNDLE/config.json: mounts[$n].destination: "* ]]
}

@test "a root.path that does not exist is an error naming root.path" {
  update_config '.root.path = "no-such-rootfs"'
  create_and_run_fail 'root\.path.*no-such-rootfs'
}

@test "a root.path that does not exist: the error also names the config file" {
  config_error '.root.path = "no-such-rootfs"' "" 'root\.path.*no-such-rootfs'
  config_error '.root.path = "/no/such/rootfs"' "" 'root\.path.*/no/such/rootfs'
}

@test "an empty root.path is refused" {
  config_error '.root.path = ""' root.path "must not be empty"
}

# --- what is accepted --------------------------------------------------------

@test "the unmodified spec config runs without a word on stderr" {
  assert_runs_silently
}

@test "an unknown ociVersion only warns, and the container runs" {
  local version
  set_args echo ok
  cp "$CONFIG" "$BATS_TEST_TMPDIR/config.orig"
  for version in 1.9.0 2.0.0 1.9.0-rc.1; do
    with_config '.ociVersion = $v' --arg v "$version"
    run --separate-stderr spacer run --bundle "$BUNDLE" "c-$version"
    [ "$status" -eq 0 ]
    [ "$output" = ok ]
    [ "${#stderr_lines[@]}" -eq 1 ]
    [[ $stderr == *ociVersion* ]]
    [[ $stderr == *"$version"* ]]
  done
}

@test "a known ociVersion with a pre-release or build part runs silently" {
  local version
  for version in 1.0.2-dev 1.1.0-rc.1 1.2.1+dev.5; do
    with_config '.ociVersion = $v' --arg v "$version"
    assert_runs_silently
  done
}

@test "unknown fields anywhere are ignored silently" {
  update_config '.foo = 1 | .process.bar = {"x": [1, 2]} | .linux.baz = "qux"
    | .root.zzz = true | .mounts[0].extra = null | .linux.namespaces[0].what = 5
    | .process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 64, "hard": 64, "note": "x"}]
    | .linux.resources.futureController = {"a": 1}'
  assert_runs_silently
}

@test "null members read as absent, and the container runs" {
  update_config '.process.env = null | .process.rlimits = null | .process.capabilities = null
    | .process.user.additionalGids = null | .mounts[0].options = null | .annotations = null
    | .hooks = null | .linux.sysctl = null | .linux.seccomp = null | .linux.resources = null
    | .linux.namespaces[0].path = null | .domainname = null'
  assert_runs_silently
}

@test "a null required member is reported as missing" {
  config_error '.process.cwd = null' process.cwd "required"
  config_error '.process.args = null' process.args "required"
  config_error '.ociVersion = null' ociVersion "required"
}

# --- how the error is reported -----------------------------------------------

@test "--log F --log-format json: a config error is one JSON line in F naming the path" {
  local cmd log
  with_config '.linux.namespaces[2].type = "foo"'
  for cmd in create run; do
    log=$BATS_TEST_TMPDIR/$cmd.log.json
    capture spacer --log "$log" --log-format json "$cmd" --bundle "$BUNDLE" "c-$cmd"
    [ "$status" -ne 0 ]
    [ "$(wc -l <"$log")" -eq 1 ]
    # The path also alone, for programs (libspacer); no errno: bad input.
    jq -e --arg file "$BUNDLE/config.json" '
      .level == "error"
      and (.msg | startswith($file + ": linux.namespaces[2].type: "))
      and (.msg | contains("\"foo\""))
      and .path == "linux.namespaces[2].type"
      and (has("errno") | not)' "$log"
    assert_nothing_left
  done
}

@test "an error stays on one line when the config's strings hold newlines" {
  config_error '.linux.namespaces[2].type = "fo\no"' 'linux.namespaces[2].type' \
    'unknown namespace .*'
  config_error '.annotations = {"a\nb": 5}' '' 'annotations\[.*\]: must be a string'
  config_error '.process.rlimits = [{"type": "RLIMIT_\nX", "soft": 1, "hard": 1}]' 'process.rlimits[0].type' \
    'unknown rlimit .*'
}

@test "a config that loads but fails in the container init leaves nothing behind" {
  local n
  n=$(jq '.mounts | length' "$CONFIG")
  update_config '.mounts += [{"destination": "/mnt", "type": "nosuchfs", "source": "none"}]'
  create_and_run_fail "mounts\[$n\].*nosuchfs"
}

@test "config.json that is a FIFO fails at once, naming the file" {
  rm "$CONFIG"
  mkfifo "$CONFIG"
  capture timeout -k 2 10 "$SPACER" --root "$ROOT" create --bundle "$BUNDLE" c1
  [ "$status" -ne 124 ] && [ "$status" -ne 137 ] || { echo "create hung on the FIFO" >&2; return 1; }
  assert_error "config.json: not a regular file: refused"
  assert_nothing_left
}

@test "a 10 MB string in the config gives an error of bounded length that says how much it left out" {
  local big=$BATS_TEST_TMPDIR/big
  head -c 10000000 /dev/zero | tr '\0' x >"$big"
  update_config '.linux.namespaces[2].type = $big' --rawfile big "$big"
  rm "$big"
  capture spacer create --bundle "$BUNDLE" c1
  assert_error 'linux.namespaces\[2\]\.type: .*\[\.\.\. [0-9]+ bytes left out \.\.\.\]'
  [ "${#output}" -le 1100 ] || { echo "the error is ${#output} bytes long" >&2; return 1; }
  assert_nothing_left
}

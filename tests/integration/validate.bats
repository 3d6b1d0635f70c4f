#!/usr/bin/env bats
# spacer validate [--format text|json] [--strict] [PATH]: every problem of
# a config.json, one line each,
#   FILE:LINE:COLUMN: error|warning: JSON.PATH: message
# errors first, each group in file order; exit 1 on an error (or, with
# --strict, a warning). The rules are the loader's (create stops at the
# first of the same errors); unknown keys are warnings with a suggestion;
# with a bundle, the rootfs is looked at too (warnings). It creates nothing
# and needs no root.

load helpers

bats_require_minimum_version 1.5.0

setup_file() {
  share_rootfs
}

setup() {
  # Tests add files to the linked rootfs but never change one it shares.
  setup_linked_bundle
  CONFIG=$BUNDLE/config.json
  cp "$CONFIG" "$BATS_TEST_TMPDIR/config.orig"
}

teardown() {
  teardown_containers
}

validate() {
  capture spacer validate "$@"
}

# assert_diag SEVERITY JSON_PATH MESSAGE_ERE POINTS_AT [FILE]: among the
# lines of the last validate, one reads FILE:L:C: SEVERITY: JSON_PATH:
# MESSAGE (MESSAGE matching the extended regex, anchored), and the text of
# FILE at line L, column C starts with POINTS_AT. FILE: $CONFIG.
assert_diag() {
  local severity=$1 path=$2 message=$3 points_at=$4 file=${5:-$CONFIG} line l c rest
  while IFS= read -r line; do
    [[ $line == "$file:"* ]] || continue
    rest=${line#"$file:"}
    [[ $rest =~ ^([0-9]+):([0-9]+):\ (error|warning):\ (.*)$ ]] || continue
    l=${BASH_REMATCH[1]} c=${BASH_REMATCH[2]}
    [ "${BASH_REMATCH[3]}" = "$severity" ] || continue
    rest=${BASH_REMATCH[4]}
    [[ $rest == "$path: "* ]] || continue
    grep -Eqx -- "$message" <<<"${rest#"$path: "}" || continue
    local at
    at=$(sed -n "${l}p" "$file" | cut -b "$c"-)
    if [[ $at != "$points_at"* ]]; then
      echo "$line points at: $at (expected: $points_at)" >&2
      return 1
    fi
    return 0
  done <<<"$stdout"
  echo "no $severity at $path matching: $message" >&2
  echo "got: $output" >&2
  return 1
}

# expect_error JQ_FILTER JSON_PATH MESSAGE_ERE POINTS_AT: the config edited
# by JQ_FILTER fails validate with that error (create stops at the same).
expect_error() {
  with_config "$1"
  validate "$BUNDLE"
  [ "$status" -eq 1 ] || {
    echo "status $status for $1: $output" >&2
    return 1
  }
  assert_diag error "$2" "$3" "$4" || {
    echo "(for $1)" >&2
    return 1
  }
}

@test "validate: the default spec, in a bundle with its rootfs, is clean" {
  validate "$BUNDLE"
  assert_ok
  assert_output ""
  validate --strict "$BUNDLE"
  assert_ok
  # No PATH: the current directory, named config.json in the report.
  cd "$BUNDLE"
  with_config '.process.terminal = "no"'
  validate
  [ "$status" -eq 1 ]
  [[ $stdout == "config.json:"*": error: process.terminal: must be a boolean" ]]
}

@test "validate: a mistyped key is a warning that suggests the key it resembles, at its line and column" {
  with_config '.hostnmae = .hostname | del(.hostname)
    | .process.cwdd = "/" | .linux.resources.memory.limt = 1 | .linux.resources.memory.limit = 2
    | .linux.namespaces[0].typo = 1 | .zzz = 1'
  validate "$BUNDLE"
  assert_ok
  assert_diag warning hostnmae 'unknown field; did you mean "hostname"\?' '"hostnmae"'
  assert_diag warning process.cwdd 'unknown field; did you mean "cwd"\?' '"cwdd"'
  assert_diag warning linux.resources.memory.limt 'unknown field; did you mean "limit"\?' '"limt"'
  assert_diag warning 'linux.namespaces[0].typo' 'unknown field; did you mean "type"\?' '"typo"'
  assert_diag warning zzz 'unknown field' '"zzz"'
  [ "$(grep -c warning <<<"$stdout")" -eq 5 ]
}

@test "validate: free-form maps take any key, and spec members spacer does not use are called ignored" {
  with_config '.annotations = {"hostnmae": "x", "org.example/any": "y"}
    | .linux.sysctl = {"net.ipv4.ip_forward": "1"} | .linux.resources.unified = {"memory.hgh": "1"}
    | .windows = {} | .process.commandLine = "x"'
  validate "$BUNDLE"
  assert_ok
  assert_diag warning windows 'runtime-spec field that spacer does not use \(ignored\)' '"windows"'
  assert_diag warning process.commandLine 'runtime-spec field that spacer does not use \(ignored\)' '"commandLine"'
  [ "$(wc -l <<<"$stdout")" -eq 2 ]
}

@test "validate: wrong types, bad values and missing members, each at its file, line, column and path" {
  expect_error '.process.terminal = "yes"' process.terminal 'must be a boolean' '"yes"'
  expect_error '.process.user.uid = -1' process.user.uid 'out of range' '-1'
  expect_error '.linux.rootfsPropagation = "sharedd"' linux.rootfsPropagation \
    'unknown propagation "sharedd"' '"sharedd"'
  expect_error '.process.rlimits[0].type = "RLIMIT_NOPE"' 'process.rlimits[0].type' \
    'unknown rlimit "RLIMIT_NOPE"' '"RLIMIT_NOPE"'
  expect_error '.process.rlimits[0].soft = 2048 | .process.rlimits[0].hard = 1024' \
    'process.rlimits[0]' 'soft limit exceeds hard limit' '{'
  expect_error '.ociVersion = "1.2"' ociVersion '"1.2" is not a SemVer version such as .*' '"1.2"'
  # Namespaces.
  expect_error '.linux.namespaces[0].type = "pidd"' 'linux.namespaces[0].type' \
    'unknown namespace "pidd"' '"pidd"'
  expect_error '.linux.namespaces += [{"type": "pid"}]' 'linux.namespaces[6].type' \
    'duplicate namespace "pid"' '"pid"'
  expect_error '.linux.namespaces[0].path = "proc/1/ns/pid"' 'linux.namespaces[0].path' \
    'must be an absolute path' '"proc/1/ns/pid"'
  # Id maps.
  expect_error '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 1000, "size": 10},
                            {"containerID": 5, "hostID": 2000, "size": 10}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 1000, "size": 1}]' \
    'linux.uidMappings[1]' "containerID range overlaps entry 0's" '{'
  expect_error '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 1000, "size": 0}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 1000, "size": 1}]' \
    'linux.uidMappings[0].size' 'must be greater than 0' '0'
  expect_error '.linux.uidMappings = [{"containerID": 0, "hostID": 1000, "size": 1}]' \
    linux.uidMappings 'only for a new user namespace' '['
  # Capabilities and seccomp.
  expect_error '.process.capabilities.bounding += ["CAP_NOPE"]' \
    'process.capabilities.bounding[3]' 'unknown capability "CAP_NOPE"' '"CAP_NOPE"'
  expect_error '.linux.seccomp.defaultAction = "SCMP_ACT_NOPE"' linux.seccomp.defaultAction \
    'unknown action "SCMP_ACT_NOPE"' '"SCMP_ACT_NOPE"'
  # cgroup values.
  expect_error '.linux.resources.memory = {"limit": "1G"}' linux.resources.memory.limit \
    'must be an integer' '"1G"'
  expect_error '.linux.resources.cpu = {"shares": -1}' linux.resources.cpu.shares \
    'out of range' '-1'
  expect_error '.linux.resources.blockIO = {"weight": 70000}' linux.resources.blockIO.weight \
    'out of range' '70000'
  expect_error '.linux.resources.devices = [{"allow": true, "access": "rwx"}]' \
    'linux.resources.devices[0].access' 'must contain only .*' '"rwx"'
  # Hooks.
  expect_error '.hooks.prestart = [{"path": "bin/hook"}]' 'hooks.prestart[0].path' \
    'must be an absolute path' '"bin/hook"'
  expect_error '.hooks.poststop = [{"path": "/bin/hook", "timeout": 0}]' \
    'hooks.poststop[0].timeout' 'must be greater than 0' '0'
  # Required members: at the object that lacks them.
  expect_error 'del(.process.args)' process.args required '{'
  expect_error 'del(.root)' root required '{'
  expect_error '.mounts[0] |= del(.destination)' 'mounts[0].destination' required '{'
  expect_error '.process.args = []' process.args 'must be a non-empty array' '[]'
}

@test "validate: create stops at the first of the errors validate reports" {
  with_config '.process.terminal = "yes" | .process.cwd = "relative"'
  validate "$BUNDLE"
  [ "$status" -eq 1 ]
  assert_diag error process.terminal 'must be a boolean' '"yes"'
  assert_diag error process.cwd 'must be an absolute path' '"relative"'
  capture spacer create --bundle "$BUNDLE" c1
  assert_error "config.json: process.terminal: must be a boolean$"
  assert_nothing_left
}

@test "validate: a syscall name libseccomp does not know is a warning, with a suggestion" {
  with_config '.linux.seccomp.syscalls[0].names += ["opne", "no_such_call"]'
  validate "$BUNDLE"
  assert_ok
  local n
  n=$(jq '.linux.seccomp.syscalls[0].names | length' "$CONFIG")
  assert_diag warning "linux.seccomp.syscalls[0].names[$((n - 2))]" \
    'unknown syscall "opne" \(create skips it\); did you mean "open"\?' '"opne"'
  assert_diag warning "linux.seccomp.syscalls[0].names[$((n - 1))]" \
    'unknown syscall "no_such_call" \(create skips it\)' '"no_such_call"'
}

@test "validate: several errors in one file are all reported, errors first, each group in file order" {
  with_config '.process.terminal = 1 | .hostnmae = "x" | .process.cwd = "rel"
    | .linux.namespaces[1].type = "nope" | .linux.resources.pids = {"limit": "many"}
    | .hooks.prestart = [{"path": "x"}, {"path": "/ok", "timeout": -1}]'
  validate "$BUNDLE"
  [ "$status" -eq 1 ]
  assert_diag error process.terminal 'must be a boolean' 1
  assert_diag error process.cwd 'must be an absolute path' '"rel"'
  assert_diag error 'linux.namespaces[1].type' 'unknown namespace "nope"' '"nope"'
  assert_diag error linux.resources.pids.limit 'must be an integer' '"many"'
  assert_diag error 'hooks.prestart[0].path' 'must be an absolute path' '"x"'
  assert_diag error 'hooks.prestart[1].timeout' 'must be greater than 0' '-1'
  assert_diag warning hostnmae 'unknown field; did you mean "hostname"\?' '"hostnmae"'
  [ "$(wc -l <<<"$stdout")" -eq 7 ]
  # Errors, then the warning; lines ascending within each.
  [ "$(cut -d: -f4 <<<"$stdout" | uniq | tr -d ' \n')" = errorwarning ]
  local lines
  lines=$(grep ': error: ' <<<"$stdout" | cut -d: -f2)
  [ "$lines" = "$(sort -n <<<"$lines")" ]
}

@test "validate: --strict makes warnings fail" {
  with_config '.hostnmae = "x"'
  validate "$BUNDLE"
  assert_ok
  [ -n "$stdout" ]
  validate --strict "$BUNDLE"
  [ "$status" -eq 1 ]
  assert_diag warning hostnmae 'unknown field; did you mean "hostname"\?' '"hostnmae"'
}

@test "validate: --format json is an array of {file, line, column, path, severity, message}" {
  with_config '.process.terminal = 1 | .hostnmae = "x"'
  validate --format json "$BUNDLE"
  [ "$status" -eq 1 ]
  [ "$(jq length <<<"$stdout")" -eq 2 ]
  [ "$(jq -r '.[0] | keys_unsorted | join(",")' <<<"$stdout")" = file,line,column,path,severity,message ]
  [ "$(jq -r '.[0] | [.file, .path, .severity, .message] | join("|")' <<<"$stdout")" = \
    "$CONFIG|process.terminal|error|must be a boolean" ]
  [ "$(jq -r '.[1] | [.path, .severity, .message] | join("|")' <<<"$stdout")" = \
    'hostnmae|warning|unknown field; did you mean "hostname"?' ]
  # The same places as the text format.
  local json_place text_place
  json_place=$(jq -r '.[] | "\(.line):\(.column)"' <<<"$stdout")
  validate "$BUNDLE"
  text_place=$(sed -E 's|^.*config\.json:([0-9]+:[0-9]+):.*|\1|' <<<"$stdout")
  [ "$json_place" = "$text_place" ]
  with_config '.'
  validate --format json "$BUNDLE"
  assert_ok
  [ "$stdout" = "[]" ]
}

@test "validate: a JSON syntax error is reported at its line and column" {
  printf '{\n  "ociVersion": "1.2.0",\n  "root": }\n' >"$CONFIG"
  validate "$BUNDLE"
  [ "$status" -eq 1 ]
  [[ $stdout == "$CONFIG:3:11: error: parse error: "* ]]
}

@test "validate: the rootfs: a missing or non-executable program, a missing cwd" {
  with_config '.process.args = ["/no/such/program"] | .process.cwd = "/no/such/dir"'
  validate "$BUNDLE"
  assert_ok
  assert_diag warning 'process.args[0]' '"/no/such/program" does not exist in the rootfs' \
    '"/no/such/program"'
  assert_diag warning process.cwd '"/no/such/dir" does not exist in the rootfs' '"/no/such/dir"'

  printf '#!/bin/sh\n' >"$BUNDLE/rootfs/not-executable"
  chmod 0644 "$BUNDLE/rootfs/not-executable"
  with_config '.process.args = ["/not-executable"] | .process.cwd = "/etc/passwd"'
  validate "$BUNDLE"
  assert_diag warning 'process.args[0]' '"/not-executable" is not executable in the rootfs' \
    '"/not-executable"'
  assert_diag warning process.cwd '"/etc/passwd" is not a directory in the rootfs' '"/etc/passwd"'

  # A bare name is looked up in process.env's PATH, as execvp does.
  mkdir -p "$BUNDLE/rootfs/opt/tools"
  printf '#!/bin/sh\n' >"$BUNDLE/rootfs/opt/tools/mytool"
  chmod 0755 "$BUNDLE/rootfs/opt/tools/mytool"
  with_config '.process.args = ["mytool"]'
  validate "$BUNDLE"
  assert_diag warning 'process.args[0]' '"mytool" is not found in the rootfs.s PATH' '"mytool"'
  with_config '.process.args = ["mytool"] | .process.env = ["PATH=/bin:/opt/tools"]'
  validate --strict "$BUNDLE"
  assert_ok
  assert_output ""
  # Relative to the working directory.
  with_config '.process.args = ["./mytool"] | .process.cwd = "/opt/tools"'
  validate --strict "$BUNDLE"
  assert_ok
}

@test "validate: the rootfs: a mount destination whose symlink climbs out of the root" {
  ln -s ../../../.. "$BUNDLE/rootfs/escape"
  ln -s /etc "$BUNDLE/rootfs/inside"
  with_config '.mounts += [{"destination": "/escape/x", "type": "tmpfs", "source": "tmpfs"},
                           {"destination": "/inside/x", "type": "tmpfs", "source": "tmpfs"}]'
  validate "$BUNDLE"
  assert_ok
  local n
  n=$(jq '.mounts | length' "$CONFIG")
  assert_diag warning "mounts[$((n - 2))].destination" \
    '"/escape/x" leads out of the rootfs through a symlink' '"/escape/x"'
  # An absolute symlink stays inside the root: fine.
  [ "$(wc -l <<<"$stdout")" -eq 1 ]
}

@test "validate: a config file is checked alone, a bundle with its rootfs" {
  with_config '.process.args = ["/no/such/program"]'
  cp "$CONFIG" "$BATS_TEST_TMPDIR/other.json"
  validate "$BATS_TEST_TMPDIR/other.json"
  assert_ok
  assert_output ""
  validate "$BUNDLE/"
  assert_diag warning 'process.args[0]' '.*does not exist in the rootfs' '"/no' \
    "$BUNDLE/config.json"
  # No rootfs yet (unpacked later): the config alone.
  mv "$BUNDLE/rootfs" "$BUNDLE/rootfs.away"
  validate "$BUNDLE"
  mv "$BUNDLE/rootfs.away" "$BUNDLE/rootfs"
  assert_ok
  assert_output ""
}

@test "validate: usage errors and unreadable input" {
  validate --format xml "$BUNDLE"
  assert_error "validate: usage: spacer validate"
  validate "$BUNDLE" "$BUNDLE"
  assert_error "validate: usage: spacer validate"
  validate "$BATS_TEST_TMPDIR/none.json"
  assert_error "validate: .*none.json: open: No such file or directory"
  mkfifo "$BATS_TEST_TMPDIR/fifo.json"
  validate "$BATS_TEST_TMPDIR/fifo.json"
  assert_error "not a regular file"
}

@test "validate: runs as a plain user" {
  setpriv --reuid 65534 --regid 65534 --clear-groups test -x "$SPACER" ||
    skip "$SPACER is not executable by nobody"
  local dir
  dir=$(mktemp -d /tmp/spacer-validate.XXXXXX)
  chmod 0755 "$dir"
  mkdir "$dir/rootfs"
  printf '#!/bin/sh\n' >"$dir/rootfs/prog"
  chmod 0755 "$dir/rootfs/prog"
  jq '.process.args = ["/prog"]' "$CONFIG" >"$dir/config.json"
  chmod 0644 "$dir/config.json"
  capture setpriv --reuid 65534 --regid 65534 --clear-groups env -i "$SPACER" validate --strict "$dir"
  local ok_status=$status ok_output=$output
  jq '.process.args = ["/nope"] | .process.terminal = 1' "$CONFIG" >"$dir/config.json"
  capture setpriv --reuid 65534 --regid 65534 --clear-groups env -i "$SPACER" validate "$dir"
  rm -rf "$dir"
  [ "$ok_status" -eq 0 ] && [ -z "$ok_output" ] || {
    echo "as nobody: $ok_status: $ok_output" >&2
    return 1
  }
  [ "$status" -eq 1 ]
  [[ $stdout == *": error: process.terminal: must be a boolean"* ]]
  [[ $stdout == *': warning: process.args[0]: "/nope" does not exist in the rootfs'* ]]
}

@test "validate: nothing is created: no state directory, no cgroup, no container" {
  local cgroup=spacer-validate-$$-$RANDOM
  with_config '.linux.cgroupsPath = $c' --arg c "/$cgroup"
  ROOT=$BATS_TEST_TMPDIR/never-made
  validate "$BUNDLE"
  assert_ok
  [ ! -e "$ROOT" ]
  [ ! -e "/sys/fs/cgroup/$cgroup" ]
  ! find /sys/fs/cgroup -maxdepth 4 -name "$cgroup" | grep -q .
  assert_nothing_left
}

@test "validate: every config of the fuzz corpus is judged as the loader judges it, without a crash" {
  local corpus=$BATS_TEST_DIRNAME/../fuzz/corpus f
  local replay
  replay=$(dirname "$SPACER")/tests/fuzz/fuzz-validate-replay
  [ -x "$replay" ] || skip "$replay is not built (make test-programs)"
  # The loader and validate side by side on each input: they agree on
  # accept or refuse, and the loader's error is among validate's.
  run "$replay" "$corpus"
  assert_ok
  for f in "$corpus"/*; do
    capture spacer validate "$f"
    [ "$status" -le 1 ] || {
      echo "$f: status $status: $output" >&2
      return 1
    }
  done
}

#!/usr/bin/env bats
# The command line a newcomer and a runc user meet first: help for every
# command, --version, the global flags runc has, how errors are written,
# and a quiet build.

load helpers

bats_require_minimum_version 1.5.0

setup() {
  ROOT=$BATS_TEST_TMPDIR/state
}

teardown() {
  teardown_containers
}

# ---- the build ----

@test "build: archiving libspacer prints nothing but its progress line" {
  local build
  build=$(dirname "$SPACER")
  [ -f "$build/Makefile" ] || skip "$SPACER is not in a build directory"
  # -W: as if an object had changed, so the archive is made again (from
  # the same objects). Its old time is put back at once: an archive newer
  # than spacer would have the next make relink spacer under running tests.
  touch -r "$build/libspacer-core.la" "$BATS_TEST_TMPDIR/archive-time"
  run build_make "$build" -W src/lib/libspacer_core_la-error.lo libspacer-core.la
  touch -r "$BATS_TEST_TMPDIR/archive-time" "$build/libspacer-core.la"
  assert_ok
  # The archive was made again (an object name make does not know would
  # leave it be, and this test with nothing to look at).
  grep -q '^ *CCLD *libspacer-core.la' <<<"$output" || {
    echo "make did not archive libspacer-core.la: $output" >&2
    return 1
  }
  if grep -v '^ *CCLD ' <<<"$output" | grep -q .; then
    echo "make printed more than its progress line: $output" >&2
    return 1
  fi
}

# ---- help ----

# Every command runc users know, and help.
COMMANDS=(create start run state kill delete list ps pause resume update events spec bundle unpack features
  checkpoint restore help)

# help_of CMD: `spacer help CMD`, checked to succeed quietly.
help_of() {
  capture "$SPACER" --root "$ROOT" help "$1"
  assert_ok
  [ -z "$stderr" ] || { echo "help $1 wrote to stderr: $stderr" >&2; return 1; }
  printf '%s\n' "$stdout"
}

# help_flag_line HELP FLAG: the line of HELP describing --FLAG, whose
# label is "-x, --FLAG [VALUE]" or "--FLAG [VALUE]" before two spaces.
help_flag_line() {
  grep -E -- "^ +(-[a-zA-Z], )?--$2( [^ ]+)?  " <<<"$1"
}

@test "help: spacer help, --help, -h and -help list every command and the global flags" {
  local how cmd flag expected
  expected=$("$SPACER" help)
  for how in --help -h -help; do
    capture "$SPACER" $how
    assert_ok
    [ "$stdout" = "$expected" ]
  done
  [[ ${expected%%$'\n'*} == "Usage: spacer [global options] COMMAND"* ]]
  for cmd in "${COMMANDS[@]}"; do
    grep -Eq "^  $cmd +[a-z]" <<<"$expected" || { echo "no $cmd in: $expected" >&2; return 1; }
  done
  for flag in root log log-format debug systemd-cgroup rootless criu version help; do
    help_flag_line "$expected" "$flag" >/dev/null || { echo "no --$flag in: $expected" >&2; return 1; }
  done
}

# bats test_tags=plain-only
@test "help: every command's help is the same by help CMD, CMD --help, -h and -help, on stdout, exit 0" {
  local cmd how expected
  for cmd in "${COMMANDS[@]}"; do
    expected=$(help_of "$cmd")
    [[ ${expected%%$'\n'*} == "Usage: spacer $cmd"* ]]
    grep -q -- "-h, --help" <<<"$expected"
    for how in --help -h -help; do
      capture "$SPACER" --root "$ROOT" "$cmd" "$how"
      if [ "$status" -ne 0 ] || [ "$stdout" != "$expected" ] || [ -n "$stderr" ]; then
        echo "spacer $cmd $how: status $status, stderr: $stderr, stdout: $stdout" >&2
        return 1
      fi
    done
  done
}

# bats test_tags=plain-only
@test "help: every long option a command parses has its own help line, with a value where it takes one" {
  # SPACER_LIST_OPTIONS=CMD makes CMD print the long options of its getopt
  # table ("--NAME" or "--NAME VALUE") instead of running.
  local cmd help opt name line
  for cmd in global "${COMMANDS[@]}"; do
    if [ "$cmd" = global ]; then
      help=$("$SPACER" help)
      run env SPACER_LIST_OPTIONS=global "$SPACER"
    else
      help=$(help_of "$cmd")
      run env SPACER_LIST_OPTIONS="$cmd" "$SPACER" --root "$ROOT" "$cmd"
    fi
    assert_ok
    while read -r opt; do
      [ -n "$opt" ] || continue
      name=${opt%% *}
      name=${name#--}
      # create parses with run's table: the flags run alone takes are in
      # run's help.
      if [ "$cmd" = create ] && ! help_flag_line "$help" "$name" >/dev/null; then
        help_flag_line "$(help_of run)" "$name" >/dev/null || {
          echo "create parses --$name, which neither create's nor run's help shows" >&2
          return 1
        }
        continue
      fi
      line=$(help_flag_line "$help" "$name") || {
        echo "spacer $cmd parses --$name, which its help does not show:" >&2
        echo "$help" >&2
        return 1
      }
      if [[ $opt == *" VALUE" ]] && ! [[ $line =~ --$name\ [^\ ] ]]; then
        echo "spacer $cmd: --$name takes a value, its help line shows none: $line" >&2
        return 1
      elif [[ $opt != *" VALUE" ]] && [[ $line =~ --$name\ [^\ ] ]]; then
        echo "spacer $cmd: --$name takes no value, its help line shows one: $line" >&2
        return 1
      fi
    done <<<"$output"
    # And the other way: what the help shows is parsed.
    while read -r name; do
      grep -qx -- "--$name\( VALUE\)\?" <<<"$output" || {
        echo "spacer $cmd: the help shows --$name, which is not parsed" >&2
        return 1
      }
    done < <(grep -Eo -- "^ +(-[a-zA-Z], )?--[a-z0-9-]+" <<<"$help" | sed 's/.*--//' | grep -vx help)
  done
}

@test "help: create and run show their flags, and run's alone are run's" {
  local create run flag
  create=$(help_of create)
  run=$(help_of run)
  for flag in bundle pid-file console-socket pidfd-socket preserve-fds no-pivot no-new-keyring; do
    help_flag_line "$create" "$flag"
    help_flag_line "$run" "$flag"
  done
  help_flag_line "$create" bundle | grep -q -- "-b, --bundle DIR"
  for flag in detach keep no-subreaper; do
    help_flag_line "$run" "$flag"
    ! help_flag_line "$create" "$flag" || false
  done
  help_flag_line "$run" detach | grep -q -- "-d, --detach"
  help_flag_line "$("$SPACER" help)" rootless | grep -q -- "--rootless true|false|auto"
}

# bats test_tags=plain-only
@test "help: a usage error shows the usage line of the command's help" {
  local cmd usage operands args
  for cmd in "${COMMANDS[@]}"; do
    usage=$(help_of "$cmd" | head -1)
    usage=${usage#Usage: }
    operands=${usage#spacer "$cmd"}
    operands=${operands# \[options\]}
    # A missing operand, or one too many where none is required.
    args=()
    [[ $operands == " "[A-Z]* ]] || args=(x y z)
    capture "$SPACER" --root "$ROOT" "$cmd" "${args[@]}"
    output=$stderr
    assert_error "^spacer: $cmd: usage: $(ere_quote "$usage") \(see spacer help $cmd\)$" || {
      echo "(from spacer $cmd ${args[*]})" >&2
      return 1
    }
  done
}

@test "help nosuch: one error line, exit 1" {
  capture "$SPACER" help nosuch
  [ "$status" -eq 1 ]
  [ -z "$stdout" ]
  output=$stderr
  assert_error "help: unknown command \`nosuch\`"
}

@test "help: a plain user without a state directory gets a command's help" {
  local expected
  expected=$(help_of state)
  setpriv --reuid 65534 --regid 65534 --clear-groups test -x "$SPACER" ||
    skip "$SPACER is not executable by nobody"
  # Without XDG_RUNTIME_DIR and --root, state has no state directory.
  capture setpriv --reuid 65534 --regid 65534 --clear-groups env -i "$SPACER" state c1
  assert_error "XDG_RUNTIME_DIR"
  capture setpriv --reuid 65534 --regid 65534 --clear-groups env -i "$SPACER" state --help
  assert_ok
  [ "$stdout" = "$expected" ]
}

# ---- global flags ----

@test "--criu PATH is refused in one line: spacer has no checkpoint/restore, and the command does not run" {
  local dir=$BATS_TEST_TMPDIR/bundle
  mkdir "$dir"
  capture "$SPACER" --root "$ROOT" --criu /usr/sbin/criu spec --bundle "$dir"
  [ -z "$stdout" ]
  output=$stderr
  assert_error "criu.*no checkpoint/restore"
  [ ! -e "$dir/config.json" ]
  capture "$SPACER" --root "$ROOT" --criu=/usr/sbin/criu list
  output=$stderr
  assert_error "criu.*no checkpoint/restore"
}

# ---- checkpoint and restore ----

# fake_criu STATUS OUTPUT: an executable $BATS_TEST_TMPDIR/criu that notes
# its arguments in criu.args, prints OUTPUT and exits with STATUS.
fake_criu() {
  printf '#!/bin/sh\necho "$@" >>%s/criu.args\necho "%s"\nexit %s\n' \
    "$BATS_TEST_TMPDIR" "$2" "$1" >"$BATS_TEST_TMPDIR/criu"
  chmod 755 "$BATS_TEST_TMPDIR/criu"
}

@test "checkpoint and restore take runc's flags and refuse in one line saying why: no criu, criu check failing, or spacer not driving CRIU" {
  setup_bundle
  set_args sleep 100
  create_container c1
  spacer start c1
  local ckpt=(--image-path "$BATS_TEST_TMPDIR/img" --work-path "$BATS_TEST_TMPDIR/work"
    --leave-running --tcp-established --ext-unix-sk --shell-job --file-locks
    --manage-cgroups-mode soft --empty-ns network --auto-dedup --status-fd 5 --pre-dump)
  local rest=(-b "$BUNDLE" -d --image-path "$BATS_TEST_TMPDIR/img" --pid-file "$BATS_TEST_TMPDIR/p"
    --no-pivot --manage-cgroups-mode full --lsm-profile apparmor:x --console-socket /x)
  # No criu at that path.
  capture spacer --criu "$BATS_TEST_TMPDIR/criu" checkpoint "${ckpt[@]}" c1
  [ "$status" -eq 1 ]
  assert_error "^spacer: checkpoint: CRIU is not installed \(\`[^\`]*/criu\`: No such file or directory\), and checkpoint/restore needs it$"
  capture spacer --criu "$BATS_TEST_TMPDIR/criu" restore "${rest[@]}" c2
  assert_error "^spacer: restore: CRIU is not installed"
  # criu check failing: its last words.
  fake_criu 1 "Error: the kernel lacks a feature"
  capture spacer --criu "$BATS_TEST_TMPDIR/criu" checkpoint "${ckpt[@]}" c1
  assert_error '^spacer: checkpoint: CRIU cannot work here: `criu check`: exit status 1: Error: the kernel lacks a feature$'
  [ "$(cat "$BATS_TEST_TMPDIR/criu.args")" = check ]
  # criu check passing: spacer itself is why.
  fake_criu 0 "Looks good."
  capture spacer --criu "$BATS_TEST_TMPDIR/criu" restore "${rest[@]}" c2
  assert_error '^spacer: restore: spacer does not implement checkpoint/restore \(`[^`]*/criu check` passes, but spacer does not drive CRIU\)$'
  # Without --criu, criu in PATH: whichever reason this host gives.
  capture spacer checkpoint c1
  assert_error '^spacer: checkpoint: (CRIU is not installed|CRIU cannot work here|spacer does not implement)'
  # Nothing happened to the container, and nothing was restored.
  [ "$(state_field c1 status)" = running ]
  run spacer state c2
  assert_error "c2.*does not exist"
  [ ! -e "$BATS_TEST_TMPDIR/p" ]
}

@test "checkpoint and restore: the container is looked at first, bad flags are errors of their own" {
  setup_bundle
  set_args sleep 100
  create_container c1
  fake_criu 0 "Looks good."
  capture spacer --criu "$BATS_TEST_TMPDIR/criu" checkpoint c1
  assert_error "checkpoint: container \`c1\` is created, not running"
  capture spacer checkpoint nosuch
  assert_error "nosuch.*does not exist"
  capture spacer restore c1
  assert_error "restore: container \`c1\` exists already"
  capture spacer checkpoint --manage-cgroups-mode sometimes c1
  assert_error "--manage-cgroups-mode: \`sometimes\` is not soft, full, strict or ignore"
  capture spacer checkpoint --status-fd x c1
  assert_error "--status-fd: \`x\` is not an fd"
  capture spacer restore --no-such-flag c2
  assert_error "restore: option \`--no-such-flag\` is unknown"
  capture spacer checkpoint
  assert_error "checkpoint: usage"
  # criu was never asked.
  [ ! -e "$BATS_TEST_TMPDIR/criu.args" ]
}

@test "--version: spacer's version, the runtime-spec version spec writes and README claims, libseccomp's" {
  local spec dir=$BATS_TEST_TMPDIR/bundle
  capture "$SPACER" --version
  assert_ok
  [ "$(wc -l <<<"$stdout")" -eq 3 ]
  [[ $(sed -n 1p <<<"$stdout") =~ ^spacer\ version\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
  [[ $(sed -n 2p <<<"$stdout") =~ ^spec:\ ([0-9]+\.[0-9]+\.[0-9]+)$ ]]
  spec=${BASH_REMATCH[1]}
  [[ $(sed -n 3p <<<"$stdout") =~ ^libseccomp:\ ([0-9]+\.[0-9]+\.[0-9]+)$ ]]
  # The libseccomp spacer runs with is the installed one.
  if dpkg-query -W -f='${Version}' libseccomp2 >/dev/null 2>&1; then
    [[ $(dpkg-query -W -f='${Version}' libseccomp2) == "${BASH_REMATCH[1]}"* ]]
  fi
  [ "$(wc -l < <("$SPACER" -v))" -eq 3 ]
  # What spacer claims is what spacer spec writes, and what the README's
  # table of what is implemented says.
  mkdir "$dir"
  "$SPACER" spec --bundle "$dir"
  [ "$(jq -r .ociVersion "$dir/config.json")" = "$spec" ]
  grep -q "^| runtime-spec $spec " "$BATS_TEST_DIRNAME/../../README.md"
}

# assert_json_log_line LEVEL PATTERN: $output is one JSON record of LEVEL,
# {"level", "msg", "time"} (an error may add its "errno" and "path" for
# programs), whose msg matches PATTERN.
assert_json_log_line() {
  [ "$(wc -l <<<"$output")" -eq 1 ] || { echo "not one line: $output" >&2; return 1; }
  jq -e --arg level "$1" --arg pattern "$2" \
    '(keys - (if .level == "error" then ["errno", "path"] else [] end)) == ["level", "msg", "time"]
     and .level == $level and (.msg | test($pattern))' \
    <<<"$output" >/dev/null || { echo "not a $1 record matching $2: $output" >&2; return 1; }
}

@test "--log-format json without --log: the error is one JSON line on stderr, as runc writes it" {
  capture "$SPACER" --root "$ROOT" --log-format json state nosuch
  [ "$status" -eq 1 ]
  [ -z "$stdout" ]
  output=$stderr
  assert_json_log_line error "nosuch.*does not exist"
  # Text, the default, stays the one "spacer: " line.
  capture "$SPACER" --root "$ROOT" --log-format text state nosuch
  output=$stderr
  assert_error "^spacer: .*nosuch.*does not exist"
}

@test "--log-format json without --log: warnings on stderr are JSON lines too" {
  setup_bundle
  set_args true
  update_config '.ociVersion = "9.9.9"'
  capture timeout 20 "$SPACER" --root "$ROOT" --log-format json run --bundle "$BUNDLE" c1
  assert_ok
  output=$stderr
  assert_json_log_line warning "ociVersion.*9\\.9\\.9"
}

# runc's --log-format text (logrus): time="RFC 3339" level=LEVEL msg="..."
# with the message quoted as Go's %q quotes it.
RUNC_TEXT_LOG='^time="[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})" level=(debug|info|warning|error) msg="([^"\\]|\\.)*"$'

@test "--log F --log-format text: a failed create's error is one runc text line in F, and one spacer: line on stderr" {
  local log=$BATS_TEST_TMPDIR/spacer.log
  setup_bundle
  update_config '.linux.namespaces[2].type = "fo\"o\\"'
  capture spacer --log "$log" --log-format text create --bundle "$BUNDLE" c1
  [ "$status" -ne 0 ]
  output=$stderr
  assert_error "linux\.namespaces\[2\]\.type: unknown namespace"
  [ "$(wc -l <"$log")" -eq 1 ]
  grep -Eq "$RUNC_TEXT_LOG" "$log" || { echo "not runc's text format: $(cat "$log")" >&2; return 1; }
  # The message, its quotes and backslash escaped as logrus escapes them:
  # the value "fo"o\ reads \"fo\"o\\\ inside msg="...".
  local expected="level=error msg=\"$BUNDLE/config.json: linux.namespaces[2].type: unknown namespace "
  expected+='\"fo\"o\\\""'
  [[ $(cat "$log") == *" $expected" ]] || { echo "expected ...$expected, got: $(cat "$log")" >&2; return 1; }
  assert_nothing_left
}

@test "--log F --log-format text: a newline in a message stays on the record's line as \\n" {
  local log=$BATS_TEST_TMPDIR/spacer.log
  setup_bundle
  update_config '.linux.namespaces[2].type = "fo\no"'
  capture spacer --log "$log" create --bundle "$BUNDLE" c1
  [ "$status" -ne 0 ]
  [ "$(wc -l <"$log")" -eq 1 ]
  grep -Eq "$RUNC_TEXT_LOG" "$log"
  grep -qF 'unknown namespace \"fo\no\""' "$log"
  assert_nothing_left
}

@test "--debug --log F: debug records go to F at level=debug, in text and in json" {
  local log=$BATS_TEST_TMPDIR/spacer.log line
  setup_bundle
  capture spacer --debug --log "$log" --log-format text run --bundle "$BUNDLE" c1
  assert_ok
  # The log is the place for them: stderr stays quiet.
  [ -z "$stderr" ]
  grep -q ' level=debug msg="c1: bundle ' "$log"
  while IFS= read -r line; do
    [[ $line =~ $RUNC_TEXT_LOG ]] || { echo "not runc's text format: $line" >&2; return 1; }
  done <"$log"
  rm "$log"
  capture spacer --debug --log "$log" --log-format json run --bundle "$BUNDLE" c2
  assert_ok
  jq -se 'all(.[]; (keys | sort) == ["level", "msg", "time"])
    and any(.[]; .level == "debug" and (.msg | startswith("c2: bundle ")))' "$log" >/dev/null
  # Without --debug, none.
  rm "$log"
  capture spacer --log "$log" --log-format text run --bundle "$BUNDLE" c3
  assert_ok
  ! grep -q 'level=debug' "$log" 2>/dev/null || false
}

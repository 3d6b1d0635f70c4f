#!/usr/bin/env bats
# shellcheck disable=SC2016 # the programs' scripts are for the container's sh
# Terminals and file descriptors: process.terminal with --console-socket
# (create, run, run -d) and in the foreground of `run`, runc's rules around
# them, --preserve-fds, socket activation (LISTEN_FDS), and the closing of
# every other descriptor the runtime was given.

load helpers

bats_require_minimum_version 1.5.0

setup() {
  setup_bundle
  BG_PIDS=()
  TERM_IN=
}

teardown() {
  local pid i
  if [ -n "$TERM_IN" ]; then
    exec {TERM_IN}>&-
  fi
  # Background processes this test started (by PID only): TERM first, so
  # that timeout passes it on to the script it runs, then KILL.
  for pid in "${BG_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 100); do
      process_alive "$pid" || break
      sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  teardown_containers
}

# ---- helpers of this file ----

# The pty turns every \n the program writes into \r\n (onlcr).
no_cr() {
  tr -d '\r'
}

# set_sh_terminal SCRIPT: the program is `sh -c SCRIPT`, with a terminal.
set_sh_terminal() {
  update_config '.process.terminal = true'
  set_args sh -c "$1"
}

# The program's descriptors, one a line, for sh -c scripts. ls runs as a
# child of the shell and lists the shell's (pid 1's) fds: exactly what the
# program got, since sh -c opens nothing of its own here. ls must not be
# the script's last command: busybox sh execs a last external command in
# place, and ls would then list its own directory fd as well.
LIST_FDS='ls -1 /proc/$$/fd; exit 0'

# write_file NAME TEXT: $BATS_TEST_TMPDIR/NAME holding TEXT and a newline.
write_file() {
  printf '%s\n' "$2" >"$BATS_TEST_TMPDIR/$1"
}

# guarded_start ID: `spacer start ID` for a container created with
# --pid-file $BATS_TEST_TMPDIR/ID.pid, in at most 5 s. A start that hangs
# (an init holding the container's lock, say) kills that init, by its pid,
# so that teardown's spacer list and delete do not hang too.
guarded_start() {
  local pid
  pid=$(cat "$BATS_TEST_TMPDIR/$1.pid")
  if ! timeout 5 "$SPACER" --root "$ROOT" start "$1"; then
    if [ -d "/proc/$pid" ]; then
      echo "start $1 failed or hung; the init $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline"), in $(cat "/proc/$pid/wchan")" >&2
      echo "its fds: $(for fd in "/proc/$pid/fd/"*; do printf '%s -> %s; ' "${fd##*/}" "$(readlink "$fd")"; done)" >&2
      kill -KILL "$pid"
    fi
    return 1
  fi
}

# ---- a console-socket receiver ----

# start_recvtty [INPUT]: recvtty listening on $SOCK in the background (see
# start_receiver); it writes INPUT into the pty once it has it, and copies
# what the container writes to $BATS_TEST_TMPDIR/recvtty.out. Returns once
# the socket listens.
start_recvtty() {
  SOCK=$BATS_TEST_TMPDIR/console.sock
  start_receiver "$RECVTTY" console.sock recvtty "$@" || return 1
  RECVTTY_PID=$RECEIVER_PID
}

# wait_recvtty: wait up to 10 s for recvtty to finish, which it does when
# the pty's last slave closes (the container is gone) or it failed. Sets
# $tty_output (what the container wrote, without \r) and $recvtty_status.
wait_recvtty() {
  local i
  for i in $(seq 200); do
    process_alive "$RECVTTY_PID" || break
    sleep 0.05
  done
  if process_alive "$RECVTTY_PID"; then
    echo "recvtty still running: the pty was not closed; so far: $(no_cr <"$BATS_TEST_TMPDIR/recvtty.out")" >&2
    return 1
  fi
  recvtty_status=0
  wait "$RECVTTY_PID" || recvtty_status=$?
  tty_output=$(no_cr <"$BATS_TEST_TMPDIR/recvtty.out")
  if [ "$recvtty_status" -ne 0 ]; then
    echo "recvtty failed ($recvtty_status): $(cat "$BATS_TEST_TMPDIR/recvtty.err")" >&2
    return 1
  fi
}

# console_run ID [INPUT]: create ID with its pty sent to recvtty (which
# types INPUT), start it, and wait for the program to end. Sets $tty_output.
# The container's stdio is the pty: nothing may reach create's own stdio.
console_run() {
  local id=$1
  shift
  start_recvtty "$@"
  spacer_timed create --console-socket "$SOCK" --pid-file "$BATS_TEST_TMPDIR/$id.pid" \
    --bundle "$BUNDLE" "$id" >"$BATS_TEST_TMPDIR/$id.log" 2>&1 </dev/null
  guarded_start "$id"
  wait_recvtty
  wait_for_status "$id" stopped
  if [ -n "$(container_log "$id")" ]; then
    echo "output on create's stdio instead of the pty: $(container_log "$id")" >&2
    return 1
  fi
}

# ---- a terminal for `run` in the foreground ----

# term_start ROWS COLS ID [run flags...]: `spacer run ID` in the foreground
# on a terminal of its own. util-linux script gives the shell it starts a
# pty (the "outer" terminal), which stty sizes ROWS x COLS first. What
# term_type types goes through a fifo to script's stdin; what the outer
# terminal shows accumulates in $TERM_DIR/out. The shell records the outer
# terminal's name (tty), its settings just before and just after spacer
# (stty -g: before, after) and spacer's exit status (rc).
term_start() {
  local rows=$1 cols=$2 id=$3 d cmd
  shift 3
  TERM_DIR=$BATS_TEST_TMPDIR/term
  d=$TERM_DIR
  mkdir -p "$d"
  mkfifo "$d/in"
  # Read-write: opening does not wait for a reader, and script never reads
  # end-of-file before term_finish.
  exec {TERM_IN}<>"$d/in"
  d=$(printf '%q' "$d")
  cmd="tty >$d/tty && stty rows $rows cols $cols && stty -g >$d/before"
  cmd+=" && $(printf '%q ' "$SPACER" --root "$ROOT" run --bundle "$BUNDLE" "$@" "$id")"
  cmd+="; echo \$? >$d/rc; stty -g >$d/after; stty size >$d/size_after"
  d=$TERM_DIR
  SHELL=/bin/bash timeout 20 script -qec "$cmd" /dev/null <"$d/in" >"$d/out" 2>&1 \
    3>&- {TERM_IN}>&- &
  TERM_PID=$!
  BG_PIDS+=("$TERM_PID")
}

# term_type TEXT: type TEXT (printf format) on the outer terminal.
term_type() {
  # shellcheck disable=SC2059
  printf "$1" >&"$TERM_IN"
}

# term_wait_for TEXT: poll up to 10 s for TEXT on the outer terminal.
term_wait_for() {
  local i
  for i in $(seq 200); do
    grep -qF -- "$1" "$TERM_DIR/out" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "\"$1\" not on the terminal; it shows: $(no_cr <"$TERM_DIR/out")" >&2
  return 1
}

# outer_tty: the outer terminal's device (valid once term_wait_for saw
# something of the container).
outer_tty() {
  cat "$TERM_DIR/tty"
}

# term_finish: wait up to 15 s for the session to end (spacer returned and
# the shell recorded what it does after), then close the input. Sets
# $term_output (the terminal's contents, without \r) and $term_rc (spacer's
# exit status).
term_finish() {
  local i
  for i in $(seq 300); do
    process_alive "$TERM_PID" || break
    sleep 0.05
  done
  exec {TERM_IN}>&-
  TERM_IN=
  term_output=$(no_cr <"$TERM_DIR/out")
  if process_alive "$TERM_PID"; then
    echo "the terminal session did not end; it shows: $term_output" >&2
    return 1
  fi
  wait "$TERM_PID" || true
  term_output=$(no_cr <"$TERM_DIR/out")
  if [ ! -s "$TERM_DIR/rc" ]; then
    echo "spacer run did not return; the terminal shows: $term_output" >&2
    return 1
  fi
  term_rc=$(cat "$TERM_DIR/rc")
}

# ---- console socket ----

@test "console socket: the program's stdin, stdout and stderr are a pty of the container's devpts" {
  set_sh_terminal 'tty; for fd in 0 1 2; do echo "$fd: $(readlink /proc/$$/fd/$fd)"; done
    '"$LIST_FDS"
  console_run c1
  [ "$tty_output" = "/dev/pts/0
0: /dev/pts/0
1: /dev/pts/0
2: /dev/pts/0
0
1
2" ]
}

@test "console socket: the pty belongs to the program's user and the tty group, as with runc" {
  update_config '.process.user = {"uid": 1000, "gid": 1000}'
  set_sh_terminal 'stat -c "%u:%g %a" $(tty)'
  console_run c1
  [ "$tty_output" = "1000:5 620" ]
}

@test "console socket: what the receiver writes into the pty is the program's input" {
  set_sh_terminal 'read line; echo "got:$line"; read line2; echo "got2:$line2"'
  console_run c1 $'hello\nworld\n'
  grep -qx 'got:hello' <<<"$tty_output"
  grep -qx 'got2:world' <<<"$tty_output"
}

@test "console socket: the pty is the controlling terminal of the init's session, its group in the foreground" {
  # /proc/PID/stat: pid (comm) state ppid pgrp session tty_nr tpgid; the
  # pts major is 136, so pts/0 is tty_nr 136 << 8.
  set_sh_terminal 'read -r _ _ _ _ pgrp sid tty_nr tpgid _ </proc/$$/stat
    echo "pgrp=$pgrp sid=$sid tty_nr=$tty_nr tpgid=$tpgid"
    [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-ttys
    : </dev/tty && echo dev-tty-opens'
  console_run c1
  [ "$tty_output" = "pgrp=1 sid=1 tty_nr=$((136 << 8)) tpgid=1
all-ttys
dev-tty-opens" ]
}

@test "console socket: process.consoleSize is the pty's size (rows height, columns width)" {
  update_config '.process.consoleSize = {"height": 37, "width": 111}'
  set_sh_terminal 'stty size'
  console_run c1
  [ "$tty_output" = "37 111" ]
}

@test "console socket: /dev/console is the program's pty, as the runtime-spec asks of process.terminal" {
  # pts majors are 136 (0x88); /dev/console is the pty itself, bind-mounted.
  set_sh_terminal 'stat -c "%F %t" /dev/console
    [ "$(stat -c %d:%i /dev/console)" = "$(stat -c %d:%i "$(tty)")" ] && echo same-as-tty
    echo through-console >/dev/console'
  console_run c1
  [ "$tty_output" = "character special file 88
same-as-tty
through-console" ]
}

@test "console socket: a /dev/console symlink in the rootfs is refused, not followed (CVE-2025-52565)" {
  # /dev from the rootfs, not a tmpfs: the image's /dev/console is what
  # spacer finds there.
  update_config '.mounts |= map(select(.destination != "/dev"))'
  echo original >"$BUNDLE/rootfs/console-target"
  ln -s /console-target "$BUNDLE/rootfs/dev/console"
  set_sh_terminal 'echo written >/dev/console'
  start_recvtty
  capture spacer_timed create --console-socket "$SOCK" --bundle "$BUNDLE" c1
  assert_error 'process\.terminal: /dev/console.*symlink'
  assert_nothing_left
  [ "$(cat "$BUNDLE/rootfs/console-target")" = original ]
  [ -L "$BUNDLE/rootfs/dev/console" ]
}

@test "console socket: the program's exit closes the pty: the receiver reads to its end" {
  set_sh_terminal 'echo first; sleep 0.2; echo last'
  console_run c1
  [ "$tty_output" = "first
last" ]
}

@test "run --console-socket: the pty goes to the socket, run waits and returns the program's status" {
  set_sh_terminal 'read line; echo "got:$line"; exit 4'
  start_recvtty $'hello\n'
  capture spacer_timed run --console-socket "$SOCK" --bundle "$BUNDLE" c1
  [ "$status" -eq 4 ] || { echo "run: status $status: $output" >&2; false; }
  # run's own stdio gets nothing: the program's output is on the pty.
  [ -z "$output" ]
  wait_recvtty
  grep -qx 'got:hello' <<<"$tty_output"
  assert_nothing_left "$RECVTTY_PID"
}

@test "run -d --console-socket: run returns at once, the program keeps the pty" {
  set_sh_terminal 'read line; echo "got:$line"'
  start_recvtty $'hello\n'
  capture spacer_timed run -d --console-socket "$SOCK" --bundle "$BUNDLE" c1
  assert_ok
  [ -z "$output" ]
  wait_recvtty
  grep -qx 'got:hello' <<<"$tty_output"
  wait_for_status c1 stopped
  spacer delete c1
  assert_nothing_left
}

# ---- runc's rules ----

@test "create with process.terminal and no --console-socket is refused, nothing is created" {
  set_sh_terminal 'echo should-not-run'
  capture spacer_timed create --bundle "$BUNDLE" c1
  assert_error "console-socket"
  assert_nothing_left
}

@test "run -d with process.terminal and no --console-socket is refused, nothing is created" {
  set_sh_terminal 'echo should-not-run'
  capture spacer_timed run -d --bundle "$BUNDLE" c1
  assert_error "console-socket"
  assert_nothing_left
}

@test "--console-socket with process.terminal false is refused (create, run, run -d); the socket gets nothing" {
  set_args sh -c 'echo should-not-run'
  start_recvtty
  capture spacer_timed create --console-socket "$SOCK" --bundle "$BUNDLE" c1
  assert_error "console-socket|terminal"
  assert_nothing_left
  capture spacer_timed run --console-socket "$SOCK" --bundle "$BUNDLE" c1
  assert_error "console-socket|terminal"
  assert_nothing_left
  capture spacer_timed run -d --console-socket "$SOCK" --bundle "$BUNDLE" c1
  assert_error "console-socket|terminal"
  assert_nothing_left
  # recvtty still waits for a connection: none was accepted.
  process_alive "$RECVTTY_PID"
  [ -S "$SOCK" ]
}

@test "--console-socket PATH nobody listens on: a missing path, a stale socket; one error, nothing created" {
  set_sh_terminal 'echo should-not-run'
  # A stale socket: its listener died before accepting.
  start_recvtty
  kill -KILL "$RECVTTY_PID"
  wait "$RECVTTY_PID" || true
  [ -S "$SOCK" ]
  local path
  for path in "$BATS_TEST_TMPDIR/no-such.sock" "$SOCK"; do
    capture spacer_timed create --console-socket "$path" --bundle "$BUNDLE" c1
    assert_error "console-socket" || { echo "(create, $path)" >&2; return 1; }
    assert_nothing_left
    capture spacer_timed run --console-socket "$path" --bundle "$BUNDLE" c1
    assert_error "console-socket" || { echo "(run, $path)" >&2; return 1; }
    assert_nothing_left
  done
}

# ---- run in the foreground with a terminal ----

@test "run in the foreground with a terminal: the program has a pty, typed input reaches it, its status is spacer's" {
  set_sh_terminal 'tty; [ -t 0 ] && [ -t 1 ] && echo is-a-tty; echo ready; read line; echo "got:$line"; exit 5'
  term_start 24 80 c1
  term_wait_for ready
  term_type 'hello\n'
  term_finish
  grep -qx /dev/pts/0 <<<"$term_output"
  grep -qx is-a-tty <<<"$term_output"
  grep -qx got:hello <<<"$term_output"
  [ "$term_rc" -eq 5 ] || { echo "spacer run returned $term_rc, the program 5" >&2; false; }
  assert_nothing_left
}

@test "run in the foreground: the pty has the outer terminal's size, not process.consoleSize" {
  update_config '.process.consoleSize = {"height": 24, "width": 80}'
  # The program's first act: the size must be right from the start, not
  # only after a SIGWINCH.
  update_config '.process.terminal = true'
  set_args stty size
  # Several times: a race would show in one of them.
  local i
  for i in 1 2 3 4 5 6; do
    term_start 33 99 "c$i"
    term_finish
    [ "$term_output" = "33 99" ] || { echo "run $i: the program saw: $term_output" >&2; return 1; }
    [ "$term_rc" -eq 0 ]
    BG_PIDS=()
    rm -rf "$TERM_DIR"
  done
  [ "$term_rc" -eq 0 ]
}

@test "run in the foreground: the outer terminal is raw while the program runs and restored afterwards" {
  set_sh_terminal 'echo ready; read line; echo "got:$line"'
  term_start 24 80 c1
  term_wait_for ready
  local during
  during=$(stty -F "$(outer_tty)" -a)
  # cfmakeraw: no line editing, no echo, no signals from keys, no output
  # processing.
  [[ " ${during//$'\n'/ } " == *" -icanon "* ]] || { echo "not raw: $during" >&2; false; }
  [[ " ${during//$'\n'/ } " == *" -echo "* ]]
  [[ " ${during//$'\n'/ } " == *" -isig "* ]]
  [[ " ${during//$'\n'/ } " == *" -opost "* ]]
  term_type 'hello\n'
  term_finish
  grep -qx got:hello <<<"$term_output"
  # Raw: the outer terminal did not echo the line, only the container's pty did.
  [ "$(grep -cx hello <<<"$term_output")" -eq 1 ] || { echo "echoes: $term_output" >&2; false; }
  [ "$(cat "$TERM_DIR/before")" = "$(cat "$TERM_DIR/after")" ] || {
    echo "terminal not restored: before $(cat "$TERM_DIR/before"), after $(cat "$TERM_DIR/after")" >&2
    false
  }
  [ "$(cat "$TERM_DIR/size_after")" = "24 80" ]
}

@test "run in the foreground: a resize of the outer terminal (SIGWINCH) reaches the pty" {
  # The same size as the outer terminal's: the size at the very start is the
  # business of the test above.
  update_config '.process.consoleSize = {"height": 24, "width": 80}'
  set_sh_terminal 'echo "size:$(stty size)"; echo ready; i=0
    while [ "$(stty size)" != "40 100" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
    echo "resized:$(stty size)"'
  term_start 24 80 c1
  term_wait_for ready
  # The kernel signals SIGWINCH to the outer terminal's foreground group,
  # spacer's.
  stty -F "$(outer_tty)" rows 40 cols 100
  term_finish
  grep -qx 'size:24 80' <<<"$term_output"
  grep -qx 'resized:40 100' <<<"$term_output" || { echo "terminal: $term_output" >&2; false; }
  [ "$term_rc" -eq 0 ]
}

@test "run in the foreground: an interactive shell reads commands from the terminal" {
  update_config '.process.terminal = true | .process.args = ["sh"]'
  term_start 24 80 c1
  term_wait_for '# '
  term_type 'echo inside-$((6*7)); exit 3\n'
  term_finish
  grep -qx inside-42 <<<"$term_output" || { echo "terminal: $term_output" >&2; false; }
  [ "$term_rc" -eq 3 ]
  [ "$(cat "$TERM_DIR/before")" = "$(cat "$TERM_DIR/after")" ]
  assert_nothing_left
}

@test "run in the foreground with a terminal but stdin not one (/dev/null, a pipe) fails at once, creates nothing" {
  # A shell on the pty would wait for input that never comes, as runc knows.
  set_sh_terminal 'echo started'
  capture timeout -k 5 10 "$SPACER" --root "$ROOT" run --bundle "$BUNDLE" c1
  assert_error "^spacer: $(ere_quote "$BUNDLE/config.json"): process\.terminal: standard input is not a terminal"
  assert_nothing_left
  status=0
  output=$(echo input | timeout -k 5 10 "$SPACER" --root "$ROOT" run --bundle "$BUNDLE" c1 2>&1) \
    || status=$?
  assert_error "process\.terminal: standard input is not a terminal"
  assert_nothing_left
}

# ---- file descriptors ----

@test "run --preserve-fds 2: the program gets fds 3 and 4, not the caller's fd 5" {
  write_file three "content of three"
  write_file four "content of four"
  write_file five "content of five"
  # ls runs as a child of sh and lists sh's descriptors: exactly those the
  # program got.
  set_args sh -c 'cat <&3; cat <&4; '"$LIST_FDS"
  capture spacer_timed run --preserve-fds 2 --bundle "$BUNDLE" c1 \
    3<"$BATS_TEST_TMPDIR/three" 4<"$BATS_TEST_TMPDIR/four" 5<"$BATS_TEST_TMPDIR/five"
  assert_ok
  assert_output "content of three
content of four
0
1
2
3
4"
}

@test "run without --preserve-fds: only 0 1 2 reach the program, whatever else the caller has open" {
  write_file three "content of three"
  write_file seven "content of seven"
  set_args sh -c "$LIST_FDS"
  capture spacer_timed run --bundle "$BUNDLE" c1 3<"$BATS_TEST_TMPDIR/three" 7<"$BATS_TEST_TMPDIR/seven"
  assert_ok
  assert_output "0
1
2"
  # Also with bats' own fd 3 as it is.
  capture spacer_timed run --bundle "$BUNDLE" c2
  assert_ok
  assert_output "0
1
2"
}

@test "run --preserve-fds 0 passes nothing; a count that is not a number is refused" {
  write_file three "content of three"
  set_args sh -c "$LIST_FDS"
  capture spacer_timed run --preserve-fds 0 --bundle "$BUNDLE" c1 3<"$BATS_TEST_TMPDIR/three"
  assert_ok
  assert_output "0
1
2"
  local n
  for n in abc -1 2x ""; do
    capture spacer_timed run --preserve-fds "$n" --bundle "$BUNDLE" c1
    assert_error "preserve-fds" || { echo "(--preserve-fds '$n')" >&2; return 1; }
    assert_nothing_left
  done
}

@test "run --preserve-fds 3 with only fd 3 open in the caller: none of spacer's own fds (host directories) become 4 and 5" {
  write_file three "content of three"
  set_args sh -c 'cat <&3; '"$LIST_FDS"
  capture spacer_timed run --preserve-fds 3 --bundle "$BUNDLE" c1 3<"$BATS_TEST_TMPDIR/three" 4<&- 5<&-
  assert_ok
  assert_output "content of three
0
1
2
3"
}

@test "create --preserve-fds 3 with only fd 3 open: start works, and no fd of the runtime becomes the program's 4 or 5" {
  write_file three "content of three"
  # An fd of the runtime on a host directory (the state directory, say)
  # would let the program open files outside its root: list what the
  # program's fds 4 and 5 lead to, if anything.
  set_args sh -c 'for fd in 4 5; do [ -e /proc/$$/fd/$fd ] && echo "fd $fd: $(readlink /proc/$$/fd/$fd)"; done; '"$LIST_FDS"
  spacer_timed create --preserve-fds 3 --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/c1.pid" c1 \
    >"$BATS_TEST_TMPDIR/c1.log" 2>&1 </dev/null 3<"$BATS_TEST_TMPDIR/three" 4<&- 5<&-
  guarded_start c1
  wait_for_status c1 stopped
  [ "$(container_log c1)" = "0
1
2
3" ] || { echo "the program's fds: $(container_log c1)" >&2; false; }
}

@test "create --preserve-fds 2, then start: the program gets fds 3 and 4, not 5" {
  write_file three "content of three"
  write_file four "content of four"
  write_file five "content of five"
  set_args sh -c 'cat <&3; cat <&4; '"$LIST_FDS"
  spacer_timed create --preserve-fds 2 --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/c1.pid" c1 \
    >"$BATS_TEST_TMPDIR/c1.log" 2>&1 </dev/null \
    3<"$BATS_TEST_TMPDIR/three" 4<"$BATS_TEST_TMPDIR/four" 5<"$BATS_TEST_TMPDIR/five"
  guarded_start c1
  wait_for_status c1 stopped
  [ "$(container_log c1)" = "content of three
content of four
0
1
2
3
4" ]
}

@test "create without --preserve-fds: the waiting init and the program hold none of the caller's fds" {
  write_file seven "content of seven"
  set_args sh -c "$LIST_FDS"
  # bats' own fd 3 stays open here too.
  spacer_timed create --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/c1.pid" c1 \
    >"$BATS_TEST_TMPDIR/c1.log" 2>&1 </dev/null \
    7<"$BATS_TEST_TMPDIR/seven"
  local pid fd
  pid=$(state_field c1 pid)
  # The init outlives create: it already let go of fd 7 (and 3) while it
  # waits for start.
  for fd in "/proc/$pid/fd/"*; do
    if [ "$(readlink "$fd")" = "$BATS_TEST_TMPDIR/seven" ]; then
      echo "the created init holds the caller's file as fd ${fd##*/}" >&2
      return 1
    fi
  done
  guarded_start c1
  wait_for_status c1 stopped
  [ "$(container_log c1)" = "0
1
2" ]
}

@test "socket activation: LISTEN_FDS=1 with LISTEN_PID=spacer's pid passes fd 3, the program sees LISTEN_FDS=1 LISTEN_PID=1" {
  write_file listen "content of the listen fd"
  set_args sh -c 'env | grep ^LISTEN_ | sort; cat <&3; '"$LIST_FDS"
  # exec keeps bash's pid: LISTEN_PID is spacer's own.
  capture timeout 20 bash -c 'exec env LISTEN_FDS=1 LISTEN_PID=$$ "$@"' _ \
    "$SPACER" --root "$ROOT" run --bundle "$BUNDLE" c1 3<"$BATS_TEST_TMPDIR/listen"
  assert_ok
  assert_output "LISTEN_FDS=1
LISTEN_PID=1
content of the listen fd
0
1
2
3"
}

@test "socket activation: LISTEN_PID of another process passes nothing and sets no LISTEN_ variables" {
  write_file listen "content of the listen fd"
  set_args sh -c 'env | grep ^LISTEN_; '"$LIST_FDS"
  capture timeout 20 bash -c 'exec env LISTEN_FDS=1 LISTEN_PID=$PPID "$@"' _ \
    "$SPACER" --root "$ROOT" run --bundle "$BUNDLE" c1 3<"$BATS_TEST_TMPDIR/listen"
  assert_ok
  assert_output "0
1
2"
  # Nor LISTEN_FDS without LISTEN_PID.
  capture timeout 20 env LISTEN_FDS=1 "$SPACER" --root "$ROOT" run --bundle "$BUNDLE" c2 \
    3<"$BATS_TEST_TMPDIR/listen"
  assert_ok
  assert_output "0
1
2"
}

@test "socket activation with --preserve-fds 1: the listen fd is 3, the preserved one 4, LISTEN_FDS stays 1" {
  write_file listen "content of the listen fd"
  write_file extra "content of the preserved fd"
  set_args sh -c 'env | grep ^LISTEN_ | sort; cat <&3; cat <&4; '"$LIST_FDS"
  capture timeout 20 bash -c 'exec env LISTEN_FDS=1 LISTEN_PID=$$ "$@"' _ \
    "$SPACER" --root "$ROOT" run --preserve-fds 1 --bundle "$BUNDLE" c1 \
    3<"$BATS_TEST_TMPDIR/listen" 4<"$BATS_TEST_TMPDIR/extra"
  assert_ok
  assert_output "LISTEN_FDS=1
LISTEN_PID=1
content of the listen fd
content of the preserved fd
0
1
2
3
4"
}

@test "socket activation with create and start: the listen fds reach the program" {
  write_file l1 "content of listen 1"
  write_file l2 "content of listen 2"
  set_args sh -c 'env | grep ^LISTEN_ | sort; cat <&3; cat <&4; '"$LIST_FDS"
  timeout 20 bash -c 'exec env LISTEN_FDS=2 LISTEN_PID=$$ "$@"' _ \
    "$SPACER" --root "$ROOT" create --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/c1.pid" c1 \
    >"$BATS_TEST_TMPDIR/c1.log" 2>&1 </dev/null \
    3<"$BATS_TEST_TMPDIR/l1" 4<"$BATS_TEST_TMPDIR/l2"
  guarded_start c1
  wait_for_status c1 stopped
  [ "$(container_log c1)" = "LISTEN_FDS=2
LISTEN_PID=1
content of listen 1
content of listen 2
0
1
2
3
4" ]
}

@test "console socket with --preserve-fds 1: the pty is stdio and fd 3 is the preserved one" {
  write_file three "content of three"
  set_sh_terminal 'cat <&3; for fd in 0 1 2; do echo "$fd: $(readlink /proc/$$/fd/$fd)"; done
    '"$LIST_FDS"
  start_recvtty
  spacer_timed create --console-socket "$SOCK" --preserve-fds 1 --bundle "$BUNDLE" \
    --pid-file "$BATS_TEST_TMPDIR/c1.pid" c1 \
    >"$BATS_TEST_TMPDIR/c1.log" 2>&1 </dev/null 3<"$BATS_TEST_TMPDIR/three"
  guarded_start c1
  wait_recvtty
  [ "$tty_output" = "content of three
0: /dev/pts/0
1: /dev/pts/0
2: /dev/pts/0
0
1
2
3" ]
}

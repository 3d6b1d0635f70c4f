#!/usr/bin/env bats
# CVE-2019-5736: no container can write the runtime's binary through /proc/PID/exe.
# Every process spacer puts into a container's namespaces must run from an
# image that cannot be written through /proc/PID/exe, however it got there:
# the init of a default config running a program that turns out to be
# spacer itself, `/proc/self/exe` as the program, an init in a pid
# namespace another container shares, and an in-container hook.
#
# Each test runs a copy of spacer made for it (spacer_copy) and attacks
# that copy with fixtures/exe/exe-attack.c: open the image through
# /proc/PID/exe for writing; open it for reading, keep the descriptor and
# write through it once no runtime runs (the kernel refuses writes to a
# running binary); against a read-only mount, clear its flag, clone it or
# move it into its own namespace. The test then checks what the attacker
# reported and that the copy's SHA-256 did not change. A control shows the
# same attack writing where a read-only mount is left open to it.

load helpers

bats_require_minimum_version 1.5.0

setup_file() {
  mkdir "$BATS_FILE_TMPDIR/no-rootfs"
  cp -a "$SPACER_TEST_ROOTFS" "$BATS_FILE_TMPDIR/rootfs"
  gcc -static -O2 -Wall -o "$BATS_FILE_TMPDIR/rootfs/bin/exe-attack" \
    "$BATS_TEST_DIRNAME/fixtures/exe/exe-attack.c"
  gcc -O2 -Wall -o "$BATS_FILE_TMPDIR/ro-exec" "$BATS_TEST_DIRNAME/fixtures/exe/ro-exec.c"
}

setup() {
  # As in security.bats: the bundle hardlinks this file's rootfs; tests
  # replace files, never write to them.
  SPACER_TEST_ROOTFS=$BATS_FILE_TMPDIR/no-rootfs setup_bundle
  rmdir "$BUNDLE/rootfs"
  cp -al "$BATS_FILE_TMPDIR/rootfs" "$BUNDLE/rootfs"
  BG_PIDS=()
  # The attacker's report (and the tests' fifos) live here, bound at /out.
  OUT=$BATS_TEST_TMPDIR/out
  bind_host_dir "$OUT" /out
  REPORT=$OUT/report
  spacer_copy
  COPY_HASH=$(sha256sum <"$SPACER_COPY")
}

teardown() {
  end_background_jobs
  teardown_containers
}

# ---- helpers of this file ----

# attack_from_mount_ns PID TARGET: the attacker (exe-attack --enter, see
# there) in the mount namespace and root of the container whose init is
# PID, with the capabilities of the process it attacks there, TARGET: an
# ordinary container process, but one that outlives the container's pid 1,
# which is what makes the attack work once the runtime is gone.
attack_from_mount_ns() {
  "$BUNDLE/rootfs/bin/exe-attack" --enter "$1" "$2" /out/report </dev/null >/dev/null 2>&1 &
  BG_PIDS+=("$!")
}

# wait_for_report [LINE]: poll up to 30 s for a report line starting with
# LINE (default: "done", the attacker's last word).
wait_for_report() {
  local i
  for i in $(seq 600); do
    grep -q "^${1:-done}" "$REPORT" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "no \"${1:-done}\" in the attacker's report: $(cat "$REPORT" 2>&1)" >&2
  return 1
}

# assert_not_written: the attacker finished, nothing it opened took a
# write, and the copy of spacer is byte for byte what it was.
assert_not_written() {
  wait_for_report
  echo "attacker: $(cat "$REPORT")" >&2
  ! grep -q '^written' "$REPORT"
  [ "$(sha256sum <"$SPACER_COPY")" = "$COPY_HASH" ]
}

# spacer_may_run_in_image: the rootfs gets the dynamic loader and
# libraries spacer links (any Debian image has most of them), as a hostile
# image would, and /out/log is a fifo: spacer run as the container's pid 1
# with --log=/out/log blocks opening it, still spacer, until
# attack_spacer_as_pid1 lets it go on.
spacer_may_run_in_image() {
  local lib
  for lib in $(ldd "$SPACER_COPY" | grep -o '/[^ ]*'); do
    mkdir -p "$BUNDLE/rootfs$(dirname "$lib")"
    cp -L "$lib" "$BUNDLE/rootfs$lib"
  done
  mkfifo "$OUT/log"
}

# attack_spacer_as_pid1: container c1, made and started by the copy,
# whose program turns out to be spacer (how, the test says); the attacker
# takes the exe of its pid 1, which then goes on and ends the container.
attack_spacer_as_pid1() {
  copy_spacer create --bundle "$BUNDLE" c1 >"$BATS_TEST_TMPDIR/c1.log" 2>&1 </dev/null
  copy_spacer start c1
  attack_from_mount_ns "$(state_field c1 pid)" 1
  wait_for_report "open /proc/1/exe for reading"
  timeout -k 5 10 cat "$OUT/log" >/dev/null
  wait_for_status c1 stopped
}

# ---- the control ----

@test "control: the attacker writes through a read-only clone whose namespace still lives" {
  # What the exec spares spacer: while a descriptor from open_tree keeps
  # the clone's anonymous mount namespace, CAP_SYS_ADMIN makes it writable
  # again (exe-attack's unwrap): the attack of the tests below works where
  # it can. The victim is a copy of sleep; the attacker
  # runs in a mount namespace of its own, where its move_mount dies with it.
  local victim=$BATS_TEST_TMPDIR/victim before
  cp "$(command -v sleep)" "$victim"
  before=$(sha256sum <"$victim")
  "$BATS_FILE_TMPDIR/ro-exec" 4 "$victim" 2 >"$BATS_TEST_TMPDIR/victim.pid" &
  BG_PIDS+=("$!")
  wait_for_file "$BATS_TEST_TMPDIR/victim.pid"
  unshare -m --propagation private "$BUNDLE/rootfs/bin/exe-attack" \
    "$(cat "$BATS_TEST_TMPDIR/victim.pid")" "$REPORT"
  cat "$REPORT" >&2
  grep -q '^written' "$REPORT"
  [ "$(sha256sum <"$victim")" != "$before" ]
}

@test "control: spacer will not run from a read-only clone whose namespace still lives" {
  # The check behind the control above: spacer's image must be in no
  # mount namespace (a forked child of a threaded program embedding
  # libspacer could hold the clone's descriptor). Given the mark for such
  # a clone, spacer fails closed and creates nothing.
  capture "$BATS_FILE_TMPDIR/ro-exec" --mark 0 "$SPACER_COPY" --root "$ROOT" run \
    --bundle "$BUNDLE" c1
  stdout=$(sed 1d <<<"$stdout") # ro-exec's line, the child's pid
  output=$stderr
  assert_error 'CVE-2019-5736: the re-executed spacer does not run from its protected image'
  assert_nothing_left
}

# ---- the image ----

@test "CVE-2019-5736: as root the init runs from spacer's own file, through a read-only mount" {
  # Nothing copied: the same inode; and no path through that mount opens
  # it for writing, for root neither.
  set_args sleep 100
  copy_spacer create --bundle "$BUNDLE" c1 >"$BATS_TEST_TMPDIR/c1.log" 2>&1 </dev/null
  local exe
  exe=/proc/$(state_field c1 pid)/exe
  [ "$(stat -L -c %d:%i "$exe")" = "$(stat -c %d:%i "$SPACER_COPY")" ]
  [ -w "$SPACER_COPY" ]
  [ ! -w "$exe" ]
}

# ---- the attacks ----

# create_traced ARGS...: spacer ARGS by the copy under strace, which
# records the runtime's execs, its calls to brk and the files it opens.
# LeakSanitizer does not run under ptrace.
create_traced() {
  set_args sleep 100
  without_leak_check strace -qq -o "$BATS_TEST_TMPDIR/trace" -e trace=execve,execveat,brk,openat \
    "$SPACER_COPY" --root "$ROOT" "$@" >"$BATS_TEST_TMPDIR/c1.log" 2>&1 </dev/null
}

# reexec_before_libc: did the runtime re-execute itself (execveat of a
# descriptor) before the C library's start moved its break, and before
# main read its command line back for a re-execution (sealed.c)? "early"
# if so, "late" if after one of them.
reexec_before_libc() {
  awk '/^execveat\(.*AT_EMPTY_PATH/ { print "early"; exit }
       /^brk\(0x/ || /"\/proc\/self\/cmdline"/ { print "late"; exit }' "$BATS_TEST_TMPDIR/trace"
}

# init_runs_from_read_only_copy ID: as the test above.
init_runs_from_read_only_copy() {
  local exe=/proc/$(state_field "$1" pid)/exe
  [ "$(stat -L -c %d:%i "$exe")" = "$(stat -c %d:%i "$SPACER_COPY")" ]
  [ ! -w "$exe" ]
}

@test "CVE-2019-5736: create re-executes spacer from the read-only clone before its C library starts" {
  require_arch x86_64
  create_traced --debug create --bundle "$BUNDLE" c1
  [ "$(reexec_before_libc)" = early ]
  [ "$(grep -c '^execveat(' "$BATS_TEST_TMPDIR/trace")" -eq 1 ]
  init_runs_from_read_only_copy c1
}

@test "CVE-2019-5736: where the early re-execution steps aside (an option it does not know), create still re-executes" {
  # --log-f is getopt's abbreviation of --log-format, which the entry
  # point's scan does not take: the command re-executes itself, later.
  create_traced --log-f text create --bundle "$BUNDLE" c1
  [ "$(reexec_before_libc)" = late ]
  [ "$(grep -c '^execveat(' "$BATS_TEST_TMPDIR/trace")" -eq 1 ]
  init_runs_from_read_only_copy c1
}

@test "CVE-2019-5736: commands that start no container process are not re-executed" {
  create_traced state nothing-here || true
  [ "$(grep -c '^execveat(' "$BATS_TEST_TMPDIR/trace")" -eq 0 ]
}

@test "CVE-2019-5736: an image whose program is #!/proc/self/exe cannot write spacer through /proc/1/exe" {
  # A default config, a hostile image: its `true` runs spacer, the image
  # the init executes from, as the container's pid 1.
  spacer_may_run_in_image
  rm "$BUNDLE/rootfs/bin/true"
  printf '#!/proc/self/exe --log=/out/log\n' >"$BUNDLE/rootfs/bin/true"
  chmod 755 "$BUNDLE/rootfs/bin/true"
  attack_spacer_as_pid1
  assert_not_written
}

@test "CVE-2019-5736: /proc/self/exe as the program cannot write spacer through /proc/1/exe" {
  spacer_may_run_in_image
  set_args /proc/self/exe --log=/out/log state c1
  attack_spacer_as_pid1
  assert_not_written
}

@test "CVE-2019-5736: a container sharing its pid namespace cannot write spacer through the init's exe" {
  # The attacker is pid 1 of container a, with CAP_SYS_PTRACE (the init
  # being undumpable stops no one else). Container b joins a's pid
  # namespace; its init is spacer until start.
  update_config '.process.capabilities |= with_entries(.value += ["CAP_SYS_PTRACE"])'
  set_args /bin/exe-attack scan /out/report
  spacer run --detach --bundle "$BUNDLE" a </dev/null >"$BATS_TEST_TMPDIR/a.log" 2>&1
  update_config '.process.capabilities |= with_entries(.value -= ["CAP_SYS_PTRACE"])'
  join_namespace pid "/proc/$(state_field a pid)/ns/pid"
  set_args true
  copy_spacer create --bundle "$BUNDLE" b >"$BATS_TEST_TMPDIR/b.log" 2>&1 </dev/null
  wait_for_report "open /proc/"
  copy_spacer start b
  wait_for_status b stopped
  copy_spacer delete b
  assert_not_written
}

@test "CVE-2019-5736: an in-container hook cannot write spacer through /proc/1/exe, nor unwrap it" {
  # startContainer runs in the container with the runtime's capabilities,
  # CAP_SYS_ADMIN included, while pid 1 is still spacer: it may also try
  # to make a read-only mount writable again.
  update_config '.hooks.startContainer = [{"path": "/bin/exe-attack",
    "args": ["exe-attack", "--daemon", "1", "/out/report"]}]'
  set_args sleep 100
  copy_spacer create --bundle "$BUNDLE" c1 >"$BATS_TEST_TMPDIR/c1.log" 2>&1 </dev/null
  # start returns once the init executed sleep: no spacer runs now.
  copy_spacer start c1
  assert_not_written
}

@test "CVE-2019-5736: a program embedding libspacer cannot be written by an in-container hook" {
  # What the container could reach is the embedding program's own binary
  # (a copy of tests/tools/lib-create), which gives the library no argv:
  # the library re-executes it from a protected image all the same.
  SPACER_COPY=$BATS_TEST_TMPDIR/lib-create-copy
  cp "$LIB_CREATE" "$SPACER_COPY"
  COPY_HASH=$(sha256sum <"$SPACER_COPY")
  update_config '.hooks.startContainer = [{"path": "/bin/exe-attack",
    "args": ["exe-attack", "--daemon", "1", "/out/report"]}]'
  set_args sleep 100
  "$SPACER_COPY" "$ROOT" "$BUNDLE" c1 >"$BATS_TEST_TMPDIR/c1.log" 2>&1 </dev/null
  spacer start c1
  assert_not_written
}

@test "CVE-2019-5736: spacer not running from the image made for it fails, and creates nothing" {
  # The mark a re-execution leaves for the new image (sealed.c) names the
  # process and the image: here this very process, and an image it does
  # not run from. It must fail closed, not start a container.
  capture sh -c 'export _SPACER_SEALED_IMAGE=$$:memfd; exec "$0" --root "$1" run --bundle "$2" c1' \
    "$SPACER_COPY" "$ROOT" "$BUNDLE"
  assert_error 'CVE-2019-5736: the re-executed spacer does not run from its protected image'
  assert_nothing_left
  # A mark for another process (inherited from a re-executed parent, say)
  # is not this one's business: it protects itself and runs.
  _SPACER_SEALED_IMAGE=1:memfd capture copy_spacer run --bundle "$BUNDLE" c2
  assert_ok
}

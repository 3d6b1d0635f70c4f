#!/usr/bin/env bats
# shellcheck disable=SC2016 # the programs' scripts are for the container's sh
# shellcheck disable=SC2154 # stdout and stderr: set by capture (helpers.bash)
# `spacer launch`: a one-shot run of a rootfs from flags, with no
# config.json. Each flag is checked by what the program sees; the run
# leaves nothing (state, cgroup); --print-config runs the same from a
# bundle; bad flags fail at once, on one line, creating nothing.

load helpers

bats_require_minimum_version 1.5.0

setup() {
  # The suite's bundle; launch uses its rootfs in place and never reads
  # its config.json (which --print-config tests overwrite).
  setup_bundle
  ROOTFS=$BUNDLE/rootfs
  BG_PIDS=()
  # Where launch makes its private directory (the bundle it records, and
  # an unpacked image): checked to be empty after each launch.
  export TMPDIR=$BATS_TEST_TMPDIR/tmp
  mkdir "$TMPDIR"
}

teardown() {
  end_background_jobs
  teardown_containers
  [ -z "${WORK:-}" ] || rm -rf -- "$WORK"
}

# ---- helpers of this file ----

# launch FLAGS... [-- CMD...]: spacer launch with this test's state
# directory; -e SPACER_TEST_MARK passes the caller's mark on (see
# setup_bundle), so the test's processes are found and checked.
launch() {
  "$SPACER" --root "$ROOT" launch -e SPACER_TEST_MARK "$@"
}

# launch_in_background NAME READY FLAGS... [-- CMD...]: launch --name NAME
# as a background job (under timeout, whose PID is RUNNER) until the
# program printed READY; its output goes to $BATS_TEST_TMPDIR/NAME.log.
# LAUNCH_PID is spacer's own PID, the parent of the container's init.
launch_in_background() {
  local name=$1 ready=$2
  shift 2
  spacer_in_background "$name" "$ready" launch -e SPACER_TEST_MARK --name "$name" "$@"
  LAUNCH_PID=$SPACER_PID
}

# launch_unnamed_in_background FLAGS... [-- CMD...]: the same without
# --name, output discarded.
launch_unnamed_in_background() {
  timeout -k 5 60 "$SPACER" --root "$ROOT" launch -e SPACER_TEST_MARK "$@" >/dev/null 2>&1 </dev/null &
  RUNNER=$!
  BG_PIDS+=("$RUNNER")
}

# wait_for_exit PID: wait up to 5 s for a background job to end; its exit
# status in EXIT_STATUS.
wait_for_exit() {
  wait_until process_gone "$1"
  EXIT_STATUS=0
  wait "$1" || EXIT_STATUS=$?
}

# cgroup_file CONTROLLER V1_FILE V2_FILE: the program's script that prints
# the container's own limit, as its cgroup namespace shows it: v1's file
# of the controller's hierarchy, or cgroup2's.
cgroup_file() {
  echo "cat /sys/fs/cgroup/$1/$2 2>/dev/null || cat /sys/fs/cgroup/$3"
}

# nothing_in_tmpdir: no directory of launch's is left in $TMPDIR.
nothing_in_tmpdir() {
  local left
  left=$(ls -A "$TMPDIR")
  [ -z "$left" ] || {
    echo "left in $TMPDIR: $left" >&2
    return 1
  }
}

# some_container_listed: spacer list shows a container.
some_container_listed() {
  [ -n "$(spacer list -q)" ]
}

# assert_nothing_created: a refused launch made no state directory, no
# cgroup, no private directory and no process.
assert_nothing_created() {
  if [ -e "$ROOT" ]; then
    echo "state directory made: $(ls -A "$ROOT")" >&2
    return 1
  fi
  [ -z "$(leaked_cgroups)" ]
  nothing_in_tmpdir
  assert_nothing_left
}

# ---- the program and its status ----

@test "launch: the program runs in the rootfs with the caller's stdio, and its status is launch's" {
  capture launch --rootfs "$ROOTFS" -- sh -c 'echo out; echo err >&2; exit 7'
  [ "$status" -eq 7 ]
  [ "$stdout" = out ]
  [ "$stderr" = err ]
  nothing_in_tmpdir
  assert_nothing_left
}

@test "launch: without a command the program is sh, reading the caller's stdin" {
  run launch --rootfs "$ROOTFS" <<<'echo from-sh; exit 3'
  [ "$status" -eq 3 ]
  assert_output from-sh
  assert_nothing_left
}

@test "launch: a program killed by signal N exits 128+N" {
  launch_in_background k1 ready --rootfs "$ROOTFS" -- sh -c 'echo ready; exec sleep 100'
  spacer kill k1 KILL
  wait_for_exit "$RUNNER"
  [ "$EXIT_STATUS" -eq 137 ]
  nothing_in_tmpdir
  assert_nothing_left
}

@test "launch: INT and TERM to spacer are the program's: a handler decides, no handler ends it" {
  launch_in_background h1 ready --rootfs "$ROOTFS" -- \
    sh -c 'trap "echo handled; exit 7" TERM; echo ready; while :; do sleep 0.05; done'
  kill -TERM "$LAUNCH_PID"
  wait_for_exit "$RUNNER"
  [ "$EXIT_STATUS" -eq 7 ]
  grep -qx handled "$BATS_TEST_TMPDIR/h1.log"

  # sleep as the pid namespace's init would never hear INT: spacer kills it.
  launch_in_background h2 ready --rootfs "$ROOTFS" -- sh -c 'echo ready; exec sleep 100'
  kill -INT "$LAUNCH_PID"
  wait_for_exit "$RUNNER"
  [ "$EXIT_STATUS" -eq 137 ]
  assert_nothing_left
}

@test "launch: a program that cannot be executed fails launch (125) on one line, leaving nothing" {
  capture launch --rootfs "$ROOTFS" -- no-such-program
  assert_error 'launch: .*no-such-program'
  [ "$status" -eq 125 ]
  nothing_in_tmpdir
  assert_nothing_left
}

# ---- while it runs, and after ----

@test "launch: while it runs, list, state and exec work, with its cgroup; at the end nothing is left" {
  require_cgroup_controller pids
  capture launch --rootfs "$ROOTFS" --hostname r1 --print-config -- sh -c 'echo ready; exec sleep 100'
  local printed=$stdout
  launch_in_background r1 ready --rootfs "$ROOTFS" --hostname r1 -- sh -c 'echo ready; exec sleep 100'
  run spacer list -q
  assert_output r1
  [ "$(state_field r1 status)" = running ]
  [ "$(state_field r1 rootfs)" = "$(realpath "$ROOTFS")" ]
  # The bundle is launch's private directory, holding the config it ran
  # as the record of it (never the config.json beside the rootfs).
  local bundle
  bundle=$(state_field r1 bundle)
  [[ $bundle == "$(realpath "$TMPDIR")"/spacer-launch-* ]]
  [ "$(stat -c %a "$bundle")" = 700 ]
  [ "$(cat "$bundle/config.json")" = "$printed" ]
  capture spacer exec r1 hostname
  assert_ok
  assert_output r1
  # The cgroup is below our own, where the suite looks for leaks.
  [ -n "$(leaked_cgroups)" ]
  spacer kill r1 KILL
  wait_for_exit "$RUNNER"
  [ "$EXIT_STATUS" -eq 137 ]
  [ -z "$(spacer list -q)" ]
  [ -z "$(state_left)" ]
  [ -z "$(leaked_cgroups)" ]
  nothing_in_tmpdir
  assert_nothing_left
}

@test "launch: without --name, each run gets an ID of its own, launch- and 12 hex digits" {
  launch_unnamed_in_background --rootfs "$ROOTFS" -- sleep 100
  wait_until some_container_listed
  local first
  first=$(spacer list -q)
  [[ $first =~ ^launch-[0-9a-f]{12}$ ]]
  # A second one meanwhile: another ID.
  capture launch --rootfs "$ROOTFS" -- sh -c 'exit 4'
  [ "$status" -eq 4 ]
  run spacer list -q
  assert_output "$first"
  spacer kill "$first" KILL
  wait_for_exit "$RUNNER"
  [ "$EXIT_STATUS" -eq 137 ]
  assert_nothing_left
}

@test "launch --name: an ID in use is refused, and the running container is untouched" {
  launch_in_background n1 ready --rootfs "$ROOTFS" -- sh -c 'echo ready; exec sleep 100'
  capture launch --rootfs "$ROOTFS" --name n1 -- true
  assert_error 'n1.*exists'
  [ "$status" -eq 125 ]
  [ "$(state_field n1 status)" = running ]
  spacer kill n1 KILL
  wait_for_exit "$RUNNER"
  assert_nothing_left
}

@test "launch --name: a bad ID is refused before anything exists" {
  capture launch --rootfs "$ROOTFS" --name ../x -- true
  assert_error 'launch: --name'
  assert_nothing_created
}

# ---- each flag, by its effect ----

@test "launch --hostname: the container's hostname" {
  capture launch --rootfs "$ROOTFS" --hostname box1 -- hostname
  assert_ok
  assert_output box1
}

@test "launch --memory: the cgroup's memory limit" {
  require_cgroup_controller memory
  capture launch --rootfs "$ROOTFS" --memory 48M -- sh -c "$(cgroup_file memory memory.limit_in_bytes memory.max)"
  assert_ok
  assert_output 50331648
}

@test "launch --cpus: a CFS quota per 100 ms period" {
  require_cgroup_controller cpu
  capture launch --rootfs "$ROOTFS" --cpus 0.5 -- sh -c \
    "{ cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us 2>/dev/null || cat /sys/fs/cgroup/cpu.max; } | tr '\n' ' '"
  assert_ok
  [[ $output == "50000 100000 " ]]
}

@test "launch --pids-limit: the cgroup's pids.max" {
  require_cgroup_controller pids
  capture launch --rootfs "$ROOTFS" --pids-limit 33 -- sh -c "$(cgroup_file pids pids.max pids.max)"
  assert_ok
  assert_output 33
}

@test "launch -e: K=V is set, K alone is the caller's (nothing when unset), defaults stay" {
  export LAUNCH_FROM_CALLER='a b'
  unset LAUNCH_UNSET
  capture launch --rootfs "$ROOTFS" -e A=1 -e A=2 -e LAUNCH_FROM_CALLER -e LAUNCH_UNSET -- \
    sh -c 'echo "$A|$LAUNCH_FROM_CALLER|${LAUNCH_UNSET-unset}|$PATH"'
  assert_ok
  assert_output "2|a b|unset|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  # Set once, whatever reads it: no second A in the environment.
  run launch --rootfs "$ROOTFS" -e A=1 -e A=2 --print-config
  [ "$(jq -c '[.process.env[] | select(startswith("A="))]' <<<"$output")" = '["A=2"]' ]
}

@test "launch -v: a host directory bound read-write, and :ro read-only" {
  local data=$BATS_TEST_TMPDIR/data
  mkdir "$data"
  echo hello >"$data/in"
  capture launch --rootfs "$ROOTFS" -v "$data:/data" -- sh -c 'cat /data/in; echo back >/data/out'
  assert_ok
  assert_output hello
  [ "$(cat "$data/out")" = back ]

  capture launch --rootfs "$ROOTFS" -v "$data:/data:ro" -- sh -c 'cat /data/in; touch /data/x'
  [ "$status" -ne 0 ]
  [[ $output == hello*"Read-only file system"* ]]
  [ ! -e "$data/x" ]
  assert_nothing_left
}

@test "launch -v: a DST through the rootfs's symlinks stays inside the rootfs" {
  local rf=$BATS_TEST_TMPDIR/rf out=$BATS_TEST_TMPDIR/outside data=$BATS_TEST_TMPDIR/data
  cp -a "$ROOTFS" "$rf"
  mkdir "$out" "$data"
  echo hello >"$data/in"
  # Both lead to the host's $out if followed on the host.
  mkdir -p "$rf/mnt"
  ln -s "$out" "$rf/mnt/abs"
  ln -s "../../../../../../../../../..$out" "$rf/mnt/rel"
  for dst in /mnt/abs/x /mnt/rel/y; do
    capture launch --rootfs "$rf" -v "$data:$dst" -- cat "$dst/in"
    assert_output hello
  done
  [ -z "$(ls -A "$out")" ]
  ! grep -qF " $out" /proc/self/mountinfo
  assert_nothing_left
}

@test "launch -v: a relative source is the caller's, made absolute" {
  mkdir "$BATS_TEST_TMPDIR/rel"
  echo here >"$BATS_TEST_TMPDIR/rel/f"
  cd "$BATS_TEST_TMPDIR"
  run launch --rootfs "$ROOTFS" -v rel:/mnt/rel --print-config
  assert_ok
  [ "$(jq -r '.mounts[-1].source' <<<"$output")" = "$(realpath "$BATS_TEST_TMPDIR/rel")" ]
  capture launch --rootfs "$ROOTFS" -v rel:/mnt/rel -- cat /mnt/rel/f
  assert_output here
}

@test "launch --user: numbers, and names from the rootfs's /etc/passwd and /etc/group" {
  capture launch --rootfs "$ROOTFS" --user 1000:1001 -- sh -c 'echo $(id -u):$(id -g)'
  assert_output 1000:1001
  capture launch --rootfs "$ROOTFS" --user nobody -- sh -c 'echo $(id -u):$(id -g)'
  assert_output 65534:65534
  capture launch --rootfs "$ROOTFS" --user nobody:tty -- sh -c 'echo $(id -u):$(id -g)'
  assert_output 65534:5
  # A uid the rootfs does not list: group 0.
  capture launch --rootfs "$ROOTFS" --user 4242 -- sh -c 'echo $(id -u):$(id -g)'
  assert_output 4242:0
}

@test "launch --user: a name the rootfs does not know is refused before anything exists" {
  # The host's users are not the rootfs's.
  capture launch --rootfs "$ROOTFS" --user daemon -- true
  grep -q '^daemon:' /etc/passwd || skip "the host has no daemon user either"
  assert_error "launch: user \`daemon\`: no such user in the rootfs's /etc/passwd"
  assert_nothing_created
}

@test "launch --network none (the default): a network namespace of its own, only lo, up" {
  local flags
  for flags in "" "--network none"; do
    # shellcheck disable=SC2086 # flags: none or one
    capture launch --rootfs "$ROOTFS" $flags -- sh -c \
      'ls /sys/class/net; cat /sys/class/net/lo/flags; readlink /proc/self/ns/net'
    assert_ok
    [ "$(sed -n 1p <<<"$stdout")" = lo ]
    # IFF_UP is bit 0 of the flags.
    (($(sed -n 2p <<<"$stdout") & 1))
    [ "$(sed -n 3p <<<"$stdout")" != "$(readlink /proc/self/ns/net)" ]
    [ "$(wc -l <<<"$stdout")" -eq 3 ]
  done
}

@test "launch --network host: the host's network namespace and interfaces" {
  capture launch --rootfs "$ROOTFS" --network host -- sh -c 'readlink /proc/self/ns/net; ls /sys/class/net'
  assert_ok
  [ "$(sed -n 1p <<<"$stdout")" = "$(readlink /proc/self/ns/net)" ]
  [ "$(sed 1d <<<"$stdout")" = "$(ls /sys/class/net)" ]
}

@test "launch -w: the working directory, absolute" {
  capture launch --rootfs "$ROOTFS" -w tmp -- pwd
  assert_error 'launch: -w: `tmp` is not an absolute path'
  assert_nothing_created
  capture launch --rootfs "$ROOTFS" -w /tmp -- pwd
  assert_ok
  assert_output /tmp
}

@test "launch: the root is the rootfs itself, writable; --read-only refuses writes" {
  capture launch --rootfs "$ROOTFS" -- sh -c 'echo written >/root/note'
  assert_ok
  [ "$(cat "$ROOTFS/root/note")" = written ]

  capture launch --rootfs "$ROOTFS" --read-only -- sh -c 'echo again >/root/note'
  [ "$status" -ne 0 ]
  [[ $output == *"Read-only file system"* ]]
  [ "$(cat "$ROOTFS/root/note")" = written ]
  assert_nothing_left
}

@test "launch -t: the program gets a pty; without -t it has the caller's stdio" {
  capture launch --rootfs "$ROOTFS" -- sh -c 'tty; true'
  [ "$stdout" = "not a tty" ]
  # A terminal for stdin: util-linux script's pty.
  local cmd
  printf -v cmd '%q ' "$SPACER" --root "$ROOT" launch -e SPACER_TEST_MARK -t --rootfs "$ROOTFS" -- tty
  run timeout -k 5 20 script -qec "$cmd" /dev/null </dev/null
  assert_ok
  # script echoes its stdin's end (^@ or ^D) into the output too.
  [[ $output == *$'/dev/pts/0\r'* ]] || { echo "got: $(od -c <<<"$output")" >&2; false; }
  # -t with a stdin that is no terminal: refused before anything is made.
  rm -rf "$ROOT"
  capture launch --rootfs "$ROOTFS" -t -- true
  assert_error '^spacer: launch: -t: standard input is not a terminal$'
  assert_nothing_created
}

# ---- --print-config ----

@test "launch --print-config: valid, deterministic, with no ID, and it runs the same from a bundle" {
  local flags=(--rootfs "$ROOTFS" --hostname pc -e A=b -w /tmp --user 65534 --pids-limit 20
    -v "$BATS_TEST_TMPDIR:/host:ro")
  local cmd=(sh -c 'hostname; echo $A; pwd; id -u; ls /host >/dev/null; echo done')
  capture launch "${flags[@]}" --print-config -- "${cmd[@]}"
  assert_ok
  local first=$stdout
  jq -e . <<<"$first" >/dev/null
  capture launch --print-config "${flags[@]}" -- "${cmd[@]}"
  assert_ok
  [ "$stdout" = "$first" ]
  [[ $first != *launch-* ]]
  [ "$(jq -r .root.path <<<"$first")" = "$(realpath "$ROOTFS")" ]
  [ "$(jq -r .process.terminal <<<"$first")" = false ]
  # Nothing was run or made.
  [ ! -e "$ROOT" ]
  nothing_in_tmpdir

  capture launch "${flags[@]}" -- "${cmd[@]}"
  assert_ok
  local launched=$output
  [ "$launched" = "$(printf 'pc\nb\n/tmp\n65534\ndone')" ]
  printf '%s\n' "$first" >"$BUNDLE/config.json"
  capture spacer run --bundle "$BUNDLE" from-config
  assert_ok
  [ "$output" = "$launched" ]
  assert_nothing_left
}

# ---- refused flags: one line, exit 125, nothing made ----

@test "launch: bad flags are refused on one line, with nothing made" {
  local data=$BATS_TEST_TMPDIR/data
  mkdir "$data"
  local -a cases=(
    '--memory 12Q|--memory: `12Q` is not a size'
    '--memory 0|--memory: `0` is not a size'
    '--cpus 0|--cpus: `0` CPUs: less than 0.01'
    '--cpus half|--cpus: `half` is not a number of CPUs'
    '--pids-limit -3|--pids-limit: `-3` is not a positive number'
    '--network bridge|--network: `bridge` is not none or host'
    "-v $BATS_TEST_TMPDIR/missing:/x|-v: .*source .*missing.*: No such file or directory"
    "-v $data|-v: .*want SRC:DST"
    "-v $data:rel|-v: .*absolute path"
    '-e =x|-e: `=x`: want KEY=VALUE or KEY'
    '--bogus|option `--bogus` is unknown'
    '--tag latest|--tag: only with --image'
  )
  local c flags want
  for c in "${cases[@]}"; do
    flags=${c%%|*}
    want=${c#*|}
    # shellcheck disable=SC2086 # flags are words
    capture launch --rootfs "$ROOTFS" $flags -- true
    [ "$status" -eq 125 ] || { echo "$flags: status $status" >&2; false; }
    assert_error "^spacer: launch: $want" || { echo "for $flags" >&2; false; }
    assert_nothing_created
  done
}

@test "launch: the rootfs must exist and be a directory, and exactly one of --rootfs and --image" {
  capture launch --rootfs "$BATS_TEST_TMPDIR/none" -- true
  assert_error 'launch: rootfs `.*none`: No such file or directory'
  [ "$status" -eq 125 ]
  capture launch --rootfs "$BUNDLE/config.json" -- true
  assert_error 'launch: rootfs `.*config.json`: not a directory'
  capture launch -- true
  assert_error 'launch: give one of --rootfs DIR and --image SOURCE'
  capture launch --rootfs "$ROOTFS" --image "$BATS_TEST_TMPDIR/x.tar" -- true
  assert_error 'launch: give one of --rootfs DIR and --image SOURCE'
  assert_nothing_created
}

# ---- --image ----

MKIMAGE="$BATS_TEST_DIRNAME/../tools/mkimage.py"

# image_layout TAG CONFIG_JSON: an OCI layout $BATS_TEST_TMPDIR/L holding
# the suite's busybox rootfs as one layer, tagged TAG, whose config's
# process is CONFIG_JSON.
image_layout() {
  local base=$BATS_TEST_TMPDIR/base.tar
  [ -e "$base" ] || tar --numeric-owner -C "$SPACER_TEST_ROOTFS" -cf "$base" .
  python3 "$MKIMAGE" layout "$BATS_TEST_TMPDIR/L" "$1" "$2" "$base" >/dev/null
}

IMAGE_PROCESS='{"Entrypoint":["/bin/sh","-c"],"Cmd":["echo \"$GREETING from $(pwd) as $(id -u):$(id -g)\""],
  "Env":["PATH=/bin:/sbin","GREETING=hi"],"WorkingDir":"/tmp","User":"nobody"}'

@test "launch --image: the image's Entrypoint, Cmd, Env, WorkingDir and User run; nothing is left" {
  image_layout t1 "$IMAGE_PROCESS"
  capture launch --image "$BATS_TEST_TMPDIR/L" --tag t1
  assert_ok
  assert_output "hi from /tmp as 65534:65534"
  nothing_in_tmpdir
  assert_nothing_left
}

@test "launch --image: a command replaces Cmd after the Entrypoint; flags override the image" {
  image_layout t1 "$IMAGE_PROCESS"
  capture launch --image "$BATS_TEST_TMPDIR/L:t1" -e GREETING=hello -w / -u 0 -- \
    'echo "$GREETING from $(pwd) as $(id -u) with PATH=$PATH"'
  assert_ok
  assert_output "hello from / as 0 with PATH=/bin:/sbin"
  nothing_in_tmpdir
}

@test "launch --image: while it runs the bundle is the private directory; the state goes at the end" {
  image_layout t1 "$IMAGE_PROCESS"
  launch_in_background i1 ready --image "$BATS_TEST_TMPDIR/L" -- 'echo ready; exec sleep 100'
  local bundle
  bundle=$(state_field i1 bundle)
  [[ $bundle == "$(realpath "$TMPDIR")"/spacer-launch-* ]]
  [ "$(state_field i1 rootfs)" = "$bundle/rootfs" ]
  [ -x "$bundle/rootfs/bin/busybox" ]
  spacer kill i1 KILL
  wait_for_exit "$RUNNER"
  [ "$EXIT_STATUS" -eq 137 ]
  nothing_in_tmpdir
  assert_nothing_left
}

@test "launch --image --print-config: root.path rootfs, so that it runs from a bundle of the image" {
  image_layout t1 "$IMAGE_PROCESS"
  capture launch --image "$BATS_TEST_TMPDIR/L" --hostname img --print-config
  assert_ok
  local config=$stdout
  [ "$(jq -r .root.path <<<"$config")" = rootfs ]
  [ "$(jq -c .process.args <<<"$config")" = "$(jq -c '.Entrypoint + .Cmd' <<<"$IMAGE_PROCESS")" ]
  nothing_in_tmpdir
  [ ! -e "$ROOT" ]
  # A bundle of the same image, with the printed config.
  "$SPACER" bundle -q "$BATS_TEST_TMPDIR/L" "$BATS_TEST_TMPDIR/ib"
  printf '%s\n' "$config" >"$BATS_TEST_TMPDIR/ib/config.json"
  BUNDLE=$BATS_TEST_TMPDIR/ib
  update_config '.process.env += ["SPACER_TEST_MARK=" + $mark]' --arg mark "$SPACER_TEST_MARK"
  capture spacer run --bundle "$BUNDLE" ib1
  assert_ok
  assert_output "hi from /tmp as 65534:65534"
  capture launch --image "$BATS_TEST_TMPDIR/L"
  assert_output "hi from /tmp as 65534:65534"
}

@test "launch --image: a source that is no image fails on one line (125) and leaves nothing" {
  image_layout t1 "$IMAGE_PROCESS"
  capture launch --image "$BATS_TEST_TMPDIR/missing.tar"
  assert_error 'launch: image `.*missing.tar`'
  [ "$status" -eq 125 ]
  capture launch --image "$BATS_TEST_TMPDIR/L" --tag nope
  assert_error 'launch: image .*nope'
  nothing_in_tmpdir
  assert_nothing_created
}

# something_extracted: an extraction under way put files below $TMPDIR.
something_extracted() {
  [ -n "$(find "$TMPDIR" -mindepth 3 -print -quit)" ]
}

@test "launch --image: INT while the image is unpacked removes all of it, and launch dies of INT" {
  tar --numeric-owner -C "$SPACER_TEST_ROOTFS" -cf "$BATS_TEST_TMPDIR/r.tar" .
  mkfifo "$BATS_TEST_TMPDIR/fifo"
  "$SPACER" --root "$ROOT" launch --image "$BATS_TEST_TMPDIR/fifo" -- true \
    >"$BATS_TEST_TMPDIR/out" 2>&1 </dev/null &
  local pid=$!
  BG_PIDS+=("$pid")
  # Half the tarball, then the writer stalls: launch is mid-extraction.
  exec 5>"$BATS_TEST_TMPDIR/fifo"
  head -c "$(($(stat -c %s "$BATS_TEST_TMPDIR/r.tar") / 2))" "$BATS_TEST_TMPDIR/r.tar" >&5
  wait_until something_extracted
  kill -INT "$pid"
  wait_for_exit "$pid"
  exec 5>&-
  [ "$EXIT_STATUS" -eq 130 ] || { echo "exit $EXIT_STATUS: $(cat "$BATS_TEST_TMPDIR/out")" >&2; false; }
  nothing_in_tmpdir
  assert_nothing_created
}

# ---- as a plain user ----

# as_nobody CMD...: CMD as uid and gid 65534, no groups, a clean
# environment with TMPDIR and XDG_RUNTIME_DIR in $WORK (its own): no
# user is added to the host for it.
as_nobody() {
  setpriv --reuid 65534 --regid 65534 --clear-groups \
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin TMPDIR="$WORK/tmp" XDG_RUNTIME_DIR="$WORK/xdg" \
    SPACER_TEST_MARK="$SPACER_TEST_MARK" "$@"
}

@test "launch as a plain user: rootless; --network none has its own sysfs with only lo, host the host's" {
  require_unprivileged_user_namespaces
  # bats keeps its tree private (0700): the user's files live outside it,
  # in $WORK, which teardown removes.
  WORK=$(mktemp -d /tmp/spacer-launch.XXXXXX)
  cp -a "$SPACER_TEST_ROOTFS" "$WORK/rootfs"
  mkdir "$WORK/tmp" "$WORK/xdg"
  chown 65534:65534 "$WORK/tmp" "$WORK/xdg"
  chmod 755 "$WORK"
  capture as_nobody "$SPACER" launch -e SPACER_TEST_MARK --rootfs "$WORK/rootfs" --read-only -- \
    sh -c 'cat /proc/self/uid_map; readlink /proc/self/ns/net; ls /sys/class/net'
  assert_ok
  # Root in the container is the user.
  [ "$(sed -n 1p <<<"$stdout" | tr -s ' ' | sed 's/^ //')" = "0 65534 1" ]
  [ "$(sed -n 2p <<<"$stdout")" != "$(readlink /proc/self/ns/net)" ]
  [ "$(sed 1,2d <<<"$stdout")" = lo ]
  capture as_nobody "$SPACER" launch -e SPACER_TEST_MARK --rootfs "$WORK/rootfs" --read-only \
    --network host -- ls /sys/class/net
  assert_ok
  [ "$stdout" = "$(ls /sys/class/net)" ]
  [ -z "$(ls -A "$WORK/tmp")" ]
  ROOT=$WORK/xdg/spacer
  [ -z "$(state_left)" ]
}

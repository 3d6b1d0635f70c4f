#!/usr/bin/env bats
# OCI hooks (runtime-spec config.md "POSIX-platform Hooks"): config.json
# `hooks` with prestart, createRuntime, createContainer, startContainer,
# poststart and poststop, each a list of {path, args, env, timeout}.
#
#   create: mounts made, then, before pivot_root:
#           prestart, createRuntime  in the runtime's namespaces
#           createContainer          in the container's (path on the host)
#   start:  startContainer           in the container, after pivot_root,
#                                    just before the program's exec
#           poststart                in the runtime, before start returns
#   delete: poststop                 in the runtime, after the container
#                                    is gone, before delete returns
#   run:    all of the above; poststop when the program has exited
#
# Each hook gets the state JSON on stdin (status creating, created, running
# or stopped), exactly hook.env as its environment and hook.args as its
# argv. A failing create hook fails create, destroys the container and runs
# poststop; a failing startContainer fails start; a failing poststart
# (runtime-spec 1.3) fails start or run and kills the container (start
# leaves it stopped for delete, run deletes it unless --keep, as runc 1.2
# does); poststop failures are only warnings.
#
# Hooks here leave what they saw in $SHARED, a host directory the container
# also has at /shared (startContainer runs in there).

load helpers

bats_require_minimum_version 1.5.0

setup_file() {
  share_rootfs
}

setup() {
  # Hooks add files to the linked rootfs's directories (the test's own); a
  # read-only root keeps containers from writing through the links.
  setup_linked_bundle
  BG_PIDS=()
  RUNNERS=()
  SHARED=$BATS_TEST_TMPDIR/shared
  mkdir "$SHARED"
  update_config '.root.readonly = true | .hostname = $h
    | .annotations = {"org.example.hooks": "yes", "other": "x y"}
    | .mounts += [{"destination": "/shared", "type": "bind", "source": $src,
                   "options": ["rbind", "rw"]}]' --arg h "$CT_HOSTNAME" --arg src "$SHARED"
  write_record_script "$BATS_TEST_TMPDIR/record" "$SHARED"
  write_record_script "$BUNDLE/rootfs/record" /shared
}

teardown() {
  local pid
  # spacer commands this test started in the background (a stopped one
  # would hold the container's lock).
  for pid in "${RUNNERS[@]}"; do
    kill -CONT "$pid" 2>/dev/null || true
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  # Processes a hook of this test left behind, by PID, if still the sleep
  # the hook started.
  for pid in "${BG_PIDS[@]}"; do
    if [[ $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) == "sleep "* ]]; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  teardown_containers
}

# ---- helpers of this file ----

KINDS="prestart createRuntime createContainer startContainer poststart poststop"
CT_HOSTNAME=hooked-container

# status_of KIND: the status in the state a hook of KIND gets on stdin.
status_of() {
  case $1 in
    prestart | createRuntime | createContainer) echo creating ;;
    startContainer) echo created ;;
    poststart) echo running ;;
    poststop) echo stopped ;;
  esac
}

# write_record_script FILE DIR: the `record` hook. `record NAME` keeps in
# DIR/NAME.* what it got and saw (stdin, mount, UTS and PID namespaces,
# hostname) and appends NAME to DIR/order. The host gets one (for every
# kind but startContainer), the rootfs another at /record (startContainer).
write_record_script() {
  cat >"$1" <<EOF
#!/bin/sh
d=$2
cat >"\$d/\$1.json"
readlink /proc/self/ns/mnt >"\$d/\$1.mnt"
readlink /proc/self/ns/uts >"\$d/\$1.uts"
readlink /proc/self/ns/pid >"\$d/\$1.pidns"
cat /proc/sys/kernel/hostname >"\$d/\$1.hostname"
echo "\$1" >>"\$d/order"
EOF
  chmod 755 "$1"
}

# add_hook [-e VAR=VALUE]... [-t TIMEOUT] KIND PATH [ARG...]: append a hook
# to hooks.KIND: {path}, with args when ARGs are given, env when -e is,
# timeout when -t is. Values go through --arg (see set_args).
add_hook() {
  local obj='{path: $path}' jq_args=() i=0 a names=() env=() timeout=
  while [ $# -gt 0 ]; do
    case $1 in
      -e)
        jq_args+=(--arg "v$i" "$2")
        env+=("\$v$i")
        i=$((i + 1))
        shift 2
        ;;
      -t)
        timeout=$2
        shift 2
        ;;
      *) break ;;
    esac
  done
  local kind=$1 path=$2
  shift 2
  for a in "$@"; do
    jq_args+=(--arg "v$i" "$a")
    names+=("\$v$i")
    i=$((i + 1))
  done
  if [ $# -gt 0 ]; then
    obj+=" + {args: [$(IFS=,; echo "${names[*]}")]}"
  fi
  if [ ${#env[@]} -gt 0 ]; then
    obj+=" + {env: [$(IFS=,; echo "${env[*]}")]}"
  fi
  if [ -n "$timeout" ]; then
    obj+=" + {timeout: $timeout}"
  fi
  update_config ".hooks[\$kind] += [$obj]" --arg kind "$kind" --arg path "$path" "${jq_args[@]}"
}

# shell_hook [add_hook options] KIND SCRIPT: a hook of KIND running
# `/bin/sh -c SCRIPT` (the host's sh, or the rootfs' busybox sh for
# startContainer).
shell_hook() {
  local n=$#
  add_hook "${@:1:n-2}" "${@:n-1:1}" /bin/sh sh -c "${@:n:1}"
}

# record_hook KIND...: a `record` hook for each KIND, all in one edit.
record_hook() {
  update_config 'reduce ($kinds | split(" ") | .[]) as $k (.;
      .hooks[$k] += [if $k == "startContainer"
                     then {path: "/record", args: ["record", $k], env: ["PATH=/bin"]}
                     else {path: $host, args: ["record", $k]} end])' \
    --arg kinds "$*" --arg host "$BATS_TEST_TMPDIR/record"
}

# SELF: shell code setting $self to the shell's pid as the /proc it sees
# knows it. For a createContainer hook that /proc is the host's while $$
# is its pid in the container's pid namespace.
SELF='read -r self rest </proc/self/stat'

# sleeper_script FILE: the script of a hook that writes its pid (as the
# host sees it, for a hook run on the host or in createContainer; see SELF)
# to FILE and sleeps 30 s.
sleeper_script() {
  echo "$SELF; echo \$self >$1; exec sleep 30"
}

# assert_order NAME...: the hooks that ran, in order, were NAME...
assert_order() {
  local want got
  want=$(printf '%s\n' "$@")
  got=$(cat "$SHARED/order" 2>/dev/null || true)
  if [ "$got" != "$want" ]; then
    printf 'expected hooks to run in order:\n%s\nthey ran:\n%s\n' "${want:-(none)}" \
      "${got:-(none)}" >&2
    return 1
  fi
}

# assert_stderr_lines PATTERN...: $stderr (from capture) is exactly one line
# per PATTERN, each matching its extended regex.
assert_stderr_lines() {
  local got=() i
  if [ -n "$stderr" ]; then
    mapfile -t got <<<"$stderr"
  fi
  if [ "${#got[@]}" -ne $# ]; then
    printf 'expected %d lines on stderr, got %d:\n%s\n' $# "${#got[@]}" "$stderr" >&2
    return 1
  fi
  for ((i = 0; i < $#; i++)); do
    local pattern=${*:$((i + 1)):1}
    if ! grep -Eq -- "$pattern" <<<"${got[$i]}"; then
      printf 'stderr line %d does not match %s:\n%s\n' $((i + 1)) "$pattern" "${got[$i]}" >&2
      return 1
    fi
  done
}

# seconds since the epoch, with milliseconds
now() {
  date +%s.%3N
}

# elapsed_below START LIMIT: less than LIMIT seconds passed since START.
elapsed_below() {
  local t
  t=$(now)
  if ! awk -v a="$1" -v b="$t" -v l="$2" 'BEGIN { exit !(b - a < l) }'; then
    echo "took $(awk -v a="$1" -v b="$t" 'BEGIN { print b - a }') s, expected < $2 s" >&2
    return 1
  fi
}

# create_fails_cleanly PATTERN [PID...]: `spacer create c1` fails with one
# error line matching PATTERN and leaves nothing behind (nor the PIDs).
create_fails_cleanly() {
  local pattern=$1
  shift
  capture spacer create --bundle "$BUNDLE" c1
  assert_error "$pattern"
  assert_nothing_left "$@"
}

# json_pid FILE: the pid in the state document FILE.
json_pid() {
  jq -r .pid "$1"
}

# ---- order ----

@test "run: the six hooks run in order prestart, createRuntime, createContainer, startContainer, poststart, poststop" {
  # Listed in the config in another order: the order is the lifecycle's.
  record_hook poststop poststart startContainer createContainer createRuntime prestart
  set_args sh -c 'echo program-ran'
  capture spacer run --bundle "$BUNDLE" c1
  assert_ok
  [ "$stdout" = program-ran ]
  [ -z "$stderr" ]
  # poststop ran before run returned.
  assert_order prestart createRuntime createContainer startContainer poststart poststop
  assert_nothing_left
}

@test "each kind of hook alone, with and without a cgroup mount: the container runs and the hook once" {
  # Without a cgroup mount the init waits for its cgroup only late in its
  # set-up; the create hooks must not catch it waiting for something else.
  local kind mounts base
  base=$(cat "$BUNDLE/config.json")
  for mounts in with without; do
    for kind in $KINDS; do
      printf '%s\n' "$base" >"$BUNDLE/config.json"
      rm -f "$SHARED/order"
      [ "$mounts" = with ] || update_config 'del(.mounts[] | select(.type == "cgroup"))'
      [ "$(jq '[.mounts[] | select(.type == "cgroup")] | length' "$BUNDLE/config.json")" = \
        "$([ "$mounts" = with ] && echo 1 || echo 0)" ]
      record_hook "$kind"
      capture spacer run --bundle "$BUNDLE" c1
      if [ "$status" -ne 0 ]; then
        echo "$kind, $mounts a cgroup mount: $output" >&2
        return 1
      fi
      assert_order "$kind"
      assert_nothing_left
    done
  done
}

@test "create, start, delete: each runs its own hooks, in lifecycle order" {
  record_hook $KINDS
  # The program notes whether startContainer had run before it.
  set_args sh -c '[ -e /shared/startContainer.json ] && echo after-startContainer >/shared/program'
  create_container c1
  assert_order prestart createRuntime createContainer
  [ ! -e "$SHARED/program" ]
  spacer start c1
  assert_order prestart createRuntime createContainer startContainer poststart
  wait_for_status c1 stopped
  wait_for_file "$SHARED/program"
  [ "$(cat "$SHARED/program")" = after-startContainer ]
  spacer delete c1
  assert_order prestart createRuntime createContainer startContainer poststart poststop
}

@test "several hooks of one kind run in the order of the config" {
  local kind
  # Three of each kind, each `sh -c "echo KIND-N >>DIR/order"`.
  update_config 'reduce ($kinds | split(" ") | .[]) as $k (.; reduce (1, 2, 3) as $i (.;
      (if $k == "startContainer" then "/shared" else $shared end) as $dir
      | .hooks[$k] += [{path: "/bin/sh", args: ["sh", "-c", "echo \($k)-\($i) >>\($dir)/order"]}]))' \
    --arg kinds "$KINDS" --arg shared "$SHARED"
  capture spacer run --bundle "$BUNDLE" c1
  assert_ok
  local want=()
  for kind in $KINDS; do
    want+=("$kind-1" "$kind-2" "$kind-3")
  done
  assert_order "${want[@]}"
}

# ---- what a hook gets and sees ----

@test "stdin: each hook gets the state JSON with its status, the id, bundle, annotations and the init's pid" {
  record_hook $KINDS
  create_container c1 --pid-file "$BATS_TEST_TMPDIR/c1.pid"
  local pid
  pid=$(cat "$BATS_TEST_TMPDIR/c1.pid")
  spacer start c1
  wait_for_status c1 stopped
  spacer delete c1
  local kind json version bundle
  version=$(jq -r .ociVersion "$BUNDLE/config.json")
  bundle=$(realpath "$BUNDLE")
  for kind in $KINDS; do
    json=$SHARED/$kind.json
    # Valid JSON, and the container's process while there is one.
    jq -e --arg status "$(status_of "$kind")" --arg bundle "$bundle" --arg v "$version" \
      --argjson pid "$pid" --arg kind "$kind" \
      '.ociVersion == $v and .id == "c1" and .status == $status and .bundle == $bundle
       and .annotations == {"org.example.hooks": "yes", "other": "x y"}
       and ($kind == "poststop" or .pid == $pid)' "$json" >/dev/null || {
      echo "$kind: unexpected state (the init is $pid): $(cat "$json")" >&2
      return 1
    }
  done
}

@test "stdin: a run's hooks get the container's id and the init's pid" {
  record_hook $KINDS
  set_args true
  capture spacer run --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/c2.pid" run-id-2
  assert_ok
  local pid kind
  pid=$(cat "$BATS_TEST_TMPDIR/c2.pid")
  for kind in $KINDS; do
    jq -e --arg status "$(status_of "$kind")" --argjson pid "$pid" --arg kind "$kind" \
      '.id == "run-id-2" and .status == $status and ($kind == "poststop" or .pid == $pid)' \
      "$SHARED/$kind.json" >/dev/null || {
      echo "$kind: unexpected state (the init is $pid): $(cat "$SHARED/$kind.json")" >&2
      return 1
    }
  done
}

@test "namespaces: createContainer and startContainer run in the container's, the others in the runtime's" {
  record_hook $KINDS
  create_container c1
  local pid host_mnt host_uts host_pidns ct_mnt ct_uts ct_pidns host_name kind
  pid=$(state_field c1 pid)
  ct_mnt=$(readlink "/proc/$pid/ns/mnt")
  ct_uts=$(readlink "/proc/$pid/ns/uts")
  ct_pidns=$(readlink "/proc/$pid/ns/pid")
  host_mnt=$(readlink /proc/self/ns/mnt)
  host_uts=$(readlink /proc/self/ns/uts)
  host_pidns=$(readlink /proc/self/ns/pid)
  host_name=$(cat /proc/sys/kernel/hostname)
  # The test means something only if they differ.
  [ "$ct_mnt" != "$host_mnt" ]
  [ "$ct_uts" != "$host_uts" ]
  [ "$ct_pidns" != "$host_pidns" ]
  [ "$host_name" != "$CT_HOSTNAME" ]
  spacer start c1
  wait_for_status c1 stopped
  spacer delete c1
  for kind in $KINDS; do
    local mnt uts pidns name
    mnt=$(cat "$SHARED/$kind.mnt")
    uts=$(cat "$SHARED/$kind.uts")
    pidns=$(cat "$SHARED/$kind.pidns")
    name=$(cat "$SHARED/$kind.hostname")
    case $kind in
      createContainer | startContainer)
        [ "$mnt" = "$ct_mnt" ] && [ "$uts" = "$ct_uts" ] && [ "$pidns" = "$ct_pidns" ] \
          && [ "$name" = "$CT_HOSTNAME" ] || {
          echo "$kind: not in the container's namespaces: $mnt $uts $pidns $name" >&2
          return 1
        }
        ;;
      *)
        [ "$mnt" = "$host_mnt" ] && [ "$uts" = "$host_uts" ] && [ "$pidns" = "$host_pidns" ] \
          && [ "$name" = "$host_name" ] || {
          echo "$kind: not in the runtime's namespaces: $mnt $uts $pidns $name" >&2
          return 1
        }
        ;;
    esac
  done
}

@test "create hooks run once the container's mounts are made, before pivot_root; startContainer after it" {
  echo here >"$SHARED/marker"
  local rootfs=$BUNDLE/rootfs
  # createRuntime, in the runtime's mount namespace, looks through the
  # init's root: before pivot_root, that is the host's / with the
  # container's mounts below the rootfs. (/proc/1, not /proc/self: the
  # container's procfs has no `self` for a reader outside its pid namespace.)
  shell_hook createRuntime "pid=\$(jq .pid)
    [ -e /proc/\$pid/root$rootfs/shared/marker ] && echo mounted >>$SHARED/createRuntime
    [ -e /proc/\$pid/root$rootfs/proc/1/stat ] && echo proc >>$SHARED/createRuntime
    [ -e /proc/\$pid/root$BATS_TEST_TMPDIR/record ] && echo not-pivoted >>$SHARED/createRuntime
    :"
  shell_hook createContainer "
    [ -e $rootfs/shared/marker ] && echo mounted >>$SHARED/createContainer
    [ -e $rootfs/proc/1/stat ] && echo proc >>$SHARED/createContainer
    [ -e $BATS_TEST_TMPDIR/record ] && echo not-pivoted >>$SHARED/createContainer
    :"
  shell_hook -e PATH=/bin startContainer "
    [ -e /shared/marker ] && echo mounted >>/shared/startContainer
    [ -e /proc/1/stat ] && echo proc >>/shared/startContainer
    [ -e /record ] && [ ! -e $BATS_TEST_TMPDIR ] && echo pivoted >>/shared/startContainer
    :"
  capture spacer run --bundle "$BUNDLE" c1
  assert_ok
  [ "$(cat "$SHARED/createRuntime")" = $'mounted\nproc\nnot-pivoted' ]
  [ "$(cat "$SHARED/createContainer")" = $'mounted\nproc\nnot-pivoted' ]
  [ "$(cat "$SHARED/startContainer")" = $'mounted\nproc\npivoted' ]
}

@test "cwd: createContainer hooks run in the rootfs, as runc runs them; the runtime's hooks in the bundle" {
  local kind
  for kind in prestart createRuntime createContainer poststart poststop; do
    shell_hook "$kind" "pwd >$SHARED/$kind.cwd"
  done
  set_args true
  capture spacer run --bundle "$BUNDLE" c1
  assert_ok
  local bundle
  bundle=$(realpath "$BUNDLE")
  [ "$(cat "$SHARED/createContainer.cwd")" = "$bundle/rootfs" ]
  for kind in prestart createRuntime poststart poststop; do
    [ "$(cat "$SHARED/$kind.cwd")" = "$bundle" ] || { echo "$kind ran in $(cat "$SHARED/$kind.cwd")" >&2; return 1; }
  done
}

@test "startContainer runs as the program will, as with runc: its user and groups, under its seccomp filter" {
  chmod 777 "$SHARED"
  update_config '.process.user = {"uid": 1000, "gid": 1000}
    | .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["sethostname"], "action": "SCMP_ACT_ERRNO"}]}'
  add_hook -e PATH=/bin startContainer /bin/sh sh -c \
    'id -u >/shared/hook.ids; id -g >>/shared/hook.ids; grep "^Seccomp:" /proc/self/status >>/shared/hook.ids'
  set_args true
  capture spacer run --bundle "$BUNDLE" c1
  assert_ok
  [ "$(cat "$SHARED/hook.ids")" = "1000
1000
Seccomp:	2" ]
}

@test "startContainer runs before the program's exec, poststart after it" {
  # Each looks at the init's command line: spacer's until the exec.
  shell_hook -e PATH=/bin startContainer 'tr "\0" " " </proc/1/cmdline >/shared/at-startContainer'
  shell_hook poststart "pid=\$(jq .pid); tr '\\0' ' ' </proc/\$pid/cmdline >$SHARED/at-poststart"
  set_args sleep 100
  create_container c1
  spacer start c1
  [ "$(cat "$SHARED/at-poststart")" = "sleep 100 " ]
  local before
  before=$(cat "$SHARED/at-startContainer")
  [ -n "$before" ]
  [[ $before != sleep* ]]
}

@test "paths: createContainer's resolves on the host, startContainer's in the container's rootfs" {
  # /record exists only in the rootfs, $BATS_TEST_TMPDIR/record only on the
  # host: the record hooks run, and each records where it ran.
  [ ! -e /record ]
  [ ! -e "$BUNDLE/rootfs$BATS_TEST_TMPDIR/record" ]
  record_hook createContainer startContainer
  capture spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_order createContainer startContainer
}

@test "paths: a createContainer hook's path is not looked up in the rootfs" {
  add_hook createContainer /record record createContainer
  create_fails_cleanly '^spacer: [^ ]*/config\.json: (container init: )?hooks\.createContainer\[0\] `/record`: .*exec: No such file or directory$'
  [ ! -e "$SHARED/order" ]
}

@test "paths: a startContainer hook's path is not looked up on the host" {
  add_hook startContainer "$BATS_TEST_TMPDIR/record" record startContainer
  set_args sh -c 'echo ran >/shared/program'
  create_container c1
  capture spacer start c1
  assert_error "hooks\\.startContainer\\[0\\] \`$(ere_quote "$BATS_TEST_TMPDIR/record")\`: .*exec: No such file or directory$"
  wait_for_status c1 stopped
  [ ! -e "$SHARED/order" ]
  [ ! -e "$SHARED/program" ]
}

@test "args and env: each hook gets exactly hook.args as argv (argv[0] too) and hook.env as its environment" {
  local kind dir a env_opts=()
  # argv[0] is "ash", not the path's "sh": busybox (startContainer's
  # /bin/sh) picks its applet by argv[0], so it must be one.
  local args=(ash -c SCRIPT dollar0 "two words" "" '*' $'new\nline' 'quote" back\slash' "é")
  local env=("PATH=/usr/bin:/bin" "SPACED=a b" "EMPTY=" "EQUALS=a=b=c" $'NL=x\ny' "é=ü")
  for a in "${env[@]}"; do
    env_opts+=(-e "$a")
  done
  for kind in $KINDS; do
    dir=$SHARED
    [ "$kind" = startContainer ] && dir=/shared
    # A copy of the argv the kernel gave the shell (`:` last, or the
    # shell could exec cat and $self be cat's pid)...
    args[2]="$SELF; cat /proc/\$self/cmdline >$dir/$kind.argv; :"
    add_hook "${env_opts[@]}" "$kind" /bin/sh "${args[@]}"
    # ... and of the environment it gave cp (busybox sh rewrites its own).
    add_hook "${env_opts[@]}" "$kind" /bin/cp cp /proc/self/environ "$dir/$kind.env"
  done
  capture spacer run --bundle "$BUNDLE" c1
  assert_ok
  for kind in $KINDS; do
    dir=$SHARED
    [ "$kind" = startContainer ] && dir=/shared
    args[2]="$SELF; cat /proc/\$self/cmdline >$dir/$kind.argv; :"
    if ! cmp -s <(printf '%s\0' "${args[@]}") "$SHARED/$kind.argv"; then
      echo "$kind: argv: $(tr '\0' '|' <"$SHARED/$kind.argv")" >&2
      return 1
    fi
    if ! cmp -s <(printf '%s\0' "${env[@]}") "$SHARED/$kind.env"; then
      echo "$kind: environment: $(tr '\0' '|' <"$SHARED/$kind.env")" >&2
      return 1
    fi
  done
}

@test "args and env: without env a hook's environment is empty, without args argv is just the path" {
  local kind dir hook
  cat >"$BATS_TEST_TMPDIR/argv-hook" <<EOF
#!/bin/sh
# argv-hook KIND: a hook without args. A #! script's \$0 is the path
# execve got, and \$# what followed argv[0].
$SELF
cat /proc/\$self/environ >$SHARED/\$(basename "\$0").env
echo "\$0 \$#" >$SHARED/\$(basename "\$0").argv
EOF
  chmod 755 "$BATS_TEST_TMPDIR/argv-hook"
  for kind in $KINDS; do
    if [ "$kind" = startContainer ]; then
      sed "s|$SHARED|/shared|" "$BATS_TEST_TMPDIR/argv-hook" >"$BUNDLE/rootfs/bin/$kind"
      chmod 755 "$BUNDLE/rootfs/bin/$kind"
      add_hook "$kind" "/bin/$kind"
    else
      ln -s argv-hook "$BATS_TEST_TMPDIR/$kind"
      add_hook "$kind" "$BATS_TEST_TMPDIR/$kind"
    fi
  done
  jq -e '[.hooks[][] | has("args") or has("env")] | any | not' "$BUNDLE/config.json"
  capture spacer run --bundle "$BUNDLE" c1
  assert_ok
  for kind in $KINDS; do
    hook=$BATS_TEST_TMPDIR/$kind
    [ "$kind" = startContainer ] && hook=/bin/$kind
    [ "$(cat "$SHARED/$kind.argv")" = "$hook 0" ] || {
      echo "$kind: \$0 \$#: $(cat "$SHARED/$kind.argv")" >&2
      return 1
    }
    [ ! -s "$SHARED/$kind.env" ] || {
      echo "$kind: environment: $(tr '\0' '|' <"$SHARED/$kind.env")" >&2
      return 1
    }
  done
}

@test "stdin: a big state (300 kB of annotations) reaches every hook whole; one that does not read it does not block" {
  # More than a socket buffer (net.core.wmem_default, 208 kB) holds.
  update_config '.annotations.big = ("0123456789abcdef" * 19200)'
  # prestart never reads its stdin; the others read it all.
  shell_hook prestart 'sleep 0.2'
  record_hook createRuntime createContainer startContainer poststart poststop
  set_args true
  capture timeout 20 "$SPACER" --root "$ROOT" run --bundle "$BUNDLE" c1
  assert_ok
  local kind
  for kind in createRuntime createContainer startContainer poststart poststop; do
    jq -e --slurpfile cfg "$BUNDLE/config.json" '.annotations == $cfg[0].annotations' \
      "$SHARED/$kind.json" >/dev/null || {
      echo "$kind: got $(wc -c <"$SHARED/$kind.json") bytes, not the state with all annotations" >&2
      return 1
    }
  done
}

# ---- timeout ----

@test "timeout: a createRuntime hook still running after its timeout is killed, create fails naming it" {
  record_hook poststop
  shell_hook -t 1 createRuntime "echo going to sleep; $(sleeper_script "$SHARED/sleeper.pid")"
  local start
  start=$(now)
  capture spacer create --bundle "$BUNDLE" c1
  elapsed_below "$start" 5
  assert_error '^spacer: [^ ]*/config\.json: hooks\.createRuntime\[0\] `/bin/sh`: timed out after 1 s, killed: going to sleep$'
  local sleeper
  sleeper=$(cat "$SHARED/sleeper.pid")
  BG_PIDS+=("$sleeper")
  ! process_alive "$sleeper" || false
  assert_nothing_left "$sleeper"
  assert_order poststop
}

@test "timeout: a hook that started a child and then outlives its timeout is killed with the child" {
  shell_hook -t 1 createRuntime "sleep 30 & echo \$! >$SHARED/child.pid; wait"
  capture spacer create --bundle "$BUNDLE" c1
  assert_error 'hooks\.createRuntime\[0\] `/bin/sh`: timed out after 1 s, killed$'
  local child
  child=$(cat "$SHARED/child.pid")
  BG_PIDS+=("$child")
  wait_until process_gone "$child"
  assert_nothing_left "$child"
}

@test "timeout: a createContainer hook, run in the container, is killed the same way" {
  record_hook poststop
  shell_hook -t 1 createContainer "$(sleeper_script "$SHARED/sleeper.pid")"
  local start
  start=$(now)
  capture spacer create --bundle "$BUNDLE" c1
  elapsed_below "$start" 5
  assert_error '^spacer: [^ ]*/config\.json: (container init: )?hooks\.createContainer\[0\] `/bin/sh`: timed out after 1 s, killed$'
  local sleeper
  sleeper=$(cat "$SHARED/sleeper.pid")
  BG_PIDS+=("$sleeper")
  assert_nothing_left "$sleeper"
  assert_order poststop
}

@test "timeout: a startContainer hook that outlives it fails start" {
  shell_hook -t 1 startContainer 'echo start hook sleeping; exec sleep 30'
  set_args sh -c 'echo ran >/shared/program'
  create_container c1
  local pid start
  pid=$(state_field c1 pid)
  start=$(now)
  capture spacer start c1
  elapsed_below "$start" 5
  assert_error 'hooks\.startContainer\[0\] `/bin/sh`: timed out after 1 s, killed: start hook sleeping$'
  wait_for_status c1 stopped
  [ ! -e "$SHARED/program" ]
  spacer delete c1
  assert_nothing_left "$pid"
}

@test "timeout: it is in seconds, a hook done well within it is fine" {
  # 0.3 s is far more than a timeout of 1 taken as milliseconds.
  shell_hook -t 1 createRuntime 'sleep 0.3'
  record_hook createContainer
  set_args sleep 100
  create_container c1
  [ "$(state_field c1 status)" = created ]
  assert_order createContainer
}

# ---- failing create hooks ----

# failing_create_hook KIND: create fails at a hook of KIND that exits 3,
# hooks.KIND[1] (a record hook before it, one after it that must not run),
# with one error line naming it, its exit status and its last output; the
# hooks of later stages do not run, poststop does, and nothing is left.
failing_create_hook() {
  local kind=$1 k want=()
  record_hook $KINDS
  # Between the two record hooks of KIND: hooks.KIND[1].
  update_config '.hooks[$kind] |= [.[0], {path: "/bin/sh", args: ["sh", "-c", $script]}, .[0]]' \
    --arg kind "$kind" \
    --arg script "cat >$SHARED/failing.json; echo some output; echo 'the last words' >&2; exit 3"
  set_args sh -c 'echo ran >/shared/program'
  capture spacer create --bundle "$BUNDLE" c1
  assert_error "^spacer: [^ ]*/config\.json: (container init: )?hooks\\.$kind\\[1\\] \`/bin/sh\`: exit status 3: .*the last words\$"
  local pid
  pid=$(json_pid "$SHARED/failing.json")
  [ "$pid" -gt 0 ]
  assert_nothing_left "$pid"
  for k in prestart createRuntime createContainer; do
    want+=("$k")
    [ "$k" = "$kind" ] && break
  done
  assert_order "${want[@]}" poststop
  jq -e '.id == "c1" and .status == "stopped"' "$SHARED/poststop.json" >/dev/null
  [ ! -e "$SHARED/program" ]
  # The id is free again.
  : >"$SHARED/order"
  update_config 'del(.hooks)'
  set_args true
  create_container c1
}

@test "failing prestart hook: create fails naming it, nothing is left, poststop runs" {
  failing_create_hook prestart
}

@test "failing createRuntime hook: create fails naming it, nothing is left, poststop runs" {
  failing_create_hook createRuntime
}

@test "failing createContainer hook: create fails naming it, nothing is left, poststop runs" {
  failing_create_hook createContainer
}

@test "failing createRuntime hook: run fails the same way, the program never runs" {
  record_hook $KINDS
  shell_hook createRuntime 'echo "no way" >&2; exit 9'
  set_args sh -c 'echo ran >/shared/program'
  capture spacer run --bundle "$BUNDLE" c1
  assert_error '^spacer: [^ ]*/config\.json: hooks\.createRuntime\[1\] `/bin/sh`: exit status 9: no way$'
  assert_nothing_left
  assert_order prestart createRuntime poststop
  [ ! -e "$SHARED/program" ]
}

@test "a hook killed by a signal fails create, naming the signal" {
  shell_hook createRuntime 'echo about to die; kill -KILL $$'
  create_fails_cleanly '^spacer: [^ ]*/config\.json: hooks\.createRuntime\[0\] `/bin/sh`: killed by signal 9: about to die$'
}

@test "a hook whose path does not exist fails create with one line naming it" {
  record_hook poststop
  local missing=$BATS_TEST_TMPDIR/no-such-hook
  add_hook createRuntime "$missing" no-such-hook
  create_fails_cleanly "^spacer: [^ ]*/config\.json: hooks\\.createRuntime\\[0\\] \`$(ere_quote "$missing")\`: .*exec: No such file or directory\$"
  assert_order poststop
}

@test "the error of a failing hook ends with its last output, even when spacer fell behind reading it" {
  # The hook waits for "go", writes 48 kB of noise (the pipe takes it
  # all), the words that tell what went wrong, and exits; meanwhile spacer
  # is stopped, so it finds the hook exited with all of that unread.
  shell_hook createRuntime "echo \$\$ >$SHARED/hook.pid
    while [ ! -e $SHARED/go ]; do sleep 0.01; done
    s=noise-noise-noise-noise-; for i in 1 2 3 4 5 6 7 8 9 10 11; do s=\$s\$s; done
    printf '%s\n' \"first \$s\"; echo 'the real problem' >&2; exit 1"
  "$SPACER" --root "$ROOT" create --bundle "$BUNDLE" c1 \
    >"$BATS_TEST_TMPDIR/create.out" 2>&1 </dev/null &
  local runner=$! hook i
  RUNNERS+=("$runner")
  wait_for_file "$SHARED/hook.pid"
  hook=$(cat "$SHARED/hook.pid")
  kill -STOP "$runner"
  touch "$SHARED/go"
  for i in $(seq 100); do
    process_alive "$hook" || break
    sleep 0.05
  done
  ! process_alive "$hook" || false
  kill -CONT "$runner"
  status=0
  wait "$runner" || status=$?
  output=$(cat "$BATS_TEST_TMPDIR/create.out")
  assert_error '^spacer: [^ ]*/config\.json: hooks\.createRuntime\[0\] `/bin/sh`: exit status 1: .*noise-\\x0athe real problem$'
  # The last output, not all of it.
  [ "${#output}" -lt 4096 ]
  [[ $output != *first* ]]
  assert_nothing_left
}

# ---- startContainer failing ----

@test "failing startContainer hook: create works, start fails naming it, the program never runs, delete runs poststop" {
  record_hook $KINDS
  shell_hook startContainer 'echo "no start for you" >&2; exit 4'
  record_hook startContainer
  set_args sh -c 'echo ran >/shared/program'
  create_container c1 --pid-file "$BATS_TEST_TMPDIR/c1.pid"
  local pid
  pid=$(cat "$BATS_TEST_TMPDIR/c1.pid")
  capture spacer start c1
  assert_error 'hooks\.startContainer\[1\] `/bin/sh`: exit status 4: no start for you$'
  wait_for_status c1 stopped
  ! process_alive "$pid" || false
  [ ! -e "$SHARED/program" ]
  # No poststart: the program did not start. Nor the hook after the failing one.
  assert_order prestart createRuntime createContainer startContainer
  spacer delete c1
  assert_order prestart createRuntime createContainer startContainer poststop
  assert_nothing_left "$pid"
}

@test "failing startContainer hook: run fails naming it, nothing is left, poststop runs" {
  record_hook $KINDS
  shell_hook startContainer 'echo "no start for you" >&2; exit 4'
  set_args sh -c 'echo ran >/shared/program'
  capture timeout 20 "$SPACER" --root "$ROOT" run --bundle "$BUNDLE" c1
  assert_error 'hooks\.startContainer\[1\] `/bin/sh`: exit status 4: no start for you$'
  [ ! -e "$SHARED/program" ]
  assert_nothing_left "$(json_pid "$SHARED/createRuntime.json")"
  assert_order prestart createRuntime createContainer startContainer poststop
}

# ---- poststart and poststop failing ----

@test "failing poststart hook: start fails naming it, the container is killed and left stopped, later poststart hooks do not run, delete runs poststop" {
  record_hook $KINDS
  shell_hook poststart 'echo "poststart trouble" >&2; exit 5'
  record_hook poststart
  set_args sh -c 'echo ran >/shared/program; exec sleep 100'
  create_container c1 --pid-file "$BATS_TEST_TMPDIR/c1.pid"
  local pid
  pid=$(cat "$BATS_TEST_TMPDIR/c1.pid")
  capture spacer start c1
  assert_error '^spacer: container `c1`: hooks\.poststart\[1\] `/bin/sh`: exit status 5: poststart trouble \(the container was killed; it is stopped, delete removes it\)$'
  # The program had started (poststart runs after its exec).
  [ -e "$SHARED/program" ]
  [ "$(state_field c1 status)" = stopped ]
  ! process_alive "$pid" || false
  assert_order prestart createRuntime createContainer startContainer poststart
  spacer delete c1
  assert_order prestart createRuntime createContainer startContainer poststart poststop
  assert_nothing_left "$pid"
}

@test "failing poststop hook: only a warning, delete succeeds, the container is gone, the other poststop hooks run" {
  record_hook $KINDS
  shell_hook poststop 'echo "poststop trouble"; exit 6'
  record_hook poststop
  set_args true
  create_container c1 --pid-file "$BATS_TEST_TMPDIR/c1.pid"
  spacer start c1
  wait_for_status c1 stopped
  capture spacer delete c1
  assert_ok
  [ -z "$stdout" ]
  assert_stderr_lines '^spacer: warning: hooks\.poststop\[1\] `/bin/sh`: exit status 6: poststop trouble$'
  assert_nothing_left "$(cat "$BATS_TEST_TMPDIR/c1.pid")"
  assert_order prestart createRuntime createContainer startContainer poststart poststop poststop
}

@test "run: a failing poststart hook fails run, the container is killed and deleted, poststop runs" {
  record_hook $KINDS
  shell_hook poststart 'echo "no poststart" >&2; exit 5'
  set_args sh -c 'echo ran >/shared/program; exec sleep 100'
  capture timeout 20 "$SPACER" --root "$ROOT" run --bundle "$BUNDLE" c1
  [ "$status" -eq 1 ]
  [ -e "$SHARED/program" ]
  assert_error '^spacer: container `c1`: hooks\.poststart\[1\] `/bin/sh`: exit status 5: no poststart \(the container was killed and deleted\)$'
  assert_nothing_left "$(json_pid "$SHARED/createRuntime.json")"
  assert_order prestart createRuntime createContainer startContainer poststart poststop
}

@test "run --detach and run --keep: a failing poststart hook fails them; --keep leaves the stopped container" {
  shell_hook poststart 'exit 5'
  record_hook poststop
  set_args sleep 100
  capture timeout 20 "$SPACER" --root "$ROOT" run --detach --bundle "$BUNDLE" c1
  assert_error '^spacer: container `c1`: hooks\.poststart\[0\] `/bin/sh`: exit status 5 \(the container was killed and deleted\)$'
  assert_nothing_left
  assert_order poststop
  capture timeout 20 "$SPACER" --root "$ROOT" run --keep --bundle "$BUNDLE" c2
  assert_error '^spacer: container `c2`: hooks\.poststart\[0\] `/bin/sh`: exit status 5 \(the container was killed; kept, stopped\)$'
  [ "$(state_field c2 status)" = stopped ]
  assert_order poststop
  spacer delete c2
  assert_order poststop poststop
  assert_nothing_left
}

@test "run: a failing poststop hook is a warning, run exits with the program's status" {
  record_hook $KINDS
  shell_hook poststop 'exit 6'
  set_args sh -c 'echo program-ran; exit 7'
  capture spacer run --bundle "$BUNDLE" c1
  [ "$status" -eq 7 ]
  [ "$stdout" = program-ran ]
  assert_stderr_lines '^spacer: warning: hooks\.poststop\[1\] `/bin/sh`: exit status 6$'
  assert_nothing_left
  assert_order prestart createRuntime createContainer startContainer poststart poststop
}

@test "a poststop hook that outlives its timeout is killed, with a warning, and delete succeeds" {
  shell_hook -t 1 poststop "$(sleeper_script "$SHARED/sleeper.pid")"
  record_hook poststop
  set_args true
  create_container c1
  local start
  start=$(now)
  capture spacer delete c1
  elapsed_below "$start" 5
  assert_ok
  assert_stderr_lines '^spacer: warning: hooks\.poststop\[0\] `/bin/sh`: timed out after 1 s, killed$'
  local sleeper
  sleeper=$(cat "$SHARED/sleeper.pid")
  BG_PIDS+=("$sleeper")
  assert_nothing_left "$sleeper"
  assert_order poststop
}

# ---- run --detach, delete --force ----

@test "run --detach runs the hooks up to poststart, delete --force runs poststop once" {
  record_hook $KINDS
  set_args sleep 100
  capture timeout 20 "$SPACER" --root "$ROOT" run --detach --bundle "$BUNDLE" c1
  assert_ok
  [ "$(state_field c1 status)" = running ]
  assert_order prestart createRuntime createContainer startContainer poststart
  local pid
  pid=$(state_field c1 pid)
  spacer delete --force c1
  assert_order prestart createRuntime createContainer startContainer poststart poststop
  assert_nothing_left "$pid"
  # Deleting what is gone runs nothing.
  spacer delete --force c1
  assert_order prestart createRuntime createContainer startContainer poststart poststop
}

@test "delete of a created container (never started) runs poststop, not poststart" {
  record_hook $KINDS
  set_args sleep 100
  create_container c1
  local pid
  pid=$(state_field c1 pid)
  spacer delete c1
  assert_order prestart createRuntime createContainer poststop
  assert_nothing_left "$pid"
}

# ---- hooks that outlive nothing ----

@test "a hook's background child that keeps its output open does not hold up create" {
  # The hook exits at once; its child keeps the hook's stdout for 5 s.
  shell_hook prestart "sleep 5 & echo \$! >$SHARED/child.pid"
  record_hook createRuntime
  set_args sleep 100
  local start
  start=$(now)
  create_container c1
  elapsed_below "$start" 3
  BG_PIDS+=("$(cat "$SHARED/child.pid")")
  assert_order createRuntime
}

# ---- bad hook config ----

@test "config: a relative hook path is rejected at create with its JSON path, nothing runs" {
  record_hook prestart poststop
  add_hook createRuntime bin/hook
  local where
  where=$(ere_quote "$BUNDLE/config.json: hooks.createRuntime[0].path")
  create_fails_cleanly "^spacer: $where: must be an absolute path\$"
  [ ! -e "$SHARED/order" ]
}

@test "config: a timeout of 0 (or less) is rejected at create with its JSON path, nothing runs" {
  record_hook prestart poststop poststop
  local t where
  for t in 0 -1; do
    update_config '.hooks.poststop[1].timeout = $t' --argjson t "$t"
    where=$(ere_quote "$BUNDLE/config.json: hooks.poststop[1].timeout")
    create_fails_cleanly "^spacer: $where: must be greater than 0\$"
  done
  [ ! -e "$SHARED/order" ]
}

#!/usr/bin/env bats
# User namespaces: linux.uidMappings/gidMappings (written by the runtime,
# several ranges, setgroups), their checks at load time, rootless use (a
# plain user running `spacer spec --rootless` bundles with its state in
# $XDG_RUNTIME_DIR/spacer), and idmapped bind mounts (runtime-spec 1.2: the
# "idmap"/"ridmap" options and a mount's own uidMappings/gidMappings).
#
# The busybox rootfs belongs to host root, which a user namespace mapping
# 0 to 100000 leaves unmapped: the container's root cannot create mount
# destinations in it, so the tests make them in $BUNDLE/rootfs beforehand.

# status, output, stdout, stderr: set by `run` and capture (helpers.bash).
# shellcheck disable=SC2154

load helpers

bats_require_minimum_version 1.5.0

setup_file() {
  share_rootfs
  subid_user_setup
}

teardown_file() {
  subid_user_teardown
}

setup() {
  # The bundle's rootfs links share_rootfs's copy (see setup_linked_bundle)
  # and root.readonly stays true, so no container can write through it.
  SPACER_TEST_ROOTFS=$BATS_FILE_TMPDIR/no-rootfs setup_bundle
  HOST_MOUNTS=()
  RL_USER=
  # The container's root (host uid 100000, or a plain user) resolves the
  # rootfs and the sources of plain bind mounts itself, and bats keeps its
  # tree private (0700, host root's). So each test's bundle and host
  # directories ($HOST) live in a directory of their own outside it ($WORK,
  # removed by teardown); the state directory stays in bats' tree.
  WORK=$(mktemp -d /tmp/spacer-userns.XXXXXX)
  chmod 755 "$WORK"
  mv "$BUNDLE" "$WORK/bundle"
  BUNDLE=$WORK/bundle
  rmdir "$BUNDLE/rootfs"
  cp -al "$BATS_FILE_TMPDIR/rootfs" "$BUNDLE/rootfs"
  [ "$(jq .root.readonly "$BUNDLE/config.json")" = true ]
  HOST=$WORK/host
  mkdir "$HOST"
}

teardown() {
  local rc=0 mp id i
  # Rootless containers are deleted by their owner first; teardown_containers
  # then deletes whatever is left (as root) and checks for leaks.
  if [ -n "$RL_USER" ] && [ -d "$ROOT" ]; then
    for id in $(as_user "$SPACER" --root "$ROOT" list -q 2>/dev/null); do
      as_user "$SPACER" --root "$ROOT" delete --force "$id" </dev/null || rc=1
    done
  fi
  for ((i = ${#HOST_MOUNTS[@]} - 1; i >= 0; i--)); do
    umount -l "${HOST_MOUNTS[$i]}" || rc=1
  done
  teardown_containers || rc=1
  if [ -n "$WORK" ]; then
    if grep -qF -- "$WORK" /proc/self/mountinfo; then
      echo "leaked mounts:" >&2
      grep -F -- "$WORK" /proc/self/mountinfo >&2
      rc=1
      for mp in $(awk -v d="$WORK" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
        umount -l "$mp" || true
      done
    fi
    rm -rf -- "$WORK"
  fi
  # The user with subordinate ids is the file's (subid_user_teardown).
  if [ -n "$RL_USER" ] && [ "$RL_USER" != "${SUBID_USER:-}" ]; then
    userdel "$RL_USER" || {
      echo "userdel $RL_USER failed; forcing" >&2
      userdel -f "$RL_USER" || true
      rc=1
    }
  fi
  return "$rc"
}

# ---- helpers of this file ----

# The container's id maps of these tests: root and the first 65536 ids of
# the container are host ids 100000-165535.
MAP_0_100000='[{"containerID": 0, "hostID": 100000, "size": 65536}]'

# userns [UID_MAPS [GID_MAPS]]: the container gets a new user namespace with
# these maps (JSON arrays; default $MAP_0_100000, the gid maps default to
# the uid maps).
userns() {
  local uids=${1:-$MAP_0_100000}
  local gids=${2:-$uids}
  update_config 'del(.linux.namespaces[] | select(.type == "user"))
    | .linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = $u | .linux.gidMappings = $g' --argjson u "$uids" --argjson g "$gids"
}

# add_mount JSON: append a mount object to the config.
add_mount() {
  update_config '.mounts += [$m]' --argjson m "$1"
}

# bind SOURCE DEST [OPTIONS_JSON [EXTRA_JSON]]: a bind mount of a host
# directory (options default ["rbind", "rw"]; EXTRA_JSON is merged into the
# mount object). DEST is made in the rootfs beforehand.
bind() {
  local src=$1 dst=$2 opts=${3:-'["rbind", "rw"]'} extra=${4:-'{}'}
  mkdir -p "$BUNDLE/rootfs$dst"
  update_config '.mounts += [{"destination": $d, "type": "bind", "source": $s, "options": $o} + $x]' \
    --arg s "$src" --arg d "$dst" --argjson o "$opts" --argjson x "$extra"
}

# run_container SCRIPT: `spacer run` a container running `sh -c SCRIPT`, as
# capture does (stdout in $stdout, etc.), with a time limit.
run_container() {
  set_args sh -c "$1"
  capture timeout 20 "$SPACER" --root "$ROOT" run --bundle "$BUNDLE" c1
}

# maps TEXT: the lines of a uid_map/gid_map without the column padding.
maps() {
  awk '{ print $1, $2, $3 }' <<<"$1"
}

# proc_ids PID Uid|Gid: the real, effective, saved and fs ids of a process
# as the host sees them.
proc_ids() {
  awk -v k="$2:" '$1 == k { print $2, $3, $4, $5 }' "/proc/$1/status"
}

# config_refused WHERE WHAT: `spacer create` and `spacer run` of the bundle
# both fail with the one line "spacer: $BUNDLE/config.json: WHERE: WHAT..."
# (WHERE literal, WHAT an extended regex) and leave nothing behind.
config_refused() {
  local cmd pattern
  pattern="^spacer: $(ere_quote "$BUNDLE/config.json: $1: ")$2"
  for cmd in create run; do
    capture timeout 20 "$SPACER" --root "$ROOT" "$cmd" --bundle "$BUNDLE" "c-$cmd"
    assert_error "$pattern" || {
      echo "(from spacer $cmd)" >&2
      return 1
    }
    assert_nothing_left
  done
}

# ---- rootless helpers ----

# rootless_setup [USER]: a plain user of this test ($RL_USER, $RL_UID,
# $RL_GID, removed by teardown), or the existing USER, owning $WORK and the
# bundle directory, which has no config.json yet. The rootfs stays host
# root's: the rootless spec needs no mount destination made in it. $XDG is
# the user's XDG_RUNTIME_DIR and $ROOT its state directory there.
rootless_setup() {
  local name=spct$$t$BATS_TEST_NUMBER
  if [ -n "${1:-}" ]; then
    RL_USER=$1
  else
    # No subordinate id ranges: nothing written to /etc/subuid. $RL_USER
    # is set only once the user is ours: teardown deletes it.
    useradd -M -U -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 -s /usr/sbin/nologin "$name"
    RL_USER=$name
  fi
  RL_UID=$(id -u "$RL_USER")
  RL_GID=$(id -g "$RL_USER")
  rm "$BUNDLE/config.json"
  chown "$RL_UID:$RL_GID" "$WORK" "$BUNDLE"
  XDG=$WORK/xdg
  ROOT=$XDG/spacer
}

# as_user CMD...: CMD as the plain user with a clean environment holding
# PATH, XDG_RUNTIME_DIR=$XDG and the test's mark, from the bundle directory.
as_user() {
  (cd "$BUNDLE" && setpriv --reuid "$RL_UID" --regid "$RL_GID" --init-groups \
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin XDG_RUNTIME_DIR="$XDG" \
    SPACER_TEST_MARK="$SPACER_TEST_MARK" "$@")
}

# as_user_no_xdg CMD...: the same without XDG_RUNTIME_DIR.
as_user_no_xdg() {
  (cd "$BUNDLE" && setpriv --reuid "$RL_UID" --regid "$RL_GID" --init-groups \
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin SPACER_TEST_MARK="$SPACER_TEST_MARK" "$@")
}

# rootless_spec: the user writes the bundle's config with `spacer spec
# --rootless`; the program gets the test's mark and no terminal.
rootless_spec() {
  as_user "$SPACER" spec --rootless --bundle "$BUNDLE"
  # The rootfs's files are shared hardlinks (see setup).
  [ "$(jq .root.readonly "$BUNDLE/config.json")" = true ]
  update_config '.process.terminal = false | .process.args = ["true"]
    | .process.env += ["SPACER_TEST_MARK=" + $mark]' --arg mark "$SPACER_TEST_MARK"
}

# rootless_create ID: `spacer create` as the user, state in $XDG/spacer,
# the container's output in $BATS_TEST_TMPDIR/ID.log.
rootless_create() {
  as_user "$SPACER" create --bundle "$BUNDLE" "$1" >"$BATS_TEST_TMPDIR/$1.log" 2>&1 </dev/null || {
    cat "$BATS_TEST_TMPDIR/$1.log" >&2
    return 1
  }
}

# rootless_wait_for_status ID STATUS: poll `spacer state` (as the user) up to 5 s.
rootless_wait_for_status() {
  local i now
  for i in $(seq 100); do
    now=$(as_user "$SPACER" state "$1" 2>/dev/null | jq -r .status)
    [ "$now" = "$2" ] && return 0
    sleep 0.05
  done
  echo "container $1 did not reach status $2 (now: $now)" >&2
  return 1
}

# ---- a user with subordinate ids (newuidmap/newgidmap) ----
#
# setup_file makes one plain user, $SUBID_USER, to whom /etc/subuid and
# /etc/subgid grant $SUBID_COUNT ids from $SUBID_START on, through usermod
# (which edits them under shadow's lock). teardown_file deletes the user
# and takes exactly its lines back out of both files, restoring the copies
# kept before where no one else changed them meanwhile. Where this host
# cannot have such a user nothing is made and $SUBID_SKIP says why.

SUBID_COUNT=65536

# subid_free_start: a multiple of 65536, from 1000000 on, above every range
# /etc/subuid and /etc/subgid grant anyone.
subid_free_start() {
  cat /etc/subuid /etc/subgid 2>/dev/null | awk -F: '
    NF == 3 && $2 + $3 > top { top = $2 + $3 }
    END { if (top < 1000000) top = 1000000; printf "%d\n", int((top + 65535) / 65536) * 65536 }'
}

subid_user_setup() {
  export SUBID_USER='' SUBID_SKIP='' SUBID_START=''
  local tool f name=spacer-t-$$
  for tool in useradd usermod userdel; do
    command -v "$tool" >/dev/null || {
      SUBID_SKIP="no $tool here to make a user with subordinate ids"
      return 0
    }
  done
  if SUBID_SKIP=$(no_unprivileged_user_namespaces); then
    return 0
  fi
  # A file that was not there is made empty, and goes again at the end.
  for f in subuid subgid; do
    if [ -e "/etc/$f" ]; then
      cp -p "/etc/$f" "$BATS_FILE_TMPDIR/$f.orig"
    else
      touch "/etc/$f"
    fi
  done
  SUBID_START=$(subid_free_start)
  useradd -M -U -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 -s /usr/sbin/nologin "$name"
  SUBID_USER=$name
  local range=$SUBID_START-$((SUBID_START + SUBID_COUNT - 1))
  usermod --add-subuids "$range" --add-subgids "$range" "$SUBID_USER"
  grep -qx "$SUBID_USER:$SUBID_START:$SUBID_COUNT" /etc/subuid
  grep -qx "$SUBID_USER:$SUBID_START:$SUBID_COUNT" /etc/subgid
}

# subid_lines_out FILE NAME UID: the lines of NAME (or UID) out of FILE; the
# copy setup_file kept goes back where it is what is left (a file it made
# goes where nothing is left).
subid_lines_out() {
  local file=$1 orig=$BATS_FILE_TMPDIR/${1##*/}.orig left
  left=$(awk -F: -v n="$2" -v u="$3" '$1 != n && (u == "" || $1 != u)' "$file")
  if [ -e "$orig" ] && [ "$left" = "$(cat "$orig")" ]; then
    cat "$orig" >"$file"
  elif [ ! -e "$orig" ] && [ -z "$left" ]; then
    rm -f -- "$file"
  else
    echo "$file was changed by others meanwhile: only $2's lines are taken out" >&2
    if [ -n "$left" ]; then printf '%s\n' "$left" >"$file"; else : >"$file"; fi
  fi
}

subid_user_teardown() {
  [ -n "${SUBID_USER:-}" ] || return 0
  local rc=0 f uid
  uid=$(id -u "$SUBID_USER") || rc=1
  # userdel takes its ranges out too, under shadow's lock; the lines are
  # checked for all the same.
  userdel "$SUBID_USER" || {
    echo "userdel $SUBID_USER failed; forcing" >&2
    userdel -f "$SUBID_USER" || true
    rc=1
  }
  for f in /etc/subuid /etc/subgid; do
    if [ -e "$f" ]; then
      subid_lines_out "$f" "$SUBID_USER" "$uid" || rc=1
    fi
  done
  if id "$SUBID_USER" >/dev/null 2>&1; then
    echo "user $SUBID_USER is still there" >&2
    rc=1
  fi
  return "$rc"
}

# subid_setup: the test runs spacer as $SUBID_USER (rootless_setup) with a
# `spacer spec --rootless` config (rootless_spec); skipped where there is
# no such user.
subid_setup() {
  [ -z "$SUBID_SKIP" ] || skip "$SUBID_SKIP"
  rootless_setup "$SUBID_USER"
  rootless_spec
}

# subid_map OWN [START [SIZE]]: container root is host id OWN (the user's),
# container ids 1.. host ids START.. (default $SUBID_START, $SUBID_COUNT of
# them), as JSON.
subid_map() {
  jq -nc --argjson own "$1" --argjson start "${2:-$SUBID_START}" --argjson n "${3:-$SUBID_COUNT}" \
    '[{containerID: 0, hostID: $own, size: 1}, {containerID: 1, hostID: $start, size: $n}]'
}

# ---- id maps ----

@test "userns: the container's uid_map and gid_map are linux.uidMappings and gidMappings" {
  require_user_namespaces
  userns
  run_container 'cat /proc/self/uid_map; cat /proc/self/gid_map'
  assert_ok
  [ "$(maps "$stdout")" = "0 100000 65536
0 100000 65536" ]
}

@test "userns: the program is root inside and host uid 100000 outside" {
  require_user_namespaces
  userns
  run_container 'id -u; id -g'
  assert_ok
  assert_output "0
0"
  # From the host, while it runs: the init (created, not started yet) is
  # root of its namespace, i.e. host 100000, and the host reads the same maps.
  set_args sh -c 'echo started; exec sleep 100'
  create_container c2
  local pid
  pid=$(state_field c2 pid)
  [ "$(maps "$(cat "/proc/$pid/uid_map")")" = "0 100000 65536" ]
  [ "$(maps "$(cat "/proc/$pid/gid_map")")" = "0 100000 65536" ]
  [ "$(proc_ids "$pid" Uid)" = "100000 100000 100000 100000" ]
  [ "$(proc_ids "$pid" Gid)" = "100000 100000 100000 100000" ]
  # And the user program once started: `sleep` itself runs as host 100000.
  spacer start c2
  wait_for_log c2 started
  [ "$(proc_ids "$pid" Uid)" = "100000 100000 100000 100000" ]
  [ "$(stat -c %u:%g "/proc/$pid")" = 100000:100000 ]
  # Not in the host's user namespace.
  [ "$(readlink "/proc/$pid/ns/user")" != "$(readlink /proc/self/ns/user)" ]
}

@test "userns: a file the container's root creates in a plain bind mount is 100000:100000 on the host" {
  require_user_namespaces
  local dir=$HOST/shared
  mkdir "$dir"
  chown 100000:100000 "$dir"
  userns
  bind "$dir" /mnt/shared
  run_container 'echo hi >/mnt/shared/made && stat -c %u:%g /mnt/shared/made'
  assert_ok
  # Inside it is the container's root's file.
  assert_output 0:0
  [ "$(stat -c %u:%g "$dir/made")" = 100000:100000 ]
  [ "$(cat "$dir/made")" = hi ]
}

@test "userns: a bind source behind a directory only the host's root may search is mounted all the same, as with runc" {
  require_user_namespaces
  # $HOST/private is 0700 root: the container's root (host 100000) could
  # not reach private/shared; the runtime opens it before the init exists.
  mkdir -p "$HOST/private/shared"
  chmod 700 "$HOST/private"
  chmod 755 "$HOST/private/shared"
  echo readable >"$HOST/private/shared/file"
  userns
  bind "$HOST/private/shared" /mnt/shared
  run_container 'cat /mnt/shared/file'
  assert_ok
  assert_output readable
}

@test "userns: several ranges are all written and a program as uid 1500 is host uid 200500" {
  require_user_namespaces
  local two='[{"containerID": 0, "hostID": 100000, "size": 1000},
              {"containerID": 1000, "hostID": 200000, "size": 1000}]'
  userns "$two"
  update_config '.process.user = {"uid": 1500, "gid": 1500}'
  set_args sh -c 'cat /proc/self/uid_map /proc/self/gid_map; echo "ids $(id -u) $(id -g)"; exec sleep 100'
  create_container c1
  local pid
  pid=$(state_field c1 pid)
  [ "$(maps "$(cat "/proc/$pid/uid_map")")" = "0 100000 1000
1000 200000 1000" ]
  spacer start c1
  wait_for_log c1 "ids "
  [ "$(maps "$(container_log c1)" | head -n 4)" = "0 100000 1000
1000 200000 1000
0 100000 1000
1000 200000 1000" ]
  grep -qx "ids 1500 1500" "$BATS_TEST_TMPDIR/c1.log"
  # `exec sleep`: the program is still the init's pid.
  [ "$(proc_ids "$pid" Uid)" = "200500 200500 200500 200500" ]
  [ "$(proc_ids "$pid" Gid)" = "200500 200500 200500 200500" ]
}

@test "userns: gid maps may differ from the uid maps" {
  require_user_namespaces
  userns "$MAP_0_100000" '[{"containerID": 0, "hostID": 300000, "size": 65536}]'
  set_args sleep 100
  create_container c1
  local pid
  pid=$(state_field c1 pid)
  [ "$(maps "$(cat "/proc/$pid/uid_map")")" = "0 100000 65536" ]
  [ "$(maps "$(cat "/proc/$pid/gid_map")")" = "0 300000 65536" ]
  [ "$(proc_ids "$pid" Uid)" = "100000 100000 100000 100000" ]
  [ "$(proc_ids "$pid" Gid)" = "300000 300000 300000 300000" ]
}

@test "userns: a runtime run by root leaves setgroups allowed" {
  require_user_namespaces
  userns
  run_container 'cat /proc/self/setgroups'
  assert_ok
  assert_output allow
  # So process.user.additionalGids still work in the user namespace.
  update_config '.process.user = {"uid": 0, "gid": 0, "additionalGids": [10, 20]}'
  run_container 'id -G'
  assert_ok
  assert_output "0 10 20"
}

# ---- invalid maps: refused at load time, naming the JSON path ----

@test "userns: devices are the host's nodes bound in, since no node can be made" {
  require_user_namespaces
  userns
  update_config '.linux.devices = [{"path": "/dev/zero", "type": "c", "major": 1, "minor": 5}]'
  run_container 'stat -c "%n %F %t:%T" /dev/null /dev/zero; grep -c " /dev/null " /proc/self/mountinfo'
  assert_ok
  assert_output "/dev/null character special file 1:3
/dev/zero character special file 1:5
1"
}

@test "userns: a device whose host path is another device is refused, nothing created" {
  require_user_namespaces
  userns
  # The host's /dev/null is 1:3, not the 1:5 asked for: binding it would
  # give the container a different device than its config names.
  update_config '.linux.devices = [{"path": "/dev/null", "type": "c", "major": 1, "minor": 5}]'
  run timeout 20 "$SPACER" --root "$ROOT" run --bundle "$BUNDLE" c1
  assert_error "config.json: container init: linux.devices\\[0\\]: the host.s ./dev/null. is not the device c 1:5, refused"
  assert_nothing_left
}

@test "userns: a mapping of size 0 is refused" {
  userns '[{"containerID": 0, "hostID": 100000, "size": 0}]' "$MAP_0_100000"
  config_refused 'linux.uidMappings[0].size' '.*(greater than|positive|zero|at least)'
}

@test "userns: overlapping containerID ranges are refused" {
  userns '[{"containerID": 0, "hostID": 100000, "size": 1000},
           {"containerID": 999, "hostID": 200000, "size": 10}]' "$MAP_0_100000"
  config_refused 'linux.uidMappings[1]' 'containerID range overlaps'
}

@test "userns: overlapping hostID ranges are refused" {
  userns "$MAP_0_100000" '[{"containerID": 0, "hostID": 100000, "size": 1000},
                          {"containerID": 5000, "hostID": 100999, "size": 10}]'
  config_refused 'linux.gidMappings[1]' 'hostID range overlaps'
}

@test "userns: a range going past id 4294967295 is refused" {
  userns '[{"containerID": 0, "hostID": 4294967000, "size": 65536}]' "$MAP_0_100000"
  config_refused 'linux.uidMappings[0]' '.*range goes past'
  userns "$MAP_0_100000" '[{"containerID": 4294967295, "hostID": 100000, "size": 2}]'
  config_refused 'linux.gidMappings[0]' '.*range goes past'
}

@test "userns: a range that includes id 4294967295 ((uid_t) -1, never mappable) is refused at load time" {
  # The kernel refuses any range holding 4294967295 (the "no id" value of
  # chown(2)): the load-time check must too, rather than a create that gets
  # as far as spawning the init and then fails on the kernel's bare EINVAL.
  userns '[{"containerID": 4294967295, "hostID": 100000, "size": 1}]' "$MAP_0_100000"
  config_refused 'linux.uidMappings[0]' '.*(range|4294967295|4294967294)'
  userns "$MAP_0_100000" '[{"containerID": 1, "hostID": 0, "size": 4294967295}]'
  config_refused 'linux.gidMappings[0]' '.*(range|4294967295|4294967294)'
  # The same check for a mount's own maps.
  local dir=$HOST/data n
  mkdir "$dir"
  userns
  bind "$dir" /mnt/own '["bind"]' '{"uidMappings": [{"containerID": 0, "hostID": 4294967295, "size": 1}],
                                    "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 1}]}'
  n=$(($(jq '.mounts | length' "$BUNDLE/config.json") - 1))
  config_refused "mounts[$n].uidMappings[0]" '.*(range|4294967295|4294967294)'
}

@test "userns: uidMappings or gidMappings without a user namespace are refused" {
  update_config '.linux.uidMappings = $m | .linux.gidMappings = $m' --argjson m "$MAP_0_100000"
  config_refused 'linux.uidMappings' '.*user namespace'
  update_config 'del(.linux.uidMappings)'
  config_refused 'linux.gidMappings' '.*user namespace'
}

@test "userns: uidMappings with a user namespace joined by path are refused" {
  update_config '.linux.namespaces += [{"type": "user", "path": "/proc/self/ns/user"}]
    | .linux.uidMappings = $m | .linux.gidMappings = $m' --argjson m "$MAP_0_100000"
  config_refused 'linux.uidMappings' '.*new user namespace'
}

@test "userns: a new user namespace without gidMappings or uidMappings is refused" {
  userns
  update_config 'del(.linux.gidMappings)'
  config_refused 'linux.gidMappings' '.*required'
  userns
  update_config 'del(.linux.uidMappings)'
  config_refused 'linux.uidMappings' '.*required'
}

# ---- rootless ----

@test "rootless: spec --rootless and run work for a plain user, as root of a one-id namespace" {
  require_unprivileged_user_namespaces
  rootless_setup
  rootless_spec
  # The rootless spec: a user namespace, no network namespace, /sys bound.
  jq -e '[.linux.namespaces[].type] | index("user") != null and index("network") == null' \
    "$BUNDLE/config.json"
  jq -e '.mounts[] | select(.destination == "/sys") | .type == "none" or .type == "bind"' \
    "$BUNDLE/config.json"
  set_args sh -c 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; readlink /proc/self/ns/net'
  capture as_user timeout 20 "$SPACER" run --bundle "$BUNDLE" c1
  assert_ok
  [ "$(sed -n 1,2p <<<"$stdout")" = "0
0" ]
  [ "$(maps "$(sed -n 3,4p <<<"$stdout")")" = "0 $RL_UID 1
0 $RL_GID 1" ]
  # The host's network namespace.
  [ "$(sed -n 5p <<<"$stdout")" = "$(readlink /proc/self/ns/net)" ]
  [ -z "$stderr" ]
  # run deleted it: nothing in the state directory.
  [ -z "$(state_left)" ]
}

@test "rootless: limits without a cgroup the user may make are skipped with one warning, and the container runs" {
  require_unprivileged_user_namespaces
  rootless_setup
  rootless_spec
  update_config '.linux.resources = {"memory": {"limit": 67108864}, "pids": {"limit": 50}}'
  set_args sh -c 'cat /proc/self/cgroup'
  capture as_user timeout 20 "$SPACER" run --bundle "$BUNDLE" c1
  assert_ok
  [ "$(grep -c . <<<"$stderr")" -eq 1 ]
  [[ $stderr == "spacer: warning: rootless: no cgroup, linux.resources are not applied"* ]]
  # The program stayed in the cgroups of the user's shell.
  [[ $stdout != *spacer-c1* ]]
  # Without resources nothing is said.
  update_config 'del(.linux.resources)'
  capture as_user timeout 20 "$SPACER" run --bundle "$BUNDLE" c2
  assert_ok
  [ -z "$stderr" ]
}

@test "rootless: --rootless false makes a cgroup the user may not make an error; true and auto tolerate it" {
  rootless_setup
  rootless_spec
  update_config '.linux.resources = {"pids": {"limit": 50}}'
  set_args true
  capture as_user timeout 20 "$SPACER" --rootless false run --bundle "$BUNDLE" c1
  assert_error 'cgroup'
  [ -z "$(as_user "$SPACER" list -q)" ]
  local mode
  for mode in true auto; do
    capture as_user timeout 20 "$SPACER" --rootless "$mode" run --bundle "$BUNDLE" c1
    assert_ok
    [[ $stderr == "spacer: warning: rootless: no cgroup"* ]]
  done
}

@test "--rootless takes only true, false or auto" {
  capture spacer --rootless maybe list
  assert_error '--rootless: `maybe` is not true, false or auto'
}

@test "rootless: the init runs from a sealed copy of spacer, which no one can write" {
  # A plain user may not clone a mount of the host's: the runtime falls
  # back to a sealed memfd copy of itself (CVE-2019-5736, see exe.bats).
  rootless_setup
  rootless_spec
  set_args sleep 100
  rootless_create c1
  local pid
  pid=$(as_user "$SPACER" state c1 | jq .pid)
  [ "$(readlink "/proc/$pid/exe")" = "/memfd:spacer (deleted)" ]
  # Not even the host's root: the seals hold for everyone.
  run sh -c "printf x >>/proc/$pid/exe"
  [ "$status" -ne 0 ]
  as_user "$SPACER" delete --force c1
}

@test "rootless: setgroups is denied in the container's user namespace" {
  require_unprivileged_user_namespaces
  rootless_setup
  rootless_spec
  set_args sh -c 'cat /proc/self/setgroups; exec sleep 100'
  rootless_create c1
  local pid
  pid=$(as_user "$SPACER" state c1 | jq -r .pid)
  [ "$(cat "/proc/$pid/setgroups")" = deny ]
  as_user "$SPACER" start c1
  wait_for_log c1 deny
  [ "$(container_log c1)" = deny ]
}

@test "rootless: create, start, state, kill and delete keep the state in \$XDG_RUNTIME_DIR/spacer" {
  require_unprivileged_user_namespaces
  rootless_setup
  rootless_spec
  set_args sleep 100
  [ ! -e "$XDG" ]
  rootless_create c1
  [ -d "$XDG/spacer/c1" ]
  [ "$(stat -c %u "$XDG/spacer/c1")" = "$RL_UID" ]
  run as_user "$SPACER" list -q
  assert_ok
  assert_output c1
  local pid
  pid=$(as_user "$SPACER" state c1 | jq -r .pid)
  [ "$(as_user "$SPACER" state c1 | jq -r .status)" = created ]
  [ "$(proc_ids "$pid" Uid)" = "$RL_UID $RL_UID $RL_UID $RL_UID" ]
  as_user "$SPACER" start c1 </dev/null
  rootless_wait_for_status c1 running
  as_user "$SPACER" kill c1 KILL
  rootless_wait_for_status c1 stopped
  as_user "$SPACER" delete c1
  [ ! -e "$XDG/spacer/c1" ]
  run as_user "$SPACER" list -q
  assert_ok
  assert_output ""
  assert_nothing_left "$pid"
}

@test "rootless: state and list name the plain user as the container's owner" {
  rootless_setup
  rootless_spec
  set_args sleep 100
  rootless_create c1
  run as_user "$SPACER" state c1
  assert_ok
  jq -e --arg u "$RL_USER" '.owner == $u' <<<"$output"
  run as_user "$SPACER" list --format json
  assert_ok
  jq -e --arg u "$RL_USER" '.[0].owner == $u' <<<"$output"
  as_user "$SPACER" delete --force c1
}

@test "rootless: --root overrides XDG_RUNTIME_DIR" {
  require_unprivileged_user_namespaces
  rootless_setup
  rootless_spec
  set_args sleep 100
  local other=$WORK/other
  ROOT=$other # for teardown
  as_user "$SPACER" --root "$other" create --bundle "$BUNDLE" c1 >"$BATS_TEST_TMPDIR/c1.log" 2>&1 </dev/null || {
    container_log c1 >&2
    return 1
  }
  [ -d "$other/c1" ]
  [ ! -e "$XDG/spacer/c1" ]
  as_user "$SPACER" --root "$other" delete --force c1
  [ ! -e "$other/c1" ]
  # Without XDG_RUNTIME_DIR, --root alone is enough.
  set_args true
  capture as_user_no_xdg timeout 20 "$SPACER" --root "$other" run --bundle "$BUNDLE" c2
  assert_ok
  [ -z "$(state_left)" ]
}

@test "rootless: without XDG_RUNTIME_DIR and --root, one error line and nothing created" {
  rootless_setup
  rootless_spec
  local cmd
  for cmd in "run --bundle $BUNDLE c1" "create --bundle $BUNDLE c1" "list" "state c1" "delete c1"; do
    # shellcheck disable=SC2086 # word splitting wanted
    capture as_user_no_xdg timeout 20 "$SPACER" $cmd
    assert_error "XDG_RUNTIME_DIR" || {
      echo "(from spacer $cmd)" >&2
      return 1
    }
  done
  # A relative XDG_RUNTIME_DIR is invalid (XDG base directory spec) and an
  # empty one is unset: the same error.
  capture as_user env XDG_RUNTIME_DIR=relative/dir timeout 20 "$SPACER" run --bundle "$BUNDLE" c1
  assert_error "XDG_RUNTIME_DIR"
  capture as_user env XDG_RUNTIME_DIR= timeout 20 "$SPACER" run --bundle "$BUNDLE" c1
  assert_error "XDG_RUNTIME_DIR"
  [ ! -e "$XDG" ]
  [ ! -e "$BUNDLE/relative" ]
  [ "$(ls -A "$BUNDLE")" = "$(printf 'config.json\nrootfs')" ]
  assert_nothing_left
}

@test "rootless: a map of ids the user does not own fails with one error line and nothing left" {
  require_unprivileged_user_namespaces
  rootless_setup
  rootless_spec
  # A plain user may map its own uid only, and this one has no range in
  # /etc/subuid: newuidmap refuses (or is not there).
  update_config '.linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
  capture as_user timeout 20 "$SPACER" run --bundle "$BUNDLE" c1
  assert_error 'linux\.uidMappings: .newuidmap [0-9]+ 0 100000 65536.'
  assert_nothing_left
}

# ---- rootless with subordinate ids: newuidmap and newgidmap ----

@test "rootless: newuidmap/newgidmap map root to the user and ids 1-65536 to its /etc/subuid range" {
  subid_setup
  require_newidmap
  update_config '.linux.uidMappings = $u | .linux.gidMappings = $g
    | .process.user = {"uid": 1000, "gid": 1000}' \
    --argjson u "$(subid_map "$RL_UID")" --argjson g "$(subid_map "$RL_GID")"
  set_args sh -c 'cat /proc/self/uid_map /proc/self/gid_map; echo "ids $(id -u) $(id -g)"; exec sleep 100'
  rootless_create c1
  local pid host=$((SUBID_START + 999))
  pid=$(as_user "$SPACER" state c1 | jq -r .pid)
  # The host reads the maps in host ids.
  [ "$(maps "$(cat "/proc/$pid/uid_map")")" = "0 $RL_UID 1
1 $SUBID_START $SUBID_COUNT" ]
  [ "$(maps "$(cat "/proc/$pid/gid_map")")" = "0 $RL_GID 1
1 $SUBID_START $SUBID_COUNT" ]
  # The init is still the container's root, that is the user.
  [ "$(proc_ids "$pid" Uid)" = "$RL_UID $RL_UID $RL_UID $RL_UID" ]
  as_user "$SPACER" start c1 </dev/null
  wait_for_log c1 "ids "
  [ "$(maps "$(container_log c1)" | head -n 4)" = "0 $RL_UID 1
1 $SUBID_START $SUBID_COUNT
0 $RL_GID 1
1 $SUBID_START $SUBID_COUNT" ]
  grep -qx "ids 1000 1000" "$BATS_TEST_TMPDIR/c1.log"
  # `exec sleep`: the program, container uid 1000, is host id START + 999.
  [ "$(proc_ids "$pid" Uid)" = "$host $host $host $host" ]
  [ "$(proc_ids "$pid" Gid)" = "$host $host $host $host" ]
  # exec joins the same maps: container id 1234 is there too.
  run as_user "$SPACER" exec --user 1234:1234 c1 sh -c 'echo "$(id -u) $(id -g)"'
  assert_ok
  assert_output "1234 1234"
  as_user "$SPACER" delete --force c1
}

@test "rootless: with newgidmap setgroups stays allowed: container root chowns to id 1000 and takes additionalGids" {
  subid_setup
  require_newidmap
  update_config '.linux.uidMappings = $u | .linux.gidMappings = $g
    | .process.user = {"uid": 0, "gid": 0, "additionalGids": [10, 1000]}
    | .process.capabilities |= with_entries(.value += ["CAP_CHOWN"])' \
    --argjson u "$(subid_map "$RL_UID")" --argjson g "$(subid_map "$RL_GID")"
  # /dev/shm is a tmpfs of the container's: id 1000 exists there only
  # because the maps hold it (chown to an unmapped id fails with EINVAL).
  set_args sh -c 'cat /proc/self/setgroups; id -G
    touch /dev/shm/f && chown 1000:1000 /dev/shm/f && stat -c %u:%g /dev/shm/f'
  capture as_user timeout 20 "$SPACER" run --bundle "$BUNDLE" c1
  assert_ok
  assert_output "allow
0 10 1000
1000:1000"
}

@test "rootless: twelve ranges of /etc/subuid and /etc/subgid (37 arguments to each helper) are all mapped" {
  subid_setup
  require_newidmap
  # runc and crun pass newuidmap at most 20 arguments (6 ranges).
  local maps
  maps=$(jq -nc --argjson own "$RL_UID" --argjson start "$SUBID_START" '
    [{containerID: 0, hostID: $own, size: 1}]
    + [range(11) | {containerID: (1 + . * 1000), hostID: ($start + . * 2000), size: 1000}]')
  update_config '.linux.uidMappings = $m | .linux.gidMappings = $m' --argjson m "$maps"
  set_args sh -c 'cat /proc/self/uid_map /proc/self/gid_map'
  capture as_user timeout 20 "$SPACER" run --bundle "$BUNDLE" c1
  assert_ok
  local want
  want=$(jq -r '.[] | "\(.containerID) \(.hostID) \(.size)"' <<<"$maps")
  [ "$(maps "$stdout")" = "$want
$want" ]
}

@test "rootless: a gid map of the user's own gid alone is still written directly, with setgroups denied" {
  subid_setup
  require_newidmap
  # newuidmap for the uids; the one-line gid map needs no helper.
  update_config '.linux.uidMappings = $u | .linux.gidMappings = [{"containerID": 0, "hostID": $gid, "size": 1}]' \
    --argjson u "$(subid_map "$RL_UID")" --argjson gid "$RL_GID"
  set_args sh -c 'cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups'
  capture as_user timeout 20 "$SPACER" run --bundle "$BUNDLE" c1
  assert_ok
  [ "$(maps "$(sed -n 1,3p <<<"$stdout")")" = "0 $RL_UID 1
1 $SUBID_START $SUBID_COUNT
0 $RL_GID 1" ]
  [ "$(sed -n 4p <<<"$stdout")" = deny ]
}

@test "rootless: a uid or gid range outside /etc/subuid or /etc/subgid is refused, naming the helper, the map and its reason" {
  subid_setup
  require_newidmap
  local past=$((SUBID_START + SUBID_COUNT)) good
  good=$(subid_map "$RL_GID")
  # The granted range and one id more.
  update_config '.linux.uidMappings = $u | .linux.gidMappings = $g' \
    --argjson u "$(subid_map "$RL_UID" "$SUBID_START" $((SUBID_COUNT + 1)))" --argjson g "$good"
  capture as_user timeout 20 "$SPACER" run --bundle "$BUNDLE" c1
  assert_error "linux\.uidMappings: .newuidmap [0-9]+ 0 $RL_UID 1 1 $SUBID_START $((SUBID_COUNT + 1)). exited with status 1: newuidmap: .*not allowed"
  assert_nothing_left
  # A range just past the granted one, for the gids.
  update_config '.linux.uidMappings = $u | .linux.gidMappings = $g' \
    --argjson u "$(subid_map "$RL_UID")" --argjson g "$(subid_map "$RL_GID" "$past" 10)"
  capture as_user timeout 20 "$SPACER" run --bundle "$BUNDLE" c1
  assert_error "linux\.gidMappings: .newgidmap [0-9]+ 0 $RL_GID 1 1 $past 10. exited with status 1: newgidmap: .*not allowed"
  assert_nothing_left
}

@test "rootless: without newuidmap on PATH, maps beyond the user's own id fail naming the tool; the one on PATH is run" {
  subid_setup
  update_config '.linux.uidMappings = $u | .linux.gidMappings = $g' \
    --argjson u "$(subid_map "$RL_UID")" --argjson g "$(subid_map "$RL_GID")"
  capture as_user timeout 20 env PATH="$WORK/no-bin" "$SPACER" run --bundle "$BUNDLE" c1
  assert_error "linux\.uidMappings: .newuidmap [0-9]+ 0 $RL_UID 1 1 $SUBID_START $SUBID_COUNT.: newuidmap is not on PATH"
  assert_nothing_left
  # Nor newgidmap, for a gid map alone.
  update_config '.linux.uidMappings = [{"containerID": 0, "hostID": $uid, "size": 1}]' --argjson uid "$RL_UID"
  capture as_user timeout 20 env PATH="$WORK/no-bin" "$SPACER" run --bundle "$BUNDLE" c1
  assert_error "linux\.gidMappings: .newgidmap [0-9]+ 0 $RL_GID 1 1 $SUBID_START $SUBID_COUNT.: newgidmap is not on PATH"
  assert_nothing_left
  # The one on PATH is the one run, and its words are in the error.
  mkdir "$WORK/bin"
  printf '#!/bin/sh\necho "refused by the fake $0: $*"; exit 3\n' >"$WORK/bin/newgidmap"
  chmod 755 "$WORK/bin/newgidmap"
  capture as_user timeout 20 env PATH="$WORK/bin" "$SPACER" run --bundle "$BUNDLE" c1
  assert_error "linux\.gidMappings: .newgidmap ([0-9]+) 0 $RL_GID 1 1 $SUBID_START $SUBID_COUNT. exited with status 3: refused by the fake $(ere_quote "$WORK/bin/newgidmap"): [0-9]+ 0 $RL_GID 1 1 $SUBID_START $SUBID_COUNT .the user.s ranges are in /etc/subgid.$"
  assert_nothing_left
}

# ---- idmapped mounts ----

@test "idmap: a root-owned host file shows as container root through idmap, as nobody without" {
  require_idmapped_mounts "$HOST"
  local dir=$HOST/data
  mkdir "$dir"
  echo content >"$dir/file"
  userns
  bind "$dir" /mnt/idmapped '["bind", "idmap"]'
  bind "$dir" /mnt/plain '["bind"]'
  run_container 'stat -c %u:%g /mnt/idmapped/file /mnt/plain/file /mnt/idmapped; cat /mnt/idmapped/file'
  assert_ok
  assert_output "0:0
65534:65534
0:0
content"
}

@test "idmap: a file the container's root creates through an idmapped mount is 0:0 on the host" {
  require_idmapped_mounts "$HOST"
  local dir=$HOST/data
  mkdir "$dir"
  userns
  bind "$dir" /mnt/idmapped '["bind", "idmap", "rw"]'
  run_container 'echo made >/mnt/idmapped/new && mkdir /mnt/idmapped/sub && stat -c %u:%g /mnt/idmapped/new'
  assert_ok
  assert_output 0:0
  [ "$(stat -c %u:%g "$dir/new" "$dir/sub")" = "0:0
0:0" ]
  [ "$(cat "$dir/new")" = made ]
}

@test "idmap: the mount's own uidMappings/gidMappings map on-disk ids, without the idmap option" {
  require_idmapped_mounts "$HOST"
  # On-disk id N shows as the mount map's hostID for containerID N, which the
  # container's namespace (0 -> 100000) then shows as N' = hostID - 100000:
  # on-disk 1000 -> 100000 -> container root.
  local dir=$HOST/data
  mkdir "$dir"
  echo 1000 >"$dir/owned-1000"
  chown 1000:1000 "$dir" "$dir/owned-1000"
  echo root >"$dir/owned-0"
  userns
  bind "$dir" /mnt/own '["bind"]' '{"uidMappings": [{"containerID": 1000, "hostID": 100000, "size": 1}],
                                    "gidMappings": [{"containerID": 1000, "hostID": 100000, "size": 1}]}'
  run_container 'stat -c %n=%u:%g /mnt/own/owned-1000 /mnt/own/owned-0 /mnt/own
                 touch /mnt/own/by-root && stat -c %n=%u:%g /mnt/own/by-root'
  assert_ok
  # On-disk 0 is outside the mount's map: the overflow id.
  assert_output "/mnt/own/owned-1000=0:0
/mnt/own/owned-0=65534:65534
/mnt/own=0:0
/mnt/own/by-root=0:0"
  # What the container's root creates is on-disk 1000.
  [ "$(stat -c %u:%g "$dir/by-root")" = 1000:1000 ]
}

@test "idmap: a mount's own maps take precedence over the container's with the idmap option" {
  require_idmapped_mounts "$HOST"
  local dir=$HOST/data
  mkdir "$dir"
  echo x >"$dir/owned-0"
  echo y >"$dir/owned-1000"
  chown 1000:1000 "$dir/owned-1000"
  userns
  bind "$dir" /mnt/own '["bind", "idmap"]' '{"uidMappings": [{"containerID": 1000, "hostID": 100000, "size": 1}],
                                            "gidMappings": [{"containerID": 1000, "hostID": 100000, "size": 1}]}'
  run_container 'stat -c %u:%g /mnt/own/owned-1000 /mnt/own/owned-0'
  assert_ok
  assert_output "0:0
65534:65534"
}

@test "idmap: a mount with its own maps needs no user namespace" {
  require_idmapped_mounts "$HOST"
  local dir=$HOST/data
  mkdir "$dir"
  echo x >"$dir/file"
  bind "$dir" /mnt/own '["bind"]' '{"uidMappings": [{"containerID": 0, "hostID": 100000, "size": 10}],
                                    "gidMappings": [{"containerID": 0, "hostID": 200000, "size": 10}]}'
  run_container 'stat -c %u:%g /mnt/own/file; cat /proc/self/uid_map'
  assert_ok
  # The container is in the host's user namespace: the mount's map shows as is.
  [ "$(sed -n 1p <<<"$stdout")" = 100000:200000 ]
  [ "$(maps "$(sed -n 2p <<<"$stdout")")" = "0 0 4294967295" ]
}

@test "idmap: an idmapped mount with ro is read-only and still mapped" {
  require_idmapped_mounts "$HOST"
  local dir=$HOST/data
  mkdir "$dir"
  echo x >"$dir/file"
  userns
  bind "$dir" /mnt/ro '["bind", "idmap", "ro"]'
  run_container 'stat -c %u:%g /mnt/ro/file; touch /mnt/ro/new 2>&1 || echo refused'
  assert_ok
  [ "$(sed -n 1p <<<"$stdout")" = 0:0 ]
  grep -q "Read-only file system" <<<"$stdout"
  [ "$(sed -n '$p' <<<"$stdout")" = refused ]
  [ ! -e "$dir/new" ]
}

@test "idmap: idmap on a bind mount of a single file" {
  require_idmapped_mounts "$HOST"
  local file=$HOST/file
  echo x >"$file"
  userns
  touch "$BUNDLE/rootfs/etc/idmapped-file"
  update_config '.mounts += [{"destination": "/etc/idmapped-file", "type": "bind", "source": $s,
                              "options": ["bind", "idmap"]}]' --arg s "$file"
  run_container 'stat -c %u:%g /etc/idmapped-file; cat /etc/idmapped-file'
  assert_ok
  assert_output "0:0
x"
}

@test "idmap: ridmap idmaps the submounts of the tree too" {
  require_idmapped_mounts "$HOST"
  local dir=$HOST/tree sub=$HOST/subsrc
  mkdir -p "$dir/sub" "$sub"
  echo top >"$dir/top"
  echo sub >"$sub/file"
  host_mount --bind "$sub" "$dir/sub"
  userns
  bind "$dir" /mnt/tree '["rbind", "ridmap"]'
  run_container 'stat -c %u:%g /mnt/tree/top /mnt/tree/sub/file'
  assert_ok
  assert_output "0:0
0:0"
}

@test "idmap: idmap with rbind keeps the submounts but idmaps only the top" {
  require_idmapped_mounts "$HOST"
  local dir=$HOST/tree sub=$HOST/subsrc
  mkdir -p "$dir/sub" "$sub"
  echo top >"$dir/top"
  echo sub >"$sub/file"
  host_mount --bind "$sub" "$dir/sub"
  userns
  bind "$dir" /mnt/tree '["rbind", "idmap"]'
  run_container 'stat -c %u:%g /mnt/tree/top /mnt/tree/sub/file; cat /mnt/tree/sub/file'
  assert_ok
  # The submount is there (its file is readable) but not idmapped.
  assert_output "0:0
65534:65534
sub"
}

@test "idmap: the idmapped mount is in the container's mount table and never in the host's" {
  require_idmapped_mounts "$HOST"
  local dir=$HOST/data
  mkdir "$dir"
  userns
  bind "$dir" /mnt/idmapped '["bind", "idmap"]'
  set_args sh -c 'grep " /mnt/idmapped " /proc/self/mountinfo; exec sleep 100'
  create_container c1
  spacer start c1
  wait_for_log c1 /mnt/idmapped
  grep -q "idmapped" "$BATS_TEST_TMPDIR/c1.log"
  # While it runs, the host sees no mount of the source or the bundle...
  run ! grep -F -- "$dir" /proc/self/mountinfo
  run ! grep -F -- "$BUNDLE" /proc/self/mountinfo
  spacer delete --force c1
  # ...nor after (teardown checks $BATS_TEST_TMPDIR and $WORK once more).
  assert_nothing_left
}

@test "idmap: the program gets no descriptor of the idmapped trees" {
  require_idmapped_mounts "$HOST"
  local dir=$HOST/data
  mkdir "$dir"
  userns
  bind "$dir" /mnt/a '["bind", "idmap"]'
  bind "$dir" /mnt/b '["rbind", "ridmap"]'
  # ls's own directory fd is 3.
  run_container 'ls /proc/self/fd | sort -n | tr "\n" " "'
  assert_ok
  assert_output "0 1 2 3 "
}

@test "idmap: a source whose filesystem cannot be idmapped fails with one error line and nothing left" {
  require_user_namespaces
  userns
  # procfs does not support idmapped mounts.
  bind /proc/sys /mnt/procsys '["bind", "idmap"]'
  local n
  n=$(($(jq '.mounts | length' "$BUNDLE/config.json") - 1))
  capture timeout 20 "$SPACER" --root "$ROOT" run --bundle "$BUNDLE" c1
  assert_error "mounts\[$n\].*/proc/sys"
  assert_nothing_left
}

@test "idmap: a missing source fails with one error line and nothing left" {
  require_user_namespaces
  userns
  bind "$HOST/missing" /mnt/missing '["bind", "idmap"]'
  local n
  n=$(($(jq '.mounts | length' "$BUNDLE/config.json") - 1))
  capture timeout 20 "$SPACER" --root "$ROOT" run --bundle "$BUNDLE" c1
  assert_error "mounts\[$n\].*$(ere_quote "$HOST/missing")"
  assert_nothing_left
}

@test "idmap: idmap on a tmpfs (not a bind mount) is refused" {
  userns
  add_mount '{"destination": "/mnt", "type": "tmpfs", "source": "tmpfs", "options": ["idmap"]}'
  local n
  n=$(($(jq '.mounts | length' "$BUNDLE/config.json") - 1))
  config_refused "mounts[$n]" '.*bind'
}

@test "idmap: own uidMappings on a tmpfs mount are refused" {
  userns
  add_mount '{"destination": "/mnt", "type": "tmpfs", "source": "tmpfs",
              "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 1}],
              "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 1}]}'
  local n
  n=$(($(jq '.mounts | length' "$BUNDLE/config.json") - 1))
  config_refused "mounts[$n]" '.*bind'
}

@test "idmap: idmap without maps of its own and without a user namespace is refused" {
  local dir=$HOST/data n
  mkdir "$dir"
  bind "$dir" /mnt/idmapped '["bind", "idmap"]'
  n=$(($(jq '.mounts | length' "$BUNDLE/config.json") - 1))
  config_refused "mounts[$n]" '.*user namespace'
  update_config '.mounts[-1].options = ["rbind", "ridmap"]'
  config_refused "mounts[$n]" '.*user namespace'
  # uidMappings alone would take the gids from a user namespace there is not.
  update_config '.mounts[-1].options = ["bind"]
    | .mounts[-1].uidMappings = [{"containerID": 0, "hostID": 100000, "size": 1}]'
  config_refused "mounts[$n]" '.*user namespace'
}

@test "idmap: invalid maps of a mount are refused with their JSON path" {
  local dir=$HOST/data n
  mkdir "$dir"
  userns
  bind "$dir" /mnt/own '["bind"]' '{"uidMappings": [{"containerID": 0, "hostID": 100000, "size": 10},
                                                   {"containerID": 5, "hostID": 200000, "size": 10}],
                                    "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 1}]}'
  n=$(($(jq '.mounts | length' "$BUNDLE/config.json") - 1))
  config_refused "mounts[$n].uidMappings[1]" 'containerID range overlaps'
  update_config '.mounts[-1].uidMappings = [{"containerID": 0, "hostID": 100000, "size": 1}]
    | .mounts[-1].gidMappings = [{"containerID": 0, "hostID": 100000, "size": 0}]'
  config_refused "mounts[$n].gidMappings[0].size" '.*(greater than|positive|zero|at least)'
}

#!/usr/bin/env bats
# The container's filesystem: pivot_root into the rootfs, root.readonly,
# rootfsPropagation, the mounts list (types, options, order, bind mounts),
# mount targets reached through symlinks, /dev, maskedPaths and
# readonlyPaths, mount errors, and that nothing is left mounted on the host.

load helpers

setup() {
  setup_bundle
  HOST=$BATS_TEST_TMPDIR/host
  mkdir -p "$HOST"
  HOST_MOUNTS=()
}

teardown() {
  local rc=0
  unmount_host_mounts || rc=1
  teardown_containers || rc=1
  return "$rc"
}

# ---- helpers of this file ----

# Unmount what host_mount made, after failing on any other mount below the
# test directory (one the runtime leaked), which is unmounted too.
unmount_host_mounts() {
  local rc=0 mp m mine
  while read -r mp; do
    mine=0
    for m in "${HOST_MOUNTS[@]}"; do
      [ "$mp" = "$m" ] && mine=1
    done
    if [ "$mine" = 0 ]; then
      echo "leaked host mount: $mp" >&2
      rc=1
    fi
  done < <(awk -v d="$BATS_TEST_TMPDIR" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo)
  # Innermost first; a stacked mount point is listed once per mount.
  for _ in $(seq 20); do
    mp=$(awk -v d="$BATS_TEST_TMPDIR" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | tail -n 1)
    [ -n "$mp" ] || break
    umount -l "$mp" || break
  done
  return "$rc"
}

# assert_no_host_mount PATH: nothing is mounted on PATH or below it in the
# host's mount namespace (ours), apart from host_mount's own mounts. (The
# shared assert_nothing_left allows no mount of the bundle at all, the
# test's own included; this one is for paths a test may itself mount on.)
assert_no_host_mount() {
  local found m
  found=$(awk -v p="$1" '$5 == p || index($5, p "/") == 1' /proc/self/mountinfo)
  for m in "${HOST_MOUNTS[@]}"; do
    found=$(awk -v m="$m" '$5 != m' <<<"$found")
  done
  if [ -n "$found" ]; then
    echo "mounted on the host below $1:" >&2
    echo "$found" >&2
    return 1
  fi
}

# add_mount DESTINATION TYPE SOURCE [OPTION...]: append to the mounts list.
add_mount() {
  local dest=$1 type=$2 src=$3
  shift 3
  update_config '.mounts += [{destination: $d, type: $t, source: $s, options: $ARGS.positional}]' \
    --arg d "$dest" --arg t "$type" --arg s "$src" --args "$@"
}

# mountinfo_inside: run a container printing its /proc/self/mountinfo.
mountinfo_inside() {
  set_args cat /proc/self/mountinfo
  run spacer run --bundle "$BUNDLE" c1
}

# mountinfo_field MOUNTPOINT N: field N of the topmost mountinfo line for
# MOUNTPOINT in the last run's output (a `cat /proc/self/mountinfo`).
mountinfo_field() {
  awk -v m="$1" -v n="$2" '$5 == m { f = $n } END { print f }' <<<"$output"
}

# The filesystem type and the superblock options of MOUNTPOINT.
mountinfo_fstype() {
  awk -v m="$1" '$5 == m { sub(/.* - /, ""); split($0, a, " "); t = a[1] } END { print t }' <<<"$output"
}
mountinfo_super_options() {
  awk -v m="$1" '$5 == m { sub(/.* - /, ""); split($0, a, " "); o = a[3] } END { print o }' <<<"$output"
}

# The optional fields (shared:N, master:N, unbindable...) of MOUNTPOINT.
mountinfo_optional() {
  awk -v m="$1" '$5 == m { o = ""; for (i = 7; $i != "-"; i++) o = o (o ? " " : "") $i } END { print o }' <<<"$output"
}

# has_option LIST OPTION...: each OPTION is one of the comma-separated LIST.
has_option() {
  local list=$1 option
  shift
  for option; do
    [[ ",$list," == *",$option,"* ]] || {
      echo "option $option not in $list" >&2
      return 1
    }
  done
}

# assert_nosuid_nodev_noexec MOUNTPOINT: the last run's output, a mountinfo
# and then what running a busybox copied below MOUNTPOINT did, shows the
# three options on MOUNTPOINT and that the exec was denied.
assert_nosuid_nodev_noexec() {
  has_option "$(mountinfo_field "$1" 6)" nosuid nodev noexec || return 1
  if [[ $output != *"Permission denied"* ]] || [[ $output == *executed* ]]; then
    echo "the exec below $1 was not denied: $output" >&2
    return 1
  fi
}

# share_bundle: make the bundle a shared mount on the host (its own peer
# group), as on systemd hosts where / is shared. Sets PEER to the group id.
share_bundle() {
  host_mount --bind "$BUNDLE" "$BUNDLE"
  mount --make-shared "$BUNDLE"
  PEER=$(awk -v b="$BUNDLE" '$5 == b { for (i = 7; $i != "-"; i++) if ($i ~ /^shared:/) print substr($i, 8) }' \
    /proc/self/mountinfo)
  [ -n "$PEER" ]
}

# propagation_inside [PROPAGATION]: share_bundle, then run a container
# printing its mountinfo with linux.rootfsPropagation PROPAGATION (without
# one, the spec config's default).
propagation_inside() {
  share_bundle
  if [ -n "${1-}" ]; then
    update_config '.linux.rootfsPropagation = $p' --arg p "$1"
  fi
  mountinfo_inside
}

# Symlink tests aim mounts and devices at $HOST/target, a host directory
# that must stay as it was.
# make_target: $HOST/target, holding one empty file, keep.
make_target() {
  mkdir "$HOST/target"
  touch "$HOST/target/keep"
}

# make_escape_link: /escape in the rootfs, a symlink that climbs out of it
# with .. to $HOST/target.
make_escape_link() {
  ln -s "../../../../../../../../../../../../..$HOST/target" "$BUNDLE/rootfs/escape"
}

# assert_target_untouched: $HOST/target still holds only keep, and nothing
# is mounted on it or below it.
assert_target_untouched() {
  if [ "$(ls -A "$HOST/target")" != keep ]; then
    echo "$HOST/target holds: $(ls -A "$HOST/target")" >&2
    return 1
  fi
  assert_no_host_mount "$HOST/target"
}

# ---- pivot_root ----

@test "pivot_root: the container's / is its rootfs" {
  echo "marker $$" >"$BUNDLE/rootfs/marker"
  set_args sh -c 'cat /marker; ls -a / | sort'
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output "marker $$
$(ls -a "$BUNDLE/rootfs" | sort)"
}

@test "pivot_root: host-only paths are not visible inside" {
  local p paths=("$BATS_TEST_TMPDIR" "$BUNDLE" "$BATS_TEST_DIRNAME" "$SPACER")
  for p in "${paths[@]}"; do
    [ -e "$p" ]
  done
  set_args sh -c 'for p; do [ ! -e "$p" ] || echo "visible: $p"; done; echo done' sh "${paths[@]}"
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output "done"
}

@test "pivot_root: no mount inside comes from the host's root or the host's own mounts" {
  local rootfs fsdev fsroot target infs bad
  rootfs=$(realpath "$BUNDLE/rootfs")
  # The host filesystem holding the rootfs (the root one, or a tmpfs /tmp,
  # say) and the rootfs's path in it, as mountinfo shows a mount's root.
  read -r fsdev fsroot target < <(findmnt -n -o MAJ:MIN,FSROOT,TARGET --target "$rootfs")
  infs=${fsroot%/}${rootfs#"${target%/}"}
  mountinfo_inside
  assert_ok
  # A mount of that filesystem must show the rootfs or below it.
  bad=$(awk -v dev="$fsdev" -v r="$infs" '$3 == dev && $4 != r && index($4, r "/") != 1' <<<"$output")
  [ -z "$bad" ] || { echo "host filesystem visible outside the rootfs: $bad" >&2; return 1; }
  # No other host mount (but cgroup v1 hierarchies, shared by design) is seen.
  local hostdevs
  hostdevs=$(awk -v dev="$fsdev" '{ split($0, s, " - "); split(s[2], t, " ") }
    $3 != dev && t[1] != "cgroup" && t[1] != "cgroup2" { print $3 }' /proc/self/mountinfo)
  bad=$(awk 'NR == FNR { host[$1] = 1; next } $3 in host' <(echo "$hostdevs") - <<<"$output")
  [ -z "$bad" ] || { echo "host mounts visible inside: $bad" >&2; return 1; }
}

@test "pivot_root: the old root is not mounted anywhere inside" {
  local rootdev
  rootdev=$(awk '$5 == "/" { d = $3 } END { print d }' /proc/self/mountinfo)
  mountinfo_inside
  assert_ok
  [ "$(awk -v dev="$rootdev" '$3 == dev && $4 == "/"' <<<"$output")" = "" ]
  [ "$(awk '$5 == "/"' <<<"$output" | wc -l)" -eq 1 ]
}

# ---- --no-pivot ----
# For roots pivot_root refuses (ramfs): the rootfs is moved onto / and the
# init chroots into it.

@test "run --no-pivot: the container's / is its rootfs, host-only paths are not visible" {
  echo "marker $$" >"$BUNDLE/rootfs/marker"
  local p paths=("$BATS_TEST_TMPDIR" "$BUNDLE" "$BATS_TEST_DIRNAME" "$SPACER")
  set_args sh -c 'cat /marker; for p; do [ ! -e "$p" ] || echo "visible: $p"; done; echo done' \
    sh "${paths[@]}"
  run spacer_timed run --no-pivot --bundle "$BUNDLE" c1
  assert_ok
  assert_output "marker $$
done"
  assert_nothing_left
}

@test "run --no-pivot: no pivot_root; the host's proc and sysfs are detached, the rootfs moved onto / and chrooted into" {
  # The system calls are the difference: inside, both ways look alike.
  local trace=$BATS_TEST_TMPDIR/trace
  # LeakSanitizer cannot work under ptrace: no leak check in a traced run.
  local ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
  export ASAN_OPTIONS
  strace -f -qq -e trace=pivot_root,chroot,mount,umount2 -o "$trace" \
    "$SPACER" --root "$ROOT" run --no-pivot --bundle "$BUNDLE" c1 </dev/null
  ! grep -q 'pivot_root(' "$trace"
  # strace pads the result to a column: " += 0".
  grep -qE "mount\($(ere_quote "\"$(realpath "$BUNDLE/rootfs")\""), \"/\", NULL, MS_MOVE, NULL\) += 0" "$trace"
  grep -qE 'chroot\("\."\) += 0' "$trace"
  grep -qE 'umount2\("/proc", MNT_DETACH\) += 0' "$trace"
  grep -qE 'umount2\("/sys", MNT_DETACH\) += 0' "$trace"
  # Without the flag: pivot_root, no chroot.
  strace -f -qq -e trace=pivot_root,chroot -o "$trace" \
    "$SPACER" --root "$ROOT" run --bundle "$BUNDLE" c1 </dev/null
  grep -qE 'pivot_root\("\.", "\."\) += 0' "$trace"
  ! grep -q 'chroot(' "$trace"
  assert_nothing_left
}

# ---- root.readonly ----

@test "root.readonly: true makes writing to / fail with Read-only file system" {
  update_config '.root.readonly = true'
  set_args touch /new-file
  run spacer run --bundle "$BUNDLE" c1
  [ "$status" -ne 0 ]
  [[ $output == *"Read-only file system"* ]]
  [ ! -e "$BUNDLE/rootfs/new-file" ]
}

@test "root.readonly: false lets the program write to /, into the rootfs" {
  update_config '.root.readonly = false'
  set_args sh -c 'echo written >/new-file'
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  [ "$(cat "$BUNDLE/rootfs/new-file")" = written ]
}

# ---- rootfsPropagation ----
# The bundle is made a shared mount on the host first, so that every kind
# of propagation shows differently inside.

@test "rootfsPropagation: by default / is a slave of the host's mount" {
  propagation_inside
  assert_ok
  [ "$(mountinfo_optional /)" = "master:$PEER" ]
}

@test "rootfsPropagation: slave makes / a slave of the host's mount" {
  propagation_inside slave
  assert_ok
  [ "$(mountinfo_optional /)" = "master:$PEER" ]
}

@test "rootfsPropagation: private makes / private" {
  propagation_inside private
  assert_ok
  [ "$(mountinfo_optional /)" = "" ]
}

@test "rootfsPropagation: private with the bundle on a shared host mount mounts nothing on the host" {
  share_bundle
  update_config '.linux.rootfsPropagation = "private"'
  run spacer run --bundle "$BUNDLE" c1
  assert_no_host_mount "$BUNDLE/rootfs"
}

@test "rootfsPropagation: shared makes / shared" {
  propagation_inside shared
  assert_no_host_mount "$BUNDLE/rootfs"
  assert_ok
  [[ " $(mountinfo_optional /) " == *" shared:"* ]]
  # Its own peer group: the container's mounts are not the host's peers.
  [[ " $(mountinfo_optional /) " != *" shared:$PEER "* ]]
}

@test "rootfsPropagation: unbindable makes / unbindable" {
  propagation_inside unbindable
  assert_ok
  [ "$(mountinfo_optional /)" = unbindable ]
}

# ---- mounts: filesystems and options ----

@test "mounts: proc at /proc is the container's pid namespace" {
  set_args sh -c 'cat /proc/self/mountinfo; echo "comm=$(cat /proc/1/comm)"'
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  [ "$(mountinfo_fstype /proc)" = proc ]
  [ "${lines[${#lines[@]} - 1]}" = comm=sh ]
}

@test "mounts: sysfs is mounted read-only with nosuid,nodev,noexec" {
  set_args sh -c 'cat /proc/self/mountinfo; touch /sys/x'
  run spacer run --bundle "$BUNDLE" c1
  [ "$status" -ne 0 ]
  [ "$(mountinfo_fstype /sys)" = sysfs ]
  has_option "$(mountinfo_field /sys 6)" ro nosuid nodev noexec
  [[ $output == *"/sys/x: Read-only file system"* ]]
}

@test "mounts: a tmpfs takes its size and mode options" {
  add_mount /scratch tmpfs tmpfs size=1m mode=0710
  set_args sh -c 'cat /proc/self/mountinfo; stat -c "mode=%a" /scratch; df -k /scratch | tail -n 1'
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  [ "$(mountinfo_fstype /scratch)" = tmpfs ]
  has_option "$(mountinfo_super_options /scratch)" size=1024k mode=710
  [[ $output == *$'\nmode=710\n'* ]]
  [ "$(awk '{ print $2 }' <<<"${lines[${#lines[@]} - 1]}")" = 1024 ]
}

@test "mounts: nosuid, nodev and noexec apply to a tmpfs" {
  add_mount /scratch tmpfs tmpfs nosuid nodev noexec
  set_args sh -c 'cat /proc/self/mountinfo; cp /bin/busybox /scratch/bb; /scratch/bb true && echo executed'
  run spacer run --bundle "$BUNDLE" c1
  assert_nosuid_nodev_noexec /scratch
}

@test "mounts: devpts is a new instance with the configured ptmxmode" {
  local hostdevs
  hostdevs=$(awk '{ split($0, s, " - "); split(s[2], t, " ") } t[1] == "devpts" { print $3 }' /proc/self/mountinfo)
  set_args sh -c 'cat /proc/self/mountinfo; ls -A /dev/pts; stat -c "ptmx=%a" /dev/pts/ptmx'
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  [ "$(mountinfo_fstype /dev/pts)" = devpts ]
  local dev
  dev=$(mountinfo_field /dev/pts 3)
  if grep -qxF "$dev" <<<"$hostdevs"; then
    echo "/dev/pts is the host's devpts ($dev)" >&2
    return 1
  fi
  has_option "$(mountinfo_super_options /dev/pts)" ptmxmode=666 mode=620 gid=5
  [ "${lines[${#lines[@]} - 2]}" = ptmx ]
  [ "${lines[${#lines[@]} - 1]}" = ptmx=666 ]
}

@test "mounts: mqueue is mounted at /dev/mqueue" {
  mountinfo_inside
  assert_ok
  [ "$(mountinfo_fstype /dev/mqueue)" = mqueue ]
  has_option "$(mountinfo_field /dev/mqueue 6)" nodev
}

@test "mounts: every cgroup mount is read-only" {
  mountinfo_inside
  assert_ok
  local n rw
  n=$(awk '$5 == "/sys/fs/cgroup" || index($5, "/sys/fs/cgroup/") == 1' <<<"$output" | wc -l)
  [ "$n" -ge 1 ]
  rw=$(awk '($5 == "/sys/fs/cgroup" || index($5, "/sys/fs/cgroup/") == 1) && $6 !~ /^ro(,|$)/' <<<"$output")
  [ -z "$rw" ] || { echo "writable cgroup mounts: $rw" >&2; return 1; }
}

# The container's cgroup directory for the memory controller (v1), or the
# unified one (v2), and the host path of our own cgroup in it.
own_cgroup_dir() {
  local v1
  v1=$(awk -F: '$2 == "memory" { print $3 }' /proc/self/cgroup)
  if [ -n "$v1" ] && [ -d /sys/fs/cgroup/memory ]; then
    CG_INSIDE=/sys/fs/cgroup/memory CG_PATH=$v1
  elif [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
    CG_INSIDE=/sys/fs/cgroup CG_PATH=$(awk -F: '$1 == "0" { print $3 }' /proc/self/cgroup)
  else
    return 1
  fi
}

@test "mounts: in a cgroup namespace the cgroup mount is rooted at the container's cgroup" {
  own_cgroup_dir || skip "no memory v1 or unified cgroup hierarchy"
  [ "$CG_PATH" != / ] || skip "the tests run in the root cgroup: nothing to tell apart"
  set_args sh -c 'cat "$0/cgroup.procs"; echo ---; cat /proc/self/mountinfo' "$CG_INSIDE"
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  # The container's pid 1 (sh) is in the directory the mount shows.
  [ "${lines[0]}" = 1 ]
  [ "$(mountinfo_field "$CG_INSIDE" 4)" = / ]
}

@test "mounts: without a cgroup namespace the cgroup mount is the init's own cgroup" {
  own_cgroup_dir || skip "no memory v1 or unified cgroup hierarchy"
  [ "$CG_PATH" != / ] || skip "the tests run in the root cgroup: nothing to tell apart"
  update_config 'del(.linux.namespaces[] | select(.type == "cgroup"))'
  set_args sh -c 'cat "$0/cgroup.procs"; echo ---; cat /proc/self/mountinfo' "$CG_INSIDE"
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  [ "${lines[0]}" = 1 ]
  # The container has a cgroup of its own, below the runtime's by default,
  # named after it (and after the state directory, when not the default).
  [[ "$(mountinfo_field "$CG_INSIDE" 4)" == "$CG_PATH/spacer-c1."* ]]
}

@test "mounts: a shared propagation option makes that mount shared" {
  add_mount /scratch tmpfs tmpfs shared
  mountinfo_inside
  assert_ok
  [[ " $(mountinfo_optional /scratch) " == *" shared:"* ]] || {
    echo "/scratch propagation: '$(mountinfo_optional /scratch)'" >&2
    return 1
  }
}

@test "mounts: an unbindable propagation option makes that mount unbindable" {
  add_mount /scratch tmpfs tmpfs unbindable
  mountinfo_inside
  assert_ok
  [ "$(mountinfo_optional /scratch)" = unbindable ]
}

# ---- mounts: bind mounts ----

@test "mounts: a bind mount shows the host directory's content" {
  mkdir "$HOST/dir"
  echo "from the host" >"$HOST/dir/file"
  add_mount /data bind "$HOST/dir" bind
  set_args cat /data/file
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output "from the host"
}

@test "mounts: writes through a rw bind mount reach the host" {
  mkdir "$HOST/dir"
  add_mount /data bind "$HOST/dir" rbind rw
  set_args sh -c 'echo "from the container" >/data/new'
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  [ "$(cat "$HOST/dir/new")" = "from the container" ]
}

@test "mounts: a ro bind mount refuses writes" {
  mkdir "$HOST/dir"
  echo keep >"$HOST/dir/file"
  add_mount /data bind "$HOST/dir" bind ro
  set_args sh -c 'cat /proc/self/mountinfo; echo changed >/data/file; touch /data/new'
  run spacer run --bundle "$BUNDLE" c1
  [ "$status" -ne 0 ]
  [[ $(mountinfo_field /data 6) == ro* ]]
  [[ $output == *"Read-only file system"* ]]
  [ "$(cat "$HOST/dir/file")" = keep ]
  [ ! -e "$HOST/dir/new" ]
}

@test "mounts: nosuid, nodev and noexec on a bind mount show in mountinfo and apply" {
  mkdir "$HOST/dir"
  cp "$BUNDLE/rootfs/bin/busybox" "$HOST/dir/bb"
  add_mount /data bind "$HOST/dir" bind nosuid nodev noexec
  set_args sh -c 'cat /proc/self/mountinfo; /data/bb true && echo executed'
  run spacer run --bundle "$BUNDLE" c1
  assert_nosuid_nodev_noexec /data
}

@test "mounts: a relative bind source is relative to the bundle, not the caller's cwd" {
  mkdir "$BUNDLE/data"
  echo "in the bundle" >"$BUNDLE/data/file"
  add_mount /data bind data bind
  set_args cat /data/file
  cd "$BATS_TEST_TMPDIR/host"
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output "in the bundle"
}

@test "mounts: a single file can be bind-mounted, at a path made as a file" {
  echo "single file" >"$HOST/file"
  add_mount /etc/conf/single.conf bind "$HOST/file" bind ro
  set_args sh -c 'cat /etc/conf/single.conf; stat -c %F /etc/conf/single.conf'
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output "single file
regular file"
  [ -f "$BUNDLE/rootfs/etc/conf/single.conf" ]
}

@test "mounts: bind leaves out the source's submounts, rbind carries them" {
  mkdir -p "$HOST/dir/sub"
  host_mount -t tmpfs tmpfs "$HOST/dir/sub"
  echo "in the submount" >"$HOST/dir/sub/file"
  add_mount /plain bind "$HOST/dir" bind
  add_mount /recursive bind "$HOST/dir" rbind
  set_args sh -c 'ls -A /plain/sub; echo ---; cat /recursive/sub/file'
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output "---
in the submount"
}

# ---- mounts: flags and propagation, set on the detached mount ----
#
# Each mount is built detached, gets its flags and propagation there and is
# attached to the destination's fd: what shows inside is what was asked.

@test "mounts: ro on an rbind makes its top read-only, as with runc; the submounts it carries stay as they were" {
  mkdir -p "$HOST/dir/sub"
  host_mount -t tmpfs tmpfs "$HOST/dir/sub"
  add_mount /data bind "$HOST/dir" rbind ro
  set_args sh -c 'cat /proc/self/mountinfo
    for f in /data/new /data/sub/new; do touch "$f" 2>/dev/null && echo "written $f" || echo "refused $f"; done'
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  has_option "$(mountinfo_field /data 6)" ro
  has_option "$(mountinfo_field /data/sub 6)" rw
  [[ $output == *"refused /data/new"* ]]
  [[ $output == *"written /data/sub/new"* ]]
  [ ! -e "$HOST/dir/new" ]
}

@test "mounts: rro, rnosuid, rnodev and rnoexec on an rbind reach every submount it carries" {
  mkdir -p "$HOST/dir/sub"
  host_mount -t tmpfs tmpfs "$HOST/dir/sub"
  add_mount /data bind "$HOST/dir" rbind rro rnosuid rnodev rnoexec
  set_args sh -c 'cat /proc/self/mountinfo
    for f in /data/new /data/sub/new; do touch "$f" 2>/dev/null && echo "written $f" || echo "refused $f"; done'
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  has_option "$(mountinfo_field /data 6)" ro nosuid nodev noexec
  has_option "$(mountinfo_field /data/sub 6)" ro nosuid nodev noexec
  [[ $output == *"refused /data/new"* ]]
  [[ $output == *"refused /data/sub/new"* ]]
  [ ! -e "$HOST/dir/new" ]
  [ ! -e "$HOST/dir/sub/new" ]
}

@test "mounts: rrw after rro leaves the tree writable; nosymfollow refuses to follow a symlink" {
  mkdir -p "$HOST/dir/sub"
  host_mount -t tmpfs tmpfs "$HOST/dir/sub"
  ln -s /etc/hostname "$HOST/dir/link"
  add_mount /data bind "$HOST/dir" rbind rro rrw nosymfollow
  set_args sh -c 'cat /proc/self/mountinfo
    touch /data/sub/new && echo written; cat /data/link 2>/dev/null || echo not-followed'
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  has_option "$(mountinfo_field /data 6)" rw nosymfollow
  has_option "$(mountinfo_field /data/sub 6)" rw
  [[ $output == *written* ]]
  [[ $output == *not-followed* ]]
}

@test "mounts: rw on an rbind of a read-only host mount makes its top writable, not the read-only submount below" {
  mkdir -p "$HOST/dir/sub"
  host_mount --bind "$HOST/dir" "$HOST/dir"
  mount -o remount,bind,ro "$HOST/dir"
  host_mount -t tmpfs -o ro tmpfs "$HOST/dir/sub"
  add_mount /data bind "$HOST/dir" rbind rw
  set_args sh -c 'cat /proc/self/mountinfo
    for f in /data/new /data/sub/new; do touch "$f" 2>/dev/null && echo "written $f" || echo "refused $f"; done'
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  has_option "$(mountinfo_field /data 6)" rw
  has_option "$(mountinfo_field /data/sub 6)" ro
  [[ $output == *"written /data/new"* ]]
  [[ $output == *"refused /data/sub/new"* ]]
  # The host's own mounts keep their flags.
  has_option "$(awk -v m="$HOST/dir" '$5 == m { print $6 }' /proc/self/mountinfo | tail -n 1)" ro
}

@test "mounts: noatime, nodiratime, sync and dirsync reach a tmpfs's mount and superblock" {
  add_mount /scratch tmpfs tmpfs noatime nodiratime sync dirsync size=1m
  mountinfo_inside
  assert_ok
  has_option "$(mountinfo_field /scratch 6)" noatime nodiratime
  has_option "$(mountinfo_super_options /scratch)" sync dirsync size=1024k
}

# shared_source: $HOST/src, a shared mount on the host (its own peer group,
# PEER) with a tmpfs submount at sub.
shared_source() {
  mkdir -p "$HOST/src/sub"
  host_mount --bind "$HOST/src" "$HOST/src"
  mount --make-shared "$HOST/src"
  host_mount -t tmpfs tmpfs "$HOST/src/sub"
  PEER=$(awk -v m="$HOST/src" '$5 == m { for (i = 7; $i != "-"; i++) if ($i ~ /^shared:/) print substr($i, 8) }' \
    /proc/self/mountinfo | head -n 1)
  [ -n "$PEER" ]
}

@test "mounts: rslave, rshared and private on rbinds show in mountinfo's optional fields" {
  shared_source
  add_mount /slave bind "$HOST/src" rbind rslave
  add_mount /shared bind "$HOST/src" rbind rshared
  add_mount /private bind "$HOST/src" rbind private
  mountinfo_inside
  assert_ok
  # A slave of the host's peer group, down the tree.
  [[ " $(mountinfo_optional /slave) " == *" master:$PEER "* ]]
  [[ " $(mountinfo_optional /slave) " != *" shared:"* ]]
  # A peer group of the container's own, down the tree.
  [[ " $(mountinfo_optional /shared) " == *" shared:"* ]]
  [[ " $(mountinfo_optional /shared/sub) " == *" shared:"* ]]
  [[ " $(mountinfo_optional /shared) " != *" shared:$PEER "* ]]
  # private is not recursive: the top only.
  [ -z "$(mountinfo_optional /private)" ]
  [ -n "$(mountinfo_optional /private/sub)" ]
}

@test "mounts: a bad filesystem option fails with one line naming mounts[i], the option and the kernel's reason" {
  add_mount /scratch tmpfs tmpfs size=bogus
  run spacer run --bundle "$BUNDLE" c1
  assert_error 'mounts\[7\]: `/scratch`: .*`size=bogus`: tmpfs: Bad value for .size.*Invalid argument'
  assert_nothing_left
  add_mount /other tmpfs tmpfs no-such-option
  update_config 'del(.mounts[7])'
  run spacer run --bundle "$BUNDLE" c1
  assert_error 'mounts\[7\]: `/other`: .*`no-such-option`: .*Unknown parameter'
  assert_nothing_left
}

# ---- mounts: order ----

@test "mounts: a later mount at the same destination stacks over an earlier one" {
  mkdir "$HOST/first" "$HOST/second"
  touch "$HOST/first/one" "$HOST/second/two"
  add_mount /data bind "$HOST/first" bind
  add_mount /data bind "$HOST/second" bind
  set_args ls /data
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output two
}

@test "mounts: a mount below an earlier one lands inside it" {
  echo "bound file" >"$HOST/file"
  add_mount /data tmpfs tmpfs
  add_mount /data/sub/file bind "$HOST/file" bind
  set_args cat /data/sub/file
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output "bound file"
  # Made in the tmpfs, not in the rootfs below it.
  [ ! -e "$BUNDLE/rootfs/data/sub" ]
}

@test "mounts: a missing destination is created in the rootfs, not on the host" {
  local name=spacer-test-dest-$$
  [ ! -e "/$name" ]
  add_mount "/$name/deep/dir" tmpfs tmpfs
  mountinfo_inside
  assert_ok
  [ "$(mountinfo_fstype "/$name/deep/dir")" = tmpfs ]
  [ -d "$BUNDLE/rootfs/$name/deep/dir" ]
  [ ! -e "/$name" ]
}

# ---- mount targets through symlinks ----

@test "symlinks: a destination through a symlink climbing out with .. is refused" {
  make_target
  make_escape_link
  add_mount /escape tmpfs tmpfs
  run spacer run --bundle "$BUNDLE" c1
  assert_error 'mounts\[7\].*/escape'
  assert_target_untouched
  assert_nothing_left
}

@test "symlinks: a .. escape in a parent of the destination is refused, nothing created" {
  make_target
  make_escape_link
  add_mount /escape/sub/dir tmpfs tmpfs
  run spacer run --bundle "$BUNDLE" c1
  assert_error 'mounts\[7\].*/escape/sub/dir'
  assert_target_untouched
  assert_nothing_left
}

@test "symlinks: a destination with .. components cannot climb out of the rootfs" {
  make_target
  add_mount "/../../../../../../../../../../../..$HOST/target" tmpfs tmpfs
  mountinfo_inside
  # Refused, or contained in the rootfs: never on the host.
  if [ "$status" -ne 0 ]; then
    assert_one_line_error 'mounts\[7\]'
  else
    [ "$(mountinfo_fstype "$HOST/target")" = tmpfs ]
  fi
  assert_target_untouched
}

@test "symlinks: an absolute symlink destination is resolved inside the rootfs" {
  make_target
  ln -s "$HOST/target" "$BUNDLE/rootfs/abs"
  add_mount /abs tmpfs tmpfs
  add_mount /abs/newdir tmpfs tmpfs
  set_args sleep 100
  create_container c1
  # While the container lives: its mounts are where /abs leads in the rootfs.
  local pid
  pid=$(state_field c1 pid)
  run cat "/proc/$pid/mountinfo"
  [ "$(mountinfo_fstype "$HOST/target")" = tmpfs ]
  [ "$(mountinfo_fstype "$HOST/target/newdir")" = tmpfs ]
  [ -d "$BUNDLE/rootfs/$HOST/target" ]
  # And nothing on the host path.
  assert_target_untouched
}

@test "symlinks: a file bind through an absolute symlink is created inside the rootfs" {
  make_target
  echo "bound file" >"$HOST/file"
  ln -s "$HOST/target" "$BUNDLE/rootfs/abs"
  add_mount /abs/sub/file bind "$HOST/file" bind
  set_args cat /abs/sub/file
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output "bound file"
  [ -f "$BUNDLE/rootfs/$HOST/target/sub/file" ]
  assert_target_untouched
}

@test "symlinks: a destination that is a symlink to a directory in the rootfs lands on that directory" {
  mkdir "$BUNDLE/rootfs/real" "$BUNDLE/rootfs/real2"
  ln -s real "$BUNDLE/rootfs/link"
  ln -s ../real2 "$BUNDLE/rootfs/etc/link2"
  add_mount /link tmpfs tmpfs
  add_mount /etc/link2 bind "$HOST" rbind ro
  set_args sh -c 'cat /proc/self/mountinfo; touch /link/new'
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  [ "$(mountinfo_fstype /real)" = tmpfs ]
  has_option "$(mountinfo_field /real2 6)" ro
  # Written into the tmpfs, not into the rootfs below it.
  [ ! -e "$BUNDLE/rootfs/real/new" ]
  [ -L "$BUNDLE/rootfs/link" ]
  [ -L "$BUNDLE/rootfs/etc/link2" ]
}

@test "symlinks: a device path through an absolute symlink is made inside the rootfs" {
  mkdir "$HOST/target"
  ln -s "$HOST/target" "$BUNDLE/rootfs/abs"
  update_config '.root.readonly = false
    | .linux.devices = [{"path": "/abs/mynull", "type": "c", "major": 1, "minor": 3}]'
  set_args stat -c '%F %t:%T' /abs/mynull
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output "character special file 1:3"
  [ -c "$BUNDLE/rootfs/$HOST/target/mynull" ]
  [ -z "$(ls -A "$HOST/target")" ]
}

@test "symlinks: a device path climbing out with .. is refused" {
  mkdir "$HOST/target"
  make_escape_link
  update_config '.root.readonly = false
    | .linux.devices = [{"path": "/escape/mynull", "type": "c", "major": 1, "minor": 3}]'
  run spacer run --bundle "$BUNDLE" c1
  assert_error 'linux\.devices\[0\].*/escape/mynull'
  [ -z "$(ls -A "$HOST/target")" ]
  assert_nothing_left
}

# ---- /dev ----

@test "dev: the default devices are the right character devices, mode 0666" {
  set_args sh -c 'for d in null zero full random urandom tty; do stat -c "%n %F %t:%T %a" /dev/$d; done'
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output "/dev/null character special file 1:3 666
/dev/zero character special file 1:5 666
/dev/full character special file 1:7 666
/dev/random character special file 1:8 666
/dev/urandom character special file 1:9 666
/dev/tty character special file 5:0 666"
}

@test "dev: /dev holds only the default devices and links, not the host's" {
  set_args ls -A /dev
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  [ "$(echo $output)" = "fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero" ]
}

@test "dev: /dev/ptmx is a link to pts/ptmx" {
  set_args readlink /dev/ptmx
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output pts/ptmx
}

@test "dev: /dev/fd, stdin, stdout and stderr link to /proc/self/fd" {
  set_args sh -c 'for l in fd stdin stdout stderr; do echo "$l -> $(readlink /dev/$l)"; done'
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output "fd -> /proc/self/fd
stdin -> /proc/self/fd/0
stdout -> /proc/self/fd/1
stderr -> /proc/self/fd/2"
}

@test "dev: a linux.devices entry is made with its type, numbers, mode and owner" {
  update_config '.linux.devices = [{"path": "/dev/mynull", "type": "c", "major": 1, "minor": 3,
    "fileMode": 384, "uid": 1000, "gid": 1001}]'
  set_args stat -c "%F %t:%T %a %u:%g" /dev/mynull
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output "character special file 1:3 600 1000:1001"
}

@test "dev: linux.devices of block, fifo and u types are made, parents included" {
  update_config '.linux.devices = [
    {"path": "/dev/myloop", "type": "b", "major": 7, "minor": 0, "fileMode": 432},
    {"path": "/dev/myfifo", "type": "p"},
    {"path": "/dev/sub/dir/myzero", "type": "u", "major": 1, "minor": 5}]'
  set_args stat -c '%n %F %t:%T %a' /dev/myloop /dev/myfifo /dev/sub/dir/myzero
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output "/dev/myloop block special file 7:0 660
/dev/myfifo fifo 0:0 666
/dev/sub/dir/myzero character special file 1:5 666"
}

@test "dev: a read-only /dev tmpfs gets its devices and links first, then turns read-only, as with runc" {
  update_config '(.mounts[] | select(.destination == "/dev") | .options) += ["ro"]'
  set_args sh -c 'stat -c "%n %t:%T" /dev/null /dev/zero; readlink /dev/fd
    grep " /dev " /proc/self/mountinfo | cut -d" " -f6; grep " /dev/pts " /proc/self/mountinfo | cut -d" " -f6
    touch /dev/new 2>/dev/null && echo written || echo refused'
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  [ "${lines[0]}" = "/dev/null 1:3" ]
  [ "${lines[1]}" = "/dev/zero 1:5" ]
  [ "${lines[2]}" = /proc/self/fd ]
  has_option "${lines[3]}" ro
  has_option "${lines[4]}" rw
  [ "${lines[5]}" = refused ]
}

@test "dev: /dev/null, /dev/zero and /dev/full behave as such" {
  set_args sh -c 'echo x >/dev/null && echo null-ok; wc -c </dev/null; head -c 3 /dev/zero | od -An -tx1; echo x >/dev/full || echo full-failed'
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  [ "${lines[0]}" = null-ok ]
  [ "${lines[1]}" = 0 ]
  [ "$(echo ${lines[2]})" = "00 00 00" ]
  [[ $output == *"No space left on device"* ]]
  [ "${lines[${#lines[@]} - 1]}" = full-failed ]
}

# ---- maskedPaths and readonlyPaths ----

@test "maskedPaths: a masked file reads empty" {
  echo secret >"$BUNDLE/rootfs/etc/secret"
  update_config '.linux.maskedPaths += ["/etc/secret"]'
  set_args sh -c 'wc -c </etc/secret; wc -c </proc/keys 2>/dev/null || echo 0'
  [ -n "$(head -c 1 /proc/keys)" ] || skip "/proc/keys is empty on the host"
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output "0
0"
}

@test "maskedPaths: a masked directory is empty" {
  mkdir "$BUNDLE/rootfs/secrets"
  echo secret >"$BUNDLE/rootfs/secrets/key"
  update_config '.linux.maskedPaths += ["/secrets"]'
  set_args sh -c 'ls -A /secrets; echo end'
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output end
}

@test "maskedPaths: a missing masked path is skipped quietly" {
  update_config '.linux.maskedPaths += ["/proc/no-such-file", "/no/such/dir"]'
  set_args echo ran
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output ran
  [ ! -e "$BUNDLE/rootfs/no" ]
}

@test "readonlyPaths: writing below /proc/sys fails with Read-only file system" {
  set_args sh -c 'echo spacer.example >/proc/sys/kernel/domainname'
  run spacer run --bundle "$BUNDLE" c1
  [ "$status" -ne 0 ]
  [[ $output == *"Read-only file system"* ]]
}

@test "readonlyPaths: without /proc/sys listed the same write works, in the container only" {
  local host
  host=$(cat /proc/sys/kernel/domainname)
  update_config '.linux.readonlyPaths -= ["/proc/sys"]'
  set_args sh -c 'echo spacer.example >/proc/sys/kernel/domainname && cat /proc/sys/kernel/domainname'
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output spacer.example
  [ "$(cat /proc/sys/kernel/domainname)" = "$host" ]
}

@test "readonlyPaths: a directory of the rootfs is made read-only, the rest stays writable" {
  mkdir "$BUNDLE/rootfs/rodir"
  update_config '.root.readonly = false | .linux.readonlyPaths += ["/rodir"]'
  set_args sh -c 'touch /rwfile && echo rw-ok; touch /rodir/file'
  run spacer run --bundle "$BUNDLE" c1
  [ "$status" -ne 0 ]
  [ "${lines[0]}" = rw-ok ]
  [[ $output == *"Read-only file system"* ]]
  [ ! -e "$BUNDLE/rootfs/rodir/file" ]
}

@test "readonlyPaths: a missing read-only path is skipped quietly" {
  update_config '.linux.readonlyPaths += ["/proc/no-such-file", "/no/such/dir"]'
  set_args echo ran
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output ran
  [ ! -e "$BUNDLE/rootfs/no" ]
}

# ---- errors and leaks ----

@test "mounts: a bind of a missing source fails with one line naming mounts[i] and errno" {
  add_mount /data bind "$HOST/no-such-source" bind
  run spacer run --bundle "$BUNDLE" c1
  assert_error 'mounts\[7\].*no-such-source.*No such file or directory'
  assert_nothing_left
  # The source is checked before the destination is made in the image.
  [ ! -e "$BUNDLE/rootfs/data" ]
}

@test "mounts: create with a failing mount leaves nothing behind" {
  add_mount /data bind "$HOST/no-such-source" bind
  capture spacer create --bundle "$BUNDLE" c1
  assert_error 'mounts\[7\].*No such file or directory'
  assert_nothing_left
}

@test "mounts: none of a living container's mounts show on the host, nor after delete" {
  mkdir -p "$HOST/dir/sub"
  host_mount -t tmpfs tmpfs "$HOST/dir/sub"
  add_mount /data bind "$HOST/dir" rbind
  add_mount /scratch tmpfs tmpfs
  set_args sleep 100
  create_container c1
  assert_no_host_mount "$BUNDLE"
  spacer start c1
  wait_for_status c1 running
  assert_no_host_mount "$BUNDLE"
  spacer delete --force c1
  assert_no_host_mount "$BUNDLE"
  assert_no_host_mount "$(realpath "$BUNDLE/rootfs")"
}

#!/usr/bin/env bats
# Container isolation: namespaces (new and joined), hostname and domainname,
# the network namespace's loopback, and the user program's identity,
# environment, working directory, rlimits, sysctls, oom score, capabilities,
# and the errors the init reports before the program runs.

load helpers

setup() {
  setup_bundle
  NETNS=
}

teardown() {
  local rc=0
  if [ -n "$NETNS" ] && [ -e "/run/netns/$NETNS" ]; then
    ip netns delete "$NETNS" || rc=1
  fi
  teardown_containers || rc=1
  return "$rc"
}

# ---- helpers of this file ----

# drop_namespace TYPE: remove the namespace of that type from the config
# (and the hostname/domainname along with uts, which would need it).
drop_namespace() {
  update_config 'del(.linux.namespaces[] | select(.type == $t))' --arg t "$1"
  if [ "$1" = uts ]; then
    update_config 'del(.hostname) | del(.domainname)'
  fi
}

# ns_inside NAME: run a container printing its /proc/self/ns/NAME link.
ns_inside() {
  set_args readlink "/proc/self/ns/$1"
  run spacer run --bundle "$BUNDLE" c1
}

# assert_new_namespace NAME: the container's NAME namespace is not the host's.
assert_new_namespace() {
  local host
  host=$(readlink "/proc/self/ns/$1")
  ns_inside "$1"
  assert_ok
  [[ $output == "$1:["*"]" ]] || { echo "not a $1 namespace link: $output" >&2; return 1; }
  if [ "$output" = "$host" ]; then
    echo "container $1 namespace $output is the host's" >&2
    return 1
  fi
}

# assert_host_namespace NAME: the container's NAME namespace is the host's.
assert_host_namespace() {
  local host
  host=$(readlink "/proc/self/ns/$1")
  ns_inside "$1"
  assert_ok
  assert_output "$host"
}

# status_inside: run a container printing its /proc/self/status.
status_inside() {
  set_args cat /proc/self/status
  run spacer run --bundle "$BUNDLE" c1
}

# status_field FIELD: FIELD of /proc/self/status as printed by the last run.
status_field() {
  awk -v f="$1:" '$1 == f { print $2 }' <<<"$output"
}

make_netns() {
  NETNS=spacer-test-$BATS_TEST_NUMBER-$$
  ip netns add "$NETNS"
}

# ---- new namespaces ----

@test "namespaces: a new pid namespace is not the host's" {
  assert_new_namespace pid
}

@test "namespaces: a new network namespace is not the host's" {
  assert_new_namespace net
}

@test "namespaces: a new ipc namespace is not the host's" {
  assert_new_namespace ipc
}

@test "namespaces: a new uts namespace is not the host's" {
  assert_new_namespace uts
}

@test "namespaces: a new mount namespace is not the host's" {
  assert_new_namespace mnt
}

@test "namespaces: a new cgroup namespace is not the host's" {
  assert_new_namespace cgroup
}

@test "namespaces: a new time namespace is not the host's" {
  require_time_namespace
  update_config '.linux.namespaces += [{"type": "time"}]'
  assert_new_namespace time
}

# ---- namespaces left out of the config ----

@test "namespaces: without a pid namespace the container shares the host's" {
  drop_namespace pid
  assert_host_namespace pid
}

@test "namespaces: without a network namespace the container shares the host's" {
  drop_namespace network
  assert_host_namespace net
}

@test "namespaces: without an ipc namespace the container shares the host's" {
  drop_namespace ipc
  assert_host_namespace ipc
}

@test "namespaces: without a uts namespace the container shares the host's" {
  drop_namespace uts
  assert_host_namespace uts
}

@test "namespaces: without a cgroup namespace the container shares the host's" {
  drop_namespace cgroup
  assert_host_namespace cgroup
}

@test "namespaces: without a time namespace the container shares the host's" {
  require_time_namespace
  drop_namespace time
  assert_host_namespace time
}

@test "namespaces: a config without a mount namespace is refused before anything is created" {
  drop_namespace mount
  set_args touch /created-by-container
  run spacer run --bundle "$BUNDLE" c1
  assert_error 'linux\.namespaces.*mount namespace'
  [ ! -e "$BUNDLE/rootfs/created-by-container" ]
  assert_nothing_left
}

@test "namespaces: pid 1 inside a new pid namespace is the user program" {
  set_args sh -c 'echo "$$ $(tr "\0" " " </proc/1/cmdline)"'
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output '1 sh -c echo "$$ $(tr "\0" " " </proc/1/cmdline)" '
}

# ---- joining namespaces by path ----

@test "namespaces: a network namespace given by path is joined" {
  make_netns
  local want
  want="net:[$(stat -L -c %i "/run/netns/$NETNS")]"
  join_namespace network "/run/netns/$NETNS"
  ns_inside net
  assert_ok
  assert_output "$want"
}

@test "namespaces: a uts namespace given by path is another container's, with its hostname" {
  update_config '.hostname = "alpha"'
  set_args sleep 100
  create_container a
  local pid
  pid=$(state_field a pid)
  update_config 'del(.hostname)'
  join_namespace uts "/proc/$pid/ns/uts"
  set_args sh -c 'readlink /proc/self/ns/uts; hostname'
  run spacer run --bundle "$BUNDLE" b
  assert_ok
  assert_output "$(readlink "/proc/$pid/ns/uts")
alpha"
}

@test "uts: a container joining another's uts namespace sets the configured hostname there" {
  set_args sleep 100
  create_container pod
  local pid
  pid=$(state_field pod pid)
  update_config '.hostname = "member"'
  join_namespace uts "/proc/$pid/ns/uts"
  set_args hostname
  run spacer run --bundle "$BUNDLE" member
  assert_ok
  assert_output member
  [ "$(nsenter --uts="/proc/$pid/ns/uts" hostname)" = member ]
}

@test "namespaces: a pid namespace given by path is joined, the program is not its pid 1" {
  set_args sleep 100
  create_container a
  local pid
  pid=$(state_field a pid)
  join_namespace pid "/proc/$pid/ns/pid"
  set_args sh -c 'readlink /proc/self/ns/pid; [ "$$" != 1 ] && echo "not pid 1"'
  run spacer run --bundle "$BUNDLE" b
  assert_ok
  assert_output "$(readlink "/proc/$pid/ns/pid")
not pid 1"
}

@test "namespaces: a network path that is another type of namespace is refused, nothing created" {
  join_namespace network /proc/self/ns/uts
  run spacer run --bundle "$BUNDLE" c1
  assert_error 'linux\.namespaces\[[0-9]+\]\.path.*/proc/self/ns/uts.*not a network namespace'
  assert_nothing_left
}

@test "namespaces: a network path that is a regular file is refused, nothing created" {
  echo not-a-namespace >"$BATS_TEST_TMPDIR/plain"
  join_namespace network "$BATS_TEST_TMPDIR/plain"
  run spacer run --bundle "$BUNDLE" c1
  assert_error "linux\\.namespaces\\[[0-9]+\\]\\.path.*$BATS_TEST_TMPDIR/plain"
  assert_nothing_left
}

@test "namespaces: a namespace path that does not exist is refused with its errno" {
  join_namespace network "$BATS_TEST_TMPDIR/missing-netns"
  run spacer run --bundle "$BUNDLE" c1
  assert_error "linux\\.namespaces\\[[0-9]+\\]\\.path.*missing-netns.*No such file or directory"
  assert_nothing_left
}

# ---- time namespace ----

@test "time namespace: timeOffsets.boottime shifts the container's uptime" {
  require_time_namespace
  update_config '.linux.namespaces += [{"type": "time"}]
    | .linux.timeOffsets = {"boottime": {"secs": 172800, "nanosecs": 0}}'
  set_args cat /proc/uptime
  local before after inside
  before=$(cut -d. -f1 /proc/uptime)
  run spacer run --bundle "$BUNDLE" c1
  after=$(cut -d. -f1 /proc/uptime)
  assert_ok
  inside=${output%%.*}
  if [ "$inside" -lt $((before + 172800)) ] || [ "$inside" -gt $((after + 172800 + 1)) ]; then
    echo "uptime inside $inside, outside $before..$after: not shifted by 172800 s" >&2
    return 1
  fi
}

@test "time namespace: timeOffsets.monotonic is the container's monotonic offset" {
  require_time_namespace
  update_config '.linux.namespaces += [{"type": "time"}]
    | .linux.timeOffsets = {"monotonic": {"secs": 86400, "nanosecs": 5}}'
  set_args cat /proc/self/timens_offsets
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  [ "$(awk '$1 == "monotonic" { print $2, $3 }' <<<"$output")" = "86400 5" ]
  [ "$(awk '$1 == "boottime" { print $2, $3 }' <<<"$output")" = "0 0" ]
}

# ---- hostname and domainname ----

@test "uts: a new uts namespace has the configured hostname and the host's is unchanged" {
  local host
  host=$(hostname)
  update_config '.hostname = "spacer-box"'
  set_args hostname
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output spacer-box
  [ "$(hostname)" = "$host" ]
}

@test "uts: the configured domainname is set inside and the host's is unchanged" {
  local host
  host=$(cat /proc/sys/kernel/domainname)
  update_config '.domainname = "spacer.example"'
  set_args cat /proc/sys/kernel/domainname
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output spacer.example
  [ "$(cat /proc/sys/kernel/domainname)" = "$host" ]
}

@test "uts: a hostname without a new uts namespace is refused before anything is created" {
  local host
  host=$(hostname)
  drop_namespace uts
  update_config '.hostname = "not-the-host"'
  run spacer run --bundle "$BUNDLE" c1
  assert_error 'hostname.*uts namespace'
  [ "$(hostname)" = "$host" ]
  assert_nothing_left
}

@test "uts: a domainname without a new uts namespace is refused before anything is created" {
  local host
  host=$(cat /proc/sys/kernel/domainname)
  drop_namespace uts
  update_config '.domainname = "not.the.host"'
  run spacer run --bundle "$BUNDLE" c1
  assert_error 'domainname.*uts namespace'
  [ "$(cat /proc/sys/kernel/domainname)" = "$host" ]
  assert_nothing_left
}

# ---- network ----

@test "network: in a new network namespace lo is up" {
  set_args cat /sys/class/net/lo/flags
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  # IFF_UP is bit 0 of the interface flags.
  [ $((output & 1)) -eq 1 ] || { echo "lo flags $output: not up" >&2; return 1; }
}

@test "network: a new network namespace holds only lo, and what the kernel puts in every new one" {
  # Loaded tunnel modules (sit, ipip, gre...) put a fallback device in
  # every new network namespace: what one made here by unshare holds is
  # the expected list.
  local fresh
  fresh=$(unshare --net ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort)
  grep -qx lo <<<"$fresh"
  set_args sh -c 'ls /sys/class/net; echo ==; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "'
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  [ "$(sed '/^==$/,$d' <<<"$output" | sort)" = "$fresh" ]
  [ "$(sed '1,/^==$/d' <<<"$output" | sort)" = "$fresh" ]
}

# ---- process.user ----

@test "user: the program runs with process.user.uid and gid" {
  update_config '.process.user = {"uid": 1000, "gid": 1001}'
  set_args sh -c 'id -u; id -g'
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output '1000
1001'
}

@test "user: process.user.additionalGids are the supplementary groups" {
  update_config '.process.user = {"uid": 1000, "gid": 1001, "additionalGids": [5, 2000]}'
  set_args grep '^Groups:' /proc/self/status
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  [ "$(echo $output)" = "Groups: 5 2000" ]
}

@test "user: without additionalGids the runtime's own groups are dropped" {
  set_args grep '^Groups:' /proc/self/status
  # spacer itself runs with supplementary groups the container must not get.
  run setpriv --groups 4,27 "$SPACER" --root "$ROOT" run --bundle "$BUNDLE" c1
  assert_ok
  [ "$(echo $output)" = "Groups:" ]
}

@test "user: process.user.umask is the program's umask" {
  update_config '.process.user.umask = 63
    | .mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"}]'
  set_args sh -c 'umask; touch /tmp/f; stat -c %a /tmp/f'
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output '0077
600'
}

@test "user: without process.user.umask the umask is 0022, whatever the caller's" {
  update_config '.mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"}]'
  set_args sh -c 'umask; touch /tmp/f; stat -c %a /tmp/f'
  local saved
  saved=$(umask)
  umask 0077
  run spacer run --bundle "$BUNDLE" c1
  umask "$saved"
  assert_ok
  assert_output '0022
644'
}

# ---- process.env ----

@test "env: process.env reaches the program as given" {
  update_config '.process.env = ["PATH=/bin:/usr/bin", "FOO=bar baz", "EMPTY=", "EQ=a=b"]'
  set_args sh -c 'printf "%s|" "$FOO" "${EMPTY-unset}" "$EQ" "$PATH"'
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output 'bar baz||a=b|/bin:/usr/bin|'
}

@test "env: HOME is added for root from the container's /etc/passwd" {
  sed -i 's|^root:x:0:0:root:/root:|root:x:0:0:root:/home/croot:|' "$BUNDLE/rootfs/etc/passwd"
  set_args sh -c 'echo "$HOME"; env | grep -c "^HOME="'
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output '/home/croot
1'
}

@test "env: HOME for uid 0 is /root with the busybox /etc/passwd" {
  set_args sh -c 'echo "$HOME"'
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output /root
}

@test "env: HOME is added for a non-root user from the container's /etc/passwd" {
  update_config '.process.user = {"uid": 65534, "gid": 65534}'
  set_args sh -c 'echo "$HOME"'
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output /nonexistent
}

@test "env: a HOME set in process.env is not overridden" {
  update_config '.process.env += ["HOME=/custom/home"]'
  set_args sh -c 'echo "$HOME"; env | grep -c "^HOME="'
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output '/custom/home
1'
}

# ---- process.cwd ----

@test "cwd: the program starts in process.cwd" {
  update_config '.process.cwd = "/etc"'
  set_args sh -c 'pwd; cat passwd | head -n 1'
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output '/etc
root:x:0:0:root:/root:/bin/sh'
}

@test "cwd: a missing process.cwd is created in the rootfs" {
  update_config '.root.readonly = false | .process.cwd = "/work/dir/deep"'
  set_args pwd
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output /work/dir/deep
  [ -d "$BUNDLE/rootfs/work/dir/deep" ]
}

@test "cwd: a missing process.cwd is created even when the root is read-only" {
  # runc makes the directory before the root turns read-only.
  update_config '.root.readonly = true | .process.cwd = "/work/dir/deep"'
  set_args pwd
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output /work/dir/deep
  [ -d "$BUNDLE/rootfs/work/dir/deep" ]
}

# ---- rlimits ----

@test "rlimits: a lowered RLIMIT_NOFILE is the program's soft and hard limit" {
  require_hard_rlimit NOFILE 1024
  update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 1024}]'
  set_args sh -c 'ulimit -n; ulimit -Hn; grep "^Max open files" /proc/self/limits'
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  [ "${lines[0]}" = 512 ]
  [ "${lines[1]}" = 1024 ]
  [ "$(echo ${lines[2]})" = "Max open files 512 1024 files" ]
}

@test "rlimits: every listed limit is applied" {
  require_hard_rlimit CORE 0
  require_hard_rlimit NPROC 200
  require_hard_rlimit NOFILE 400
  update_config '.process.rlimits = [
    {"type": "RLIMIT_CORE", "soft": 0, "hard": 0},
    {"type": "RLIMIT_NPROC", "soft": 100, "hard": 200},
    {"type": "RLIMIT_NOFILE", "soft": 300, "hard": 400}]'
  set_args sh -c 'ulimit -c; ulimit -Hc; ulimit -u; ulimit -Hu; ulimit -n; ulimit -Hn'
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  [ "$(echo $output)" = "0 0 100 200 300 400" ]
}

@test "rlimits: a hard limit above the runtime's own is refused naming process.rlimits" {
  local hard
  hard=$(ulimit -Hn)
  [ "$hard" != unlimited ] || skip "RLIMIT_NOFILE is unlimited here"
  update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 64, "hard": ($h | tonumber)}]' \
    --arg h "$((hard + 1))"
  # CAP_SYS_RESOURCE would let it raise the limit.
  run without_capability CAP_SYS_RESOURCE "$SPACER" --root "$ROOT" run --bundle "$BUNDLE" c1
  assert_error "process\\.rlimits\\[0\\].*RLIMIT_NOFILE.*$((hard + 1)).*Operation not permitted"
  assert_nothing_left
}

# ---- sysctl ----

@test "sysctl: a network sysctl is applied inside and the host's is unchanged" {
  local host want
  host=$(cat /proc/sys/net/ipv4/ip_forward)
  want=$((1 - host))
  update_config '.linux.sysctl = {"net.ipv4.ip_forward": $v}' --arg v "$want"
  set_args cat /proc/sys/net/ipv4/ip_forward
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output "$want"
  [ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$host" ]
}

@test "sysctl: an ipc sysctl is applied inside and the host's is unchanged" {
  local host
  host=$(cat /proc/sys/kernel/shmmax)
  [ "$host" != 12345678 ]
  update_config '.linux.sysctl = {"kernel.shmmax": "12345678"}'
  set_args cat /proc/sys/kernel/shmmax
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output 12345678
  [ "$(cat /proc/sys/kernel/shmmax)" = "$host" ]
}

@test "sysctl: a non-namespaced sysctl is refused before anything is created" {
  local key panic swappiness
  panic=$(cat /proc/sys/kernel/panic)
  swappiness=$(cat /proc/sys/vm/swappiness)
  for key in kernel.panic vm.swappiness; do
    update_config '.linux.sysctl = {($k): "7"}' --arg k "$key"
    run spacer run --bundle "$BUNDLE" c1
    assert_error "linux\\.sysctl.*$key.*not a namespaced sysctl"
    assert_nothing_left
  done
  [ "$(cat /proc/sys/kernel/panic)" = "$panic" ]
  [ "$(cat /proc/sys/vm/swappiness)" = "$swappiness" ]
}

@test "sysctl: a network sysctl without a new network namespace is refused" {
  local host
  host=$(cat /proc/sys/net/ipv4/ip_forward)
  drop_namespace network
  update_config '.linux.sysctl = {"net.ipv4.ip_forward": $v}' --arg v "$((1 - host))"
  run spacer run --bundle "$BUNDLE" c1
  assert_error 'linux\.sysctl.*net\.ipv4\.ip_forward.*network namespace'
  [ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$host" ]
  assert_nothing_left
}

@test "sysctl: a network sysctl applies in a network namespace joined by path" {
  make_netns
  local host
  host=$(cat /proc/sys/net/ipv4/ip_forward)
  join_namespace network "/run/netns/$NETNS"
  update_config '.linux.sysctl = {"net.ipv4.ip_forward": $v}' --arg v "$((1 - host))"
  set_args cat /proc/sys/net/ipv4/ip_forward
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output "$((1 - host))"
  [ "$(ip netns exec "$NETNS" cat /proc/sys/net/ipv4/ip_forward)" = "$((1 - host))" ]
  [ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$host" ]
}

@test "sysctl: a network namespace joined by path that is the host's is refused" {
  local host
  host=$(cat /proc/sys/net/ipv4/ip_forward)
  join_namespace network "/proc/$$/ns/net"
  update_config '.linux.sysctl = {"net.ipv4.ip_forward": $v}' --arg v "$((1 - host))"
  run spacer run --bundle "$BUNDLE" c1
  assert_error "linux\.sysctl.*net\.ipv4\.ip_forward.*host's"
  [ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$host" ]
  assert_nothing_left
}

@test "uts: a hostname in a uts namespace joined by path that is the host's is refused" {
  local host
  host=$(hostname)
  join_namespace uts "/proc/$$/ns/uts"
  update_config '.hostname = "not-the-host"'
  run spacer run --bundle "$BUNDLE" c1
  assert_error "hostname.*host's"
  [ "$(hostname)" = "$host" ]
  assert_nothing_left
}

# ---- oomScoreAdj ----

@test "process.oomScoreAdj is the program's oom_score_adj" {
  require_oom_score_adj 123
  local host
  host=$(cat /proc/self/oom_score_adj)
  update_config '.process.oomScoreAdj = 123'
  set_args cat /proc/self/oom_score_adj
  run spacer run --bundle "$BUNDLE" c1
  assert_ok
  assert_output 123
  [ "$(cat /proc/self/oom_score_adj)" = "$host" ]
}

@test "process.oomScoreAdj the runtime may not set is a one-line error naming it" {
  # Below the lowest value a privileged process gave the runtime (its
  # oom_score_adj_min, not shown in /proc) it may not go without
  # CAP_SYS_RESOURCE: -1000, the lowest there is, is below that but where
  # the runtime runs at -1000 already.
  [ "$(cat /proc/self/oom_score_adj)" -gt -1000 ] || skip "the runtime runs at oom_score_adj -1000"
  update_config '.process.oomScoreAdj = -1000'
  run without_capability CAP_SYS_RESOURCE "$SPACER" --root "$ROOT" run --bundle "$BUNDLE" c1
  assert_error 'process\.oomScoreAdj.*Permission denied'
  assert_nothing_left
}

# ---- capabilities and noNewPrivileges ----

@test "capabilities: the spec's three capabilities are the program's sets" {
  require_capability CAP_KILL CAP_NET_BIND_SERVICE CAP_AUDIT_WRITE
  local want
  want=$(cap_mask CAP_KILL CAP_NET_BIND_SERVICE CAP_AUDIT_WRITE)
  status_inside
  assert_ok
  [ "$(status_field CapEff)" = "$want" ]
  [ "$(status_field CapPrm)" = "$want" ]
  [ "$(status_field CapBnd)" = "$want" ]
  [ "$(status_field CapInh)" = 0000000000000000 ]
  [ "$(status_field CapAmb)" = 0000000000000000 ]
}

@test "capabilities: the bounding, permitted and inheritable sets follow the config" {
  # For uid 0 the kernel makes the effective set the permitted one at
  # exec, so they are equal.
  require_capability CAP_CHOWN CAP_NET_RAW CAP_SYS_CHROOT
  update_config '.process.capabilities = {
      "bounding": ["CAP_CHOWN", "CAP_NET_RAW", "CAP_SYS_CHROOT"],
      "permitted": ["CAP_CHOWN", "CAP_NET_RAW"],
      "effective": ["CAP_CHOWN", "CAP_NET_RAW"],
      "inheritable": ["CAP_NET_RAW"]}'
  status_inside
  assert_ok
  [ "$(status_field CapBnd)" = "$(cap_mask CAP_CHOWN CAP_NET_RAW CAP_SYS_CHROOT)" ]
  [ "$(status_field CapPrm)" = "$(cap_mask CAP_CHOWN CAP_NET_RAW)" ]
  [ "$(status_field CapEff)" = "$(cap_mask CAP_CHOWN CAP_NET_RAW)" ]
  [ "$(status_field CapInh)" = "$(cap_mask CAP_NET_RAW)" ]
  [ "$(status_field CapAmb)" = 0000000000000000 ]
}

@test "capabilities: an ambient capability survives exec for a non-root user" {
  require_capability CAP_CHOWN CAP_NET_RAW
  update_config '.process.user = {"uid": 1000, "gid": 1000}
    | .process.capabilities = {
      "bounding": ["CAP_CHOWN", "CAP_NET_RAW"],
      "permitted": ["CAP_NET_RAW"],
      "effective": ["CAP_NET_RAW"],
      "inheritable": ["CAP_NET_RAW"],
      "ambient": ["CAP_NET_RAW"]}'
  status_inside
  assert_ok
  [ "$(status_field CapBnd)" = "$(cap_mask CAP_CHOWN CAP_NET_RAW)" ]
  [ "$(status_field CapAmb)" = "$(cap_mask CAP_NET_RAW)" ]
  [ "$(status_field CapEff)" = "$(cap_mask CAP_NET_RAW)" ]
  [ "$(status_field CapPrm)" = "$(cap_mask CAP_NET_RAW)" ]
}

@test "noNewPrivileges: true sets NoNewPrivs" {
  status_inside
  assert_ok
  [ "$(status_field NoNewPrivs)" = 1 ]
}

@test "noNewPrivileges: false leaves NoNewPrivs clear" {
  update_config '.process.noNewPrivileges = false'
  status_inside
  assert_ok
  [ "$(status_field NoNewPrivs)" = 0 ]
}

# ---- errors from the init ----

# The words matter beyond the reader: podman makes exit status 126 (cannot
# be invoked) of "permission denied" and 127 (not found) of "no such file
# or directory" and "executable file not found in", as a shell would.

@test "init errors: a program missing from \$PATH is an executable file not found in \$PATH" {
  set_args no-such-program arg
  run spacer run --bundle "$BUNDLE" c1
  assert_error 'process\.args\[0\]: `no-such-program`: executable file not found in \$PATH$'
  assert_nothing_left
}

@test "init errors: create with a missing executable fails, naming it, and leaves nothing behind" {
  set_args /bin/no-such-program
  capture spacer create --bundle "$BUNDLE" c1
  assert_error 'executable `/bin/no-such-program` not found in the container: No such file or directory$'
  assert_nothing_left
}

@test "init errors: a program that is not executable is permission denied, not \"not found\"" {
  set_args /etc/passwd
  run spacer run --bundle "$BUNDLE" c1
  assert_error 'process\.args\[0\]: cannot execute `/etc/passwd`: Permission denied$'
  [[ $output != *"not found"* ]]
  assert_nothing_left
}

@test "init errors: a directory as the program says it is one, and permission denied" {
  set_args /etc
  run spacer run --bundle "$BUNDLE" c1
  assert_error 'process\.args\[0\]: cannot execute `/etc`: it is a directory: Permission denied$'
  [[ $output != *"not found"* ]]
  assert_nothing_left
}

@test "init errors: a file in \$PATH that is not executable is permission denied" {
  printf 'not a program\n' >"$BUNDLE/rootfs/bin/notes"
  chmod 644 "$BUNDLE/rootfs/bin/notes"
  set_args notes
  run spacer run --bundle "$BUNDLE" c1
  assert_error 'cannot execute `notes` \(found in \$PATH\): Permission denied$'
  assert_nothing_left
}

@test "init errors: they name the config file first, as parse errors do" {
  set_args /bin/no-such-program
  run spacer run --bundle "$BUNDLE" c1
  assert_error "^spacer: $(ere_quote "$BUNDLE/config.json"): container init: process\.args\[0\]: "
  capture spacer create --bundle "$BUNDLE" c1
  assert_error "^spacer: $(ere_quote "$BUNDLE/config.json"): container init: process\.args\[0\]: "
  assert_nothing_left
}

@test "init errors: a script whose interpreter is missing fails start, naming the config and the cause" {
  # Found and executable at create; only the exec at start can tell.
  printf '#!/no/such/interpreter\n' >"$BUNDLE/rootfs/script"
  chmod +x "$BUNDLE/rootfs/script"
  set_args /script
  create_container c1
  capture spacer start c1
  assert_error "^spacer: $(ere_quote "$(realpath "$BUNDLE")/config.json"): container init: process\.args\[0\]: exec \`/script\`: its #! interpreter or dynamic loader is missing: No such file or directory$"
  capture spacer_timed run --bundle "$BUNDLE" c2
  assert_error "^spacer: $(ere_quote "$BUNDLE/config.json"): container init: process\.args\[0\]: exec \`/script\`: its #! interpreter"
  [ "$(spacer list -q)" = c1 ]
}

# ---- the session keyring ----

# keyrings_inside [run flags...]: the names of the keyrings /proc/keys (which
# the default config masks) shows the program, run as container KEYRING_ID:
# an ID of this test's own, since a keyring outlives its container for a
# while and stays visible to root.
keyrings_inside() {
  [ -e /proc/keys ] || skip "the kernel has no keys (no /proc/keys)"
  KEYRING_ID=keys-$BATS_TEST_NUMBER-$$-$RANDOM
  update_config '.linux.maskedPaths -= ["/proc/keys"]'
  set_args sh -c 'awk "\$8 == \"keyring\" { sub(/:.*/, \"\", \$9); print \$9 }" /proc/keys'
  run spacer_timed run --bundle "$BUNDLE" "$@" "$KEYRING_ID"
  assert_ok
}

@test "session keyring: the container joins a new one of its own, named _ses.ID, as with runc" {
  keyrings_inside
  grep -qxF "_ses.$KEYRING_ID" <<<"$output" || { echo "keyrings inside: $output" >&2; false; }
}

@test "run --no-new-keyring: the container keeps the caller's session keyring" {
  keyrings_inside --no-new-keyring
  ! grep -qF "_ses.$KEYRING_ID" <<<"$output"
}

#!/usr/bin/env bats
# shellcheck disable=SC2016 # the programs' scripts are for the container's sh
# shellcheck disable=SC2154 # status, output, stdout, stderr: set by capture
# runtime-spec 1.2.1 and 1.3 fields the container's processes get:
# linux.memoryPolicy (set_mempolicy for the init's program and exec's),
# process.execCPUAffinity (exec's helper and process), linux.netDevices
# (host interfaces moved into the container's network namespace, here
# from a network namespace of the test's own standing in for the host),
# linux.intelRdt (refused where resctrl is not mounted) and
# linux.mountLabel (ignored where SELinux is not active, as runc does).

load helpers

setup() {
  setup_bundle
  NETNS=
  OTHER_NETNS=
}

teardown() {
  local rc=0
  # The containers first: their network namespaces hold moved interfaces.
  teardown_containers || rc=1
  local ns
  for ns in "$NETNS" "$OTHER_NETNS"; do
    if [ -n "$ns" ] && [ -e "/run/netns/$ns" ]; then
      ip netns delete "$ns" || rc=1
    fi
  done
  return "$rc"
}

# ---- helpers of this file ----

# policy_of MODE NODES [FLAG...]: the memory policy the container's program
# runs with, as /proc/self/numa_maps shows it on its first mapping
# ("bind:0", "interleave=static:0", "default").
policy_of() {
  local mode=$1 nodes=$2
  shift 2
  update_config '.linux.memoryPolicy = {mode: $m, nodes: $n, flags: $ARGS.positional}' \
    --arg m "$mode" --arg n "$nodes" --args "$@"
  set_args sh -c 'head -1 /proc/self/numa_maps | sed "s/^[^ ]* //; s/ file=.*//"'
  capture timeout -k 5 20 "$SPACER" --root "$ROOT" run --bundle "$BUNDLE" c1
}

# running ID: a started container running `sleep 1000`.
running() {
  set_args sleep 1000
  create_container "$1"
  spacer start "$1"
}

# refused JQ_FILTER PATTERN: with the config so edited, `spacer run` fails
# with one error line matching PATTERN.
refused() {
  update_config "$1"
  capture spacer run --bundle "$BUNDLE" c1
  assert_error "$2"
}

# exec_status_line FIELD [exec flags...] : FIELD of /proc/self/status in a
# process exec'd into c1.
exec_status_line() {
  local field=$1
  shift
  capture timeout -k 5 20 "$SPACER" --root "$ROOT" exec "$@" c1 \
    awk -v f="$field:" '$1 == f { print $2 }' /proc/self/status
}

# ---- linux.memoryPolicy ----

@test "memoryPolicy: every mode reaches the program, as numa_maps shows it" {
  require_numa
  policy_of MPOL_DEFAULT ""
  assert_ok
  assert_output default
  policy_of MPOL_BIND 0
  assert_ok
  assert_output bind:0
  policy_of MPOL_INTERLEAVE 0
  assert_ok
  assert_output interleave:0
  policy_of MPOL_PREFERRED 0
  assert_ok
  assert_output prefer:0
  # Preferred with no node is local allocation.
  policy_of MPOL_PREFERRED ""
  assert_ok
  assert_output local
  policy_of MPOL_LOCAL ""
  assert_ok
  assert_output local
  policy_of MPOL_PREFERRED_MANY 0
  assert_ok
  assert_output 'prefer (many):0'
}

@test "memoryPolicy: MPOL_WEIGHTED_INTERLEAVE" {
  require_numa
  require_kernel 6.9 MPOL_WEIGHTED_INTERLEAVE
  policy_of MPOL_WEIGHTED_INTERLEAVE 0
  assert_ok
  assert_output 'weighted interleave:0'
}

@test "memoryPolicy: the mode flags reach the program" {
  require_numa
  policy_of MPOL_BIND 0 MPOL_F_STATIC_NODES
  assert_ok
  assert_output bind=static:0
  policy_of MPOL_INTERLEAVE 0 MPOL_F_RELATIVE_NODES
  assert_ok
  assert_output interleave=relative:0
  policy_of MPOL_BIND 0 MPOL_F_NUMA_BALANCING
  assert_ok
  assert_output bind=balancing:0
  # Relative nodes are positions in the allowed set: 0-3 folds onto the
  # host's nodes (whatever they are, node 0 is among them).
  policy_of MPOL_BIND 0-3 MPOL_F_RELATIVE_NODES
  assert_ok
  [[ "$output" == bind=relative:0* ]]
}

@test "memoryPolicy: exec'd processes get it too, and spacer itself does not" {
  require_numa
  update_config '.linux.memoryPolicy = {mode: "MPOL_INTERLEAVE", nodes: "0"}'
  running c1
  capture timeout -k 5 20 "$SPACER" --root "$ROOT" exec c1 sh -c 'head -1 /proc/self/numa_maps | cut -d" " -f2'
  assert_ok
  assert_output interleave:0
  [ "$(awk '{ print $2; exit }' "/proc/$(state_field c1 pid)/numa_maps")" = interleave:0 ]
  [ "$(awk '{ print $2; exit }' /proc/self/numa_maps)" = default ]
}

@test "memoryPolicy: nodes the host does not have, and nodes the mode does not take, are refused before anything runs" {
  require_numa
  local online last
  online=$(cat /sys/devices/system/node/online)
  last=$(tr ',-' '\n' </sys/devices/system/node/online | sort -n | tail -1)
  policy_of MPOL_BIND "$((last + 1))"
  assert_one_line_error "linux.memoryPolicy.nodes: node $((last + 1)) is not online on this host \\(online: $online\\)"
  policy_of MPOL_DEFAULT 0
  assert_error 'linux.memoryPolicy.nodes: MPOL_DEFAULT takes no nodes'
  policy_of MPOL_BIND ""
  assert_error 'linux.memoryPolicy.nodes: MPOL_BIND needs at least one node'
  policy_of MPOL_BIND 0-x
  assert_error 'linux.memoryPolicy.nodes: `0-x`: not a list of numbers and ranges'
  policy_of MPOL_SOMETIMES 0
  assert_error 'linux.memoryPolicy.mode: unknown mode "MPOL_SOMETIMES"'
  policy_of MPOL_BIND 0 MPOL_F_STATIC_NODES MPOL_F_RELATIVE_NODES
  assert_error 'MPOL_F_RELATIVE_NODES and MPOL_F_STATIC_NODES exclude each other'
  # What the kernel refuses fails the create.
  policy_of MPOL_INTERLEAVE 0 MPOL_F_NUMA_BALANCING
  assert_error 'linux.memoryPolicy: set_mempolicy: Invalid argument'
  policy_of MPOL_BIND 0 MPOL_F_WHATEVER
  assert_error 'linux.memoryPolicy.flags\[0\]: unknown flag "MPOL_F_WHATEVER"'
  assert_nothing_left
}

# ---- process.execCPUAffinity ----

@test "execCPUAffinity: final binds the exec'd program, initial binds it where final is absent" {
  require_cpus 0 1
  update_config '.process.execCPUAffinity = {initial: "1", final: "0"}'
  running c1
  exec_status_line Cpus_allowed_list
  assert_ok
  assert_output 0
  # The init is not an exec'd process: the spec leaves it alone.
  [ "$(awk '$1 == "Cpus_allowed_list:" { print $2 }' "/proc/$(state_field c1 pid)/status")" = "$(own_cpus)" ]
  # A --process without execCPUAffinity takes the config's; one with it, its own.
  echo '{"args": ["awk", "$1 == \"Cpus_allowed_list:\" { print $2 }", "/proc/self/status"], "cwd": "/"}' \
    >"$BATS_TEST_TMPDIR/p.json"
  capture timeout -k 5 20 "$SPACER" --root "$ROOT" exec --process "$BATS_TEST_TMPDIR/p.json" c1
  assert_ok
  assert_output 0
  jq '.execCPUAffinity = {initial: "1"}' "$BATS_TEST_TMPDIR/p.json" >"$BATS_TEST_TMPDIR/p1.json"
  capture timeout -k 5 20 "$SPACER" --root "$ROOT" exec --process "$BATS_TEST_TMPDIR/p1.json" c1
  assert_ok
  assert_output 1
  jq '.execCPUAffinity = {final: "0-1"}' "$BATS_TEST_TMPDIR/p.json" >"$BATS_TEST_TMPDIR/p2.json"
  capture timeout -k 5 20 "$SPACER" --root "$ROOT" exec --process "$BATS_TEST_TMPDIR/p2.json" c1
  assert_ok
  assert_output 0-1
}

@test "execCPUAffinity: bad lists are config errors, CPUs the process may not use an exec error" {
  refused '.process.execCPUAffinity = {initial: "0-"}' \
    'process.execCPUAffinity.initial: `0-`: not a list of numbers and ranges'
  refused '.process.execCPUAffinity = {final: "3-1"}' \
    'process.execCPUAffinity.final: `3-1`: range 3-1 goes backwards'
  update_config '.process.execCPUAffinity = {final: "1023"}'
  running c1
  exec_status_line Cpus_allowed_list
  assert_error 'process.execCPUAffinity.final: sched_setaffinity `1023`: Invalid argument'
}

# ---- linux.netDevices ----
# The "host" is a network namespace of the test's own ($NETNS): spacer runs
# in it through nsenter --net (`ip netns exec` would also remount /sys,
# taking the cgroup mounts away from spacer), so nothing of the real
# host's network is touched.

# host_netns: $NETNS made, with a veth pair sp-a/sp-b in it.
host_netns() {
  NETNS=spacer-test-$BATS_TEST_NUMBER-$$
  ip netns add "$NETNS"
  ip -n "$NETNS" link add sp-a type veth peer name sp-b
}

# no_link NETNS NAME: the namespace has no interface NAME.
no_link() {
  if ip -n "$1" link show "$2" >/dev/null 2>&1; then
    echo "interface $2 is still in $1" >&2
    return 1
  fi
}

# in_host_netns CMD...: CMD in $NETNS (only its network namespace).
in_host_netns() {
  nsenter --net="/run/netns/$NETNS" "$@"
}

@test "netDevices: the interface moves in renamed, with its MAC and permanent addresses, up; delete does not move it back" {
  host_netns
  ip -n "$NETNS" addr add 10.213.7.1/24 dev sp-a
  ip -n "$NETNS" addr add fd00:213::1/64 dev sp-a nodad
  local mac
  mac=$(in_host_netns ip -o link show sp-a | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
  [ -n "$mac" ]
  update_config '.linux.netDevices = {"sp-a": {"name": "ctr0"}}'
  set_args sh -c 'ip -o addr show dev ctr0 | grep -o "inet6\? [^ ]*"; ip -o link show ctr0'
  capture timeout -k 5 20 nsenter --net="/run/netns/$NETNS" "$SPACER" --root "$ROOT" run --bundle "$BUNDLE" c1
  assert_ok
  grep -qx 'inet 10.213.7.1/24' <<<"$stdout"
  grep -qx 'inet6 fd00:213::1/64' <<<"$stdout"
  grep -Eq "ctr0(@[^:]*)?: <[^>]*,UP[,>].*link/ether $mac" <<<"$stdout"
  # Gone from the host's side, and not back after the delete (a veth
  # ends with its namespace, its peer with it).
  no_link "$NETNS" sp-a
  no_link "$NETNS" sp-b
}

@test "netDevices: without a name the interface keeps its own; a running container holds it until delete" {
  host_netns
  update_config '.linux.netDevices = {"sp-a": {}}'
  set_args sleep 1000
  nsenter --net="/run/netns/$NETNS" "$SPACER" --root "$ROOT" create --bundle "$BUNDLE" c1 \
    >"$BATS_TEST_TMPDIR/c1.log" 2>&1 </dev/null
  nsenter --net="/run/netns/$NETNS" "$SPACER" --root "$ROOT" start c1
  capture timeout -k 5 20 "$SPACER" --root "$ROOT" exec c1 cat /sys/class/net/sp-a/operstate /sys/class/net/sp-a/flags
  assert_ok
  # Up (0x1), without carrier while its peer in the host's namespace is down.
  (( $(sed -n 2p <<<"$stdout") & 1 ))
  no_link "$NETNS" sp-a
  spacer delete --force c1
  no_link "$NETNS" sp-a
}

@test "netDevices: a name with %d is numbered by the kernel; a fixed name already there is an error" {
  host_netns
  ip -n "$NETNS" link add sp-c type veth peer name sp-d
  update_config '.linux.netDevices = {"sp-a": {"name": "eth%d"}, "sp-c": {"name": "eth%d"}}'
  set_args sh -c 'ls /sys/class/net | sort | tr "\n" " "'
  capture timeout -k 5 20 nsenter --net="/run/netns/$NETNS" "$SPACER" --root "$ROOT" run --bundle "$BUNDLE" c1
  assert_ok
  assert_output 'eth0 eth1 lo '
  ip -n "$NETNS" link add sp-a type veth peer name sp-b
  ip -n "$NETNS" link set sp-a up
  update_config '.linux.netDevices = {"sp-a": {"name": "lo"}}'
  capture timeout -k 5 20 nsenter --net="/run/netns/$NETNS" "$SPACER" --root "$ROOT" run --bundle "$BUNDLE" c1
  assert_error 'linux.netDevices\["sp-a"\]: the container.s network namespace has an interface named "lo" already'
  # Left with the host, up as it was.
  ip -n "$NETNS" -o link show sp-a | grep -q '<[^>]*UP[,>]'
  assert_nothing_left
}

@test "netDevices: into a network namespace the config joins by path, never the runtime's own" {
  host_netns
  OTHER_NETNS=$NETNS-joined
  ip netns add "$OTHER_NETNS"
  join_namespace network "/run/netns/$OTHER_NETNS"
  update_config '.linux.netDevices = {"sp-a": {"name": "ctr0"}}'
  capture timeout -k 5 20 nsenter --net="/run/netns/$NETNS" "$SPACER" --root "$ROOT" run --bundle "$BUNDLE" c1
  assert_ok
  ip -n "$OTHER_NETNS" link show ctr0 >/dev/null
  no_link "$NETNS" sp-a
  # The runtime's own namespace, joined by path, is the host's: refused.
  ip -n "$NETNS" link add sp-c type veth peer name sp-d
  join_namespace network "/run/netns/$NETNS"
  update_config '.linux.netDevices = {"sp-c": {"name": "ctr1"}}'
  capture timeout -k 5 20 nsenter --net="/run/netns/$NETNS" "$SPACER" --root "$ROOT" run --bundle "$BUNDLE" c2
  assert_error 'linux.netDevices: the network namespace joined by path is the host.s'
  ip -n "$NETNS" link show sp-c >/dev/null
}

@test "netDevices: refused without a network namespace of the container's, for a missing interface, and for bad names" {
  host_netns
  update_config '.linux.netDevices = {"sp-a": {"name": "ctr0"}} | del(.linux.namespaces[] | select(.type == "network"))'
  capture timeout -k 5 20 nsenter --net="/run/netns/$NETNS" "$SPACER" --root "$ROOT" run --bundle "$BUNDLE" c1
  assert_error 'linux.netDevices: needs a network namespace of the container.s own'
  update_config '.linux.namespaces += [{type: "network"}] | .linux.netDevices = {"sp-zz": {}}'
  capture timeout -k 5 20 nsenter --net="/run/netns/$NETNS" "$SPACER" --root "$ROOT" run --bundle "$BUNDLE" c1
  assert_error 'linux.netDevices\["sp-zz"\]: no such interface in the runtime.s network namespace'
  refused '.linux.netDevices = {"sp-a": {"name": "a/b"}}' \
    "linux.netDevices\\[\"sp-a\"\\].name: interface name \"a/b\": holds '/', ':' or a blank"
  refused '.linux.netDevices = {"sp-a": {"name": "x"}, "sp-b": {"name": "x"}}' \
    'linux.netDevices\["sp-b"\]: the name "x" is also given to "sp-a"'
  refused '.linux.netDevices = {"a-name-far-too-long": {}}' \
    'interface name "a-name-far-too-long": longer than 15 bytes'
  # The interfaces stayed where they were.
  ip -n "$NETNS" link show sp-a >/dev/null
  assert_nothing_left
}

# ---- linux.intelRdt ----
# Making and joining groups is tested on a tree standing in for resctrl
# (tests/unit/test-intel-rdt.c); here, the refusal where there is none.

@test "intelRdt: refused by name where resctrl is not mounted, before anything is made" {
  require_no_resctrl
  refused '.linux.intelRdt = {closID: "gold", schemata: ["L3:0=f"], enableMonitoring: true}' \
    'linux.intelRdt: resctrl is not mounted at /sys/fs/resctrl on this host'
  assert_nothing_left
}

@test "intelRdt: bad values are config errors naming the JSON path" {
  refused '.linux.intelRdt = {memBwSchema: "L3:0=f"}' \
    'linux.intelRdt.memBwSchema: must start with "MB:"'
  refused '.linux.intelRdt = {schemata: ["L3:0=f", "MB:0=1\nL2:0=1"]}' \
    'linux.intelRdt.schemata\[1\]: must not hold a newline'
  refused '.linux.intelRdt = {closID: "../x"}' \
    'linux.intelRdt.closID: "../x" is not a directory name'
}

# ---- linux.mountLabel ----

@test "mountLabel: ignored with a debug line where SELinux is not active" {
  require_no_selinux
  update_config '.linux.mountLabel = "system_u:object_r:container_file_t:s0:c1,c2"
    | .mounts += [{destination: "/scratch", type: "tmpfs", source: "tmpfs", options: ["size=1m"]}]'
  set_args sh -c 'grep " /scratch " /proc/self/mountinfo'
  capture timeout -k 5 20 "$SPACER" --root "$ROOT" --debug run --bundle "$BUNDLE" c1
  assert_ok
  [[ "$stdout" == *" /scratch "*tmpfs* ]]
  [[ "$stdout" != *context=* ]]
  grep -q 'linux.mountLabel `system_u:object_r:container_file_t:s0:c1,c2`: SELinux is not enabled on this host: not applied' <<<"$stderr"
}

@test "mountLabel: the container's tmpfs gets it as its context where SELinux is active" {
  require_selinux
  local label
  # A context this host's policy knows: the one of its own /tmp.
  label=$(stat -c %C /tmp)
  update_config '.linux.mountLabel = $l
    | .mounts += [{destination: "/scratch", type: "tmpfs", source: "tmpfs", options: ["size=1m"]}]' \
    --arg l "$label"
  running c1
  [ "$(stat -c %C "/proc/$(state_field c1 pid)/root/scratch")" = "$label" ]
}

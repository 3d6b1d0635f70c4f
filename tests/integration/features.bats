#!/usr/bin/env bats
# `spacer features`: the runtime-spec Features structure (features.md,
# features-linux.md), which engines read to learn what they may put in a
# config. What it claims must be true: every name it lists is one a config
# may use, and a container made with it runs; what depends on the host
# (seccomp flags, LSMs) is this host's.

load helpers

bats_require_minimum_version 1.5.0

setup() {
  ROOT=$BATS_TEST_TMPDIR/state
  FEATURES=$BATS_TEST_TMPDIR/features.json
  "$SPACER" features >"$FEATURES"
}

teardown() {
  teardown_containers
}

# feature JQ_FILTER: jq -r of the features document.
feature() {
  jq -r "$1" "$FEATURES"
}

# run_silently: `spacer run` of $BUNDLE succeeds with nothing on stderr.
run_silently() {
  run --separate-stderr spacer run --bundle "$BUNDLE" c1
  if [ "$status" -ne 0 ] || [ -n "$stderr" ]; then
    echo "expected status 0 and nothing on stderr, got $status: $stderr" >&2
    return 1
  fi
}

# ---- the document ----

@test "features: one JSON object on stdout, nothing on stderr, exit 0" {
  capture "$SPACER" features
  assert_ok
  [ -z "$stderr" ]
  jq -e 'type == "object"' <<<"$stdout" >/dev/null
  # runc indents it: a person reads it too.
  [ "$(sed -n 2p <<<"$stdout")" = '  "ociVersionMin": "1.0.0",' ]
  # It takes no arguments; --help is its help.
  capture "$SPACER" features extra
  output=$stderr
  assert_error "^spacer: features: usage: spacer features "
}

@test "features: the runtime-spec's fields, each of its type, and none the spec does not define" {
  jq -e '
    (.ociVersionMin | type) == "string" and (.ociVersionMax | type) == "string"
    and (.hooks | type) == "array" and (.mountOptions | type) == "array"
    and ([.hooks[], .mountOptions[]] | all(type == "string"))
    and (.linux.namespaces | type) == "array" and (.linux.capabilities | type) == "array"
    and ([.linux.cgroup[]] | all(type == "boolean"))
    and ([.linux.cgroup | keys[]] | sort) == ["rdma", "systemd", "systemdUser", "v1", "v2"]
    and (.linux.seccomp.enabled | type) == "boolean"
    and ([.linux.seccomp | .actions, .operators, .archs, .knownFlags, .supportedFlags]
         | all(type == "array"))
    and (.linux.apparmor.enabled | type) == "boolean"
    and (.linux.selinux.enabled | type) == "boolean"
    and ([.linux.intelRdt[]] | all(type == "boolean"))
    and ([.linux.intelRdt | keys[]] | sort) == ["enabled", "monitoring", "schemata"]
    and (.linux.netDevices.enabled | type) == "boolean"
    and ([.linux.memoryPolicy.modes[], .linux.memoryPolicy.flags[]] | all(type == "string"))
    and (.linux.mountExtensions.idmap.enabled | type) == "boolean"
    and ([.annotations[]] | all(type == "string"))
    and (.potentiallyUnsafeConfigAnnotations | type) == "array"' "$FEATURES" >/dev/null
  # Nothing the runtime-spec (up to 1.3) does not define.
  jq -e '(keys - ["ociVersionMin", "ociVersionMax", "hooks", "mountOptions", "linux",
                  "annotations", "potentiallyUnsafeConfigAnnotations"]) == []
    and (.linux | keys - ["namespaces", "capabilities", "cgroup", "seccomp", "apparmor",
                          "selinux", "intelRdt", "mountExtensions", "netDevices",
                          "memoryPolicy"]) == []' "$FEATURES" >/dev/null
}

@test "features: ociVersionMax is the spec version of spacer --version, and configs of Min and Max run silently" {
  local spec
  spec=$("$SPACER" --version | sed -n 's/^spec: //p')
  [ -n "$spec" ]
  [ "$(feature .ociVersionMax)" = "$spec" ]
  setup_bundle
  update_config '.ociVersion = $v' --arg v "$(feature .ociVersionMin)"
  run_silently
  update_config '.ociVersion = $v' --arg v "$(feature .ociVersionMax)"
  run_silently
}

@test "features: what spacer implements: all six hooks, cgroupfs v1 and v2 but no systemd, intelRdt, idmapped mounts, netDevices, every memory policy" {
  [ "$(feature '.hooks | join(",")')" = \
    "prestart,createRuntime,createContainer,startContainer,poststart,poststop" ]
  [ "$(feature '.linux.namespaces | sort | join(",")')" = "cgroup,ipc,mount,network,pid,time,user,uts" ]
  jq -e '.linux.cgroup == {"v1": true, "v2": true, "systemd": false, "systemdUser": false,
                           "rdma": false}' "$FEATURES" >/dev/null
  jq -e '.linux.intelRdt == {"enabled": true, "schemata": true, "monitoring": true}
    and .linux.netDevices.enabled == true
    and (.linux.memoryPolicy.modes | sort) == ["MPOL_BIND", "MPOL_DEFAULT", "MPOL_INTERLEAVE",
      "MPOL_LOCAL", "MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_WEIGHTED_INTERLEAVE"]
    and .linux.memoryPolicy.flags == ["MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES",
      "MPOL_F_STATIC_NODES"]
    and .linux.mountExtensions.idmap.enabled == true
    and .linux.seccomp.enabled == true' "$FEATURES" >/dev/null
  jq -e '.annotations["dev.spacer.checkpoint.enabled"] == "false"' "$FEATURES" >/dev/null
  [[ $(feature '.annotations["dev.spacer.checkpoint.reason"]') == "unsupported: "*CRIU* ]]
  [ "$(feature '.annotations["io.github.seccomp.libseccomp.version"]')" = \
    "$("$SPACER" --version | sed -n 's/^libseccomp: //p')" ]
  # One config annotation changes what spacer does: kill's default signal.
  [ "$(jq -c .potentiallyUnsafeConfigAnnotations "$FEATURES")" = '["org.opencontainers.image.stopSignal"]' ]
}

@test "features: dev.spacer.rootless.newuidmap/newgidmap are the helpers spacer finds on PATH, empty where none" {
  local bin=$BATS_TEST_TMPDIR/bin
  mkdir "$bin"
  printf '#!/bin/sh\nexit 1\n' >"$bin/newuidmap"
  printf '#!/bin/sh\nexit 1\n' >"$bin/newgidmap"
  chmod 755 "$bin/newuidmap"
  # newgidmap is there but not executable: execvp would pass it by.
  chmod 644 "$bin/newgidmap"
  PATH="$bin:/nonexistent" "$SPACER" features >"$FEATURES"
  [ "$(feature '.annotations["dev.spacer.rootless.newuidmap"]')" = "$bin/newuidmap" ]
  jq -e '.annotations["dev.spacer.rootless.newgidmap"] == ""' "$FEATURES" >/dev/null
  # This host's, under the suite's PATH.
  "$SPACER" features >"$FEATURES"
  [ "$(feature '.annotations["dev.spacer.rootless.newuidmap"]')" = "$(command -v newuidmap || true)" ]
  [ "$(feature '.annotations["dev.spacer.rootless.newgidmap"]')" = "$(command -v newgidmap || true)" ]
}

# ---- every name listed is taken ----

@test "features: every namespace listed is taken, all of them in one container that runs" {
  require_user_namespaces
  require_time_namespace
  setup_bundle
  # The user namespace maps ids to themselves: the rootfs stays root's.
  update_config '.linux.namespaces = [$ns[] | {"type": .}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 0, "size": 65536}]
    | .linux.gidMappings = .linux.uidMappings' --argjson ns "$(feature .linux.namespaces)"
  set_args sh -c 'readlink /proc/self/ns/time; readlink /proc/self/ns/user'
  run_silently
  [ "${lines[0]}" != "$(readlink /proc/self/ns/time)" ]
  [ "${lines[1]}" != "$(readlink /proc/self/ns/user)" ]
  # A name not listed is not taken.
  update_config '.linux.namespaces += [{"type": "nope"}]'
  capture spacer run --bundle "$BUNDLE" c2
  output=$stderr
  assert_error "linux\.namespaces\[[0-9]+\]\.type: unknown namespace"
  assert_nothing_left
}

@test "features: every capability listed is taken, the last one reaches the program, and an unknown one is refused" {
  local all last bit line
  setup_bundle
  all=$(feature '.linux.capabilities')
  # Linux's own list, in its order (helpers.bash has it from capability.h).
  [ "$(jq -r 'join(" ")' <<<"$all")" = "${CAP_NAMES[*]}" ]
  # Each listed one, in every set but ambient, at once. The only words
  # allowed on stderr are about ones this runtime itself lacks.
  update_config '.process.capabilities = {"bounding": $all, "effective": $all,
    "permitted": $all, "inheritable": $all}' --argjson all "$all"
  set_args true
  run --separate-stderr spacer run --bundle "$BUNDLE" c1
  assert_ok
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    [[ $line =~ ^spacer:\ warning:\ process\.capabilities:\ (CAP_[A-Z_]+):\ not\ in\ spacer\'s\ own\ bounding\ set ]] &&
      ! has_capability Bnd "${BASH_REMATCH[1]}" || {
      echo "unexpected: $line" >&2
      return 1
    }
  done <<<"$stderr"
  # The last listed, the newest, is the program's.
  last=$(jq -r '.[-1]' <<<"$all")
  bit=$(jq 'length - 1' <<<"$all")
  require_capability "$last"
  update_config '.process.capabilities = {"bounding": [$c], "effective": [$c], "permitted": [$c]}' \
    --arg c "$last"
  set_args sh -c 'grep CapEff /proc/self/status'
  run_silently
  [ "$((16#${output##*[[:space:]]}))" -eq "$((1 << bit))" ]
  # A name not listed is not taken.
  update_config '.process.capabilities.bounding += ["CAP_NOPE"]'
  capture spacer run --bundle "$BUNDLE" c2
  output=$stderr
  assert_error "process\.capabilities\.bounding\[1\]: unknown capability \"CAP_NOPE\""
  assert_nothing_left
}

@test "features: every mount option listed means something to spacer, and a container mounts with it" {
  local opt mounts='[]' plain=()
  setup_bundle
  # tmpfs refuses an option it does not know: had spacer taken one of
  # these for filesystem data, the tmpfs mount would fail.
  for opt in $(feature '.mountOptions[]'); do
    case $opt in
    bind | rbind | idmap | ridmap | remount) ;;
    *) plain+=("$opt") ;;
    esac
  done
  [ "${#plain[@]}" -ge 30 ]
  for opt in "${plain[@]}"; do
    mounts=$(jq -c --arg o "$opt" '. + [{"destination": ("/mnt/" + $o), "type": "tmpfs",
      "source": "tmpfs", "options": [$o]}]' <<<"$mounts")
  done
  mkdir -p "$BATS_TEST_TMPDIR/host"
  echo hello >"$BATS_TEST_TMPDIR/host/file"
  # bind and rbind bind a host directory; remount changes a bind's flags.
  update_config '.mounts += $m + [
    {"destination": "/mnt/bind", "type": "none", "source": $d, "options": ["bind"]},
    {"destination": "/mnt/rbind", "type": "none", "source": $d, "options": ["rbind"]},
    {"destination": "/mnt/remount", "type": "none", "source": $d,
     "options": ["bind", "remount", "ro"]}]' --argjson m "$mounts" --arg d "$BATS_TEST_TMPDIR/host"
  set_args sh -c 'cat /mnt/bind/file /mnt/rbind/file /mnt/remount/file
    grep -c " /mnt/" /proc/self/mounts'
  run_silently
  [ "${lines[0]}" = hello ] && [ "${lines[1]}" = hello ] && [ "${lines[2]}" = hello ]
  [ "${lines[3]}" -ge "$(( ${#plain[@]} + 3 ))" ]
}

@test "features: idmap and ridmap are taken as idmapped mounts, not as filesystem data" {
  local opt n
  setup_bundle
  n=$(jq '.mounts | length' "$BUNDLE/config.json")
  for opt in idmap ridmap; do
    jq -e --arg o "$opt" '.mountOptions | index($o)' "$FEATURES" >/dev/null
    # Only a bind mount can be idmapped: the refusal shows the option was
    # read as one (as data it would reach tmpfs, which refuses it itself).
    update_config '.mounts[$n] = {"destination": "/mnt", "type": "tmpfs", "source": "tmpfs",
      "options": [$o]}' --argjson n "$n" --arg o "$opt"
    capture spacer run --bundle "$BUNDLE" c1
    output=$stderr
    assert_error "mounts\[$n\]: idmapped mounts must be bind mounts"
    assert_nothing_left
  done
}

# seccomp_rules ACTIONS_JSON OPERATORS_JSON: syscalls[] with each action on a
# syscall of its own that the program never makes, and each operator on an
# argument of another one.
seccomp_rules() {
  jq -c --argjson a "$1" --argjson o "$2" -n '
    ["acct", "add_key", "bpf", "delete_module", "fanotify_init", "fsconfig", "init_module",
     "kexec_load", "lookup_dcookie", "mbind", "open_by_handle_at", "perf_event_open"] as $free
    | ($a | to_entries | map({"names": [$free[.key]], "action": .value}))
      + ($o | map({"names": ["personality"], "action": "SCMP_ACT_ERRNO",
                   "args": [{"index": 0, "value": 4294967295, "valueTwo": 4294967295, "op": .}]}))'
}

@test "features: every seccomp action, operator and architecture listed is taken in a config" {
  setup_bundle
  [ "$(feature '.linux.seccomp.archs | length')" -ge 20 ]
  # All of them at once. The names are checked first: without the
  # listenerPath NOTIFY needs, that is the one error (an unknown name would
  # be reported at its place instead).
  update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": $f.archs,
    "syscalls": $s}' --argjson f "$(feature .linux.seccomp)" \
    --argjson s "$(seccomp_rules "$(feature .linux.seccomp.actions)" "$(feature .linux.seccomp.operators)")"
  capture spacer run --bundle "$BUNDLE" c1
  output=$stderr
  assert_error "config\.json: linux\.seccomp\.listenerPath: required with SCMP_ACT_NOTIFY"
  assert_nothing_left
}

@test "features: a container with every seccomp action but NOTIFY and every operator runs" {
  require_arch x86_64
  setup_bundle
  # NOTIFY needs a listener (security.bats runs one). Of the architectures,
  # those a filter for this x86_64 host can hold: libseccomp refuses one of
  # the other byte order (EDOM).
  update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"], "syscalls": $s}' \
    --argjson s "$(seccomp_rules "$(feature '[.linux.seccomp.actions[] | select(. != "SCMP_ACT_NOTIFY")]')" \
      "$(feature .linux.seccomp.operators)")"
  [ "$(jq '.linux.seccomp.syscalls | length' "$BUNDLE/config.json")" -ge 15 ]
  set_args echo ok
  run_silently
  assert_output ok
}

@test "features: supportedFlags are knownFlags that work; known but unsupported ones only warn" {
  local supported flag
  jq -e '.linux.seccomp | (.supportedFlags - .knownFlags) == []' "$FEATURES" >/dev/null
  # This kernel (4.17 on) takes the three spacer applies.
  [ "$(feature '.linux.seccomp.supportedFlags | sort | join(",")')" = \
    "SECCOMP_FILTER_FLAG_LOG,SECCOMP_FILTER_FLAG_SPEC_ALLOW,SECCOMP_FILTER_FLAG_TSYNC" ]
  setup_bundle
  supported=$(feature '.linux.seccomp.supportedFlags')
  update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "flags": $f}' \
    --argjson f "$supported"
  set_args echo ok
  run_silently
  assert_output ok
  for flag in $(feature '.linux.seccomp | (.knownFlags - .supportedFlags)[]'); do
    update_config '.linux.seccomp.flags = [$f]' --arg f "$flag"
    run --separate-stderr spacer run --bundle "$BUNDLE" c1
    assert_ok
    [[ $stderr == *"$flag is not supported, ignored"* ]]
  done
}

@test "features: apparmor and selinux are enabled exactly when the host's module is active" {
  local apparmor=false selinux=false
  [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] && apparmor=true
  [ -e /sys/fs/selinux/enforce ] && selinux=true
  [ "$(feature .linux.apparmor.enabled)" = "$apparmor" ]
  [ "$(feature .linux.selinux.enabled)" = "$selinux" ]
}

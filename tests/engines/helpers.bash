# Shared by tests/engines/*.bats. Each file drives spacer through a real
# engine with everything private to the file: config, storage, state and
# sockets live in $ENGINE_TMP, cgroups below our own, no network beyond
# loopback. teardown_file removes what the engine and spacer made and fails
# if anything leaked.
# shellcheck disable=SC2154

# Every engine command gets a time limit: a hung engine fails its test.
ENGINE_TIMEOUT=${ENGINE_TIMEOUT:-60}
timed() {
  timeout -k 5 "$ENGINE_TIMEOUT" "$@"
}

# require_program NAME...: skip the whole file, before anything is created,
# when the engine is not installed (tests/bootstrap.sh installs them).
require_program() {
  local p
  for p in "$@"; do
    command -v "$p" >/dev/null || skip "$p is not installed (tests/bootstrap.sh installs it)"
  done
}

# engine_tree: the file's private tree, and the spacer the engine runs: a
# wrapper named `spacer` that logs each command line (the evidence for a
# failing scenario) and gives spacer a state directory of its own.
engine_tree() {
  ENGINE_TMP=$(mktemp -d /tmp/spacer-engines.XXXXXX)
  export ENGINE_TMP
  mkdir -p "$ENGINE_TMP/bin" "$ENGINE_TMP/spacer-state"
  export SPACER_LOG=$ENGINE_TMP/spacer-commands.log
  cat >"$ENGINE_TMP/bin/spacer" <<WRAP
#!/bin/sh
echo "spacer \$*" >>"$SPACER_LOG"
exec "$SPACER" --root "$ENGINE_TMP/spacer-state" "\$@"
WRAP
  chmod 755 "$ENGINE_TMP/bin/spacer"
  # The engine's containers get cgroups below ours, in a parent named for
  # this file (relative cgroup paths: spacer puts them below its own
  # cgroup, which is ours). Other tests may make cgroups beside it at the
  # same time: only this name is ours to remove.
  export ENGINE_CGROUP=spacer-engines-${ENGINE_TMP##*.}
}

# engine_mark: where this test's spacer commands start in $SPACER_LOG.
# engine_evidence: for a failed test, those commands and the processes of
# this file's tree still alive (a hung engine leaves its conmon, shim or
# spacer behind), on stderr, which bats shows under the failure.
engine_mark() {
  ENGINE_LOG_MARK=0
  [ ! -f "$SPACER_LOG" ] || ENGINE_LOG_MARK=$(wc -l <"$SPACER_LOG")
}

engine_evidence() {
  [ -z "${BATS_TEST_COMPLETED:-}" ] || return 0
  {
    echo "-- spacer commands of this test:"
    tail -n +"$((${ENGINE_LOG_MARK:-0} + 1))" "$SPACER_LOG" 2>/dev/null | tail -n 20
    echo "-- processes of $ENGINE_TMP still running:"
    ps -eo pid,ppid,stat,etimes,wchan:24,args | grep -F -- "$ENGINE_TMP" | grep -v grep | cut -c1-240 || true
  } >&2
}

# own_cgroup_dirs: the directory of our cgroup in each mounted hierarchy.
own_cgroup_dirs() {
  local id ctrls path mnt
  while IFS=: read -r id ctrls path; do
    if [ -z "$ctrls" ]; then
      mnt=$(awk '{ split($0, h, " - "); split(h[2], f, " ") } f[1] == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
    else
      mnt=$(awk -v c="${ctrls#name=}" '{ split($0, h, " - "); split(h[2], f, " ") }
        f[1] == "cgroup" && (index("," f[3] ",", "," c ",") || index("," f[3] ",", ",name=" c ",")) { print $5; exit }' /proc/self/mountinfo)
    fi
    [ -n "$mnt" ] && [ -d "$mnt$path" ] && echo "$mnt${path%/}"
  done </proc/self/cgroup | sort -u
}

# remove_engine_cgroups: rmdir (deepest first) $ENGINE_CGROUP and what is
# below it in each hierarchy; prints the ones that would not go (a process
# still in them).
remove_engine_cgroups() {
  local own dir
  for own in $(own_cgroup_dirs); do
    [ -d "$own/$ENGINE_CGROUP" ] || continue
    find "$own/$ENGINE_CGROUP" -depth -type d | while read -r dir; do
      rmdir "$dir" 2>/dev/null || { sleep 0.5; rmdir "$dir" 2>/dev/null; } || echo "$dir"
    done
  done
}

# unmount_below DIR: lazily unmount every mount at or below DIR, deepest
# first; prints what stays mounted.
unmount_below() {
  local m
  awk -v d="$1" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null || true; done
  awk -v d="$1" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo
}

# end_pid PID: TERM, then KILL after 5 s, the one process we started.
end_pid() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

# spacer_commands PATTERN: the logged spacer command lines matching PATTERN.
spacer_commands() {
  grep -E -- "$1" "$SPACER_LOG" || true
}

# capture CMD...: run CMD with stdin from /dev/null; sets $status,
# $output (stdout then stderr), $stdout and $stderr.
capture() {
  local out=$BATS_TEST_TMPDIR/capture.out err=$BATS_TEST_TMPDIR/capture.err
  status=0
  "$@" >"$out" 2>"$err" </dev/null || status=$?
  # $(<file) is read by bash itself, where $(cat file) forks and execs:
  # the suite captures thousands of commands.
  # shellcheck disable=SC2034 # for the callers
  stdout=$(<"$out")
  # shellcheck disable=SC2034 # for the callers
  stderr=$(<"$err")
  if [ -s "$out" ] && [ -s "$err" ]; then
    output=$(cat "$out" "$err")
  else
    output=$stdout$stderr
  fi
}

assert_status() {
  if [ "$status" -ne "$1" ]; then
    echo "expected status $1, got $status: $output" >&2
    return 1
  fi
}

assert_stdout() {
  if [ "$stdout" != "$1" ]; then
    printf 'expected stdout:\n%s\ngot:\n%s\nstderr:\n%s\n' "$1" "$stdout" "$stderr" >&2
    return 1
  fi
}

# wait_until CMD...: run CMD every 100 ms, up to 10 s, until it succeeds.
wait_until() {
  local i
  for i in $(seq 100); do
    "$@" && return 0
    sleep 0.1
  done
  echo "still not true after 10 s: $*" >&2
  return 1
}

# ---- podman ----

# podman_tree: containers.conf, storage.conf and registries.conf for a
# podman whose every file is in $ENGINE_TMP, with spacer as its runtime.
#  - default_ulimits: podman 4.3 gives containers NOFILE and NPROC of
#    1048576 otherwise, above hard limits root cannot raise without
#    CAP_SYS_RESOURCE; these are below ours.
#  - runtime_supports_json: podman passes --log-format=json only to the
#    runtimes named there, and reads errors back from that log.
#  - cgroups = "no-conmon": podman would put conmon in a cgroup of its own
#    at an absolute path, outside our cgroup in a hierarchy where ours is
#    not the root; containers get relative --cgroup-parent paths, which
#    spacer puts below its own cgroup (ours).
#  - netns = "none": no host network configuration is made.
#  - static_dir and volume_path stay below graphroot (their defaults):
#    conmon's exit command (`podman container cleanup`) is given --root,
#    and a static_dir elsewhere would have it open another database.
podman_tree() {
  local t=$ENGINE_TMP nofile nproc
  nofile=$(ulimit -Hn); nproc=$(ulimit -Hu)
  # 1024 and 4096, or our own hard limits where those are lower.
  [ "$nofile" != unlimited ] && [ "$nofile" -lt 1024 ] || nofile=1024
  [ "$nproc" != unlimited ] && [ "$nproc" -lt 4096 ] || nproc=4096
  mkdir -p "$t/podman/networks" "$t/podman/run"
  cat >"$t/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
cgroups = "no-conmon"
netns = "none"
log_driver = "k8s-file"

[network]
network_config_dir = "$t/podman/networks"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$t/podman/events.log"
runtime = "spacer"
runtime_supports_json = ["spacer", "crun", "runc"]
tmp_dir = "$t/podman/run"

[engine.runtimes]
spacer = ["$t/bin/spacer"]
CONF
  cat >"$t/storage.conf" <<CONF
[storage]
driver = "vfs"
graphroot = "$t/podman/storage"
runroot = "$t/podman/storage-run"
CONF
  cat >"$t/registries.conf" <<CONF
unqualified-search-registries = []
CONF
  export CONTAINERS_CONF=$t/containers.conf
  export CONTAINERS_STORAGE_CONF=$t/storage.conf
  export CONTAINERS_REGISTRIES_CONF=$t/registries.conf
}

# p ARGS...: podman with the private configuration and a time limit, in
# $ENGINE_TMP (conmon leaves an "oom" file in its working directory).
p() {
  (cd "$ENGINE_TMP" && timed podman "$@")
}

# prun ARGS...: `podman run` of the busybox image below our cgroup.
prun() {
  p run --cgroup-parent="$ENGINE_CGROUP" "$@"
}

# ---- containerd ----

# oci_archive TARBALL DEST NAME: an OCI image archive of the root
# filesystem tarball (gzip), one layer, for `ctr images import`.
oci_archive() {
  local tar=$1 dest=$2 name=$3 dir arch diff layer layer_size config config_size manifest manifest_size
  dir=$(mktemp -d "$ENGINE_TMP/oci.XXXXXX")
  mkdir -p "$dir/blobs/sha256"
  case $(uname -m) in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
  diff=$(gzip -dc "$tar" | sha256sum | cut -d' ' -f1)
  layer=$(sha256sum "$tar" | cut -d' ' -f1)
  layer_size=$(stat -c %s "$tar")
  cp "$tar" "$dir/blobs/sha256/$layer"
  jq -cn --arg arch "$arch" --arg diff "sha256:$diff" '{architecture: $arch, os: "linux",
    config: {Cmd: ["sh"], Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
    rootfs: {type: "layers", diff_ids: [$diff]}}' >"$dir/config"
  config=$(sha256sum "$dir/config" | cut -d' ' -f1)
  config_size=$(stat -c %s "$dir/config")
  mv "$dir/config" "$dir/blobs/sha256/$config"
  jq -cn --arg c "sha256:$config" --argjson cs "$config_size" --arg l "sha256:$layer" --argjson ls "$layer_size" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
      layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $l, size: $ls}]}' >"$dir/manifest"
  manifest=$(sha256sum "$dir/manifest" | cut -d' ' -f1)
  manifest_size=$(stat -c %s "$dir/manifest")
  mv "$dir/manifest" "$dir/blobs/sha256/$manifest"
  jq -cn --arg m "sha256:$manifest" --argjson ms "$manifest_size" --arg name "$name" \
    '{schemaVersion: 2, manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: $m, size: $ms, annotations: {"io.containerd.image.name": $name,
      "org.opencontainers.image.ref.name": ($name | sub(".*:"; ""))}}]}' >"$dir/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
  tar -C "$dir" -cf "$dest" oci-layout index.json blobs
  rm -rf "$dir"
}

# containerd_start: a containerd of our own: root, state, sockets and the
# shims' runc root in $ENGINE_TMP, no CRI plugin, the native snapshotter
# (rootfs trees, no overlay). Its PID is CONTAINERD_PID.
containerd_start() {
  local t=$ENGINE_TMP/containerd i
  mkdir -p "$t/root" "$t/state" "$t/fifo" "$t/runc" "$t/opt"
  cat >"$t/config.toml" <<CONF
version = 2
root = "$t/root"
state = "$t/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.overlayfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs"]

[grpc]
  address = "$t/containerd.sock"

[ttrpc]
  address = "$t/containerd.sock.ttrpc"

[debug]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "$t/opt"
CONF
  export CONTAINERD_ADDRESS=$t/containerd.sock
  containerd --config "$t/config.toml" >"$t/containerd.log" 2>&1 3>&- </dev/null &
  CONTAINERD_PID=$!
  export CONTAINERD_PID
  for i in $(seq 100); do
    c version >/dev/null 2>&1 && return 0
    kill -0 "$CONTAINERD_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "containerd did not start:" >&2
  tail -20 "$t/containerd.log" >&2
  return 1
}

# c ARGS...: ctr against our containerd, with a time limit.
c() {
  timed ctr --address "$CONTAINERD_ADDRESS" "$@"
}

# crun_ ARGS... IMAGE ID [CMD...]: `ctr run` with spacer as the runc
# binary, FIFOs and runtime root of our own, a cgroup below ours.
crun_() {
  c run --snapshotter native --runtime io.containerd.runc.v2 --runc-binary "$ENGINE_TMP/bin/spacer" \
    --runc-root "$ENGINE_TMP/spacer-state" --fifo-dir "$ENGINE_TMP/containerd/fifo" "$@"
}

#!/usr/bin/env bats
# Control groups and resource limits: where a container's cgroup goes, what
# its processes see of it, the limits of linux.resources (enforced for real
# on the host's cgroup v1 controllers), update, pause/resume, ps, events,
# kill --all, and the cgroup v2 and hybrid code paths against synthetic
# trees (SPACER_CGROUP_ROOT).
#
# Safety: every cgroup these tests make is below the cgroup of the test's
# own process (the default path, or a relative linux.cgroupsPath); absolute
# paths only inside a synthetic tree. Teardown fails the test when any of
# its cgroups is left.

# status, output, lines, stdout, stderr: set by bats' run and by capture.
# shellcheck disable=SC2154
load helpers

bats_require_minimum_version 1.5.0

setup() {
  setup_bundle
  BG_PIDS=()
  SYN=""
  VICTIM_FROZEN=""
  CG_HASH=$(fnv1a "$ROOT")
  CG_REMEMBERED=$BATS_TEST_TMPDIR/cgroups.remembered
  : >"$CG_REMEMBERED"
}

teardown() {
  local pid id failed=0 dir left
  # A frozen process takes no SIGKILL: thaw what the test froze first.
  if [ -n "$VICTIM_FROZEN" ] && [ -e "$VICTIM_FROZEN/freezer.state" ]; then
    echo THAWED >"$VICTIM_FROZEN/freezer.state" || failed=1
  fi
  for pid in "${BG_PIDS[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  # The cgroups of whatever is still there, before teardown_containers
  # deletes it.
  if [ -d "$ROOT" ]; then
    for id in $(spacer list -q 2>/dev/null); do
      remember_cgroups "$id" || true
    done
  fi
  teardown_containers || failed=1
  # Processes of the test's containers that delete missed (started by this
  # test: they carry its mark): reported, then killed so they do not hold
  # the cgroups.
  left=$(test_processes)
  if [ -n "$left" ]; then
    echo "processes left: ${left//$'\n'/ }" >&2
    failed=1
    for pid in $left; do
      kill -KILL "$pid" 2>/dev/null || true
    done
    sleep 0.2
  fi
  # No cgroup of this test is left: none that state.json named, and no
  # directory with this test's state-directory hash anywhere in the
  # host's cgroupfs.
  while read -r dir; do
    if [ -n "$dir" ] && [ -e "$dir" ]; then
      echo "cgroup left: $dir" >&2
      failed=1
    fi
  done < <(sort -u "$CG_REMEMBERED")
  left=$(find /sys/fs/cgroup -maxdepth 8 -type d -name "*.$CG_HASH" 2>/dev/null)
  if [ -n "$left" ]; then
    [ "$failed" = 1 ] || echo "cgroups left: ${left//$'\n'/ }" >&2
    failed=1
    # Ours (named with this test's hash): removed, deepest first, so that
    # a failure does not leave them to the next run. rmdir only: what
    # still holds a process stays and is reported.
    find /sys/fs/cgroup -maxdepth 8 -depth -type d -path "*.$CG_HASH*" -exec rmdir {} \; 2>/dev/null || true
  fi
  # A synthetic tree holds nothing but what the test made itself.
  if [ -n "$SYN" ] && [ -d "$SYN" ]; then
    left=$(diff <(cat "$BATS_TEST_TMPDIR/synthetic.before") <(find "$SYN" | sort)) || {
      echo "left in the synthetic tree $SYN:" >&2
      echo "$left" >&2
      failed=1
    }
    rm -rf "$SYN"
  fi
  return "$failed"
}

# ---- helpers of this file ----

# remember_cgroups ID: note every directory of the container's cgroup (its
# own, and the highest one spacer made) for teardown to check they are gone.
remember_cgroups() {
  jq -r '.cgroup.dirs[] | .path, (.top // empty)' "$ROOT/$1/state.json" >>"$CG_REMEMBERED"
}

# cg_dir ID CONTROLLER: the container's v1 directory holding CONTROLLER.
cg_dir() {
  jq -r --arg c "$2" '.cgroup.dirs[] | select((.v2 | not) and (.controllers | split(",") | index($c)))
    | .path' "$ROOT/$1/state.json"
}

# cg_ctl_dir ID CONTROLLER: the container's directory holding CONTROLLER's
# files: its v1 one where the host has that hierarchy, else its cgroup2 one.
cg_ctl_dir() {
  local dir
  dir=$(cg_dir "$1" "$2")
  [ -n "$dir" ] || dir=$(cg_v2_dir "$1")
  echo "$dir"
}

# cg_procs_dir ID: a directory of the container's cgroup whose cgroup.procs
# lists its processes: the cgroup2 one where there is one, else a v1 one
# but cpuset's (a cpuset cgroup made inside has no CPU to take a process).
cg_procs_dir() {
  jq -r '[.cgroup.dirs[] | select(.v2 or (.controllers | split(",") | index("cpuset") | not))]
    | sort_by(.v2 | not) | .[0].path' "$ROOT/$1/state.json"
}

# cg_v2_dir ID: the container's cgroup2 directory.
cg_v2_dir() {
  jq -r '.cgroup.dirs[] | select(.v2) | .path' "$ROOT/$1/state.json"
}

# created_container ID [create flags]: create (the init waits for start)
# and remember its cgroups.
created_container() {
  create_container "$@"
  remember_cgroups "$1"
}

# running_container ID ARGS...: a started container running ARGS.
running_container() {
  local id=$1
  shift
  set_args "$@"
  created_container "$id"
  spacer start "$id"
}

# wait_gone PID...: poll up to 5 s until no PID is alive.
wait_gone() {
  local i pid alive
  for i in $(seq 100); do
    alive=""
    for pid in "$@"; do
      process_alive "$pid" && alive="$alive $pid"
    done
    [ -z "$alive" ] && return 0
    sleep 0.05
  done
  echo "still alive:$alive" >&2
  return 1
}

# without_pid_namespace: the container shares the host's pid namespace, so
# its init dying does not take the other processes with it.
without_pid_namespace() {
  update_config 'del(.linux.namespaces[] | select(.type == "pid"))'
}

# The lines of /proc/self/cgroup of the test shell for the mounted
# hierarchies, each path with SUFFIX appended: where a process of a
# container below our cgroup must be.
own_cgroups_with() {
  mounted_cgroup_lines | awk -F: -v s="$1" '{ p = $3; if (p == "/") p = ""; print $1 ":" $2 ":" p s }'
}

# synthetic_v2: a pure cgroup v2 test tree in $SYN.
synthetic_v2() {
  SYN=$BATS_TEST_TMPDIR/cgv2
  mkdir "$SYN"
  echo "cpuset cpu io memory hugetlb pids" >"$SYN/cgroup.controllers"
  echo "cpuset cpu io memory hugetlb pids" >"$SYN/cgroup.subtree_control"
  synthetic_ready
}

# synthetic_hybrid: v1 hierarchies plus a cgroup2 one holding hugetlb.
synthetic_hybrid() {
  SYN=$BATS_TEST_TMPDIR/cghybrid
  mkdir -p "$SYN"/{memory,pids,cpu\,cpuacct,cpuset,devices,freezer,unified}
  echo hugetlb >"$SYN/unified/cgroup.controllers"
  # A new v1 cpuset copies its parent's cpus and mems.
  echo 0-1 >"$SYN/cpuset/cpuset.cpus"
  echo 0 >"$SYN/cpuset/cpuset.mems"
  synthetic_ready
}

# The synthetic tree as the test made it (teardown compares), and a config
# that does not mount the host's real cgroupfs: nothing is confined in a
# synthetic tree.
synthetic_ready() {
  find "$SYN" | sort >"$BATS_TEST_TMPDIR/synthetic.before"
  update_config 'del(.mounts[] | select(.type == "cgroup"))'
}

# spacer and create_container against the synthetic tree.
sspacer() {
  SPACER_CGROUP_ROOT=$SYN "$SPACER" --root "$ROOT" "$@"
}
screated_container() {
  SPACER_CGROUP_ROOT=$SYN create_container "$@"
  remember_cgroups "$1"
}

# assert_file DIR FILE VALUE: the file reads VALUE.
assert_file() {
  local got
  got=$(cat "$1/$2" 2>&1) || true
  if [ "$got" != "$3" ]; then
    echo "$1/$2: expected '$3', got '$got'" >&2
    return 1
  fi
}

# ---- placement ----

@test "placement: the init is in the container's own cgroup in every hierarchy" {
  set_args sleep 100
  created_container c1
  local pid n_dirs n_lines ctrls path dir mnt
  pid=$(state_field c1 pid)
  n_dirs=$(jq '.cgroup.dirs | length' "$ROOT/c1/state.json")
  n_lines=$(mounted_cgroup_lines "/proc/$pid/cgroup" | wc -l)
  [ "$n_dirs" -ge 1 ]
  [ "$n_dirs" -eq "$n_lines" ] || {
    echo "state.json has $n_dirs cgroup dirs, /proc/$pid/cgroup $n_lines lines of mounted hierarchies" >&2
    return 1
  }
  while IFS=: read -r _ ctrls path; do
    if [ -z "$ctrls" ]; then
      dir=$(cg_v2_dir c1)
      mnt=$(cgroup2_mountpoint)
    else
      dir=$(jq -r --arg c "$ctrls" '.cgroup.dirs[] | select((.v2 | not) and .controllers == $c) | .path' \
        "$ROOT/c1/state.json")
      mnt=$(cgroup_v1_mountpoint "${ctrls%%,*}")
    fi
    [ -n "$dir" ] || { echo "no cgroup dir in state.json for '$ctrls'" >&2; return 1; }
    [ "$dir" = "$mnt$path" ] || {
      echo "'$ctrls': the init is in $path (mounted at $mnt), state.json says $dir" >&2
      return 1
    }
    grep -qx "$pid" "$dir/cgroup.procs" || {
      echo "$pid not in $dir/cgroup.procs" >&2
      return 1
    }
  done < <(mounted_cgroup_lines "/proc/$pid/cgroup")
}

@test "placement: the default cgroup is spacer-ID.HASH below the runtime's own cgroup" {
  set_args sleep 100
  created_container c1
  local pid
  pid=$(state_field c1 pid)
  diff <(own_cgroups_with "/spacer-c1.$CG_HASH") <(mounted_cgroup_lines "/proc/$pid/cgroup")
  # spacer made exactly that directory in each hierarchy, nothing above it.
  jq -e '.cgroup.dirs | all(.path == .top)' "$ROOT/c1/state.json"
}

@test "placement: a relative cgroupsPath nests below the runtime's own cgroup; delete removes every level" {
  local rel="spacer-cgtest.$CG_HASH/inner"
  update_config '.linux.cgroupsPath = $p' --arg p "$rel"
  set_args sleep 100
  created_container c1
  local pid
  pid=$(state_field c1 pid)
  diff <(own_cgroups_with "/$rel") <(mounted_cgroup_lines "/proc/$pid/cgroup")
  # The intermediate level is spacer's too.
  jq -e --arg top "spacer-cgtest.$CG_HASH" \
    '.cgroup.dirs | all((.top | endswith("/" + $top)) and (.path == .top + "/inner"))' \
    "$ROOT/c1/state.json"
  spacer delete --force c1
  local dir
  while read -r dir; do
    [ ! -e "$dir" ] || { echo "left after delete: $dir" >&2; return 1; }
  done <"$CG_REMEMBERED"
}

@test "placement: delete removes the container's cgroup in every hierarchy" {
  running_container c1 sleep 100
  [ "$(wc -l <"$CG_REMEMBERED")" -ge 2 ]
  local dir
  while read -r dir; do
    [ -d "$dir" ]
  done <"$CG_REMEMBERED"
  spacer delete --force c1
  while read -r dir; do
    [ ! -e "$dir" ] || { echo "left after delete: $dir" >&2; return 1; }
  done <"$CG_REMEMBERED"
  [ -z "$(find /sys/fs/cgroup -maxdepth 8 -type d -name "spacer-c1.$CG_HASH")" ]
  assert_nothing_left
}

@test "placement: a failed create (missing executable) leaves no cgroup" {
  set_args /no/such/program
  capture spacer create --bundle "$BUNDLE" c1
  [ "$status" -ne 0 ]
  [ -z "$(find /sys/fs/cgroup -maxdepth 8 -type d -name "*.$CG_HASH")" ] || {
    echo "cgroups left: $(find /sys/fs/cgroup -maxdepth 8 -type d -name "*.$CG_HASH")" >&2
    return 1
  }
  assert_nothing_left
}

@test "placement: delete kills what is left in the cgroup after the init died" {
  without_pid_namespace
  running_container c1 sh -c 'sleep 100 & exit 0'
  wait_for_status c1 stopped
  local procs pid
  procs=$(cat "$(cg_procs_dir c1)/cgroup.procs")
  [ -n "$procs" ] || { echo "the orphaned sleep is not in the cgroup" >&2; return 1; }
  for pid in $procs; do
    [ "$(cat "/proc/$pid/comm")" = sleep ]
  done
  spacer delete c1
  # shellcheck disable=SC2086
  wait_gone $procs
  local dir
  while read -r dir; do
    [ ! -e "$dir" ] || { echo "left after delete: $dir" >&2; return 1; }
  done <"$CG_REMEMBERED"
  # shellcheck disable=SC2086
  assert_nothing_left $procs
}

# CONTAINER_CGROUPS: sets a container shell's $cgroups to its own cgroup
# in every hierarchy, each with a slash: /sys/fs/cgroup/ itself where that
# is cgroup2 (a pure v2 host), its subdirectories that are hierarchies
# where it is a tmpfs of v1 ones (and cgroup2's "unified").
CONTAINER_CGROUPS='cgroups=; for d in /sys/fs/cgroup/ /sys/fs/cgroup/*/; do
  [ -e "${d}cgroup.procs" ] && cgroups="$cgroups $d"; done'

# writable_cgroup_mount: the container may make cgroups below its own (as a
# nested runtime or systemd inside would).
writable_cgroup_mount() {
  update_config '.mounts |= map(if .type == "cgroup" then .options -= ["ro"] else . end)'
}

@test "placement: delete removes the cgroups the container made below its own" {
  writable_cgroup_mount
  running_container c1 sh -c "$CONTAINER_CGROUPS"'
    for d in $cgroups; do
      mkdir "${d}sub" && echo $$ >"${d}sub/cgroup.procs"; done; echo moved; exec sleep 100'
  wait_for_log c1 moved
  local pid
  pid=$(state_field c1 pid)
  grep -qx "$pid" "$(cg_procs_dir c1)/sub/cgroup.procs"
  run spacer delete --force c1
  assert_ok
  local dir
  while read -r dir; do
    [ ! -e "$dir" ] || { echo "left after delete: $dir" >&2; return 1; }
  done <"$CG_REMEMBERED"
  assert_nothing_left "$pid"
}

@test "placement: kill --all and delete reach processes in the container's sub-cgroups (no pid namespace)" {
  writable_cgroup_mount
  without_pid_namespace
  running_container c1 sh -c "$CONTAINER_CGROUPS"'
    export cgroups; for d in $cgroups; do mkdir "${d}sub"; done
    sh -c '"'"'for d in $cgroups; do echo $$ >"${d}sub/cgroup.procs"; done
      echo "moved $$"; exec sleep 100'"'"' & wait'
  wait_for_log c1 moved
  local pid child
  pid=$(state_field c1 pid)
  child=$(sed -n 's/^moved //p' "$BATS_TEST_TMPDIR/c1.log")
  grep -qx "$child" "$(cg_procs_dir c1)/sub/cgroup.procs"
  spacer kill --all c1 KILL
  wait_gone "$pid" "$child"
  run spacer delete c1
  assert_ok
  local dir
  while read -r dir; do
    [ ! -e "$dir" ] || { echo "left after delete: $dir" >&2; return 1; }
  done <"$CG_REMEMBERED"
  assert_nothing_left "$pid" "$child"
}

# ---- ownership: spacer kills in and removes only what it made ----

# victim_cgroup NAME [empty [no-cpuset]]: a cgroup of the test's own, NAME
# below the test's cgroup in every mounted hierarchy (VICTIM_DIRS), holding
# a `sleep` the test started (VICTIM_PID; none with "empty"): what a
# container must never take for its own. "no-cpuset" leaves its cpuset
# cpus and mems empty, as mkdir makes them.
victim_cgroup() {
  local ctrls own mnt dir
  VICTIM_DIRS=()
  VICTIM_PID=""
  while IFS=: read -r _ ctrls own; do
    if [ -z "$ctrls" ]; then
      mnt=$(cgroup2_mountpoint)
    else
      mnt=$(cgroup_v1_mountpoint "${ctrls%%,*}")
    fi
    [ "$own" != / ] || own=""
    dir=$mnt$own/$1
    mkdir "$dir"
    VICTIM_DIRS+=("$dir")
    if [[ ,$ctrls, == *,cpuset,* ]] && [ "${3:-}" != no-cpuset ]; then
      cat "$mnt$own/cpuset.cpus" >"$dir/cpuset.cpus"
      cat "$mnt$own/cpuset.mems" >"$dir/cpuset.mems"
    fi
  done < <(mounted_cgroup_lines)
  [ "${2:-}" != empty ] || return 0
  sleep 1000 </dev/null >/dev/null 2>&1 &
  VICTIM_PID=$!
  BG_PIDS+=("$VICTIM_PID")
  for dir in "${VICTIM_DIRS[@]}"; do
    echo "$VICTIM_PID" >"$dir/cgroup.procs"
  done
}

# victim_dir CONTROLLER: the victim's v1 directory holding CONTROLLER.
victim_dir() {
  local dir
  for dir in "${VICTIM_DIRS[@]}"; do
    [ ! -e "$dir/$1.state" ] && [ ! -e "$dir/$1.cpus" ] || { echo "$dir"; return 0; }
  done
  return 1
}

# victim_dirs_alone: nothing was made below the victim's directories.
victim_dirs_alone() {
  local dir sub
  for dir in "${VICTIM_DIRS[@]}"; do
    sub=$(find "$dir" -mindepth 1 -type d)
    [ -z "$sub" ] || { echo "made below the victim's cgroup: $sub" >&2; return 1; }
  done
}

# victim_intact: the sleep lives (if there is one), in every one of its
# cgroups, and they are all there.
victim_intact() {
  local dir
  if [ -n "$VICTIM_PID" ] && ! process_alive "$VICTIM_PID"; then
    echo "the victim's sleep $VICTIM_PID was killed" >&2
    return 1
  fi
  for dir in "${VICTIM_DIRS[@]}"; do
    [ -d "$dir" ] || { echo "the victim's cgroup $dir was removed" >&2; return 1; }
    [ -z "$VICTIM_PID" ] || grep -qx "$VICTIM_PID" "$dir/cgroup.procs" || {
      echo "the victim's sleep is no longer in $dir" >&2
      return 1
    }
  done
}

# remove_victim: the sleep ended (by its PID) and its cgroups removed.
remove_victim() {
  local dir i
  if [ -n "$VICTIM_PID" ]; then
    kill -KILL "$VICTIM_PID" 2>/dev/null || true
    wait "$VICTIM_PID" 2>/dev/null || true
  fi
  for dir in "${VICTIM_DIRS[@]}"; do
    for i in $(seq 50); do
      rmdir "$dir" 2>/dev/null && break
      sleep 0.05
    done
    [ ! -d "$dir" ] || { echo "could not remove $dir" >&2; return 1; }
  done
}

# joined_state ID: every directory of the container's cgroup is recorded
# as joined, none as made: spacer never kills in nor removes them.
joined_state() {
  jq -e '[.cgroup.dirs[] | (.joined == true and .made == false)] | all' "$ROOT/$1/state.json" >/dev/null || {
    echo "not recorded as joined: $(jq -c .cgroup "$ROOT/$1/state.json")" >&2
    return 1
  }
}

# init_in_victim ID: the container's init is in every victim directory.
init_in_victim() {
  local pid dir
  pid=$(state_field "$1" pid)
  for dir in "${VICTIM_DIRS[@]}"; do
    grep -qx "$pid" "$dir/cgroup.procs" || { echo "init $pid not in $dir" >&2; return 1; }
  done
}

# in_parallel CMD ID...: CMD ID for every ID at once; fails naming each that
# failed, with its output.
in_parallel() {
  local cmd=$1 id failed=0
  shift
  local -A pid=()
  for id in "$@"; do
    $cmd "$id" >"$BATS_TEST_TMPDIR/$id.par.log" 2>&1 </dev/null &
    pid[$id]=$!
  done
  for id in "$@"; do
    wait "${pid[$id]}" || {
      echo "$cmd $id failed: $(cat "$BATS_TEST_TMPDIR/$id.par.log")" >&2
      failed=1
    }
  done
  return "$failed"
}

@test "ownership: containers made at once below a parent none of them finds, then deleted at once: none fails" {
  # Every create finds shared.HASH missing and records it as about to be
  # made; one mkdir wins, and the others go on below it (theirs would have
  # failed with EEXIST). Its maker fills its cpuset (v1) right after the
  # mkdir; the others may find it a moment before that, and wait rather
  # than refuse it as empty. Against spacer without this, 32 at once failed
  # two runs of five. A delete removes the parent only when it is empty.
  set_args sleep 100
  local ids=() i n=24
  # The sanitizer build's creates are several times slower: fewer at once
  # still overlap.
  grep -qsa libasan "$SPACER" && n=8
  for i in $(seq "$n"); do
    ids+=("c$i")
    jq --arg p "shared.$CG_HASH/c$i" '.linux.cgroupsPath = $p' "$BUNDLE/config.json" >"$BATS_TEST_TMPDIR/c$i.json"
  done
  par_create() { spacer create --bundle "$BUNDLE" --config "$BATS_TEST_TMPDIR/$1.json" "$1"; }
  par_delete() { spacer delete --force "$1"; }
  in_parallel par_create "${ids[@]}"
  for i in "${ids[@]}"; do
    remember_cgroups "$i"
    [ "$(state_field "$i" status)" = created ]
  done
  local dirs
  dirs=$(jq -r '.cgroup.dirs[].path' "$ROOT/c1/state.json")
  in_parallel par_delete "${ids[@]}"
  [ -z "$(spacer list -q)" ]
  # Every leaf is gone; the parent stays only where its maker was deleted
  # while another container still had its leaf there (runc never removes
  # a parent): removed here.
  local d
  for d in $dirs; do
    [ ! -e "$d" ]
    [ ! -e "${d%/*}" ] || rmdir "${d%/*}"
  done
}

@test "ownership: an existing empty cgroup is joined; delete leaves it in place" {
  victim_cgroup "victim.$CG_HASH" empty
  update_config '.linux.cgroupsPath = $p' --arg p "victim.$CG_HASH"
  running_container c1 sleep 100
  [ -z "$(container_log c1)" ]
  joined_state c1
  init_in_victim c1
  local pid
  pid=$(state_field c1 pid)
  spacer delete --force c1
  wait_gone "$pid"
  victim_intact
  remove_victim
  assert_nothing_left
}

@test "ownership: an existing cgroup holding a process is joined with one warning; kill --all, ps and delete keep to the container's pid namespace" {
  victim_cgroup "victim.$CG_HASH"
  update_config '.linux.cgroupsPath = $p' --arg p "victim.$CG_HASH"
  set_args sh -c 'sleep 100 & exec sleep 100'
  created_container c1
  local warning
  warning=$(container_log c1)
  [[ $warning =~ ^spacer:\ warning:\ container\'s\ cgroup\ \`[^\`]*/victim\.$CG_HASH\`\ is\ not\ empty:\ 1\ process\(es\)\ found ]] || {
    echo "expected one warning line, got: $warning" >&2
    return 1
  }
  [ "$(wc -l <<<"$warning")" -eq 1 ]
  joined_state c1
  spacer start c1
  local pid
  pid=$(state_field c1 pid)
  # ps lists the container's two processes, not the sleep that was there.
  local i procs=""
  for i in $(seq 50); do
    procs=$(spacer ps --format json c1 | jq -r '.[]' | sort -n | xargs)
    [ "$(wc -w <<<"$procs")" -lt 2 ] || break
    sleep 0.05
  done
  [ "$(wc -w <<<"$procs")" -eq 2 ] || { echo "ps: $procs" >&2; return 1; }
  [[ " $procs " == *" $pid "* ]] && [[ " $procs " != *" $VICTIM_PID "* ]]
  spacer kill --all c1 KILL
  wait_gone $procs
  victim_intact
  spacer delete c1
  victim_intact
  remove_victim
  assert_nothing_left
}

@test "ownership: without a pid namespace, kill --all and delete in a joined cgroup end only the init" {
  victim_cgroup "victim.$CG_HASH"
  without_pid_namespace
  update_config '.linux.cgroupsPath = $p' --arg p "victim.$CG_HASH"
  running_container c1 sleep 100
  joined_state c1
  local pid
  pid=$(state_field c1 pid)
  [ "$(spacer ps --format json c1 | jq -r '.[]')" = "$pid" ]
  spacer kill --all c1 KILL
  wait_gone "$pid"
  victim_intact
  spacer delete c1
  victim_intact
  remove_victim
  assert_nothing_left
}

@test "ownership: a frozen existing cgroup is refused; nothing is made and it stays frozen" {
  victim_cgroup "victim.$CG_HASH"
  VICTIM_FROZEN=$(victim_dir freezer) || skip "no v1 freezer hierarchy"
  echo FROZEN >"$VICTIM_FROZEN/freezer.state"
  update_config '.linux.cgroupsPath = $p' --arg p "victim.$CG_HASH"
  set_args sleep 100
  capture timeout -k 5 30 "$SPACER" --root "$ROOT" create --bundle "$BUNDLE" c1
  assert_error "config.json: linux.cgroupsPath: cgroup \`[^\`]*/victim\.$CG_HASH\` exists and is frozen"
  [ -z "$(state_left)" ]
  grep -qx FROZEN "$VICTIM_FROZEN/freezer.state"
  victim_dirs_alone
  echo THAWED >"$VICTIM_FROZEN/freezer.state"
  VICTIM_FROZEN=""
  victim_intact
  remove_victim
  assert_nothing_left
}

@test "ownership: an existing cgroup with an empty cpuset is refused, naming the file; nothing is written to it" {
  victim_cgroup "victim.$CG_HASH" empty no-cpuset
  local cpuset
  cpuset=$(victim_dir cpuset) || skip "no v1 cpuset hierarchy"
  update_config '.linux.cgroupsPath = $p' --arg p "victim.$CG_HASH"
  set_args sleep 100
  capture timeout -k 5 30 "$SPACER" --root "$ROOT" create --bundle "$BUNDLE" c1
  assert_error "config.json: linux.cgroupsPath: cgroup \`[^\`]*/victim\.$CG_HASH\` exists with an empty cpuset\.cpus"
  [ -z "$(state_left)" ]
  [ -z "$(cat "$cpuset/cpuset.cpus")" ] && [ -z "$(cat "$cpuset/cpuset.mems")" ]
  victim_dirs_alone
  remove_victim
  assert_nothing_left
}

@test "ownership: a failed create (missing executable) in an existing cgroup kills nothing in it nor removes it" {
  victim_cgroup "victim.$CG_HASH"
  update_config '.linux.cgroupsPath = $p' --arg p "victim.$CG_HASH"
  set_args /nonexistent
  capture timeout -k 5 30 "$SPACER" --root "$ROOT" create --bundle "$BUNDLE" c1
  [ "$status" -ne 0 ]
  victim_intact
  victim_dirs_alone
  [ -z "$(state_left)" ]
  remove_victim
  assert_nothing_left
}

@test "ownership: a second container's create with the first's cgroupsPath is refused and leaves the first running" {
  update_config '.linux.cgroupsPath = $p' --arg p "shared.$CG_HASH"
  running_container c1 sleep 100
  local pid
  pid=$(state_field c1 pid)
  capture spacer create --bundle "$BUNDLE" c2
  assert_error "config.json: linux.cgroupsPath: cgroup \`[^\`]*/shared\.$CG_HASH\` is another container's"
  [ "$(state_field c1 status)" = running ]
  process_alive "$pid"
  local dir
  while read -r dir; do
    [ -d "$dir" ] || { echo "c1's cgroup $dir was removed" >&2; return 1; }
  done <"$CG_REMEMBERED"
  grep -qx "$pid" "$(cg_procs_dir c1)/cgroup.procs"
  [ "$(spacer list -q)" = c1 ]
  spacer delete --force c1
  wait_gone "$pid"
  assert_nothing_left
}

# refused_before_creating PATH: create with cgroupsPath PATH fails naming
# the config file and linux.cgroupsPath, and makes no directory anywhere.
refused_before_creating() {
  local ctrls own mnt dirs=() dir
  while IFS=: read -r _ ctrls own; do
    if [ -z "$ctrls" ]; then mnt=$(cgroup2_mountpoint); else mnt=$(cgroup_v1_mountpoint "${ctrls%%,*}"); fi
    [ -e "$mnt$1" ] || dirs+=("$mnt$1")
  done < <(mounted_cgroup_lines)
  update_config '.linux.cgroupsPath = $p' --arg p "$1"
  set_args sleep 100
  capture timeout -k 5 30 "$SPACER" --root "$ROOT" create --bundle "$BUNDLE" c1
  for dir in "${dirs[@]}"; do
    if [ -e "$dir" ]; then
      rmdir "$dir" 2>/dev/null || true
      echo "create made $dir" >&2
      return 1
    fi
  done
  assert_error "config.json: linux.cgroupsPath: \`$(ere_quote "$1")\` is $2"
  [ -z "$(state_left)" ]
}

@test "ownership: cgroupsPath \"/\", a hierarchy's root, is refused before anything is made" {
  refused_before_creating / "the root of the cgroup hierarchy at"
  assert_nothing_left
}

@test "ownership: a cgroupsPath that is the runtime's own cgroup or an ancestor of it is refused" {
  local own
  own=$(mounted_cgroup_lines | awk -F: '$3 != "/" { print $3; exit }')
  [ -n "$own" ] || skip "the test's cgroup is the root in every hierarchy (covered by \"/\")"
  refused_before_creating "/${own#/}" "the runtime's own cgroup"
  local top="/$(cut -d/ -f2 <<<"$own")"
  if [ "$top" != "$own" ]; then
    refused_before_creating "$top" "an ancestor of the runtime's own cgroup"
  fi
  assert_nothing_left
}

# ---- cgroup namespace ----

@test "cgroup namespace: the container sees its own cgroup as / and no sibling" {
  running_container c2 sleep 100
  # The cgroup.procs of its first hierarchy, and every directory below a
  # hierarchy's root (one whose parent is a cgroup).
  set_args sh -c "$CONTAINER_CGROUPS"'
    cat /proc/self/cgroup; echo ==procs
    sleep 100 & echo "sleep $!"; set -- $cgroups; cat "${1}cgroup.procs"; echo ==dirs
    find /sys/fs/cgroup -mindepth 1 -type d -exec test -e {}/../cgroup.procs \; -print; echo ==end'
  created_container c1
  spacer start c1
  wait_for_log c1 ==end
  local log part1 part2 part3
  log=$(container_log c1)
  part1=$(sed -n '1,/^==procs$/p' <<<"$log" | sed '$d')
  part2=$(sed -n '/^==procs$/,/^==dirs$/p' <<<"$log" | sed '1d;$d' | grep -v '^sleep ')
  part3=$(sed -n '/^==dirs$/,/^==end$/p' <<<"$log" | sed '1d;$d')
  # Every hierarchy: "/".
  [ -n "$part1" ]
  if grep -v ':/$' <<<"$part1"; then
    echo "not / inside: $part1" >&2
    return 1
  fi
  [ "$(wc -l <<<"$part1")" -eq "$(wc -l <"/proc/self/cgroup")" ]
  # A hierarchy's cgroup.procs: the container's sh (1), its sleep and the
  # cat, nothing else.
  local sleep_pid
  sleep_pid=$(sed -n 's/^sleep //p' <<<"$log")
  grep -qx 1 <<<"$part2"
  grep -qx "$sleep_pid" <<<"$part2"
  [ "$(wc -l <<<"$part2")" -eq 3 ] || { echo "cgroup.procs inside: $part2" >&2; return 1; }
  # No directory below any hierarchy's root: not c2's, not our own parents'.
  [ -z "$part3" ] || { echo "directories seen inside: $part3" >&2; return 1; }
}

# ---- limits enforced on the host (cgroup v1) ----

# HOG_LIMIT: the hogs' memory limit, 128 MiB. The container's init, a copy
# of spacer, is charged to the cgroup until it executes the program, and an
# AddressSanitizer build holds more than 32 MiB by then.
HOG_LIMIT=134217728

# hog_config LIMIT: a memory limit (and as much memory+swap, where the
# kernel accounts swap: the hog cannot swap) and a shell that quadruples a
# string until it is killed.
hog_config() {
  if [ -e "$(cgroup_v1_mountpoint memory)/memory.memsw.limit_in_bytes" ]; then
    update_config '.linux.resources.memory = {"limit": $l, "swap": $l}' --argjson l "$1"
  else
    update_config '.linux.resources.memory = {"limit": $l}' --argjson l "$1"
  fi
  set_args sh -c 'x=-; while :; do x="$x$x$x$x-"; done'
}

@test "memory: the limit reads back; a hog is OOM-killed and events reports the OOM" {
  require_cgroup_v1 memory
  require_memory_limit_binds
  local limit=$HOG_LIMIT memdir
  hog_config "$limit"
  created_container hog
  memdir=$(cg_dir hog memory)
  [ -n "$memdir" ]
  assert_file "$memdir" memory.limit_in_bytes "$limit"
  if [ -e "$memdir/memory.memsw.limit_in_bytes" ]; then
    assert_file "$memdir" memory.memsw.limit_in_bytes "$limit"
  fi
  local events=$BATS_TEST_TMPDIR/events.out evpid i
  "$SPACER" --root "$ROOT" events --interval 10s hog >"$events" 2>&1 </dev/null &
  evpid=$!
  BG_PIDS+=("$evpid")
  # The first stats line comes once the OOM watch is in place.
  wait_for_file "$events"
  spacer start hog
  wait_for_status hog stopped
  # events ends when the container does.
  for i in $(seq 100); do
    kill -0 "$evpid" 2>/dev/null || break
    sleep 0.05
  done
  grep -q '"type":"oom"' "$events" || {
    echo "no oom event; events wrote: $(jq -rc .type "$events" 2>&1 | sort | uniq -c | tr '\n' ' ')" >&2
    echo "memory.oom_control: $(tr '\n' ' ' <"$memdir/memory.oom_control" 2>&1)" >&2
    return 1
  }
  jq -e 'select(.type == "oom") | .id == "hog"' "$events"
}

@test "memory: events reports the OOM kill of a process that is not the init" {
  require_cgroup_v1 memory
  require_memory_limit_binds
  hog_config "$HOG_LIMIT"
  set_args sh -c 'sh -c '"'"'x=-; while :; do x="$x$x$x$x-"; done'"'"'; echo "hog $?"; exec sleep 100'
  created_container c1
  local events=$BATS_TEST_TMPDIR/events.out evpid i
  "$SPACER" --root "$ROOT" events --interval 1s c1 >"$events" 2>&1 </dev/null &
  evpid=$!
  BG_PIDS+=("$evpid")
  wait_for_file "$events"
  spacer start c1
  wait_for_log c1 "hog "
  # The shell saw its child killed by SIGKILL (128 + 9).
  grep -qx "hog 137" "$BATS_TEST_TMPDIR/c1.log"
  # Within 3 s (a stats line comes every second meanwhile).
  for i in $(seq 60); do
    grep -q '"type":"oom"' "$events" && break
    sleep 0.05
  done
  grep -q '"type":"oom"' "$events" || {
    echo "no oom event; events wrote: $(jq -rc .type "$events" 2>&1 | sort | uniq -c | tr '\n' ' ')" >&2
    echo "memory.oom_control: $(tr '\n' ' ' <"$(cg_dir c1 memory)/memory.oom_control")" >&2
    return 1
  }
  [ "$(state_field c1 status)" = running ]
}

@test "memory: run of a hog with a 128 MiB limit exits 137 (SIGKILL by the OOM killer)" {
  require_cgroup_v1 memory
  require_memory_limit_binds
  hog_config "$HOG_LIMIT"
  capture timeout 30 "$SPACER" --root "$ROOT" run --bundle "$BUNDLE" hog
  [ "$status" -eq 137 ] || { echo "status $status: $output" >&2; return 1; }
  assert_nothing_left
}

@test "pids: pids.max reads the limit and forks beyond it fail" {
  require_cgroup_v1 pids
  update_config '.linux.resources.pids = {"limit": 10}'
  set_args sh -c '( for i in $(seq 20); do sleep 100 & echo x >>/dev/shm/n; done ) 2>/dev/shm/err;
    echo "started $(wc -l </dev/shm/n)"; cat /dev/shm/err; echo end; exec sleep 100'
  created_container c1
  local pidsdir started
  pidsdir=$(cg_dir c1 pids)
  assert_file "$pidsdir" pids.max 10
  spacer start c1
  wait_for_log c1 end
  started=$(sed -n 's/^started //p' "$BATS_TEST_TMPDIR/c1.log")
  # sh and the subshell count too: at most 8 of the 20 sleeps.
  [ "$started" -ge 1 ] && [ "$started" -le 8 ] || {
    echo "$started sleeps started: $(container_log c1)" >&2
    return 1
  }
  grep -q "Resource temporarily unavailable" "$BATS_TEST_TMPDIR/c1.log"
  [ "$(cat "$pidsdir/pids.current")" -le 10 ]
  [ "$(cat "$pidsdir/pids.current")" -ge "$((started + 1))" ]
}

@test "pids: a limit of 0 is a real limit (pids.max 0, no fork succeeds), not \"unset\"; update --pids-limit -1 is max, 0 is 0 again" {
  require_cgroup_controller pids
  update_config '.linux.resources.pids = {"limit": 0}'
  # The init itself needs no fork (it execs the program); the program's
  # first fork fails, which ends busybox's sh.
  set_args sh -c '/bin/true; echo forked'
  created_container c1
  local dir
  dir=$(cg_ctl_dir c1 pids)
  assert_file "$dir" pids.max 0
  spacer start c1
  wait_for_status c1 stopped
  wait_for_log c1 "can't fork"
  ! grep -q forked "$BATS_TEST_TMPDIR/c1.log" || false
  spacer delete c1
  # update sets 0 as it sets any other limit, and -1 is max.
  set_args sleep 100
  created_container c2
  spacer start c2
  dir=$(cg_ctl_dir c2 pids)
  assert_file "$dir" pids.max 0
  spacer update --pids-limit -1 c2
  assert_file "$dir" pids.max max
  spacer update --pids-limit 0 c2
  assert_file "$dir" pids.max 0
  spacer update --pids-limit 3 c2
  assert_file "$dir" pids.max 3
  echo '{"pids": {"limit": 0}}' | spacer update -r - c2
  assert_file "$dir" pids.max 0
  echo '{"pids": {"limit": -1}}' | spacer update -r - c2
  assert_file "$dir" pids.max max
}

@test "cpu: quota and period read back; a busy loop gets about 20% of a CPU" {
  require_cgroup_v1 cpu
  require_cgroup_v1 cpuacct
  update_config '.linux.resources.cpu = {"quota": 20000, "period": 100000}'
  running_container c1 sh -c 'while :; do :; done'
  local cpudir acctdir u0 u1 t0 t1 pct
  cpudir=$(cg_dir c1 cpu)
  acctdir=$(cg_dir c1 cpuacct)
  assert_file "$cpudir" cpu.cfs_quota_us 20000
  assert_file "$cpudir" cpu.cfs_period_us 100000
  sleep 0.2
  t0=$(date +%s%N)
  u0=$(cat "$acctdir/cpuacct.usage")
  sleep 1.5
  u1=$(cat "$acctdir/cpuacct.usage")
  t1=$(date +%s%N)
  pct=$(((u1 - u0) * 100 / (t1 - t0)))
  echo "the busy loop got $pct% of a CPU" >&2
  [ "$pct" -ge 10 ] && [ "$pct" -le 35 ]
}

@test "cpuset: cpus \"0\" reads back and confines the container to CPU 0" {
  require_cgroup_v1 cpuset
  # Another CPU to be kept from.
  require_cpus 0 1
  update_config '.linux.resources.cpu = {"cpus": "0"}'
  set_args sh -c 'grep Cpus_allowed_list /proc/self/status'
  created_container c1
  assert_file "$(cg_dir c1 cpuset)" cpuset.cpus 0
  spacer start c1
  wait_for_log c1 Cpus_allowed_list
  [ "$(awk '{print $2}' "$BATS_TEST_TMPDIR/c1.log")" = 0 ]
}

@test "devices: deny by default, runc's standard devices and the rules allowed, each access as listed" {
  require_cgroup_v1 devices
  require_capability CAP_MKNOD
  # CAP_MKNOD, so that only the devices cgroup can refuse. As with runc any
  # node may be made (c *:* m, b *:* m) but only the allowed ones opened;
  # the rule allows writing b 8:0 ("a" is taken, as runc does, and adds
  # nothing). /dev is a tmpfs without nodev: the cgroup, not the mount,
  # decides.
  update_config '.process.capabilities[] += ["CAP_MKNOD"]
    | .linux.resources.devices += [{"allow": true, "type": "b", "major": 8, "minor": 0, "access": "wa"}]'
  set_args sh -c 'head -c1 /dev/null && echo null-ok
    mknod /dev/x b 8 0 && echo mknod-x-ok
    head -c1 /dev/x; echo "read-x $?"
    mknod /dev/y b 8 1 && echo mknod-y-ok
    head -c1 /dev/y; echo "read-y $?"; echo end'
  created_container c1
  local list rule
  list=$(cat "$(cg_dir c1 devices)/devices.list")
  for rule in 'c *:* m' 'b *:* m' 'c 1:3 rwm' 'c 1:5 rwm' 'c 1:7 rwm' 'c 1:8 rwm' 'c 1:9 rwm' \
    'c 5:0 rwm' 'c 5:2 rwm' 'c 136:* rwm' 'c 10:200 rwm' 'b 8:0 w'; do
    grep -qxF "$rule" <<<"$list" || { echo "no rule $rule in: $list" >&2; return 1; }
  done
  if grep -q '^a \|^c 5:1 ' <<<"$list"; then
    echo "more allowed than runc allows: $list" >&2
    return 1
  fi
  spacer start c1
  wait_for_log c1 end
  local log
  log=$(container_log c1)
  grep -qx null-ok <<<"$log"
  grep -qx mknod-x-ok <<<"$log"
  grep -q "/dev/x: Operation not permitted" <<<"$log"
  grep -qx "read-x 1" <<<"$log"
  grep -qx mknod-y-ok <<<"$log"
  grep -q "/dev/y: Operation not permitted" <<<"$log"
  grep -qx "read-y 1" <<<"$log"
}

@test "devices: without CAP_MKNOD or a rule, mknod of a block device fails with EPERM" {
  set_args sh -c 'head -c1 /dev/null && echo null-ok; mknod /dev/x b 8 0 || echo refused; echo end'
  created_container c1
  spacer start c1
  wait_for_log c1 end
  grep -qx null-ok "$BATS_TEST_TMPDIR/c1.log"
  grep -q "Operation not permitted" "$BATS_TEST_TMPDIR/c1.log"
  grep -qx refused "$BATS_TEST_TMPDIR/c1.log"
}

@test "blkio: the weight goes to blkio.weight or BFQ's blkio.bfq.weight; update changes it" {
  require_cgroup_v1 blkio
  require_blkio_weight
  update_config '.linux.resources.blockIO = {"weight": 500}'
  set_args sleep 100
  created_container c1
  local dir file
  dir=$(cg_dir c1 blkio)
  if [ -e "$dir/blkio.weight" ]; then
    file=blkio.weight
  elif [ -e "$dir/blkio.bfq.weight" ]; then
    file=blkio.bfq.weight
  else
    echo "neither blkio.weight nor blkio.bfq.weight in $dir" >&2
    return 1
  fi
  assert_file "$dir" "$file" 500
  spacer start c1
  spacer update --blkio-weight 300 c1
  assert_file "$dir" "$file" 300
}

@test "limits: a memory limit below what the init needs to set up says so" {
  require_cgroup_controller memory
  update_config '.linux.resources.memory = {"limit": 65536}'
  set_args sleep 100
  capture timeout -k 5 60 "$SPACER" --root "$ROOT" create --bundle "$BUNDLE" c1
  # Either the init is killed setting up, or, when it already uses more
  # than that as the limit is written, the kernel refuses the limit.
  assert_error "config.json: (container init .*: the OOM killer ended it: )?linux\.resources\.memory\.limit \(65536 bytes\) is below what the container('s init needs| uses already)"
  assert_nothing_left
}

# ---- update ----

@test "update: memory, pids and cpu flags change the running container's files" {
  require_cgroup_v1 memory
  require_cgroup_v1 pids
  require_cgroup_v1 cpu
  running_container c1 sleep 100
  local memdir pidsdir cpudir
  memdir=$(cg_dir c1 memory)
  pidsdir=$(cg_dir c1 pids)
  cpudir=$(cg_dir c1 cpu)
  spacer update --memory 64m --memory-swap 64m c1
  assert_file "$memdir" memory.limit_in_bytes 67108864
  if [ -e "$memdir/memory.memsw.limit_in_bytes" ]; then
    assert_file "$memdir" memory.memsw.limit_in_bytes 67108864
  fi
  spacer update --pids-limit 5 c1
  assert_file "$pidsdir" pids.max 5
  spacer update --cpu-quota 50000 --cpu-period 100000 c1
  assert_file "$cpudir" cpu.cfs_quota_us 50000
  assert_file "$cpudir" cpu.cfs_period_us 100000
  # Lowering the memory limit again, below the current memsw.
  spacer update --memory 48m --memory-swap 48m c1
  assert_file "$memdir" memory.limit_in_bytes 50331648
  if [ -e "$memdir/memory.memsw.limit_in_bytes" ]; then
    # A limit above memory+swap alone: the kernel refuses, spacer says why.
    run spacer update --memory 128m c1
    assert_error "linux\.resources\.memory\.(limit|swap)"
    assert_file "$memdir" memory.limit_in_bytes 50331648
  fi
  if cpus_allowed 0 && cpus_allowed 1; then
    spacer update --cpuset-cpus 1 --cpuset-mems 0 c1
    assert_file "$(cg_dir c1 cpuset)" cpuset.cpus 1
    assert_file "$(cg_dir c1 cpuset)" cpuset.mems 0
  fi
  [ "$(state_field c1 status)" = running ]
}

@test "update -r: a resources JSON file" {
  require_cgroup_v1 memory
  require_cgroup_v1 pids
  require_cgroup_v1 cpu
  running_container c1 sleep 100
  local file=$BATS_TEST_TMPDIR/resources.json
  cat >"$file" <<'JSON'
{"memory": {"limit": 41943040, "swap": 41943040}, "cpu": {"shares": 512, "quota": 30000, "period": 100000},
 "pids": {"limit": 7}}
JSON
  spacer update -r "$file" c1
  assert_file "$(cg_dir c1 memory)" memory.limit_in_bytes 41943040
  assert_file "$(cg_dir c1 cpu)" cpu.shares 512
  assert_file "$(cg_dir c1 cpu)" cpu.cfs_quota_us 30000
  assert_file "$(cg_dir c1 pids)" pids.max 7
}

@test "update: bad values and unknown flags are one-line errors that change nothing" {
  require_cgroup_v1 pids
  running_container c1 sleep 100
  local pidsdir
  pidsdir=$(cg_dir c1 pids)
  spacer update --pids-limit 6 c1
  run spacer update --pids-limit many c1
  assert_error "many"
  run spacer update --memory 12q c1
  assert_error "12q"
  run spacer update --blkio-weight 5 c1
  assert_error "blkio-weight|blockIO"
  run spacer update --no-such-flag 1 c1
  assert_error "no-such-flag"
  run spacer update c1
  assert_error "update"
  echo '{"pids": {"limit": "ten"}}' >"$BATS_TEST_TMPDIR/bad.json"
  run spacer update -r "$BATS_TEST_TMPDIR/bad.json" c1
  assert_error "pids"
  assert_file "$pidsdir" pids.max 6
}

@test "update: negative values for unsigned limits are one-line errors naming the value" {
  require_cgroup_v1 cpu
  running_container c1 sleep 100
  local cpudir
  cpudir=$(cg_dir c1 cpu)
  spacer update --cpu-shares 512 --cpu-period 100000 c1
  # runc takes these as unsigned numbers and refuses a sign.
  run spacer update --cpu-shares -5 c1
  assert_error "-5"
  assert_file "$cpudir" cpu.shares 512
  run spacer update --cpu-period -5 c1
  assert_error "-5"
  assert_file "$cpudir" cpu.cfs_period_us 100000
}

@test "update --cpu-rt-period and --cpu-rt-runtime write cgroup v1's cpu.rt_period_us and cpu.rt_runtime_us" {
  require_cpu_rt 20000
  running_container c1 sleep 100
  local dir
  dir=$(cg_dir c1 cpu)
  spacer update --cpu-rt-period 500000 --cpu-rt-runtime 10000 c1
  assert_file "$dir" cpu.rt_period_us 500000
  assert_file "$dir" cpu.rt_runtime_us 10000
  # A period shorter than the runtime is refused until the runtime is
  # lowered: given together, both are written. A small share (5%): the
  # realtime bandwidth of all the parent's children together is bounded,
  # and other containers (the other pass's, say) may hold some.
  spacer update --cpu-rt-period 8000 --cpu-rt-runtime 400 c1
  assert_file "$dir" cpu.rt_period_us 8000
  assert_file "$dir" cpu.rt_runtime_us 400
  run spacer update --cpu-rt-period -1 c1
  assert_error "-1"
  run spacer update --cpu-rt-runtime lots c1
  assert_error "lots"
  # More than the parent has is the kernel's refusal, named.
  run spacer update --cpu-rt-runtime 8000000 c1
  assert_error "realtime(Runtime|Period)"
  assert_file "$dir" cpu.rt_runtime_us 400
}

@test "synthetic v2: update --cpu-rt-period and --cpu-rt-runtime are refused (no realtime bandwidth in cgroup v2), nothing changes" {
  synthetic_v2
  set_args sleep 100
  screated_container c1
  spacer start c1
  local dir
  dir=$(cg_v2_dir c1)
  sspacer update --cpu-quota 20000 --cpu-period 100000 c1
  run sspacer update --cpu-rt-runtime 10000 --cpu-quota 30000 c1
  assert_error "realtimeRuntime: cgroup v2 has no realtime CPU bandwidth"
  run sspacer update --cpu-rt-period 100000 c1
  assert_error "realtimePeriod: cgroup v2 has no realtime CPU bandwidth"
  assert_file "$dir" cpu.max "20000 100000"
  [ ! -e "$dir/cpu.rt_runtime_us" ] && [ ! -e "$dir/cpu.rt_period_us" ]
}

@test "update --l3-cache-schema and --mem-bw-schema without resctrl: a one-line error naming it, nothing changes" {
  require_no_resctrl
  require_cgroup_controller pids
  update_config '.linux.resources.pids = {"limit": 20}'
  running_container c1 sleep 100
  local dir
  dir=$(cg_ctl_dir c1 pids)
  run spacer update --l3-cache-schema 'L3:0=ff' --pids-limit 5 c1
  assert_error '^spacer: --l3-cache-schema: Intel RDT: resctrl is not mounted at /sys/fs/resctrl \(no RDT on this host, or mount -t resctrl resctrl /sys/fs/resctrl\)$'
  run spacer update --mem-bw-schema 'MB:0=50' c1
  assert_error '^spacer: --mem-bw-schema: Intel RDT: resctrl is not mounted at /sys/fs/resctrl'
  assert_file "$dir" pids.max 20
  # The container is looked at first, as for every update.
  run spacer update --l3-cache-schema 'L3:0=ff' nosuch
  assert_error "nosuch.*does not exist"
  [ "$(state_field c1 status)" = running ]
}

@test "update: of a stopped or an unknown container is an error" {
  set_args true
  created_container c1
  spacer start c1
  wait_for_status c1 stopped
  run spacer update --pids-limit 5 c1
  assert_error "c1.*stopped|stopped.*c1"
  run spacer update --pids-limit 5 nosuch
  assert_error "nosuch"
}

# ---- pause and resume ----

@test "pause freezes the processes, resume thaws them" {
  require_cgroup_v1 freezer
  local host=$BATS_TEST_TMPDIR/host
  bind_host_dir "$host" /mnt/host
  running_container c1 sh -c 'i=0; while :; do i=$((i + 1)); echo $i >/mnt/host/count; sleep 0.02; done'
  wait_for_file "$host/count"
  local freezer a b i
  freezer=$(cg_dir c1 freezer)
  spacer pause c1
  [ "$(state_field c1 status)" = paused ]
  assert_file "$freezer" freezer.state FROZEN
  spacer list | grep -E '^c1 +[0-9]+ +paused '
  a=$(cat "$host/count")
  sleep 1
  b=$(cat "$host/count")
  [ "$a" = "$b" ] || { echo "the counter went from $a to $b while paused" >&2; return 1; }
  spacer resume c1
  [ "$(state_field c1 status)" = running ]
  assert_file "$freezer" freezer.state THAWED
  # Thawed processes may wait for a CPU on a loaded machine: up to 10 s.
  for i in $(seq 200); do
    [ "$(cat "$host/count")" != "$b" ] && break
    sleep 0.05
  done
  [ "$(cat "$host/count")" != "$b" ] || { echo "no progress 10 s after resume" >&2; return 1; }
}

@test "pause: of a paused or a created container, resume of a running one, are errors" {
  require_cgroup_freezer
  set_args sleep 100
  created_container c1
  run spacer pause c1
  assert_error "c1.*created"
  spacer start c1
  run spacer resume c1
  assert_error "c1.*running"
  spacer pause c1
  run spacer pause c1
  assert_error "c1.*paused"
  run spacer pause nosuch
  assert_error "nosuch"
}

@test "pause: delete --force of a paused container leaves nothing" {
  require_cgroup_freezer
  running_container c1 sh -c 'sleep 100 & sleep 100 & wait'
  local pid
  pid=$(state_field c1 pid)
  spacer pause c1
  spacer delete --force c1
  local dir
  while read -r dir; do
    [ ! -e "$dir" ] || { echo "left after delete: $dir" >&2; return 1; }
  done <"$CG_REMEMBERED"
  assert_nothing_left "$pid"
}

# ---- ps ----

@test "ps: lists the init and its children, as a table and as JSON" {
  running_container c1 sh -c 'sleep 100 & sleep 100 & wait'
  local pid i children expected
  pid=$(state_field c1 pid)
  for i in $(seq 100); do
    children=$(pgrep -P "$pid" | sort -n)
    [ "$(wc -w <<<"$children")" -eq 2 ] && break
    sleep 0.05
  done
  # shellcheck disable=SC2086 # one pid a word
  expected=$(printf '%s\n' "$pid" $children | sort -n)
  run spacer ps --format json c1
  assert_ok
  jq -e 'type == "array"' <<<"$output"
  [ "$(jq '.[]' <<<"$output" | sort -n)" = "$expected" ]
  run spacer ps c1
  assert_ok
  [[ ${lines[0]} == *PID* ]]
  [ "$(sed 1d <<<"$output" | awk '{print $2}' | sort -n)" = "$expected" ]
  run spacer ps nosuch
  assert_error "nosuch"
}

# ---- events ----

@test "events --stats: one JSON line with cpu, memory and pids usage" {
  require_cgroup_controller memory
  require_cgroup_controller pids
  # CPU usage: v1's cpuacct, or cgroup2's cpu.stat (there in every cgroup).
  cgroup_v1_mountpoint cpuacct >/dev/null || cgroup2_own_dir >/dev/null ||
    skip "no CPU usage: neither a cgroup v1 cpuacct hierarchy nor cgroup2"
  running_container c1 sh -c 'i=0; while [ $i -lt 20000 ]; do i=$((i + 1)); done; exec sleep 100'
  sleep 0.3
  run spacer events --stats c1
  assert_ok
  [ "${#lines[@]}" -eq 1 ]
  jq -e '.type == "stats" and .id == "c1"' <<<"$output"
  jq -e '.data.memory.usage.usage > 0' <<<"$output"
  jq -e '.data.pids.current >= 1' <<<"$output"
  jq -e '.data.cpu.usage.total > 0' <<<"$output"
  run spacer events --stats nosuch
  assert_error "nosuch"
}

@test "events: a stats line every interval until the container stops" {
  # events also watches for OOM kills, which needs the memory controller.
  require_cgroup_controller memory
  running_container c1 sleep 100
  local events=$BATS_TEST_TMPDIR/events.out evpid i
  "$SPACER" --root "$ROOT" events --interval 100ms c1 >"$events" 2>&1 </dev/null &
  evpid=$!
  BG_PIDS+=("$evpid")
  for i in $(seq 100); do
    [ "$(wc -l <"$events")" -ge 3 ] && break
    sleep 0.05
  done
  [ "$(wc -l <"$events")" -ge 3 ] || { echo "events wrote: $(cat "$events")" >&2; return 1; }
  spacer kill c1 KILL
  for i in $(seq 100); do
    kill -0 "$evpid" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 "$evpid" 2>/dev/null; then
    echo "events still runs after the container stopped" >&2
    return 1
  fi
  wait "$evpid"
  jq -se 'length >= 3 and all(.[]; .type == "stats" and .id == "c1" and (.data.pids | type) == "object")' \
    "$events"
  run spacer events --interval soon c1
  assert_error "soon"
  run spacer events nosuch
  assert_error "nosuch"
}

# ---- kill --all ----

@test "kill --all: KILL ends every process of the container (no pid namespace)" {
  without_pid_namespace
  running_container c1 sh -c 'sleep 100 & wait'
  local pid procs i
  pid=$(state_field c1 pid)
  for i in $(seq 100); do
    procs=$(cat "$(cg_procs_dir c1)/cgroup.procs")
    [ "$(wc -w <<<"$procs")" -eq 2 ] && break
    sleep 0.05
  done
  [ "$(wc -w <<<"$procs")" -eq 2 ] || { echo "processes: $procs" >&2; return 1; }
  spacer kill --all c1 KILL
  # shellcheck disable=SC2086
  wait_gone $procs
  wait_for_status c1 stopped
}

# ---- what the host lacks ----

@test "limits: net_cls classID on a host without net_cls is a one-line error, nothing left" {
  ! cgroup_v1_mountpoint net_cls >/dev/null || skip "the host has net_cls"
  update_config '.linux.resources.network = {"classID": 1048577}'
  capture spacer run --bundle "$BUNDLE" c1
  assert_error "linux\.resources\.network\.classID"
  [ -z "$(find /sys/fs/cgroup -maxdepth 8 -type d -name "*.$CG_HASH")" ]
  assert_nothing_left
}

@test "limits: net_prio priorities on a host without net_prio is a one-line error" {
  ! cgroup_v1_mountpoint net_prio >/dev/null || skip "the host has net_prio"
  update_config '.linux.resources.network = {"priorities": [{"name": "eth0", "priority": 5}]}'
  capture spacer run --bundle "$BUNDLE" c1
  assert_error "linux\.resources\.network\.priorities"
  [ -z "$(find /sys/fs/cgroup -maxdepth 8 -type d -name "*.$CG_HASH")" ]
  assert_nothing_left
}

# ---- synthetic trees: cgroup v2 and hybrid ----

@test "synthetic v2: every limit is written in cgroup v2 terms" {
  synthetic_v2
  update_config '.linux.resources += {
      "memory": {"limit": 1048576, "swap": 2097152},
      "cpu": {"shares": 1024, "quota": 50000, "period": 100000},
      "pids": {"limit": 10},
      "blockIO": {"weight": 500},
      "hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}],
      "unified": {"memory.high": "900000"}}'
  set_args sleep 100
  screated_container c1
  jq -e '.cgroup.synthetic == true and (.cgroup.dirs | length == 1) and .cgroup.dirs[0].v2' \
    "$ROOT/c1/state.json"
  local dir pid
  dir=$(cg_v2_dir c1)
  [ "$dir" = "$SYN/spacer-c1.$CG_HASH" ]
  pid=$(state_field c1 pid)
  assert_file "$dir" memory.max 1048576
  assert_file "$dir" memory.swap.max 1048576
  assert_file "$dir" cpu.weight 39
  assert_file "$dir" cpu.max "50000 100000"
  assert_file "$dir" pids.max 10
  assert_file "$dir" io.weight 4950
  assert_file "$dir" hugetlb.2MB.max 4194304
  assert_file "$dir" memory.high 900000
  grep -qx "$pid" "$dir/cgroup.procs"
  # The device filter's rules, in the program's order: deny by default,
  # the standard devices allowed.
  local rules
  rules=$(cat "$dir/devices.bpf.rules")
  [ "$(tail -n1 <<<"$rules")" = "deny a *:* rwm" ]
  grep -qx 'allow c 1:3 rwm' <<<"$rules"
  grep -qx 'allow c 1:5 rwm' <<<"$rules"
  grep -qx 'allow c 1:9 rwm' <<<"$rules"
  grep -qx 'allow c 136:\* rwm' <<<"$rules"
  grep -qx 'allow c \*:\* m' <<<"$rules"
  grep -qx 'allow b \*:\* m' <<<"$rules"
  if grep -E '^allow a |^allow b [^ ]+ [^ ]*[rw]' <<<"$rules"; then
    echo "more allowed than the standard devices: $rules" >&2
    return 1
  fi
  # Nothing in the real cgroupfs.
  [ -z "$(find /sys/fs/cgroup -maxdepth 8 -type d -name "*.$CG_HASH")" ]
  spacer start c1
  sspacer delete --force c1
  [ ! -e "$dir" ]
}

@test "synthetic v2 and hybrid: pids.limit 0 writes pids.max 0, -1 writes max, absent writes nothing" {
  local layout dir
  for layout in v2 hybrid; do
    "synthetic_$layout"
    update_config '.linux.resources.pids = {"limit": 0}'
    set_args sleep 100
    screated_container "p0$layout"
    dir=$(cg_ctl_dir "p0$layout" pids)
    assert_file "$dir" pids.max 0
    sspacer update --pids-limit -1 "p0$layout"
    assert_file "$dir" pids.max max
    sspacer update --pids-limit 0 "p0$layout"
    assert_file "$dir" pids.max 0
    # Another limit alone leaves pids.max as it is.
    sspacer update --cpu-shares 512 "p0$layout"
    assert_file "$dir" pids.max 0
    sspacer delete --force "p0$layout"
    update_config '.linux.resources.pids = {"limit": -1}'
    screated_container "pm$layout"
    assert_file "$(cg_ctl_dir "pm$layout" pids)" pids.max max
    sspacer delete --force "pm$layout"
    update_config 'del(.linux.resources.pids)'
    screated_container "pn$layout"
    [ ! -e "$(cg_ctl_dir "pn$layout" pids)/pids.max" ]
    sspacer delete --force "pn$layout"
    rm -rf "$SYN"
  done
}

@test "synthetic v2: update writes cpu.max, memory.max and pids.max" {
  synthetic_v2
  set_args sleep 100
  screated_container c1
  spacer start c1
  local dir
  dir=$(cg_v2_dir c1)
  sspacer update --memory 2m --memory-swap 3m --cpu-quota 25000 --cpu-period 50000 --pids-limit 4 \
    --cpu-shares 262144 --blkio-weight 1000 c1
  assert_file "$dir" memory.max 2097152
  assert_file "$dir" memory.swap.max 1048576
  assert_file "$dir" cpu.max "25000 50000"
  assert_file "$dir" pids.max 4
  assert_file "$dir" cpu.weight 10000
  assert_file "$dir" io.weight 10000
  run sspacer update --memory 4m --memory-swap 2m c1
  assert_error "linux\.resources\.memory\.swap"
  assert_file "$dir" memory.max 2097152
  # Only the period: the quota stays.
  sspacer update --cpu-period 100000 c1
  assert_file "$dir" cpu.max "25000 100000"
}

@test "synthetic v2: pause and resume write cgroup.freeze" {
  synthetic_v2
  set_args sleep 100
  screated_container c1
  spacer start c1
  local dir
  dir=$(cg_v2_dir c1)
  sspacer pause c1
  assert_file "$dir" cgroup.freeze 1
  [ "$(state_field c1 status)" = paused ]
  sspacer resume c1
  assert_file "$dir" cgroup.freeze 0
  [ "$(state_field c1 status)" = running ]
}

@test "synthetic v2: a relative cgroupsPath enables the controllers on the level spacer made" {
  synthetic_v2
  update_config '.linux.cgroupsPath = "mid/leaf" | .linux.resources.pids = {"limit": 3}'
  set_args sleep 100
  screated_container c1
  [ "$(cg_v2_dir c1)" = "$SYN/mid/leaf" ]
  jq -e --arg top "$SYN/mid" '.cgroup.dirs[0].top == $top' "$ROOT/c1/state.json"
  local enabled
  enabled=$(tr ' ' '\n' <"$SYN/mid/cgroup.subtree_control" | sort | tr '\n' ' ')
  [ "$enabled" = "+cpu +cpuset +hugetlb +io +memory +pids " ] || {
    echo "mid/cgroup.subtree_control: $(cat "$SYN/mid/cgroup.subtree_control")" >&2
    return 1
  }
  assert_file "$SYN/mid/leaf" pids.max 3
  # Ours only: the root's subtree_control is as the test wrote it.
  assert_file "$SYN" cgroup.subtree_control "cpuset cpu io memory hugetlb pids"
  sspacer delete --force c1
  [ ! -e "$SYN/mid" ]
}

@test "synthetic hybrid: hugetlb goes to the cgroup2 hierarchy, the rest to v1" {
  synthetic_hybrid
  update_config '.linux.resources += {
      "memory": {"limit": 1048576, "swap": 2097152},
      "cpu": {"shares": 512, "quota": 50000, "period": 100000, "cpus": "1"},
      "pids": {"limit": 10},
      "hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}]}'
  set_args sleep 100
  screated_container c1
  local name="spacer-c1.$CG_HASH" pid
  pid=$(state_field c1 pid)
  jq -e '[.cgroup.dirs[] | select(.v2)] | length == 1' "$ROOT/c1/state.json"
  [ "$(cg_v2_dir c1)" = "$SYN/unified/$name" ]
  [ "$(cg_dir c1 memory)" = "$SYN/memory/$name" ]
  [ "$(cg_dir c1 cpuacct)" = "$SYN/cpu,cpuacct/$name" ]
  assert_file "$SYN/unified/$name" hugetlb.2MB.max 4194304
  [ ! -e "$SYN/memory/$name/hugetlb.2MB.limit_in_bytes" ]
  assert_file "$SYN/memory/$name" memory.limit_in_bytes 1048576
  assert_file "$SYN/memory/$name" memory.memsw.limit_in_bytes 2097152
  [ ! -e "$SYN/unified/$name/memory.max" ]
  assert_file "$SYN/cpu,cpuacct/$name" cpu.shares 512
  assert_file "$SYN/cpu,cpuacct/$name" cpu.cfs_quota_us 50000
  assert_file "$SYN/cpu,cpuacct/$name" cpu.cfs_period_us 100000
  assert_file "$SYN/cpuset/$name" cpuset.cpus 1
  assert_file "$SYN/cpuset/$name" cpuset.mems 0
  assert_file "$SYN/pids/$name" pids.max 10
  # v1 devices: the last write of the rules is a standard device's allow.
  [ -e "$SYN/devices/$name/devices.deny" ]
  [ -e "$SYN/devices/$name/devices.allow" ]
  [ ! -e "$SYN/unified/$name/devices.bpf.rules" ]
  local d
  for d in memory pids cpu,cpuacct cpuset devices freezer unified; do
    grep -qx "$pid" "$SYN/$d/$name/cgroup.procs"
  done
  spacer start c1
  sspacer pause c1
  assert_file "$SYN/freezer/$name" freezer.state FROZEN
  [ ! -e "$SYN/unified/$name/cgroup.freeze" ]
  [ "$(state_field c1 status)" = paused ]
  sspacer resume c1
  assert_file "$SYN/freezer/$name" freezer.state THAWED
  sspacer delete --force c1
  for d in memory pids cpu,cpuacct cpuset devices freezer unified; do
    [ ! -e "$SYN/$d/$name" ] || { echo "left: $SYN/$d/$name" >&2; return 1; }
  done
}

@test "synthetic hybrid: unified keys of a v1 controller are one-line errors" {
  synthetic_hybrid
  update_config '.linux.resources.unified = {"memory.high": "900000"}'
  set_args true
  capture sspacer run --bundle "$BUNDLE" c1
  assert_error 'linux\.resources\.unified\["memory\.high"\]'
  assert_nothing_left
}

# systemd_fallback_reason: the reason --systemd-cgroup's warning gives on
# this host.
systemd_fallback_reason() {
  if [ -e /run/systemd/system ]; then
    echo "spacer does not talk to systemd (no D-Bus client)"
  else
    echo "systemd is not running (no /run/systemd/system)"
  fi
}

# assert_systemd_warning SPEC PATH: $stderr is the one line of the
# fallback's warning, for SPEC (the cgroupsPath as written, quoted) and
# the cgroup's directory PATH, saying what differs from a systemd-managed
# cgroup.
assert_systemd_warning() {
  local want
  want="spacer: warning: --systemd-cgroup: $(systemd_fallback_reason), so the cgroup is made"
  want+=" through cgroupfs and is not systemd-managed: $1 is only the path \`$2\`, made as plain"
  want+=" directories in each hierarchy and removed by spacer at delete; there is no transient"
  want+=" scope or slice unit (systemctl does not know it, and systemd neither stops nor cleans"
  want+=" it up), no delegation by systemd (Delegate=), no org.systemd.property. annotation"
  want+=" applied, and linux.resources go to the cgroup's files, not to unit properties"
  if [ "$stderr" != "$want" ]; then
    printf 'expected the warning:\n%s\ngot:\n%s\n' "$want" "$stderr" >&2
    return 1
  fi
}

@test "systemd-cgroup: the cgroupfs fallback warns saying what differs from a systemd cgroup, and makes slice/prefix-name.scope" {
  synthetic_v2
  update_config '.linux.cgroupsPath = "system.slice:spacer:test"
    | .annotations["org.systemd.property.TimeoutStopUSec"] = "uint64 123456789"'
  set_args sleep 100
  capture sspacer --systemd-cgroup create --bundle "$BUNDLE" c1
  assert_ok
  remember_cgroups c1
  assert_systemd_warning '`system.slice:spacer:test`' "$SYN/system.slice/spacer-test.scope"
  [ "$(cg_v2_dir c1)" = "$SYN/system.slice/spacer-test.scope" ]
  [ -d "$SYN/system.slice/spacer-test.scope" ]
  jq -e --arg top "$SYN/system.slice" '.cgroup.dirs[0].top == $top' "$ROOT/c1/state.json"
  sspacer delete --force c1
  [ ! -e "$SYN/system.slice" ]
}

@test "systemd-cgroup: without a cgroupsPath the fallback warns too, and the cgroup is spacer's default one" {
  synthetic_v2
  set_args sleep 100
  capture sspacer --systemd-cgroup create --bundle "$BUNDLE" c1
  assert_ok
  remember_cgroups c1
  assert_systemd_warning "an empty linux.cgroupsPath (no slice:prefix:name)" "$SYN/spacer-c1.$CG_HASH"
  [ "$(cg_v2_dir c1)" = "$SYN/spacer-c1.$CG_HASH" ]
  # Without --systemd-cgroup: no warning.
  capture sspacer create --bundle "$BUNDLE" c2
  assert_ok
  remember_cgroups c2
  [ -z "$stderr" ]
}

#!/usr/bin/env bats
# Crash safety: spacer killed (SIGKILL) part-way through create, start,
# delete and run. After every kill, delete --force must remove all the
# container had (its processes, cgroups, mounts, state and the seccomp
# cache's temporary files) and the ID must be usable again.
#
# Kill points: strace runs the command once to list its syscalls, then
# again for each sampled one with `-e inject=NAME:signal=KILL:when=K`,
# which kills it on entry to the K-th call of NAME (strace counts each
# syscall separately, so "the N-th syscall" is named by its syscall and
# rank). Only spacer's own process is traced (no -f): it keeps its pid and
# the trace across its re-execution from a protected image (sealed.c),
# while the init it clones, which the kill is not aimed at, runs free. A
# sequence differs a little from run to run (polls, a cache hit): a point
# past the end of a run kills nothing, which is tested all the same.
#
# FAULT_POINTS kill points per command (default 18, 6 with the ASan build)
# keep this file within the suite's budget; FAULT_POINTS=0 tests every
# syscall.

load helpers

bats_require_minimum_version 1.5.0

setup() {
  setup_bundle
  BG_PIDS=()
  command -v strace >/dev/null || skip "strace is not installed (tests/bootstrap.sh installs it)"
  KILLED_LOG=$BATS_TEST_TMPDIR/killed.log
}

teardown() {
  end_background_jobs
  teardown_containers
}

# traced STRACE_ARGS...: strace (of spacer), its stdio kept from bats, and
# the shell's word of the kill (strace dies of the signal its tracee died
# of) in the log too. LeakSanitizer cannot run under ptrace and says so at
# exit: off for the traced command only.
traced() {
  ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
    bash -c 'timeout -k 5 60 strace "$@"; exit $?' traced "$@" >>"$KILLED_LOG" 2>&1 </dev/null
}

# kill_points CMD...: run spacer CMD once under strace and print about
# FAULT_POINTS of its syscalls, evenly spread, as "NAME RANK" (the RANK-th
# call of NAME). Points are taken from the first syscall that names the
# state directory on, after the re-execution: before it spacer only loads
# itself and the bundle, and a kill there leaves nothing to test. The
# command must leave things as they were before it ran for the caller to
# run it again (it is the caller's to undo).
kill_points() {
  local trace=$BATS_TEST_TMPDIR/count.trace
  traced -o "$trace" "$SPACER" --root "$ROOT" "$@" || true
  local points=${FAULT_POINTS:-18}
  # The ASan pass is for memory errors on the recovery paths: fewer points.
  if [ -z "${FAULT_POINTS:-}" ] && grep -qsa libasan "$SPACER"; then
    points=6
  fi
  awk -v want="$points" -v root="$ROOT" '
    /^execve(at)?\(/ { n = 0; from = 0; delete name }
    match($0, /^[a-z0-9_]+\(/) {
      name[++n] = substr($0, 1, RLENGTH - 1)
      if (!from && index($0, "\"" root)) from = n
    }
    END {
      if (!from) from = 1
      step = (want > 0 && n - from + 1 > want) ? (n - from + 1) / want : 1
      for (i = 1; i <= n; i++) {
        rank[name[i]]++
        j = i - from + 1
        if (j > 0 && int(j / step) != int((j - 1) / step)) print name[i], rank[name[i]]
      }
    }' "$trace"
}

# killed_at NAME RANK CMD...: spacer CMD, killed on entry to the RANK-th
# call of syscall NAME (if it gets that far).
killed_at() {
  local name=$1 rank=$2
  shift 2
  echo "== $* killed at $name #$rank" >>"$KILLED_LOG"
  traced -o /dev/null -e trace=all -e "inject=$name:signal=KILL:when=$rank" \
    "$SPACER" --root "$ROOT" "$@" || true
}

# cache_temporaries: temporary files of the seccomp cache (a writer killed
# between its write and rename leaves one).
cache_temporaries() {
  find "$ROOT/.seccomp-cache" -name '.*.tmp.*' 2>/dev/null || true
}

# recovered ID WHERE: delete --force ID removes all a killed command left,
# leaves nothing (but the cache entries), and the ID can be created again.
# One more store of the cache (the re-create, when the killed create had
# not stored its entry) removes a killed writer's temporary file.
recovered() {
  local id=$1 where=$2
  capture spacer_timed delete --force "$id"
  if [ "$status" -ne 0 ]; then
    echo "$where: delete --force failed ($status): $output" >&2
    return 1
  fi
  assert_nothing_left || { echo "$where: not recovered (see above)" >&2; return 1; }
  local left
  left=$(leaked_cgroups)
  [ -z "$left" ] || { echo "$where: cgroups left: $left" >&2; return 1; }
  create_container "$id" || { echo "$where: the ID cannot be created again" >&2; return 1; }
  spacer_timed delete --force "$id"
  left=$(cache_temporaries)
  [ -z "$left" ] || { echo "$where: cache temporaries left: $left" >&2; return 1; }
}

# Every kill point of `create`: a cache miss (the first create) stores a
# seccomp entry, so the points before the cache is filled are taken with
# an empty cache each time.
@test "faults: create killed at sampled syscalls: delete --force recovers everything, the ID is reusable" {
  set_args sleep 100
  local points name rank n=0
  points=$(kill_points create --bundle "$BUNDLE" c1)
  spacer_timed delete --force c1
  rm -rf "$ROOT/.seccomp-cache"
  [ -n "$points" ]
  while read -r name rank; do
    rm -rf "$ROOT/.seccomp-cache"
    killed_at "$name" "$rank" create --bundle "$BUNDLE" c1
    recovered c1 "create killed at $name #$rank"
    n=$((n + 1))
  done <<<"$points"
  echo "# $n kill points" >&3
}

@test "faults: start killed at sampled syscalls: a second start never hangs, delete --force recovers" {
  set_args sleep 100
  local points name rank status_now
  create_container c1
  points=$(kill_points start c1)
  spacer_timed delete --force c1
  [ -n "$points" ]
  while read -r name rank; do
    create_container c1
    killed_at "$name" "$rank" start c1
    # The program runs or waits: state says which, and a second start
    # either releases it or says it already runs, at once.
    status_now=$(state_field c1 status)
    capture timeout -k 2 15 "$SPACER" --root "$ROOT" start c1
    [ "$status" -ne 124 ] && [ "$status" -ne 137 ] || {
      echo "start killed at $name #$rank: the second start hung (status was $status_now)" >&2
      return 1
    }
    if [ "$status_now" = created ]; then
      [ "$status" -eq 0 ] || [[ $output == *"already running"* ]] || {
        echo "start killed at $name #$rank: second start of a created container: $output" >&2
        return 1
      }
    else
      [ "$status_now" = running ] || {
        echo "start killed at $name #$rank: status $status_now" >&2
        return 1
      }
      assert_error "cannot start container \`c1\`: it is already running"
    fi
    [ "$(state_field c1 status)" = running ]
    recovered c1 "start killed at $name #$rank"
  done <<<"$points"
}

@test "faults: delete --force killed at sampled syscalls: a second one recovers everything" {
  set_args sleep 100
  local points name rank
  create_container c1
  spacer start c1
  points=$(kill_points delete --force c1)
  [ -n "$points" ]
  while read -r name rank; do
    create_container c1
    spacer start c1
    killed_at "$name" "$rank" delete --force c1
    recovered c1 "delete killed at $name #$rank"
  done <<<"$points"
}

@test "faults: run killed at sampled syscalls: delete --force recovers everything" {
  set_args true
  local points name rank
  points=$(kill_points run --bundle "$BUNDLE" c1)
  spacer_timed delete --force c1
  [ -n "$points" ]
  while read -r name rank; do
    killed_at "$name" "$rank" run --bundle "$BUNDLE" c1
    recovered c1 "run killed at $name #$rank"
  done <<<"$points"
}

# ---- what a kill leaves, seen by the other commands ----

@test "faults: a create killed after the clone: list shows it creating with its init, delete --force kills it" {
  set_args sleep 100
  kill_points create --bundle "$BUNDLE" c1 >/dev/null
  spacer_timed delete --force c1
  # The last write of create's state is a rename of .state.json.tmp.PID:
  # killed on it, the state says creating, with the init.
  local rank
  rank=$(grep -c '^renameat' "$BATS_TEST_TMPDIR/count.trace")
  rm -rf "$ROOT/.seccomp-cache"
  killed_at renameat "$rank" create --bundle "$BUNDLE" c1
  [ "$(jq -r .creating "$ROOT/c1/state.json")" = true ]
  local pid
  pid=$(jq -r .pid "$ROOT/c1/state.json")
  [ "$pid" -gt 0 ]
  process_alive "$pid"
  [ "$(state_field c1 status)" = creating ]
  [ "$(state_field c1 pid)" = "$pid" ]
  capture spacer list --format json
  assert_ok
  [ "$(jq -r '.[0].status' <<<"$stdout")" = creating ]
  capture spacer_timed start c1
  assert_error "cannot start container \`c1\`: it is creating, not created"
  spacer_timed delete c1
  assert_nothing_left "$pid"
}

@test "faults: start killed after releasing the init: status running, start says so, plain delete refuses" {
  set_args sh -c 'echo started; exec sleep 100'
  create_container c1
  kill_points start c1 >/dev/null
  spacer_timed delete --force c1
  create_container c1
  # start opens exec.fifo, reads the init's byte, then removes the fifo:
  # killed on that unlinkat, the init runs the program, the fifo stays.
  killed_at unlinkat 1 start c1
  wait_for_log c1 started
  [ -p "$ROOT/c1/exec.fifo" ]
  [ "$(state_field c1 status)" = running ]
  capture spacer_timed start c1
  assert_error "cannot start container \`c1\`: it is already running"
  [ ! -e "$ROOT/c1/exec.fifo" ]
  capture spacer_timed delete c1
  assert_error "cannot delete container \`c1\`: it is running"
  [ "$(grep -c started "$BATS_TEST_TMPDIR/c1.log")" -eq 1 ]
  spacer_timed delete --force c1
  assert_nothing_left
}

@test "faults: a seccomp cache temporary file of a killed writer is removed by the next store" {
  set_args sleep 100
  mkdir -p "$ROOT/.seccomp-cache"
  chmod 0700 "$ROOT" "$ROOT/.seccomp-cache"
  # One of a pid that is gone, one of a live pid but old, one of a live
  # pid and fresh (a writer at work: kept).
  local gone=$BATS_TEST_TMPDIR/gone
  sh -c 'echo $$' >"$gone"
  local dead old fresh
  dead="$ROOT/.seccomp-cache/.abc.tmp.$(cat "$gone")"
  old="$ROOT/.seccomp-cache/.def.tmp.$$"
  fresh="$ROOT/.seccomp-cache/.ghi.tmp.$$"
  head -c 18000 /dev/zero >"$dead"
  head -c 18000 /dev/zero >"$old"
  touch -d '2 minutes ago' "$old"
  head -c 18000 /dev/zero >"$fresh"
  create_container c1
  [ ! -e "$dead" ]
  [ ! -e "$old" ]
  [ -e "$fresh" ]
  rm "$fresh"
  spacer_timed delete --force c1
  assert_nothing_left
}

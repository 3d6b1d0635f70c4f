#!/usr/bin/env bats
# Races on mount destinations, as the attacker of CVE-2019-16884,
# CVE-2019-19921 and CVE-2021-30465 plays them: a volume shared with
# something hostile (another container, a process on the host) holds a
# directory the later mounts of the config go through, and the hostile side
# swaps it for a symlink and back while the containers are made. Whatever
# spacer resolves at one moment, the next moment may see something else.
#
# The swapping is tests/tools/flip-symlink (renameat2 RENAME_EXCHANGE in a
# tight loop, on one CPU while spacer runs on the other); every path it
# aims at is one this test made.

load helpers

bats_require_minimum_version 1.5.0

setup() {
  setup_bundle
  BG_PIDS=()
}

teardown() {
  stop_flipper >/dev/null || true
  end_background_jobs
  teardown_containers
}

# ---- helpers of this file ----

# start_flipper DIR NAME OTHER...: flip-symlink swapping DIR/NAME with each
# DIR/OTHER in turn, in the background, for 5 minutes at most. Its output
# (the count of exchanges) goes to $BATS_TEST_TMPDIR/flipper.log: bats
# would wait on a pipe it held.
start_flipper() {
  [ -x "$FLIP_SYMLINK" ] || {
    echo "$FLIP_SYMLINK is not built (make -C BUILD test-programs)" >&2
    return 1
  }
  timeout -k 5 300 "$FLIP_SYMLINK" 300 "$@" >"$BATS_TEST_TMPDIR/flipper.log" 2>&1 </dev/null &
  FLIPPER=$!
  BG_PIDS+=("$FLIPPER")
}

# stop_flipper: end the flipper (timeout hands its TERM on) and print its
# count of exchanges. Fails if it had stopped on its own (an error).
stop_flipper() {
  [ -n "${FLIPPER:-}" ] || return 0
  local alive=0
  kill -0 "$FLIPPER" 2>/dev/null && alive=1
  kill -TERM "$FLIPPER" 2>/dev/null || true
  wait "$FLIPPER" 2>/dev/null || true
  FLIPPER=
  cat "$BATS_TEST_TMPDIR/flipper.log"
  [ "$alive" = 1 ]
}

# fs_root_of DIR: "MAJ:MIN ROOT", fields 3 and 4 of a mountinfo line for a
# bind mount of DIR, whichever mount DIR is on.
fs_root_of() {
  local dir majmin fsroot target
  dir=$(realpath "$1")
  read -r majmin fsroot target < <(findmnt -n -o MAJ:MIN,FSROOT,TARGET -T "$dir")
  local rel=${dir#"${target%/}"}
  echo "$majmin ${fsroot%/}$rel"
}

# tree_state DIR: every path below DIR with its type, and the hash of every
# file: what must not change.
tree_state() {
  (cd "$1" && find . -printf '%p %y %m %s\n' | sort && find . -type f -exec sha256sum {} + | sort)
}

# host_mounts: the host's mount table as this test sees it, without IDs
# (the same table, listed again, gives the same text), but the mounts of
# other bats runs (tests of other builds may run beside this one).
host_mounts() {
  local others=${BATS_RUN_TMPDIR%/*}/bats-run-
  awk -v o="$others" -v own="$BATS_RUN_TMPDIR" 'index($5, o) != 1 || index($5, own) == 1' /proc/self/mountinfo |
    cut -d' ' -f3- | sort
}

# ---- the shared volume whose directory becomes a symlink ----

@test "CVE-2021-30465: a symlink flipped on a shared volume while 100 containers are made (30 with ASan; at most 25 s, 15 with ASan) mounts nothing outside the rootfs and leaves no read-only bind writable" {
  # 100 rounds take ~18 s with the plain build on a 2-CPU machine others
  # use too; the ASan build's spacer is 2.5 times slower or more, and gets
  # 30 in 15 s at most: that pass is for memory errors, which do not need
  # the race to be hit often. The rounds also end once the budget is up
  # (the suite runs twice; the output says how many were made), but not
  # before `least` rounds, however loaded the machine, unless 4 times the
  # budget has passed: fewer rounds would prove little. Against a
  # spacer with the race (one that resolves the destination again for the
  # read-only remount), 200 rounds went wrong 4 to 8 times, 100 twice.
  local n=100 budget=25 least=20
  if grep -qsa libasan "$SPACER"; then
    n=30 budget=15
  fi
  local shared=$BATS_TEST_TMPDIR/shared victim=$BATS_TEST_TMPDIR/victim ro_src=$BATS_TEST_TMPDIR/ro-src
  # SHARED/flip is the directory the later mounts go through; the flipper
  # swaps it with three symlinks: to VICTIM by its absolute host path (in
  # the container: the same path in the rootfs), and climbing out with ..
  # to VICTIM, twice as deep as the rootfs is (the kernel's RESOLVE_IN_ROOT
  # stops the .. at the root; spacer's own walk refuses it).
  mkdir -p "$shared/flip/shm" "$shared/flip/b" "$victim/shm" "$victim/b" "$ro_src" "$BUNDLE/rootfs/shared"
  echo canary >"$victim/canary"
  echo read-only >"$ro_src/ro-canary"
  ln -s "$victim" "$shared/to-victim"
  ln -s "../../../../../../../../../../../../../../../..$victim" "$shared/climb"
  # The config: the volume, then mounts through SHARED/flip: a read-only
  # bind and a tmpfs. Before them a tmpfs at VICTIM/shm in the container:
  # what the absolute symlink reaches inside the rootfs is then a mount of
  # its own, as /dev/shm is in every container (it stands in for that, so
  # that nothing of the host's /dev is ever a target here). Resolving the
  # destination again between the bind and its read-only remount would
  # make the remount land on that tmpfs and leave the bind writable.
  update_config '.mounts += [
      {"destination": "/shared", "type": "bind", "source": $shared, "options": ["rbind", "rw"]},
      {"destination": ($victim + "/shm"), "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"]},
      {"destination": "/shared/flip/shm", "type": "bind", "source": $ro, "options": ["bind", "ro"]},
      {"destination": "/shared/flip/b", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"]}]' \
    --arg shared "$shared" --arg victim "$victim" --arg ro "$ro_src"
  local ro_dev ro_root
  read -r ro_dev ro_root < <(fs_root_of "$ro_src")

  local v_dev v_root
  read -r v_dev v_root < <(fs_root_of "$victim")

  local victim_before mounts_before
  victim_before=$(tree_state "$victim")
  mounts_before=$(host_mounts)

  # check_container ID: the created container's mounts are what the config
  # asked for: as many as the reference container has, every bind of
  # RO_SRC read-only, nothing of VICTIM's bound in. Says what is wrong (and
  # shows the container's mounts) and fails otherwise. One spacer and one
  # awk: this runs 200 times.
  check_container() {
    local json pid
    json=$(spacer state "$1") && [[ $json =~ \"pid\":[[:space:]]*([0-9]+) ]] || {
      echo "$1: no pid in its state: $json" >&2
      return 1
    }
    pid=${BASH_REMATCH[1]}
    awk -v id="$1" -v ro_dev="$ro_dev" -v ro_root="$ro_root" -v ro_src="$ro_src" \
      -v v_dev="$v_dev" -v v_root="$v_root" -v victim="$victim" -v count="${reference_count:-0}" '
      { lines = lines $0 "\n" }
      $3 == ro_dev && $4 == ro_root {
        binds++
        if ($6 !~ /^ro(,|$)/) why = why id ": the bind of " ro_src " on " $5 " was asked read-only and is " $6 "\n"
      }
      $3 == v_dev && index($4, v_root) == 1 { why = why id ": " victim " of the host is bound on " $5 "\n" }
      END {
        if (binds == 0) why = why id ": no bind of " ro_src "\n"
        if (count && NR != count) why = why id ": " NR " mounts, the reference container has " count "\n"
        if (why == "") exit 0
        printf "%s%s", why, lines > "/dev/stderr"
        exit 1
      }' "/proc/$pid/mountinfo"
  }
  # check_host WHEN [full]: nothing is mounted on the host below the test's
  # directory (VICTIM, SHARED, the bundle...); with "full", the host's
  # mount table is what it was and VICTIM keeps its content too.
  check_host() {
    local now mountinfo
    mapfile -t mountinfo </proc/self/mountinfo
    if [[ "${mountinfo[*]}" == *"$BATS_TEST_TMPDIR"* ]]; then
      echo "$1: mounted on the host below the test directory:" >&2
      grep -F -- "$BATS_TEST_TMPDIR" /proc/self/mountinfo >&2
      return 1
    fi
    [ "${2:-}" = full ] || return 0
    now=$(host_mounts)
    if [ "$now" != "$mounts_before" ]; then
      echo "$1: the host's mounts changed:" >&2
      diff <(echo "$mounts_before") <(echo "$now") >&2
      return 1
    fi
    now=$(tree_state "$victim")
    if [ "$now" != "$victim_before" ]; then
      echo "$1: $victim changed:" >&2
      diff <(echo "$victim_before") <(echo "$now") >&2
      return 1
    fi
  }

  # The reference, before any flip: created, read-only where asked.
  create_container ref
  check_container ref
  local reference_count
  reference_count=$(wc -l <"/proc/$(state_field ref pid)/mountinfo")
  spacer delete --force ref
  check_host "after the reference" full
  assert_nothing_left

  # The absolute link twice a cycle: it is the one that can also succeed.
  start_flipper "$shared" flip to-victim to-victim climb
  local i id ok=0 failed=0 bad=0 left
  local log=$BATS_TEST_TMPDIR/outcomes out=$BATS_TEST_TMPDIR/create.out
  : >"$log"
  SECONDS=0
  for ((i = 1; i <= n && (SECONDS < budget || i <= least) && SECONDS < 4 * budget; i++)); do
    id=r$i
    # Not capture: three fewer processes a round. The container's stdio
    # goes to $out too.
    if spacer_timed create --bundle "$BUNDLE" "$id" >"$out" 2>&1 </dev/null; then
      ok=$((ok + 1))
      check_host "$id, created"
      # Wrong mounts in the container are all counted (the first shown in
      # full); the test fails at the end.
      if ! check_container "$id" 2>"$BATS_TEST_TMPDIR/bad"; then
        [ "$bad" -gt 0 ] || cat "$BATS_TEST_TMPDIR/bad" >&2
        bad=$((bad + 1))
        head -1 "$BATS_TEST_TMPDIR/bad" >>"$log"
      fi
      spacer delete --force "$id"
    else
      # Refused: one line, naming the mount, and nothing left behind.
      failed=$((failed + 1))
      output=$(<"$out")
      assert_one_line_error 'mounts\[[0-9]+\]'
      echo "$output" >>"$log"
    fi
    # No state left (state_left, but without a process: hidden files are
    # looked for every 20 rounds).
    left=("$ROOT"/*)
    [ "${left[*]}" = "$ROOT/*" ] || {
      echo "$id: state left: ${left[*]}" >&2
      return 1
    }
    if ((i % 20 == 0)); then
      check_host "$id, deleted" full
      [ -z "$(spacer list -q)" ] && [ -z "$(state_left)" ]
    else
      check_host "$id, deleted"
    fi
  done
  local flips rounds=$((i - 1))
  # Not in $(...): a subshell cannot wait for the flipper to print.
  stop_flipper >"$BATS_TEST_TMPDIR/flips"
  flips=$(cat "$BATS_TEST_TMPDIR/flips")
  # The counts, and each outcome but success, in the test's output.
  {
    echo "# $rounds creates (of $n) in $SECONDS s, with $flips of $shared/flip: $ok created ($bad of them wrong), $failed refused"
    sed -E 's/\[[0-9]+\]/[N]/g; s/\<r[0-9]+\>/rN/g' "$log" | sort | uniq -c | sort -rn | sed 's/^/#   /'
  } >&3
  [ "$bad" -eq 0 ]
  # A test that refused every create would prove nothing.
  [ "$ok" -gt 0 ]
  [ "$rounds" -ge "$least" ]
  assert_nothing_left
  check_host "at the end" full
}

@test "CVE-2021-30465, held still: the directory swapped for a symlink right after a read-only bind leaves that bind read-only and no other mount" {
  # The moment the stress test above hits by chance, made every time:
  # strace makes each mount call return 50 ms late, and flip-symlink swaps
  # the directory for the symlink as soon as the bind shows in a mountinfo.
  # What spacer does next to the bind (turn it read-only) must still be done
  # to the bind, not to whatever the destination's path now leads to: here
  # the tmpfs the config mounts at VICTIM/shm, the symlink's target in the
  # rootfs (as /dev/shm is in every container).
  local shared=$BATS_TEST_TMPDIR/shared victim=$BATS_TEST_TMPDIR/victim ro_src=$BATS_TEST_TMPDIR/ro-src
  mkdir -p "$shared/flip/shm" "$victim/shm" "$ro_src" "$BUNDLE/rootfs/shared"
  echo canary >"$victim/canary"
  ln -s "$victim" "$shared/to-victim"
  update_config '.mounts += [
      {"destination": "/shared", "type": "bind", "source": $shared, "options": ["rbind", "rw"]},
      {"destination": ($victim + "/shm"), "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"]},
      {"destination": "/shared/flip/shm", "type": "bind", "source": $ro, "options": ["bind", "ro"]}]' \
    --arg shared "$shared" --arg victim "$victim" --arg ro "$ro_src"
  local ro_dev ro_root victim_before
  read -r ro_dev ro_root < <(fs_root_of "$ro_src")
  victim_before=$(tree_state "$victim")

  local flipper tracer
  timeout -k 5 60 "$FLIP_SYMLINK" --after-mount "$ro_root" 50 "$shared" flip to-victim \
    >"$BATS_TEST_TMPDIR/flipper.log" 2>&1 </dev/null &
  flipper=$!
  BG_PIDS+=("$flipper")
  # strace follows the container's init too: it ends when the init does.
  # LeakSanitizer cannot work under ptrace (it would leave a report).
  ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 timeout -k 5 120 strace -f -qq -o /dev/null -e trace=mount,move_mount \
    -e inject=mount,move_mount:delay_exit=50000 \
    "$SPACER" --root "$ROOT" create --bundle "$BUNDLE" c1 >"$BATS_TEST_TMPDIR/c1.log" 2>&1 </dev/null &
  tracer=$!
  BG_PIDS+=("$tracer")
  # Created, or failed (then strace has ended).
  local i created=0
  for i in $(seq 600); do
    if [ "$(state_field c1 status 2>/dev/null)" = created ]; then
      created=1
      break
    fi
    process_alive "$tracer" || break
    sleep 0.1
  done
  # The flipper did its part: the swap came after the bind.
  wait "$flipper" || {
    echo "flip-symlink: $(cat "$BATS_TEST_TMPDIR/flipper.log")" >&2
    return 1
  }
  echo "# $(cat "$BATS_TEST_TMPDIR/flipper.log")" >&3

  if [ "$created" = 1 ]; then
    local pid info
    pid=$(state_field c1 pid)
    info=$(cat "/proc/$pid/mountinfo")
    echo "# created; its mounts of $ro_src and at $victim/shm:" >&3
    awk -v dev="$ro_dev" -v root="$ro_root" -v v="$victim/shm" '($3 == dev && $4 == root) || $5 == v' \
      <<<"$info" | sed 's/^/#   /' >&3
    # The bind of RO_SRC, wherever it is now, is read-only...
    local binds
    binds=$(awk -v dev="$ro_dev" -v root="$ro_root" '$3 == dev && $4 == root { print $5, $6 }' <<<"$info")
    [ -n "$binds" ]
    if grep -v ' ro\(,\|$\)' <<<"$binds" >&2; then
      echo "the bind of $ro_src above was asked read-only" >&2
      return 1
    fi
    # ...and the tmpfs at VICTIM/shm, not asked read-only, is not.
    if awk -v v="$victim/shm" '$5 == v && $6 ~ /^ro(,|$)/ { found = 1 } END { exit !found }' <<<"$info"; then
      echo "the tmpfs at $victim/shm in the container was made read-only" >&2
      return 1
    fi
    spacer delete --force c1
  else
    echo "# refused: $(cat "$BATS_TEST_TMPDIR/c1.log")" >&3
    output=$(cat "$BATS_TEST_TMPDIR/c1.log")
    assert_one_line_error 'mounts\[[0-9]+\]'
  fi
  wait "$tracer" || true
  assert_nothing_left
  run grep -F "$victim" /proc/self/mountinfo
  [ "$status" -ne 0 ]
  [ "$(tree_state "$victim")" = "$victim_before" ]
}

#!/usr/bin/env bats
# `spacer unpack ARCHIVE DIR`: safe, atomic extraction. Entries never land
# outside DIR (no "..", absolute paths, symlink or hardlink escapes); a
# failure, a truncated archive, a decompression bomb or a signal leaves
# neither DIR nor the temporary directory it was built in. Attack targets
# are files of the test's own directory.

load helpers

MKIMAGE="$BATS_TEST_DIRNAME/../tools/mkimage.py"

setup() {
  W=$BATS_TEST_TMPDIR/work
  # Outside the target: what the hostile archives aim at.
  OUT=$BATS_TEST_TMPDIR/outside
  mkdir -p "$W" "$OUT"
  echo secret >"$OUT/secret"
  USER_DIR=
}

teardown() {
  end_background_jobs 2>/dev/null || true
  [ -z "$USER_DIR" ] || rm -rf "$USER_DIR"
}

# ---- helpers of this file ----

hostile() {
  python3 "$MKIMAGE" hostile "$@"
}

# Nothing but NAMES in $W (no DIR, no temporary directory), and $OUT as
# the test made it.
assert_untouched() {
  assert_dir_holds "$W" "$@"
  [ "$(cat "$OUT/secret")" = secret ]
  [ "$(stat -c %h "$OUT/secret")" = 1 ]
  [ "$(ls -A "$OUT")" = secret ]
}

@test "unpack: the tree is the archive's, as tar -x makes it" {
  tar --numeric-owner -C "$SPACER_TEST_ROOTFS" -czf "$W/r.tgz" .
  "$SPACER" unpack "$W/r.tgz" "$W/r"
  mkdir "$W/ref" && tar -C "$W/ref" -xzf "$W/r.tgz"
  diff <(cd "$W/ref" && find . -printf '%p %y %m %U %G %s %T@ %l\n' | sort) \
    <(cd "$W/r" && find . -printf '%p %y %m %U %G %s %T@ %l\n' | sort)
  # From stdin as well.
  "$SPACER" unpack - "$W/r2" <"$W/r.tgz"
  [ -x "$W/r2/bin/busybox" ]
}

@test "unpack: DIR missing or empty is made; a DIR with content is refused untouched" {
  tar --numeric-owner -C "$SPACER_TEST_ROOTFS" -cf "$W/r.tar" .
  mkdir "$W/empty"
  "$SPACER" unpack "$W/r.tar" "$W/empty"
  [ -x "$W/empty/bin/busybox" ]
  mkdir "$W/full" && echo mine >"$W/full/keep"
  capture "$SPACER" unpack "$W/r.tar" "$W/full"
  assert_error "exists and is not empty"
  [ "$(ls -A "$W/full")" = keep ]
  assert_untouched empty full r.tar
}

@test "unpack: \"..\" and absolute names are refused, nothing is written" {
  hostile "$W/t.tar" traversal "$OUT/pwned"
  capture "$SPACER" unpack "$W/t.tar" "$W/r"
  assert_error '"\.\." in the archive'
  hostile "$W/a.tar" absolute "$OUT/pwned"
  capture "$SPACER" unpack "$W/a.tar" "$W/r"
  assert_error "absolute path in the archive"
  assert_untouched a.tar t.tar
}

@test "unpack: a symlink out of the tree is followed inside it, never out" {
  hostile "$W/s.tar" symlink "$OUT"
  "$SPACER" unpack "$W/s.tar" "$W/r"
  # evil -> $OUT, then evil/file: the file lands in the tree's own $OUT.
  [ "$(readlink "$W/r/evil")" = "$OUT" ]
  # No "./" entry in the archive: the tree's root gets 0755.
  [ "$(stat -c %a "$W/r")" = 755 ]
  [ -f "$W/r$OUT/file" ]
  rm -rf "$W/r"
  assert_untouched s.tar
}

@test "unpack: a hard link to a file outside the tree is refused" {
  hostile "$W/h.tar" hardlink "$OUT/secret"
  capture "$SPACER" unpack "$W/h.tar" "$W/r"
  assert_error "absolute path in the archive"
  # Through a symlink the archive planted: resolved inside the tree.
  python3 - "$W/h2.tar" "$OUT" <<'EOF'
import sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    s = tarfile.TarInfo("dir"); s.type = tarfile.SYMTYPE; s.linkname = sys.argv[2]; t.addfile(s)
    h = tarfile.TarInfo("evil"); h.type = tarfile.LNKTYPE; h.linkname = "dir/secret"; t.addfile(h)
EOF
  capture "$SPACER" unpack "$W/h2.tar" "$W/r"
  assert_error "hard link .evil."
  assert_untouched h.tar h2.tar
}

@test "unpack: entries replacing links, links to links: all stay in the tree" {
  # evil -> $OUT replaced by a directory; a directory replaced by a
  # symlink to $OUT, then written through; hard links to a symlink and
  # through one: none reaches $OUT.
  python3 - "$W/l.tar" "$OUT" <<'EOF'
import io, sys, tarfile
out = sys.argv[2]
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
    def add(name, kind=tarfile.REGTYPE, link=""):
        i = tarfile.TarInfo(name)
        i.type, i.linkname = kind, link
        if kind == tarfile.REGTYPE:
            i.size = 6
            t.addfile(i, io.BytesIO(b"pwned\n"))
        else:
            t.addfile(i)
    add("a", tarfile.SYMTYPE, out)
    add("a", tarfile.DIRTYPE)
    add("a/secret")
    add("b", tarfile.DIRTYPE)
    add("b", tarfile.SYMTYPE, out)
    add("b/secret")
    add("c", tarfile.SYMTYPE, out + "/secret")
    add("hc", tarfile.LNKTYPE, "c")
    add("hb", tarfile.LNKTYPE, "b/secret")
EOF
  "$SPACER" unpack "$W/l.tar" "$W/r"
  [ -d "$W/r/a" ] && [ ! -L "$W/r/a" ]
  [ "$(readlink "$W/r/b")" = "$OUT" ]
  [ "$(cat "$W/r/$OUT/secret")" = pwned ]
  [ "$(readlink "$W/r/hc")" = "$OUT/secret" ]
  [ "$(stat -c %i "$W/r/hb")" = "$(stat -c %i "$W/r/$OUT/secret")" ]
  assert_untouched l.tar r
}

@test "unpack: a truncated archive leaves nothing" {
  tar --numeric-owner -C "$SPACER_TEST_ROOTFS" -czf "$W/r.tgz" .
  head -c "$(($(stat -c %s "$W/r.tgz") / 2))" "$W/r.tgz" >"$W/cut.tgz"
  capture "$SPACER" unpack "$W/cut.tgz" "$W/r"
  [ "$status" -ne 0 ]
  assert_untouched cut.tgz r.tgz
}

@test "unpack: --max-size stops a decompression bomb and removes what it wrote" {
  # 256 MiB of zeros, a few hundred KiB compressed.
  hostile "$W/bomb.tar.gz" bomb $((256 << 20))
  [ "$(stat -c %s "$W/bomb.tar.gz")" -lt $((1 << 20)) ]
  capture "$SPACER" unpack --max-size 16M "$W/bomb.tar.gz" "$W/r"
  assert_error "over the size limit"
  assert_untouched bomb.tar.gz
  capture "$SPACER" unpack --max-size 0 "$W/bomb.tar.gz" "$W/r"
  assert_error "--max-size .0."
}

@test "unpack: --max-size counts the directories deep names make, not only their headers" {
  # 40 entries, ~80 KiB of archive, asking for 60000 directories: about
  # 240 MiB of directory blocks, none of them listed in the archive.
  hostile "$W/deep.tar" deep 40
  [ "$(stat -c %s "$W/deep.tar")" -lt $((1 << 20)) ]
  capture "$SPACER" unpack --max-size 16M "$W/deep.tar" "$W/r"
  assert_error "over the size limit"
  # The same directories asked for through symlinks to deep targets.
  hostile "$W/deeplink.tar" deeplink 40
  capture "$SPACER" unpack --max-size 16M "$W/deeplink.tar" "$W/r"
  assert_error "over the size limit"
  assert_untouched deep.tar deeplink.tar
}

@test "unpack: a symlink put in place of the temporary directory is not followed" {
  require_preload
  cc -shared -fPIC -o "$BATS_TEST_TMPDIR/swap.so" "$BATS_TEST_DIRNAME/../tools/swap-tmpdir.c" -ldl
  # "secret", to replace the file of that name wherever it lands.
  python3 - "$W/h.tar" <<'EOF'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    i = tarfile.TarInfo("secret")
    i.size = 6
    t.addfile(i, io.BytesIO(b"pwned\n"))
EOF
  # ASan wants its runtime first; the attacker library is fine after it.
  ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 SWAP_TMPDIR_TO=$OUT LD_PRELOAD=$BATS_TEST_TMPDIR/swap.so capture "$SPACER" unpack "$W/h.tar" "$W/r"
  assert_error "was replaced"
  [ "$(cat "$OUT/secret")" = secret ]
  [ "$(ls -A "$OUT")" = secret ]
  [ ! -e "$W/r" ]
  # A directory of another user's in its place: not ours, refused.
  if [ "$(id -u)" = 0 ]; then
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 SWAP_TMPDIR_UID=65534 LD_PRELOAD=$BATS_TEST_TMPDIR/swap.so capture "$SPACER" unpack "$W/h.tar" "$W/r"
    assert_error "was replaced"
    [ ! -e "$W/r" ]
  fi
}

@test "unpack: setuid bits and device nodes are kept only for root" {
  hostile "$W/s.tar" setuid
  hostile "$W/d.tar" device
  "$SPACER" unpack "$W/s.tar" "$W/rs"
  [ "$(stat -c %a "$W/rs/suid")" = 4755 ]
  "$SPACER" unpack "$W/d.tar" "$W/rd"
  [ "$(stat -c %t:%T "$W/rd/null")" = 1:3 ]

  # As a plain user: the bits go, the device is left out with one line.
  USER_DIR=$(mktemp -d /tmp/spacer-unpack.XXXXXX)
  chmod 0777 "$USER_DIR"
  cp "$W/s.tar" "$W/d.tar" "$USER_DIR/"
  setpriv --reuid 65534 --regid 65534 --clear-groups "$SPACER" unpack "$USER_DIR/s.tar" "$USER_DIR/rs"
  [ "$(stat -c %a "$USER_DIR/rs/suid")" = 755 ]
  [ "$(stat -c %a "$USER_DIR/rs/sgid")" = 755 ]
  [ "$(stat -c %u "$USER_DIR/rs/suid")" = 65534 ]
  capture setpriv --reuid 65534 --regid 65534 --clear-groups "$SPACER" unpack "$USER_DIR/d.tar" "$USER_DIR/rd"
  assert_ok
  [ "$stderr" = "unpack: 1 device nodes left out: only root makes them" ]
  [ ! -e "$USER_DIR/rd/null" ]
  [ -f "$USER_DIR/rd/ok" ]
}

# The temporary directory unpack builds r in, with some of the tree in it.
partial_tree() {
  [ -n "$(find "$W" -maxdepth 2 -path "$W/.r.*/bin")" ]
}

@test "unpack: SIGINT mid-extraction removes the partial tree" {
  tar --numeric-owner -C "$SPACER_TEST_ROOTFS" -cf "$W/r.tar" .
  mkfifo "$W/fifo"
  "$SPACER" unpack "$W/fifo" "$W/r" 2>"$BATS_TEST_TMPDIR/err" &
  local pid=$!
  # Half the archive, then the writer stalls: spacer is mid-extraction.
  exec 5>"$W/fifo"
  head -c "$(($(stat -c %s "$W/r.tar") / 2))" "$W/r.tar" >&5
  wait_until partial_tree
  # Private while it is written: nobody opens a file of it half-made.
  [ "$(stat -c %a "$W"/.r.*)" = 700 ]
  kill -INT "$pid"
  local rc=0
  wait "$pid" || rc=$?
  exec 5>&-
  # Killed by the signal, as a shell expects of an interrupted command.
  [ "$rc" -eq 130 ]
  rm "$W/fifo"
  assert_untouched r.tar
}

@test "unpack: directories the archive leaves implicit get its times, not now" {
  python3 - "$W/implicit.tar" <<'EOF2'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    ti = tarfile.TarInfo("a/b/c/file"); ti.size = 2; ti.mtime = 1600000000
    t.addfile(ti, io.BytesIO(b"x\n"))
EOF2
  "$SPACER" unpack "$W/implicit.tar" "$W/r1"
  sleep 1.1
  "$SPACER" unpack "$W/implicit.tar" "$W/r2"
  diff <(cd "$W/r1" && find . -printf '%p %y %m %U %G %T@\n' | sort) \
    <(cd "$W/r2" && find . -printf '%p %y %m %U %G %T@\n' | sort)
  [ "$(stat -c '%Y %a' "$W/r1/a/b")" = "1600000000 755" ]
  [ "$(stat -c '%Y %a' "$W/r1")" = "1600000000 755" ]
}

@test "unpack: on a terminal, a progress line with bytes and rate; none with --quiet or without a terminal" {
  command -v script >/dev/null || skip "script(1) (util-linux) not installed"
  tar --numeric-owner -C "$SPACER_TEST_ROOTFS" -czf "$W/r.tgz" .
  run script -qec "'$SPACER' unpack '$W/r.tgz' '$W/r1'" /dev/null
  [ "$status" -eq 0 ]
  [[ "$output" =~ layers\ 1/1\ +[0-9.]+/[0-9.]+\ MiB\ +[0-9.]+\ MiB/s ]] || {
    echo "no progress line in: $output" >&2
    return 1
  }
  run script -qec "'$SPACER' unpack --quiet '$W/r.tgz' '$W/r2'" /dev/null
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  capture "$SPACER" unpack "$W/r.tgz" "$W/r3"
  assert_ok
  [ -z "$output" ]
  [ -x "$W/r1/bin/busybox" ] && [ -x "$W/r2/bin/busybox" ] && [ -x "$W/r3/bin/busybox" ]
}

#!/usr/bin/env bats
# `spacer bundle SOURCE DIR`: images to bundles. Sources are made here from
# the suite's busybox rootfs by tests/tools/mkimage.py (no registry): OCI
# layouts (a directory or a tarball; by tag, by digest, the only one, behind
# an image index), docker save archives, plain rootfs tarballs, in every
# compression. Layers apply in order with whiteouts; every digest is
# checked; the image config becomes config.json's process; a failure leaves
# neither DIR nor a temporary directory beside it.

load helpers

MKIMAGE="$BATS_TEST_DIRNAME/../tools/mkimage.py"

setup() {
  ROOT=$BATS_TEST_TMPDIR/state
  W=$BATS_TEST_TMPDIR/work
  mkdir -p "$W"
  export SPACER_TEST_MARK=$BATS_TEST_TMPDIR
  BG_PIDS=()
  # The base layer: the busybox rootfs, owned by root, as images have it.
  tar --numeric-owner -C "$SPACER_TEST_ROOTFS" -cf "$W/base.tar" .
}

teardown() {
  end_background_jobs
  teardown_containers
}

# ---- helpers of this file ----

# layer NAME: a layer tarball made from the tree built in $W/NAME.
layer() {
  tar --numeric-owner --owner=0 --group=0 --mtime=@1700000000 --sort=name \
    -C "$W/$1" -cf "$W/$1.tar" .
}

PROCESS='{"Entrypoint":["echo"],"Cmd":["hello","from","the","image"],
  "Env":["PATH=/bin:/sbin","GREETING=hi"],"WorkingDir":"/tmp","User":"nobody",
  "StopSignal":"SIGQUIT"}'

# layout DIR TAG [mkimage options...] LAYER...: an image added to a layout.
layout() {
  local dir=$1 tag=$2
  shift 2
  python3 "$MKIMAGE" layout "$W/$dir" "$tag" "$PROCESS" "$@"
}

# What a tree is, for comparing two: paths, types, modes, owners, sizes,
# mtimes, symlink targets, then every regular file's content.
tree_listing() {
  (cd "$1" && find . -printf '%p %y %m %U %G %s %T@ %l\n' | LC_ALL=C sort &&
    find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}

# Nothing but NAMES in $W: no bundle, no temporary directory beside it.
assert_only_in_work() {
  assert_dir_holds "$W" "$@"
}

@test "bundle: layout:TAG gives the rootfs and the image's process in config.json" {
  layout L t1 "$W/base.tar" >/dev/null
  capture "$SPACER" bundle "$W/L:t1" "$W/b"
  assert_ok
  [ -x "$W/b/rootfs/bin/busybox" ]
  run jq -c '.process | [.args, .env, .cwd, .user, .terminal]' "$W/b/config.json"
  [ "$output" = '[["echo","hello","from","the","image"],["TERM=xterm","PATH=/bin:/sbin","GREETING=hi"],"/tmp",{"uid":65534,"gid":65534},false]' ]
  run jq -r '.annotations["org.opencontainers.image.stopSignal"]' "$W/b/config.json"
  [ "$output" = SIGQUIT ]
  # Nothing else of the default spec changed: the root is rootfs.
  [ "$(jq -r .root.path "$W/b/config.json")" = rootfs ]
}

@test "bundle: the bundle runs and prints what Entrypoint + Cmd say" {
  layout L t1 "$W/base.tar" >/dev/null
  "$SPACER" bundle -q "$W/L:t1" "$W/b"
  BUNDLE=$W/b
  update_config '.process.env += ["SPACER_TEST_MARK=" + $mark]' --arg mark "$SPACER_TEST_MARK"
  capture spacer run --bundle "$W/b" img1
  assert_ok
  [ "$stdout" = "hello from the image" ]
}

@test "bundles/README.md: make-image.sh's layout runs by spacer bundle and by spacer launch --image" {
  local top=$BATS_TEST_DIRNAME/../..
  "$top/bundles/make-image.sh" "$SPACER" "$W/image" >/dev/null
  "$SPACER" bundle -q "$W/image:busybox" "$W/b"
  BUNDLE=$W/b
  update_config '.process.args = ["echo", "hello"]
    | .process.env += ["SPACER_TEST_MARK=" + $mark]' --arg mark "$SPACER_TEST_MARK"
  capture spacer run --bundle "$W/b" img1
  assert_ok
  [ "$stdout" = hello ]
  capture spacer launch --image "$W/image:busybox" -- echo hello
  assert_ok
  [ "$stdout" = hello ]
}

@test "bundle: layout@sha256:DIGEST, the only manifest without a tag, several without one listed" {
  local d1 d2
  d1=$(layout L one "$W/base.tar")
  mkdir -p "$W/extra" && echo two >"$W/extra/which" && layer extra
  d2=$(layout L two "$W/base.tar" "$W/extra.tar")
  "$SPACER" bundle "$W/L@$d2" "$W/b2"
  [ "$(cat "$W/b2/rootfs/which")" = two ]
  "$SPACER" bundle "$W/L@$d1" "$W/b1"
  [ ! -e "$W/b1/rootfs/which" ]

  capture "$SPACER" bundle "$W/L" "$W/b3"
  assert_error "2 images, name one.*: one, two"
  capture "$SPACER" bundle "$W/L:three" "$W/b3"
  assert_error "no image .three."
  assert_only_in_work L b1 b2 base.tar extra extra.tar

  layout S only "$W/base.tar" >/dev/null
  "$SPACER" bundle "$W/S" "$W/b4"
  [ -x "$W/b4/rootfs/bin/busybox" ]
}

@test "bundle: an image index leads to this machine's manifest" {
  # The index also lists a foreign platform whose manifest is missing.
  layout L multi --index "$W/base.tar" >/dev/null
  "$SPACER" bundle "$W/L:multi" "$W/b"
  [ -x "$W/b/rootfs/bin/busybox" ]
}

@test "bundle: layers in order with whiteouts and opaque directories" {
  mkdir -p "$W/l1/data/keep" "$W/l1/opaque/sub" "$W/l1/gone"
  echo lower >"$W/l1/data/file"
  echo lower >"$W/l1/data/keep/k"
  echo lower >"$W/l1/opaque/old"
  echo lower >"$W/l1/opaque/sub/deep"
  echo lower >"$W/l1/gone/x"
  layer l1
  mkdir -p "$W/l2/data" "$W/l2/opaque" "$W/l2/etc"
  echo upper >"$W/l2/data/file"      # replaced
  : >"$W/l2/.wh.gone"                # a whole directory deleted
  : >"$W/l2/etc/.wh.hosts"           # a file of the base layer deleted
  : >"$W/l2/opaque/.wh..wh..opq"     # only this layer's entries remain
  echo upper >"$W/l2/opaque/new"
  layer l2
  layout L t "$W/base.tar" "$W/l1.tar" "$W/l2.tar" >/dev/null
  "$SPACER" bundle "$W/L:t" "$W/b"
  local r=$W/b/rootfs
  [ "$(cat "$r/data/file")" = upper ]
  [ "$(cat "$r/data/keep/k")" = lower ]
  [ ! -e "$r/gone" ]
  [ ! -e "$r/etc/hosts" ]
  [ -e "$r/etc/passwd" ]
  [ "$(ls -A "$r/opaque")" = new ]
  # Whiteout markers are instructions, never files.
  [ -z "$(find "$r" -name '.wh.*')" ]
}

@test "bundle: every compression libarchive reads (gzip, xz, zstd, none)" {
  local how
  for how in gzip xz zstd none; do
    if [ "$how" = zstd ] && ! command -v zstd >/dev/null; then
      echo "# zstd not installed: zstd layers not tried" >&3
      continue
    fi
    layout "L-$how" t --compress "$how" "$W/base.tar" >/dev/null
    "$SPACER" bundle "$W/L-$how:t" "$W/b-$how"
    [ -x "$W/b-$how/rootfs/bin/busybox" ]
  done
}

@test "bundle: user names and numbers resolved in the image's passwd and group" {
  local user want
  # Only what the lookup reads: the busybox layer's passwd and group.
  mkdir -p "$W/etc/etc"
  cp "$SPACER_TEST_ROOTFS/etc/passwd" "$SPACER_TEST_ROOTFS/etc/group" "$W/etc/etc/"
  layer etc
  # User in the image config, then the uid and gid it must give.
  while read -r user want; do
    rm -rf "$W/L" "$W/b"
    python3 "$MKIMAGE" layout "$W/L" t "{\"User\":\"$user\"}" "$W/etc.tar" >/dev/null
    "$SPACER" bundle "$W/L:t" "$W/b"
    run jq -r '.process.user | "\(.uid):\(.gid)"' "$W/b/config.json"
    [ "$output" = "$want" ] || { echo "User $user: $output, want $want" >&2; return 1; }
  done <<'EOF'
nobody 65534:65534
root 0:0
0 0:0
65534 65534:65534
1000 1000:0
1000:1001 1000:1001
nobody:tty 65534:5
root:nogroup 0:65534
1000:tty 1000:5
EOF
  rm -rf "$W/L" "$W/b"
  python3 "$MKIMAGE" layout "$W/L" t '{"User":"nosuchuser"}' "$W/etc.tar" >/dev/null
  capture "$SPACER" bundle "$W/L:t" "$W/b"
  assert_error "user .nosuchuser.: no such user in the rootfs's /etc/passwd"
  assert_only_in_work L base.tar etc etc.tar
}

@test "bundle: /etc/passwd is read inside the rootfs, never through a symlink out of it" {
  mkdir -p "$W/host" "$W/evil/etc"
  echo "ghost:x:4242:4242::/:/bin/sh" >"$W/host/passwd"
  ln -s "$W/host/passwd" "$W/evil/etc/passwd"
  layer evil
  python3 "$MKIMAGE" layout "$W/L" t '{"User":"ghost"}' "$W/base.tar" "$W/evil.tar" >/dev/null
  capture "$SPACER" bundle "$W/L:t" "$W/b"
  assert_error "user .ghost.: no such user in the rootfs's /etc/passwd"
}

@test "bundle: a tarball of a layout, a docker save archive with two tags, a rootfs tarball" {
  layout L t "$W/base.tar" >/dev/null
  tar -C "$W/L" -czf "$W/layout.tgz" .
  "$SPACER" bundle "$W/layout.tgz" "$W/b1"
  [ "$(jq -r '.process.args | join(" ")' "$W/b1/config.json")" = "echo hello from the image" ]

  mkdir -p "$W/v2" && echo two >"$W/v2/version" && layer v2
  python3 "$MKIMAGE" docker "$W/D" app:1 '{"Cmd":["echo","one"]}' "$W/base.tar"
  python3 "$MKIMAGE" docker "$W/D" app:2 '{"Cmd":["echo","two"]}' "$W/base.tar" "$W/v2.tar"
  tar -C "$W/D" -cf "$W/docker.tar" .
  capture "$SPACER" bundle "$W/docker.tar" "$W/b2"
  assert_error "2 images, name one .--tag.: app:1, app:2"
  "$SPACER" bundle --tag app:2 "$W/docker.tar" "$W/b2"
  [ "$(cat "$W/b2/rootfs/version")" = two ]
  [ "$(jq -c .process.args "$W/b2/config.json")" = '["echo","two"]' ]
  "$SPACER" bundle --tag app:1 "$W/docker.tar" "$W/b3"
  [ ! -e "$W/b3/rootfs/version" ]

  # Told apart by content: a rootfs tarball named like an image.
  gzip -c "$W/base.tar" >"$W/image.oci.tar"
  "$SPACER" bundle "$W/image.oci.tar" "$W/b4"
  [ -x "$W/b4/rootfs/bin/busybox" ]
  [ "$(jq -c .process.args "$W/b4/config.json")" = '["sh"]' ]
}

@test "bundle: the same image gives a byte-identical config and the same tree" {
  mkdir -p "$W/l1/opt" && echo x >"$W/l1/opt/x" && layer l1
  layout L t "$W/base.tar" "$W/l1.tar" >/dev/null
  "$SPACER" bundle "$W/L:t" "$W/b1"
  sleep 1.1 # a tree stamped with "now" would differ
  "$SPACER" bundle "$W/L:t" "$W/b2"
  cmp "$W/b1/config.json" "$W/b2/config.json"
  diff <(tree_listing "$W/b1/rootfs") <(tree_listing "$W/b2/rootfs")
  # mtimes are the archive's.
  [ "$(stat -c %Y "$W/b1/rootfs/opt/x")" = 1700000000 ]
}

@test "bundle: the tree matches umoci's unpack of the same image" {
  command -v umoci >/dev/null || skip "umoci not installed (apt-get install umoci)"
  mkdir -p "$W/l1/opaque" "$W/l1/d" && echo a >"$W/l1/opaque/a" && echo b >"$W/l1/d/b"
  ln -s ../d/b "$W/l1/opaque/link" && ln "$W/l1/d/b" "$W/l1/d/hard" && chmod 0750 "$W/l1/d"
  layer l1
  mkdir -p "$W/l2/opaque" "$W/l2/d" && : >"$W/l2/opaque/.wh..wh..opq" && echo c >"$W/l2/opaque/c"
  : >"$W/l2/d/.wh.hard" && layer l2
  layout L t "$W/base.tar" "$W/l1.tar" "$W/l2.tar" >/dev/null
  "$SPACER" bundle "$W/L:t" "$W/b"
  timeout -k 5 120 umoci raw unpack --image "$W/L:t" "$W/umoci" >/dev/null 2>&1
  # umoci differs in nothing spacer keeps: compared whole, mtimes included.
  diff <(tree_listing "$W/umoci") <(tree_listing "$W/b/rootfs")
}

@test "bundle: a damaged layer (digest mismatch) leaves no bundle and no temporary directory" {
  mkdir -p "$W/l1" && echo x >"$W/l1/x" && layer l1
  layout L t --corrupt 1 "$W/base.tar" "$W/l1.tar" >/dev/null
  capture "$SPACER" bundle "$W/L:t" "$W/b"
  [ "$status" -ne 0 ]
  [[ "$stderr" == *"sha256"* ]] || { echo "$stderr" >&2; return 1; }
  assert_only_in_work L base.tar l1 l1.tar
}

@test "bundle: a manifest whose bytes do not match its digest is never parsed" {
  layout L t "$W/base.tar" >/dev/null
  local m
  m=$(jq -r '.manifests[0].digest' "$W/L/index.json")
  m=$W/L/blobs/sha256/${m#sha256:}
  # Same size, other content: a manifest pointing elsewhere.
  sed -i 's/"schemaVersion":2/"schemaVersion":3/' "$m"
  capture "$SPACER" bundle "$W/L:t" "$W/b"
  assert_error "blob sha256:.*: its content hashes to sha256:"
  assert_only_in_work L base.tar
}

@test "bundle: a blob that is no regular file is refused without being opened" {
  layout L t "$W/base.tar" >/dev/null
  local m
  m=$(jq -r '.manifests[0].digest' "$W/L/index.json")
  m=$W/L/blobs/sha256/${m#sha256:}
  # A FIFO stands for a device node (a tarball of a layout made by root
  # can hold one), whose mere opening can act (a watchdog's arms a
  # reboot): a writer waiting on the FIFO sees whether it was opened.
  rm "$m"
  mkfifo "$m"
  (exec 3>"$m" && touch "$W/opened") &
  BG_PIDS+=("$!")
  capture "$SPACER" bundle "$W/L:t" "$W/b"
  assert_error "is not a regular file"
  sleep 0.2
  [ ! -e "$W/opened" ]
  end_background_jobs
  assert_only_in_work L base.tar
}

@test "bundle: DIR must be missing or empty" {
  layout L t "$W/base.tar" >/dev/null
  mkdir -p "$W/full" && echo keep >"$W/full/mine"
  capture "$SPACER" bundle "$W/L:t" "$W/full"
  assert_error "exists and is not empty"
  [ "$(ls -A "$W/full")" = mine ]
  mkdir "$W/empty"
  "$SPACER" bundle "$W/L:t" "$W/empty"
  [ -f "$W/empty/config.json" ]
  assert_only_in_work L base.tar empty full
}

@test "bundle: a symlink put in place of the temporary directory is not followed" {
  require_preload
  cc -shared -fPIC -o "$BATS_TEST_TMPDIR/swap.so" "$BATS_TEST_DIRNAME/../tools/swap-tmpdir.c" -ldl
  layout L t "$W/base.tar" >/dev/null
  local out=$BATS_TEST_TMPDIR/outside
  mkdir "$out"
  # ASan wants its runtime first; the attacker library is fine after it.
  ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 SWAP_TMPDIR_TO=$out LD_PRELOAD=$BATS_TEST_TMPDIR/swap.so capture "$SPACER" bundle "$W/L:t" "$W/b"
  assert_error "was replaced"
  [ -z "$(ls -A "$out")" ]
  [ ! -e "$W/b" ]
}

@test "bundle: a huge index.json is refused unparsed; a long list of images is cut short" {
  mkdir "$W/L"
  echo '{"imageLayoutVersion":"1.0.0"}' >"$W/L/oci-layout"
  # 5 MiB: more than any real one, and about 300 MiB once parsed.
  python3 -c 'import sys; sys.stdout.write("{\"manifests\":[" + ",".join(["0"] * (5 << 19)) + "]}")' \
    >"$W/L/index.json"
  capture "$SPACER" bundle "$W/L" "$W/b"
  assert_error "index.json.: larger than"
  # 1000 manifests with no name and no digest: a short line, not 1000.
  python3 -c 'import sys; sys.stdout.write("{\"manifests\":[" + ",".join(["{}"] * 1000) + "]}")' \
    >"$W/L/index.json"
  capture "$SPACER" bundle "$W/L" "$W/b"
  assert_error "holds 1000 images, .* and 984 more"
  [ "${#output}" -lt 1000 ]
  assert_only_in_work L base.tar
}

@test "bundle: --max-size stops an image that unpacks larger" {
  layout L t "$W/base.tar" >/dev/null
  capture "$SPACER" bundle --max-size 100K "$W/L:t" "$W/b"
  assert_error "over the size limit"
  assert_only_in_work L base.tar
  capture "$SPACER" bundle --max-size lots "$W/L:t" "$W/b"
  assert_error "--max-size .lots."
}

@test "bundle: no progress line when stderr is not a terminal" {
  layout L t "$W/base.tar" >/dev/null
  capture "$SPACER" bundle "$W/L:t" "$W/b"
  assert_ok
  [ -z "$output" ]
}

@test "bundle: on a terminal, a progress line with layers, bytes and rate (none with --quiet)" {
  command -v script >/dev/null || skip "script(1) (util-linux) not installed"
  layout L t "$W/base.tar" >/dev/null
  run script -qec "'$SPACER' bundle '$W/L:t' '$W/b1'" /dev/null
  assert_ok
  [[ "$output" =~ layers\ 1/1\ +[0-9.]+/[0-9.]+\ MiB\ +[0-9.]+\ MiB/s ]] || {
    echo "no progress line in: $output" >&2
    return 1
  }
  run script -qec "'$SPACER' bundle --quiet '$W/L:t' '$W/b2'" /dev/null
  assert_ok
  [ -z "$output" ]
}

@test "bundle: whiteouts through a symlink a lower layer planted delete nothing outside" {
  local out=$BATS_TEST_TMPDIR/outside
  mkdir -p "$out/dir" && echo secret >"$out/secret" && echo keep >"$out/dir/keep"
  mkdir -p "$W/l1" && ln -s "$out" "$W/l1/evil" && layer l1
  python3 - "$W/l2.tar" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    for name in ("evil/.wh.secret", "evil/dir/.wh..wh..opq"):
        t.addfile(tarfile.TarInfo(name))
PY
  layout L t "$W/base.tar" "$W/l1.tar" "$W/l2.tar" >/dev/null
  "$SPACER" bundle "$W/L:t" "$W/b"
  [ "$(cat "$out/secret")" = secret ]
  [ "$(cat "$out/dir/keep")" = keep ]
  [ "$(readlink "$W/b/rootfs/evil")" = "$out" ]
}

@test "bundle: as a plain user, the caller owns the tree and the config is rootless" {
  local dir
  dir=$(mktemp -d /tmp/spacer-bundle.XXXXXX)
  chmod 0777 "$dir"
  layout L t "$W/base.tar" >/dev/null
  cp -r "$W/L" "$dir/L" && chmod -R a+rX "$dir/L"
  local rc=0
  setpriv --reuid 65534 --regid 65534 --clear-groups "$SPACER" bundle "$dir/L:t" "$dir/b" || rc=$?
  local owners linux_uid
  owners=$(find "$dir/b" -printf '%U:%G\n' | sort -u)
  linux_uid=$(jq -c '.linux.uidMappings[0].hostID' "$dir/b/config.json" 2>/dev/null || true)
  rm -rf "$dir"
  [ "$rc" -eq 0 ]
  [ "$owners" = 65534:65534 ]
  [ "$linux_uid" = 65534 ]
}

@test "bundle: a docker save archive of Docker 25+ (an OCI layout with manifest.json) by its RepoTag" {
  layout L latest --compress none "$W/base.tar" >/dev/null
  # As newer docker writes it: index.json's ref.name is the bare tag, the
  # repository:tag users name is in manifest.json's RepoTags.
  python3 - "$W/L" <<'PY'
import json, sys
d = sys.argv[1]
idx = json.load(open(d + "/index.json"))
man = json.load(open(d + "/blobs/sha256/" + idx["manifests"][0]["digest"][7:]))
json.dump([{"Config": "blobs/sha256/" + man["config"]["digest"][7:],
            "RepoTags": ["app:latest"],
            "Layers": ["blobs/sha256/" + l["digest"][7:] for l in man["layers"]]}],
          open(d + "/manifest.json", "w"))
PY
  tar -C "$W/L" -cf "$W/docker25.tar" .
  "$SPACER" bundle --tag app:latest "$W/docker25.tar" "$W/b1"
  [ "$(jq -c .process.args "$W/b1/config.json")" = '["echo","hello","from","the","image"]' ]
  "$SPACER" bundle "$W/docker25.tar" "$W/b2"
  [ -x "$W/b2/rootfs/bin/busybox" ]
  capture "$SPACER" bundle --tag app:other "$W/docker25.tar" "$W/b3"
  assert_error "no image .app:other. in the archive .it has: app:latest."
}

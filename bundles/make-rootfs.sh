#!/bin/sh
# Build a busybox root filesystem tarball from Debian's busybox-static and
# unpack it with `spacer unpack` (libarchive), the way images arrive.
#   bundles/make-rootfs.sh SPACER DEST_DIR [TARBALL]
# The tarball is kept at TARBALL when given.
set -eu

# Absolute paths: the script works in a staging directory.
abspath() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
spacer=$(abspath "$1")
dest=$(abspath "$2")
tarball=${3:+$(abspath "$3")}
busybox=/bin/busybox

if ! "$busybox" --list >/dev/null 2>&1; then
  echo "make-rootfs: $busybox missing: apt-get install busybox-static" >&2
  exit 1
fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/rootfs"
cd "$stage/rootfs"
mkdir -p bin sbin usr/bin usr/sbin etc proc sys dev tmp root home run var/tmp
chmod 1777 tmp var/tmp
cp "$busybox" bin/busybox
# Hard links, as in Docker's busybox image: a copy of the tree (each test
# makes one) is a link per applet rather than a symlink to write.
for applet in $("$busybox" --list); do
  [ "$applet" = busybox ] || ln -f bin/busybox "bin/$applet"
done
cat > etc/passwd <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat > etc/group <<'GROUP'
root:x:0:
tty:x:5:
nogroup:x:65534:
GROUP
echo "127.0.0.1 localhost" > etc/hosts

out=${tarball:-$stage/rootfs.tar.gz}
tar --numeric-owner --owner=0 --group=0 -czf "$out" .
"$spacer" unpack "$out" "$dest"

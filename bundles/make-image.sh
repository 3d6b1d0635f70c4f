#!/bin/sh
# Make an OCI image layout (tag busybox) from Debian's busybox-static, at
# set-up time: images are never committed. One layer, the root filesystem
# bundles/make-rootfs.sh builds; the config runs `sh`.
#   bundles/make-image.sh SPACER [LAYOUT_DIR]     (default: bundles/image)
# Then: spacer bundle bundles/image:busybox DIR
set -eu
here=$(cd "$(dirname "$0")" && pwd)
spacer=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
layout=${2:-$here/image}

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
"$here/make-rootfs.sh" "$spacer" "$stage/rootfs" "$stage/rootfs.tar.gz"
gzip -dc "$stage/rootfs.tar.gz" >"$stage/rootfs.tar"
rm -rf "$layout"
python3 "$here/../tests/tools/mkimage.py" layout "$layout" busybox \
  '{"Cmd":["sh"],"Env":["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],"WorkingDir":"/"}' \
  "$stage/rootfs.tar" >/dev/null
echo "$layout: OCI image layout, tag busybox"

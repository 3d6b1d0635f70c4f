#!/bin/bash
# The README's first command: build spacer (installing what it needs) and run
# the example container from bundles/busybox. Run as root on Debian 12.
#   bash bundles/run.sh [BUNDLE]      (default: bundles/busybox; try bundles/limits)
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "run: containers need root" >&2; exit 1; }

bash tests/bootstrap.sh
spacer=$PWD/build/spacer
bundle=$(realpath "${1:-bundles/busybox}")

# Images are never committed: the rootfs is made from Debian's busybox-static,
# once, in bundles/busybox; the other bundles point their root.path at it.
[ -d bundles/busybox/rootfs ] || bundles/make-rootfs.sh "$spacer" bundles/busybox/rootfs

exec "$spacer" run --bundle "$bundle" "example-$$"

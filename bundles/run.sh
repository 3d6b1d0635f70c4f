#!/bin/bash
# The README's first command: build spacer (installing what it needs) and run
# the example container from bundles/busybox. Run as root on Debian 12.
#   bash bundles/run.sh [BUNDLE]      (default: bundles/busybox)
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "run: containers need root" >&2; exit 1; }

bash tests/bootstrap.sh
spacer=$PWD/build/spacer
bundle=$(realpath "${1:-bundles/busybox}")

# Images are never committed: the rootfs is made from Debian's busybox-static.
[ -d "$bundle/rootfs" ] || bundles/make-rootfs.sh "$spacer" "$bundle/rootfs"

exec "$spacer" run --bundle "$bundle" "example-$$"

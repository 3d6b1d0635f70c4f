#!/bin/bash
# Shared by the README's two commands: install what spacer needs to build
# and test on Debian 12 (as root), then build it into ./build.
#   tests/bootstrap.sh [--asan]    (--asan: AddressSanitizer build in ./build-asan)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential autoconf automake libtool pkg-config  # the build
  libyajl-dev libcap-dev libseccomp-dev libarchive-dev  # spacer's dependencies
  busybox-static                                        # test and example root filesystems
  bats jq iproute2 util-linux procps strace             # the test suite
  uidmap                                                # newuidmap/newgidmap: rootless maps of /etc/subuid ranges
  runc                                                  # `runc spec` bundles in the tests
  python3 umoci zstd xz-utils                           # images: built by tests/tools/mkimage.py, compared with umoci's
  groff-base                                            # install.bats renders the man pages
  python3-pytest                                        # tests/python, the Python package's tests
  # tests/engines: spacer under real engines (containerd brings ctr and
  # the runc v2 shim). Installing starts no daemon where policy-rc.d
  # forbids it; the tests start their own containerd either way.
  podman conmon containerd
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

build=build
configure_flags=()
if [ "${1:-}" = --asan ]; then
  build=build-asan
  configure_flags+=(--enable-asan)
fi
[ -x configure ] || autoreconf -fi >/dev/null
mkdir -p "$build"
[ -f "$build/Makefile" ] || (cd "$build" && ../configure -q "${configure_flags[@]}")
make -s -C "$build" -j"$(nproc)" all

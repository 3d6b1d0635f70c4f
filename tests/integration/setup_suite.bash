# Runs once per bats run: one busybox root filesystem, made the way images
# arrive (a tarball unpacked by `spacer unpack`), that every test copies.

setup_suite() {
  : "${SPACER:=$BATS_TEST_DIRNAME/../../build/spacer}"
  SPACER=$(realpath "$SPACER")
  export SPACER
  [ -x "$SPACER" ] || {
    echo "setup_suite: $SPACER is not built (run tests/bootstrap.sh)" >&2
    return 1
  }
  # Test programs built beside spacer (make -C BUILD check builds them).
  export RECVTTY=${RECVTTY:-$(dirname "$SPACER")/tests/tools/recvtty}
  export RECVPIDFD=${RECVPIDFD:-$(dirname "$SPACER")/tests/tools/recvpidfd}
  export IDMAP_PROBE=${IDMAP_PROBE:-$(dirname "$SPACER")/tests/tools/idmap-probe}
  export LIB_CREATE=${LIB_CREATE:-$(dirname "$SPACER")/tests/tools/lib-create}
  export FLIP_SYMLINK=${FLIP_SYMLINK:-$(dirname "$SPACER")/tests/tools/flip-symlink}
  export SPACER_TEST_ROOTFS="$BATS_SUITE_TMPDIR/rootfs"
  "$BATS_TEST_DIRNAME/../../bundles/make-rootfs.sh" "$SPACER" "$SPACER_TEST_ROOTFS" \
    "$BATS_SUITE_TMPDIR/rootfs.tar.gz"
}

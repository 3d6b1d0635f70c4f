# Runs once per bats run of tests/engines: the busybox image both engines
# import, a tarball of bundles/make-rootfs.sh's tree (Debian's busybox-static;
# no registry is needed or reached).

setup_suite() {
  : "${SPACER:=$BATS_TEST_DIRNAME/../../build/spacer}"
  SPACER=$(realpath "$SPACER")
  export SPACER
  [ -x "$SPACER" ] || {
    echo "setup_suite: $SPACER is not built (run tests/bootstrap.sh)" >&2
    return 1
  }
  export ENGINE_ROOTFS_TAR=$BATS_SUITE_TMPDIR/busybox.tar.gz
  "$BATS_TEST_DIRNAME/../../bundles/make-rootfs.sh" "$SPACER" "$BATS_SUITE_TMPDIR/rootfs" \
    "$ENGINE_ROOTFS_TAR" >/dev/null
  rm -rf "$BATS_SUITE_TMPDIR/rootfs"
}

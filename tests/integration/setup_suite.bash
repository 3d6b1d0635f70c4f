# Runs once per bats run: one busybox root filesystem, made the way images
# arrive (a tarball unpacked by `spacer unpack`), that every test copies,
# and the config.json every test's bundle starts from (setup_bundle).

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
  make_config_template "$BATS_SUITE_TMPDIR/config-template"
}

# make_config_template DIR: `spacer spec` edited as every test's bundle
# starts (running `true`, without a terminal, with SPACER_TEST_MARK=@MARK@
# in process.env) in DIR/config.json; its path in
# SPACER_TEST_CONFIG_TEMPLATE (see bundle_config in helpers.bash).
make_config_template() {
  mkdir -p "$1/spec"
  (cd "$1/spec" && "$SPACER" spec) || return 1
  jq '.process.terminal = false | .process.args = ["true"]
    | .process.env += ["SPACER_TEST_MARK=@MARK@"]' "$1/spec/config.json" >"$1/config.json" || return 1
  export SPACER_TEST_CONFIG_TEMPLATE=$1/config.json
}

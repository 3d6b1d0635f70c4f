#!/usr/bin/env bats
# The command line a newcomer and a runc user meet first: help for every
# command, --version, the global flags runc has, how errors are written,
# and a quiet build.

load helpers

bats_require_minimum_version 1.5.0

setup() {
  ROOT=$BATS_TEST_TMPDIR/state
}

# ---- the build ----

@test "build: archiving libspacer prints nothing but its progress line" {
  local build
  build=$(dirname "$SPACER")
  [ -f "$build/Makefile" ] || skip "$SPACER is not in a build directory"
  # -W: as if an object had changed, so the archive is made again.
  run make -C "$build" -s --no-print-directory -W src/lib/error.o libspacer.a
  assert_ok
  if grep -v '^ *AR ' <<<"$output" | grep -q .; then
    echo "make printed more than its progress line: $output" >&2
    return 1
  fi
}

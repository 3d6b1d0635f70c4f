#!/usr/bin/env bats
# libspacer as a program that embeds it sees it: installed by `make
# install`, found through pkg-config, built against the installed header
# and library only (examples/embed.c, the README's example), run; and only
# the public API exported.

load helpers

bats_require_minimum_version 1.5.0

build_dir() {
  dirname "$SPACER"
}

setup() {
  [ -f "$(build_dir)/Makefile" ] || skip "$(build_dir) is no build directory (no Makefile)"
  command -v cc >/dev/null || skip "no C compiler"
  DEST=$BATS_TEST_TMPDIR/dest
  ROOT=$BATS_TEST_TMPDIR/state
  # Only copied: the suite's build is up to date (install.bats checks it).
  build_make "$(build_dir)" install DESTDIR="$DEST" >/dev/null 2>&1
  PC_DIR=$(dirname "$(find "$DEST" -name spacer.pc)")
  LIB_DIR=$(dirname "$PC_DIR")
}

teardown() {
  teardown_containers
}

# pc ARGS...: pkg-config on the installed spacer.pc, its prefix the one it
# was installed under.
pc() {
  PKG_CONFIG_PATH=$PC_DIR pkg-config --define-prefix "$@" spacer
}

@test "library: installs libspacer.so.0, libspacer.a, spacer/spacer.h and spacer.pc only" {
  [ -f "$LIB_DIR/libspacer.a" ]
  [ "$(readlink "$LIB_DIR/libspacer.so.0")" = libspacer.so.0.0.0 ]
  [ -L "$LIB_DIR/libspacer.so" ]
  run --separate-stderr objdump -p "$LIB_DIR/libspacer.so.0"
  assert_ok
  grep -q 'SONAME *libspacer.so.0$' <<<"$output"
  # One header: the internal ones stay in the source tree.
  run find "$DEST" -name '*.h'
  [ "$output" = "$(dirname "$LIB_DIR")/include/spacer/spacer.h" ]
  cmp "$output" "$BATS_TEST_DIRNAME/../../include/spacer/spacer.h"
  run --separate-stderr pc --modversion
  assert_ok
  [ "$output" = "$("$SPACER" --version | sed -n 's/^spacer version //p')" ]
  run --separate-stderr pc --static --libs
  assert_ok
  for lib in -lspacer -lyajl -lcap -lseccomp -larchive; do
    grep -qe "$lib" <<<"$output" || {
      echo "pkg-config --static --libs lacks $lib: $output" >&2
      return 1
    }
  done
}

@test "library: libspacer.so exports spacer_* and nothing else" {
  local exported
  # Names without their version (spacer_start@@SPACER_0); the version
  # node itself is an absolute symbol (A).
  exported=$(nm -D --defined-only "$LIB_DIR/libspacer.so.0" \
    | awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }')
  [ -n "$exported" ]
  if grep -v '^spacer_' <<<"$exported"; then
    echo "exported beyond spacer_*" >&2
    return 1
  fi
  # Every function spacer.h declares, and no more.
  local declared
  declared=$(grep -o '^[a-z_ *]*\bspacer_[a-z_]* (' "$BATS_TEST_DIRNAME/../../include/spacer/spacer.h" \
    | grep -o 'spacer_[a-z_]*' | sort -u)
  diff <(echo "$declared") <(sort -u <<<"$exported")
  # The binary uses none of it: spacer links the library statically.
  run ldd "$SPACER"
  if grep -q libspacer <<<"$output"; then
    echo "spacer depends on libspacer.so: $output" >&2
    return 1
  fi
}

@test "library: examples/embed.c builds against the installed files and runs a container" {
  local exe=$BATS_TEST_TMPDIR/embed san=()
  # A sanitizer build's library needs the sanitizer's runtime loaded first,
  # as it is in a program built with -fsanitize: the example is built so
  # (its leaks, the library's among them, are then reported too).
  if ldd "$LIB_DIR/libspacer.so.0" | grep -q libasan; then
    san=(-fsanitize=address,undefined)
  fi
  # shellcheck disable=SC2046 # pkg-config's words are separate arguments
  cc -Wall -Werror "${san[@]}" -o "$exe" "$BATS_TEST_DIRNAME/../../examples/embed.c" \
    $(pc --cflags --libs) -Wl,-rpath,"$LIB_DIR"
  run ldd "$exe"
  grep -q "libspacer.so.0 => $LIB_DIR/libspacer.so.0" <<<"$output"
  # The installed spacer: bindir under DEST, not where the library was
  # told it would be.
  run --separate-stderr env SPACER_BINARY="$(find "$DEST" -path '*/bin/spacer')" \
    timeout -k 5 60 "$exe" "$SPACER_TEST_ROOTFS" "$ROOT"
  [ "$status" -eq 0 ] || echo "embed's stderr: $stderr" >&2
  assert_ok
  [ "$output" = "echo said: hello from the container
echo exited with 0" ]
  [ -z "$stderr" ]
  # It deleted its container.
  [ -z "$(spacer list -q)" ]
}

@test "library: make uninstall removes the library, the header and spacer.pc" {
  build_make "$(build_dir)" uninstall DESTDIR="$DEST" >/dev/null 2>&1
  run find "$DEST" -not -type d
  assert_ok
  [ -z "$output" ] || {
    echo "left after make uninstall: $output" >&2
    return 1
  }
}

@test "library: the README's C example is examples/embed.c" {
  local top=$BATS_TEST_DIRNAME/../..
  diff <(awk '/^<!-- examples\/embed.c/ { on = 1; next }
              on && /^```c$/ { inside = 1; next }
              inside && /^```$/ { exit }
              inside { print }' "$top/README.md") "$top/examples/embed.c"
}

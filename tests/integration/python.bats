#!/usr/bin/env bats
# The Python package (python/spacer): its pytest suite (tests/python) run
# against this build's library, spacer-idle and spacer, as one test of this
# suite (a failure prints pytest's report); and the package as `make
# install` puts it, run from the installed files only.

load helpers

bats_require_minimum_version 1.5.0

setup() {
  BUILD=$(dirname "$SPACER")
  TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
}

# The Python that has pytest: python3 on PATH, else Debian's (a python3
# from pyenv or a venv may lack python3-pytest).
find_python() {
  local p
  for p in python3 /usr/bin/python3; do
    if "$p" -c 'import pytest' 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

# asan_env LIB: ASAN_ENV, what python needs in its environment to load LIB
# when it is a sanitizer build's: the sanitizer's runtime loaded first, and
# no leak report (python's own allocations are not the library's leaks).
asan_env() {
  local asan
  ASAN_ENV=()
  asan=$(ldd "$1" | awk '/libasan/ { print $3 }')
  if [ -n "$asan" ]; then
    ASAN_ENV=(LD_PRELOAD="$asan" ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0")
  fi
}

# build_var NAME: the make variable NAME of the build tree, expanded.
build_var() {
  make -s --no-print-directory -C "$BUILD" -f Makefile -f - print-var <<<"print-var: ; @echo \$($1)"
}

@test "python: the spacer package's pytest suite passes (tests/python)" {
  local lib=$BUILD/.libs/libspacer.so.0 python
  python=$(find_python) || skip "no python3 with pytest (apt-get install python3-pytest)"
  [ -e "$lib" ] || skip "$lib not built"
  local -a env=(SPACER="$SPACER" SPACER_LIBRARY="$lib" SPACER_IDLE="$BUILD/spacer-idle"
    SPACER_BINARY="$SPACER" SPACER_TEST_ROOTFS="$SPACER_TEST_ROOTFS" PYTHONPATH="$TOP/python"
    PYTHONDONTWRITEBYTECODE=1)
  asan_env "$lib"
  run env "${env[@]}" "${ASAN_ENV[@]}" timeout -k 10 900 "$python" -m pytest -q -p no:cacheprovider \
    --basetemp="$BATS_TEST_TMPDIR/pytest" "$TOP/tests/python"
  if [ "$status" -ne 0 ]; then
    echo "$output"
    return 1
  fi
}

@test "python: the installed package runs the README's example from the installed files only" {
  local python dest=$BATS_TEST_TMPDIR/dest pythondir libdir pkglibexecdir bindir installed
  python=$(find_python) || skip "no python3 with pytest (apt-get install python3-pytest)"
  [ -f "$BUILD/Makefile" ] || skip "$BUILD is no build directory (no Makefile)"
  grep -q '^PYTHON = :$' "$BUILD/Makefile" && skip "configured without Python"
  build_make "$BUILD" install DESTDIR="$dest" >/dev/null 2>&1
  pythondir=$(build_var pythondir)
  libdir=$(build_var libdir)
  pkglibexecdir=$(build_var pkglibexecdir)
  bindir=$(build_var bindir)
  # The package knows where make install put the library and spacer-idle.
  installed=$dest$pythondir/spacer/_installed.py
  grep -qx "LIBDIR = \"$libdir\"" "$installed"
  grep -qx "PKGLIBEXECDIR = \"$pkglibexecdir\"" "$installed"
  grep -qx "BINDIR = \"$bindir\"" "$installed"
  # Below DESTDIR here: moved there, as a relocated install, the package
  # finds them without SPACER_LIBRARY and SPACER_IDLE. (The library's own
  # default binary is $(bindir)/spacer, outside DESTDIR: named.)
  sed -i "s|= \"/|= \"$dest/|" "$installed"
  ROOT=$BATS_TEST_TMPDIR/state
  cd "$BATS_TEST_TMPDIR"
  ln -s "$SPACER_TEST_ROOTFS" rootfs
  cat >example.py <<'PY'
import subprocess, spacer, sys
with spacer.Container(rootfs="rootfs", hostname="box", memory="64m", root=sys.argv[1]) as c:
    r = c.run(["/bin/sh", "-c", "hostname; echo hi"], stdout=subprocess.PIPE)
    p = c.Popen(["/bin/cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    out, _ = p.communicate(b"ping")
print(r.stdout.decode() + out.decode())
print(spacer.__file__)
print(spacer._lib.library_file)
print(spacer._find.idle_program())
PY
  asan_env "$dest$libdir/libspacer.so.0"
  run --separate-stderr env -u SPACER_LIBRARY -u SPACER_IDLE PYTHONPATH="$dest$pythondir" \
    SPACER_BINARY="$dest$bindir/spacer" "${ASAN_ENV[@]}" timeout -k 5 60 "$python" example.py "$ROOT"
  assert_ok
  [ "$output" = "box
hi
ping
$dest$pythondir/spacer/__init__.py
$(realpath "$dest$libdir/libspacer.so.0")
$dest$pkglibexecdir/spacer-idle" ]
  [ -z "$(spacer list -q)" ]
  build_make "$BUILD" uninstall DESTDIR="$dest" >/dev/null 2>&1
  run find "$dest" -not -type d
  [ -z "$output" ] || {
    echo "left after make uninstall: $output" >&2
    return 1
  }
}

#!/usr/bin/env bats
# spacer installed like a package: `make install` puts the binary, a man
# page per command (generated from the help's command table), the bash
# completion and libspacer (library.bats tests its use) in place, `make
# uninstall` takes them all away, the pages say what the help says, and
# the completion completes from it.

load helpers

bats_require_minimum_version 1.5.0

# The build tree spacer comes from, whose Makefile installs it.
build_dir() {
  dirname "$SPACER"
}

# The commands `spacer help` lists.
commands() {
  "$SPACER" help | sed -n '/^Commands:/,/^$/s/^  \([a-z]*\) .*/\1/p'
}

# The long flags `spacer help [CMD]` shows.
long_flags() {
  "$SPACER" help ${1:+"$1"} | grep -o -- ' --[a-z0-9-]*' | sed 's/^ //' | sort -u
}

setup_file() {
  [ -f "$(build_dir)/Makefile" ] || return 0
  # Once for the page and drift tests: an install after the suite's build
  # only copies (the pages are part of `make all`).
  build_make "$(build_dir)" install DESTDIR="$BATS_FILE_TMPDIR/dest" >/dev/null
}

setup() {
  ROOT=$BATS_TEST_TMPDIR/state
}

teardown() {
  teardown_containers
}

require_build_dir() {
  [ -f "$(build_dir)/Makefile" ] || skip "$(build_dir) is no build directory (no Makefile)"
}

require_groff() {
  command -v groff >/dev/null || skip "groff is not installed (Debian: groff-base)"
}

# The installed page of PAGE ("spacer" or "spacer-CMD").
page() {
  local f
  f=$(find "$BATS_FILE_TMPDIR/dest" -path "*/man8/$1.8")
  [ -n "$f" ] || {
    echo "$1.8 is not installed" >&2
    return 1
  }
  echo "$f"
}

# PAGE as plain text, the way man shows it.
render() {
  local f
  f=$(page "$1") && groff -man -Tascii -P-cbou "$f"
}

@test "install: make install puts the binary, every page and the completion in place; uninstall removes them" {
  require_build_dir
  local dest=$BATS_TEST_TMPDIR/dest cmd expected before
  before=$(stat -c %y "$SPACER")
  build_make "$(build_dir)" install DESTDIR="$dest" >/dev/null
  # Only copied: spacer relinked would have run under other tests.
  [ "$(stat -c %y "$SPACER")" = "$before" ] || {
    echo "make install rebuilt $SPACER: the build tree was out of date" >&2
    return 1
  }
  expected=$({
    echo bin/spacer
    echo man8/spacer.8
    for cmd in $(commands); do echo "man8/spacer-$cmd.8"; done
    echo completions/spacer
    # libspacer: the library (libtool's .la describes it for uninstall),
    # its one public header and its pkg-config file.
    echo lib/libspacer.a
    echo lib/libspacer.la
    echo lib/libspacer.so.0.0.0
    echo spacer/spacer.h
    echo pkgconfig/spacer.pc
    # The Python package, and the idle init it gives containers
    # (libexec/spacer/spacer-idle).
    for f in __init__ _find _installed _lib container errors process; do
      echo "spacer/$f.py"
    done
    echo spacer/spacer-idle
  } | sort)
  # Each installed file by its last directory and name, nothing else but
  # the package's byte code (its names carry the Python's version; make
  # uninstall must remove it too, below).
  run --separate-stderr bash -c "cd '$dest' && find . -type f | sed 's|.*/\([^/]*/[^/]*\)$|\1|' |
    grep -v '^__pycache__/' | sort"
  assert_ok
  if [ "$output" != "$expected" ]; then
    diff <(echo "$expected") <(echo "$output") >&2 || true
    return 1
  fi
  cmp "$(find "$dest" -path '*/bin/spacer')" "$SPACER"
  cmp "$(find "$dest" -path '*/completions/spacer')" "$BATS_TEST_DIRNAME/../../completion/spacer"

  build_make "$(build_dir)" uninstall DESTDIR="$dest" >/dev/null
  run find "$dest" -not -type d
  assert_ok
  [ -z "$output" ] || {
    echo "left after make uninstall: $output" >&2
    return 1
  }
}

@test "install: every man page renders without a warning" {
  require_build_dir
  require_groff
  local cmd f
  for cmd in "" $(commands); do
    f=$(page "spacer${cmd:+-$cmd}")
    run --separate-stderr groff -man -ww -z "$f"
    assert_ok
    [ -z "$stderr" ] || {
      echo "spacer${cmd:+-$cmd}.8: $stderr" >&2
      return 1
    }
  done
}

@test "install: each command's man page shows every flag of its help" {
  require_build_dir
  require_groff
  local cmd flag text missing=()
  for cmd in $(commands); do
    text=$(render "spacer-$cmd")
    grep -q "spacer-$cmd - " <<<"$text" || missing+=("spacer-$cmd.8: NAME")
    for flag in $(long_flags "$cmd"); do
      grep -qe "$flag" <<<"$text" || missing+=("spacer-$cmd.8: $flag")
    done
  done
  text=$(render spacer)
  for flag in $(long_flags); do
    grep -qe "$flag" <<<"$text" || missing+=("spacer.8: $flag")
  done
  for cmd in $(commands); do
    grep -q "spacer-$cmd(8)" <<<"$text" || missing+=("spacer.8: spacer-$cmd(8)")
  done
  [ ${#missing[@]} -eq 0 ] || {
    printf 'missing from the man pages: %s\n' "${missing[@]}" >&2
    return 1
  }
}

# complete WORD...: what the completion offers for `WORD...` with the
# cursor at the end of the last word, one per line.
complete_line() {
  bash -c 'source "$1" && shift && COMP_WORDS=("$@") && COMP_CWORD=$(($# - 1)) && _spacer &&
    printf "%s\n" "${COMPREPLY[@]}"' \
    complete "$BATS_TEST_DIRNAME/../../completion/spacer" "$@"
}

@test "completion: a command's name, and a command's flag" {
  run complete_line "$SPACER" cre
  assert_ok
  assert_output create
  run complete_line "$SPACER" run --bu
  assert_ok
  assert_output --bundle
  run complete_line "$SPACER" kill x SIGK
  assert_ok
  assert_output SIGKILL
}

@test "completion: checkpoint and restore, and the flags runtime-spec 1.3 and runc 1.2 brought" {
  run complete_line "$SPACER" checkp
  assert_ok
  assert_output checkpoint
  run complete_line "$SPACER" restore --lsm-p
  assert_ok
  assert_output --lsm-profile
  run complete_line "$SPACER" update --l3
  assert_ok
  assert_output --l3-cache-schema
  run complete_line "$SPACER" update --cpu-rt
  assert_ok
  assert_output $'--cpu-rt-period\n--cpu-rt-runtime'
  run complete_line "$SPACER" exec --pidfd
  assert_ok
  assert_output --pidfd-socket
}

@test "completion: kill offers the containers of the --root on the line" {
  setup_bundle
  create_container completion-target
  run complete_line "$SPACER" --root "$ROOT" kill ""
  assert_ok
  assert_output completion-target
  # Another state directory has other containers.
  mkdir "$BATS_TEST_TMPDIR/other"
  run complete_line "$SPACER" --root "$BATS_TEST_TMPDIR/other" kill ""
  assert_ok
  assert_output ""
}

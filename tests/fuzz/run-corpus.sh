#!/bin/sh
# Replays the committed fuzz corpora through the config loader (corpus/),
# the state.json loader (state-corpus/) and the archive extractor
# (archive-corpus/) (run by `make check` and tests/run-all.sh; no clang
# needed). Under --enable-asan this catches memory errors on every seed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$here/../..}
top_builddir=${top_builddir:-$top_srcdir}
"$top_builddir/tests/fuzz/fuzz-config-replay" "$top_srcdir/tests/fuzz/corpus"
"$top_builddir/tests/fuzz/fuzz-state-replay" "$top_srcdir/tests/fuzz/state-corpus"
"$top_builddir/tests/fuzz/fuzz-archive-replay" "$top_srcdir/tests/fuzz/archive-corpus"

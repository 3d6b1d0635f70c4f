#!/bin/sh
# Replays the committed fuzz corpus through the config loader (run by
# `make check`; no clang needed). Under --enable-asan this catches memory
# errors on every seed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$here/../..}
top_builddir=${top_builddir:-$top_srcdir}
exec "$top_builddir/tests/fuzz/fuzz-config-replay" "$top_srcdir/tests/fuzz/corpus"

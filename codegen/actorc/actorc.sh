#!/bin/sh
# `bazel run //codegen:actorc_cli -- check FILE...`: runs actorc with the
# system python3 (Bazel 4's py_binary stub needs a `python` Debian lacks).
# Relative FILE arguments are taken from the directory bazel run was called in.
set -e
here="${RUNFILES_DIR:-$0.runfiles}/myrmidon/codegen"
[ -d "$here" ] || here="$(cd "$(dirname "$0")/.." && pwd)"
if [ -n "$BUILD_WORKING_DIRECTORY" ]; then cd "$BUILD_WORKING_DIRECTORY"; fi
PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" exec /usr/bin/python3 -m actorc "$@"

"""Shared helpers for the actorc front-end tests (Bazel py_test or direct)."""

import contextlib
import io
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CODEGEN = os.path.dirname(os.path.dirname(HERE))
REPO = os.path.dirname(CODEGEN)
if CODEGEN not in sys.path:
    sys.path.insert(0, CODEGEN)

TESTDATA = os.path.join(HERE, "testdata")
EXAMPLES = os.path.join(REPO, "schemas", "examples")

# Regenerate goldens: ACTORC_UPDATE_GOLDENS=1 or `--update` on the command
# line, run from the source tree (python3 codegen/actorc/tests/X_test.py --update).
UPDATE = os.environ.get("ACTORC_UPDATE_GOLDENS") == "1"
if "--update" in sys.argv:
    sys.argv.remove("--update")
    UPDATE = True


@contextlib.contextmanager
def chdir(path):
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def run_cli(argv, cwd):
    """Runs actorc in-process; returns (exit code, stdout, stderr)."""
    from actorc import cli

    out, err = io.StringIO(), io.StringIO()
    with chdir(cwd):
        code = cli.main(argv, out, err)
    return code, out.getvalue(), err.getvalue()


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)

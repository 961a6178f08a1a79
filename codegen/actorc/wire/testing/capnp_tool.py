"""The system `capnp` for tests: Bazel's @tool_capnp in the runfiles, else
the one on PATH (tests run from the source tree)."""

import os
import shutil
import subprocess


def path() -> str:
    srcdir = os.environ.get("TEST_SRCDIR")
    if srcdir:
        for ws in ("tool_capnp", "myrmidon/external/tool_capnp"):
            p = os.path.join(srcdir, ws, "bin", "capnp")
            if os.path.exists(p):
                return p
    return shutil.which("capnp") or "/usr/bin/capnp"


def run(args, cwd=None, stdin=None) -> bytes:
    """Runs `capnp ARGS...`; returns its stdout (AssertionError with its
    stderr if it fails)."""
    env = dict(os.environ)
    env["PATH"] = env.get("PATH", "") + ":/usr/bin:/bin"  # capnpc-capnp plugin
    r = subprocess.run([path()] + list(args), cwd=cwd, env=env, input=stdin, capture_output=True)
    if r.returncode != 0:
        raise AssertionError("capnp %s failed: %s" % (" ".join(args), r.stderr.decode()))
    return r.stdout

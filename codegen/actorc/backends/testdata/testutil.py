"""Shared helpers for the backend tests (capnp, python; Bazel py_test or direct).

Run a test from the source tree with `--update` (or ACTORC_UPDATE_GOLDENS=1)
to rewrite its golden files: `python3 codegen/actorc/backends/python/python_backend_test.py --update`.
"""

import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BACKENDS = os.path.dirname(HERE)
CODEGEN = os.path.dirname(os.path.dirname(BACKENDS))
REPO = os.path.dirname(CODEGEN)
if CODEGEN not in sys.path:
    sys.path.insert(0, CODEGEN)

from actorc import model  # noqa: E402
from actorc.backends import Options, load_backend  # noqa: E402

UPDATE = os.environ.get("ACTORC_UPDATE_GOLDENS") == "1"
if "--update" in sys.argv:
    sys.argv.remove("--update")
    UPDATE = True

# Schemas the goldens cover, relative to the repository root.
BANK = "schemas/examples/bank.actor"
EXTRA = "codegen/actorc/backends/testdata/extra.actor"
VECTORS = os.path.join(HERE, "bank_vectors.json")


def load(rel):
    """The checked Program of `rel` (a path relative to the repo root)."""
    old = os.getcwd()
    os.chdir(REPO)
    try:
        program, sink, sources = model.load(rel)
    finally:
        os.chdir(old)
    if program is None:
        raise AssertionError("schema %s has errors:\n%s" % (rel, [d.message for d in sink.diagnostics]))
    return program


def generate(lang, rel):
    """{output name: text} for `rel` and every file it imports."""
    program = load(rel)
    out = {}
    backend = load_backend(lang)
    for mod in program.modules:
        out.update(backend.generate(program, mod, Options(source=mod.display)))
    return program, out


def check_goldens(test, golden_dir, outputs):
    """Compares outputs with golden_dir/<name> (rewrites them when UPDATE)."""
    for name, text in sorted(outputs.items()):
        path = os.path.join(golden_dir, name)
        if UPDATE:
            os.makedirs(golden_dir, exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            continue
        with open(path, encoding="utf-8") as f:
            want = f.read()
        test.assertEqual(want, text, "%s differs from its golden (run the test with --update)" % name)


def write_all(outputs, out_dir):
    for name, text in outputs.items():
        with open(os.path.join(out_dir, name), "w", encoding="utf-8") as f:
            f.write(text)


def capnp_tool():
    srcdir = os.environ.get("TEST_SRCDIR")
    if srcdir:
        for ws in ("tool_capnp", "myrmidon/external/tool_capnp"):
            p = os.path.join(srcdir, ws, "bin", "capnp")
            if os.path.exists(p):
                return p
    return shutil.which("capnp") or "/usr/bin/capnp"


def run_capnp(args, cwd, stdin=None):
    """Runs the system capnp; returns stdout (bytes)."""
    env = dict(os.environ)
    env["PATH"] = env.get("PATH", "") + ":/usr/bin:/bin"  # capnpc-capnp plugin
    r = subprocess.run([capnp_tool()] + args, cwd=cwd, env=env, input=stdin,
                       capture_output=True)
    if r.returncode != 0:
        raise AssertionError("capnp %s failed: %s" % (" ".join(args), r.stderr.decode()))
    return r.stdout


_STRUCT = re.compile(r"^( *)struct (\w+) @0x([0-9a-f]+) \{  # (\d+) bytes, (\d+) ptrs$")
_FIELD = re.compile(r"^ *(\w+) @(\d+) :(.+);  # (.*)$")


def parse_ocapnp(text):
    """`capnp compile -ocapnp` output -> {path: (id, bytes, ptrs, [(name, ordinal, comment)])}
    with nested structs as "Outer.Inner"."""
    out = {}
    stack = []  # (indent, path)
    for line in text.splitlines():
        m = _STRUCT.match(line)
        if m:
            indent = len(m.group(1))
            while stack and stack[-1][0] >= indent:
                stack.pop()
            path = ".".join([p for _, p in stack] + [m.group(2)])
            stack.append((indent, m.group(2)))
            out[path] = (int(m.group(3), 16), int(m.group(4)), int(m.group(5)), [])
            continue
        m = _FIELD.match(line)
        if m and stack:
            indent = len(line) - len(line.lstrip())
            while stack and stack[-1][0] >= indent:
                stack.pop()
            if stack:
                path = ".".join(p for _, p in stack)
                out[path][3].append((m.group(1), int(m.group(2)), m.group(4)))
    return out

"""actorc command line.

    actorc check   [-I DIR]... FILE...   check schemas; print diagnostics
    actorc dump-ir [-I DIR]... FILE      print the checked model as JSON
    actorc check-compat [-I DIR]... OLD NEW
                                         check that NEW is a compatible
                                         evolution of OLD (docs/idl.md,
                                         "Schema evolution"); breaking
                                         changes are errors, compatible
                                         ones worth knowing are notes.
                                         Also spelled --check-compat OLD NEW
    actorc generate --lang L [--lang L]... -o OUTDIR [-I DIR]... FILE
                                         write the generated code of FILE
                                         (not of its imports) for each
                                         backend L (capnp, cpp, python,
                                         node, or all) to OUTDIR, flat:
                                         OUTDIR/<stem>.<ext>; files whose
                                         content is unchanged are not
                                         rewritten

`--lang all` runs every backend of actorc.backends.BACKENDS that is
installed; naming an unknown or not-installed backend is a usage error.

Exit codes: 0 success (check-compat: compatible, notes may be printed);
1 the input has errors (diagnostics printed), an output file could not be
written, or (check-compat) NEW breaks compatibility with OLD;
2 usage error (bad command line); 3 internal error (a bug in actorc).
"""

import argparse
import importlib
import json
import os
import sys
from typing import List, Optional, TextIO

from . import compat, ir, model

# The backend names, known even where the backends package is not shipped
# (//codegen:actorc_cli has the front end only).
KNOWN_BACKENDS = ("capnp", "cpp", "python", "node")


def _backends():
    """The actorc.backends package, or None where it is not installed."""
    name = __package__ + ".backends"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as e:
        if e.name == name:
            return None
        raise


def _backend_names() -> List[str]:
    b = _backends()
    return list(b.BACKENDS) if b is not None else list(KNOWN_BACKENDS)

EXIT_OK = 0
EXIT_DIAGNOSTICS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class _UsageError(Exception):
    pass


class _ArgParser(argparse.ArgumentParser):
    """Raises instead of exiting, so main() decides output and exit code."""

    def error(self, message):
        raise _UsageError(message)


def _build_parser() -> argparse.ArgumentParser:
    p = _ArgParser(prog="actorc", description="The Myrmidon schema compiler (.actor IDL; see docs/idl.md).",
                   epilog="exit codes: 0 ok, 1 errors in the input, 2 usage error, 3 internal error",
                   formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_ArgParser)
    c = sub.add_parser("check", help="check .actor files and print diagnostics")
    c.add_argument("-I", dest="include", action="append", default=[], metavar="DIR",
                   help="search DIR for imports (after the importing file's directory)")
    c.add_argument("files", nargs="+", metavar="FILE")
    k = sub.add_parser("check-compat", help="check that NEW is a compatible evolution of OLD")
    k.add_argument("-I", dest="include", action="append", default=[], metavar="DIR",
                   help="search DIR for imports of both files (after the importing file's directory)")
    k.add_argument("old", metavar="OLD")
    k.add_argument("new", metavar="NEW")
    d = sub.add_parser("dump-ir", help="print the checked model of FILE (and its imports) as JSON")
    d.add_argument("-I", dest="include", action="append", default=[], metavar="DIR",
                   help="search DIR for imports (after the importing file's directory)")
    d.add_argument("file", metavar="FILE")
    g = sub.add_parser("generate", help="generate code for FILE with one or more backends")
    g.add_argument("--lang", dest="langs", action="append", required=True, metavar="L",
                   help="a backend: %s, or all (repeatable)" % ", ".join(_backend_names()))
    g.add_argument("-o", dest="out_dir", required=True, metavar="OUTDIR", help="output directory (created if missing)")
    g.add_argument("-I", dest="include", action="append", default=[], metavar="DIR",
                   help="search DIR for imports (after the importing file's directory)")
    g.add_argument("file", metavar="FILE")
    return p


def available_backends() -> List[str]:
    """The backends of BACKENDS that are installed (importable)."""
    return [b for b in _backend_names() if _import_backend(b) is not None]


def _import_backend(name: str):
    """The backend module, or None if its package does not exist (or is
    still being written: a folder without a `generate`)."""
    try:
        pkg = _backends()
        if pkg is None:
            return None
        mod = pkg.load_backend(name)
    except ModuleNotFoundError as e:
        if e.name in ("actorc.backends." + name, "actorc.backends"):
            return None
        raise
    return mod if callable(getattr(mod, "generate", None)) else None


def _resolve_langs(langs: List[str]) -> List[str]:
    out = []
    for lang in langs:
        if lang == "all":
            names = available_backends()
        elif lang not in _backend_names():
            raise _UsageError("--lang %s: unknown backend (choose from %s, all)"
                              % (lang, ", ".join(_backend_names())))
        elif _import_backend(lang) is None:
            raise _UsageError("--lang %s: backend not installed (installed: %s)"
                              % (lang, ", ".join(available_backends()) or "none"))
        else:
            names = [lang]
        out += [n for n in names if n not in out]
    if not out:
        raise _UsageError("--lang all: no backend is installed (bazel: use //codegen:actorc_tool)")
    return out


def generate(program: "ir.Program", langs: List[str], out_dir: str) -> List[str]:
    """Runs each backend on the program's root file and writes the outputs
    flat into out_dir; returns the paths actually written."""
    outputs = {}
    for lang in langs:
        backends = _backends()
        opts = backends.Options(source=program.root.display)
        for rel, text in _import_backend(lang).generate(program, program.root, opts).items():
            outputs[os.path.basename(rel)] = text
    return _backends().write_outputs(outputs, out_dir)


def render_diagnostics(sink, sources) -> str:
    """All diagnostics, grouped by file (first-seen order), by position."""
    order = {}
    for d in sink.diagnostics:
        order.setdefault(d.file, len(order))
    ds = sorted(sink.diagnostics, key=lambda d: (order[d.file], d.line, d.column))
    return "".join(d.render(sources) + "\n" for d in ds)


def ir_json(program: "ir.Program") -> str:
    doc = {"actorc_ir": 1, "root": program.root.display,
           "modules": [m.to_json() for m in program.modules]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _check_compat(args, stderr: TextIO) -> int:
    result = compat.check(args.old, args.new, args.include)
    if result.sink.diagnostics:
        stderr.write(render_diagnostics(result.sink, result.sources))
    if not result.loaded:
        return EXIT_DIAGNOSTICS
    if result.breaking:
        stderr.write("actorc: %s breaks compatibility with %s: %d incompatible change%s\n"
                     % (args.new, args.old, result.breaking, "" if result.breaking == 1 else "s"))
        return EXIT_DIAGNOSTICS
    return EXIT_OK


def _run(argv: List[str], stdout: TextIO, stderr: TextIO) -> int:
    # The spelling `actorc --check-compat OLD NEW` (anywhere on the
    # line) is the command check-compat.
    if "--check-compat" in argv:
        argv = ["check-compat"] + [a for a in argv if a != "--check-compat"]
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except _UsageError as e:
        stderr.write(parser.format_usage())
        stderr.write("actorc: error: %s\n" % e)
        return EXIT_USAGE
    except SystemExit as e:  # --help
        return EXIT_OK if not e.code else EXIT_USAGE
    if args.command is None:
        stderr.write(parser.format_usage())
        stderr.write("actorc: error: a COMMAND is required (check, check-compat, dump-ir, generate)\n")
        return EXIT_USAGE
    langs = []
    if args.command == "generate":
        try:
            langs = _resolve_langs(args.langs)
        except _UsageError as e:
            stderr.write("actorc: error: %s\n" % e)
            return EXIT_USAGE
    for d in args.include:
        if not os.path.isdir(d):
            stderr.write("actorc: error: -I %s: not a directory\n" % d)
            return EXIT_USAGE
    if args.command == "check-compat":
        return _check_compat(args, stderr)
    files = args.files if args.command == "check" else [args.file]
    status = EXIT_OK
    for f in files:
        program, sink, sources = model.load(f, args.include)
        if sink.diagnostics:
            stderr.write(render_diagnostics(sink, sources))
        if program is None:
            status = EXIT_DIAGNOSTICS
            continue
        if args.command == "dump-ir":
            stdout.write(ir_json(program))
        elif args.command == "generate":
            try:
                generate(program, langs, args.out_dir)
            except OSError as e:
                stderr.write("actorc: error: cannot write to '%s': %s\n" % (args.out_dir, e.strerror or e))
                return EXIT_DIAGNOSTICS
    return status


def main(argv: Optional[List[str]] = None, stdout: TextIO = None, stderr: TextIO = None) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    # `bazel run //codegen:actorc_tool -- ...`: paths are relative to where
    # bazel run was called, not to the runfiles tree.
    if os.environ.get("BUILD_WORKING_DIRECTORY") and not os.environ.get("TEST_SRCDIR"):
        os.chdir(os.environ["BUILD_WORKING_DIRECTORY"])
    try:
        return _run(argv, stdout, stderr)
    except Exception as e:  # never a traceback for the user
        if os.environ.get("ACTORC_DEBUG"):
            raise
        msg = str(e).splitlines()[0] if str(e) else ""
        stderr.write("actorc: internal error: %s%s (set ACTORC_DEBUG=1 for a traceback)\n"
                     % (type(e).__name__, ": " + msg if msg else ""))
        return EXIT_INTERNAL

"""actorc command line.

    actorc check   [-I DIR]... FILE...   check schemas; print diagnostics
    actorc dump-ir [-I DIR]... FILE      print the checked model as JSON

Exit codes: 0 success; 1 the input has errors (diagnostics printed);
2 usage error (bad command line); 3 internal error (a bug in actorc).
"""

import argparse
import json
import os
import sys
from typing import List, Optional, TextIO

from . import model

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
    d = sub.add_parser("dump-ir", help="print the checked model of FILE (and its imports) as JSON")
    d.add_argument("-I", dest="include", action="append", default=[], metavar="DIR",
                   help="search DIR for imports (after the importing file's directory)")
    d.add_argument("file", metavar="FILE")
    return p


def render_diagnostics(sink, sources) -> str:
    """All diagnostics, grouped by file (first-seen order), by position."""
    order = {}
    for d in sink.diagnostics:
        order.setdefault(d.file, len(order))
    ds = sorted(sink.diagnostics, key=lambda d: (order[d.file], d.line, d.column))
    return "".join(d.render(sources) + "\n" for d in ds)


def ir_json(program: "model.Program") -> str:
    doc = {"actorc_ir": 1, "root": program.root.display,
           "modules": [m.to_json() for m in program.modules]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _run(argv: List[str], stdout: TextIO, stderr: TextIO) -> int:
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
        stderr.write("actorc: error: a COMMAND is required (check, dump-ir)\n")
        return EXIT_USAGE
    for d in args.include:
        if not os.path.isdir(d):
            stderr.write("actorc: error: -I %s: not a directory\n" % d)
            return EXIT_USAGE
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
    return status


def main(argv: Optional[List[str]] = None, stdout: TextIO = None, stderr: TextIO = None) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return _run(argv, stdout, stderr)
    except Exception as e:  # never a traceback for the user
        if os.environ.get("ACTORC_DEBUG"):
            raise
        msg = str(e).splitlines()[0] if str(e) else ""
        stderr.write("actorc: internal error: %s%s (set ACTORC_DEBUG=1 for a traceback)\n"
                     % (type(e).__name__, ": " + msg if msg else ""))
        return EXIT_INTERNAL

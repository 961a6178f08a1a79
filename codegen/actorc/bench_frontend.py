"""Front-end speed benchmark: a generated schema with N methods (default
1,000) plus structs and enums; times lexer, parser and model (median of 5).

    bazel run //codegen:bench_frontend [-- --methods 1000 --runs 5]
"""

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from actorc import lexer, model, parser  # noqa: E402
from actorc.diagnostics import DiagnosticSink  # noqa: E402


def generate(methods: int, per_actor: int = 100) -> str:
    out = ["/// Generated benchmark schema.", "package bench;", ""]
    structs = max(1, methods // 10)
    out.append("enum Level {\n  low @0;\n  mid @1;\n  high @2;\n}\n")
    for s in range(structs):
        out.append("/// Record %d." % s)
        out.append("struct Record%d {" % s)
        out.append("  id @0 : uint64;")
        out.append("  name @1 : string;")
        out.append("  tags @2 : list<string>;")
        out.append("  attrs @3 : map<string, bytes>;")
        out.append("  level @4 : Level;")
        out.append("  next @5 : Record%d?;" % ((s + 1) % structs))
        out.append("  at @6 : timestamp;")
        out.append("}\n")
    m = 0
    a = 0
    while m < methods:
        out.append("[mailbox = bounded(1024, drop_new), timeout = 5s]")
        out.append("actor Service%d {" % a)
        for i in range(min(per_actor, methods - m)):
            rec = "Record%d" % ((m + i) % structs)
            kind = i % 3
            out.append("  /// Method %d." % i)
            if kind == 0:
                out.append("  [readonly, timeout = 250ms]")
                out.append("  call get%d @%d (id: uint64, filter: string?) -> (value: %s, found: bool);" % (i, i, rec))
            elif kind == 1:
                out.append("  cast put%d @%d (value: %s, tags: list<string>);" % (i, i, rec))
            else:
                out.append("  stream watch%d @%d (since: timestamp) -> (%s);" % (i, i, rec))
        out.append("}\n")
        m += per_actor
        a += 1
    return "\n".join(out) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--methods", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    text = generate(args.methods)
    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, "bench.actor")
    with open(path, "w") as f:
        f.write(text)

    lex, parse, full = [], [], []
    for _ in range(args.runs):
        gc.collect()
        t0 = time.perf_counter()
        toks = lexer.tokenize(text, "bench.actor", DiagnosticSink())
        t1 = time.perf_counter()
        parser.Parser(toks, "bench.actor", DiagnosticSink()).parse_file()
        gc.collect()
        t2 = time.perf_counter()
        program, sink, _ = model.load(path)
        t3 = time.perf_counter()
        assert program is not None, sink.diagnostics[:3]
        lex.append(t1 - t0)
        parse.append(t2 - t1)
        full.append(t3 - t2)
    n_methods = sum(len(a.methods) for a in program.root.actors)
    print("actorc front end: %d methods, %d structs (%d derived), %d lines, %d tokens"
          % (n_methods, len(program.root.structs), len(program.root.all_structs()) - len(program.root.structs),
             text.count("\n"), len(toks)))
    print("%-34s %12s" % ("stage (median of %d)" % args.runs, "ms"))
    print("%-34s %12.1f" % ("lexer", statistics.median(lex) * 1000))
    print("%-34s %12.1f" % ("parser (tokens -> syntax tree)", statistics.median(parse) * 1000))
    print("%-34s %12.1f" % ("load = read+lex+parse+check (IR)", statistics.median(full) * 1000))
    return 0


if __name__ == "__main__":
    sys.exit(main())

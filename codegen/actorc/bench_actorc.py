"""actorc speed benchmark: compiles a generated N-method schema (default
1,000; the schema of bench_frontend.generate: 100 methods per actor, one
struct per 10 methods) with every backend and prints a table of medians.

    python3 codegen/actorc/bench_actorc.py [--methods 1000] [--runs 5] [--profile STAGE]

Stages (each the median of --runs runs, in one process, after one warm-up
run so that imports and template compilation are not counted, except in
the last two rows):
  front end         model.load: read + lex + parse + check (the IR)
  <lang>            backend.generate(program, root, options), per backend
  generate all      cli.main(["generate", "--lang", "all", "-o", TMP, FILE])
                    in-process: load + every backend + writing the files
                    to a fresh temporary directory
  cold, in-process  the same in a fresh `python3 -c` that imports actorc
                    (timed inside that interpreter: imports, Jinja2
                    environments and template compilation included)
  subprocess        wall time of `python3 -m actorc generate --lang all
                    -o TMP FILE` (interpreter start-up included)

--profile STAGE prints the 25 most expensive functions (cProfile,
cumulative) of one stage (front, capnp, cpp, python, node, all) instead.
"""

import argparse
import cProfile
import gc
import io
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

_CODEGEN = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if __package__ in (None, ""):
    sys.path.insert(0, _CODEGEN)

from actorc import bench_frontend, cli, model  # noqa: E402
from actorc import backends  # noqa: E402


def _median_ms(fn, runs):
    times = []
    for _ in range(runs):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000, min(times) * 1000


def _cold_in_process(path, runs):
    code = ("import sys, time, tempfile; t0 = time.perf_counter(); sys.path.insert(0, %r)\n"
            "from actorc import cli\n"
            "d = tempfile.mkdtemp(); rc = cli.main(['generate', '--lang', 'all', '-o', d, %r])\n"
            "print(time.perf_counter() - t0); sys.exit(rc)\n") % (_CODEGEN, path)
    times = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
        times.append(float(out.split()[-1]))
    return statistics.median(times) * 1000, min(times) * 1000


def _subprocess(path, tmp, runs):
    env = dict(os.environ, PYTHONPATH=_CODEGEN)
    times = []
    for i in range(runs):
        out = os.path.join(tmp, "sub%d" % i)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "actorc", "generate", "--lang", "all", "-o", out, path],
                       check=True, env=env, cwd=tmp)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000, min(times) * 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--methods", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--profile", metavar="STAGE", help="front, capnp, cpp, python, node or all")
    args = ap.parse_args()
    os.environ.pop("BUILD_WORKING_DIRECTORY", None)  # cli.main must not chdir under bazel run
    text = bench_frontend.generate(args.methods)
    tmp = tempfile.mkdtemp(prefix="bench_actorc.")
    try:
        path = os.path.join(tmp, "bench.actor")
        with open(path, "w") as f:
            f.write(text)
        program, sink, _ = model.load(path)
        assert program is not None, [d.message for d in sink.diagnostics[:3]]
        langs = cli.available_backends()
        opts = backends.Options(source="bench.actor")
        counter = [0]

        def gen_all():
            counter[0] += 1
            out = os.path.join(tmp, "all%d" % counter[0])
            rc = cli.main(["generate", "--lang", "all", "-o", out, path])
            assert rc == 0, rc

        stages = [("front end (load -> IR)", "front", lambda: model.load(path))]
        sizes = {}
        for lang in langs:
            mod = backends.load_backend(lang)
            outputs = mod.generate(program, program.root, opts)  # warm-up
            sizes[lang] = sum(len(v) for v in outputs.values())
            stages.append(("backend %s" % lang, lang,
                           lambda mod=mod: mod.generate(program, program.root, opts)))
        stages.append(("generate --lang all (in-process)", "all", gen_all))
        gen_all()  # warm-up

        if args.profile:
            fn = {key: fn for _, key, fn in stages}.get(args.profile)
            if fn is None:
                ap.error("--profile: one of %s" % ", ".join(k for _, k, _ in stages))
            prof = cProfile.Profile()
            prof.enable()
            fn()
            prof.disable()
            s = io.StringIO()
            pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(25)
            print(s.getvalue())
            return 0

        n_methods = sum(len(a.methods) for a in program.root.actors)
        print("actorc: %d methods in %d actors, %d structs (+%d derived), %d lines; python %s; %d runs each"
              % (n_methods, len(program.root.actors), len(program.root.structs),
                 len(program.root.all_structs()) - len(program.root.structs), text.count("\n"),
                 sys.version.split()[0], args.runs))
        print("%-36s %10s %10s %12s" % ("stage", "median ms", "min ms", "output B"))
        for label, key, fn in stages:
            med, lo = _median_ms(fn, args.runs)
            size = "%12d" % sizes[key] if key in sizes else ""
            print("%-36s %10.1f %10.1f %s" % (label, med, lo, size))
        med, lo = _cold_in_process(path, args.runs)
        print("%-36s %10.1f %10.1f" % ("generate --lang all (cold, in-proc)", med, lo))
        med, lo = _subprocess(path, tmp, args.runs)
        print("%-36s %10.1f %10.1f" % ("python3 -m actorc generate (wall)", med, lo))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

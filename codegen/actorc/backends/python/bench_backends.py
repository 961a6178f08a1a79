"""Times the capnp and python backends on a synthetic N-method schema.

    python3 codegen/actorc/backends/python/bench_backends.py [--methods 1000] [--runs 5]

The schema comes from actorc.bench_frontend.generate (the front end's own
benchmark); the front end's time is excluded (the model is loaded once).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))

from actorc import bench_frontend, model  # noqa: E402
from actorc.backends import Options, load_backend  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--methods", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    text = bench_frontend.generate(args.methods)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "bench.actor")
        with open(path, "w") as f:
            f.write(text)
        program, sink, _ = model.load(path)
        assert program is not None, [x.message for x in sink.diagnostics]
        for lang in ("capnp", "python"):
            backend = load_backend(lang)
            times = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                out = backend.generate(program, program.root, Options(source="bench.actor"))
                times.append(time.perf_counter() - t0)
            size = sum(len(v) for v in out.values())
            print("%-7s %d methods: median %.3f s (min %.3f) over %d runs, %d bytes of output"
                  % (lang, args.methods, statistics.median(times), min(times), args.runs, size))
    return 0


if __name__ == "__main__":
    sys.exit(main())

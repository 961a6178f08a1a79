#!/usr/bin/env python3
"""Instructions and atomic read-modify-writes per unit of work, counted.

usage: tests/bench/hop_cost.py [--workloads pingpong,threadring,...]
                               [--savina PATH ...] [--workers N]

Wall-clock rates on a shared 2-core VM spread by +-40 %; instruction counts
do not. For each savina binary (default: the current tree's, built with
`bazel build --config=opt`; several --savina give one column each, e.g. a
baseline) and each workload this runs the binary under
`valgrind --tool=callgrind --dump-instr=yes` at two scales and divides the
difference by the difference of the unit counts, so start-up and shutdown
cancel out. It prints, per hop / message / actor:

- instructions executed (all code: the runtime, libc, libstdc++);
- atomic read-modify-writes executed: x86 instructions with a `lock` prefix
  and `xchg` with a memory operand (implicitly locked), found by
  disassembling every object callgrind saw (objdump) and summing callgrind's
  per-instruction counts at those addresses. Plain atomic loads and stores
  are ordinary moves on x86 and are not counted; they cost no more than any
  other access.

With --workers=1 (the default) the counts are the same from run to run.
Python 3 standard library, valgrind and binutils' objdump.
"""

import argparse
import functools
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peers import MYR_TARGET, Unavailable, bazel_bin, bazel_build  # noqa: E402

# (unit name, the unit count at scale 1): the counts the workloads perform
# (tests/bench/README.md).
UNITS = {
    "pingpong": ("message", 2_000_000),
    "threadring": ("hop", 10_000_000),
    "counting": ("message", 10_000_000),
    "fanin": ("message", 10_000_000),
    "spawn": ("actor", 1_000_000),
}
SCALES = (0.02, 0.06)

ATOMIC_RE = re.compile(r"^\s*([0-9a-f]+):\s+(lock\b.*|xchg\s+.*\(.*)$")


@functools.lru_cache(maxsize=None)
def atomic_addresses(obj):
    """The addresses (as callgrind gives them: object-relative for PIE and
    shared objects) of the atomic RMW instructions in one ELF object."""
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", obj], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True).stdout
    return frozenset(int(m.group(1), 16) for m in map(ATOMIC_RE.match, out.splitlines()) if m)


def count(cmd):
    """Runs `cmd` under callgrind; returns (instructions, atomic RMWs)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "cg.out")
        proc = subprocess.run(
            ["valgrind", "--tool=callgrind", "--dump-instr=yes", "--compress-pos=no",
             "--compress-strings=no", "--callgrind-out-file=" + out] + cmd,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            raise RuntimeError("%s failed under callgrind:\n%s" % (cmd, proc.stderr[-2000:]))
        total = atomics = 0
        obj, skip = None, False
        with open(out) as f:
            for line in f:
                if line.startswith("ob="):
                    obj = line[3:].strip()
                elif line.startswith("calls="):
                    skip = True  # the next line is the call's inclusive cost
                elif line.startswith("0x"):
                    if skip:
                        skip = False
                        continue
                    parts = line.split()
                    ir = int(parts[-1])
                    total += ir
                    if obj and int(parts[0], 16) in atomic_addresses(obj):
                        atomics += ir
        return total, atomics


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workloads", default="pingpong,threadring,counting,spawn")
    ap.add_argument("--savina", action="append", metavar="PATH",
                    help="a savina binary (repeatable); default: build the current tree's")
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    if not args.savina:
        try:
            bazel_build(MYR_TARGET)
        except Unavailable as e:
            sys.exit("hop_cost: %s" % e)
        args.savina = [str(bazel_bin() / "tests" / "bench" / "myrmidon" / "savina")]
    workloads = [w for w in args.workloads.split(",") if w]
    for w in workloads:
        if w not in UNITS:
            ap.error("unknown workload %r (one of %s)" % (w, ",".join(UNITS)))
    header = ["workload", "per"]
    for exe in args.savina:
        header += ["instructions (%s)" % Path(exe).name, "atomic RMWs (%s)" % Path(exe).name]
    rows = []
    for w in workloads:
        unit, n = UNITS[w]
        row = [w, unit]
        for exe in args.savina:
            lo, hi = (count([exe, w, "--workers=%d" % args.workers, "--scale=%g" % s])
                      for s in SCALES)
            units = n * (SCALES[1] - SCALES[0])
            row += ["%.0f" % ((hi[0] - lo[0]) / units), "%.2f" % ((hi[1] - lo[1]) / units)]
            print("hop_cost: %s %s done" % (w, exe), file=sys.stderr, flush=True)
        rows.append(row)
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    for r in [header, ["-" * x for x in widths]] + rows:
        print(" | ".join(c.ljust(widths[i]) if i < 2 else c.rjust(widths[i])
                         for i, c in enumerate(r)))
    print("callgrind, %d worker(s): the difference of scales %g and %g per unit of work."
          % (args.workers, SCALES[0], SCALES[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

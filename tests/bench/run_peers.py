#!/usr/bin/env python3
"""Run the Savina-style workloads on Myrmidon, CAF and Erlang side by side.

usage: tests/bench/run_peers.py [--runs N] [--workloads a,b,...] [--scale F]
                                [--runtimes myrmidon,caf,erlang] [--json OUT]
                                [--baseline-rev REV | --baseline SAVINA]

Builds what it needs (`bazel build --config=opt` for the two C++ targets,
`erlc` for the Erlang module into .bench/erlang), runs every workload on every
runtime N times as separate processes, takes the median, and prints a table
whose ratio columns are oriented so that > 1 means Myrmidon is better.
A runtime that cannot be built or run shows "n/a" (the reason goes to
stderr); the others carry on. With --baseline-rev (or --baseline) Myrmidon
at another revision runs interleaved with the current one, as one more
column with its own ratio: a before/after comparison in one run on one
machine. See tests/bench/README.md.

Python 3 standard library only; works from any current directory.
"""

import argparse
import json
import math
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "tests" / "bench"
OUT_DIR = REPO / ".bench"  # git-ignored

WORKLOADS = {
    # name: (unit, higher is better)
    "pingpong": ("msgs/s", True),
    "threadring": ("hops/s", True),
    "counting": ("msgs/s", True),
    "fanin": ("msgs/s", True),
    "spawn": ("ns/actor", False),
    "idle_memory": ("bytes/actor", False),
}
RUNTIMES = ["myrmidon", "caf", "erlang"]
TITLES = {"myrmidon": "Myrmidon", "caf": "CAF", "erlang": "Erlang",
          "baseline": "Myrmidon (baseline)"}

MYR_TARGET = "//tests/bench/myrmidon:savina"
CAF_TARGET = "//tests/bench/caf:savina_caf"

# CAF's scheduler settings to try for each workload; the runner keeps the
# setting with the best median ("best of its scheduler settings"). The lists
# come from a sweep of policy {stealing, sharing} x max-threads {1, 2, 4} on a
# 2-core machine (README.md, "CAF scheduler settings"). Settings that lose
# everywhere were dropped to keep a full run short; --caf-sweep tries them all.
CAF_CANDIDATES = {
    "pingpong": [["--policy=stealing", "--threads=1"],
                 ["--policy=stealing", "--threads=2"]],
    "threadring": [["--policy=stealing", "--threads=1"],
                   ["--policy=stealing", "--threads=2"]],
    "counting": [["--policy=sharing", "--threads=2"],
                 ["--policy=sharing", "--threads=4"]],
    "fanin": [["--policy=sharing", "--threads=4"],
              ["--policy=stealing", "--threads=4"]],
    "spawn": [["--policy=sharing", "--threads=1"],
              ["--policy=sharing", "--threads=4"]],
    "idle_memory": [["--policy=stealing", "--threads=2"]],
}
CAF_SWEEP = [["--policy=%s" % p, "--threads=%d" % t]
             for p in ("stealing", "sharing") for t in (1, 2, 4)]
# Work stealing with several workers makes CAF 0.17's spawn quadratic (a
# million children on one worker's queue, and each steal walks that queue):
# such a run takes many minutes, so the sweep leaves it out.
CAF_SWEEP_SKIP = {"spawn": [["--policy=stealing", "--threads=2"],
                            ["--policy=stealing", "--threads=4"]]}

# Enough process slots for 1M processes plus the runtime's own.
ERL_FLAGS = ["+P", "4194304"]

RESULT_RE = re.compile(
    r"^RESULT workload=(?P<workload>\S+) runtime=(?P<runtime>\S+) "
    r"value=(?P<value>\S+) unit=(?P<unit>\S+)\s*$")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class Unavailable(Exception):
    """A runtime cannot be benchmarked (not built, tool missing, ...)."""


# --------------------------------------------------------------------------
# Building.

def bazel_bin():
    """The opt output directory; asks Bazel rather than trusting the
    bazel-bin symlink, which another build with other flags may repoint."""
    try:
        out = subprocess.run(
            ["bazel", "info", "--config=opt", "bazel-bin"], cwd=REPO,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            check=True, timeout=600).stdout.strip()
        if out:
            return Path(out)
    except (OSError, subprocess.SubprocessError) as e:
        log("run_peers: `bazel info bazel-bin` failed (%s); using bazel-bin/" % e)
    return REPO / "bazel-bin"


def bazel_build(target):
    if shutil.which("bazel") is None:
        raise Unavailable("bazel is not on PATH")
    log("run_peers: bazel build --config=opt %s" % target)
    proc = subprocess.run(
        ["bazel", "build", "--config=opt", target], cwd=REPO,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        tail = "\n".join(proc.stdout.strip().splitlines()[-15:])
        raise Unavailable("bazel build %s failed (exit %d):\n%s"
                          % (target, proc.returncode, tail))


def prepare_myrmidon():
    pkg = BENCH / "myrmidon"
    if not ((pkg / "BUILD.bazel").exists() or (pkg / "BUILD").exists()):
        raise Unavailable("%s does not exist yet" % MYR_TARGET)
    bazel_build(MYR_TARGET)
    exe = bazel_bin() / "tests" / "bench" / "myrmidon" / "savina"
    if not os.access(exe, os.X_OK):
        raise Unavailable("%s was built but %s is missing" % (MYR_TARGET, exe))
    return lambda workload, scale, extra: [str(exe), workload] + scale_args(scale) + extra


def prepare_caf():
    bazel_build(CAF_TARGET)
    exe = bazel_bin() / "tests" / "bench" / "caf" / "savina_caf"
    if not os.access(exe, os.X_OK):
        raise Unavailable("%s was built but %s is missing" % (CAF_TARGET, exe))
    return lambda workload, scale, extra: [str(exe), workload] + scale_args(scale) + extra


def prepare_erlang():
    erl, erlc = shutil.which("erl"), shutil.which("erlc")
    if erl is None or erlc is None:
        raise Unavailable("erl/erlc not found (Debian package erlang-base)")
    out = OUT_DIR / "erlang"
    out.mkdir(parents=True, exist_ok=True)
    src = BENCH / "erlang" / "savina.erl"
    log("run_peers: erlc -o %s %s" % (out, src.relative_to(REPO)))
    proc = subprocess.run([erlc, "-o", str(out), str(src)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    if proc.returncode != 0:
        raise Unavailable("erlc failed:\n%s" % proc.stdout.strip())
    return lambda workload, scale, extra: (
        [erl] + ERL_FLAGS + ["-noshell", "-noinput", "-pa", str(out),
                             "-s", "savina", "main", "-extra", workload]
        + scale_args(scale) + extra)


def build_baseline(rev):
    """Builds the Myrmidon workloads at git revision `rev` in a worktree
    under .bench/ (its own Bazel output tree); returns the binary."""
    try:
        sha = subprocess.run(["git", "rev-parse", "--verify", rev + "^{commit}"], cwd=REPO,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as e:
        raise Unavailable("baseline: %r is not a revision of this repository (%s)" % (rev, e))
    tree = OUT_DIR / ("baseline-" + sha[:12])
    if not tree.exists():
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        log("run_peers: git worktree add %s %s" % (tree, sha[:12]))
        proc = subprocess.run(["git", "worktree", "add", "--detach", str(tree), sha], cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if proc.returncode != 0:
            raise Unavailable("baseline: git worktree add failed:\n%s" % proc.stdout.strip())
    log("run_peers: bazel build --config=opt %s (baseline %s)" % (MYR_TARGET, sha[:12]))
    proc = subprocess.run(["bazel", "build", "--config=opt", MYR_TARGET], cwd=tree,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        tail = "\n".join(proc.stdout.strip().splitlines()[-15:])
        raise Unavailable("baseline: bazel build at %s failed:\n%s" % (sha[:12], tail))
    out = subprocess.run(["bazel", "info", "--config=opt", "bazel-bin"], cwd=tree,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True).stdout.strip()
    return Path(out) / "tests" / "bench" / "myrmidon" / "savina"


def prepare_baseline(args):
    exe = Path(args.baseline) if args.baseline else build_baseline(args.baseline_rev)
    if not os.access(exe, os.X_OK):
        raise Unavailable("baseline: %s is not an executable" % exe)
    return lambda workload, scale, extra: [str(exe), workload] + scale_args(scale) + extra


PREPARE = {"myrmidon": prepare_myrmidon, "caf": prepare_caf,
           "erlang": prepare_erlang}


def scale_args(scale):
    return [] if scale == 1.0 else ["--scale=%g" % scale]


# --------------------------------------------------------------------------
# Running.

def cpu_busy_fraction(interval=1.0):
    """Share of all CPUs that was busy during the last `interval` seconds."""
    def sample():
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
        return sum(fields), idle
    try:
        t0, i0 = sample()
        time.sleep(interval)
        t1, i1 = sample()
    except (OSError, ValueError, IndexError):
        return 0.0
    return 1.0 - (i1 - i0) / max(1, t1 - t0)


def wait_until_idle(max_wait, threshold=0.10):
    """Waits (up to `max_wait` s) until other processes leave the CPUs idle."""
    deadline = time.monotonic() + max_wait
    busy = cpu_busy_fraction()
    warned = False
    while busy > threshold and time.monotonic() < deadline:
        if not warned:
            log("  (waiting for idle CPUs: %.0f%% busy)" % (100 * busy))
            warned = True
        busy = cpu_busy_fraction()
    return busy


def kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate()


def run_once(cmd, workload, runtime, timeout):
    """Runs one process; returns (value, None) or (None, reason)."""
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
    except OSError as e:
        return None, "cannot start %s: %s" % (cmd[0], e)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        return None, "timed out after %d s" % timeout
    except BaseException:  # Ctrl-C, SIGTERM: take the benchmark down too.
        kill_group(proc)
        raise
    err_tail = "\n    ".join(err.strip().splitlines()[-6:])
    if proc.returncode != 0:
        return None, "exit status %d; stderr:\n    %s" % (proc.returncode, err_tail)
    lines = [ln for ln in out.splitlines() if ln.strip()]
    matches = [RESULT_RE.match(ln) for ln in lines]
    if len(lines) != 1 or matches[0] is None:
        return None, "expected one RESULT line on stdout, got %r" % out[-500:]
    m = matches[0]
    unit = WORKLOADS[workload][0]
    if runtime == "baseline":
        runtime = "myrmidon"  # the same program at another revision
    if m["workload"] != workload or m["runtime"] != runtime or m["unit"] != unit:
        return None, "unexpected RESULT line %r (want workload=%s runtime=%s unit=%s)" % (
            lines[0], workload, runtime, unit)
    try:
        value = float(m["value"])
    except ValueError:
        return None, "value %r is not a number" % m["value"]
    if not math.isfinite(value) or value <= 0:
        return None, "value %r is not a positive number" % m["value"]
    return value, None


def measure_once(cmd, runtime, workload, extra, label, timeout, wait_idle):
    """One run of one setting, logged on stderr; returns (value, error)."""
    if wait_idle > 0:
        busy = wait_until_idle(wait_idle)
        if busy > 0.10:
            log("  (CPUs still %.0f%% busy after %d s; running anyway)"
                % (100 * busy, wait_idle))
    t0 = time.monotonic()
    value, error = run_once(cmd, workload, runtime, timeout)
    label = "%s %s %s %s" % (workload, runtime, " ".join(extra), label)
    if error is None:
        log("  %-55s %14.6g %s  (%.1f s)" % (label, value, WORKLOADS[workload][0],
                                            time.monotonic() - t0))
    else:
        log("  %-55s FAILED: %s" % (label, error))
    return value, error


def run_workload(workload, runtimes, cmd_for, args):
    """Runs one workload on every runtime (and every CAF setting) args.runs
    times. The runs are interleaved (run 1 of everything, then run 2, ...)
    so that a passing disturbance on a shared machine hits all runtimes
    alike instead of all runs of one, and the order rotates from round to
    round. Returns {runtime: result}."""
    higher = WORKLOADS[workload][1]
    jobs = []  # (runtime, settings, record)
    for rt in runtimes:
        settings = [[]]
        if rt == "caf":
            settings = CAF_CANDIDATES[workload]
            if args.caf_sweep:
                settings = [c for c in CAF_SWEEP
                            if c not in CAF_SWEEP_SKIP.get(workload, [])]
        for extra in settings:
            jobs.append((rt, extra, {"settings": extra, "median": None,
                                     "runs": [], "errors": []}))
    for i in range(args.runs):
        # Each round starts one job later: a job always run right after the
        # same other one (Erlang's exit, say) would carry that bias in every
        # run.
        k = i % len(jobs)
        for rt, extra, rec in jobs[k:] + jobs[:k]:
            value, error = measure_once(
                cmd_for[rt](workload, args.scale, extra), rt, workload, extra,
                "run %d/%d" % (i + 1, args.runs), args.timeout, args.wait_idle)
            if error is None:
                rec["runs"].append(value)
            else:
                rec["errors"].append(error)
    out = {}
    for rt in runtimes:
        tried = [rec for r, _, rec in jobs if r == rt]
        best = None
        for rec in tried:
            if rec["runs"]:
                rec["median"] = statistics.median(rec["runs"])
                if best is None or (rec["median"] > best["median"] if higher
                                    else rec["median"] < best["median"]):
                    best = rec
        if best is None:
            reason = "; ".join(e for rec in tried for e in rec["errors"])
            log("run_peers: %s %s: n/a (%s)" % (workload, TITLES[rt],
                                                 reason.splitlines()[0]))
            out[rt] = {"median": None, "error": reason, "tried": tried}
        else:
            out[rt] = {"median": best["median"], "runs": best["runs"],
                       "settings": best["settings"], "tried": tried}
            if len(tried) > 1:
                log("run_peers: %s %s best setting: %s"
                    % (workload, TITLES[rt], " ".join(best["settings"])))
    return out


# --------------------------------------------------------------------------
# Reporting.

def fmt_value(v, unit):
    if v is None:
        return "n/a"
    if unit.endswith("/s"):
        return "%.2fM" % (v / 1e6) if v >= 1e5 else "%.0f" % v
    return "{:,.0f}".format(v) if v >= 100 else "%.1f" % v


def ratio(myr, peer, higher_better):
    if myr is None or peer is None:
        return None
    return myr / peer if higher_better else peer / myr


def fmt_ratio(r):
    return "n/a" if r is None else "%.2fx" % r


def print_table(results, workloads, runs, scale, baseline=False):
    header = ["workload", "unit", "Myrmidon", "CAF", "Erlang",
              "Myr/CAF", "Myr/Erlang", "Myr/best-peer"]
    if baseline:
        header += ["Baseline", "Myr/baseline"]
    rows, best_ratios = [], []
    for w in workloads:
        unit, higher = WORKLOADS[w]
        med = {rt: results[w].get(rt, {}).get("median") for rt in RUNTIMES + ["baseline"]}
        peers = [med[p] for p in ("caf", "erlang") if med[p] is not None]
        best_peer = None
        if peers:
            best_peer = max(peers) if higher else min(peers)
        best = ratio(med["myrmidon"], best_peer, higher)
        if best is not None:
            best_ratios.append(best)
        results[w]["ratios"] = {
            "myr_over_caf": ratio(med["myrmidon"], med["caf"], higher),
            "myr_over_erlang": ratio(med["myrmidon"], med["erlang"], higher),
            "myr_over_best_peer": best,
        }
        rows.append([w, unit, fmt_value(med["myrmidon"], unit),
                     fmt_value(med["caf"], unit), fmt_value(med["erlang"], unit),
                     fmt_ratio(results[w]["ratios"]["myr_over_caf"]),
                     fmt_ratio(results[w]["ratios"]["myr_over_erlang"]),
                     fmt_ratio(best)])
        if baseline:
            results[w]["ratios"]["myr_over_baseline"] = ratio(
                med["myrmidon"], med["baseline"], higher)
            rows[-1] += [fmt_value(med["baseline"], unit),
                         fmt_ratio(results[w]["ratios"]["myr_over_baseline"])]
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]

    def line(cells):
        return " | ".join(c.ljust(widths[i]) if i < 2 else c.rjust(widths[i])
                          for i, c in enumerate(cells))

    print(line(header))
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        print(line(r))
    if best_ratios:
        wins = sum(1 for r in best_ratios if r > 1.0)
        gmean = math.exp(sum(math.log(r) for r in best_ratios) / len(best_ratios))
        summary = ("Myrmidon beats the best peer on %d of %d workloads; "
                   "geometric mean Myr/best-peer %.2fx" % (wins, len(best_ratios), gmean))
    else:
        summary = "no ratios (Myrmidon or both peers have no result)"
    print("Medians of %d run(s) at scale %g; ratios > 1 mean Myrmidon is better "
          "(inverted for ns/actor and bytes/actor). %s." % (runs, scale, summary))
    if baseline:
        print("Baseline: the same Myrmidon workloads at the baseline revision, run "
              "interleaved with the others; Myr/baseline > 1 means the current tree is better.")
    sys.stdout.flush()
    return summary


def main():
    ap = argparse.ArgumentParser(
        description="Run the Savina-style workloads on Myrmidon, CAF and "
                    "Erlang and print a comparison table.")
    ap.add_argument("--runs", type=int, default=3,
                    help="runs per workload and runtime (median is reported)")
    ap.add_argument("--workloads", default=",".join(WORKLOADS),
                    help="comma-separated subset of: " + ",".join(WORKLOADS))
    ap.add_argument("--scale", type=float, default=1.0,
                    help="multiply every count by this (e.g. 0.01 for a smoke run)")
    ap.add_argument("--runtimes", default=",".join(RUNTIMES),
                    help="comma-separated subset of: " + ",".join(RUNTIMES))
    ap.add_argument("--json", metavar="OUT", help="also write the results as JSON")
    ap.add_argument("--timeout", type=int, default=300,
                    help="per-run timeout in seconds (default 300)")
    ap.add_argument("--wait-idle", type=int, default=0, metavar="S",
                    help="before each run, wait up to S seconds for the CPUs to "
                         "be idle (other builds skew the numbers); default 0")
    ap.add_argument("--baseline-rev", metavar="REV",
                    help="also run Myrmidon at git revision REV (built in a worktree under "
                         ".bench/), interleaved with the current tree: a before/after column")
    ap.add_argument("--baseline", metavar="SAVINA",
                    help="like --baseline-rev, with an already built savina binary")
    ap.add_argument("--caf-sweep", action="store_true",
                    help="try every CAF scheduler setting (policy x max-threads), "
                         "not just the shortlist for each workload")
    args = ap.parse_args()
    # Turn SIGTERM into SystemExit so a running benchmark is killed with us.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))

    workloads = [w for w in args.workloads.split(",") if w]
    requested = [r for r in args.runtimes.split(",") if r]
    runtimes = [r for r in RUNTIMES if r in requested]
    bad = [w for w in workloads if w not in WORKLOADS] + \
          [r for r in requested if r not in RUNTIMES]
    if bad or args.runs < 1 or not args.scale > 0 or not workloads or not runtimes:
        ap.error("bad arguments: %s" % (", ".join(bad) or "runs/scale/lists"))

    load = os.getloadavg()[0]
    log("run_peers: %d CPU(s), load average %.2f" % (os.cpu_count() or 0, load))
    if load > 0.5:
        log("run_peers: WARNING: the machine is busy (load %.2f); numbers will be noisy" % load)

    cmd_for, unavailable = {}, {}
    for rt in runtimes:
        try:
            cmd_for[rt] = PREPARE[rt]()
        except Unavailable as e:
            unavailable[rt] = str(e)
            log("run_peers: %s: n/a: %s" % (TITLES[rt], e))
    baseline = bool(args.baseline or args.baseline_rev)
    if baseline:
        runtimes = runtimes + ["baseline"]
        try:
            cmd_for["baseline"] = prepare_baseline(args)
        except Unavailable as e:
            unavailable["baseline"] = str(e)
            log("run_peers: %s: n/a: %s" % (TITLES["baseline"], e))

    results = {w: {} for w in workloads}
    for w in workloads:
        for rt in unavailable:
            results[w][rt] = {"median": None, "error": unavailable[rt]}
        results[w].update(run_workload(w, [rt for rt in runtimes if rt in cmd_for],
                                       cmd_for, args))

    print()
    summary = print_table(results, workloads, args.runs, args.scale, baseline)
    caf_used = {w: results[w]["caf"]["settings"] for w in workloads
                if results[w].get("caf", {}).get("settings") is not None}
    if caf_used:
        print("CAF scheduler settings used: " + "; ".join(
            "%s %s" % (w, " ".join(s)) for w, s in caf_used.items()))

    if args.json:
        doc = {
            "runs": args.runs, "scale": args.scale, "workloads": workloads,
            "runtimes": runtimes, "host": platform.node(),
            "cpus": os.cpu_count(), "load_average_at_start": load,
            "units": {w: WORKLOADS[w][0] for w in workloads},
            "results": results, "summary": summary,
        }
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=2)
        log("run_peers: wrote %s" % args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())

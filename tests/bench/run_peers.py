#!/usr/bin/env python3
"""Run the Savina-style workloads on Myrmidon and its peers side by side.

usage: tests/bench/run_peers.py [--runs N] [--workloads a,b,...] [--scale F]
                                [--runtimes myrmidon,actix,...] [--json OUT]
                                [--baseline-rev REV | --baseline SAVINA]

Builds what it needs (peers.py: `bazel build --config=opt` for Myrmidon and
CAF, `erlc` for Erlang, cargo for actix, go for Proto.Actor, Maven for Pekko,
all into .bench/), runs every workload on every runtime and setting N times
as separate processes, takes the median (a peer counts at its best setting),
and prints one table whose ratios are oriented so that > 1 means Myrmidon is
better.
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
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peers import (PEERS, PREPARE, RUNTIMES, TITLES, Unavailable,  # noqa: E402
                   candidates, log, prepare_baseline)

RESULT_RE = re.compile(
    r"^RESULT workload=(?P<workload>\S+) runtime=(?P<runtime>\S+) "
    r"value=(?P<value>\S+) unit=(?P<unit>\S+)\s*$")


WORKLOADS = {
    # name: (unit, higher is better)
    "pingpong": ("msgs/s", True),
    "threadring": ("hops/s", True),
    "counting": ("msgs/s", True),
    "fanin": ("msgs/s", True),
    "spawn": ("ns/actor", False),
    "idle_memory": ("bytes/actor", False),
}
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
    """Runs one workload on every runtime (and each of its settings) args.runs
    times. The runs are interleaved (run 1 of everything, then run 2, ...)
    so that a passing disturbance on a shared machine hits all runtimes
    alike instead of all runs of one, and the order rotates from round to
    round. Returns {runtime: result}."""
    higher = WORKLOADS[workload][1]
    jobs = []  # (runtime, settings, record)
    for rt in runtimes:
        for extra in candidates(rt, workload, args.caf_sweep):
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
    """One row per workload: Myrmidon, every peer, the best peer and the
    ratio to it (and the baseline columns with --baseline*)."""
    shown = [rt for rt in RUNTIMES if any(rt in results[w] for w in workloads)]
    peers = [rt for rt in shown if rt in PEERS]
    header = ["workload", "unit"] + [TITLES[rt] for rt in shown] + ["best peer", "Myr/best"]
    if baseline:
        header += ["Baseline", "Myr/baseline"]
    rows, best_ratios = [], []
    for w in workloads:
        unit, higher = WORKLOADS[w]
        med = {rt: results[w].get(rt, {}).get("median") for rt in RUNTIMES + ["baseline"]}
        have = [p for p in peers if med[p] is not None]
        best_peer = None
        if have:
            best_peer = (max if higher else min)(have, key=lambda p: med[p])
        best = ratio(med["myrmidon"], med[best_peer] if best_peer else None, higher)
        if best is not None:
            best_ratios.append(best)
        results[w]["ratios"] = {"myr_over_%s" % p: ratio(med["myrmidon"], med[p], higher)
                                for p in peers}
        results[w]["ratios"]["myr_over_best_peer"] = best
        results[w]["best_peer"] = best_peer
        rows.append([w, unit] + [fmt_value(med[rt], unit) for rt in shown]
                    + [TITLES[best_peer] if best_peer else "n/a", fmt_ratio(best)])
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
        summary = "no ratios (Myrmidon or every peer has no result)"
    print("Medians of %d run(s) at scale %g; each peer at its best setting; ratios > 1 mean "
          "Myrmidon is better (inverted for ns/actor and bytes/actor). %s."
          % (runs, scale, summary))
    if baseline:
        print("Baseline: the same Myrmidon workloads at the baseline revision, run "
              "interleaved with the others; Myr/baseline > 1 means the current tree is better.")
    sys.stdout.flush()
    return summary


def main():
    ap = argparse.ArgumentParser(
        description="Run the Savina-style workloads on Myrmidon and its peers "
                    "(actix, Proto.Actor, Pekko, CAF, Erlang) and print one table.")
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
    ap.add_argument("--caf-sweep", "--sweep", action="store_true",
                    help="try every setting of every peer (CAF: policy x max-threads), "
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
    for rt in PEERS:
        used = {w: results[w][rt]["settings"] for w in workloads
                if results[w].get(rt, {}).get("settings")}
        if used:
            print("%s settings used: %s" % (TITLES[rt], "; ".join(
                "%s %s" % (w, " ".join(s)) for w, s in used.items())))

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

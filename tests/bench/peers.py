"""The runtimes that tests/bench/run_peers.py measures: how each is built,
how one run is started, and which of its settings are tried.

Every runtime's program takes `<workload> [--scale=F] [settings...]` and
prints one `RESULT workload=... runtime=... value=... unit=...` line
(tests/bench/README.md). A runtime whose toolchain or registry is missing
raises Unavailable with the reason; the runner shows it as n/a and goes on.
Peers are benchmark-only: nothing here is linked into the product, and the
peers' build outputs (and their downloaded dependencies' build trees) go to
.bench/ (git- and Bazel-ignored).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "tests" / "bench"
OUT_DIR = REPO / ".bench"  # git-ignored

# In the table's order: Myrmidon, then the peers.
RUNTIMES = ["myrmidon", "actix", "protoactor", "pekko", "caf", "erlang"]
PEERS = RUNTIMES[1:]
TITLES = {"myrmidon": "Myrmidon", "actix": "actix", "protoactor": "Proto.Actor",
          "pekko": "Pekko", "caf": "CAF", "erlang": "Erlang",
          "baseline": "Myrmidon (baseline)"}

# The settings of the peers other than CAF, each tried on every workload
# (the best median is kept, as for CAF): actix with one arbiter (its usual,
# single-threaded setting) and with one arbiter per core; Pekko with its
# default dispatcher and one tuned for these workloads (tests/bench/pekko).
SETTINGS = {
    "actix": [["--arbiters=1"], ["--arbiters=2"]],
    "pekko": [["--dispatcher=default"], ["--dispatcher=tuned"]],
}
# Settings left out of the shortlist where they lose by far (the sweep, as
# --caf-sweep, still tries them): actix with two arbiters runs pingpong and
# threadring ~70x slower (every hop crosses threads and wakes a parked
# arbiter; 0.14M hops/s, 73 s a run), while it is within 15% on the others.
SETTINGS_SKIP = {
    "actix": {"pingpong": [["--arbiters=2"]], "threadring": [["--arbiters=2"]]},
}

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
    return program(MYR_TARGET, bazel_bin() / "tests" / "bench" / "myrmidon" / "savina")


def prepare_caf():
    bazel_build(CAF_TARGET)
    return program(CAF_TARGET, bazel_bin() / "tests" / "bench" / "caf" / "savina_caf")


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
    return program("baseline", exe)


# --------------------------------------------------------------------------
# The peers built by their own toolchains from public registries (crates.io,
# the Go module proxy, Maven Central), pinned by the lock files beside them.

def run_tool(cmd, cwd, what, timeout=1800, env=None):
    """Runs a build step; raises Unavailable with its output's tail."""
    log("run_peers: %s" % " ".join(str(c) for c in cmd))
    try:
        proc = subprocess.run([str(c) for c in cmd], cwd=cwd, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=timeout,
                              env=env)
    except (OSError, subprocess.SubprocessError) as e:
        raise Unavailable("%s: %s" % (what, e))
    if proc.returncode != 0:
        tail = "\n".join(proc.stdout.strip().splitlines()[-15:])
        raise Unavailable("%s failed (exit %d; is its registry reachable?):\n%s"
                          % (what, proc.returncode, tail))


def tool(name, hint):
    path = shutil.which(name)
    if path is None:
        for extra in (Path.home() / ".cargo" / "bin" / name, Path("/usr/local/go/bin") / name):
            if os.access(extra, os.X_OK):
                return str(extra)
        raise Unavailable("%s not found (%s)" % (name, hint))
    return path


def sources(name):
    """The peer's program directory under tests/bench/, if it exists."""
    d = BENCH / name
    if not d.is_dir():
        raise Unavailable("%s does not exist yet" % d.relative_to(REPO))
    return d


def prepare_actix():
    src = sources("actix")
    cargo = tool("cargo", "Rust by rustup; actix comes from crates.io")
    target = OUT_DIR / "actix"
    run_tool([cargo, "build", "--release", "--locked", "--manifest-path",
              src / "Cargo.toml", "--target-dir", target], REPO, "cargo build (actix)")
    return program("cargo build (actix)", target / "release" / "savina_actix")


def prepare_protoactor():
    src = sources("protoactor")
    go = tool("go", "Go; Proto.Actor comes from the Go module proxy")
    exe = OUT_DIR / "protoactor" / "savina_protoactor"
    exe.parent.mkdir(parents=True, exist_ok=True)
    run_tool([go, "build", "-o", exe, "."], src, "go build (Proto.Actor)")
    return program("go build (Proto.Actor)", exe)


PEKKO_JVM_FLAGS = ["-Xss1m", "-Xmx4g"]


def prepare_pekko():
    src = sources("pekko")
    mvn = tool("mvn", "Maven; Pekko comes from Maven Central")
    java = tool("java", "a JDK 17")
    run_tool([mvn, "-q", "-B", "-f", src / "pom.xml", "package", "-DskipTests"],
             REPO, "mvn package (Pekko)")
    return program("mvn package (Pekko)", OUT_DIR / "pekko" / "target" / "savina-pekko.jar",
                   launcher=[java] + PEKKO_JVM_FLAGS + ["-jar"])


PREPARE = {"myrmidon": prepare_myrmidon, "caf": prepare_caf, "erlang": prepare_erlang,
           "actix": prepare_actix, "protoactor": prepare_protoactor, "pekko": prepare_pekko}


def program(what, path, launcher=()):
    """The command line of one run of a built program (`launcher` first, e.g.
    `java -jar` for a jar); Unavailable if the build left no such file."""
    if not (path.is_file() if launcher else os.access(path, os.X_OK)):
        raise Unavailable("%s: %s is missing or not executable" % (what, path))
    base = [str(x) for x in launcher] + [str(path)]
    return lambda workload, scale, extra: base + [workload] + scale_args(scale) + extra


def scale_args(scale):
    return [] if scale == 1.0 else ["--scale=%g" % scale]


def candidates(runtime, workload, sweep=False):
    """The settings tried for one runtime and workload; the best median is kept."""
    if runtime == "caf":
        if sweep:
            return [c for c in CAF_SWEEP if c not in CAF_SWEEP_SKIP.get(workload, [])]
        return CAF_CANDIDATES[workload]
    settings = SETTINGS.get(runtime, [[]])
    if sweep:
        return settings
    skip = SETTINGS_SKIP.get(runtime, {}).get(workload, [])
    return [c for c in settings if c not in skip]

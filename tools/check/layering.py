#!/usr/bin/env python3
"""The layering check: no library under //libs depends on a library above it.

    python3 tools/check/layering.py             # check the workspace
    python3 tools/check/layering.py --selftest  # check the checker

It asks `bazel query` (from the repository root) for the dependency graph of
every non-test `cc_library` under //libs (testonly helpers are exempt; test
targets are not cc_library) and, for each library (a folder libs/<name>):

  1. every //libs target it reaches, transitively, belongs to the library
     itself or to one it may depend on (ALLOWED below, closed transitively,
     plus `base`, the helper library every library except pid may use);
  2. the external repositories it reaches are the ones EXTERNAL_ALLOWED lets
     it link (pid and base: Abseil only), Bazel's own repositories aside;
  3. the library's own source files #include no "libs/<other>/..." header of
     a library it may not depend on.

One line per library: OK, SKIP (not written yet) or VIOLATION with the path
of the offending edge. Exit status 1 on any violation, 2 if bazel query
fails. See tools/check/README.md.
"""

import argparse
import collections
import os
import re
import subprocess
import sys

# --- the layering, as data (docs/design.md, "The layers") -------------------

# Bottom to top. A library may only depend on libraries before it.
# A name with a slash is a nested library: a folder inside another library's
# folder that forms its own layer ("timers/wheel", the timing wheel, sits
# below sched while the rest of libs/timers sits above it). A label or an
# include path belongs to the longest name that is a prefix of its folder.
LAYERS = [
    "base", "pid", "mailbox", "timers/wheel", "wire", "sched", "timers",
    "supervise", "registry", "taskgroup", "mesh", "persistence",
]

# The //libs libraries each one may depend on directly; the check allows the
# transitive closure (timers may reach pid through sched).
ALLOWED = {
    "base": [],
    "pid": [],
    "mailbox": ["pid"],
    "timers/wheel": [],
    "wire": ["pid", "mailbox"],
    "sched": ["pid", "mailbox", "wire", "timers/wheel"],
    "timers": ["sched", "timers/wheel"],
    "supervise": ["sched"],
    "registry": ["pid", "supervise"],  # supervise: auto-unregister on exit
    "taskgroup": ["sched", "supervise"],
    "mesh": ["pid", "mailbox", "sched", "supervise", "registry"],
    "persistence": ["sched", "timers", "supervise"],
}

# The small helper library every library may use...
BASE = "base"
# ...except these, which link nothing but Abseil.
NO_BASE = {"pid"}

# External repositories a library may reach (its third-party dependencies);
# a library not listed here is not restricted.
EXTERNAL_ALLOWED = {
    "base": {"absl"},
    "pid": {"absl"},
    "timers/wheel": {"absl"},
    # The core links no wire format: Cap'n Proto stays in the codecs that
    # generated code and libs/wire's forms target bring (wire is not limited).
    "sched": {"absl"},
}

# Bazel's own repositories (toolchains, rule sets): never the project's
# third-party code, so never a violation.
BAZEL_REPOS = {
    "bazel_tools", "local_config_cc", "local_config_cc_toolchains",
    "local_config_platform", "local_config_sh", "local_config_xcode",
    "local_jdk", "platforms", "rules_cc", "rules_java", "rules_proto",
    "rules_python", "remote_coverage_tools", "remote_java_tools",
}
BAZEL_REPO_PREFIXES = ("local_config_", "remotejdk", "remote_java_tools")

SOURCE_SUFFIXES = (".h", ".hh", ".hpp", ".inc", ".c", ".cc", ".cpp", ".cxx")
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*[<"](libs/([^">]+)/[^/">]+)[">]')

QUERY_ROOTS = "kind(cc_library, //libs/...) except attr(testonly, 1, //libs/...)"
QUERY_FLAGS = ["--keep_going", "--noimplicit_deps", "--notool_deps"]


def closure():
    """library -> every //libs library it may reach."""
    allowed = {}
    for lib in LAYERS:  # bottom to top, so dependencies are done first
        reach = set()
        for dep in ALLOWED[lib]:
            reach.add(dep)
            reach |= allowed[dep]
        if lib != BASE and lib not in NO_BASE:
            reach.add(BASE)
        allowed[lib] = reach
    return allowed


def table_errors():
    """Mistakes in the table itself (an upward entry, an unknown name)."""
    errors = []
    if set(LAYERS) != set(ALLOWED):
        errors.append("LAYERS and ALLOWED name different libraries")
    for lib, deps in ALLOWED.items():
        for dep in deps:
            if dep not in LAYERS or lib not in LAYERS or LAYERS.index(dep) >= LAYERS.index(lib):
                errors.append("table: %s may not depend on %s (not below it)" % (lib, dep))
    return errors


# --- labels ---------------------------------------------------------------------

def repo_of(label):
    """'@absl//:absl' -> 'absl'; '//libs/pid:pid' -> '' (the main repository)."""
    if label.startswith("@"):
        return label[1:].split("//", 1)[0]
    return ""


def library_of_folder(folder):
    """'sched/internal' -> 'sched'; 'timers/wheel' -> 'timers/wheel' (the
    longest LAYERS name that is the folder or a parent of it)."""
    parts = folder.split("/")
    for n in range(len(parts), 1, -1):
        name = "/".join(parts[:n])
        if name in LAYERS:
            return name
    return parts[0]


def library_of(label):
    """'//libs/sched/internal:x' -> 'sched'; None outside //libs."""
    m = re.match(r"^@?//libs/([^:]+):", label)
    return library_of_folder(m.group(1)) if m and repo_of(label) == "" else None


def is_bazel_repo(repo):
    return repo in BAZEL_REPOS or repo.startswith(BAZEL_REPO_PREFIXES)


def source_path(label):
    """'//libs/pid:internal/x.h' -> 'libs/pid/internal/x.h' for C++ sources."""
    if repo_of(label) or not label.endswith(SOURCE_SUFFIXES):
        return None
    pkg, _, name = label[2:].partition(":")
    return os.path.join(pkg, name)


# --- the graph ------------------------------------------------------------------

EDGE_RE = re.compile(r'^\s*"([^"]+)"\s*->\s*"([^"]+)"')
NODE_RE = re.compile(r'^\s*"([^"]+)"\s*$')


def parse_graph(dot):
    """`bazel query --output=graph --nograph:factored` -> {node: [deps]}."""
    graph = collections.defaultdict(list)
    for line in dot.splitlines():
        m = EDGE_RE.match(line)
        if m:
            graph[m.group(1)].append(m.group(2))
            graph[m.group(2)]
            continue
        m = NODE_RE.match(line)
        if m:
            graph[m.group(1)]
    return dict(graph)


def shortest_paths(graph, roots):
    """Breadth-first from all roots: node -> the path that reached it first."""
    parent = {r: None for r in roots}
    queue = collections.deque(sorted(roots))
    while queue:
        node = queue.popleft()
        for dep in graph.get(node, ()):
            if dep not in parent:
                parent[dep] = node
                queue.append(dep)

    def path(node):
        out = []
        while node is not None:
            out.append(node)
            node = parent[node]
        return list(reversed(out))

    return parent, path


# --- the check --------------------------------------------------------------------

def check(graph, roots, present, read_file):
    """Returns [(library, status, [messages])] in layer order.

    graph: {label: [labels]}; roots: non-test cc_library labels under //libs;
    present: the library folders that exist; read_file(path) -> text or None.
    """
    allowed = closure()
    roots_by_lib = collections.defaultdict(set)
    for r in roots:
        roots_by_lib[library_of(r)].add(r)
    unknown = sorted(set(present) - set(LAYERS))
    results = []
    for lib in LAYERS + unknown:
        if lib not in present:
            results.append((lib, "SKIP", ["not present yet"]))
            continue
        if lib not in ALLOWED:
            results.append((lib, "VIOLATION", [
                "libs/%s is not in the layering table; add it to LAYERS and ALLOWED "
                "in tools/check/layering.py" % lib]))
            continue
        lib_roots = roots_by_lib.get(lib, set())
        reached, path = shortest_paths(graph, lib_roots)
        problems = []
        seen = set()
        for node in sorted(reached, key=lambda n: (len(path(n)), n)):
            other = library_of(node)
            repo = repo_of(node)
            if other is not None and other != lib and other not in allowed[lib]:
                if ("lib", other) not in seen:
                    seen.add(("lib", other))
                    problems.append("%s (%s may not depend on %s)" % (
                        " -> ".join(path(node)), lib, other))
            elif repo and not is_bazel_repo(repo) and lib in EXTERNAL_ALLOWED \
                    and repo not in EXTERNAL_ALLOWED[lib]:
                if ("repo", repo) not in seen:
                    seen.add(("repo", repo))
                    problems.append("%s (%s may link only %s, not @%s)" % (
                        " -> ".join(path(node)), lib,
                        ", ".join("@" + r for r in sorted(EXTERNAL_ALLOWED[lib])), repo))
        # The library's own sources: no #include of a library it may not use.
        for node in sorted(reached):
            src = source_path(node)
            if src is None or library_of(node) != lib:
                continue
            text = read_file(src)
            if text is None:
                continue
            for lineno, line in enumerate(text.splitlines(), 1):
                m = INCLUDE_RE.match(line)
                if not m:
                    continue
                other = library_of_folder(m.group(2))
                if other != lib and other not in allowed[lib]:
                    problems.append('%s:%d includes "%s" (%s may not depend on %s)' % (
                        src, lineno, m.group(1), lib, other))
        if problems:
            results.append((lib, "VIOLATION", problems))
        else:
            deps = sorted(library_of(n) for n in reached if library_of(n) not in (None, lib))
            repos = sorted({repo_of(n) for n in reached
                            if repo_of(n) and not is_bazel_repo(repo_of(n))})
            results.append((lib, "OK", ["%d target%s; libs: %s; external: %s" % (
                len(lib_roots), "" if len(lib_roots) == 1 else "s",
                ", ".join(sorted(set(deps))) or "-",
                ", ".join("@" + r for r in repos) or "-")]))
    return results


def report(results, out=sys.stdout):
    """Prints the results; returns the number of violations."""
    violations = 0
    for lib, status, messages in results:
        if status == "VIOLATION":
            for m in messages:
                violations += 1
                print("%-12s VIOLATION %s" % (lib, m), file=out)
        else:
            print("%-12s %-9s %s" % (lib, status, "; ".join(messages)), file=out)
    return violations


# --- bazel -------------------------------------------------------------------------

def bazel_query(root, expr, *flags):
    cmd = ["bazel", "query"] + QUERY_FLAGS + list(flags) + [expr]
    proc = subprocess.run(cmd, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          stdin=subprocess.DEVNULL, universal_newlines=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise RuntimeError("`%s` exited %d" % (" ".join(cmd), proc.returncode))
    return proc.stdout


def present_libraries(root):
    libs_dir = os.path.join(root, "libs")
    if not os.path.isdir(libs_dir):
        return set()
    def has_build(folder):
        return any(os.path.isfile(os.path.join(libs_dir, folder, b))
                   for b in ("BUILD", "BUILD.bazel"))
    present = {name for name in os.listdir(libs_dir) if has_build(name)}
    present |= {name for name in LAYERS if "/" in name and has_build(name)}
    return present


def run(root):
    errors = table_errors()
    if errors:
        print("\n".join(errors), file=sys.stderr)
        return 2
    present = present_libraries(root)
    if not present:
        print("layering: no libraries under libs/")
        return 0
    try:
        roots = bazel_query(root, QUERY_ROOTS, "--output=label").split()
        dot = bazel_query(root, "deps(%s)" % QUERY_ROOTS,
                          "--output=graph", "--nograph:factored")
    except RuntimeError as e:
        print("layering: ERROR: %s" % e, file=sys.stderr)
        return 2

    def read_file(path):
        try:
            with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return None

    violations = report(check(parse_graph(dot), roots, present, read_file))
    if violations:
        print("layering: %d violation%s" % (violations, "" if violations == 1 else "s"))
        return 1
    print("layering: OK")
    return 0


# --- selftest ----------------------------------------------------------------------

SELFTEST_DOT = """digraph mygraph {
  node [shape=box];
  "//libs/base:small_pool"
  "//libs/base:small_pool" -> "//libs/base:small_pool.h"
  "//libs/base:small_pool" -> "@absl//:absl"
  "//libs/pid:pid"
  "//libs/pid:pid" -> "//libs/pid:pid.h"
  "//libs/pid:pid" -> "//libs/pid:slab_internal"
  "//libs/pid:pid" -> "@absl//:absl"
  "//libs/pid:pid" -> "@bazel_tools//tools/cpp:malloc"
  "//libs/pid:slab_internal" -> "//libs/sched:sched"
  "//libs/pid:slab_internal" -> "@capnp//:capnp"
  "//libs/mailbox:mailbox" -> "//libs/mailbox:mailbox.h"
  "//libs/mailbox:mailbox" -> "//libs/pid:pid"
  "//libs/mailbox:mailbox" -> "//libs/base:small_pool"
  "//libs/sched:sched" -> "//libs/mailbox:mailbox"
  "//libs/sched:sched" -> "//libs/sched:runtime.h"
  "//libs/sched:sched" -> "//libs/timers/wheel:timing_wheel"
  "//libs/timers/wheel:timing_wheel" -> "@absl//:absl"
  "//libs/supervise:supervise" -> "//libs/sched:sched"
  "//libs/supervise:supervise" -> "//libs/registry:registry"
  "//libs/registry:registry" -> "//libs/supervise:supervise"
  "//libs/registry:registry" -> "//libs/pid:pid"
  "//libs/timers/internal:wheel" -> "//libs/sched:sched"
  "//libs/timers/internal:wheel" -> "//libs/supervise:supervise"
  "//libs/timers:timers" -> "//libs/timers/internal:wheel"
  "@absl//:absl" -> "@absl//:include/absl/base/config.h"
}
"""

SELFTEST_FILES = {
    "libs/mailbox/mailbox.h": '#include "libs/pid/pid.h"\n#include "libs/sched/runtime.h"\n',
    "libs/pid/pid.h": '#include "absl/strings/str_cat.h"\n#include <atomic>\n',
    "libs/sched/runtime.h": ('#include "libs/timers/wheel/timing_wheel.h"\n'
                             '#include "libs/timers/timer_service.h"\n'),
}


def _report_lines(results):
    import io
    buf = io.StringIO()
    report(results, out=buf)
    return buf.getvalue().splitlines()


def selftest():
    ok = True

    def expect(cond, what):
        nonlocal ok
        print("selftest: %s %s" % ("ok  " if cond else "FAIL", what))
        ok = ok and cond

    graph = parse_graph(SELFTEST_DOT)
    expect(graph["//libs/pid:pid"][:2] == ["//libs/pid:pid.h", "//libs/pid:slab_internal"]
           and "//libs/base:small_pool.h" in graph, "parses bazel's graph output")
    expect(library_of("//libs/timers/internal:wheel") == "timers"
           and library_of("@absl//:absl") is None and repo_of("@absl//:absl") == "absl",
           "maps labels to libraries and repositories")
    expect(library_of("//libs/timers/wheel:timing_wheel") == "timers/wheel"
           and library_of_folder("timers/wheel/internal") == "timers/wheel",
           "maps a nested library's labels to it, not to the folder around it")
    expect(closure()["persistence"] >= {"sched", "timers", "supervise", "pid", "mailbox", "base"}
           and BASE not in closure()["pid"], "closes the table transitively")
    expect(not table_errors(), "the table only points downward")

    roots = ["//libs/base:small_pool", "//libs/pid:pid", "//libs/pid:slab_internal",
             "//libs/mailbox:mailbox", "//libs/sched:sched", "//libs/supervise:supervise",
             "//libs/registry:registry", "//libs/timers:timers",
             "//libs/timers/internal:wheel", "//libs/timers/wheel:timing_wheel",
             "//libs/gossip:gossip"]
    present = {"base", "pid", "mailbox", "sched", "supervise", "registry", "timers",
               "timers/wheel", "gossip"}
    results = {lib: (status, msgs) for lib, status, msgs in
               check(graph, roots, present, SELFTEST_FILES.get)}
    bad = {lib for lib, (status, _) in results.items() if status == "VIOLATION"}
    print("selftest: the report for the built-in graph:")
    for line in _report_lines(check(graph, roots, present, SELFTEST_FILES.get)):
        print("  | " + line)

    pid_msgs = " | ".join(results["pid"][1])
    expect("//libs/pid:slab_internal -> //libs/sched:sched (pid may not depend on sched)"
           in pid_msgs, "catches an upward edge, with its path (pid -> sched)")
    expect("@capnp" in pid_msgs and "@bazel_tools" not in pid_msgs,
           "catches a third-party repository pid may not link, ignores Bazel's own")
    expect("pid may not depend on mailbox" in pid_msgs,
           "counts transitive dependencies (pid -> sched -> mailbox)")
    expect(any("supervise may not depend on registry" in m for m in results["supervise"][1]),
           "catches supervise -> registry (registry sits above supervise)")
    expect(results["registry"][0] == "OK", "allows registry -> supervise")
    expect(any('libs/mailbox/mailbox.h:2 includes "libs/sched/runtime.h"' in m
               for m in results["mailbox"][1]), "catches an #include of a higher library")
    expect(any("//libs/timers/internal:wheel -> //libs/supervise:supervise "
               "(timers may not depend on supervise)" in m for m in results["timers"][1]),
           "checks nested packages (//libs/timers/internal -> supervise)")
    sched_msgs = " | ".join(results["sched"][1])
    expect('libs/sched/runtime.h:2 includes "libs/timers/timer_service.h" '
           '(sched may not depend on timers)' in sched_msgs
           and "timing_wheel" not in sched_msgs and "libuv" not in sched_msgs,
           "lets sched use the nested timers/wheel but not the rest of timers")
    expect(results["timers/wheel"][0] == "OK", "checks a nested library on its own")
    expect(results["mesh"][0] == "SKIP" and results["persistence"][0] == "SKIP",
           "skips libraries that do not exist yet")
    expect(results["gossip"][0] == "VIOLATION", "flags a library missing from the table")
    expect(bad == {"pid", "mailbox", "sched", "supervise", "timers", "gossip"},
           "flags exactly the libraries with violations (got %s)" % ", ".join(sorted(bad)))

    # A clean graph passes.
    clean = parse_graph("\n".join(
        l for l in SELFTEST_DOT.splitlines()
        if "slab_internal\" ->" not in l and "-> \"//libs/registry" not in l
        and "wheel\" -> \"//libs/supervise" not in l))
    clean_files = {"libs/pid/pid.h": SELFTEST_FILES["libs/pid/pid.h"],
                   "libs/sched/runtime.h": '#include "libs/timers/wheel/timing_wheel.h"\n'}
    clean_results = check(clean, [r for r in roots if "gossip" not in r],
                          present - {"gossip"}, clean_files.get)
    expect(all(status != "VIOLATION" for _, status, _ in clean_results),
           "passes a graph without violations")
    print("selftest: %s" % ("OK" if ok else "FAILED"))
    return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--selftest", action="store_true",
                        help="run the checker on a built-in graph with violations")
    args = parser.parse_args()
    if args.selftest:
        return selftest()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return run(root)


if __name__ == "__main__":
    sys.exit(main())

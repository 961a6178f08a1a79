"""Every system (Debian) library the build uses, kept as data in one place.

Each entry names the Debian package that provides it, the header paths to
expose (symlinked into an external repository, since Bazel rejects include
paths outside the execution root), and how to link it. `system_library`
turns one entry into a repository `@<name>` with a `cc_library` of the same
name (`@absl//:absl`, `@gtest//:gtest`, ...). Moving to MODULE.bazel later is
mechanical: this list stays, only the call site changes.
"""

LIBDIR = "/usr/lib/x86_64-linux-gnu"

SYSTEM_LIBRARIES = {
    "absl": struct(
        debian = "libabsl-dev",
        headers = {"absl": "/usr/include/absl"},
        linkopts = [],
        # Debian splits Abseil into ~60 shared objects; link all of them.
        link_globs = ["libabsl_*.so"],
        deps = [],
    ),
    "protobuf": struct(
        debian = "libprotobuf-dev protobuf-compiler",
        headers = {"google/protobuf": "/usr/include/google/protobuf"},
        linkopts = ["-lprotobuf"],
        link_globs = [],
        deps = [],
    ),
    "capnp": struct(
        debian = "libcapnp-dev capnproto",
        headers = {"capnp": "/usr/include/capnp", "kj": "/usr/include/kj"},
        linkopts = ["-lcapnp", "-lkj"],
        link_globs = [],
        deps = [],
    ),
    "libuv": struct(
        debian = "libuv1-dev",
        headers = {"uv.h": "/usr/include/uv.h", "uv": "/usr/include/uv"},
        linkopts = ["-luv"],
        link_globs = [],
        deps = [],
    ),
    "gtest": struct(
        debian = "libgtest-dev libgmock-dev",
        headers = {"gtest": "/usr/include/gtest", "gmock": "/usr/include/gmock"},
        linkopts = ["-l:libgmock.a", "-l:libgtest.a", "-lpthread"],
        link_globs = [],
        deps = [],
    ),
    "gtest_main": struct(
        debian = "libgtest-dev",
        headers = {},
        linkopts = ["-l:libgtest_main.a"],
        link_globs = [],
        deps = ["@gtest"],
    ),
    "benchmark": struct(
        debian = "libbenchmark-dev",
        headers = {"benchmark": "/usr/include/benchmark"},
        linkopts = ["-lbenchmark", "-lpthread"],
        link_globs = [],
        deps = [],
    ),
    "benchmark_main": struct(
        debian = "libbenchmark-dev",
        headers = {},
        linkopts = ["-l:libbenchmark_main.a"],
        link_globs = [],
        deps = ["@benchmark"],
    ),
    "python": struct(
        debian = "python3-dev",
        headers = {"": "/usr/include/python3.11"},
        linkopts = [],
        link_globs = [],
        deps = [],
    ),
    "pybind11": struct(
        debian = "pybind11-dev python3-pybind11",
        headers = {"pybind11": "/usr/include/pybind11"},
        linkopts = [],
        link_globs = [],
        deps = ["@python"],
    ),
    "sqlite3": struct(
        debian = "libsqlite3-dev",
        headers = {"sqlite3.h": "/usr/include/sqlite3.h", "sqlite3ext.h": "/usr/include/sqlite3ext.h"},
        linkopts = ["-lsqlite3"],
        link_globs = [],
        deps = [],
    ),
    "libpq": struct(
        debian = "libpq-dev",
        headers = {"libpq-fe.h": "/usr/include/postgresql/libpq-fe.h", "postgres_ext.h": "/usr/include/postgresql/postgres_ext.h", "pg_config_ext.h": "/usr/include/postgresql/pg_config_ext.h"},
        linkopts = ["-lpq"],
        link_globs = [],
        deps = [],
    ),
    # Peer runtime, used only by tests/bench (the side-by-side benchmarks).
    "caf": struct(
        debian = "libcaf-dev",
        headers = {"caf": "/usr/include/caf"},
        linkopts = ["-lcaf_core", "-lpthread"],
        link_globs = [],
        deps = [],
    ),
}

# Tools (binaries) the build runs, with the package that provides each.
SYSTEM_TOOLS = {
    "protoc": struct(debian = "protobuf-compiler", path = "/usr/bin/protoc"),
    "capnp": struct(debian = "capnproto", path = "/usr/bin/capnp"),
    "capnpc-c++": struct(debian = "capnproto", path = "/usr/bin/capnpc-c++"),
    "python3": struct(debian = "python3 python3-jinja2", path = "/usr/bin/python3"),
    "erl": struct(debian = "erlang-base", path = "/usr/bin/erl"),
}

def _system_library_impl(ctx):
    entry = SYSTEM_LIBRARIES[ctx.attr.lib]
    hdrs = []
    for dest, src in entry.headers.items():
        path = ctx.path(src)
        if not path.exists:
            fail("system library '%s': %s is missing; install Debian package(s) %s (tools/bootstrap does)" % (ctx.attr.lib, src, entry.debian))
        if dest == "":
            # Expose the directory's contents at the include root.
            for child in path.readdir():
                ctx.symlink(child, "include/" + child.basename)
            hdrs.append("include/**")
        else:
            ctx.symlink(path, "include/" + dest)
            hdrs.append("include/" + dest + ("" if dest.endswith(".h") else "/**"))
    linkopts = list(entry.linkopts)
    for pattern in entry.link_globs:
        prefix, suffix = pattern.split("*")
        names = sorted([
            p.basename
            for p in ctx.path(LIBDIR).readdir()
            if p.basename.startswith(prefix) and p.basename.endswith(suffix)
        ])
        if not names:
            fail("system library '%s': no %s/%s; install %s" % (ctx.attr.lib, LIBDIR, pattern, entry.debian))
        linkopts += ["-l" + n[3:-3] for n in names]
    ctx.file("WORKSPACE", "workspace(name = \"%s\")\n" % ctx.name)
    ctx.file("BUILD.bazel", """# Generated by //third_party:system_libs.bzl from Debian package(s): {debian}
cc_library(
    name = "{name}",
    hdrs = glob({hdrs}, allow_empty = True),
    includes = ["include"],
    linkopts = {linkopts},
    deps = {deps},
    visibility = ["//visibility:public"],
)
""".format(
        name = ctx.name,
        debian = entry.debian,
        hdrs = repr(hdrs),
        linkopts = repr(linkopts),
        deps = repr(entry.deps),
    ))

system_library = repository_rule(
    implementation = _system_library_impl,
    attrs = {"lib": attr.string(mandatory = True)},
    local = True,
)

def _system_tool_impl(ctx):
    entry = SYSTEM_TOOLS[ctx.attr.tool]
    if not ctx.path(entry.path).exists:
        fail("system tool '%s' (%s) is missing; install Debian package(s) %s" % (ctx.attr.tool, entry.path, entry.debian))
    ctx.symlink(entry.path, "bin/" + ctx.attr.tool)
    ctx.file("WORKSPACE", "workspace(name = \"%s\")\n" % ctx.name)
    ctx.file("BUILD.bazel", 'exports_files(["bin/%s"], visibility = ["//visibility:public"])\n' % ctx.attr.tool)

system_tool = repository_rule(
    implementation = _system_tool_impl,
    attrs = {"tool": attr.string(mandatory = True)},
    local = True,
)

def system_dependencies():
    """Declares one repository per system library and tool."""
    for name in SYSTEM_LIBRARIES:
        system_library(name = name, lib = name)
    for name in SYSTEM_TOOLS:
        system_tool(name = "tool_" + name.replace("-", "_").replace("+", "p"), tool = name)

def debian_packages():
    """The Debian packages behind the list above (tools/bootstrap reads this)."""
    pkgs = []
    for e in SYSTEM_LIBRARIES.values():
        pkgs += e.debian.split(" ")
    for e in SYSTEM_TOOLS.values():
        pkgs += e.debian.split(" ")
    return pkgs

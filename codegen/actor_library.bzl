"""actor_library: one BUILD rule from .actor files to typed C++ (and the
Python / Node outputs of the backends that exist).

    load("//codegen:actor_library.bzl", "actor_library")

    actor_library(
        name = "bank_actor",
        srcs = ["bank.actor", "common.actor"],
        deps = [],          # other actor_library targets whose files srcs import
    )

defines
  name            cc_library: foo.actor.h / foo.actor.cc (actorc's C++
                  backend) + foo.capnp.h / foo.capnp.cc (the system capnp's
                  C++ code for actorc's foo.capnp); deps @capnp, @absl,
                  //libs/pid, //libs/sched, //libs/wire. alwayslink: the .cc
                  registers the file's wire codecs and dispatch tables at
                  start-up, which a binary must keep even if it references
                  nothing there. Include as "<package path>/foo.actor.h".
  name + "_srcs"  filegroup of the .actor files (for dependants' imports)
  name + "_capnp" filegroup of the generated .capnp schemas
  name + "_py"    filegroup of the Python outputs (foo_actor.py, .pyi) and
                  the Python runtime they import
  name + "_node"  filegroup of the Node outputs (foo.actor.js, .d.ts) and
                  the Node runtime (actorc_runtime.js, capnp_wire.js)

Imports: every file a src imports must be in srcs or in a dep's srcs, in
the same directory layout as the import path says (actorc and capnp both
resolve imports relative to the importing file). Generated files are never
checked in.
"""

load("//tools/build:defs.bzl", "myr_cc_library")

# Backends whose outputs the macro declares (each must be a dep of
# //codegen:actorc_tool). Switch one off to build without it.
_PY_READY = True
_NODE_READY = True

def _stem(src):
    base = src.split("/")[-1]
    if not base.endswith(".actor"):
        fail("actor_library: %s: srcs must be .actor files" % src)
    return src[:-len(".actor")]

def actor_library(name, srcs, deps = [], visibility = None, testonly = False):
    tool = "//codegen:actorc_tool"
    dep_srcs = [d + "_srcs" for d in deps]
    dep_capnp = [d + "_capnp" for d in deps]
    capnps = []
    hdrs = []
    ccs = []
    pys = []
    nodes = []
    for src in srcs:
        stem = _stem(src)
        langs = ["capnp", "cpp"]
        outs = [stem + ".capnp", stem + ".actor.h", stem + ".actor.cc"]
        if _PY_READY:
            langs.append("python")
            outs += [stem + "_actor.py", stem + "_actor.pyi"]
            pys += [stem + "_actor.py", stem + "_actor.pyi"]
        if _NODE_READY:
            langs.append("node")
            outs += [stem + ".actor.js", stem + ".actor.d.ts"]
            nodes += [stem + ".actor.js", stem + ".actor.d.ts"]
        native.genrule(
            name = "%s_%s_actorc" % (name, stem.replace("/", "_")),
            srcs = srcs + dep_srcs,
            outs = outs,
            cmd = "$(location %s) generate %s -o $(@D) $(location %s)" % (
                tool,
                " ".join(["--lang " + l for l in langs]),
                src,
            ),
            tools = [tool],
            testonly = testonly,
            visibility = ["//visibility:private"],
        )
        capnps.append(stem + ".capnp")
        hdrs.append(stem + ".actor.h")
        ccs.append(stem + ".actor.cc")

    # The system capnp compiles every schema of this library in one run;
    # --src-prefix keeps outputs next to their .capnp in the bin tree.
    native.genrule(
        name = name + "_capnp_cpp",
        srcs = capnps + dep_capnp,
        outs = [s + ".capnp.h" for s in [_stem(x) for x in srcs]] +
               [s + ".capnp.cc" for s in [_stem(x) for x in srcs]],
        cmd = " && ".join([
            "$(location @tool_capnp//:bin/capnp) compile --src-prefix=$(GENDIR) " +
            "-o$(location @tool_capnpc_cpp//:bin/capnpc-c++):$(GENDIR) " +
            " ".join(["$(location %s)" % c for c in capnps]),
        ] + [
            "mv $(GENDIR)/%s/%s.capnp.c++ $(location %s.capnp.cc)" % (native.package_name(), s, s)
            for s in [_stem(x) for x in srcs]
        ]),
        tools = [
            "@tool_capnp//:bin/capnp",
            "@tool_capnpc_cpp//:bin/capnpc-c++",
        ],
        testonly = testonly,
        visibility = ["//visibility:private"],
    )

    native.filegroup(name = name + "_srcs", srcs = srcs, visibility = visibility, testonly = testonly)
    native.filegroup(name = name + "_capnp", srcs = capnps, visibility = visibility, testonly = testonly)
    # The generated modules import their runtimes: actorc.backends.python.rt
    # and actorc.wire (Python), actorc_runtime (Node).
    native.filegroup(
        name = name + "_py",
        srcs = pys + (["//codegen/actorc/backends/python", "//codegen/actorc/wire"] if _PY_READY else []),
        visibility = visibility,
        testonly = testonly,
    )
    native.filegroup(
        name = name + "_node",
        srcs = nodes + (["//codegen/actorc/backends/node:runtime"] if _NODE_READY else []),
        visibility = visibility,
        testonly = testonly,
    )

    # The system capnp's C++ code (myr::<package>::wire).
    myr_cc_library(
        name = name + "_wire",
        srcs = [_stem(x) + ".capnp.cc" for x in srcs],
        hdrs = [_stem(x) + ".capnp.h" for x in srcs],
        # capnp's generated code trips -Wextra; it is not ours to fix.
        copts = ["-w"],
        deps = [d + "_wire" for d in deps] + ["@capnp"],
        visibility = visibility,
        testonly = testonly,
    )

    myr_cc_library(
        name = name,
        srcs = ccs,
        hdrs = hdrs,
        deps = deps + [
            ":" + name + "_wire",
            "//codegen/actorc/backends/cpp:support",
            # The `pid` type is ::myr::Pid (libs/pid/pid.h).
            "//libs/pid",
            "//libs/sched",
            # The wire codecs and dispatch tables (libs/wire/codec.h).
            "//libs/wire",
            "@absl",
            "@capnp",
        ],
        # The .cc registers every codec and dispatch table at static
        # initialization (a receiving node finds them by id); without
        # alwayslink a binary that references nothing in it would drop it.
        alwayslink = 1,
        visibility = visibility,
        testonly = testonly,
    )

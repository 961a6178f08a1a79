"""capnp_cc_library: Cap'n Proto schemas compiled by the system `capnp` into
a C++ library (foo.capnp -> foo.capnp.h / foo.capnp.cc beside it in the bin
tree; include as "<package path>/foo.capnp.h").

    load("//tools/build:capnp.bzl", "capnp_cc_library")

    capnp_cc_library(
        name = "forms_capnp",
        srcs = ["forms.capnp"],
    )
"""

def capnp_cc_library(name, srcs, deps = [], visibility = None, testonly = False):
    stems = [s[:-len(".capnp")] for s in srcs]
    native.genrule(
        name = name + "_gen",
        srcs = srcs,
        outs = [s + ".capnp.h" for s in stems] + [s + ".capnp.cc" for s in stems],
        cmd = " && ".join([
            "$(location @tool_capnp//:bin/capnp) compile --src-prefix=" + native.package_name() +
            " -o$(location @tool_capnpc_cpp//:bin/capnpc-c++):$(@D) " +
            " ".join(["$(location %s)" % s for s in srcs]),
        ] + [
            "mv $(@D)/%s.capnp.c++ $(location %s.capnp.cc)" % (s, s)
            for s in stems
        ]),
        tools = [
            "@tool_capnp//:bin/capnp",
            "@tool_capnpc_cpp//:bin/capnpc-c++",
        ],
        testonly = testonly,
        visibility = ["//visibility:private"],
    )
    native.cc_library(
        name = name,
        srcs = [s + ".capnp.cc" for s in stems],
        hdrs = [s + ".capnp.h" for s in stems],
        deps = deps + ["@capnp"],
        testonly = testonly,
        visibility = visibility,
    )

"""Thin project macros: they add the project's compiler flags and tags and
nothing else (no hidden dependencies). One place for copts, as abseil does."""

MYR_COPTS = [
    "-Wall",
    "-Wextra",
    "-Wno-unused-parameter",
    "-Wno-missing-field-initializers",
]

MYR_TEST_COPTS = MYR_COPTS + ["-Wno-sign-compare"]

def myr_cc_library(name, copts = [], **kwargs):
    native.cc_library(name = name, copts = MYR_COPTS + copts, **kwargs)

def myr_cc_binary(name, copts = [], **kwargs):
    native.cc_binary(name = name, copts = MYR_COPTS + copts, **kwargs)

def myr_cc_test(name, copts = [], deps = [], **kwargs):
    """A GoogleTest unit test (gtest_main supplied)."""
    native.cc_test(
        name = name,
        copts = MYR_TEST_COPTS + copts,
        deps = deps + ["@gtest", "@gtest_main"],
        **kwargs
    )

def myr_cc_benchmark(name, copts = [], deps = [], tags = [], **kwargs):
    """A Google Benchmark binary, tagged "benchmark" so `bazel test //...`
    builds it but a plain test run skips timing it (tools/bench runs it)."""
    native.cc_binary(
        name = name,
        copts = MYR_COPTS + copts,
        deps = deps + ["@benchmark", "@benchmark_main"],
        tags = tags + ["benchmark"],
        **kwargs
    )

def myr_cc_fuzz_test(name, srcs, deps = [], copts = [], tags = [], **kwargs):
    """A libFuzzer target (LLVMFuzzerTestOneInput, optionally MyrFuzzSeeds)
    run as a test by the GCC-friendly driver in //tools/build/fuzz: its seeds
    and a fixed number of mutations, so that it runs under every sanitizer
    config of the test command. Link the same sources against libFuzzer with
    clang for long runs (docs/building.md, "Fuzzing")."""
    native.cc_test(
        name = name,
        srcs = srcs,
        copts = MYR_TEST_COPTS + copts,
        deps = deps + ["//tools/build/fuzz:fuzz_main"],
        tags = tags + ["fuzz"],
        **kwargs
    )

"""Encode/decode throughput of the Python Cap'n Proto runtime.

    python3 codegen/actorc/wire/bench.py [--seconds 1.0]

Messages: "small" (an Inner: u32, text, bool, 3-element text list, nested
struct; 160 bytes, typical of an actor call) and "full" (the AllTypes test
vector: every field kind; 1088 bytes). "decode" reads every field into a
dict (what generated `from_bytes` does); "access" opens the message and reads
three fields (zero-copy lazy access)."""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

from actorc.wire import capnp_wire as cw  # noqa: E402
from actorc.wire.testing import vectors as V  # noqa: E402

SMALL = {"id": 12345, "name": "worker-17", "flag": True, "tags": ["a", "bb", "ccc"],
         "child": {"id": 1, "name": "reply-to"}}


def rate(fn, seconds):
    n, start = 0, time.perf_counter()
    batch = 100
    while True:
        for _ in range(batch):
            fn()
        n += batch
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return n / elapsed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=1.0)
    args = ap.parse_args()
    c = V.Codec()
    lay = c.layouts["Inner"]
    name_ptr = lay.field("name").offset
    print("python %s" % sys.version.split()[0])
    for label, root, value in (("small", "Inner", SMALL), ("full", "AllTypes", V.VECTORS["full"])):
        data = c.encode(root, value)
        enc = rate(lambda: c.encode(root, value), args.seconds)
        dec = rate(lambda: c.decode(root, data), args.seconds)
        line = "%-5s %5d B  encode %8.0f msg/s %6.1f MB/s   decode %8.0f msg/s %6.1f MB/s" % (
            label, len(data), enc, enc * len(data) / 1e6, dec, dec * len(data) / 1e6)
        if root == "Inner":
            def access():
                r = cw.MessageReader(data).root()
                return r.get("uint32", 0), r.get_text(name_ptr), r.get_bool(32)
            acc = rate(access, args.seconds)
            line += "   access(3 fields) %8.0f msg/s" % acc
        print(line)


if __name__ == "__main__":
    main()

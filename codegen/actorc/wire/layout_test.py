"""layout.py against the real capnp compiler.

`capnp compile -ocapnp` prints every struct as
    struct Name @0x... {  # 48 bytes, 20 ptrs
      field @3 :Int32;  # bits[32, 64)
      other @4 :Text;  # ptr[0]
and these tests compare that, field by field, with layout_struct for the
test schema and for randomized structs (seeded)."""

import os
import random
import re
import tempfile
import unittest

from actorc.wire.layout import LayoutError, layout_struct
from actorc.wire.testing import capnp_tool

CAPNP_TYPES = {
    "Bool": "bool", "Int8": "int8", "Int16": "int16", "Int32": "int32", "Int64": "int64",
    "UInt8": "uint8", "UInt16": "uint16", "UInt32": "uint32", "UInt64": "uint64",
    "Float32": "float32", "Float64": "float64", "Text": "text", "Data": "data",
}


def compile_capnp(path):
    """Runs `capnp compile -ocapnp` and returns {struct: (bytes, ptrs, [(name, kind, comment)])}."""
    out = capnp_tool.run(["compile", "-ocapnp", path]).decode()
    enums = set(re.findall(r"^enum (\w+) @0x", out, re.M))
    structs = {}
    current = None
    for line in out.splitlines():
        m = re.match(r"^struct (\w+) @0x[0-9a-f]+ \{  # (\d+) bytes, (\d+) ptrs$", line)
        if m:
            current = (int(m.group(2)), int(m.group(3)), [])
            structs[m.group(1)] = current
            continue
        m = re.match(r"^  (\w+) @\d+ :([\w()]+);  # (.*)$", line)
        if m and current is not None:
            t = m.group(2)
            if t in CAPNP_TYPES:
                kind = CAPNP_TYPES[t]
            elif t.startswith("List("):
                kind = "list"
            elif t in enums:
                kind = "enum"
            else:
                kind = "struct"
            current[2].append((m.group(1), kind, m.group(3)))
        elif line == "}":
            current = None
    return structs


def check_against_capnp(test, path):
    structs = compile_capnp(path)
    test.assertTrue(structs)
    nfields = 0
    for name, (nbytes, nptrs, fields) in structs.items():
        lay = layout_struct([(f, k) for f, k, _ in fields])
        test.assertEqual((lay.data_words * 8, lay.pointer_count), (nbytes, nptrs), name)
        for (fname, _, comment), placement in zip(fields, lay.fields):
            test.assertEqual(placement.capnp_comment(), comment, "%s.%s" % (name, fname))
            nfields += 1
    return len(structs), nfields


KINDS = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
         "float32", "float64", "enum", "text", "data", "list", "struct"]
DECL = {"bool": "Bool", "int8": "Int8", "int16": "Int16", "int32": "Int32", "int64": "Int64",
        "uint8": "UInt8", "uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64",
        "float32": "Float32", "float64": "Float64", "enum": "E", "text": "Text",
        "data": "Data", "list": "List(Int32)", "struct": "S0"}


class LayoutTest(unittest.TestCase):
    def test_hand_checked(self):
        lay = layout_struct([("a", "bool"), ("b", "int32"), ("c", "text"), ("d", "bool"),
                             ("e", "uint16"), ("f", "list"), ("g", "float64"), ("h", "enum"),
                             ("i", "struct")])
        self.assertEqual([p.capnp_comment() for p in lay.fields],
                         ["bits[0, 1)", "bits[32, 64)", "ptr[0]", "bits[1, 2)", "bits[16, 32)",
                          "ptr[1]", "bits[64, 128)", "bits[128, 144)", "ptr[2]"])
        self.assertEqual((lay.data_words, lay.pointer_count), (3, 3))
        self.assertEqual(lay.field("e").byte_offset, 2)
        self.assertEqual(lay.field("e").offset, 1)   # in units of 16 bits

    def test_empty(self):
        lay = layout_struct([])
        self.assertEqual((lay.data_words, lay.pointer_count, lay.fields), (0, 0, ()))

    def test_errors(self):
        with self.assertRaisesRegex(LayoutError, r"^field 'x' has unknown kind 'int128'$"):
            layout_struct([("x", "int128")])
        with self.assertRaisesRegex(LayoutError, r"^duplicate field name 'x'$"):
            layout_struct([("x", "bool"), ("x", "bool")])

    def test_test_schema_matches_capnp(self):
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "testing", "wire_test.capnp")
        nstructs, nfields = check_against_capnp(self, path)
        self.assertEqual((nstructs, nfields), (3, 41))

    def test_random_structs_match_capnp(self):
        rng = random.Random(20261121)
        lines = ["@0xc3b2a1f0e9d8c7b6;", "enum E { a @0; b @1; }", "struct S0 { x @0 :Int8; }"]
        for s in range(1, 301):
            n = rng.randint(1, 48)
            # Bias some structs towards small data fields (more hole filling).
            pool = KINDS if s % 3 else ["bool", "int8", "uint8", "int16", "int32", "int64", "text"]
            fields = ["  f%d @%d :%s;" % (i, i, DECL[rng.choice(pool)]) for i in range(n)]
            lines.append("struct S%d {\n%s\n}" % (s, "\n".join(fields)))
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "random.capnp")
            with open(path, "w") as f:
                f.write("\n".join(lines) + "\n")
            nstructs, nfields = check_against_capnp(self, path)
        self.assertEqual(nstructs, 301)
        self.assertGreater(nfields, 3000)


if __name__ == "__main__":
    unittest.main()

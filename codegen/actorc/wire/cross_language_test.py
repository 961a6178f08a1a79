"""Byte-for-byte checks of the Python runtime against C++ capnp.

testing/wire_vectors (C++, system libcapnp, code generated from
testing/wire_test.capnp by the system capnp) writes each test vector with
capnp::messageToFlatArray; Python must build IDENTICAL bytes with the same
values, read the C++ bytes (one segment and many segments) back to the same
values, and the C++ reader must accept what Python built."""

import os
import struct
import subprocess
import tempfile
import unittest

from actorc.wire import capnp_wire as cw
from actorc.wire.testing import vectors as V


def tool():
    base = os.environ.get("TEST_SRCDIR")
    if base:
        p = os.path.join(base, "myrmidon", "codegen", "actorc", "wire", "wire_vectors")
        if os.path.exists(p):
            return p
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.join(here, "..", "..", "..", "bazel-bin", "codegen", "actorc", "wire", "wire_vectors")


class CrossLanguageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
        cls.cpp_dir = os.path.join(cls.tmp, "cpp")
        os.mkdir(cls.cpp_dir)
        subprocess.run([tool(), "write", cls.cpp_dir], check=True)
        cls.codec = V.Codec()

    def cpp_bytes(self, name):
        with open(os.path.join(self.cpp_dir, name + ".bin"), "rb") as f:
            return f.read()

    def cpp_check(self, name, data):
        path = os.path.join(self.tmp, "py_" + name + ".bin")
        with open(path, "wb") as f:
            f.write(data)
        r = subprocess.run([tool(), "check", name, path], capture_output=True, text=True)
        return r.returncode, r.stdout.strip()

    def test_vectors_present(self):
        names = sorted(n[:-4] for n in os.listdir(self.cpp_dir) if n.endswith(".bin") and ".multi" not in n)
        self.assertEqual(names, sorted(V.VECTORS))

    def test_python_bytes_identical_to_cpp(self):
        for name, value in V.VECTORS.items():
            with self.subTest(name):
                want = self.cpp_bytes(name)
                got = self.codec.encode("AllTypes", value)
                self.assertEqual(len(got), len(want))
                self.assertEqual(got.hex(), want.hex())

    def test_python_reads_cpp_single_segment(self):
        for name, value in V.VECTORS.items():
            with self.subTest(name):
                self.assertEqual(self.codec.decode("AllTypes", self.cpp_bytes(name)),
                                 self.codec.normalize("AllTypes", value))

    def test_python_reads_cpp_multi_segment(self):
        for name, value in V.VECTORS.items():
            with self.subTest(name):
                data = self.cpp_bytes(name + ".multi")
                self.assertGreater(cw.MessageReader(data).segment_count, 1)
                self.assertEqual(self.codec.decode("AllTypes", data),
                                 self.codec.normalize("AllTypes", value))

    def test_cpp_reads_python(self):
        for name, value in V.VECTORS.items():
            with self.subTest(name):
                self.assertEqual(self.cpp_check(name, self.codec.encode("AllTypes", value)),
                                 (0, "OK " + name))

    def test_cpp_rejects_different_values(self):
        value = dict(V.VECTORS["full"], i64=1)
        code, out = self.cpp_check("full", self.codec.encode("AllTypes", value))
        self.assertEqual(code, 1)
        self.assertTrue(out.startswith("MISMATCH full\ngot: (b = true, i8 = -5"), out)

    def test_double_far_message_both_sides(self):
        data = V.inner_far_message()
        self.assertEqual(struct.unpack_from("<I", data)[0] + 1, 4)
        self.assertEqual(self.codec.decode("Inner", data), self.codec.normalize("Inner", V.INNER_FAR_VALUE))
        self.assertEqual(self.cpp_check("inner_far", data), (0, "OK inner_far"))

    def test_cpp_dump_of_python_text(self):
        data = self.codec.encode("AllTypes", {"text": "h\u00e9 \U0001F41C", "u64": 2**64 - 1, "i8": -1})
        path = os.path.join(self.tmp, "py_dump.bin")
        with open(path, "wb") as f:
            f.write(data)
        out = subprocess.run([tool(), "dump", "zero", path], capture_output=True, check=True).stdout
        self.assertEqual(out.decode("utf-8").strip(),
                         '(b = false, i8 = -1, i16 = 0, i32 = 0, i64 = 0, u8 = 0, u16 = 0, u32 = 0, '
                         'u64 = 18446744073709551615, f32 = 0, f64 = 0, color = red, b2 = false, '
                         'text = "h\u00e9 \U0001F41C", b3 = false, u8b = 0)')


if __name__ == "__main__":
    unittest.main()

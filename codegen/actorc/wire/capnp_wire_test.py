"""Unit tests of the Python Cap'n Proto runtime: exact bytes, defaults,
schema evolution, and malformed input (always WireError, with its message).
The C++ comparisons are in cross_language_test.py."""

import struct
import unittest

from actorc.wire import capnp_wire as cw
from actorc.wire.testing import vectors as V


def words(*ws):
    return b"".join(struct.pack("<Q", w) for w in ws)


def hexwords(s):
    return bytes.fromhex(s.replace(" ", "").replace("\n", ""))


class ExactBytesTest(unittest.TestCase):
    codec = V.Codec()

    def test_inner_matches_capnp_encode(self):
        # `echo '(id = 1, name = "ab")' | capnp encode wire_test.capnp Inner`
        want = hexwords("""
            0000000006000000 0000000001000300 0100000000000000 090000001a000000
            0000000000000000 0000000000000000 6162000000000000""")
        self.assertEqual(self.codec.encode("Inner", {"id": 1, "name": "ab"}), want)

    def test_empty_struct_root_points_at_itself(self):
        # `echo '()' | capnp encode wire_test.capnp Empty`
        self.assertEqual(self.codec.encode("Empty", {}), hexwords("0000000001000000 fcffffff00000000"))

    def test_bool_list_and_inline_composite_tag(self):
        mb = cw.MessageBuilder()
        root = mb.init_root(0, 2)
        root.set_list(0, "bool", [True, False, True] + [False] * 6 + [True])
        lst = root.init_struct_list(1, 2, 1, 0)
        lst[0].set("int16", 0, -2)
        lst[1].set("int16", 6, 7)
        self.assertEqual(mb.to_bytes(), struct.pack("<II", 0, 7) + words(
            0x0002000000000000,          # root: struct, 0 data words, 2 pointers
            1 | (1 << 2) | (1 << 32) | (10 << 35),   # bit list of 10 at +1
            1 | (1 << 2) | (7 << 32) | (2 << 35),    # inline composite, 2 words at +1
            0b1000000101,                # the bits
            (2 << 2) | (1 << 32),        # tag: 2 elements of 1 data word
            0xFFFE,                      # element 0
            7 << 48))                    # element 1

    def test_data_is_zero_copy(self):
        buf = bytearray(self.codec.encode("AllTypes", {"data": b"hello"}))
        r = cw.MessageReader(buf).root()
        mv = r.get_data(V.Codec().layouts["AllTypes"].field("data").offset)
        self.assertIsInstance(mv, memoryview)
        self.assertEqual(bytes(mv), b"hello")
        buf[buf.index(b"hello")] = ord("j")   # the view sees the change
        self.assertEqual(bytes(mv), b"jello")

    def test_round_trip_all_vectors(self):
        for name, value in V.VECTORS.items():
            with self.subTest(name):
                data = self.codec.encode("AllTypes", value)
                self.assertEqual(self.codec.decode("AllTypes", data), self.codec.normalize("AllTypes", value))


class DefaultsAndEvolutionTest(unittest.TestCase):
    def test_null_pointers_read_as_defaults(self):
        c = V.Codec()
        out = c.decode("AllTypes", c.encode("AllTypes", {}))
        self.assertEqual(out["text"], "")
        self.assertEqual(out["data"], b"")
        self.assertEqual(out["i32List"], [])
        self.assertEqual(out["innerList"], [])
        self.assertIsNone(out["inner"])
        r = cw.MessageReader(c.encode("AllTypes", {})).root()
        self.assertEqual(r.get_struct(2).get("uint32", 0), 0)

    def test_old_message_new_schema(self):
        # A writer that knew only Inner.id (1 data word, 0 pointers) ...
        mb = cw.MessageBuilder()
        mb.init_root(1, 0).set("uint32", 0, 99)
        # ... read with the full Inner schema: missing fields are defaults.
        out = V.Codec().decode("Inner", mb.to_bytes())
        self.assertEqual(out, {"id": 99, "name": "", "flag": False, "tags": [], "child": None})

    def test_new_message_old_schema(self):
        c = V.Codec()
        data = c.encode("Inner", {"id": 5, "name": "x", "flag": True})
        old = V.Codec({"Inner": [("id", "uint32")]})
        self.assertEqual(old.decode("Inner", data), {"id": 5})

    def test_primitive_list_read_as_struct_list(self):
        # capnp allows List(UInt32) -> List(Struct) whose first field is UInt32.
        mb = cw.MessageBuilder()
        mb.init_root(0, 1).set_list(0, "uint32", [10, 20])
        r = cw.MessageReader(mb.to_bytes()).root()
        self.assertEqual([s.get("uint32", 0) for s in r.get_struct_list(0)], [10, 20])
        self.assertEqual([s.get("uint32", 4) for s in r.get_struct_list(0)], [0, 0])

    def test_struct_list_read_as_primitive_list(self):
        mb = cw.MessageBuilder()
        lst = mb.init_root(0, 1).init_struct_list(0, 2, 1, 1)
        lst[0].set("int32", 0, -1)
        lst[1].set("int32", 0, 3)
        r = cw.MessageReader(mb.to_bytes()).root()
        self.assertEqual(r.get_prim_list(0, "int32"), [-1, 3])


class BuilderErrorsTest(unittest.TestCase):
    def test_out_of_range_values(self):
        sb = cw.MessageBuilder().init_root(1, 1)
        with self.assertRaisesRegex(ValueError, r"^int8 field: .*\(value 128\)$"):
            sb.set("int8", 0, 128)
        with self.assertRaisesRegex(ValueError, r"^uint16 value -1 out of range \[0, 65535\]$"):
            sb.set_list(0, "uint16", [1, -1])

    def test_pointer_set_twice(self):
        sb = cw.MessageBuilder().init_root(0, 1)
        sb.set_text(0, "a")
        with self.assertRaisesRegex(ValueError, "pointer already set"):
            sb.set_text(0, "b")

    def test_offsets_checked(self):
        sb = cw.MessageBuilder().init_root(1, 1)
        with self.assertRaisesRegex(IndexError, r"^data offset 8 outside a 1-word data section$"):
            sb.set("int8", 8, 1)
        with self.assertRaisesRegex(IndexError, r"^pointer 1 outside a struct with 1 pointers$"):
            sb.set_text(1, "x")


ROOT_INNER = 0 | (1 << 32) | (3 << 48)


class MalformedInputTest(unittest.TestCase):
    """Every malformed buffer raises WireError with a precise message."""

    def err(self, data, message, read=lambda root: V.Codec().read("Inner", root), **limits):
        with self.assertRaises(cw.WireError) as ctx:
            read(cw.MessageReader(data, **limits).root())
        self.assertEqual(str(ctx.exception), message)

    def test_too_short_for_segment_table(self):
        self.err(b"\0\0\0", "truncated message: 3 bytes, the segment table needs at least 8")

    def test_truncated_segment(self):
        full = V.Codec().encode("Inner", {"id": 1, "name": "ab"})
        self.err(full[:-8], "truncated message: segment 0 of 6 words ends at byte 56, the buffer has 48")

    def test_too_many_segments(self):
        self.err(struct.pack("<II", 600, 1) + bytes(8), "bad segment table: 601 segments (the limit is 512)")

    def test_segment_table_truncated(self):
        self.err(struct.pack("<II", 3, 1), "truncated message: the segment table of 4 segments needs 24 bytes, got 8")

    def test_empty_first_segment(self):
        self.err(struct.pack("<II", 0, 0), "bad message: the first segment is empty (no root pointer)")

    def test_struct_out_of_bounds(self):
        data = V.frame([words(ROOT_INNER | (5 << 2), 0)])
        self.err(data, "struct at words [6, 10) is outside segment 0 (2 words)")

    def test_negative_offset(self):
        data = V.frame([words(ROOT_INNER | ((-3 & 0x3FFFFFFF) << 2))])
        self.err(data, "struct at words [-2, 2) is outside segment 0 (1 words)")

    def test_list_out_of_bounds(self):
        text_ptr = 1 | (0 << 2) | (2 << 32) | (100 << 35)
        data = V.frame([words(ROOT_INNER, 0, text_ptr, 0, 0)])
        self.err(data, "list at words [3, 16) is outside segment 0 (5 words)")

    def test_far_pointer_to_missing_segment(self):
        data = V.frame([words(2 | (0 << 3) | (7 << 32))])
        self.err(data, "far pointer to segment 7, the message has 1")

    def test_far_landing_pad_outside(self):
        data = V.frame([words(2 | (9 << 3) | (1 << 32)), words(0)])
        self.err(data, "far pointer landing pad at word 9 is outside segment 1 (1 words)")

    def test_far_to_far(self):
        data = V.frame([words(2 | (1 << 32)), words(2 | (1 << 32))])
        self.err(data, "far pointer landing pad is itself a far pointer")

    def test_double_far_bad_pad(self):
        data = V.frame([words(2 | 4 | (1 << 32)), words(ROOT_INNER, ROOT_INNER)])
        self.err(data, "double-far landing pad does not start with a single far pointer")

    def test_wrong_pointer_kind(self):
        data = V.frame([words(1 | (2 << 32))])  # a list where a struct is expected
        self.err(data, "expected a struct pointer, found a list pointer")

    def test_capability_pointer(self):
        data = V.frame([words(3)])
        self.err(data, "expected a struct pointer, found a capability pointer")

    def test_text_not_nul_terminated(self):
        text_ptr = 1 | (2 << 2) | (2 << 32) | (2 << 35)
        data = V.frame([words(ROOT_INNER, 0, text_ptr, 0, 0, 0x6261)])
        self.err(data, "text is not NUL-terminated")

    def test_text_bad_utf8(self):
        text_ptr = 1 | (2 << 2) | (2 << 32) | (2 << 35)
        data = V.frame([words(ROOT_INNER, 0, text_ptr, 0, 0, 0xff)])
        self.err(data, "text is not valid UTF-8 (invalid start byte)")

    def test_text_with_wrong_element_size(self):
        text_ptr = 1 | (2 << 2) | (4 << 32) | (1 << 35)
        data = V.frame([words(ROOT_INNER, 0, text_ptr, 0, 0, 0)])
        self.err(data, "expected a list of bytes (text or data), found element size code 4")

    def test_composite_list_overrun(self):
        # innerList tag claims 5 elements of 4 words in a 4-word list.
        lay = V.Codec().layouts["AllTypes"]
        ptrs = [0] * lay.pointer_count
        idx = lay.field("innerList").offset
        ptrs[idx] = 1 | ((lay.pointer_count - idx - 1) << 2) | (7 << 32) | (4 << 35)
        root = 0 | (lay.data_words << 32) | (lay.pointer_count << 48)
        body = words(root, *([0] * lay.data_words), *ptrs, (5 << 2) | (1 << 32) | (3 << 48), 0, 0, 0, 0)
        self.err(V.frame([body]), "inline composite list of 5 elements of 4 words overruns its 4 words",
                 read=lambda r: V.Codec().read("AllTypes", r))

    def test_pointer_cycle_hits_nesting_limit(self):
        # Inner whose child pointer points back at the struct itself.
        child_ptr = ((-4 & 0x3FFFFFFF) << 2) | (1 << 32) | (3 << 48)
        data = V.frame([words(ROOT_INNER, 0, 0, 0, child_ptr)])
        self.err(data, "nesting limit exceeded: the message is too deeply nested or contains a cycle")

    def test_amplification_hits_traversal_limit(self):
        # 1000 text pointers all aimed at the same 1000-word text: 8 KB of
        # message, a million words of reading.
        n = 1000
        ws = [0 | (0 << 32) | (1 << 48), 1 | (0 << 2) | (6 << 32) | (n << 35)]
        for i in range(n):
            ws.append(1 | ((n - i - 1) << 2) | (2 << 32) | ((8 * n) << 35))
        ws += [0] * n
        data = V.frame([words(*ws)])
        self.err(data, "traversal limit exceeded: the message reads more words than allowed "
                       "(amplification or pointer cycle?)",
                 read=lambda r: [x for x in r.get_data_list(0)], traversal_limit_words=100000)
        # The same message reads fine with capnp's default limit when read once.
        self.assertEqual(len(cw.MessageReader(data).root().get_data_list(0)), n)

    def test_empty_struct_list_amplification(self):
        # A list of 2**29 zero-sized structs costs 2**29 words.
        ptr = 1 | (7 << 32) | (0 << 35)
        tag = ((1 << 29) << 2)
        data = V.frame([words(0 | (1 << 48), ptr, tag)])
        self.err(data, "traversal limit exceeded: the message reads more words than allowed "
                       "(amplification or pointer cycle?)",
                 read=lambda r: r.get_struct_list(0))

    def test_random_corruption_never_escapes(self):
        """Seeded mutation fuzzing: a corrupted message either decodes or
        raises WireError, never anything else."""
        c = V.Codec()
        seeds = [c.encode("AllTypes", V.VECTORS["full"]), V.inner_far_message()]
        outcomes = {"ok": 0, "WireError": 0}
        for i, data in V.mutations(seeds, 3000, seed=1234):
            try:
                c.decode("AllTypes" if i % 2 == 0 else "Inner", data,
                         traversal_limit_words=1 << 16)
                outcomes["ok"] += 1
            except cw.WireError:
                outcomes["WireError"] += 1
        self.assertGreater(outcomes["WireError"], 100)
        self.assertGreater(outcomes["ok"], 100)


if __name__ == "__main__":
    unittest.main()

"""Pid (pid.py): the bit layout of libs/pid/pid.h, immutability, ordering and
the "<node.slot.generation>" text form of C++ Pid::ToString / Parse."""

import copy
import dataclasses
import pickle
import unittest

from actorc.wire.pid import MAX_GENERATION, MAX_NODE, MAX_SLOTS, Pid


class PidTest(unittest.TestCase):
    def test_the_parts_sit_where_libs_pid_puts_them(self):
        p = Pid.make(node=3, slot=5, generation=7)
        self.assertEqual(p.bits, (3 << 48) | (7 << 27) | 5)
        self.assertEqual((p.node, p.slot, p.generation), (3, 5, 7))
        top = Pid(2**64 - 1)
        self.assertEqual((top.node, top.slot, top.generation), (MAX_NODE, MAX_SLOTS - 1, MAX_GENERATION))

    def test_out_of_range_parts_are_masked_off_as_in_cpp(self):
        self.assertEqual(Pid.make(MAX_NODE + 2, MAX_SLOTS + 1, MAX_GENERATION + 3), Pid.make(1, 1, 2))

    def test_the_zero_pid_is_the_invalid_one_and_the_default(self):
        self.assertEqual(Pid(), Pid(0))
        self.assertFalse(Pid().valid)
        self.assertFalse(Pid.make(9, 9, 0))  # no generation: invalid
        self.assertTrue(Pid.make(0, 0, 1))

    def test_bits_must_fit_in_64_unsigned_bits(self):
        for bad in (-1, 2**64):
            with self.subTest(bad), self.assertRaisesRegex(ValueError, "a pid is 64 bits"):
                Pid(bad)
        with self.assertRaises(TypeError):
            Pid("5")
        with self.assertRaises(TypeError):
            Pid(1.0)

    def test_a_pid_prints_like_cpp_pid_to_string(self):
        self.assertEqual(str(Pid.make(1, 42, 7)), "<1.42.7>")
        self.assertEqual(str(Pid()), "<invalid>")
        self.assertEqual(repr(Pid.make(1, 0, 1)), "Pid(0x0001000008000000)")

    def test_parse_reads_what_str_prints_and_rejects_the_rest(self):
        p = Pid.make(65535, 134217727, 2097151)
        self.assertEqual(Pid.parse(str(p)), p)
        for bad in ("<1.2>", "1.2.3", "<1.2.0>", "<65536.0.1>", "<0.134217728.1>", "<0.0.2097152>", "<a.b.c>"):
            with self.subTest(bad), self.assertRaises(ValueError):
                Pid.parse(bad)

    def test_a_pid_is_an_immutable_hashable_ordered_value(self):
        a, b = Pid.make(1, 2, 3), Pid.make(1, 2, 3)
        self.assertEqual(a, b)
        self.assertEqual(len({a, b, Pid()}), 2)
        self.assertLess(Pid(1), Pid(2))
        self.assertEqual(sorted([Pid(5), Pid(1), Pid(3)]), [Pid(1), Pid(3), Pid(5)])
        self.assertNotEqual(a, a.bits)  # not an int
        with self.assertRaises(AttributeError):
            a.bits = 0
        with self.assertRaises(AttributeError):
            a.other = 0

    def test_copies_and_pickles_keep_the_value(self):
        p = Pid.make(4, 5, 6)
        self.assertEqual((copy.copy(p), copy.deepcopy(p), pickle.loads(pickle.dumps(p))), (p, p, p))

    def test_a_pid_can_be_a_dataclass_default(self):
        @dataclasses.dataclass
        class Holder:
            owner: Pid = Pid(0)

        self.assertEqual(Holder().owner, Pid())


if __name__ == "__main__":
    unittest.main()

"""The Cap'n Proto backend: goldens, acceptance by the system capnp, and the
layout capnp computes for every struct == actorc.wire.layout (wire_model)."""

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata"))
import testutil  # noqa: E402

from actorc import ir, wire_model  # noqa: E402

GOLDEN = testutil.golden_dir(__file__)


class CapnpBackendTest(unittest.TestCase):
    def test_goldens(self):
        testutil.check_backend_goldens(self, "capnp", GOLDEN)

    def test_output_names_and_header(self):
        testutil.check_headers(self, "capnp", testutil.BANK, "#")
        _, outputs = testutil.generate("capnp", testutil.BANK)
        self.assertEqual(sorted(outputs), ["bank.capnp", "common.capnp"])
        self.assertEqual(outputs["bank.capnp"].splitlines()[1], "@0xc144cf9fc3d58f21;")
        text = outputs["bank.capnp"]
        self.assertIn('$Cxx.namespace("myr::bank::wire");', text)
        self.assertIn('using Common = import "common.capnp";', text)
        self.assertIn("  amount @2 :Common.Money;\n", text)
        self.assertIn("  # Free text from the customer; absent when none was given.\n  memo @4 :Text;  # optional: null = absent\n", text)
        self.assertIn("  at @3 :Int64;  # timestamp: nanoseconds since the Unix epoch\n", text)
        self.assertIn("  legacyCode @10 :Int32;  # deprecated\n", text)
        self.assertIn("  attributes @6 :List(AttributesEntry);  # map<string, bytes>, entries sorted by key\n", text)

    def check_schema(self, schema):
        program, outputs = testutil.generate("capnp", schema)
        with tempfile.TemporaryDirectory() as d:
            testutil.write_all(outputs, d)
            nstructs = 0
            for mod in program.modules:
                name = os.path.basename(mod.display)[:-len(".actor")] + ".capnp"
                got = testutil.parse_ocapnp(testutil.run_capnp(["compile", "-ocapnp", name], d).decode())
                expected = wire_model.wire_structs(mod)
                # Every struct wire_model knows, plus one field-less struct per actor.
                self.assertEqual(sorted(got), sorted([w.path for w in expected] + [a.name for a in mod.actors]))
                for a in mod.actors:
                    self.assertEqual(got[a.name][:4], (a.id, 0, 0, []))
                for w in expected:
                    cid, nbytes, nptrs, fields = got[w.path]
                    self.assertEqual(cid, w.id, w.path)
                    self.assertEqual((nbytes, nptrs), (w.layout.data_words * 8, w.layout.pointer_count), w.path)
                    self.assertEqual([(n, o) for n, o, _ in fields], [(f.name, f.ordinal) for f in w.fields], w.path)
                    self.assertEqual([c for _, _, c in fields], [f.placement.capnp_comment() for f in w.fields], w.path)
                    nstructs += 1
            return nstructs

    def test_bank_compiles_and_layout_matches(self):
        # 22 model structs and entries, plus the history stream's Open and Event.
        self.assertEqual(self.check_schema(testutil.BANK), 26)

    def test_extra_compiles_and_layout_matches(self):
        # Optional wrappers, nested map entries, lists of maps, imported enums
        # (23), plus the points stream's Open and Event.
        self.assertEqual(self.check_schema(testutil.EXTRA), 25)

    def test_wire_model_of_extra(self):
        program = testutil.load(testutil.EXTRA)
        ws = {w.path: w for w in wire_model.wire_structs(program.root)}
        shapes = ws["Shapes"]
        f = {x.name: x for x in shapes.fields}
        self.assertEqual(f["maybeInt"].capnp_type, "OptionalInt64")
        self.assertIs(f["maybeInt"].wrapper, ws["OptionalInt64"])
        self.assertIs(f["maybeTime"].wrapper, ws["OptionalInt64"])
        self.assertEqual(f["maybeLevel"].capnp_type, "OptionalLevel")
        self.assertEqual(ws["OptionalLevel"].fields[0].capnp_type, "ExtraDep.Level")
        self.assertEqual(f["maybeBytes"].capnp_type, "Data")
        self.assertIsNone(f["maybeBytes"].wrapper)
        self.assertEqual(f["listOfMaps"].capnp_type, "List(List(ListOfMapsEntry))")
        self.assertIs(f["listOfMaps"].entry, ws["Shapes.ListOfMapsEntry"])
        self.assertEqual(ws["Shapes.NestedMapEntry"].fields[1].capnp_type, "List(ValueEntry)")
        self.assertEqual(ws["Shapes.NestedMapEntry.ValueEntry"].origin, "map_entry")
        self.assertEqual(ws["Painter.CountResults"].fields[0].kind, "struct")
        self.assertEqual(ws["OptionalBool"].layout.field("value").bit_offset, 0)

    def test_a_pid_is_its_bits_as_a_uint64(self):
        ws = {w.path: w for w in wire_model.wire_structs(testutil.load(testutil.BANK).root)}
        f = {x.name: x for x in ws["Pids"].fields}
        self.assertEqual([(n, f[n].capnp_type, f[n].kind) for n in ("owner", "standby", "watchers", "byRole")], [
            ("owner", "UInt64", "uint64"), ("standby", "OptionalUInt64", "struct"),
            ("watchers", "List(UInt64)", "list"), ("byRole", "List(ByRoleEntry)", "list")])
        self.assertEqual(ws["Pids.ByRoleEntry"].fields[1].capnp_type, "UInt64")

    def test_a_stream_crosses_as_its_open_and_event_structs(self):
        program = testutil.load(testutil.BANK)
        account = program.root.actors[0]
        history = [m for m in account.methods if m.name == "history"][0]
        opened, event = wire_model.stream_structs(program.root, account, history)
        self.assertEqual((opened.path, opened.origin, event.path, event.origin),
                         ("Account.HistoryOpen", "stream_open", "Account.HistoryEvent", "stream_event"))
        self.assertEqual(opened.id, ir.type_id("struct", "myr.bank.Account.HistoryOpen"))
        self.assertEqual(event.id, ir.type_id("struct", "myr.bank.Account.HistoryEvent"))
        self.assertEqual([(f.name, f.capnp_type) for f in opened.fields],
                         [("subscriber", "UInt64"), ("stream", "UInt64"), ("params", "HistoryParams")])
        self.assertEqual([(f.name, f.capnp_type) for f in event.fields],
                         [("stream", "UInt64"), ("item", "HistoryItem"), ("code", "UInt32"), ("message", "Text")])
        # Not part of the model: the Python backend's classes come from all_structs().
        self.assertNotIn("HistoryOpen", [s.name for s in program.root.all_structs()])

    def test_a_wrapper_shared_by_uint64_and_pid_holds_a_uint64(self):
        ws = {w.path: w for w in wire_model.wire_structs(testutil.load(testutil.EXTRA).root)}
        shapes = {x.name: x for x in ws["Shapes"].fields}
        self.assertIs(shapes["maybeU64"].wrapper, shapes["maybePid"].wrapper)
        self.assertEqual(ws["OptionalUInt64"].fields[0].type.spelling(), "uint64")
        self.assertEqual(shapes["maybePid"].type.spelling(), "pid?")


if __name__ == "__main__":
    unittest.main()

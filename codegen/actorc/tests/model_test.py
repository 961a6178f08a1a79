"""The model on schemas/examples/bank.actor (every feature), the golden IR
JSON, include directories and the front end's speed. The lexer and the
parser have their own unit tests beside them (actorc/lexer_test.py,
actorc/parser_test.py)."""

import os
import unittest

import testutil
from testutil import EXAMPLES, TESTDATA, UPDATE, chdir, read, write

from actorc import cli, ir, model

GOLDEN = os.path.join(TESTDATA, "golden", "bank.ir.json")


def load_bank():
    with chdir(EXAMPLES):
        program, sink, _ = model.load("bank.actor")
    assert program is not None, [d.message for d in sink.diagnostics]
    return program


class BankModelTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.program = load_bank()
        cls.bank = cls.program.root

    def test_modules_and_imports(self):
        self.assertEqual([m.display for m in self.program.modules], ["common.actor", "bank.actor"])
        self.assertEqual(self.bank.package, "myr.bank")
        self.assertEqual([m.package for m in self.bank.imports], ["myr.common"])
        self.assertEqual(self.bank.doc, ["The bank example: one actor per account, using every IDL feature."])

    def test_struct_fields_and_types(self):
        tx = self.bank.names["Transaction"]
        self.assertEqual([(f.name, f.ordinal, f.type.spelling()) for f in tx.fields], [
            ("id", 0, "uint64"), ("kind", 1, "myr.bank.Kind"), ("amount", 2, "myr.common.Money"),
            ("at", 3, "timestamp"), ("memo", 4, "string?"), ("tags", 5, "list<string>"),
            ("attributes", 6, "map<string, bytes>"), ("settlementDelay", 7, "duration"),
            ("ratio", 8, "float64"), ("flagged", 9, "bool"), ("legacyCode", 10, "int32"),
        ])
        self.assertEqual(tx.fields[4].doc, ["Free text from the customer; absent when none was given."])
        self.assertEqual(tx.fields[10].deprecated, "")
        self.assertIs(tx.fields[2].type.decl, self.bank.imports[0].names["Money"])
        scalars = self.bank.names["Scalars"]
        self.assertEqual(scalars.fields[15].type.spelling(), "list<list<int32>>")
        self.assertEqual(scalars.fields[16].type.spelling(), "map<int64, myr.bank.Transaction>")

    def test_enums(self):
        cur = self.bank.imports[0].names["Currency"]
        self.assertEqual([(v.name, v.ordinal, v.deprecated) for v in cur.values],
                         [("eur", 0, None), ("usd", 1, None), ("dem", 2, "use eur")])

    def test_account_actor(self):
        acc = self.bank.names["Account"]
        self.assertEqual(acc.mailbox.to_json(), {"bounded": True, "capacity": 1024, "policy": "drop_new", "explicit": True})
        self.assertEqual(acc.default_timeout_ns, 5_000_000_000)
        self.assertFalse(acc.reentrant)
        got = [(m.kind, m.name, m.ordinal, m.readonly, m.reentrant, m.timeout_ns) for m in acc.methods]
        self.assertEqual(got, [
            ("call", "balance", 0, True, False, 5_000_000_000),
            ("call", "deposit", 1, False, False, 5_000_000_000),
            ("call", "withdraw", 2, False, True, 30_000_000_000),
            ("cast", "annotate", 3, False, False, None),
            ("stream", "history", 4, True, False, 250_000_000),
            ("call", "ping", 5, False, False, 5_000_000_000),
        ])
        deposit = acc.methods[1]
        self.assertEqual(deposit.params.full_name, "myr.bank.Account.DepositParams")
        self.assertEqual(deposit.params.origin, "params")
        self.assertEqual([(f.name, f.ordinal, f.type.spelling()) for f in deposit.params.fields],
                         [("amount", 0, "myr.common.Money"), ("memo", 1, "string?")])
        self.assertEqual(deposit.results.full_name, "myr.bank.Account.DepositResults")
        self.assertEqual([(f.name, f.ordinal) for f in deposit.results.fields], [("balance", 0), ("id", 1)])
        self.assertEqual(deposit.doc, ["Adds money; returns the new balance."])
        self.assertIsNone(acc.methods[3].results)  # cast
        history = acc.methods[4]
        self.assertIsNone(history.results)
        self.assertEqual(history.stream_item.full_name, "myr.bank.Account.HistoryItem")
        self.assertEqual(history.stream_type.spelling(), "myr.bank.Transaction")
        self.assertEqual(acc.methods[5].results.fields, [])
        self.assertEqual(acc.methods[5].params.fields, [])

    def test_bank_actor(self):
        bank = self.bank.names["Bank"]
        self.assertEqual(bank.mailbox.to_json(), {"bounded": False, "explicit": True})
        self.assertTrue(bank.reentrant)
        self.assertEqual([m.reentrant for m in bank.methods], [True, True, True])
        self.assertEqual(bank.methods[1].deprecated, "use open")

    def test_pid_is_a_builtin_scalar_in_every_position(self):
        pids = self.bank.names["Pids"]
        self.assertEqual([(f.name, f.type.spelling()) for f in pids.fields], [
            ("owner", "pid"), ("standby", "pid?"), ("watchers", "list<pid>"), ("byRole", "map<string, pid>")])
        self.assertEqual(pids.fields[0].type.to_json(), {"kind": "builtin", "name": "pid", "capnp": "UInt64"})
        locate = self.bank.names["Bank"].methods[2]
        self.assertEqual((locate.name, locate.results.fields[0].type.spelling()), ("locate", "pid"))

    def test_type_ids_are_stable_with_top_bit(self):
        self.assertEqual(ir.type_id("struct", "myr.bank.Transaction"), self.bank.names["Transaction"].id)
        self.assertEqual("0x%016x" % ir.type_id("struct", "myr.bank.Transaction"), "0x%016x" % self.bank.names["Transaction"].id)
        for s in self.bank.all_structs():
            self.assertTrue(s.id >> 63, s.full_name)
        ids = [s.id for s in self.bank.all_structs()] + [a.id for a in self.bank.actors] + [e.id for e in self.bank.enums]
        self.assertEqual(len(ids), len(set(ids)))

    def test_all_structs_order(self):
        names = [s.full_name for s in self.bank.all_structs()]
        self.assertEqual(names[:5], ["myr.bank.Transaction", "myr.bank.Scalars", "myr.bank.Pids",
                                     "myr.bank.Account.BalanceParams", "myr.bank.Account.BalanceResults"])
        self.assertIn("myr.bank.Account.HistoryItem", names)
        self.assertEqual(names[-1], "myr.bank.Bank.LocateResults")

    def test_golden_ir(self):
        got = cli.ir_json(self.program)
        if UPDATE:
            write(GOLDEN, got)
        self.assertEqual(read(GOLDEN), got)

    def test_include_dirs(self):
        inc = os.path.join(TESTDATA, "include")
        with chdir(inc):
            program, sink, _ = model.load("app.actor", ["deps"])
        self.assertEqual([d.message for d in sink.diagnostics], [])
        self.assertEqual([m.display for m in program.modules], ["deps/money.actor", "app.actor"])
        self.assertEqual(program.root.names["Price"].fields[0].type.name, "myr.money.Money")


class SpeedTest(unittest.TestCase):
    def test_thousand_methods_under_one_second(self):
        import tempfile
        import time

        from actorc import bench_frontend

        tmp = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
        path = os.path.join(tmp, "bench.actor")
        write(path, bench_frontend.generate(1000))
        best = None
        for _ in range(3):
            t0 = time.perf_counter()
            program, sink, _ = model.load(path)
            elapsed = time.perf_counter() - t0
            best = elapsed if best is None else min(best, elapsed)
        self.assertEqual(sink.diagnostics, [])
        self.assertEqual(sum(len(a.methods) for a in program.root.actors), 1000)
        self.assertLess(best, 1.0)


if __name__ == "__main__":
    unittest.main()

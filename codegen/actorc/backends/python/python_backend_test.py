"""The Python backend: goldens, generated modules importing and round-tripping
every struct, the client and servicer end to end over an in-memory transport,
and the shared cross-language wire vectors (bytes equal to C++ `capnp encode`).

Update the goldens: python3 codegen/actorc/backends/python/python_backend_test.py --update
"""

import ast
import asyncio
import importlib
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata"))
import testutil  # noqa: E402

from actorc import ir  # noqa: E402
from actorc.backends.python import rt  # noqa: E402
from actorc.wire import capnp_wire  # noqa: E402
from actorc.wire.pid import Pid  # noqa: E402

GOLDEN = testutil.golden_dir(__file__)
_TMP = tempfile.TemporaryDirectory()
MODULE_NAMES = ("common_actor", "bank_actor", "extra_dep_actor", "extra_actor")


def setUpModule():
    for schema in (testutil.BANK, testutil.EXTRA):
        _, outputs = testutil.generate("python", schema)
        testutil.write_all(outputs, _TMP.name)
    sys.path.insert(0, _TMP.name)
    global common, bank, extra, extra_dep
    common, bank, extra, extra_dep = (importlib.import_module(n) for n in
                                      ("common_actor", "bank_actor", "extra_actor", "extra_dep_actor"))


# ---------------------------------------------------------------------------
# Values from the model: extremes per type, for every struct.
# ---------------------------------------------------------------------------
_INT_RANGES = {"int8": 8, "int16": 16, "int32": 32, "int64": 64}


def _pyclass(mods, decl):
    mod = mods[decl.module.package]
    if isinstance(decl, ir.Struct) and decl.origin != "user":
        return getattr(mod, decl.full_name.rsplit(".", 2)[1] + decl.name)
    return getattr(mod, decl.name)


def sample(mods, t, variant, depth=0):
    """A value of TypeRef t: variant "max", "min" or "empty"."""
    if t.kind == "optional":
        return None if variant == "empty" else sample(mods, t.args[0], variant, depth)
    if t.kind == "builtin":
        n = t.name
        if n == "bool":
            return variant == "max"
        if n == "string":
            return {"max": "h\u00e9llo \u2713 \U0001F600", "min": "", "empty": ""}[variant]
        if n == "bytes":
            return {"max": bytes(range(256)), "min": b"\x00", "empty": b""}[variant]
        if n == "float32":
            return {"max": 3.4028234663852886e+38, "min": -1.5, "empty": 0.0}[variant]
        if n == "float64":
            return {"max": 1.7976931348623157e+308, "min": -5e-324, "empty": 0.0}[variant]
        if n == "pid":
            return {"max": Pid(2**64 - 1), "min": Pid.make(1, 0, 1), "empty": Pid()}[variant]
        if n in ("timestamp", "duration"):
            n = "int64"
        if n.startswith("uint"):
            bits = int(n[4:])
            return {"max": 2**bits - 1, "min": 0, "empty": 0}[variant]
        bits = _INT_RANGES[n]
        return {"max": 2**(bits - 1) - 1, "min": -2**(bits - 1), "empty": 0}[variant]
    if t.kind == "enum":
        cls = _pyclass(mods, t.decl)
        vals = sorted(t.decl.values, key=lambda v: v.ordinal)
        return cls(vals[-1].ordinal if variant == "max" else vals[0].ordinal)
    if t.kind == "struct":
        return struct_sample(mods, t.decl, variant if depth < 2 else "empty", depth + 1)
    if t.kind == "list":
        if variant == "empty":
            return []
        return [sample(mods, t.args[0], "max", depth + 1), sample(mods, t.args[0], "min", depth + 1)]
    if t.kind == "map":
        if variant == "empty":
            return {}
        return {sample(mods, t.args[0], "max", depth + 1): sample(mods, t.args[1], "max", depth + 1),
                sample(mods, t.args[0], "min", depth + 1): sample(mods, t.args[1], "min", depth + 1)}
    raise AssertionError(t.kind)


def struct_sample(mods, s, variant, depth=0):
    cls = _pyclass(mods, s)
    return cls(**{f.name: sample(mods, f.type, variant, depth) for f in s.fields})


class PythonBackendTest(unittest.TestCase):
    def mods(self):
        return {"myr.common": common, "myr.bank": bank, "myr.extra": extra, "myr.dep": extra_dep}

    def test_goldens(self):
        testutil.check_backend_goldens(self, "python", GOLDEN)

    def test_outputs_headers_and_pyi_surface(self):
        _, outputs = testutil.generate("python", testutil.BANK)
        self.assertEqual(sorted(outputs), ["bank_actor.py", "bank_actor.pyi", "common_actor.py", "common_actor.pyi"])
        testutil.check_headers(self, "python", testutil.BANK, "#")
        py = ast.parse(outputs["bank_actor.py"])
        pyi = ast.parse(outputs["bank_actor.pyi"])

        def surface(tree):
            out = {}
            for node in tree.body:
                if isinstance(node, ast.ClassDef):
                    out[node.name] = sorted(n.name for n in node.body
                                            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                                            and not n.name.startswith("_"))
            return out
        self.assertEqual(surface(py), surface(pyi))
        self.assertIn("AccountClient", surface(py))
        _, extra_out = testutil.generate("python", testutil.EXTRA)
        for name in ("extra_actor", "extra_dep_actor"):
            self.assertEqual(surface(ast.parse(extra_out[name + ".py"])), surface(ast.parse(extra_out[name + ".pyi"])))
        self.assertEqual(surface(py)["AccountServicer"],
                         ["annotate", "balance", "deposit", "dispatch", "history", "ping", "withdraw"])

    def test_doc_comments_carried(self):
        self.assertEqual(bank.Transaction.__doc__, "One entry of an account's history.")
        self.assertEqual(bank.AccountClient.balance.__doc__, "Current balance; never changes state.")
        self.assertEqual(bank.__doc__, "The bank example: one actor per account, using every IDL feature.")

    def test_types(self):
        self.assertTrue(issubclass(bank.Kind, __import__("enum").IntEnum))
        self.assertEqual([(k.name, int(k)) for k in bank.Kind], [("deposit", 0), ("withdrawal", 1), ("transfer", 2)])
        t = bank.Transaction()
        self.assertEqual((t.id, t.kind, t.amount, t.memo, t.tags, t.attributes, t.ratio, t.flagged),
                         (0, bank.Kind.deposit, common.Money(), None, [], {}, 0.0, False))
        with self.assertRaises(TypeError):
            bank.Transaction(5)  # keyword-only
        with self.assertRaises(AttributeError):
            t.nonexistent = 1  # slots
        self.assertEqual(bank.AccountClient.ACTOR_ID, 0xe00844359dbde9b4)

    def test_round_trip_every_struct(self):
        mods = self.mods()
        count = 0
        for schema in (testutil.BANK, testutil.EXTRA):
            program = testutil.load(schema)
            for m in program.modules:
                for s in m.all_structs():
                    for variant in ("max", "min", "empty"):
                        v = struct_sample(mods, s, variant)
                        data = v.encode()
                        back = type(v).decode(data)
                        self.assertEqual(back, v, "%s %s" % (s.full_name, variant))
                        self.assertEqual(back.encode(), data, "%s %s re-encode" % (s.full_name, variant))
                        count += 1
        self.assertEqual(count, 3 * 30)  # 7 user + 23 derived structs

    def test_round_trip_shapes(self):
        s = extra.Shapes(
            maybeInt=-1, maybeFlag=False, maybeColor=extra.Color.blue, maybeLevel=extra_dep.Level.high,
            maybeTime=0, maybeBytes=b"", maybePoint=extra.Point(x=1.5, label=None), maybeList=[],
            points=[extra.Point(label="p"), extra.Point(y=-2.0, label="")],
            nestedMap={"b": {3: "x", -1: ""}, "a": {}}, listOfMaps=[{1: True, 0: False}, {}],
            colors=[extra.Color.green, extra.Color.red], flags=[True, False, True] * 5,
            blobs=[b"ab", b""], durations=[-1, 2**63 - 1], maybeU16=65535, maybeF32=0.5,
            dep=extra_dep.Tagged(level=extra_dep.Level.high, tags={"z": extra_dep.Level.low}))
        back = extra.Shapes.decode(s.encode())
        self.assertEqual(back, s)
        # Present-but-zero optionals stay present; absent ones stay None.
        self.assertEqual((back.maybeFlag, back.maybeTime, back.maybeBytes, back.maybeList), (False, 0, b"", []))
        self.assertIsNone(extra.Shapes.decode(extra.Shapes().encode()).maybeInt)
        self.assertIsNone(back.maybePoint.label)
        self.assertEqual(list(back.nestedMap["b"]), [-1, 3])  # entries written sorted by key

    def test_pid_fields_are_pid_values_defaulting_to_the_invalid_pid(self):
        p = bank.Pids()
        self.assertEqual((p.owner, p.standby, p.watchers, p.byRole), (Pid(0), None, [], {}))
        self.assertIs(bank.Pid, Pid)
        self.assertEqual(bank.Pids.__annotations__["owner"], "Pid")
        self.assertNotIn("Pid", vars(common))  # imported only where a pid is used
        full = bank.Pids(owner=Pid.make(1, 42, 7), standby=Pid(), watchers=[Pid(2**64 - 1), Pid.make(2, 0, 1)],
                         byRole={"primary": Pid.make(3, 1, 1), "audit": Pid()})
        back = bank.Pids.decode(full.encode())
        self.assertEqual(back, full)
        self.assertIsInstance(back.owner, Pid)
        self.assertEqual(str(back.owner), "<1.42.7>")
        self.assertEqual(back.standby, Pid())  # present (the invalid pid), not absent
        r = bank.BankLocateResults.decode(bank.BankLocateResults(account=Pid.make(7, 8, 9)).encode())
        self.assertEqual(r.account, Pid.make(7, 8, 9))

    def test_a_pid_is_written_as_its_64_bits(self):
        # The root struct's data word 0 (bytes 16..24) holds owner's bits, little-endian.
        data = bank.Pids(owner=Pid.make(1, 2, 3)).encode()
        self.assertEqual(data[16:24], Pid.make(1, 2, 3).bits.to_bytes(8, "little"))
        with self.assertRaises(AttributeError):
            bank.Pids(owner=5).encode()  # an int is not a Pid

    def test_shared_wrapper_and_nested_pid_lists_round_trip(self):
        s = extra.Shapes(maybeU64=2**64 - 1, maybePid=Pid.make(1, 2, 3), pidLists=[[Pid(1), Pid()], []])
        back = extra.Shapes.decode(s.encode())
        self.assertEqual((back.maybeU64, back.maybePid, back.pidLists), (2**64 - 1, Pid.make(1, 2, 3), [[Pid(1), Pid()], []]))
        self.assertIsNone(extra.Shapes.decode(extra.Shapes().encode()).maybePid)

    def test_map_entries_sorted_on_the_wire(self):
        a = bank.Transaction(attributes={"b": b"2", "a": b"1"}).encode()
        b = bank.Transaction(attributes={"a": b"1", "b": b"2"}).encode()
        self.assertEqual(a, b)

    def test_unknown_enum_value_decodes_as_int(self):
        data = bytearray(bank.Transaction(kind=bank.Kind.transfer).encode())
        # kind is at data byte 8 of the root struct (root struct starts at byte 16).
        data[16 + 8] = 9
        self.assertEqual(bank.Transaction.decode(bytes(data)).kind, 9)

    def test_encode_errors(self):
        with self.assertRaisesRegex(ValueError, "int8"):
            bank.Scalars(i8=128).encode()
        with self.assertRaises(capnp_wire.WireError):
            bank.Transaction.decode(b"\x00\x00\x00\x00\x09\x00\x00\x00")

    # -- cross-language vectors ------------------------------------------------
    def vector_value(self, mods, t, v):
        """JSON-convention value (testdata/README.md) -> Python value."""
        if v is None:
            return None
        if t.kind == "optional":
            return self.vector_value(mods, t.args[0], v)
        if t.kind == "builtin":
            if t.name == "bytes":
                return bytes.fromhex(v)
            if t.name == "pid":
                return Pid(int(v))
            if t.name in ("string", "bool"):
                return v
            if t.name.startswith("float"):
                return float(v)
            return int(v)
        if t.kind == "enum":
            return _pyclass(mods, t.decl)[v]
        if t.kind == "struct":
            return self.vector_struct(mods, t.decl, v)
        if t.kind == "list":
            return [self.vector_value(mods, t.args[0], x) for x in v]
        if t.kind == "map":
            return {self.vector_value(mods, t.args[0], k): self.vector_value(mods, t.args[1], x) for k, x in v}
        raise AssertionError(t.kind)

    def vector_struct(self, mods, s, values):
        self.assertEqual(sorted(values), sorted(f.name for f in s.fields), s.full_name)
        return _pyclass(mods, s)(**{f.name: self.vector_value(mods, f.type, values[f.name]) for f in s.fields})

    def test_wire_vectors_match_cpp(self):
        with open(testutil.VECTORS, encoding="utf-8") as f:
            doc = json.load(f)
        program, capnp_out = testutil.generate("capnp", testutil.BANK)
        structs = {}
        for m in program.modules:
            for s in m.all_structs():
                structs[(m.package, s.full_name[len(m.package) + 1:])] = s
        pkg = {"common.capnp": "myr.common", "bank.capnp": "myr.bank"}
        mods = self.mods()
        names = []
        with tempfile.TemporaryDirectory() as d:
            testutil.write_all(capnp_out, d)
            for vec in doc["vectors"]:
                s = structs[(pkg[vec["schema"]], vec["struct"])]
                value = self.vector_struct(mods, s, vec["values"])
                self.assertEqual(type(value).__name__, vec["python_class"])
                want = bytes.fromhex(vec["hex"])
                # The C++ encoder (live) still produces the recorded bytes.
                cpp = testutil.run_capnp(["encode", vec["schema"], vec["struct"]], d,
                                         stdin=vec["capnp_text"].encode("utf-8"))
                self.assertEqual(cpp.hex(), vec["hex"], vec["name"] + ": stale vectors, run make_vectors.py")
                # Python -> bytes: identical to C++, byte for byte.
                self.assertEqual(value.encode().hex(), vec["hex"], vec["name"])
                # C++ bytes -> Python: equal values.
                self.assertEqual(type(value).decode(want), value, vec["name"])
                # C++ decodes the Python bytes to the same text as its own.
                self.assertEqual(testutil.run_capnp(["decode", "--quiet", "--short", vec["schema"], vec["struct"]], d, stdin=value.encode()),
                                 testutil.run_capnp(["decode", "--quiet", "--short", vec["schema"], vec["struct"]], d, stdin=want))
                names.append(vec["name"])
        self.assertEqual(len(names), 22)
        self.assertIn("scalars_max", names)
        self.assertIn("pids_full", names)


# ---------------------------------------------------------------------------
# Client and servicer over an in-memory transport.
# ---------------------------------------------------------------------------
class FakeTransport:
    """Calls the servicer registered for `target` directly; records traffic;
    a call taking longer than its timeout raises TimeoutError (as a binding's
    transport would)."""

    def __init__(self):
        self.servicers = {}
        self.log = []
        self.pending = []

    async def call(self, target, actor_id, method, payload, timeout):
        self.log.append(("call", target, actor_id, method, timeout))
        svc = self.servicers[target]
        assert svc.ACTOR_ID == actor_id
        return await asyncio.wait_for(svc.dispatch(method, bytes(payload)), timeout)

    def cast(self, target, actor_id, method, payload):
        self.log.append(("cast", target, actor_id, method, None))
        self.pending.append(asyncio.ensure_future(self.servicers[target].dispatch(method, bytes(payload))))

    async def stream(self, target, actor_id, method, payload):
        self.log.append(("stream", target, actor_id, method, None))
        it = await self.servicers[target].dispatch(method, bytes(payload))
        async for item in it:
            yield item


def make_account_servicer():
    class Account(bank.AccountServicer):
        def __init__(self):
            self.balance_value = common.Money(currency=common.Currency.eur, minorUnits=0)
            self.notes = []
            self.next_id = 100
            self.history_log = []

        async def balance(self):
            return self.balance_value

        async def deposit(self, amount, memo):
            if amount.minorUnits <= 0:
                raise rt.ActorError("INVALID_ARGUMENT", "deposit must be positive")
            self.balance_value = common.Money(currency=amount.currency,
                                              minorUnits=self.balance_value.minorUnits + amount.minorUnits)
            self.next_id += 1
            self.history_log.append(bank.Transaction(id=self.next_id, kind=bank.Kind.deposit, amount=amount,
                                                     memo=memo, at=self.next_id * 1000))
            return bank.AccountDepositResults(balance=self.balance_value, id=self.next_id)

        async def withdraw(self, amount):
            await asyncio.sleep(10)  # a slow fraud check: callers time out
            raise AssertionError("not reached")

        async def annotate(self, text):
            self.notes.append(text)

        async def history(self, since, limit):
            for t in [t for t in self.history_log if t.at >= since][:limit]:
                yield t

        async def ping(self):
            return None
    return Account()


class ClientServicerTest(unittest.TestCase):
    def run_async(self, coro):
        return asyncio.run(asyncio.wait_for(coro, 5))

    def test_end_to_end(self):
        async def scenario():
            tr = FakeTransport()
            svc = make_account_servicer()
            tr.servicers["acct-1"] = svc
            c = bank.AccountClient(tr, "acct-1")
            self.assertEqual(await c.balance(), common.Money(currency=common.Currency.eur, minorUnits=0))
            r = await c.deposit(common.Money(currency=common.Currency.eur, minorUnits=250), "salary")
            self.assertEqual(r, bank.AccountDepositResults(balance=common.Money(minorUnits=250), id=101))
            r = await c.deposit(common.Money(minorUnits=5))  # memo defaults to None
            self.assertEqual((r.balance.minorUnits, r.id), (255, 102))
            self.assertIsNone(svc.history_log[-1].memo)
            self.assertIsNone(await c.ping())
            self.assertIsNone(c.annotate("hello"))  # returns at once
            self.assertEqual(svc.notes, [])
            await asyncio.gather(*tr.pending)
            self.assertEqual(svc.notes, ["hello"])
            items = [t async for t in c.history(since=0, limit=10)]
            self.assertEqual([(t.id, t.memo) for t in items], [(101, "salary"), (102, None)])
            items = [t async for t in c.history(since=102000, limit=10)]
            self.assertEqual([t.id for t in items], [102])
            self.assertEqual([t async for t in c.history(0, 0)], [])
            # Default timeouts come from the schema: 5s (actor), 250ms would be history's.
            self.assertEqual([e for e in tr.log if e[0] == "call"][0],
                             ("call", "acct-1", 0xe00844359dbde9b4, 0, 5.0))
            self.assertEqual([e[3] for e in tr.log], [0, 1, 1, 5, 3, 4, 4, 4])
        self.run_async(scenario())

    def test_timeout_becomes_deadline_exceeded(self):
        async def scenario():
            tr = FakeTransport()
            tr.servicers["a"] = make_account_servicer()
            c = bank.AccountClient(tr, "a")
            with self.assertRaises(rt.ActorError) as cm:
                await c.withdraw(common.Money(minorUnits=1), timeout=0.01)
            self.assertEqual(cm.exception.code, "DEADLINE_EXCEEDED")
            self.assertEqual(cm.exception.message,
                             "call to actor 0xe00844359dbde9b4 method 2 timed out after 0.01s")
            self.assertEqual(tr.log[-1][4], 0.01)
        self.run_async(scenario())

    def test_withdraw_default_timeout_is_30s(self):
        import inspect
        sig = inspect.signature(bank.AccountClient.withdraw)
        self.assertEqual(sig.parameters["timeout"].default, 30.0)
        self.assertEqual(inspect.signature(bank.BankClient.open).parameters["timeout"].default, None)
        self.assertEqual(inspect.signature(extra.PainterClient.draw).parameters["timeout"].default, 0.1)

    def test_error_reply_surfaces(self):
        async def scenario():
            tr = FakeTransport()
            tr.servicers["a"] = make_account_servicer()
            c = bank.AccountClient(tr, "a")
            with self.assertRaises(rt.ActorError) as cm:
                await c.deposit(common.Money(minorUnits=-1))
            self.assertEqual((cm.exception.code, cm.exception.message),
                             ("INVALID_ARGUMENT", "deposit must be positive"))
        self.run_async(scenario())

    def test_dispatch_unknown_method(self):
        async def scenario():
            svc = make_account_servicer()
            with self.assertRaises(rt.ActorError) as cm:
                await svc.dispatch(99, b"")
            self.assertEqual(cm.exception, rt.ActorError("UNIMPLEMENTED", "actor myr.bank.Account has no method 99"))
            # dispatch speaks bytes: the reply is a DepositResults message.
            reply = await svc.dispatch(1, bank.AccountDepositParams(amount=common.Money(minorUnits=7)).encode())
            self.assertEqual(bank.AccountDepositResults.decode(reply).balance.minorUnits, 7)
            self.assertIsNone(await svc.dispatch(3, bank.AccountAnnotateParams(text="x").encode()))
        self.run_async(scenario())

    def test_servicer_is_abstract(self):
        with self.assertRaises(TypeError):
            bank.AccountServicer()
        self.assertTrue(isinstance(FakeTransport(), rt.Transport))

    def test_extra_client_optional_results(self):
        class Painter(extra.PainterServicer):
            async def draw(self, shapes, scale):
                self.last = (shapes, scale)

            async def count(self):
                return None

            async def points(self, max):
                for i in range(max):
                    yield extra.Point(x=float(i))

            async def reset(self):
                pass

        async def scenario():
            tr = FakeTransport()
            p = Painter()
            tr.servicers["p"] = p
            c = extra.PainterClient(tr, "p")
            self.assertIsNone(await c.draw(extra.Shapes(maybeInt=3)))
            self.assertEqual(p.last, (extra.Shapes(maybeInt=3), None))
            await c.draw(extra.Shapes(), 2.5)
            self.assertEqual(p.last[1], 2.5)
            self.assertIsNone(await c.count())
            self.assertEqual([pt.x async for pt in c.points(3)], [0.0, 1.0, 2.0])
        self.run_async(scenario())


if __name__ == "__main__":
    unittest.main()

"""The key-value store of kv.actor from Python: the generated client
(kv_actor.StoreClient) talking to a Python servicer (StoreServicer) over an
in-memory fake transport, the same surface as the C++ store_test, and the
generated Entry encoder against the bytes the C++ glue produces.

    bazel test //services/kv:kv_py_test
"""

import asyncio
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)  # Bazel runs tests isolated (-I): the script's folder is not on sys.path
try:
    import kv_actor  # the actor_library's Python output (Bazel: next to this file in runfiles)
except ImportError:  # from the source tree: generate it
    _TMP = tempfile.TemporaryDirectory()
    _CODEGEN = os.path.join(HERE, "..", "..", "codegen")
    subprocess.run([sys.executable, "-m", "actorc", "generate", "--lang", "python", "-o", _TMP.name,
                    os.path.join(HERE, "kv.actor")], check=True, env=dict(os.environ, PYTHONPATH=_CODEGEN))
    sys.path[:0] = [_TMP.name, _CODEGEN]
    import kv_actor

from actorc.backends.python import rt  # noqa: E402

# The same entry and bytes as KvWireTest.EntryRoundTripAndBytes in store_test.cc.
SAMPLE_ENTRY = kv_actor.Entry(key="user/alice", value=b"\x00\x01\xff", version=42,
                              updatedAt=1700000000123456789)
SAMPLE_ENTRY_HEX = ("0000000008000000" "0000000002000200" "2a00000000000000" "15cd853dfe9c9717"
                    "050000005a000000" "090000001a000000" "757365722f616c69" "6365000000000000"
                    "0001ff0000000000")


class FakeTransport:
    """Dispatches to the servicer registered for `target` in the same event
    loop; records traffic; enforces call timeouts like a binding would."""

    def __init__(self):
        self.servicers = {}
        self.log = []
        self.pending = []

    async def call(self, target, actor_id, method, payload, timeout):
        self.log.append(("call", method, timeout))
        svc = self.servicers[target]
        assert svc.ACTOR_ID == actor_id
        return await asyncio.wait_for(svc.dispatch(method, bytes(payload)), timeout)

    def cast(self, target, actor_id, method, payload):
        self.log.append(("cast", method, None))
        self.pending.append(asyncio.ensure_future(self.servicers[target].dispatch(method, bytes(payload))))

    async def stream(self, target, actor_id, method, payload):
        self.log.append(("stream", method, None))
        async for item in await self.servicers[target].dispatch(method, bytes(payload)):
            yield item


class PyStore(kv_actor.StoreServicer):
    """The store in Python: a dict, one version counter, an injectable clock."""

    def __init__(self, commit_delay=0.0):
        self.entries = {}
        self.last_version = 0
        self.ticks = 0
        self.commit_delay = commit_delay

    def now(self):
        self.ticks += 1
        return (1700000000 + self.ticks) * 10**9

    async def get(self, key):
        e = self.entries.get(key)
        return None if e is None else e.value

    async def put(self, key, value):
        if self.commit_delay:
            await asyncio.sleep(self.commit_delay)
        self.last_version += 1
        self.entries[key] = kv_actor.Entry(key=key, value=value, version=self.last_version, updatedAt=self.now())
        return self.last_version

    async def remove(self, key):
        return self.entries.pop(key, None) is not None

    async def touch(self, key):
        if key in self.entries:
            self.entries[key].updatedAt = self.now()

    async def scan(self, prefix):
        for key in sorted(k for k in self.entries if k.startswith(prefix)):
            yield self.entries[key]


class KvPyTest(unittest.IsolatedAsyncioTestCase):

    def setUp(self):
        self.transport = FakeTransport()
        self.servicer = PyStore()
        self.transport.servicers["store"] = self.servicer
        self.store = kv_actor.StoreClient(self.transport, "store")

    async def scan_keys(self, prefix):
        return [e.key async for e in self.store.scan(prefix)]

    def test_ids_match_the_cpp_side(self):
        self.assertEqual(kv_actor.StoreClient.ACTOR_ID, 0xa1f437d7a37efd5c)  # Store::kTypeId in C++
        self.assertEqual(kv_actor.StoreClient.ACTOR_NAME, "myr.kv.Store")
        self.assertEqual(kv_actor.PACKAGE, "myr.kv")

    async def test_put_get_remove(self):
        self.assertIsNone(await self.store.get("nope"))  # missing: absent, not an error
        self.assertEqual(await self.store.put("a", b"1"), 1)
        self.assertEqual(await self.store.put("b", b"\x00\xff"), 2)
        self.assertEqual(await self.store.get("a"), b"1")
        self.assertEqual(await self.store.get("b"), b"\x00\xff")
        self.assertEqual(await self.store.put("empty", b""), 3)
        self.assertEqual(await self.store.get("empty"), b"")  # present and empty
        self.assertEqual(await self.store.put("a", b"2"), 4)
        self.assertIs(await self.store.remove("a"), True)
        self.assertIs(await self.store.remove("a"), False)
        self.assertIsNone(await self.store.get("a"))
        self.assertEqual(await self.store.put("a", b"3"), 5)
        # The schema's [timeout = 2s] is what the client passes (seconds).
        self.assertEqual({t for kind, _, t in self.transport.log if kind == "call"}, {2.0})

    async def test_scan_in_key_order(self):
        for k in ("user/carol", "order/7", "user/alice", "user/bob", "users", "user0", "user/"):
            await self.store.put(k, ("v:" + k).encode())
        self.assertEqual(await self.scan_keys("user/"), ["user/", "user/alice", "user/bob", "user/carol"])
        self.assertEqual(await self.scan_keys(""), ["order/7", "user/", "user/alice", "user/bob", "user/carol",
                                                    "user0", "users"])
        self.assertEqual(await self.scan_keys("zzz"), [])
        alice = [e async for e in self.store.scan("user/alice")]
        self.assertEqual(alice, [kv_actor.Entry(key="user/alice", value=b"v:user/alice", version=3,
                                                updatedAt=1700000003 * 10**9)])
        self.assertEqual(self.transport.log[-1], ("stream", 4, None))

    async def test_touch_is_one_way(self):
        self.assertEqual(await self.store.put("k", b"v"), 1)
        self.assertIsNone(self.store.touch("k"))  # returns at once, before the servicer runs
        self.assertIsNone(self.store.touch("missing"))
        self.assertEqual(self.servicer.entries["k"].updatedAt, 1700000001 * 10**9)
        await asyncio.gather(*self.transport.pending)
        [e] = [e async for e in self.store.scan("")]
        self.assertEqual((e.version, e.updatedAt), (1, 1700000002 * 10**9))
        self.assertEqual([(kind, m) for kind, m, _ in self.transport.log[1:3]], [("cast", 3), ("cast", 3)])

    async def test_call_times_out(self):
        self.servicer.commit_delay = 0.3
        with self.assertRaises(rt.ActorError) as cm:
            await self.store.put("slow", b"x", timeout=0.02)
        self.assertEqual(cm.exception.code, "DEADLINE_EXCEEDED")
        self.assertIsNone(await self.store.get("slow"))  # cancelled on this fake transport: nothing written

    async def test_many_clients(self):
        clients = [kv_actor.StoreClient(self.transport, "store") for _ in range(8)]

        async def work(t, client):
            versions = []
            for i in range(50):
                versions.append(await client.put("t%d/%d" % (t, i % 10), str(i).encode()))
                self.assertEqual(await client.get("t%d/%d" % (t, i % 10)), str(i).encode())
            return versions

        results = await asyncio.gather(*(work(t, c) for t, c in enumerate(clients)))
        for v in results:
            self.assertEqual(v, sorted(set(v)))
        self.assertEqual(sorted(x for v in results for x in v), list(range(1, 401)))
        self.assertEqual(len(await self.scan_keys("")), 80)

    def test_entry_bytes_match_cpp(self):
        self.assertEqual(SAMPLE_ENTRY.encode().hex(), SAMPLE_ENTRY_HEX)
        self.assertEqual(kv_actor.Entry.decode(bytes.fromhex(SAMPLE_ENTRY_HEX)), SAMPLE_ENTRY)
        # get's reply: absent vs. present and empty.
        self.assertIsNone(kv_actor.StoreGetResults.decode(kv_actor.StoreGetResults().encode()).value)
        self.assertEqual(kv_actor.StoreGetResults.decode(kv_actor.StoreGetResults(value=b"").encode()).value, b"")


if __name__ == "__main__":
    unittest.main()

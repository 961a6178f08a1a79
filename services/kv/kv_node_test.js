// The key-value store of kv.actor from Node: the generated client
// (kv.actor.js StoreClient) talking to a JavaScript servicer over an
// in-memory transport, and Entry's bytes = the C++ glue's.
//   node kv_node_test.js DIR_WITH_kv.actor.js    (NODE_PATH = the actorc runtime)
"use strict";
const assert = require("node:assert/strict");
const path = require("node:path");
const rt = require("actorc_runtime");
const kv = require(path.resolve(process.argv[2], "kv.actor.js"));

// The same entry and bytes as KvWireTest.EntryRoundTripAndBytes in store_test.cc.
const SAMPLE_ENTRY = { key: "user/alice", value: Uint8Array.of(0, 1, 255), version: 42n, updatedAt: 1700000000123456789n };
const SAMPLE_ENTRY_HEX = "0000000008000000" + "0000000002000200" + "2a00000000000000" + "15cd853dfe9c9717" +
  "050000005a000000" + "090000001a000000" + "757365722f616c69" + "6365000000000000" + "0001ff0000000000";

class LoopbackTransport {
  constructor(servicers) { this.servicers = servicers; this.log = []; }
  call(target, actorId, method, payload, timeout) {
    this.log.push(["call", method, timeout]);
    const reply = Promise.resolve().then(() => this.servicers[target].dispatch(method, payload));
    if (timeout === null) return reply;
    let timer;
    const deadline = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new rt.ActorError("DEADLINE_EXCEEDED", `no reply within ${timeout}s`)), timeout * 1000);
    });
    return Promise.race([reply, deadline]).finally(() => clearTimeout(timer));
  }
  cast(target, actorId, method, payload) {
    this.log.push(["cast", method, null]);
    this.pending = this.servicers[target].dispatch(method, payload);
  }
  async *stream(target, actorId, method, payload) {
    this.log.push(["stream", method, null]);
    yield* this.servicers[target].dispatch(method, payload);
  }
}

// The store in JavaScript: a Map, one version counter, a ticking clock.
class JsStore extends kv.StoreServicer {
  constructor() { super(); this.entries = new Map(); this.lastVersion = 0n; this.ticks = 0n; this.commitDelayMs = 0; }
  now() { this.ticks += 1n; return (1700000000n + this.ticks) * 1000000000n; }
  async get(key) { const e = this.entries.get(key); return { value: e === undefined ? null : e.value }; }
  async put(key, value) {
    if (this.commitDelayMs) await new Promise((resolve) => setTimeout(resolve, this.commitDelayMs));
    this.lastVersion += 1n;
    this.entries.set(key, { key, value, version: this.lastVersion, updatedAt: this.now() });
    return { version: this.lastVersion };
  }
  async remove(key) { return { existed: this.entries.delete(key) }; }
  async touch(key) { const e = this.entries.get(key); if (e) e.updatedAt = this.now(); }
  async *scan(prefix) {
    for (const key of [...this.entries.keys()].filter((k) => k.startsWith(prefix)).sort()) yield this.entries.get(key);
  }
}

const bytes = (s) => new TextEncoder().encode(s);
let checks = 0;

async function main() {
  const servicer = new JsStore();
  const transport = new LoopbackTransport({ store: servicer });
  const store = new kv.StoreClient(transport, "store");
  const keys = async (prefix) => { const out = []; for await (const e of store.scan(prefix)) out.push(e.key); return out; };

  assert.equal(kv.Store.ACTOR_ID, 0xa1f437d7a37efd5cn);  // Store::kTypeId in C++
  assert.deepEqual(kv.Store.MAILBOX, { bounded: true, capacity: 4096, policy: "block" });
  assert.equal(kv.Store.METHODS.scan.timeout, 0.5);
  assert.equal(kv.Store.METHODS.get.readonly, true);
  checks += 4;

  // Calls: a missing key is absent (null); versions increase; bytes stay bytes.
  assert.equal((await store.get("nope")).value, null);
  assert.equal((await store.put("a", bytes("1"))).version, 1n);
  assert.equal((await store.put("b", Uint8Array.of(0, 255))).version, 2n);
  assert.deepEqual([...(await store.get("b")).value], [0, 255]);
  assert.equal((await store.put("empty", new Uint8Array(0))).version, 3n);
  assert.equal((await store.get("empty")).value.length, 0);  // present and empty, not null
  assert.equal((await store.put("a", bytes("2"))).version, 4n);
  assert.equal((await store.remove("a")).existed, true);
  assert.equal((await store.remove("a")).existed, false);
  assert.equal((await store.get("a")).value, null);
  assert.deepEqual(new Set(transport.log.map((e) => e[2])), new Set([2]));  // the schema's 2 s
  checks += 11;

  // Scan: key order, prefix only.
  for (const k of ["user/carol", "order/7", "user/alice", "user/bob", "users", "user0", "user/"]) await store.put(k, bytes("v:" + k));
  assert.deepEqual(await keys("user/"), ["user/", "user/alice", "user/bob", "user/carol"]);
  assert.deepEqual(await keys("zzz"), []);
  checks += 2;

  // Cast: returns undefined at once; the effect shows afterwards.
  const before = servicer.entries.get("user/bob").updatedAt;
  assert.equal(store.touch("user/bob"), undefined);
  await transport.pending;
  const [bob] = await (async () => { const out = []; for await (const e of store.scan("user/bob")) out.push(e); return out; })();
  assert.ok(bob.updatedAt > before);
  assert.deepEqual(transport.log.filter((e) => e[0] === "cast"), [["cast", 3, null]]);
  checks += 3;

  // A slow put against a short timeout.
  servicer.commitDelayMs = 300;
  await assert.rejects(store.put("slow", bytes("x"), { timeout: 0.02 }), { code: "DEADLINE_EXCEEDED" });
  servicer.commitDelayMs = 0;
  checks += 1;

  // Entry's bytes are the C++ glue's.
  assert.equal(Buffer.from(kv.Entry.encode(SAMPLE_ENTRY)).toString("hex"), SAMPLE_ENTRY_HEX);
  const back = kv.Entry.decode(Buffer.from(SAMPLE_ENTRY_HEX, "hex"));
  assert.deepEqual({ ...back, value: [...back.value] }, { ...SAMPLE_ENTRY, value: [0, 1, 255] });
  checks += 2;
  console.log(`kv_node_test: ${checks} checks ok`);
}

main().catch((e) => { console.error(e); process.exit(1); });

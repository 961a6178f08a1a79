// The generated bank module (bank.actor.js + common.actor.js): byte-exact
// vectors from the independent Python encoder, round trips, and client /
// servicer over an in-memory transport (call, cast, stream, timeout, errors).
// Usage: NODE_PATH=<node>/runtime node bank_test.js GENERATED_DIR VECTORS.json...
// (vectors in the tagged format of bank_vectors.py).
"use strict";
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const rt = require("actorc_runtime");

const dir = path.resolve(process.argv[2]);
const mods = new Proxy({}, { get: (_, name) => require(path.join(dir, `${name}.actor.js`)) });
const bank = mods.bank;
const vectorFiles = process.argv.slice(3);
const hex = (u8) => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength).toString("hex");

function untag(v) {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(untag);
  if ("$big" in v) return BigInt(v.$big);
  if ("$bytes" in v) return new Uint8Array(Buffer.from(v.$bytes, "hex"));
  if ("$pid" in v) return new rt.Pid(BigInt(v.$pid));
  if ("$map" in v) return new Map(v.$map.map(([k, x]) => [untag(k), untag(x)]));
  const out = {};
  for (const [k, x] of Object.entries(v)) out[k] = untag(x);
  return out;
}

// Every field given in `want` equals the decoded one (the rest are defaults).
function subsetEqual(got, want, where) {
  if (want instanceof Map) {
    assert.ok(got instanceof Map, `${where}: not a Map`);
    assert.equal(got.size, want.size, `${where}: size`);
    for (const [k, x] of want) {
      assert.ok(got.has(k), `${where}: no key ${k}`);
      subsetEqual(got.get(k), x, `${where}[${k}]`);
    }
  } else if (want instanceof Uint8Array) {
    assert.equal(hex(got), hex(want), where);
  } else if (want instanceof rt.Pid) {
    assert.ok(got instanceof rt.Pid, `${where}: not a Pid`);
    assert.equal(got.bits, want.bits, where);
  } else if (Array.isArray(want)) {
    assert.equal(got.length, want.length, `${where}: length`);
    want.forEach((x, i) => subsetEqual(got[i], x, `${where}[${i}]`));
  } else if (want !== null && typeof want === "object") {
    for (const [k, x] of Object.entries(want)) subsetEqual(got[k], x, `${where}.${k}`);
  } else {
    assert.equal(got, want, where);
  }
}

let checks = 0;
for (const file of vectorFiles) {
const vectors = JSON.parse(fs.readFileSync(file, "utf8"));
for (const v of vectors) {
  const codec = mods[v.module][v.struct];
  const value = untag(v.value);
  assert.equal(hex(codec.encode(value)), v.hex, `encode ${v.name}`);
  const decoded = codec.decode(new Uint8Array(Buffer.from(v.hex, "hex")));
  subsetEqual(decoded, value, v.name);
  assert.equal(hex(codec.encode(decoded)), v.hex, `re-encode ${v.name}`);
  checks += 3;
}
console.log(`vectors ${path.basename(file)}: ${vectors.length} byte-identical, decoded and re-encoded`);
}

// extra.actor: optional scalars read back as null / their value.
{
  const extra = mods.extra;
  const e = extra.Shapes.decode(extra.Shapes.encode({}));
  for (const k of ["maybeInt", "maybeFlag", "maybeColor", "maybeLevel", "maybeTime", "maybeBytes", "maybePoint",
    "maybeList", "maybeU16", "maybeF32", "maybeU64", "maybePid"]) assert.equal(e[k], null, k);
  // uint64? and pid? share one wrapper struct; each reads back as its own type.
  const w = extra.Shapes.decode(extra.Shapes.encode({ maybeU64: 7n, maybePid: new rt.Pid(7n) }));
  assert.equal(w.maybeU64, 7n);
  assert.ok(w.maybePid instanceof rt.Pid && w.maybePid.bits === 7n);
  const z = extra.Shapes.decode(extra.Shapes.encode({ maybeInt: 0n, maybeFlag: false, maybeF32: 0 }));
  assert.deepEqual([z.maybeInt, z.maybeFlag, z.maybeF32], [0n, false, 0]);
  const n = extra.Shapes.decode(extra.Shapes.encode({ nestedMap: new Map([["a", new Map([[1, "x"]])]]) }));
  assert.equal(n.nestedMap.get("a").get(1), "x");
  checks += 16;
}

// pid: a Pid value (node 16 | generation 21 | slot 27 bits), the invalid pid by default.
{
  const p = rt.Pid.make(1, 42, 7);
  assert.equal(p.bits, (1n << 48n) | (7n << 27n) | 42n);
  assert.deepEqual([p.node, p.slot, p.generation, p.valid], [1, 42, 7, true]);
  assert.equal(p.toString(), "<1.42.7>");
  assert.equal(new rt.Pid().toString(), "<invalid>");
  assert.ok(rt.Pid.parse("<1.42.7>").equals(p));
  assert.throws(() => rt.Pid.parse("<1.42.0>"), { name: "SyntaxError" });
  assert.throws(() => new rt.Pid(1n << 64n), { name: "RangeError" });
  assert.ok(Object.isFrozen(p));
  const d = bank.Pids.decode(bank.Pids.encode({}));
  assert.ok(d.owner instanceof rt.Pid && d.owner.bits === 0n);
  assert.equal(d.standby, null);
  assert.deepEqual([d.watchers, d.byRole.size], [[], 0]);
  const back = bank.Pids.decode(bank.Pids.encode({ owner: p, watchers: [p, new rt.Pid()], byRole: new Map([["x", p]]) }));
  assert.ok(back.owner.equals(p) && back.watchers[0].equals(p) && back.byRole.get("x").equals(p));
  assert.throws(() => bank.Pids.encode({ owner: 5n }), { name: "TypeError" }); // a bigint is not a Pid
  checks += 14;
}

// Defaults and types of a decoded empty message.
{
  const t = bank.Transaction.decode(bank.Transaction.encode({}));
  assert.deepEqual(Object.keys(t), ["id", "kind", "amount", "at", "memo", "tags", "attributes",
    "settlementDelay", "ratio", "flagged", "legacyCode"]);
  assert.equal(t.id, 0n);
  assert.equal(t.memo, null);
  assert.deepEqual(t.tags, []);
  assert.ok(t.attributes instanceof Map && t.attributes.size === 0);
  assert.deepEqual(t.amount, { currency: 0, minorUnits: 0n });
  assert.equal(bank.Kind.transfer, 2);
  assert.ok(Object.isFrozen(bank.Kind));
  // An empty-but-present memo is not absent.
  assert.equal(bank.Transaction.decode(bank.Transaction.encode({ memo: "" })).memo, "");
  // Zero-copy bytes: a map value is a view into the message buffer.
  const buf = bank.Transaction.encode({ attributes: new Map([["k", new Uint8Array([1, 2, 3])]]) });
  const view = bank.Transaction.decode(buf).attributes.get("k");
  assert.equal(view.buffer, buf.buffer);
  // Map entries are written sorted by key, whatever the insertion order.
  const a = bank.Transaction.encode({ attributes: new Map([["b", new Uint8Array(1)], ["a", new Uint8Array(2)]]) });
  const b = bank.Transaction.encode({ attributes: new Map([["a", new Uint8Array(2)], ["b", new Uint8Array(1)]]) });
  assert.equal(hex(a), hex(b));
  // String keys sort in code point order (as Python's sorted()), not UTF-16 order.
  const keys = ["a", "b", "", "\uffff", "\u{10000}", "\u{1F41C}", "\ue000", "\u00e9", "z", "ab"];
  assert.deepEqual(rt.sortedEntries(new Map(keys.map((k) => [k, 0]))).map((e) => e[0]),
    ["", "a", "ab", "b", "z", "\u00e9", "\ue000", "\uffff", "\u{10000}", "\u{1F41C}"]);
  assert.deepEqual(rt.sortedEntries(new Map([[5n, 0], [-3n, 0], [0n, 0]])).map((e) => e[0]), [-3n, 0n, 5n]);
  // Bad values are rejected by the builder.
  assert.throws(() => bank.Scalars.encode({ u8: 256 }), { name: "RangeError" });
  assert.throws(() => bank.Scalars.encode({ i64: 1.5 }), { name: "TypeError" });
  assert.throws(() => bank.Transaction.decode(new Uint8Array([1, 2, 3])), { name: "WireError",
    message: "truncated message: 3 bytes, the segment table needs at least 8" });
  // Metadata from the IDL.
  assert.equal(bank.Account.ACTOR_ID, 0xe00844359dbde9b4n);
  assert.deepEqual({ ...bank.Account.MAILBOX }, { bounded: true, capacity: 1024, policy: "drop_new" });
  assert.equal(bank.Account.METHODS.history.timeout, 0.25);
  assert.equal(bank.Account.METHODS.withdraw.reentrant, true);
  assert.equal(bank.Bank.TIMEOUT, null);
  checks += 18;
}
console.log("defaults and metadata: ok");

// An in-memory transport that hands payloads to a servicer's dispatch and
// enforces the timeout (as the runtime's transports will).
class LoopbackTransport {
  constructor(servicers) { this.servicers = servicers; this.log = []; }
  _servicer(target, actorId) {
    const s = this.servicers[target];
    if (!s) throw new rt.ActorError("NOT_FOUND", `no actor ${target}`);
    return s;
  }
  call(target, actorId, method, payload, timeout) {
    this.log.push(["call", target, actorId, method, timeout]);
    const reply = Promise.resolve().then(() => this._servicer(target, actorId).dispatch(method, payload));
    if (timeout === null) return reply;
    let timer;
    const deadline = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new rt.ActorError("DEADLINE_EXCEEDED", `no reply within ${timeout}s`)), timeout * 1000);
    });
    return Promise.race([reply, deadline]).finally(() => clearTimeout(timer));
  }
  cast(target, actorId, method, payload) {
    this.log.push(["cast", target, actorId, method]);
    this._servicer(target, actorId).dispatch(method, payload).catch(() => {});
  }
  async *stream(target, actorId, method, payload) {
    this.log.push(["stream", target, actorId, method]);
    yield* this._servicer(target, actorId).dispatch(method, payload);
  }
}

class Account extends bank.AccountServicer {
  constructor() { super(); this.balanceValue = { currency: 0, minorUnits: 0n }; this.notes = []; this.nextId = 1n; }
  async balance() { return { amount: this.balanceValue }; }
  async deposit(amount, memo) {
    if (amount.minorUnits <= 0n) throw new rt.ActorError("INVALID_ARGUMENT", "deposit must be positive");
    this.balanceValue = { currency: amount.currency, minorUnits: this.balanceValue.minorUnits + amount.minorUnits };
    this.notes.push(memo);
    return { balance: this.balanceValue, id: this.nextId++ };
  }
  async withdraw(amount) {
    await new Promise((resolve) => setTimeout(resolve, 200)); // a slow fraud check
    return { balance: this.balanceValue, id: this.nextId++ };
  }
  async annotate(text) { this.notes.push(text); }
  async *history(since, limit) {
    for (let i = 0; i < limit; i++) {
      if (i === 3) throw new rt.ActorError("DATA_LOSS", "history truncated");
      yield { id: BigInt(i), at: since + BigInt(i), tags: [`t${i}`], amount: { currency: 1, minorUnits: BigInt(i) } };
    }
  }
  async ping() {}
}

async function clientTests() {
  const account = new Account();
  const transport = new LoopbackTransport({ acct: account, bank: new bank.BankServicer() });
  const client = new bank.AccountClient(transport, "acct");

  // call with results; optional param absent and present.
  const r1 = await client.deposit({ currency: 0, minorUnits: 250n }, "first");
  assert.deepEqual(r1, { balance: { currency: 0, minorUnits: 250n }, id: 1n });
  const r2 = await client.deposit({ currency: 0, minorUnits: 50n }, null);
  assert.equal(r2.balance.minorUnits, 300n);
  assert.deepEqual(account.notes, ["first", null]);
  assert.deepEqual(await client.balance(), { amount: { currency: 0, minorUnits: 300n } });
  assert.equal(await client.ping(), undefined);
  // Default timeouts from the IDL reach the transport: actor default 5 s, withdraw 30 s.
  assert.deepEqual(transport.log.slice(0, 4).map((e) => e[4]), [5, 5, 5, 5]);
  assert.equal(transport.log[0][2], bank.Account.ACTOR_ID);
  assert.equal(transport.log[0][3], 1);

  // cast: returns at once, the servicer runs it.
  assert.equal(client.annotate("hello"), undefined);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(account.notes, ["first", null, "hello"]);
  assert.deepEqual(transport.log.at(-1), ["cast", "acct", bank.Account.ACTOR_ID, 3]);

  // stream: items in order, then the actor's error ends it.
  const got = [];
  await assert.rejects(async () => {
    for await (const tx of client.history(1000n, 10)) got.push(tx);
  }, { name: "ActorError", code: "DATA_LOSS", detail: "history truncated" });
  assert.deepEqual(got.map((t) => [t.id, t.at, t.tags[0], t.amount.minorUnits]),
    [[0n, 1000n, "t0", 0n], [1n, 1001n, "t1", 1n], [2n, 1002n, "t2", 2n]]);
  const two = [];
  for await (const tx of client.history(0n, 2)) two.push(tx.id);
  assert.deepEqual(two, [0n, 1n]);

  // timeout: withdraw takes 200 ms; with a 50 ms timeout the call fails.
  await assert.rejects(client.withdraw({ currency: 0, minorUnits: 1n }, { timeout: 0.05 }),
    { name: "ActorError", code: "DEADLINE_EXCEEDED", detail: "no reply within 0.05s" });
  const w = await client.withdraw({ currency: 0, minorUnits: 1n });
  assert.equal(transport.log.at(-1)[4], 30);
  assert.equal(w.balance.minorUnits, 300n);

  // errors: from the handler, from an unimplemented method, unknown target.
  await assert.rejects(client.deposit({ currency: 0, minorUnits: -1n }, null),
    { code: "INVALID_ARGUMENT", message: "INVALID_ARGUMENT: deposit must be positive" });
  const bankClient = new bank.BankClient(transport, "bank");
  await assert.rejects(bankClient.open("ann", 1),
    { code: "UNIMPLEMENTED", detail: "myr.bank.Bank.open is not implemented" });
  assert.equal(transport.log.at(-1)[4], null); // Bank has no timeout
  await assert.rejects(new bank.AccountClient(transport, "nobody").ping(), { code: "NOT_FOUND" });

  // dispatch directly: malformed payload, unknown method.
  await assert.rejects(account.dispatch(1, new Uint8Array([0, 0, 0, 0, 9, 0, 0, 0])),
    { code: "INVALID_ARGUMENT",
      detail: "myr.bank.Account.deposit: truncated message: segment 0 of 9 words ends at byte 80, the buffer has 8" });
  assert.throws(() => account.dispatch(9, new Uint8Array(0)),
    { code: "UNIMPLEMENTED", detail: "myr.bank.Account has no method 9" });
  // dispatch returns exactly the bytes the results codec makes.
  const reply = await account.dispatch(0, bank.Account_BalanceParams.encode({}));
  assert.equal(hex(reply), hex(bank.Account_BalanceResults.encode({ amount: account.balanceValue })));
  checks += 24;
}

clientTests().then(() => {
  console.log("client/servicer: ok");
  console.log(`OK ${checks} checks`);
}, (e) => {
  console.error(e);
  process.exit(1);
});

// The JavaScript wire runtime against the Python runtime's vectors (JSON
// written by dump_wire_vectors.py; the Python bytes equal C++ capnp's).
// Usage: node wire_test.js VECTORS.json. Prints one line per check group and
// exits 1 on the first failure.
"use strict";
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const cw = require(path.join(__dirname, "..", "runtime", "capnp_wire.js"));

const D = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const hex = (u8) => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength).toString("hex");
const unhex = (s) => new Uint8Array(Buffer.from(s, "hex"));

// A schema-driven codec written the way generated code is (vectors.py's Codec).
class Codec {
  constructor(schema, layouts) { this.schema = schema; this.layouts = layouts; }
  encode(name, value) {
    const mb = new cw.MessageBuilder();
    const lay = this.layouts[name];
    this.fill(mb.initRoot(lay.dataWords, lay.pointerCount), name, value);
    return mb.toBytes();
  }
  fill(sb, name, value) {
    const lay = this.layouts[name];
    for (const [f, t] of this.schema[name]) {
      if (!(f in value) || value[f] === null) continue;
      const v = value[f], p = lay.fields[f];
      if (t === "bool") sb.setBool(p.bitOffset, v);
      else if (t === "text") sb.setText(p.offset, v);
      else if (t === "data") sb.setData(p.offset, unhex(v));
      else if (typeof t === "string") sb.set(t, p.bitOffset / 8, t.endsWith("64") && t[0] !== "f" ? BigInt(v) : v);
      else if (t[0] === "struct") {
        const sub = this.layouts[t[1]];
        this.fill(sb.initStruct(p.offset, sub.dataWords, sub.pointerCount), t[1], v);
      } else {
        const e = t[1];
        if (e === "text") sb.setTextList(p.offset, v);
        else if (e === "data") sb.setDataList(p.offset, v.map(unhex));
        else if (Array.isArray(e) && e[0] === "list") {
          const lst = sb.initPointerList(p.offset, v.length);
          v.forEach((ev, i) => lst.setList(i, e[1], ev));
        } else if (Array.isArray(e)) {
          const sub = this.layouts[e[1]];
          const lst = sb.initStructList(p.offset, v.length, sub.dataWords, sub.pointerCount);
          v.forEach((ev, i) => this.fill(lst.get(i), e[1], ev));
        } else sb.setList(p.offset, e, e.endsWith("64") && e[0] !== "f" ? v.map(BigInt) : v);
      }
    }
  }
  decode(name, data, options) { return this.read(name, new cw.MessageReader(data, options).root()); }
  // Reads into the JSON form the Python dumper uses (64-bit ints as strings, data as hex).
  read(name, r) {
    const lay = this.layouts[name], out = {};
    const big = (k, x) => (k.endsWith("64") && k[0] !== "f" ? x.toString() : x);
    for (const [f, t] of this.schema[name]) {
      const p = lay.fields[f];
      if (t === "bool") out[f] = r.getBool(p.bitOffset);
      else if (t === "text") out[f] = r.getText(p.offset);
      else if (t === "data") out[f] = hex(r.getData(p.offset));
      else if (typeof t === "string") out[f] = big(t, r.get(t, p.bitOffset / 8));
      else if (t[0] === "struct") out[f] = r.has(p.offset) ? this.read(t[1], r.getStruct(p.offset)) : null;
      else {
        const e = t[1];
        if (e === "text") out[f] = r.getTextList(p.offset);
        else if (e === "data") out[f] = r.getDataList(p.offset).map(hex);
        else if (Array.isArray(e) && e[0] === "list") {
          const outer = r.getList(p.offset);
          out[f] = [];
          for (let i = 0; i < outer.length; i++) out[f].push(outer.listAt(i).asPrims(e[1]).map((x) => big(e[1], x)));
        } else if (Array.isArray(e)) out[f] = r.getStructList(p.offset).map((s) => this.read(e[1], s));
        else out[f] = r.getPrimList(p.offset, e).map((x) => big(e, x));
      }
    }
    return out;
  }
}

const codec = new Codec(D.schema, D.layouts);
let checks = 0;

// 1. Encoding: the same bytes as Python (= C++), vector by vector.
for (const v of D.vectors) {
  if (v.encode === false) continue;
  assert.equal(hex(codec.encode(v.root, v.input)), v.hex, `encode ${v.name}`);
  checks++;
}
console.log(`encode: ${checks} vectors byte-identical`);

// 2. Decoding Python's bytes gives Python's values (incl. the 4-segment far-pointer message).
for (const v of D.vectors) {
  assert.deepEqual(codec.decode(v.root, unhex(v.hex)), v.value, `decode ${v.name}`);
  checks++;
}
console.log(`decode: ${D.vectors.length} vectors equal`);

// 3. Malformed input: the same outcome and WireError message as Python.
function run(data, mode, options) {
  try {
    const root = new cw.MessageReader(data, options).root();
    if (mode === "Inner" || mode === "AllTypes") codec.read(mode, root);
    else if (mode === "dataList0") root.getDataList(0);
    else if (mode === "dataList0Count") return `ok ${root.getDataList(0).length}`;
    else if (mode === "structList0") root.getStructList(0);
    return "ok";
  } catch (e) {
    if (e instanceof cw.WireError) return e.message;
    throw new Error(`non-WireError escaped: ${e.stack}`);
  }
}
for (const m of D.malformed) {
  assert.equal(run(unhex(m.hex), m.read, m.limits), m.outcome, `malformed ${m.name}`);
  checks++;
}
console.log(`malformed: ${D.malformed.length} cases, same WireError messages`);

// 4. Seeded mutation fuzzing: every corrupted message has Python's outcome.
const outcomes = { ok: 0, err: 0 };
for (const [i, f] of D.fuzz.entries()) {
  const got = run(unhex(f.hex), f.read, f.limits);
  assert.equal(got, f.outcome, `fuzz case ${i}`);
  outcomes[got === "ok" ? "ok" : "err"]++;
  checks++;
}
assert.ok(outcomes.ok > 50 && outcomes.err > 500, JSON.stringify(outcomes));
console.log(`fuzz: ${D.fuzz.length} mutated messages, same outcome (${outcomes.ok} ok, ${outcomes.err} WireError)`);

// 5. Runtime behaviour of its own.
{
  // Zero-copy: data is a view over the caller's buffer.
  const buf = codec.encode("AllTypes", { data: Buffer.from("hello").toString("hex") });
  const r = new cw.MessageReader(buf).root();
  const view = r.getData(D.layouts.AllTypes.fields.data.offset);
  assert.equal(view.buffer, buf.buffer);
  buf[Buffer.from(buf).indexOf("hello")] = "j".charCodeAt(0);
  assert.equal(Buffer.from(view).toString(), "jello");
  // Empty struct root points at itself (capnp encode of Empty).
  const mb = new cw.MessageBuilder();
  mb.initRoot(0, 0);
  assert.equal(hex(mb.toBytes()), "0000000001000000fcffffff00000000");
  // Builder errors.
  const sb = new cw.MessageBuilder().initRoot(1, 1);
  assert.throws(() => sb.set("int8", 0, 128), { name: "RangeError", message: "int8 field: value out of range [-128, 127] (value 128)" });
  assert.throws(() => sb.set("int8", 8, 1), { message: "data offset 8 outside a 1-word data section" });
  assert.throws(() => sb.setText(1, "x"), { message: "pointer 1 outside a struct with 1 pointers" });
  assert.throws(() => sb.setList(0, "uint16", [1, -1]), { message: "uint16 value -1 out of range [0, 65535]" });
  assert.throws(() => sb.set("int64", 0, 1.5), { name: "TypeError" });
  const sb2 = new cw.MessageBuilder().initRoot(0, 1);
  sb2.setText(0, "a");
  assert.throws(() => sb2.setText(0, "b"), /^Error: pointer already set/);
  // uint64 extremes survive as BigInt.
  const sb3 = new cw.MessageBuilder();
  const s3 = sb3.initRoot(2, 0);
  s3.set("uint64", 0, (1n << 64n) - 1n);
  s3.set("int64", 8, -(1n << 63n));
  const r3 = new cw.MessageReader(sb3.toBytes()).root();
  assert.equal(r3.get("uint64", 0), 18446744073709551615n);
  assert.equal(r3.get("int64", 8), -9223372036854775808n);
  assert.equal(r3.get("int64", 16), 0n); // outside the data section: default
  // Reading from an ArrayBuffer and a Node Buffer with a non-zero byteOffset.
  const pool = Buffer.alloc(buf.length + 3);
  Buffer.from(buf).copy(pool, 3);
  assert.deepEqual(codec.decode("AllTypes", pool.subarray(3)), codec.decode("AllTypes", buf));
  checks += 12;
}
console.log(`runtime: own checks pass`);
console.log(`OK ${checks} checks`);

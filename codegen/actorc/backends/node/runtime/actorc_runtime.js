// What generated `foo.actor.js` modules require (as "actorc_runtime"): the
// wire runtime plus the helpers of the actor surface (errors, maps, lists,
// Pid). Its types: actorc_runtime.d.ts.
// CommonJS, Node 20, standard library only. See ../README.md.
"use strict";
const cw = require("./capnp_wire.js");
const pid = require("./pid.js");

/** An actor-level failure: an absl status name and a message. */
class ActorError extends Error {
  constructor(code, message) {
    super(`${code}: ${message}`);
    this.name = "ActorError";
    this.code = code;
    this.detail = message;
  }
}

const EMPTY_BYTES = new Uint8Array(0);
const EMPTY_MAP = new Map();

const isSurrogate = (c) => c >= 0xd800 && c <= 0xdfff;

// Strings in code point order (= UTF-8 byte order = Python's str order), not
// JS's UTF-16 code unit order: at the first difference a surrogate (a code
// point >= U+10000) sorts after any non-surrogate unit.
function compareStrings(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i), y = b.charCodeAt(i);
    if (x !== y) {
      const sx = isSurrogate(x), sy = isSurrogate(y);
      if (sx !== sy) return sx ? 1 : -1;
      return x - y;
    }
  }
  return a.length - b.length;
}

function compareKeys(a, b) {
  if (typeof a === "string") return compareStrings(a, b);
  if (typeof a === "boolean") return (a ? 1 : 0) - (b ? 1 : 0);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A map's [key, value] pairs sorted by key (the encoders' canonical order). */
function sortedEntries(m) {
  const es = m instanceof Map ? Array.from(m.entries()) : Object.entries(m);
  es.sort((x, y) => compareKeys(x[0], y[0]));
  return es;
}

/** Entries (StructReaders) of a map field -> a Map via the entry codec. */
function toMap(entries, codec) {
  const out = new Map();
  for (const e of entries) {
    const kv = codec._read(e);
    out.set(kv.key, kv.value);
  }
  return out;
}

/** A list of pointers (lists) converted element by element. */
function mapLists(lr, convert) {
  const out = new Array(lr.length);
  for (let i = 0; i < lr.length; i++) out[i] = convert(lr.listAt(i));
  return out;
}

/** encode/decode of a generated struct codec. */
function encodeWith(codec, value) {
  const mb = new cw.MessageBuilder();
  codec._write(mb.initRoot(codec.DATA_WORDS, codec.POINTER_COUNT), value);
  return mb.toBytes();
}

function decodeWith(codec, bytes, options) {
  return codec._read(new cw.MessageReader(bytes, options).root());
}

/** Decodes a request in a servicer: malformed input -> INVALID_ARGUMENT. */
function decodeRequest(codec, bytes, what) {
  try {
    return decodeWith(codec, bytes);
  } catch (e) {
    if (e instanceof cw.WireError) throw new ActorError("INVALID_ARGUMENT", `${what}: ${e.message}`);
    throw e;
  }
}

module.exports = {
  ...cw, ...pid, ActorError, compareStrings, EMPTY_BYTES, EMPTY_MAP, sortedEntries, toMap, mapLists,
  encodeWith, decodeWith, decodeRequest,
};

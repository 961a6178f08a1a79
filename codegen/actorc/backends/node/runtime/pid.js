// Pid: an actor process identifier, the JavaScript value of the IDL type
// `pid`. The same 64 bits as C++ myr::Pid (libs/pid/pid.h, which says what
// they mean) and Python's actorc.wire.pid.Pid:
//
//   63            48 47                27 26                           0
//   +---------------+--------------------+------------------------------+
//   |  node (16)    |  generation (21)   |          slot (27)           |
//   +---------------+--------------------+------------------------------+
//
// On the wire a pid is its bits as a Cap'n Proto UInt64. `new Pid(0n)` is
// the invalid pid (a valid one has a non-zero generation). A Pid is an
// immutable value (frozen); compare with `a.equals(b)` or `a.bits === b.bits`.
"use strict";

const SLOT_BITS = 27n;
const GENERATION_BITS = 21n;
const MAX_SLOTS = 1n << SLOT_BITS;
const MAX_GENERATION = (1n << GENERATION_BITS) - 1n;
const MAX_NODE = (1n << 16n) - 1n;
const LIMIT = 1n << 64n;

class Pid {
  /** A pid from its 64 bits (a BigInt; a safe-integer number is accepted). */
  constructor(bits = 0n) {
    if (typeof bits === "number" && Number.isSafeInteger(bits)) bits = BigInt(bits);
    if (typeof bits !== "bigint") throw new TypeError(`a pid is 64 bits (a BigInt), found ${typeof bits}`);
    if (bits < 0n || bits >= LIMIT) throw new RangeError(`a pid is 64 bits: ${bits} is out of range`);
    this.bits = bits;
    Object.freeze(this);
  }

  /** The pid of `slot` on `node` in `generation` (numbers); out-of-range parts are masked off. */
  static make(node, slot, generation) {
    return new Pid(((BigInt(node) & MAX_NODE) << (SLOT_BITS + GENERATION_BITS)) |
      ((BigInt(generation) & MAX_GENERATION) << SLOT_BITS) | (BigInt(slot) & (MAX_SLOTS - 1n)));
  }

  /** The pid toString() printed ("<node.slot.generation>"); throws SyntaxError otherwise. */
  static parse(text) {
    const m = /^<([0-9]+)\.([0-9]+)\.([0-9]+)>$/.exec(text);
    if (m === null) throw new SyntaxError(`not a pid: ${JSON.stringify(text)} (expected "<node.slot.generation>")`);
    const [node, slot, generation] = m.slice(1).map(BigInt);
    if (node > MAX_NODE || slot >= MAX_SLOTS || generation < 1n || generation > MAX_GENERATION) {
      throw new SyntaxError(`not a pid: ${JSON.stringify(text)} (a part is out of range)`);
    }
    return Pid.make(Number(node), Number(slot), Number(generation));
  }

  get node() { return Number(this.bits >> (SLOT_BITS + GENERATION_BITS)); }
  get slot() { return Number(this.bits & (MAX_SLOTS - 1n)); }
  get generation() { return Number((this.bits >> SLOT_BITS) & MAX_GENERATION); }
  get valid() { return this.generation !== 0; }

  equals(other) { return other instanceof Pid && other.bits === this.bits; }

  /** "<node.slot.generation>" as Erlang prints pids (C++ Pid::ToString); "<invalid>" if invalid. */
  toString() { return this.valid ? `<${this.node}.${this.slot}.${this.generation}>` : "<invalid>"; }

  [Symbol.for("nodejs.util.inspect.custom")]() { return `Pid ${this.toString()}`; }
}

/** The bits of a pid field's value for an encoder: null/undefined (absent) -> 0n. */
function pidBits(p) {
  if (p === null || p === undefined) return 0n;
  if (p instanceof Pid) return p.bits;
  throw new TypeError(`expected a Pid, found ${typeof p === "object" ? p.constructor.name : typeof p}`);
}

/** pidBits of every element (a list<pid> for an encoder). */
function pidBitsList(ps) { return ps.map(pidBits); }

/** Pids of a decoded list of UInt64 BigInts. */
function toPids(bits) { return bits.map((b) => new Pid(b)); }

module.exports = { Pid, pidBits, pidBitsList, toPids };

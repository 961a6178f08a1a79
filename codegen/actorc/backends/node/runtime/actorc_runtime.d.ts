// Types of "actorc_runtime" (actorc_runtime.js) that users of generated
// modules touch: Pid (the IDL type `pid`) and the errors. The wire classes
// the generated codecs use are internal and not declared here. Copy it next
// to the runtime as index.d.ts (node_modules/actorc_runtime/) for tsc.

/** An actor process identifier: node 16 | generation 21 | slot 27 bits (libs/pid/pid.h). */
export declare class Pid {
  /** From its 64 bits (a safe-integer number is accepted); 0n is the invalid pid. */
  constructor(bits?: bigint | number);
  /** Masks out-of-range parts off, as C++ Pid::Make. */
  static make(node: number, slot: number, generation: number): Pid;
  /** Parses "<node.slot.generation>"; throws SyntaxError otherwise. */
  static parse(text: string): Pid;
  readonly bits: bigint;
  readonly node: number;
  readonly slot: number;
  readonly generation: number;
  /** A valid pid has a non-zero generation. */
  readonly valid: boolean;
  equals(other: unknown): boolean;
  /** "<node.slot.generation>", or "<invalid>". */
  toString(): string;
}

/** A failed call, cast or stream: `code` is an absl status name ("DEADLINE_EXCEEDED", ...). */
export declare class ActorError extends Error {
  constructor(code: string, message: string);
  readonly code: string;
  readonly detail: string;
}

/** Malformed wire input. */
export declare class WireError extends Error {}

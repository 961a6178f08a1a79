// Encode/decode throughput of the generated bank module on the JS runtime.
// NODE_PATH=<node>/runtime node bench.js GENERATED_DIR [SECONDS]
"use strict";
const path = require("node:path");
const bank = require(path.join(path.resolve(process.argv[2]), "bank.actor.js"));
const seconds = Number(process.argv[3] || 1);

const tx = {
  id: 123456789n, kind: bank.Kind.transfer, amount: { currency: 1, minorUnits: 250000n },
  at: 1700000000123456789n, memo: "monthly rent", tags: ["home", "fixed"],
  attributes: new Map([["ref", new Uint8Array(16)], ["batch", new Uint8Array(4)]]),
  settlementDelay: 86400000000000n, ratio: 0.5, flagged: false, legacyCode: 0,
};

function bench(name, fn) {
  for (let i = 0; i < 2000; i++) fn(); // warm up
  let n = 0;
  const end = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  const t0 = process.hrtime.bigint();
  while (process.hrtime.bigint() < end) {
    for (let i = 0; i < 1000; i++) fn();
    n += 1000;
  }
  const ns = Number(process.hrtime.bigint() - t0);
  console.log(`${name}: ${(n / (ns / 1e9)).toFixed(0)} ops/s (${(ns / n).toFixed(0)} ns/op)`);
}

const bytes = bank.Transaction.encode(tx);
console.log(`Transaction message: ${bytes.length} bytes`);
bench("Transaction.encode", () => bank.Transaction.encode(tx));
bench("Transaction.decode", () => bank.Transaction.decode(bytes));
const small = bank.Account_DepositParams.encode({ amount: { currency: 0, minorUnits: 5n }, memo: null });
bench("DepositParams.encode", () => bank.Account_DepositParams.encode({ amount: { currency: 0, minorUnits: 5n }, memo: null }));
bench("DepositParams.decode", () => bank.Account_DepositParams.decode(small));

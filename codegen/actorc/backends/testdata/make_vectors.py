"""Writes bank_vectors.json: shared cross-language wire vectors (see README.md).

    python3 codegen/actorc/backends/testdata/make_vectors.py

For each vector below (values in the JSON convention of README.md) it
derives the Cap'n Proto text value from the schema (every field written,
in ordinal order, so the C++ builder allocates in the canonical order),
runs the system `capnp encode` (C++ libcapnp's encoder) on the generated
.capnp, and stores the bytes as hex. The tests re-run `capnp encode` and
compare, so a stale file fails them.
"""

import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import testutil  # noqa: E402

from actorc import wire_model  # noqa: E402

I64_MAX, I64_MIN, U64_MAX = 2**63 - 1, -2**63, 2**64 - 1
# Pids by (node, slot, generation): node << 48 | generation << 27 | slot.
PID_1_42_7 = (1 << 48) | (7 << 27) | 42
PID_2_0_1 = (2 << 48) | (1 << 27)

TX_FULL = {
    "id": str(U64_MAX), "kind": "transfer",
    "amount": {"currency": "usd", "minorUnits": "-123456789012345"},
    "at": "1700000000123456789", "memo": "r\u00e9sum\u00e9 \"quoted\" \\ done",
    "tags": ["a", "", "long tag with spaces"],
    "attributes": [["zeta", "00ff"], ["alpha", ""], ["mid", "deadbeef"]],
    "settlementDelay": "-1500000000", "ratio": -0.1, "flagged": True, "legacyCode": -2147483648,
}
TX_MIN = {
    "id": "0", "kind": "deposit", "amount": {"currency": "eur", "minorUnits": "0"},
    "at": "0", "memo": None, "tags": [], "attributes": [], "settlementDelay": "0",
    "ratio": 0.0, "flagged": False, "legacyCode": 0,
}

# (name, schema file, capnp struct path, values)
VECTORS = [
    ("money_zero", "common.capnp", "Money", {"currency": "eur", "minorUnits": "0"}),
    ("money_usd", "common.capnp", "Money", {"currency": "usd", "minorUnits": str(I64_MIN)}),
    ("transaction_full", "bank.capnp", "Transaction", TX_FULL),
    ("transaction_min", "bank.capnp", "Transaction", TX_MIN),
    ("transaction_empty_memo", "bank.capnp", "Transaction", dict(TX_MIN, memo="", tags=[""], kind="withdrawal")),
    ("scalars_zero", "bank.capnp", "Scalars", {
        "b": False, "i8": 0, "i16": 0, "i32": 0, "i64": "0", "u8": 0, "u16": 0, "u32": 0, "u64": "0",
        "f32": 0.0, "f64": 0.0, "s": "", "data": "", "t": "0", "d": "0", "nested": [], "byKey": []}),
    ("scalars_max", "bank.capnp", "Scalars", {
        "b": True, "i8": 127, "i16": 32767, "i32": 2147483647, "i64": str(I64_MAX),
        "u8": 255, "u16": 65535, "u32": 4294967295, "u64": str(U64_MAX),
        "f32": 3.4028234663852886e+38, "f64": 1.7976931348623157e+308,
        "s": "\u00fcnic\u00f8de \u2713", "data": "000102fdfeff", "t": str(I64_MAX), "d": str(I64_MAX),
        "nested": [[1, 2, 3], [], [-2147483648]],
        "byKey": [["7", TX_MIN], ["-5", TX_FULL]]}),
    ("scalars_min", "bank.capnp", "Scalars", {
        "b": False, "i8": -128, "i16": -32768, "i32": -2147483648, "i64": str(I64_MIN),
        "u8": 0, "u16": 0, "u32": 0, "u64": "0",
        "f32": -1.25, "f64": -5e-324, "s": "x", "data": "00", "t": str(I64_MIN), "d": str(I64_MIN),
        "nested": [[0]], "byKey": [[str(I64_MIN), TX_MIN]]}),
    ("account_balance_params", "bank.capnp", "Account.BalanceParams", {}),
    ("account_balance_results", "bank.capnp", "Account.BalanceResults",
     {"amount": {"currency": "dem", "minorUnits": "42"}}),
    ("account_deposit_params_memo", "bank.capnp", "Account.DepositParams",
     {"amount": {"currency": "eur", "minorUnits": "1999"}, "memo": "rent"}),
    ("account_deposit_params_no_memo", "bank.capnp", "Account.DepositParams",
     {"amount": {"currency": "eur", "minorUnits": "1"}, "memo": None}),
    ("account_deposit_results", "bank.capnp", "Account.DepositResults",
     {"balance": {"currency": "usd", "minorUnits": "-1"}, "id": "9007199254740993"}),
    ("account_annotate_params", "bank.capnp", "Account.AnnotateParams", {"text": "note\nwith newline\ttab"}),
    ("account_history_params", "bank.capnp", "Account.HistoryParams", {"since": "-1", "limit": 4294967295}),
    ("account_history_item", "bank.capnp", "Account.HistoryItem", {"value": TX_FULL}),
    ("account_ping_results", "bank.capnp", "Account.PingResults", {}),
    ("bank_open_params", "bank.capnp", "Bank.OpenParams", {"owner": "Ada", "currency": "dem"}),
    ("bank_open_results", "bank.capnp", "Bank.OpenResults", {"accountId": "18446744073709551615"}),
    # pid: its 64 bits (node 16 | generation 21 | slot 27), as a decimal string.
    ("pids_full", "bank.capnp", "Pids", {
        "owner": str(PID_1_42_7), "standby": str(U64_MAX),
        "watchers": [str(PID_2_0_1), "0", str(U64_MAX)],
        "byRole": [["primary", str(PID_1_42_7)], ["audit", "0"], ["", str(PID_2_0_1)]]}),
    ("pids_empty", "bank.capnp", "Pids", {"owner": "0", "standby": None, "watchers": [], "byRole": []}),
    ("bank_locate_results", "bank.capnp", "Bank.LocateResults", {"account": str(PID_2_0_1)}),
]


def _text_str(s):
    out = ['"']
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20:
            out.append("\\x%02x" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def capnp_value(t, v):
    """The capnp text-format spelling of JSON-convention value v of TypeRef t."""
    if t.kind == "optional":
        inner = t.args[0]
        if wire_model.scalar_kind(inner):
            return "(value = %s)" % capnp_value(inner, v)
        return capnp_value(inner, v)
    if t.kind == "builtin":
        n = t.name
        if n == "bool":
            return "true" if v else "false"
        if n == "string":
            return _text_str(v)
        if n == "bytes":
            return '0x"%s"' % v if v else '""'
        if n in ("float32", "float64"):
            return repr(float(v))
        return str(int(v))
    if t.kind == "enum":
        return v
    if t.kind == "struct":
        return struct_text(t.decl.full_name, v)
    if t.kind == "list":
        return "[%s]" % ", ".join(capnp_value(t.args[0], x) for x in v)
    if t.kind == "map":
        entries = sorted(v, key=lambda kv: key_of(t.args[0], kv[0]))
        return "[%s]" % ", ".join("(key = %s, value = %s)" % (capnp_value(t.args[0], k), capnp_value(t.args[1], x))
                                  for k, x in entries)
    raise ValueError(t.kind)


def key_of(t, k):
    if t.kind == "builtin" and t.name not in ("string", "bool"):
        return int(k)
    return k


_STRUCTS = {}


def struct_text(full_name, values):
    ws = _STRUCTS[full_name]
    parts = []
    for f in ws.fields:
        v = values[f.name]
        if v is None:
            continue
        parts.append("%s = %s" % (f.name, capnp_value(f.type, v)))
    return "(%s)" % ", ".join(parts)


def main():
    program, outputs = testutil.generate("capnp", testutil.BANK)
    for m in program.modules:
        for w in wire_model.wire_structs(m):
            _STRUCTS[m.package + "." + w.path] = w
    pkg = {"common.capnp": "myr.common", "bank.capnp": "myr.bank"}
    out = []
    with tempfile.TemporaryDirectory() as d:
        testutil.write_all(outputs, d)
        for name, schema, path, values in VECTORS:
            text = struct_text(pkg[schema] + "." + path, values)
            data = testutil.run_capnp(["encode", schema, path], d, stdin=text.encode("utf-8"))
            out.append({"name": name, "schema": schema, "struct": path,
                        "python_class": path.replace(".", ""),
                        "capnp_text": text, "values": values, "hex": data.hex()})
    doc = {"comment": "Generated by make_vectors.py; see README.md. Bytes from the system `capnp encode` (C++ libcapnp).",
           "source": testutil.BANK, "vectors": out}
    with open(testutil.VECTORS, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print("wrote %d vectors to %s" % (len(out), testutil.VECTORS))


if __name__ == "__main__":
    main()

"""Bank (and extra.actor) test vectors for the Node backend, made by an independent Python
encoder: the Python wire runtime (byte-identical to C++ capnp) driven by
`actorc.wire_model` layouts, with the same writing convention as the
generated encoders (every field in ordinal order, depth first; optional
fields only when present; map entries sorted by key).

`python3 bank_vectors.py [--shared]` prints JSON (with --shared: the shared
C++-made vectors of testdata/bank_vectors.json converted to this format): [{name, struct (JS codec name), hex,
value}] with values in tagged JSON ({"$big": "12"} -> BigInt, {"$bytes":
hex} -> Uint8Array, {"$map": [[k, v], ...]} -> Map, {"$pid": "12"} -> Pid,
null = absent). Pids are given here as their 64 bits (ints).
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "testdata"))
import testutil  # noqa: E402  (puts codegen/ on sys.path)

from actorc import wire_model as wm  # noqa: E402
from actorc.wire import capnp_wire as cw  # noqa: E402


class Encoder:
    def __init__(self, program):
        self.by_source = {}
        self.by_path = {}
        for mod in program.modules:
            for w in wm.wire_structs(mod):
                if w.source is not None:
                    self.by_source[id(w.source)] = w
                self.by_path[(mod.package, w.path)] = w

    def ws_of(self, decl):
        return self.by_source[id(decl)]

    def encode(self, w, value):
        mb = cw.MessageBuilder()
        self.fill(mb.init_root(w.layout.data_words, w.layout.pointer_count), w, value)
        return mb.to_bytes()

    def fill(self, sb, w, value):
        for f in w.fields:
            v = value.get(f.name)
            t = f.type
            p = f.placement
            if t.kind == "optional":
                if v is None:
                    continue
                if f.wrapper is not None:
                    wf = f.wrapper.fields[0]
                    inner = sb.init_struct(p.offset, f.wrapper.layout.data_words, f.wrapper.layout.pointer_count)
                    self.scalar(inner, wf, v)
                    continue
                t = t.args[0]
            elif wm.scalar_kind(t):
                self.scalar(sb, f, v if v is not None else (False if f.kind == "bool" else 0))
                continue
            self.ptr(sb, p.offset, t, f.entry, v)

    def scalar(self, sb, f, v):
        if f.kind == "bool":
            sb.set_bool(f.placement.bit_offset, v)
        else:
            sb.set(f.kind, f.placement.byte_offset, v)

    def ptr(self, b, i, t, entry, v):
        if t.kind == "builtin":
            if t.name == "string":
                b.set_text(i, v if v is not None else "")
            else:
                b.set_data(i, v if v is not None else b"")
        elif t.kind == "struct":
            w = self.ws_of(t.decl)
            self.fill(b.init_struct(i, w.layout.data_words, w.layout.pointer_count), w, v or {})
        elif t.kind == "map":
            items = sorted((v or {}).items())
            lst = b._msg._init_struct_list_at(b._ptr(i) if hasattr(b, "_ptr") else b._at(i), len(items),
                                              entry.layout.data_words, entry.layout.pointer_count)
            for k, (key, val) in enumerate(items):
                self.fill(lst[k], entry, {"key": key, "value": val})
        elif t.kind == "list":
            e = t.args[0]
            v = v or []
            k = wm.scalar_kind(e)
            if k:
                b.set_list(i, k, v)
            elif e.kind == "builtin":
                lst = b.init_pointer_list(i, len(v)) if hasattr(b, "init_pointer_list") else None
                for j, x in enumerate(v):
                    self.ptr(lst, j, e, entry, x)
            elif e.kind == "struct":
                w = self.ws_of(e.decl)
                lst = b.init_struct_list(i, len(v), w.layout.data_words, w.layout.pointer_count)
                for j, x in enumerate(v):
                    self.fill(lst[j], w, x)
            else:
                lst = b._msg._init_pointer_list_at(b._ptr(i) if hasattr(b, "_ptr") else b._at(i), len(v))
                for j, x in enumerate(v):
                    self.ptr(lst, j, e, entry, x)

    # -- tagged JSON -------------------------------------------------------
    def to_json(self, w, value):
        return {f.name: self.json_of(f.type, f.entry, value.get(f.name)) for f in w.fields if f.name in value}

    def json_of(self, t, entry, v):
        if v is None:
            return None
        if t.kind == "optional":
            return self.json_of(t.args[0], entry, v)
        if t.kind == "builtin":
            if t.name in ("int64", "uint64", "timestamp", "duration"):
                return {"$big": str(v)}
            if t.name == "pid":
                return {"$pid": str(v)}
            if t.name == "bytes":
                return {"$bytes": bytes(v).hex()}
            return v
        if t.kind == "enum":
            return v
        if t.kind == "struct":
            return self.to_json(self.ws_of(t.decl), v)
        if t.kind == "list":
            return [self.json_of(t.args[0], entry, x) for x in v]
        if t.kind == "map":
            return {"$map": [[self.json_of(t.args[0], None, k), self.json_of(t.args[1], None, x)]
                             for k, x in sorted(v.items())]}
        raise ValueError(t.kind)


EUR, USD = 0, 1
DEPOSIT, WITHDRAWAL, TRANSFER = 0, 1, 2


def pid(node, slot, generation):
    """A pid's 64 bits (libs/pid/pid.h: node 16 | generation 21 | slot 27)."""
    return (node << 48) | (generation << 27) | slot

TX = {
    "id": 2**64 - 1, "kind": TRANSFER, "amount": {"currency": USD, "minorUnits": -2**63},
    "at": 1_700_000_000_123_456_789, "memo": "rent \u00e9\u2713\U0001F41C", "tags": ["a", "", "\u00fc"],
    "attributes": {"z": b"\x00\xff", "a": b"", "\u00e9": b"x", "B": b"yz"},
    "settlementDelay": -5_000_000_000, "ratio": 0.1, "flagged": True, "legacyCode": -7,
}

VECTORS = [
    ("transaction_full", "bank", "Transaction", TX),
    ("transaction_defaults", "bank", "Transaction", {}),
    ("transaction_empty_memo", "bank", "Transaction", {"memo": "", "id": 1}),
    ("scalars_max", "bank", "Scalars", {
        "b": True, "i8": 127, "i16": 32767, "i32": 2**31 - 1, "i64": 2**63 - 1, "u8": 255, "u16": 65535,
        "u32": 2**32 - 1, "u64": 2**64 - 1, "f32": 3.4028234663852886e38, "f64": 1.7976931348623157e308,
        "s": "max", "data": bytes(range(256)), "t": 2**63 - 1, "d": -2**63,
        "nested": [[1, -2], [], [2**31 - 1]],
        "byKey": {5: {"id": 5}, -3: TX, 0: {}},
    }),
    ("scalars_min", "bank", "Scalars", {"i8": -128, "i16": -32768, "i32": -2**31, "i64": -2**63,
                                         "f32": -1.5, "f64": -2.5e-300}),
    ("deposit_params", "bank", "Account.DepositParams",
     {"amount": {"currency": EUR, "minorUnits": 12345}, "memo": "salary"}),
    ("deposit_params_no_memo", "bank", "Account.DepositParams", {"amount": {"currency": USD, "minorUnits": 1}}),
    ("deposit_results", "bank", "Account.DepositResults",
     {"balance": {"currency": EUR, "minorUnits": 99}, "id": 42}),
    ("history_params", "bank", "Account.HistoryParams", {"since": -1, "limit": 10}),
    ("history_item", "bank", "Account.HistoryItem", {"value": TX}),
    ("ping_params", "bank", "Account.PingParams", {}),
    ("open_params", "bank", "Bank.OpenParams", {"owner": "ann", "currency": USD}),
    ("open_results", "bank", "Bank.OpenResults", {"accountId": 2**63 + 5}),
    ("money", "common", "Money", {"currency": 2, "minorUnits": -1}),
    ("pids_full", "bank", "Pids", {"owner": pid(65535, 2**27 - 1, 2**21 - 1), "standby": 0,
                                   "watchers": [pid(1, 2, 3), 0, pid(0, 0, 1)],
                                   "byRole": {"b": pid(4, 5, 6), "a": 0}}),
    ("pids_defaults", "bank", "Pids", {}),
    ("locate_results", "bank", "Bank.LocateResults", {"account": pid(7, 12345, 2)}),
]

SHAPES = {
    "maybeInt": -2**63, "maybeFlag": False, "maybeColor": 2, "maybeLevel": 1, "maybeTime": 12345,
    "maybeBytes": b"", "maybePoint": {"x": 1.5, "y": -2.0, "label": "p"}, "maybeList": [],
    "points": [{"x": 0.5}, {"label": ""}, {"y": 3.0, "label": "three"}],
    "nestedMap": {"b": {2: "two", -1: "minus"}, "a": {}, "": {0: ""}},
    "listOfMaps": [{255: True, 0: False}, {}, {7: True}],
    "colors": [2, 0, 1], "flags": [True, False, True], "blobs": [b"", b"\x01\x02"],
    "durations": [-1, 0, 2**63 - 1], "maybeU16": 65535, "maybeF32": 0.0,
    "dep": {"level": 1, "tags": {"x": 1, "w": 0}},
    "maybeU64": 2**64 - 1, "maybePid": pid(1, 2, 3), "pidLists": [[pid(9, 8, 7), 0], []],
}

EXTRA_VECTORS = [
    ("shapes_full", "extra", "Shapes", SHAPES),
    ("shapes_empty", "extra", "Shapes", {}),
    ("draw_params", "extra", "Painter.DrawParams", {"shapes": {"maybeFlag": True}, "scale": 0.0}),
    ("draw_params_no_scale", "extra", "Painter.DrawParams", {"shapes": {}}),
    ("count_results", "extra", "Painter.CountResults", {"n": 0}),
    ("count_results_absent", "extra", "Painter.CountResults", {}),
    ("tagged", "extra_dep", "Tagged", {"level": 1, "tags": {"\u00e9": 1, "z": 0, "a": 1}}),
]


def shared_json(enc, t, entry, v):
    """A value of the shared bank_vectors.json convention (enum names, 64-bit
    as strings, bytes as hex, maps as pairs) -> this file's tagged JSON."""
    if v is None:
        return None
    if t.kind == "optional":
        return shared_json(enc, t.args[0], entry, v)
    if t.kind == "builtin":
        if t.name in ("int64", "uint64", "timestamp", "duration"):
            return {"$big": str(int(v))}
        if t.name == "pid":
            return {"$pid": str(int(v))}
        if t.name == "bytes":
            return {"$bytes": v}
        return v
    if t.kind == "enum":
        return next(x.ordinal for x in t.decl.values if x.name == v)
    if t.kind == "struct":
        w = enc.ws_of(t.decl)
        return {f.name: shared_json(enc, f.type, f.entry, v[f.name]) for f in w.fields if f.name in v}
    if t.kind == "list":
        return [shared_json(enc, t.args[0], entry, x) for x in v]
    if t.kind == "map":
        return {"$map": [[shared_json(enc, t.args[0], None, k), shared_json(enc, t.args[1], None, x)]
                         for k, x in v]}
    raise ValueError(t.kind)


def shared_vectors():
    """The shared cross-language vectors (testdata/bank_vectors.json, bytes
    from C++ `capnp encode`) in this file's format."""
    with open(testutil.VECTORS, encoding="utf-8") as f:
        shared = json.load(f)["vectors"]
    program = testutil.load(testutil.BANK)
    enc = Encoder(program)
    by_file = {m.display.rsplit("/", 1)[-1][:-len(".actor")]: m for m in program.modules}
    out = []
    for v in shared:
        mod = v["schema"][:-len(".capnp")]
        w = enc.by_path[(by_file[mod].package, v["struct"])]
        value = {f.name: shared_json(enc, f.type, f.entry, v["values"][f.name]) for f in w.fields
                 if f.name in v["values"]}
        out.append({"name": "shared:" + v["name"], "module": mod, "struct": v["struct"].replace(".", "_"),
                    "hex": v["hex"], "value": value})
    return out


def main():
    out = []
    for schema, vectors in ((testutil.BANK, VECTORS), (testutil.EXTRA, EXTRA_VECTORS)):
        program = testutil.load(schema)
        enc = Encoder(program)
        pkgs = {m.display.rsplit("/", 1)[-1][:-len(".actor")]: m.package for m in program.modules}
        for name, mod, path, value in vectors:
            w = enc.by_path[(pkgs[mod], path)]
            out.append({"name": name, "module": mod, "struct": path.replace(".", "_"),
                        "hex": enc.encode(w, value).hex(), "value": enc.to_json(w, value)})
    if "--shared" in sys.argv:
        out = shared_vectors()
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

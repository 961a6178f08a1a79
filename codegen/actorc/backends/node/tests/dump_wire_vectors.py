"""Dumps the Python wire runtime's test vectors as JSON for the Node tests.

Output (stdout): {"schema", "layouts", "vectors": [{name, root, hex, input, value}],
"malformed": [{name, hex, read, limits, error}], "fuzz": [{hex, root, outcome}]}.
Values are the Python decoder's output made JSON-safe per field kind:
int64/uint64 as decimal strings, data as hex. Malformed and fuzz cases carry
the Python runtime's outcome ("ok" or the WireError message), which the
JavaScript runtime must reproduce exactly. The Python bytes are proven
identical to C++ capnp by //codegen/actorc/wire:cross_language_test.
"""

import json
import struct
import sys

from actorc.wire import capnp_wire as cw
from actorc.wire.testing import vectors as V

CODEC = V.Codec()


def jsonable(ftype, v):
    if v is None:
        return None
    if isinstance(ftype, tuple):
        if ftype[0] == "struct":
            return to_json(ftype[1], v)
        return [jsonable(ftype[1], e) for e in v]
    if ftype in ("int64", "uint64"):
        return str(v)
    if ftype == "data":
        return bytes(v).hex()
    return v


def to_json(struct_name, value):
    return {f: jsonable(t, value[f]) for f, t in CODEC.schema[struct_name] if f in value}


def schema_json():
    def t(ftype):
        return list(ftype) if not isinstance(ftype, tuple) else [ftype[0], t(ftype[1]) if isinstance(ftype[1], tuple) else ftype[1]]
    return {name: [[f, t(ft) if isinstance(ft, tuple) else ft] for f, ft in fields]
            for name, fields in CODEC.schema.items()}


def layouts_json():
    return {name: {"dataWords": lay.data_words, "pointerCount": lay.pointer_count,
                   "fields": {p.name: {"section": p.section, "offset": p.offset, "bitOffset": p.bit_offset}
                              for p in lay.fields}}
            for name, lay in CODEC.layouts.items()}


def words(*ws):
    return b"".join(struct.pack("<Q", w) for w in ws)


ROOT_INNER = 0 | (1 << 32) | (3 << 48)


def malformed_cases():
    """(name, bytes, read mode, limits): the cases of capnp_wire_test.py."""
    full = CODEC.encode("Inner", {"id": 1, "name": "ab"})
    text_ptr = 1 | (2 << 2) | (2 << 32) | (2 << 35)
    text3_ptr = 1 | (2 << 2) | (2 << 32) | (3 << 35)
    lay = CODEC.layouts["AllTypes"]
    ptrs = [0] * lay.pointer_count
    idx = lay.field("innerList").offset
    ptrs[idx] = 1 | ((lay.pointer_count - idx - 1) << 2) | (7 << 32) | (4 << 35)
    root = 0 | (lay.data_words << 32) | (lay.pointer_count << 48)
    overrun = words(root, *([0] * lay.data_words), *ptrs, (5 << 2) | (1 << 32) | (3 << 48), 0, 0, 0, 0)
    n = 1000
    amp = [0 | (0 << 32) | (1 << 48), 1 | (0 << 2) | (6 << 32) | (n << 35)]
    for i in range(n):
        amp.append(1 | ((n - i - 1) << 2) | (2 << 32) | ((8 * n) << 35))
    amp += [0] * n
    return [
        ("too_short", b"\0\0\0", "Inner", {}),
        ("truncated_segment", full[:-8], "Inner", {}),
        ("too_many_segments", struct.pack("<II", 600, 1) + bytes(8), "Inner", {}),
        ("segment_table_truncated", struct.pack("<II", 3, 1), "Inner", {}),
        ("empty_first_segment", struct.pack("<II", 0, 0), "Inner", {}),
        ("struct_out_of_bounds", V.frame([words(ROOT_INNER | (5 << 2), 0)]), "Inner", {}),
        ("negative_offset", V.frame([words(ROOT_INNER | ((-3 & 0x3FFFFFFF) << 2))]), "Inner", {}),
        ("list_out_of_bounds", V.frame([words(ROOT_INNER, 0, 1 | (2 << 32) | (100 << 35), 0, 0)]), "Inner", {}),
        ("far_missing_segment", V.frame([words(2 | (7 << 32))]), "Inner", {}),
        ("far_pad_outside", V.frame([words(2 | (9 << 3) | (1 << 32)), words(0)]), "Inner", {}),
        ("far_to_far", V.frame([words(2 | (1 << 32)), words(2 | (1 << 32))]), "Inner", {}),
        ("double_far_bad_pad", V.frame([words(2 | 4 | (1 << 32)), words(ROOT_INNER, ROOT_INNER)]), "Inner", {}),
        ("wrong_pointer_kind", V.frame([words(1 | (2 << 32))]), "Inner", {}),
        ("capability", V.frame([words(3)]), "Inner", {}),
        ("text_no_nul", V.frame([words(ROOT_INNER, 0, text_ptr, 0, 0, 0x6261)]), "Inner", {}),
        ("text_bad_utf8", V.frame([words(ROOT_INNER, 0, text_ptr, 0, 0, 0xff)]), "Inner", {}),
        ("text_bad_continuation", V.frame([words(ROOT_INNER, 0, text3_ptr, 0, 0, 0x0041c3)]), "Inner", {}),
        ("text_unexpected_end", V.frame([words(ROOT_INNER, 0, text3_ptr, 0, 0, 0x00c341)]), "Inner", {}),
        ("text_wrong_size", V.frame([words(ROOT_INNER, 0, 1 | (2 << 2) | (4 << 32) | (1 << 35), 0, 0, 0)]), "Inner", {}),
        ("composite_overrun", V.frame([overrun]), "AllTypes", {}),
        ("pointer_cycle", V.frame([words(ROOT_INNER, 0, 0, 0, ((-4 & 0x3FFFFFFF) << 2) | (1 << 32) | (3 << 48))]), "Inner", {}),
        ("amplification", V.frame([words(*amp)]), "dataList0", {"traversal_limit_words": 100000}),
        ("amplification_default_limit", V.frame([words(*amp)]), "dataList0Count", {}),
        ("empty_struct_list_amplification",
         V.frame([words(0 | (1 << 48), 1 | (7 << 32), (1 << 29) << 2)]), "structList0", {}),
    ]


def run(data, mode, limits):
    """The outcome of reading `data` with the Python runtime."""
    try:
        root = cw.MessageReader(data, **limits).root()
        if mode in ("Inner", "AllTypes"):
            CODEC.read(mode, root)
        elif mode == "dataList0":
            [bytes(x) for x in root.get_data_list(0)]
        elif mode == "dataList0Count":
            return "ok %d" % len(root.get_data_list(0))
        elif mode == "structList0":
            list(root.get_struct_list(0))
        return "ok"
    except cw.WireError as e:
        return str(e)


def main():
    vectors = []
    for name, value in V.VECTORS.items():
        data = CODEC.encode("AllTypes", value)
        vectors.append({"name": name, "root": "AllTypes", "hex": data.hex(),
                        "input": to_json("AllTypes", value),
                        "value": to_json("AllTypes", CODEC.decode("AllTypes", data))})
    far = V.inner_far_message()
    vectors.append({"name": "inner_far", "root": "Inner", "hex": far.hex(), "encode": False,
                    "value": to_json("Inner", CODEC.decode("Inner", far))})
    for name, value in [("inner_small", {"id": 1, "name": "ab"}), ("empty_inner", {})]:
        data = CODEC.encode("Inner", value)
        vectors.append({"name": name, "root": "Inner", "hex": data.hex(), "input": to_json("Inner", value),
                        "value": to_json("Inner", CODEC.decode("Inner", data))})
    malformed = []
    for name, data, mode, limits in malformed_cases():
        malformed.append({"name": name, "hex": data.hex(), "read": mode,
                          "limits": {"traversalLimitWords": limits["traversal_limit_words"]} if limits else {},
                          "outcome": run(data, mode, limits)})
    # Seeded mutation fuzzing: the JS runtime must reach the same outcome.
    seeds = [CODEC.encode("AllTypes", V.VECTORS["full"]), far]
    fuzz = []
    for i, data in V.mutations(seeds, 2000, seed=4321):
        mode = "AllTypes" if i % 2 == 0 else "Inner"
        limits = {"traversal_limit_words": 1 << 16}
        fuzz.append({"hex": data.hex(), "read": mode, "limits": {"traversalLimitWords": 1 << 16},
                     "outcome": run(data, mode, limits)})
    json.dump({"schema": schema_json(), "layouts": layouts_json(), "vectors": vectors,
               "malformed": malformed, "fuzz": fuzz}, sys.stdout)


if __name__ == "__main__":
    main()

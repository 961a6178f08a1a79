"""The test schema (testing/wire_test.capnp) and test vectors, Python side.

`Codec` is a schema-driven encoder/decoder written the way actorc's generated
code will be: offsets come from `layout.layout_struct`, fields are written in
the canonical order (ordinal order, depth first, list elements in index
order), the same order testing/wire_vectors.cc uses, so the bytes match C++.
"""

import random as _random
import struct as _struct

from actorc.wire import capnp_wire as cw
from actorc.wire.layout import layout_struct

# Field types: a primitive kind, "text", "data", ("struct", Name) or
# ("list", element) with element a primitive kind, "text", "data",
# ("struct", Name) or ("list", primitive kind).
SCHEMA = {
    "Empty": [],
    "Inner": [
        ("id", "uint32"),
        ("name", "text"),
        ("flag", "bool"),
        ("tags", ("list", "text")),
        ("child", ("struct", "Inner")),
    ],
    "AllTypes": [
        ("b", "bool"), ("i8", "int8"), ("i16", "int16"), ("i32", "int32"),
        ("i64", "int64"), ("u8", "uint8"), ("u16", "uint16"), ("u32", "uint32"),
        ("u64", "uint64"), ("f32", "float32"), ("f64", "float64"),
        ("color", "enum"), ("b2", "bool"), ("text", "text"), ("data", "data"),
        ("inner", ("struct", "Inner")), ("empty", ("struct", "Empty")),
        ("boolList", ("list", "bool")), ("i8List", ("list", "int8")),
        ("i16List", ("list", "int16")), ("i32List", ("list", "int32")),
        ("i64List", ("list", "int64")), ("u8List", ("list", "uint8")),
        ("u16List", ("list", "uint16")), ("u32List", ("list", "uint32")),
        ("u64List", ("list", "uint64")), ("f32List", ("list", "float32")),
        ("f64List", ("list", "float64")), ("colorList", ("list", "enum")),
        ("textList", ("list", "text")), ("dataList", ("list", "data")),
        ("innerList", ("list", ("struct", "Inner"))),
        ("emptyList", ("list", ("struct", "Empty"))),
        ("b3", "bool"), ("u8b", "uint8"),
        ("i32Lists", ("list", ("list", "int32"))),
    ],
}

RED, GREEN, BLUE = 0, 1, 2


def _kind(t):
    if isinstance(t, tuple):
        return t[0]
    return t


class Codec:
    def __init__(self, schema=SCHEMA):
        self.schema = schema
        self.layouts = {name: layout_struct([(f, _kind(t)) for f, t in fields])
                        for name, fields in schema.items()}

    # -- encode ------------------------------------------------------------
    def encode(self, struct_name, value):
        mb = cw.MessageBuilder()
        lay = self.layouts[struct_name]
        self._fill(mb.init_root(lay.data_words, lay.pointer_count), struct_name, value)
        return mb.to_bytes()

    def _fill(self, sb, struct_name, value):
        lay = self.layouts[struct_name]
        for (fname, ftype), p in zip(self.schema[struct_name], lay.fields):
            if fname not in value:
                continue
            v = value[fname]
            if ftype == "bool":
                sb.set_bool(p.bit_offset, v)
            elif ftype == "text":
                sb.set_text(p.offset, v)
            elif ftype == "data":
                sb.set_data(p.offset, v)
            elif isinstance(ftype, str):
                sb.set(ftype, p.byte_offset, v)
            elif ftype[0] == "struct":
                sub = self.layouts[ftype[1]]
                self._fill(sb.init_struct(p.offset, sub.data_words, sub.pointer_count), ftype[1], v)
            else:
                elem = ftype[1]
                if elem == "text":
                    sb.set_text_list(p.offset, v)
                elif elem == "data":
                    sb.set_data_list(p.offset, v)
                elif isinstance(elem, tuple) and elem[0] == "list":
                    lst = sb.init_pointer_list(p.offset, len(v))
                    for i, ev in enumerate(v):
                        lst.set_list(i, elem[1], ev)
                elif isinstance(elem, tuple):
                    sub = self.layouts[elem[1]]
                    lst = sb.init_struct_list(p.offset, len(v), sub.data_words, sub.pointer_count)
                    for i, ev in enumerate(v):
                        self._fill(lst[i], elem[1], ev)
                else:
                    sb.set_list(p.offset, elem, v)

    # -- decode ------------------------------------------------------------
    def decode(self, struct_name, data, **limits):
        return self.read(struct_name, cw.MessageReader(data, **limits).root())

    def read(self, struct_name, r):
        lay = self.layouts[struct_name]
        out = {}
        for (fname, ftype), p in zip(self.schema[struct_name], lay.fields):
            if ftype == "bool":
                out[fname] = r.get_bool(p.bit_offset)
            elif ftype == "text":
                out[fname] = r.get_text(p.offset)
            elif ftype == "data":
                out[fname] = bytes(r.get_data(p.offset))
            elif isinstance(ftype, str):
                out[fname] = r.get(ftype, p.byte_offset)
            elif ftype[0] == "struct":
                out[fname] = self.read(ftype[1], r.get_struct(p.offset)) if r.has(p.offset) else None
            else:
                elem = ftype[1]
                if elem == "text":
                    out[fname] = r.get_text_list(p.offset)
                elif elem == "data":
                    out[fname] = [bytes(x) for x in r.get_data_list(p.offset)]
                elif isinstance(elem, tuple) and elem[0] == "list":
                    outer = r.get_list(p.offset)
                    out[fname] = [outer.list_at(i).as_prims(elem[1]) for i in range(len(outer))]
                elif isinstance(elem, tuple):
                    out[fname] = [self.read(elem[1], e) for e in r.get_struct_list(p.offset)]
                else:
                    out[fname] = r.get_prim_list(p.offset, elem)
        return out

    def normalize(self, struct_name, value):
        """`value` with every absent field at its default (what read returns)."""
        out = {}
        for fname, ftype in self.schema[struct_name]:
            v = value.get(fname)
            if isinstance(ftype, tuple) and ftype[0] == "struct":
                out[fname] = None if v is None else self.normalize(ftype[1], v)
            elif isinstance(ftype, tuple):
                elem = ftype[1]
                v = v or []
                if isinstance(elem, tuple) and elem[0] == "list":
                    v = [list(e) for e in v]
                elif isinstance(elem, tuple):
                    v = [self.normalize(elem[1], e) for e in v]
                elif elem == "data":
                    v = [bytes(x) for x in v]
                out[fname] = list(v)
            elif v is not None:
                out[fname] = bytes(v) if ftype == "data" else v
            else:
                out[fname] = {"bool": False, "text": "", "data": b"",
                              "float32": 0.0, "float64": 0.0}.get(ftype, 0)
        return out


FLT_MAX = _struct.unpack("<f", b"\xff\xff\x7f\x7f")[0]
DBL_MAX = 1.7976931348623157e308

VECTORS = {
    "zero": {},
    "max": {
        "b": True, "i8": 127, "i16": 32767, "i32": 2**31 - 1, "i64": 2**63 - 1,
        "u8": 255, "u16": 65535, "u32": 2**32 - 1, "u64": 2**64 - 1,
        "f32": FLT_MAX, "f64": DBL_MAX, "color": BLUE, "b2": True, "b3": True, "u8b": 255,
    },
    "min": {
        "i8": -128, "i16": -32768, "i32": -2**31, "i64": -2**63,
        "f32": -1.5, "f64": -2.5e-300, "color": GREEN, "b3": True,
    },
    "full": {
        "b": True, "i8": -5, "i16": -1234, "i32": -123456, "i64": -9876543210123,
        "u8": 200, "u16": 60000, "u32": 4000000000, "u64": 0xDEADBEEFCAFEBABE,
        "f32": 0.25, "f64": 3.141592653589793, "color": GREEN,
        "text": "h\u00e9llo w\u00f6rld \u2713 \U0001F41C",
        "data": bytes(range(256)),
        "inner": {"id": 42, "name": "inner", "flag": True, "tags": ["a", "bc", ""],
                  "child": {"id": 43, "name": "child"}},
        "empty": {},
        "boolList": [True, False, True, True, False, False, False, True, True],
        "i8List": [-128, 0, 127],
        "i16List": [-32768, 1, 32767],
        "i32List": [-2**31, -1, 0, 2**31 - 1],
        "i64List": [-2**63, 0, 2**63 - 1],
        "u8List": [0, 255, 7],
        "u16List": [0, 65535],
        "u32List": [1, 2**32 - 1],
        "u64List": [0, 2**64 - 1],
        "f32List": [1.0, -0.5, 65504.0],
        "f64List": [0.1, -1e300, 2.0],
        "colorList": [RED, BLUE, GREEN],
        "textList": ["x", "", "\u00fcn\u00ef"],
        "dataList": [b"", b"\x00\x01", b"abc"],
        "innerList": [{"id": 1, "name": "one"}, {"id": 2, "tags": ["t"]},
                      {"id": 3, "child": {"id": 4}}],
        "emptyList": [{}] * 5,
        "i32Lists": [[1, -2], [], [2**31 - 1]],
    },
    "empty_lists": {
        "text": "", "data": b"", "inner": {}, "empty": {},
        "boolList": [], "i8List": [], "i16List": [], "i32List": [], "i64List": [],
        "u8List": [], "u16List": [], "u32List": [], "u64List": [], "f32List": [],
        "f64List": [], "colorList": [], "textList": [], "dataList": [],
        "innerList": [], "emptyList": [], "i32Lists": [],
    },
    "big": {
        "i32": 7,
        "u64List": [i * 12345678901 for i in range(3000)],
        "textList": ["item %d" % i for i in range(500)],
        "innerList": [{"id": i, "name": "n%d" % i, "flag": i % 3 == 0} for i in range(200)],
    },
}

# Root type of each vector (the rest are AllTypes).
ROOT = {"inner_far": "Inner"}

INNER_FAR_VALUE = {"id": 7, "name": "far", "child": {"id": 9}}


def _far(seg, word, double=False):
    return 2 | (int(double) << 2) | (word << 3) | (seg << 32)


def _words(*ws):
    return b"".join(_struct.pack("<Q", w) for w in ws)


def frame(segments):
    """Frames raw segments (bytes, whole words) with a segment table."""
    table = _struct.pack("<I", len(segments) - 1)
    table += b"".join(_struct.pack("<I", len(s) // 8) for s in segments)
    if len(table) % 8:
        table += b"\0" * 4
    return table + b"".join(segments)


def inner_far_message():
    """An Inner root {id 7, name "far", child {id 9}} spread over four
    segments: the root via a single far pointer, `name` via a double far
    pointer, `child` via a single far pointer (hand-made; C++ builders only
    produce double-far pointers in rare orphan-adoption cases)."""
    inner_ptr = (0 | (1 << 32) | (3 << 48))  # struct, offset 0, 1 data word, 3 pointers
    seg0 = _words(_far(1, 0))
    seg1 = _words(inner_ptr, 7, _far(2, 0, double=True), 0, _far(2, 2))
    seg2 = _words(_far(3, 0), 1 | (2 << 32) | (4 << 35), inner_ptr, 9, 0, 0, 0)
    seg3 = b"far\0\0\0\0\0"
    return frame([seg0, seg1, seg2, seg3])


def mutations(seeds, count, seed):
    """`count` seeded mutations of the messages `seeds` (used in turn): 1 to
    4 random bytes overwritten, and one in five also truncated at a random
    point. Yields (i, bytes); the same seed gives the same sequence."""
    rng = _random.Random(seed)
    for i in range(count):
        data = bytearray(seeds[i % len(seeds)])
        for _ in range(rng.randint(1, 4)):
            pos = rng.randrange(len(data))
            data[pos] = rng.randrange(256)
        if rng.random() < 0.2:
            del data[rng.randrange(len(data)):]
        yield i, bytes(data)

"""Cap'n Proto struct layout, computed exactly as the capnp compiler does.

Given a struct's fields in ordinal order, `layout_struct` places every field:
data fields get a bit offset in the data section, pointer fields a pointer
index. The algorithm is capnp's (compiler/node-translator.c++, StructLayout):
fields are allocated in ordinal order; a data field of 2**n bits first takes
the smallest free "hole" of its size left by earlier allocations (splitting a
larger hole in two and remembering the upper half), and only when there is no
hole appends a new 64-bit word to the data section, whose unused upper parts
become holes. Pointers are numbered in ordinal order. Unions and groups are
not supported (the IDL does not have them).

Standard library only.
"""

from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

# log2 of the size in bits of each data kind; pointer kinds map to None.
LG_BITS: Dict[str, object] = {
    "bool": 0,
    "int8": 3, "uint8": 3,
    "int16": 4, "uint16": 4, "enum": 4,
    "int32": 5, "uint32": 5, "float32": 5,
    "int64": 6, "uint64": 6, "float64": 6,
    "text": None, "data": None, "list": None, "struct": None,
}

DATA_KINDS = frozenset(k for k, v in LG_BITS.items() if v is not None)
POINTER_KINDS = frozenset(k for k, v in LG_BITS.items() if v is None)


class LayoutError(ValueError):
    """A field list that cannot be laid out (unknown kind, bad ordinals)."""


@dataclass(frozen=True)
class Placement:
    """Where one field lives.

    For data fields `section == "data"`, `bit_offset` is the offset in bits
    from the start of the data section and `offset` the same in units of the
    field's own size (what capnp's generated code passes to getDataField).
    For pointer fields `section == "ptr"` and `offset` is the pointer index.
    """
    name: str
    kind: str
    section: str
    offset: int
    bit_offset: int  # -1 for pointers

    @property
    def byte_offset(self) -> int:
        """Byte offset of a data field whose size is a whole byte."""
        return self.bit_offset // 8

    def capnp_comment(self) -> str:
        """The comment `capnp compile -ocapnp` prints for this field."""
        if self.section == "ptr":
            return "ptr[%d]" % self.offset
        return "bits[%d, %d)" % (self.bit_offset, self.bit_offset + (1 << LG_BITS[self.kind]))


@dataclass(frozen=True)
class StructLayout:
    data_words: int
    pointer_count: int
    fields: Tuple[Placement, ...]

    def field(self, name: str) -> Placement:
        for p in self.fields:
            if p.name == name:
                return p
        raise KeyError(name)


class _HoleSet:
    """Free holes of size 2**lg bits for lg in 0..5 (capnp's HoleSet)."""

    def __init__(self) -> None:
        self.holes = [0] * 6  # offset in units of 2**lg bits; 0 = none

    def try_allocate(self, lg: int):
        if lg >= 6:
            return None
        if self.holes[lg] != 0:
            result = self.holes[lg]
            self.holes[lg] = 0
            return result
        bigger = self.try_allocate(lg + 1)
        if bigger is None:
            return None
        result = bigger * 2
        self.holes[lg] = result + 1
        return result

    def add_holes_at_end(self, lg: int, offset: int) -> None:
        while lg < 6:
            self.holes[lg] = offset
            lg += 1
            offset = (offset + 1) // 2


def layout_struct(fields: Sequence[Tuple[str, str]]) -> StructLayout:
    """Lay out `fields`, a sequence of (name, kind) in ordinal order.

    Ordinal order matters and is the order given; names must be unique.
    """
    holes = _HoleSet()
    data_words = 0
    pointer_count = 0
    out: List[Placement] = []
    seen = set()
    for name, kind in fields:
        if name in seen:
            raise LayoutError("duplicate field name %r" % name)
        seen.add(name)
        if kind not in LG_BITS:
            raise LayoutError("field %r has unknown kind %r" % (name, kind))
        lg = LG_BITS[kind]
        if lg is None:
            out.append(Placement(name, kind, "ptr", pointer_count, -1))
            pointer_count += 1
            continue
        offset = holes.try_allocate(lg)
        if offset is None:
            offset = data_words << (6 - lg)
            data_words += 1
            holes.add_holes_at_end(lg, offset + 1)
        out.append(Placement(name, kind, "data", offset, offset << lg))
    return StructLayout(data_words, pointer_count, tuple(out))

"""The IR: the checked model of .actor files, as the backends see it.

A Program is the root Module plus every Module it imports (dependencies
first). A Module holds its Structs, Enums and Actors; types are TypeRefs
resolved to their declarations. The checker (checker.py) builds it from the
syntax tree and nothing changes it afterwards; `to_json` is what
`actorc dump-ir` prints.

Derived data lives here, not in templates (as in Mojo's generator):
  - a stable 64-bit type id per file, struct, enum and actor (`type_id`,
    Cap'n Proto style: the top bit is set);
  - per method, a parameter struct `<Method>Params` and, for `call`, a result
    struct `<Method>Results`, for `stream`, an item struct `<Method>Item`
    with one field `value @0`. These are nested in the actor (full name
    `pkg.Actor.DepositParams`), so they never collide with user types; their
    field ordinals are the parameter positions;
  - resolved annotation values (timeouts in nanoseconds, mailbox settings).
"""

import dataclasses
import hashlib
import re
from typing import Dict, List, Optional

from . import syntax as st
from .diagnostics import Location

# Builtin types: name -> (category, Cap'n Proto type). Timestamps are
# nanoseconds since the Unix epoch, durations nanoseconds, both Int64. A pid
# is an actor process identifier (libs/pid/pid.h: node 16 bits | generation
# 21 | slot 27), on the wire its 64 bits as a UInt64.
BUILTINS = {
    "bool": ("bool", "Bool"),
    "int8": ("int", "Int8"),
    "int16": ("int", "Int16"),
    "int32": ("int", "Int32"),
    "int64": ("int", "Int64"),
    "uint8": ("int", "UInt8"),
    "uint16": ("int", "UInt16"),
    "uint32": ("int", "UInt32"),
    "uint64": ("int", "UInt64"),
    "float32": ("float", "Float32"),
    "float64": ("float", "Float64"),
    "string": ("string", "Text"),
    "bytes": ("bytes", "Data"),
    "timestamp": ("time", "Int64"),
    "duration": ("time", "Int64"),
    "pid": ("pid", "UInt64"),
}
MAP_KEY_CATEGORIES = ("bool", "int", "string", "time")


# ---------------------------------------------------------------------------
# The IR
# ---------------------------------------------------------------------------
@dataclasses.dataclass
class TypeRef:
    kind: str  # "builtin" | "list" | "map" | "optional" | "struct" | "enum"
    name: str = ""  # builtin name, or the full name of a struct/enum
    args: List["TypeRef"] = dataclasses.field(default_factory=list)
    decl: object = None  # Struct or Enum for user types

    @property
    def element(self) -> "TypeRef":
        return self.args[0]

    def spelling(self) -> str:
        if self.kind == "list":
            return "list<%s>" % self.args[0].spelling()
        if self.kind == "map":
            return "map<%s, %s>" % (self.args[0].spelling(), self.args[1].spelling())
        if self.kind == "optional":
            return self.args[0].spelling() + "?"
        return self.name

    def to_json(self) -> dict:
        d = {"kind": self.kind}
        if self.kind == "builtin":
            d["name"] = self.name
            d["capnp"] = BUILTINS[self.name][1]
        elif self.kind in ("struct", "enum"):
            d["name"] = self.name
        elif self.kind == "list":
            d["element"] = self.args[0].to_json()
        elif self.kind == "map":
            d["key"] = self.args[0].to_json()
            d["value"] = self.args[1].to_json()
        elif self.kind == "optional":
            d["inner"] = self.args[0].to_json()
        return d


@dataclasses.dataclass
class Field:
    name: str
    ordinal: int
    type: Optional[TypeRef]
    loc: Location
    doc: Optional[List[str]] = None
    deprecated: Optional[str] = None

    def to_json(self) -> dict:
        d = {"name": self.name, "ordinal": self.ordinal, "type": self.type.to_json() if self.type else None}
        _common_json(d, self)
        return d


@dataclasses.dataclass
class Struct:
    name: str  # e.g. "Money", or "DepositParams" (nested in an actor)
    full_name: str  # e.g. "myr.bank.Money", "myr.bank.Account.DepositParams"
    id: int
    fields: List[Field]
    loc: Location
    origin: str = "user"  # "user" | "params" | "results" | "stream_item"
    doc: Optional[List[str]] = None
    deprecated: Optional[str] = None
    module: "Module" = None

    def to_json(self) -> dict:
        d = {"name": self.name, "full_name": self.full_name, "id": "0x%016x" % self.id}
        if self.origin != "user":
            d["origin"] = self.origin
        d["fields"] = [f.to_json() for f in self.fields]
        _common_json(d, self)
        return d


@dataclasses.dataclass
class EnumValue:
    name: str
    ordinal: int
    loc: Location
    doc: Optional[List[str]] = None
    deprecated: Optional[str] = None

    def to_json(self) -> dict:
        d = {"name": self.name, "ordinal": self.ordinal}
        _common_json(d, self)
        return d


@dataclasses.dataclass
class Enum:
    name: str
    full_name: str
    id: int
    values: List[EnumValue]
    loc: Location
    doc: Optional[List[str]] = None
    deprecated: Optional[str] = None
    module: "Module" = None

    def to_json(self) -> dict:
        d = {"name": self.name, "full_name": self.full_name, "id": "0x%016x" % self.id,
             "values": [v.to_json() for v in self.values]}
        _common_json(d, self)
        return d


@dataclasses.dataclass
class Mailbox:
    bounded: bool = True
    capacity: int = 65536  # the runtime's default (MailboxOptions)
    policy: str = "drop_new"
    explicit: bool = False  # written in the schema (else the default)

    def spelling(self) -> str:
        """As written in a schema: `bounded(1024, drop_new)` or `unbounded`."""
        return "bounded(%d, %s)" % (self.capacity, self.policy) if self.bounded else "unbounded"

    def to_json(self) -> dict:
        if not self.bounded:
            return {"bounded": False, "explicit": self.explicit}
        return {"bounded": True, "capacity": self.capacity, "policy": self.policy, "explicit": self.explicit}


@dataclasses.dataclass
class Method:
    kind: str  # "call" | "cast" | "stream"
    name: str
    ordinal: int
    loc: Location
    params: Struct
    results: Optional[Struct]  # call only (possibly without fields)
    stream_item: Optional[Struct]  # stream only: one field `value @0`
    readonly: bool = False
    reentrant: bool = False  # this method's own, or inherited from the actor
    timeout_ns: Optional[int] = None  # call/stream: own, or the actor default
    doc: Optional[List[str]] = None
    deprecated: Optional[str] = None

    @property
    def stream_type(self) -> Optional[TypeRef]:
        return self.stream_item.fields[0].type if self.stream_item else None

    def to_json(self) -> dict:
        d = {"kind": self.kind, "name": self.name, "ordinal": self.ordinal,
             "params": self.params.to_json()}
        if self.results is not None:
            d["results"] = self.results.to_json()
        if self.stream_item is not None:
            d["stream_item"] = self.stream_item.to_json()
        d["readonly"] = self.readonly
        d["reentrant"] = self.reentrant
        d["timeout_ns"] = self.timeout_ns
        _common_json(d, self)
        return d


@dataclasses.dataclass
class Actor:
    name: str
    full_name: str
    id: int
    methods: List[Method]
    loc: Location
    mailbox: Mailbox = dataclasses.field(default_factory=Mailbox)
    reentrant: bool = False
    default_timeout_ns: Optional[int] = None
    doc: Optional[List[str]] = None
    deprecated: Optional[str] = None
    module: "Module" = None

    def to_json(self) -> dict:
        d = {"name": self.name, "full_name": self.full_name, "id": "0x%016x" % self.id,
             "mailbox": self.mailbox.to_json(), "reentrant": self.reentrant,
             "default_timeout_ns": self.default_timeout_ns,
             "methods": [m.to_json() for m in self.methods]}
        _common_json(d, self)
        return d


@dataclasses.dataclass
class Module:
    path: str  # absolute path
    display: str  # the name used in diagnostics and generated headers
    package: str
    id: int
    imports: List["Module"] = dataclasses.field(default_factory=list)
    structs: List[Struct] = dataclasses.field(default_factory=list)
    enums: List[Enum] = dataclasses.field(default_factory=list)
    actors: List[Actor] = dataclasses.field(default_factory=list)
    doc: Optional[List[str]] = None
    syntax: st.File = None
    # Declarations by simple name, in source order.
    names: Dict[str, object] = dataclasses.field(default_factory=dict)

    def all_structs(self) -> List[Struct]:
        """User structs, then every actor's derived structs in method order."""
        out = list(self.structs)
        for a in self.actors:
            for m in a.methods:
                out.append(m.params)
                if m.results is not None:
                    out.append(m.results)
                if m.stream_item is not None:
                    out.append(m.stream_item)
        return out

    def to_json(self) -> dict:
        d = {"file": self.display, "package": self.package, "id": "0x%016x" % self.id,
             "imports": [{"file": m.display, "package": m.package} for m in self.imports]}
        if self.doc:
            d["doc"] = self.doc
        d["enums"] = [e.to_json() for e in self.enums]
        d["structs"] = [s.to_json() for s in self.structs]
        d["actors"] = [a.to_json() for a in self.actors]
        return d


@dataclasses.dataclass
class Program:
    root: Module
    modules: List[Module]  # dependencies first, root last
    sources: Dict[str, str]  # display name -> text


def _common_json(d: dict, node) -> None:
    if getattr(node, "deprecated", None) is not None:
        d["deprecated"] = node.deprecated
    if getattr(node, "doc", None):
        d["doc"] = node.doc
    d["line"] = node.loc.line


def type_id(*parts: str) -> int:
    """A stable 64-bit id with the top bit set (as Cap'n Proto requires)."""
    digest = hashlib.sha256("\0".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") | (1 << 63)


def upper_first(name: str) -> str:
    """`deposit` -> `Deposit` (derived struct and message names)."""
    return name[:1].upper() + name[1:]


def camel(name: str, upper: bool) -> str:
    """`snake_name` in UpperCamelCase or lowerCamelCase (always a valid name)."""
    parts = [p for p in re.split(r"_+", name) if p]
    if not parts:
        return "x"
    out = parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])
    out = out[:1].upper() + out[1:] if upper else out[:1].lower() + out[1:]
    if not out[:1].isalpha():
        out = ("X" if upper else "x") + out
    return out


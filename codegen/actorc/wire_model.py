"""The Cap'n Proto view of a module: every struct's capnp field kinds and layout.

The derived data the capnp, Python and Node backends render (computed here,
never in templates). It follows the shared IDL -> Cap'n Proto mapping
(backends/capnp/README.md):

  - user structs keep their model ids and names;
  - each actor `A` becomes a field-less capnp struct `A` (the model's actor
    id) whose nested structs are the model's `<Method>Params`,
    `<Method>Results` and `<Method>Item`;
  - a `map<K, V>` field `f` of struct `S` is `List(S.FEntry)` where `FEntry`
    (`f` with its first letter upper-cased, + "Entry") is nested in `S` with
    `key @0 :K'; value @1 :V';` (recursively: a map value of an entry is the
    entry's `ValueEntry`);
  - `T?` with a scalar `T` is a pointer to the top-level wrapper struct
    `Optional<CapnpTypeName>` (`{ value @0 :T'; }`), one per name per file;
    `T?` with a pointer `T` is `T'` itself (null = absent);
  - per stream method `m` of actor `A`, two more structs nested in `A`
    after `<M>Item`, the stream's messages as they cross a process
    boundary (the C++ backend's wire codecs; see `stream_structs`):
    `<M>Open { subscriber @0 :UInt64 (a pid); stream @1 :UInt64;
    params @2 :<M>Params; }` (the request with its routing) and
    `<M>Event { stream @0 :UInt64; item @1 :<M>Item (null: the end);
    code @2 :UInt32; message @3 :Text; }` (an item, or the end with its
    status: an absl canonical code 0..16 and message, as forms.capnp's
    Status). Their ids are `ir.type_id("struct", <actor full name>.<Name>)`,
    the scheme of the model's own derived structs.

Public API (small on purpose; the Node backend imports it):

    wire_structs(module) -> List[WireStruct]
        every struct the module's .capnp declares, flat, in declaration
        order: user structs (each followed by its map entries), then per
        actor the derived structs (each followed by its map entries), then
        the optional wrappers. Actor container structs are not included
        (see `actor_struct_id`).
    capnp_type(t, module) -> str
        the capnp spelling of TypeRef `t` as written inside `module`'s file
        (imported types as `Common.Money`; map fields need the entry name,
        so use WireField.capnp_type for fields).
    layout_kind(t) -> str
        the `actorc.wire.layout` kind of a field of type `t` ("int64",
        "enum", "text", "data", "list", "struct", ...).
    scalar_kind(t) -> Optional[str]
        the data kind of a scalar TypeRef (timestamp/duration -> "int64",
        pid -> "uint64", enum -> "enum"), None for pointer types.
    import_alias(module) -> str
        the `using` alias for an imported file ("common.actor" -> "Common").
    derived_id(*parts) -> int
        ids of entry/wrapper structs: ir.type_id over ("map_entry",
        parent capnp full name, entry name) or ("optional", package, file
        base name, wrapper name).
    stream_structs(module, actor, method) -> (WireStruct, WireStruct)
        the `<M>Open` and `<M>Event` structs of a stream method.

WireStruct: name (capnp simple name), path (capnp path inside the file,
e.g. "Account.DepositParams", "Transaction.AttributesEntry"), id, origin
("user" | "params" | "results" | "stream_item" | "stream_open" |
"stream_event" | "map_entry" | "optional"),
fields (List[WireField], ordinal order), layout (layout.StructLayout),
nested (entry WireStructs declared inside this one), source (the model
Struct, or None), actor / method (for derived structs), doc.

WireField: name, ordinal, type (model TypeRef), kind (layout kind),
capnp_type (spelling inside the file), placement (layout.Placement),
entry (the WireStruct of a map's entries when the field, or a list
element, is a map), wrapper (the WireStruct of an optional scalar; its one
field's type is the raw wire type: a `pid?` field's wrapper holds a uint64,
so convert with the field's own type), doc, deprecated.
"""

import dataclasses
import os
from typing import Dict, List, Optional

from . import ir
from .wire import layout as wl

_SCALAR_KINDS = {
    "bool": "bool", "int8": "int8", "int16": "int16", "int32": "int32", "int64": "int64",
    "uint8": "uint8", "uint16": "uint16", "uint32": "uint32", "uint64": "uint64",
    "float32": "float32", "float64": "float64", "timestamp": "int64", "duration": "int64",
    "pid": "uint64",
}

# Builtins whose wire form is another builtin's: the value type of their
# optional wrapper (one wrapper per capnp type: `pid?` and `uint64?` share
# OptionalUInt64, whose `value` is a uint64 whichever field came first).
_WIRE_BUILTIN = {"timestamp": "int64", "duration": "int64", "pid": "uint64"}


@dataclasses.dataclass
class WireField:
    name: str
    ordinal: int
    type: ir.TypeRef
    kind: str
    capnp_type: str
    placement: wl.Placement = None
    entry: Optional["WireStruct"] = None
    wrapper: Optional["WireStruct"] = None
    doc: Optional[List[str]] = None
    deprecated: Optional[str] = None


@dataclasses.dataclass
class WireStruct:
    name: str
    path: str
    id: int
    origin: str
    fields: List[WireField]
    layout: wl.StructLayout = None
    nested: List["WireStruct"] = dataclasses.field(default_factory=list)
    source: Optional[ir.Struct] = None
    actor: Optional[ir.Actor] = None
    method: Optional[ir.Method] = None
    doc: Optional[List[str]] = None
    deprecated: Optional[str] = None


def derived_id(*parts: str) -> int:
    return ir.type_id(*parts)


def scalar_kind(t: ir.TypeRef) -> Optional[str]:
    if t.kind == "builtin":
        return _SCALAR_KINDS.get(t.name)
    if t.kind == "enum":
        return "enum"
    return None


def layout_kind(t: ir.TypeRef) -> str:
    if t.kind == "optional":
        inner = t.args[0]
        return "struct" if scalar_kind(inner) else layout_kind(inner)
    s = scalar_kind(t)
    if s:
        return s
    if t.kind == "builtin":
        return {"string": "text", "bytes": "data"}[t.name]
    if t.kind in ("list", "map"):
        return "list"
    return "struct"


def import_alias(module: ir.Module) -> str:
    base = os.path.basename(module.display)
    if base.endswith(".actor"):
        base = base[:-len(".actor")]
    return ir.camel(base, upper=True)


def _decl_module(decl) -> ir.Module:
    return decl.module


def capnp_type(t: ir.TypeRef, module: ir.Module, entry_name: str = "") -> str:
    if t.kind == "builtin":
        return ir.BUILTINS[t.name][1]
    if t.kind in ("struct", "enum"):
        decl = t.decl
        if decl.module is module or decl.module is None:
            return decl.name
        return "%s.%s" % (import_alias(decl.module), decl.name)
    if t.kind == "list":
        return "List(%s)" % capnp_type(t.args[0], module, entry_name)
    if t.kind == "map":
        return "List(%s)" % entry_name
    if t.kind == "optional":
        inner = t.args[0]
        if scalar_kind(inner):
            return wrapper_name(inner)
        return capnp_type(inner, module, entry_name)
    raise ValueError("unknown type kind %r" % t.kind)


def wrapper_name(t: ir.TypeRef) -> str:
    """`Optional<CapnpTypeName>` for a scalar type (enums by simple name)."""
    if t.kind == "enum":
        return "Optional" + t.decl.name
    return "Optional" + ir.BUILTINS[t.name][1]


def _map_of(t: ir.TypeRef) -> Optional[ir.TypeRef]:
    """The map a field of type t holds (directly, optional, or as list elements)."""
    while t.kind in ("list", "optional"):
        t = t.args[0]
    return t if t.kind == "map" else None


class _Builder:
    def __init__(self, module: ir.Module) -> None:
        self.module = module
        self.wrappers: Dict[str, WireStruct] = {}

    def wrapper(self, inner: ir.TypeRef) -> WireStruct:
        name = wrapper_name(inner)
        w = self.wrappers.get(name)
        if w is None:
            if inner.kind == "builtin" and inner.name in _WIRE_BUILTIN:
                inner = ir.TypeRef("builtin", _WIRE_BUILTIN[inner.name])
            f = WireField("value", 0, inner, scalar_kind(inner), capnp_type(inner, self.module))
            w = WireStruct(name, name, derived_id("optional", self.module.package,
                                                  os.path.basename(self.module.path), name),
                           "optional", [f])
            self.finish(w)
            self.wrappers[name] = w
        return w

    def field(self, parent: WireStruct, name: str, ordinal: int, t: ir.TypeRef,
              doc=None, deprecated=None) -> WireField:
        entry = None
        entry_name = ""
        m = _map_of(t)
        if m is not None:
            entry_name = ir.upper_first(name) + "Entry"
            path = parent.path + "." + entry_name
            entry = WireStruct(entry_name, path, derived_id("map_entry", parent_full(self.module, parent), entry_name),
                               "map_entry", [])
            entry.fields = [self.field(entry, "key", 0, m.args[0]), self.field(entry, "value", 1, m.args[1])]
            self.finish(entry)
            parent.nested.append(entry)
        wrapper = None
        if t.kind == "optional" and scalar_kind(t.args[0]):
            wrapper = self.wrapper(t.args[0])
        return WireField(name, ordinal, t, layout_kind(t), capnp_type(t, self.module, entry_name),
                         entry=entry, wrapper=wrapper, doc=doc, deprecated=deprecated)

    def struct(self, s: ir.Struct, path: str, origin: str, actor=None, method=None) -> WireStruct:
        w = WireStruct(s.name, path, s.id, origin, [], source=s, actor=actor, method=method,
                       doc=s.doc, deprecated=s.deprecated)
        w.fields = [self.field(w, f.name, f.ordinal, f.type, f.doc, f.deprecated)
                    for f in sorted(s.fields, key=lambda f: f.ordinal)]
        self.finish(w)
        return w

    @staticmethod
    def finish(w: WireStruct) -> None:
        w.layout = wl.layout_struct([(f.name, f.kind) for f in w.fields])
        for f, p in zip(w.fields, w.layout.fields):
            f.placement = p


def parent_full(module: ir.Module, w: WireStruct) -> str:
    return module.package + "." + w.path


def _flatten(ws: WireStruct, out: List[WireStruct]) -> None:
    out.append(ws)
    for n in ws.nested:
        _flatten(n, out)


def module_structs(module: ir.Module):
    """(user WireStructs, {actor name: [derived WireStructs]}, wrappers):
    the tree the capnp backend renders (entries in `.nested`). A stream
    method's derived structs include its `<M>Open` / `<M>Event` (origins
    "stream_open" / "stream_event"); backends that do not use them skip them.

    Computed once per module and cached on it (every backend asks for the
    same layouts; a checked model is not changed afterwards). The result is
    shared: callers must not modify it."""
    cached = module.__dict__.get(_CACHE)
    if cached is None:
        cached = module.__dict__[_CACHE] = _module_structs(module)
    return cached


# The attribute of ir.Module that holds module_structs' result.
_CACHE = "_wire_model_structs"


def _module_structs(module: ir.Module):
    b = _Builder(module)
    users = [b.struct(s, s.name, "user") for s in module.structs]
    actors = {}
    for a in module.actors:
        derived = []
        for m in a.methods:
            for s in (m.params, m.results, m.stream_item):
                if s is not None:
                    derived.append(b.struct(s, a.name + "." + s.name, s.origin, actor=a, method=m))
            if m.kind == "stream" and m.stream_item is not None:
                for s in _stream_envelopes(a, m):
                    derived.append(b.struct(s, a.name + "." + s.name, s.origin, actor=a, method=m))
        actors[a.name] = derived
    wrappers = [b.wrappers[k] for k in sorted(b.wrappers)]
    return users, actors, wrappers


def _stream_envelopes(actor: ir.Actor, m: ir.Method):
    """The model-like Structs of `<M>Open` and `<M>Event` (see the module
    doc). Not part of the model (ir.Module.all_structs): they exist on the
    wire only, so backends that do not cross process boundaries this way
    never see them."""
    u = ir.upper_first(m.name)

    def struct(suffix, origin, fields):
        name = u + suffix
        full = actor.full_name + "." + name
        return ir.Struct(name, full, ir.type_id("struct", full),
                         [ir.Field(n, i, t, m.loc) for i, (n, t) in enumerate(fields)],
                         m.loc, origin=origin, module=m.params.module)

    def ref(s):
        return ir.TypeRef("struct", s.full_name, decl=s)

    return (struct("Open", "stream_open", [("subscriber", ir.TypeRef("builtin", "pid")),
                                           ("stream", ir.TypeRef("builtin", "uint64")),
                                           ("params", ref(m.params))]),
            struct("Event", "stream_event", [("stream", ir.TypeRef("builtin", "uint64")),
                                             ("item", ir.TypeRef("optional", "", [ref(m.stream_item)])),
                                             ("code", ir.TypeRef("builtin", "uint32")),
                                             ("message", ir.TypeRef("builtin", "string"))]))


def stream_structs(module: ir.Module, actor: ir.Actor, method: ir.Method):
    """(`<M>Open`, `<M>Event`): the WireStructs of a stream method's request
    and events as they cross a process boundary (cached, shared)."""
    _, actors, _ = module_structs(module)
    found = {w.origin: w for w in actors[actor.name]
             if w.method is method and w.origin in ("stream_open", "stream_event")}
    return found["stream_open"], found["stream_event"]


def wire_structs(module: ir.Module) -> List[WireStruct]:
    """A new list (of the cached, shared WireStructs)."""
    users, actors, wrappers = module_structs(module)
    out: List[WireStruct] = []
    for w in users:
        _flatten(w, out)
    for a in module.actors:
        for w in actors[a.name]:
            _flatten(w, out)
    out.extend(wrappers)
    return out


def actor_struct_id(actor: ir.Actor) -> int:
    """The id of the field-less capnp struct that holds an actor's derived
    structs: the model's actor id."""
    return actor.id

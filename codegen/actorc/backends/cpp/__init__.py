"""The C++ backend of actorc: `foo.actor` -> `foo.actor.h` + `foo.actor.cc`.

The header holds, in namespace `<package with . -> ::>` (e.g. myr::bank):
value types for enums and structs, one message type per actor method, the
typed actor interface `<Actor>Actor<Derived>` (a myr::Actor), and the typed
client `<Actor>Client`; every struct and message type declares its wire
codec (libs/sched/wire_codec.h) and every actor its dispatch table. The
.cc holds the Cap'n Proto glue, the codecs' definitions and their
registration. See README.md for the C++ surface, the stream protocol and
the wire. All derived data is computed here; templates only print it.
"""

import os
from typing import Dict, List

import jinja2

from .. import Options, common
from ... import ir, wire_model

_TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")

_SCALARS = {
    "bool": "bool",
    "int8": "int8_t",
    "int16": "int16_t",
    "int32": "int32_t",
    "int64": "int64_t",
    "uint8": "uint8_t",
    "uint16": "uint16_t",
    "uint32": "uint32_t",
    "uint64": "uint64_t",
    "float32": "float",
    "float64": "double",
    # bytes are std::string too: an owned, contiguous byte buffer with ==.
    "string": "std::string",
    "bytes": "std::string",
    "timestamp": "absl::Time",
    "duration": "absl::Duration",
    "pid": "::myr::Pid",  # libs/pid/pid.h; its bits() on the wire
}

_POLICIES = {"drop_new": "kDropNew", "drop_old": "kDropOld", "block": "kBlock"}


def namespace(package: str) -> str:
    return package.replace(".", "::")


def cpp_type(t: ir.TypeRef, module: ir.Module, qualified: bool = False) -> str:
    """The C++ spelling of an IDL type, seen from `module` (fully qualified
    if `qualified`: the glue lives in namespace <package>::wire, where the
    simple names are capnp's)."""
    kind = t.kind
    if kind == "builtin":  # the common cases first, without a callback
        return _SCALARS[t.name]
    if kind in ("struct", "enum"):
        return _decl_type(t.decl, module, qualified)
    return common.spell_type(t, _SCALARS.__getitem__, lambda d: _decl_type(d, module, qualified),
                             "std::vector<%s>", "std::map<%s, %s>", "std::optional<%s>")


def _decl_type(decl, module: ir.Module, qualified: bool) -> str:
    if decl.module.package == module.package and not qualified:
        return decl.name
    return "::%s::%s" % (namespace(decl.module.package), decl.name)


def _is_trivial(t: ir.TypeRef) -> bool:
    """Passed by value (scalars, enums, time); everything else by const&."""
    return (t.kind == "builtin" and t.name not in ("string", "bytes")) or t.kind == "enum"


def _param_type(t: ir.TypeRef, module: ir.Module) -> str:
    s = cpp_type(t, module)
    return s if _is_trivial(t) else "const %s&" % s


def _duration(ns: int) -> str:
    """A constexpr absl::Duration for `ns` nanoseconds, in the largest exact unit."""
    for unit, fn in ((3600 * 10**9, "Hours"), (60 * 10**9, "Minutes"), (10**9, "Seconds"),
                     (10**6, "Milliseconds"), (10**3, "Microseconds")):
        if ns % unit == 0:
            return "absl::%s(%d)" % (fn, ns // unit)
    return "absl::Nanoseconds(%d)" % ns


def _struct_deps(t: ir.TypeRef, out: List[object]) -> None:
    if t.kind == "struct":
        out.append(t.decl)
    for a in t.args:
        _struct_deps(a, out)


def _ordered_structs(structs: List[ir.Struct]) -> List[ir.Struct]:
    """Source order, but every struct after the same-file structs it holds
    (C++ needs complete types for std::optional, std::map and members)."""
    mine = {id(s) for s in structs}
    done, out = set(), []

    def visit(s, stack):
        if id(s) in done or id(s) in stack:
            return
        stack.add(id(s))
        deps = []
        for f in s.fields:
            if f.type is not None:
                _struct_deps(f.type, deps)
        for d in deps:
            if id(d) in mine:
                visit(d, stack)
        done.add(id(s))
        out.append(s)

    for s in structs:
        visit(s, set())
    return out


class _Field:
    def __init__(self, f: ir.Field, module: ir.Module):
        self.name = f.name
        self.type = cpp_type(f.type, module)
        self.param_type = _param_type(f.type, module)
        self.doc = f.doc or []
        self.deprecated = f.deprecated


class _Codec:
    """The wire codec of one C++ type (see libs/sched/wire_codec.h): its
    name seen from the file's namespace (`Account::Deposit`), wire id (the
    id of the capnp struct its bytes are), IDL name, capnp type (`wire::...`)
    and, for a call with a reply value, the capnp type of the reply."""

    def __init__(self, cpp: str, wire_id: int, name: str, capnp: str, reply_capnp=None):
        self.cpp = cpp
        self.id = common.hex_id(wire_id, "ULL")
        self.name = name
        self.capnp = capnp
        self.reply_capnp = reply_capnp


class _Method:
    def __init__(self, actor: ir.Actor, m: ir.Method, module: ir.Module):
        self.kind = m.kind
        self.name = m.name
        self.type_name = ir.upper_first(m.name)  # the message type: Account::Deposit
        self.ordinal = m.ordinal
        self.doc = m.doc or []
        self.deprecated = m.deprecated
        self.readonly = m.readonly
        self.reentrant = m.reentrant
        self.params = [_Field(f, module) for f in m.params.fields]
        self.timeout = _duration(m.timeout_ns) if m.timeout_ns else "::myr::actorc_support::kDefaultTimeout"
        self.results = []
        self.results_name = None
        self.reply = None
        if m.kind == "call":
            self.results = [_Field(f, module) for f in m.results.fields]
            if not self.results:
                self.reply = "void"
            elif len(self.results) == 1:
                self.reply = self.results[0].type
            else:
                self.results_name = m.results.name  # DepositResults
                self.reply = "%s::%s" % (actor.name, m.results.name)
        self.item_type = None
        if m.kind == "stream":
            self.item_name = m.stream_item.name  # HistoryItem
            self.event_name = ir.upper_first(m.name) + "Event"
            self.item_type = cpp_type(m.stream_type, module)
            self.item_param_type = _param_type(m.stream_type, module)
        # The client method's result type.
        if m.kind == "call":
            self.call_result = "absl::Status" if self.reply == "void" else "absl::StatusOr<%s>" % self.reply
        # The wire: a method message is its <Method>Params (a stream's request
        # with its routing: <Method>Open); a reply value its <Method>Results.
        w = "wire::%s::" % actor.name
        cpp = "%s::%s" % (actor.name, self.type_name)
        name = "%s.%s" % (actor.full_name, m.name)
        reply_capnp = w + m.results.name if self.reply not in (None, "void") else None
        if m.kind == "stream":
            opened, event = wire_model.stream_structs(module, actor, m)
            self.codec = _Codec(cpp, opened.id, name, w + opened.name)
            self.event_codec = _Codec("%s::%s" % (actor.name, self.event_name), event.id,
                                      "%s.%s" % (actor.full_name, event.name), w + event.name)
        else:
            self.codec = _Codec(cpp, m.params.id, name, w + m.params.name, reply_capnp)


class _Actor:
    def __init__(self, a: ir.Actor, module: ir.Module):
        self.name = a.name
        self.id = common.hex_id(a.id, "ULL")
        self.doc = a.doc or []
        self.deprecated = a.deprecated
        self.reentrant = a.reentrant
        self.full_name = a.full_name
        self.methods = [_Method(a, m, module) for m in a.methods]
        # The dispatch table: by method ordinal, the codec of its message
        # (nullptr for a gap; the checker allows none today).
        by_ordinal = {m.ordinal: "&%s::WireCodec()" % m.type_name for m in self.methods}
        self.dispatch = [by_ordinal.get(i, "nullptr") for i in range(max(by_ordinal, default=-1) + 1)]
        mb = a.mailbox
        if mb.bounded:
            self.mailbox = "::myr::MailboxOptions::Bounded(%d, ::myr::OverflowPolicy::%s)" % (
                mb.capacity, _POLICIES[mb.policy])
        else:
            self.mailbox = "::myr::MailboxOptions::Unbounded()"
        self.mailbox_text = mb.spelling() + ("" if mb.explicit else " (the runtime's default)")


def _header_path(actor_path: str) -> str:
    """The generated header of an import: `lib/money.actor` -> `lib/money.actor.h`."""
    return common.without_suffix(actor_path) + ".actor.h"


def view(program: ir.Program, module: ir.Module, options: Options) -> dict:
    stem = common.stem(module.path)
    guard = "MYR_ACTORC_%s_%s_ACTOR_H_" % (module.package.replace(".", "_").upper(), stem.upper())
    imports = [imp.path for imp in module.syntax.imports]
    return {
        "header": common.header_line(options, module),
        "guard": guard,
        "stem": stem,
        "namespace": namespace(module.package),
        "package": module.package,
        "file_doc": module.doc or [],
        "file_id": common.hex_id(module.id, "ULL"),
        "imports": [_header_path(p) for p in imports],
        "uses_pid": common.uses_builtin(module, "pid"),
        "capnp_header": stem + ".capnp.h",
        "enums": [e for e in module.enums],
        "structs": [{"name": s.name, "doc": s.doc or [], "deprecated": s.deprecated,
                     "fields": [_Field(f, module) for f in s.fields],
                     "codec": _Codec(s.name, s.id, s.full_name, "wire::" + s.name)}
                    for s in _ordered_structs(module.structs)],
        "actors": [_Actor(a, module) for a in module.actors],
    }


def _codecs(module: ir.Module, v: dict) -> List[_Codec]:
    """Every codec of the file, in registration order: structs (source
    order), then per actor its methods' messages (a stream's events after
    its request)."""
    by_name = {s["name"]: s["codec"] for s in v["structs"]}
    out = [by_name[s.name] for s in module.structs]
    for a in v["actors"]:
        for m in a.methods:
            out.append(m.codec)
            if m.kind == "stream":
                out.append(m.event_codec)
    return out


def _glue(module: ir.Module) -> List[dict]:
    """Per struct and per method message: the ToWire/ReadWire/FromWire
    overloads (C++ type, capnp type, statement lines)."""
    from . import wire

    ns = "::" + namespace(module.package) + "::"
    out = []
    for s in module.structs:
        out.append({"cpp": ns + s.name, "wire": wire.wire_name(s, module),
                    "write": wire.write_fields(s.fields, "v", "b", module),
                    "read": wire.read_fields(s.fields, "r", "out", module)})
    for a in module.actors:
        w = "%swire::%s::" % (ns, a.name)
        for m in a.methods:
            msg = "%s%s::%s" % (ns, a.name, ir.upper_first(m.name))
            out.append({"cpp": msg, "wire": w + m.params.name,
                        "write": wire.write_fields(m.params.fields, "v", "b", module),
                        "read": wire.read_fields(m.params.fields, "r", "out", module)})
            if m.kind == "call" and len(m.results.fields) > 1:
                out.append({"cpp": "%s%s::%s" % (ns, a.name, m.results.name), "wire": w + m.results.name,
                            "write": wire.write_fields(m.results.fields, "v", "b", module),
                            "read": wire.read_fields(m.results.fields, "r", "out", module)})
            elif m.kind == "call" and len(m.results.fields) == 1:
                f = m.results.fields[0]
                out.append({"cpp": cpp_type(f.type, module, qualified=True), "wire": w + m.results.name,
                            "write": wire.write(("v"), f.type, wire._Field("b", f.name), module),
                            "read": wire.read(wire._Field("r", f.name), f.type, "out", module)})
            elif m.kind == "stream":
                out.append({"cpp": "%s%s::%s" % (ns, a.name, m.stream_item.name), "wire": w + m.stream_item.name,
                            "write": wire.write_fields(m.stream_item.fields, "v", "b", module),
                            "read": wire.read_fields(m.stream_item.fields, "r", "out", module)})
                out += _stream_glue(module, a, m, msg, "%s%s::%sEvent" % (ns, a.name, ir.upper_first(m.name)), w)
    return out


def _stream_glue(module: ir.Module, a: ir.Actor, m: ir.Method, msg: str, event_cpp: str, w: str) -> List[dict]:
    """The glue of a stream's request and events as they cross a process
    boundary: the message (its parameters plus `subscriber` and `stream`) <->
    <Method>Open, <Method>Event (stream, item, status) <-> <Method>Event."""
    from . import wire

    opened, event = wire_model.stream_structs(module, a, m)
    routing, params = opened.fields[:2], wire._Field("b", opened.fields[2].name)
    head = event.fields[:2]  # stream, item
    code, message = event.fields[2].name, event.fields[3].name
    return [
        {"cpp": msg, "wire": w + opened.name,
         "write": wire.write_fields(routing, "v", "b", module) + ["ToWire(v, %s);" % params.init_struct()],
         "read": wire.read_fields(routing, "r", "out", module)
                 + ["ReadWire(%s, out);" % wire._Field("r", opened.fields[2].name).get()]},
        {"cpp": event_cpp, "wire": w + event.name,
         "write": wire.write_fields(head, "v", "b", module) + wire.write_status("v.status", "b", code, message),
         "read": wire.read_fields(head, "r", "out", module) + wire.read_status("r", "out.status", code, message)},
    ]


# IDL `///` doc lines as C++ `///` lines at `indent` (template global):
# _doc(lines, indent="").
_doc = common.line_comments("///")


def _deprecated(reason, indent: str = "") -> str:
    """A `// Deprecated[: reason].` line, or "" (template global)."""
    if reason is None:
        return ""
    return "%s// %s.\n" % (indent, common.deprecation(reason, "Deprecated"))


_ENV = None


def _env() -> jinja2.Environment:
    """The backend's Jinja2 environment: created on first use, once per
    process (templates are compiled once and never re-checked on disk)."""
    global _ENV
    if _ENV is None:
        _ENV = common.template_environment(_TEMPLATES)
        _ENV.globals.update(doc=_doc, deprecated=_deprecated)
    return _ENV


@common.gc_paused
def generate(program: ir.Program, module: ir.Module, options: Options) -> Dict[str, str]:
    """{output file name: text} for `module` (see actorc.backends)."""
    stem = common.stem(module.path)
    v = view(program, module, options)
    v["glue"] = _glue(module)
    v["codecs"] = _codecs(module, v)
    env = _env()
    return {stem + ".actor.h": env.get_template("header.h.j2").render(**v),
            stem + ".actor.cc": env.get_template("source.cc.j2").render(**v)}

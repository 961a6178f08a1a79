"""The Python backend: `foo.actor` -> `foo_actor.py` + `foo_actor.pyi` (see README.md).

Per struct (user structs and the derived `<Method>Params/Results/Item`) a
slotted, keyword-only dataclass with `encode()` / `decode(buf)` written as
straight-line calls into `actorc.wire.capnp_wire` with the offsets of
`actorc.wire_model` baked in; per enum an `enum.IntEnum`; per actor a typed
client on the transport seam (`<Actor>Client`) and an abstract servicer
(`<Actor>Servicer`) with `dispatch`. The code of each field's write and read
is computed here (derived data lives in Python, not in templates); the
templates lay out modules, classes and methods.
"""

import os
from typing import Dict, List, Optional

from ... import ir, wire_model
from .. import common

_ENV = common.template_environment(os.path.join(os.path.dirname(__file__), "templates"))

_PY_SCALARS = {"bool": "bool", "string": "str", "bytes": "bytes", "float32": "float", "float64": "float",
               "pid": "Pid"}
# Every builtin's Python type (the integers and time: int).
_PY_BUILTINS = {name: _PY_SCALARS.get(name, "int") for name in ir.BUILTINS}
_DEFAULTS = {"bool": "False", "string": '""', "bytes": 'b""', "float32": "0.0", "float64": "0.0",
             "pid": "Pid(0)"}


def module_name(display: str) -> str:
    """The Python module of an .actor file: `common.actor` -> `common_actor`."""
    return common.stem(display) + "_actor"


def _docstring(lines: Optional[List[str]], indent: str) -> str:
    """A docstring statement (no trailing newline), or ""."""
    if not lines:
        return ""
    text = "\n".join(lines).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if len(lines) == 1:
        return '%s"""%s"""' % (indent, text)
    body = "\n".join((indent + l) if l else "" for l in text.split("\n"))
    return '%s"""%s\n%s"""' % (indent, body.lstrip(), indent)


def _note(f) -> str:
    """A trailing comment for a dataclass field, or ""."""
    t = f.type.args[0] if f.type.kind == "optional" else f.type
    notes = []
    if t.kind == "builtin" and t.name == "timestamp":
        notes.append("timestamp: int nanoseconds since the Unix epoch")
    elif t.kind == "builtin" and t.name == "duration":
        notes.append("duration: int nanoseconds")
    elif t.kind == "builtin" and t.name in ir.BUILTINS and t.name[0] in "iu" and t.name != "int64":
        notes.append(t.name)
    if f.deprecated is not None:
        notes.append(common.deprecation(f.deprecated))
    return ("  # " + "; ".join(notes)) if notes else ""


def _indent(lines: List[str], n: int = 1) -> List[str]:
    return ["    " * n + l for l in lines]


class _Gen:
    def __init__(self, program, module) -> None:
        self.module = module
        self.wire: Dict[str, wire_model.WireStruct] = {}
        for m in program.modules:
            for w in wire_model.wire_structs(m):
                self.wire[m.package + "." + w.path] = w

    # -- names and types ---------------------------------------------------
    def class_name(self, s: ir.Struct) -> str:
        """Python class of a model struct (derived ones: Actor + Name)."""
        if s.origin == "user":
            return s.name
        actor = s.full_name.rsplit(".", 2)[1]
        return actor + s.name

    def ref(self, decl) -> str:
        """A reference to a struct/enum class from this module."""
        name = self.class_name(decl) if isinstance(decl, ir.Struct) else decl.name
        if decl.module is self.module:
            return name
        return "_%s.%s" % (module_name(decl.module.display), name)

    def pytype(self, t: ir.TypeRef) -> str:
        if t.kind == "builtin":  # the common case first, without a callback
            return _PY_BUILTINS[t.name]
        return common.spell_type(t, _PY_BUILTINS.__getitem__, self.ref, "list[%s]", "dict[%s, %s]", "%s | None")

    def default(self, t: ir.TypeRef) -> str:
        """The dataclass default: `= x` or `= dataclasses.field(default_factory=...)`."""
        if t.kind == "optional":
            return "None"
        if t.kind == "builtin":
            return _DEFAULTS.get(t.name, "0")
        if t.kind == "enum":
            first = min(t.decl.values, key=lambda v: v.ordinal)
            if first.ordinal == 0:
                return "%s.%s" % (self.ref(t.decl), first.name)
            return "0"
        factory = {"list": "list", "map": "dict"}.get(t.kind) or "lambda: %s()" % self.ref(t.decl)
        return "dataclasses.field(default_factory=%s)" % factory

    def layout_of(self, decl: ir.Struct):
        w = self.wire[decl.full_name]
        return w.layout.data_words, w.layout.pointer_count

    # -- writing -----------------------------------------------------------
    def write_field(self, f: wire_model.WireField, b: str, v: str, d: int) -> List[str]:
        t, p = f.type, f.placement
        if t.kind == "optional":
            inner = t.args[0]
            if wire_model.scalar_kind(inner):
                w = f.wrapper
                sub = "%s.init_struct(%d, %d, %d)" % (b, p.offset, w.layout.data_words, w.layout.pointer_count)
                body = self.write_scalar(inner, sub, w.fields[0].placement, v)
            else:
                body = self.write_ptr(inner, ("s", b, str(p.offset)), v, f.entry, d)
            return ["if %s is not None:" % v] + _indent(body)
        if wire_model.scalar_kind(t):
            return self.write_scalar(t, b, p, v)
        return self.write_ptr(t, ("s", b, str(p.offset)), v, f.entry, d)

    def write_scalar(self, t, b, p, v) -> List[str]:
        k = wire_model.scalar_kind(t)
        if k == "bool":
            return ["%s.set_bool(%d, %s)" % (b, p.bit_offset, v)]
        if t.name == "pid":  # a scalar: a builtin or an enum (whose name is qualified)
            v += ".bits"
        return ['%s.set("%s", %d, %s)' % (b, k, p.byte_offset, v)]

    def write_ptr(self, t, slot, v, entry, d) -> List[str]:
        """Writes pointer-typed value `v` into slot ("s", struct builder, index)
        or ("l", pointer list builder, index)."""
        kind, b, i = slot
        s = kind == "s"
        if t.kind == "builtin" and t.name == "string":
            return ["%s.set_text(%s, %s)" % (b, i, v)]
        if t.kind == "builtin" and t.name == "bytes":
            return ["%s.set_data(%s, %s)" % (b, i, v)]
        if t.kind == "struct":
            dw, pc = self.layout_of(t.decl)
            return ["%s._write(%s.init_struct(%s, %d, %d))" % (v, b, i, dw, pc)]
        lst, idx, el = "_l%d" % d, "_i%d" % d, "_e%d" % d
        if t.kind == "map":
            dw, pc = entry.layout.data_words, entry.layout.pointer_count
            init = ("%s.init_struct_list(%s, len(%s), %d, %d)" if s else
                    "_rt.pl_init_struct_list(%s, %s, len(%s), %d, %d)") % (b, i, v, dw, pc)
            k, x = "_k%d" % d, "_v%d" % d
            return (["%s = %s" % (lst, init),
                     "for %s, (%s, %s) in enumerate(sorted(%s.items())):" % (idx, k, x, v),
                     "    %s = %s[%s]" % (el, lst, idx)]
                    + _indent(self.write_field(entry.fields[0], el, k, d + 1))
                    + _indent(self.write_field(entry.fields[1], el, x, d + 1)))
        assert t.kind == "list", t.kind
        e = t.args[0]
        sk = wire_model.scalar_kind(e)
        if sk:
            if e.name == "pid":
                v = "[%s.bits for %s in %s]" % (el, el, v)
            return ['%s.set_list(%s, "%s", %s)' % (b, i, sk, v)]
        if e.kind == "struct":
            dw, pc = self.layout_of(e.decl)
            init = ("%s.init_struct_list(%s, len(%s), %d, %d)" if s else
                    "_rt.pl_init_struct_list(%s, %s, len(%s), %d, %d)") % (b, i, v, dw, pc)
            return ["%s = %s" % (lst, init),
                    "for %s, %s in enumerate(%s):" % (idx, el, v),
                    "    %s._write(%s[%s])" % (el, lst, idx)]
        init = ("%s.init_pointer_list(%s, len(%s))" if s else
                "_rt.pl_init_pointer_list(%s, %s, len(%s))") % (b, i, v)
        return (["%s = %s" % (lst, init),
                 "for %s, %s in enumerate(%s):" % (idx, el, v)]
                + _indent(self.write_ptr(e, ("l", lst, idx), el, entry, d + 1)))

    # -- reading -----------------------------------------------------------
    def read_field(self, f: wire_model.WireField, r: str, d: int) -> str:
        t, p = f.type, f.placement
        if t.kind == "optional":
            inner = t.args[0]
            if wire_model.scalar_kind(inner):
                w = f.wrapper
                val = self.read_scalar(inner, "%s.get_struct(%d)" % (r, p.offset), w.fields[0].placement)
            else:
                val = self.read_ptr(inner, ("s", r, str(p.offset)), f.entry, d)
            return "(%s if %s.has(%d) else None)" % (val, r, p.offset)
        if wire_model.scalar_kind(t):
            return self.read_scalar(t, r, p)
        return self.read_ptr(t, ("s", r, str(p.offset)), f.entry, d)

    def read_scalar(self, t, r, p) -> str:
        k = wire_model.scalar_kind(t)
        if k == "bool":
            return "%s.get_bool(%d)" % (r, p.bit_offset)
        expr = '%s.get("%s", %d)' % (r, k, p.byte_offset)
        if k == "enum":
            return "_rt.enum_value(%s, %s)" % (self.ref(t.decl), expr)
        if t.name == "pid":
            return "Pid(%s)" % expr
        return expr

    def read_ptr(self, t, slot, entry, d) -> str:
        kind, r, i = slot
        lst = ("%s.get_list(%s)" if kind == "s" else "%s.list_at(%s)") % (r, i)
        x = "_x%d" % d
        if t.kind == "builtin" and t.name == "string":
            return "%s.as_text()" % lst
        if t.kind == "builtin" and t.name == "bytes":
            return "bytes(%s.as_data())" % lst
        if t.kind == "struct":
            assert kind == "s"
            return "%s._read(%s.get_struct(%s))" % (self.ref(t.decl), r, i)
        if t.kind == "map":
            k = self.read_field(entry.fields[0], x, d + 1)
            v = self.read_field(entry.fields[1], x, d + 1)
            return "{%s: %s for %s in %s.as_structs()}" % (k, v, x, lst)
        e = t.args[0]
        sk = wire_model.scalar_kind(e)
        if sk == "enum":
            return "[_rt.enum_value(%s, %s) for %s in %s.as_prims(\"enum\")]" % (self.ref(e.decl), x, x, lst)
        if e.name == "pid":
            return '[Pid(%s) for %s in %s.as_prims("%s")]' % (x, x, lst, sk)
        if sk:
            return '%s.as_prims("%s")' % (lst, sk)
        if e.kind == "builtin" and e.name == "string":
            return "%s.as_text_list()" % lst
        if e.kind == "builtin" and e.name == "bytes":
            return "[bytes(%s) for %s in %s.as_data_list()]" % (x, x, lst)
        if e.kind == "struct":
            return "[%s._read(%s) for %s in %s.as_structs()]" % (self.ref(e.decl), x, x, lst)
        ll, ii = "_l%d" % d, "_i%d" % d
        inner = self.read_ptr(e, ("l", ll, ii), entry, d + 1)
        return "[%s for %s in (%s,) for %s in range(len(%s))]" % (inner, ll, lst, ii, ll)

    # -- per construct -------------------------------------------------------
    def struct_view(self, s: ir.Struct) -> dict:
        w = self.wire[s.full_name]
        fields = []
        write: List[str] = []
        for f in w.fields:
            fields.append({"name": f.name, "type": self.pytype(f.type), "default": self.default(f.type),
                           "doc": f.doc, "note": _note(f),
                           "read": self.read_field(f, "r", 0)})
            write += self.write_field(f, "b", "self." + f.name, 0)
        return {"name": self.class_name(s), "full_name": s.full_name, "id": s.id,
                "doc": s.doc, "origin": s.origin, "fields": fields, "write": write,
                "data_words": w.layout.data_words, "pointer_count": w.layout.pointer_count,
                "deprecated": s.deprecated}

    def params_sig(self, s: ir.Struct) -> List[str]:
        out = []
        fields = sorted(s.fields, key=lambda f: f.ordinal)
        for n, f in enumerate(fields):
            tail_optional = all(g.type.kind == "optional" for g in fields[n:])
            out.append("%s: %s%s" % (f.name, self.pytype(f.type), " = None" if tail_optional else ""))
        return out

    def method_view(self, a: ir.Actor, m: ir.Method) -> dict:
        params = sorted(m.params.fields, key=lambda f: f.ordinal)
        view = {"name": m.name, "kind": m.kind, "ordinal": m.ordinal, "doc": m.doc,
                "deprecated": m.deprecated, "readonly": m.readonly, "reentrant": m.reentrant,
                "sig": self.params_sig(m.params),
                "param_names": [f.name for f in params],
                "params_class": self.class_name(m.params),
                "timeout": None if m.timeout_ns is None else repr(m.timeout_ns / 1e9),
                "results_class": None, "result": None, "result_type": "None",
                "item_class": None, "item_type": None}
        if m.results is not None:
            view["results_class"] = self.class_name(m.results)
            rf = m.results.fields
            if len(rf) == 1:
                view["result"] = rf[0].name
                view["result_type"] = self.pytype(rf[0].type)
            elif len(rf) > 1:
                view["result_type"] = view["results_class"]
        if m.stream_item is not None:
            view["item_class"] = self.class_name(m.stream_item)
            view["item_type"] = self.pytype(m.stream_item.fields[0].type)
        return view

    def actor_view(self, a: ir.Actor) -> dict:
        return {"name": a.name, "full_name": a.full_name, "id": a.id, "doc": a.doc,
                "deprecated": a.deprecated,
                "mailbox": a.mailbox.spelling(),
                "methods": [self.method_view(a, m) for m in a.methods]}


@common.gc_paused
def generate(program, module, options) -> Dict[str, str]:
    """{output file name: text} for `module` (see actorc.backends)."""
    g = _Gen(program, module)
    ctx = {
        "header": common.header_line(options, module),
        "module": module,
        "module_doc": module.doc,
        "imports": [module_name(m.display) for m in module.imports],
        "uses_pid": common.uses_builtin(module, "pid"),
        "enums": [{"name": e.name, "full_name": e.full_name, "id": e.id, "doc": e.doc,
                   "enumerants": [{"name": v.name, "ordinal": v.ordinal, "doc": v.doc, "deprecated": v.deprecated}
                              for v in e.values]} for e in module.enums],
        "structs": [g.struct_view(s) for s in module.all_structs()],
        "actors": [g.actor_view(a) for a in module.actors],
        "hexid": common.hex_id,
        "docstring": _docstring,
    }
    name = module_name(module.display)
    return {
        name + ".py": _ENV.get_template("module.py.j2").render(**ctx),
        name + ".pyi": _ENV.get_template("module.pyi.j2").render(**ctx),
    }

"""The Node backend of actorc: `foo.actor` -> `foo.actor.js` + `foo.actor.d.ts`.

CommonJS modules for Node 20 on the JavaScript wire runtime
(`runtime/capnp_wire.js`, required as `actorc_runtime`, see README.md).
Layouts come from `actorc.wire_model` (the same offsets the capnp backend's
schema gives C++); this module turns them into small code snippets (derived
data), the templates only lay them out.
"""

import os
from typing import Dict, List

from actorc import ir
from actorc import wire_model as wm
from actorc.backends import Options, common

_HERE = os.path.dirname(os.path.abspath(__file__))

_ENV = common.template_environment(os.path.join(_HERE, "templates"))

# TypeScript spelling of the scalar builtins.
_TS_BUILTIN = {
    "bool": "boolean", "int8": "number", "int16": "number", "int32": "number",
    "uint8": "number", "uint16": "number", "uint32": "number",
    "int64": "bigint", "uint64": "bigint", "float32": "number", "float64": "number",
    "timestamp": "bigint", "duration": "bigint", "string": "string", "bytes": "Uint8Array",
    "pid": "Pid",  # the runtime's Pid (runtime/pid.js), imported by the .d.ts
}
_BIG = ("int64", "uint64")

# Wire-model structs this backend does not encode yet: a stream's request
# and events as the C++ wire codecs send them (`<M>Open`, `<M>Event`; the
# Node transport seam streams encoded `<M>Item`s instead).
_NOT_YET = ("stream_open", "stream_event")


def output_base(module: ir.Module) -> str:
    return common.stem(module.display)


def import_var(module: ir.Module) -> str:
    return "$" + wm.import_alias(module)


def js_name(path: str) -> str:
    """JS identifier of a wire struct: its capnp path with '.' -> '_'."""
    return path.replace(".", "_")


class _Gen:
    def __init__(self, module: ir.Module):
        self.module = module
        self.tmp = 0

    def ref(self, decl) -> str:
        """JS expression naming a user struct/enum (imported ones via their module)."""
        if decl.module is self.module or decl.module is None:
            return decl.name
        return "%s.%s" % (import_var(decl.module), decl.name)

    def ts(self, t: ir.TypeRef) -> str:
        if t.kind == "builtin":  # the common case first, without a callback
            return _TS_BUILTIN[t.name]
        return common.spell_type(t, _TS_BUILTIN.__getitem__, self.ref, "Array<%s>", "Map<%s, %s>", "%s | null")

    def var(self, stem: str) -> str:
        self.tmp += 1
        return "%s%d" % (stem, self.tmp)

    # -- writing -----------------------------------------------------------
    def write_field(self, f: wm.WireField, b: str, v: str) -> List[str]:
        """Statements writing field f (value expression v) into StructBuilder b."""
        t = f.type
        p = f.placement
        if t.kind == "optional":
            inner = t.args[0]
            if f.wrapper is not None:
                w = f.wrapper
                wf = w.fields[0]
                return ["if (%s != null) %s" % (v, self.write_scalar(
                    wf, "%s.initStruct(%d, %d, %d)" % (b, p.offset, w.layout.data_words, w.layout.pointer_count),
                    self.to_wire(inner, v)))]
            body = self.write_ptr(inner, f.entry, b, str(p.offset), v)
            return ["if (%s != null) {" % v] + ["  " + s for s in body] + ["}"]
        if f.kind in wm.wl.DATA_KINDS:
            if t.name == "pid":  # a scalar: a builtin or an enum (whose name is qualified)
                return [self.write_scalar(f, b, "$rt.pidBits(%s)" % v)]  # absent: Pid 0
            return [self.write_scalar(f, b, "%s ?? %s" % (v, self.zero(t)))]
        return self.write_ptr(t, f.entry, b, str(p.offset), "%s ?? %s" % (v, self.empty(t)))

    @staticmethod
    def to_wire(t, v: str) -> str:
        """The wire value of scalar expression v of scalar type t (a pid: its bits)."""
        return "$rt.pidBits(%s)" % v if t.name == "pid" else v

    @staticmethod
    def from_wire(t, e: str) -> str:
        """The value of scalar type t read as wire value e (a pid from its bits)."""
        return "new $rt.Pid(%s)" % e if t.name == "pid" else e

    def zero(self, t):
        k = wm.scalar_kind(t)
        if k == "bool":
            return "false"
        return "0n" if k in _BIG else "0"

    def empty(self, t):
        if t.kind == "builtin":
            return {"string": '""', "bytes": "$rt.EMPTY_BYTES"}[t.name]
        if t.kind == "list":
            return "[]"
        if t.kind == "map":
            return "$rt.EMPTY_MAP"
        return "{}"  # a struct: all defaults

    def write_scalar(self, f: wm.WireField, b: str, v: str) -> str:
        p = f.placement
        if f.kind == "bool":
            return "%s.setBool(%d, %s);" % (b, p.bit_offset, v)
        return '%s.set("%s", %d, %s);' % (b, f.kind, p.byte_offset, v)

    def write_ptr(self, t, entry, b: str, i: str, v: str) -> List[str]:
        """Statements writing pointer value v at slot i of b (a StructBuilder
        or a PointerListBuilder: both have the same slot methods)."""
        if t.kind == "builtin":
            return ["%s.%s(%s, %s);" % (b, "setText" if t.name == "string" else "setData", i, v)]
        if t.kind == "struct":
            S = self.ref(t.decl)
            return ["%s._write(%s.initStruct(%s, %s.DATA_WORDS, %s.POINTER_COUNT), %s);" % (S, b, i, S, S, v)]
        if t.kind == "map":
            E = js_name(entry.path)
            es, l, j = self.var("es"), self.var("l"), self.var("j")
            return [
                "{",
                "  const %s = $rt.sortedEntries(%s);" % (es, v),
                "  const %s = %s.initStructList(%s, %s.length, %s.DATA_WORDS, %s.POINTER_COUNT);" % (l, b, i, es, E, E),
                "  for (let %s = 0; %s < %s.length; %s++) %s._write(%s.get(%s), {key: %s[%s][0], value: %s[%s][1]});"
                % (j, j, es, j, E, l, j, es, j, es, j),
                "}",
            ]
        if t.kind == "list":
            e = t.args[0]
            k = wm.scalar_kind(e)
            if k:
                if e.name == "pid":
                    v = "$rt.pidBitsList(%s)" % v
                return ['%s.setList(%s, "%s", %s);' % (b, i, k, v)]
            if e.kind == "builtin":
                return ["%s.%s(%s, %s);" % (b, "setTextList" if e.name == "string" else "setDataList", i, v)]
            x, l, j = self.var("x"), self.var("l"), self.var("j")
            if e.kind == "struct":
                S = self.ref(e.decl)
                return [
                    "{",
                    "  const %s = %s;" % (x, v),
                    "  const %s = %s.initStructList(%s, %s.length, %s.DATA_WORDS, %s.POINTER_COUNT);" % (l, b, i, x, S, S),
                    "  for (let %s = 0; %s < %s.length; %s++) %s._write(%s.get(%s), %s[%s]);" % (j, j, x, j, S, l, j, x, j),
                    "}",
                ]
            inner = self.write_ptr(e, entry, l, j, "%s[%s]" % (x, j))
            return (["{", "  const %s = %s;" % (x, v),
                     "  const %s = %s.initPointerList(%s, %s.length);" % (l, b, i, x),
                     "  for (let %s = 0; %s < %s.length; %s++) {" % (j, j, x, j)]
                    + ["    " + s for s in inner] + ["  }", "}"])
        raise ValueError("cannot write %s" % t.spelling())

    # -- reading -----------------------------------------------------------
    def read_field(self, f: wm.WireField, r: str) -> str:
        t = f.type
        p = f.placement
        if t.kind == "optional":
            if f.wrapper is not None:
                wf = f.wrapper.fields[0]
                value = self.from_wire(t.args[0], self.read_scalar(wf, "%s.getStruct(%d)" % (r, p.offset)))
                return "%s.has(%d) ? %s : null" % (r, p.offset, value)
            return "%s.has(%d) ? %s : null" % (r, p.offset, self.read_ptr(t.args[0], f.entry, r, p.offset))
        if f.kind in wm.wl.DATA_KINDS:
            e = self.read_scalar(f, r)
            return "new $rt.Pid(%s)" % e if t.name == "pid" else e
        return self.read_ptr(t, f.entry, r, p.offset)

    def read_scalar(self, f: wm.WireField, r: str) -> str:
        p = f.placement
        if f.kind == "bool":
            return "%s.getBool(%d)" % (r, p.bit_offset)
        return '%s.get("%s", %d)' % (r, f.kind, p.byte_offset)

    def read_ptr(self, t, entry, r: str, i) -> str:
        if t.kind == "struct":
            return "%s._read(%s.getStruct(%s))" % (self.ref(t.decl), r, i)
        return self.read_list(t, entry, "%s.getList(%s)" % (r, i))

    def read_list(self, t, entry, lr: str) -> str:
        """Expression converting ListReader expression lr to the value of t."""
        if t.kind == "builtin":
            return "%s.%s()" % (lr, "asText" if t.name == "string" else "asData")
        if t.kind == "map":
            E = js_name(entry.path)
            return "$rt.toMap(%s.asStructs(), %s)" % (lr, E)
        if t.kind == "list":
            e = t.args[0]
            k = wm.scalar_kind(e)
            if k:
                if e.name == "pid":
                    return '$rt.toPids(%s.asPrims("%s"))' % (lr, k)
                return '%s.asPrims("%s")' % (lr, k)
            if e.kind == "builtin":
                return "%s.%s()" % (lr, "asTextList" if e.name == "string" else "asDataList")
            if e.kind == "struct":
                return "%s.asStructs().map((e) => %s._read(e))" % (lr, self.ref(e.decl))
            y = self.var("y")
            return "$rt.mapLists(%s, (%s) => %s)" % (lr, y, self.read_list(e, entry, y))
        raise ValueError("cannot read %s" % t.spelling())


def _doc(lines, indent=""):
    """A JSDoc block (list of lines) or []."""
    if not lines:
        return []
    # "*/" inside a doc line would end the comment early.
    return ([indent + "/**"] + [(indent + " * " + l.replace("*/", "*\\/")).rstrip() for l in lines]
            + [indent + " */"])


def _doc_lines(node) -> List[str]:
    """A declaration's doc lines plus its JSDoc `@deprecated` line."""
    doc = list(node.doc or [])
    if node.deprecated is not None:
        doc.append(common.deprecation(node.deprecated, "@deprecated", " ").rstrip())
    return doc


def _seconds(ns):
    if ns is None:
        return "null"
    s = ns / 1e9
    return repr(int(s)) if s == int(s) else repr(s)


@common.gc_paused
def generate(program: ir.Program, module: ir.Module, options: Options) -> Dict[str, str]:
    """{output file name: text} for `module` (see actorc.backends)."""
    g = _Gen(module)
    users, actors, wrappers = wm.module_structs(module)
    structs = []  # in declaration order, entries after their parent

    def add(w: wm.WireStruct, exported: bool):
        fields = []
        for f in w.fields:
            fields.append({
                "name": f.name,
                "ts": g.ts(f.type),
                "doc": _doc(_doc_lines(f), "  "),
                "write": g.write_field(f, "b", "v." + f.name),
                "read": g.read_field(f, "r"),
            })
        doc = _doc_lines(w)
        structs.append({
            "js": js_name(w.path) if not exported else w.name,
            "path": w.path,
            "id": common.hex_id(w.id, "n"),
            "origin": w.origin,
            "exported": exported,
            "data_words": w.layout.data_words,
            "pointer_count": w.layout.pointer_count,
            "fields": fields,
            "doc": _doc(doc),
            "codec_doc": _doc(doc + ([""] if doc else []) + [
                "Codec of %s (%d data words, %d pointers)." % (w.path, w.layout.data_words, w.layout.pointer_count)]),
        })
        for n in w.nested:
            add(n, False)

    for w in users:
        add(w, True)
    for a in module.actors:
        for w in actors[a.name]:
            if w.origin not in _NOT_YET:
                add(w, False)
    for w in wrappers:
        add(w, False)

    enums = []
    for e in module.enums:
        enums.append({
            "name": e.name, "id": common.hex_id(e.id, "n"), "doc": _doc(_doc_lines(e)),
            "enumerants": [{"name": v.name, "ordinal": v.ordinal, "doc": _doc(_doc_lines(v), "  ")}
                           for v in e.values],
        })

    actor_list = []
    for a in module.actors:
        methods = []
        for m in a.methods:
            params = [{"name": f.name, "ts": g.ts(f.type)} for f in sorted(m.params.fields, key=lambda f: f.ordinal)]
            results = None
            if m.results is not None:
                results = [{"name": f.name, "ts": g.ts(f.type)} for f in m.results.fields]
            doc = _doc_lines(m)
            pascal = ir.upper_first(m.name)
            methods.append({
                "name": m.name, "kind": m.kind, "ordinal": m.ordinal,
                "params": params,
                "arglist": ", ".join(p["name"] for p in params),
                "params_js": "%s_%sParams" % (a.name, pascal),
                "results_js": "%s_%sResults" % (a.name, pascal) if m.results is not None else None,
                "item_js": "%s_%sItem" % (a.name, pascal) if m.stream_item is not None else None,
                "results": results,
                "has_results": bool(results),
                "item_ts": g.ts(m.stream_type) if m.stream_item is not None else None,
                "timeout": _seconds(m.timeout_ns),
                "readonly": "true" if m.readonly else "false",
                "reentrant": "true" if m.reentrant else "false",
                "doc": _doc(doc, "  "),
            })
        doc = _doc_lines(a)
        mb = a.mailbox
        actor_list.append({
            "name": a.name, "full_name": a.full_name, "id": common.hex_id(a.id, "n"),
            "doc": _doc(doc), "methods": methods,
            "client_doc": _doc(doc + ([""] if doc else []) + [
                "Typed client of %s over a transport (README: the transport seam)." % a.full_name]),
            "servicer_doc": _doc(doc + ([""] if doc else []) + [
                "Base class for implementing %s in JavaScript: override the" % a.full_name,
                "methods; the runtime calls dispatch(method, payload)."]),
            "mailbox": ('{bounded: true, capacity: %d, policy: "%s"}' % (mb.capacity, mb.policy))
            if mb.bounded else "{bounded: false}",
            "reentrant": "true" if a.reentrant else "false",
            "default_timeout": _seconds(a.default_timeout_ns),
        })

    imports = [{"var": import_var(m), "path": "./" + output_base(m) + ".actor"} for m in module.imports]
    ctx = {
        "header": common.header_line(options, module),
        "package": module.package,
        "module_id": common.hex_id(module.id, "n"),
        "doc": _doc(module.doc),
        "imports": imports,
        "uses_pid": common.uses_builtin(module, "pid"),
        "enums": enums,
        "structs": structs,
        "actors": actor_list,
    }
    base = output_base(module)
    return {
        base + ".actor.js": _ENV.get_template("module.js.j2").render(ctx),
        base + ".actor.d.ts": _ENV.get_template("module.d.ts.j2").render(ctx),
    }

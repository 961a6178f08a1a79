"""C++ statements converting between actorc's C++ value types and the C++
code the system capnp generates from the capnp backend's foo.capnp
(namespace <package>::wire). Used by the C++ backend's foo.actor.cc.

The mapping is the shared IDL -> Cap'n Proto mapping (see
codegen/actorc/backends/cpp/README.md): maps are List(<Field>Entry) written
in key order (std::map's order), optional scalars are pointers to
Optional<Type> wrapper structs, optional pointer types are null when absent.
"""

from typing import List

from ... import ir
from . import cpp_type, namespace

_SCALAR_KINDS = ("bool", "int", "float")


def wire_name(decl, module: ir.Module) -> str:
    """The capnp-generated C++ type of a struct or enum, seen from module."""
    return "::%s::wire::%s" % (namespace(decl.module.package), decl.name)


def _is_pointer(t: ir.TypeRef) -> bool:
    return t.kind in ("list", "map", "struct") or (t.kind == "builtin" and t.name in ("string", "bytes"))


class _Field:
    """A named field of a capnp builder/reader variable."""

    def __init__(self, var: str, name: str):
        self.var, self.u = var, ir.upper_first(name)

    def set(self, e):
        return "%s.set%s(%s);" % (self.var, self.u, e)

    def init_list(self, n):
        return "%s.init%s(%s)" % (self.var, self.u, n)

    def init_struct(self):
        return "%s.init%s()" % (self.var, self.u)

    def get(self):
        return "%s.get%s()" % (self.var, self.u)

    def has(self):
        return "%s.has%s()" % (self.var, self.u)


class _Element:
    """Element i of a capnp list builder/reader variable."""

    def __init__(self, var: str, index: str):
        self.var, self.i = var, index

    def set(self, e):
        return "%s.set(%s, %s);" % (self.var, self.i, e)

    def init_list(self, n):
        return "%s.init(%s, %s)" % (self.var, self.i, n)

    def init_struct(self):
        return "%s[%s]" % (self.var, self.i)

    def get(self):
        return "%s[%s]" % (self.var, self.i)


def write(e: str, t: ir.TypeRef, target, module: ir.Module, d: int = 0) -> List[str]:
    """Statements writing the C++ value `e` of IDL type t into target."""
    if t.kind == "builtin":
        cat = ir.BUILTINS[t.name][0]
        if cat in _SCALAR_KINDS:
            return [target.set(e)]
        if t.name == "string":
            return [target.set("::capnp::Text::Reader(%s.data(), %s.size())" % (e, e))]
        if t.name == "bytes":
            return [target.set("::capnp::Data::Reader(reinterpret_cast<const ::kj::byte*>(%s.data()), %s.size())" % (e, e))]
        if t.name == "timestamp":
            return [target.set("::absl::ToUnixNanos(%s)" % e)]
        if t.name == "pid":
            return [target.set("%s.bits()" % e)]
        return [target.set("::absl::ToInt64Nanoseconds(%s)" % e)]
    if t.kind == "enum":
        return [target.set("static_cast<%s>(%s)" % (wire_name(t.decl, module), e))]
    if t.kind == "struct":
        return ["ToWire(%s, %s);" % (e, target.init_struct())]
    if t.kind == "list":
        l, i = "l%d" % d, "i%d" % d
        body = write("%s[%s]" % (e, i), t.args[0], _Element(l, i), module, d + 1)
        return (["{",
                 "  auto %s = %s;" % (l, target.init_list("static_cast<unsigned>(%s.size())" % e)),
                 "  for (unsigned %s = 0; %s < %s.size(); ++%s) {" % (i, i, e, i)]
                + ["    " + s for s in body] + ["  }", "}"])
    if t.kind == "map":
        l, i, en, k, v = "l%d" % d, "i%d" % d, "e%d" % d, "k%d" % d, "v%d" % d
        body = (write(k, t.args[0], _Field(en, "key"), module, d + 1)
                + write(v, t.args[1], _Field(en, "value"), module, d + 1))
        return ["{",
                "  // std::map iterates in key order: entries are written sorted by key.",
                "  auto %s = %s;" % (l, target.init_list("static_cast<unsigned>(%s.size())" % e)),
                "  unsigned %s = 0;" % i,
                "  for (const auto& [%s, %s] : %s) {" % (k, v, e),
                "    auto %s = %s[%s++];" % (en, l, i)] + ["    " + s for s in body] + ["  }", "}"]
    if t.kind == "optional":
        inner = t.args[0]
        if _is_pointer(inner):
            body = write("(*%s)" % e, inner, target, module, d + 1)
        else:
            w = "w%d" % d
            body = ["auto %s = %s;" % (w, target.init_struct())] + write("(*%s)" % e, inner, _Field(w, "value"), module, d + 1)
        return ["if (%s.has_value()) {" % e] + ["  " + s for s in body] + ["}"]
    raise AssertionError(t.kind)


def read(src, t: ir.TypeRef, out: str, module: ir.Module, d: int = 0) -> List[str]:
    """Statements reading src (a capnp getter) of IDL type t into the lvalue out."""
    g = src.get()
    if t.kind == "builtin":
        cat = ir.BUILTINS[t.name][0]
        if cat in _SCALAR_KINDS:
            return ["%s = %s;" % (out, g)]
        if t.name == "string":
            x = "t%d" % d
            return ["{", "  auto %s = %s;" % (x, g), "  %s.assign(%s.cStr(), %s.size());" % (out, x, x), "}"]
        if t.name == "bytes":
            x = "t%d" % d
            return ["{", "  auto %s = %s;" % (x, g),
                    "  %s.assign(reinterpret_cast<const char*>(%s.begin()), %s.size());" % (out, x, x), "}"]
        if t.name == "timestamp":
            return ["%s = ::absl::FromUnixNanos(%s);" % (out, g)]
        if t.name == "pid":
            return ["%s = ::myr::Pid::FromBits(%s);" % (out, g)]
        return ["%s = ::absl::Nanoseconds(%s);" % (out, g)]
    if t.kind == "enum":
        return ["%s = static_cast<%s>(%s);" % (out, cpp_type(t, module, qualified=True), g)]
    if t.kind == "struct":
        return ["ReadWire(%s, %s);" % (g, out)]
    if t.kind == "list":
        l, i = "l%d" % d, "i%d" % d
        body = read(_Element(l, i), t.args[0], "%s[%s]" % (out, i), module, d + 1)
        return ["{", "  auto %s = %s;" % (l, g), "  %s.clear();" % out, "  %s.resize(%s.size());" % (out, l),
                "  for (unsigned %s = 0; %s < %s.size(); ++%s) {" % (i, i, l, i)] \
            + ["    " + s for s in body] + ["  }", "}"]
    if t.kind == "map":
        l, en, k, v = "l%d" % d, "e%d" % d, "k%d" % d, "v%d" % d
        body = (read(_Field(en, "key"), t.args[0], k, module, d + 1)
                + read(_Field(en, "value"), t.args[1], v, module, d + 1))
        return ["{", "  auto %s = %s;" % (l, g), "  %s.clear();" % out,
                "  for (auto %s : %s) {" % (en, l),
                "    %s %s{};" % (cpp_type(t.args[0], module, qualified=True), k),
                "    %s %s{};" % (cpp_type(t.args[1], module, qualified=True), v)] \
            + ["    " + s for s in body] \
            + ["    %s.emplace(std::move(%s), std::move(%s));" % (out, k, v), "  }", "}"]
    if t.kind == "optional":
        inner = t.args[0]
        if _is_pointer(inner):
            body = read(src, inner, "(*%s)" % out, module, d + 1)
        else:
            body = read(_Field(g, "value"), inner, "(*%s)" % out, module, d + 1)
        return ["%s.reset();" % out, "if (%s) {" % src.has(), "  %s.emplace();" % out] \
            + ["  " + s for s in body] + ["}"]
    raise AssertionError(t.kind)


def write_status(e: str, builder: str, code: str, message: str) -> List[str]:
    """Statements writing the absl::Status `e` as a canonical code and a
    message (a stream event's end; as schemas/wire/forms.capnp's Status)."""
    c, m = _Field(builder, code), _Field(builder, message)
    return [c.set("static_cast<uint32_t>(%s.code())" % e),
            "{",
            "  // A copy: capnp's Text::Reader needs a NUL after the text (an OK",
            "  // status's message() is an empty view that may point nowhere).",
            "  const std::string m0(%s.message());" % e,
            "  " + m.set("::capnp::Text::Reader(m0.data(), m0.size())"),
            "}"]


def read_status(reader: str, out: str, code: str, message: str) -> List[str]:
    """Statements reading a status written by write_status into `out` (a
    code outside 0..16 throws kj::Exception, ReadWire's error)."""
    return ["%s = ::myr::actorc_support::StatusFromWire(%s, %s);"
            % (out, _Field(reader, code).get(), _Field(reader, message).get())]


def write_fields(fields: List[ir.Field], value: str, builder: str, module: ir.Module) -> List[str]:
    out = []
    for f in fields:
        out += write("%s.%s" % (value, f.name), f.type, _Field(builder, f.name), module)
    return out


def read_fields(fields: List[ir.Field], reader: str, value: str, module: ir.Module) -> List[str]:
    out = []
    for f in fields:
        out += read(_Field(reader, f.name), f.type, "%s.%s" % (value, f.name), module)
    return out

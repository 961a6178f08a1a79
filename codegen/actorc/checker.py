"""The semantic checks: syntax tree -> IR, with a diagnostic for each problem.

`check(modules, sink)` checks loaded modules (dependencies first) in two
passes: `declare` enters every module's struct, enum and actor names (so
that declarations may refer to each other in any order), then `define`
fills in fields, enum values, methods (with their derived `<Method>Params`,
`<Method>Results` and `<Method>Item` structs) and resolved annotations. It
reports names (reserved words, style, duplicates), ordinals (duplicates,
gaps), types (unknown, with "did you mean" hints; map keys; optionals) and
annotations (unknown, misplaced, bad values). Errors are collected, not
raised: one run reports all of them.
"""

import difflib
import re
from typing import Dict, List, Optional

from . import reserved
from . import syntax as st
from .diagnostics import DiagnosticSink, Location
from .ir import (BUILTINS, MAP_KEY_CATEGORIES, Actor, Enum, EnumValue, Field, Mailbox, Method, Module, Struct,
                 TypeRef, camel, type_id, upper_first)

MAILBOX_POLICIES = ("drop_new", "drop_old", "block")
MAX_CAPACITY = 2**32 - 1

_UPPER_CAMEL = re.compile(r"[A-Z][A-Za-z0-9]*\Z")
_LOWER_CAMEL = re.compile(r"[a-z][A-Za-z0-9]*\Z")
_PACKAGE_PART = re.compile(r"[a-z][a-z0-9_]*\Z")


# ---------------------------------------------------------------------------
# Annotations: name -> (targets, value kind). Targets: "actor", "call",
# "cast", "stream" (methods), "struct", "field", "enum", "enum value".
# ---------------------------------------------------------------------------
ALL_TARGETS = ("actor", "call", "cast", "stream", "struct", "field", "enum", "enum value")
ANNOTATIONS = {
    "readonly": (("call", "cast", "stream"), "none"),
    "reentrant": (("actor", "call", "cast", "stream"), "none"),
    "timeout": (("actor", "call", "stream"), "duration"),
    "mailbox": (("actor",), "mailbox"),
    "deprecated": (ALL_TARGETS, "optional string"),
}
_TARGET_WORDS = {"actor": "an actor", "call": "a call method", "cast": "a cast method",
                 "stream": "a stream method", "struct": "a struct", "field": "a field",
                 "enum": "an enum", "enum value": "an enum value"}


def _describe_targets(targets) -> str:
    names = []
    for t in targets:
        if t in ("call", "cast", "stream"):
            names.append(t + " methods")
        else:
            names.append(t + "s")
    return ", ".join(names)


class _Checker:
    """Checks one module (its imports are already loaded)."""

    def __init__(self, mod: Module, sink: DiagnosticSink) -> None:
        self.mod = mod
        self.sink = sink

    def error(self, loc, message, hint=None):
        self.sink.error(loc, message, hint)

    # -- names ------------------------------------------------------------
    def check_name(self, name: str, loc: Location, what: str, upper: bool) -> None:
        if name in reserved.RUNTIME:
            self.error(loc, "'%s' is a reserved word and cannot name a %s" % (name, what),
                       "generated Python and TypeScript code use '%s' for %s; choose another name"
                       % (name, reserved.RUNTIME[name]))
            return
        if name in reserved.ALL:
            langs = reserved.languages(name)
            if len(langs) > 1:
                langs_text = ", ".join(langs[:-1]) + " and " + langs[-1]
            else:
                langs_text = langs[0]
            self.error(loc, "'%s' is a reserved word and cannot name a %s" % (name, what),
                       "it is a keyword or builtin name in %s, so generated code could not use it; choose another name" % langs_text)
            return
        pattern = _UPPER_CAMEL if upper else _LOWER_CAMEL
        if not pattern.match(name):
            style = "UpperCamelCase" if upper else "lowerCamelCase"
            self.error(loc, "%s name '%s' must be %s" % (what, name, style),
                       "write '%s'; types are UpperCamelCase, fields, methods, parameters and enum values lowerCamelCase, without '_' (as in Cap'n Proto)" % camel(name, upper))

    def check_duplicates(self, items, what: str, where: str) -> set:
        """items: (name, loc); reports duplicates, returns the set of bad indexes."""
        seen: Dict[str, Location] = {}
        bad = set()
        for i, (name, loc) in enumerate(items):
            if name in seen:
                first = seen[name]
                self.error(loc, "duplicate %s '%s'%s" % (what, name, where),
                           "first declared at %s" % first)
                bad.add(i)
            else:
                seen[name] = loc
        return bad

    def check_ordinals(self, items, what: str, where: str) -> None:
        """items: (name, ordinal, ordinal_loc) in source order."""
        first: Dict[int, str] = {}
        for name, ordinal, loc in items:
            if ordinal in first:
                self.error(loc, "duplicate ordinal @%d in %s: already used by %s '%s'" % (ordinal, where, what, first[ordinal]),
                           "ordinals must be 0..N-1 without gaps; the next free one is @%d" % (max(o for _, o, _ in items) + 1))
            else:
                first[ordinal] = name
        used = set(first)
        for missing in range(len(used)):
            if missing not in used:
                above = [(o, n, l) for n, o, l in items if o > missing]
                o, n, l = min(above, key=lambda x: (x[0], x[2].line, x[2].column))
                self.error(l, "ordinal @%d of %s '%s' leaves a gap in %s: @%d is not used" % (o, what, n, where, missing),
                           "ordinals must be 0..N-1 without gaps, as in Cap'n Proto; use @%d" % missing)
                break

    # -- annotations ------------------------------------------------------
    def annotations(self, anns: List[st.Annotation], target: str) -> Dict[str, object]:
        """Validates annotations for `target`; returns name -> resolved value."""
        out: Dict[str, object] = {}
        seen: Dict[str, Location] = {}
        for a in anns:
            spec = ANNOTATIONS.get(a.name)
            if spec is None:
                close = difflib.get_close_matches(a.name, list(ANNOTATIONS), n=1)
                hint = ("did you mean '%s'?" % close[0]) if close else ("known annotations: " + ", ".join(sorted(ANNOTATIONS)))
                self.error(a.loc, "unknown annotation '%s'" % a.name, hint)
                continue
            if a.name in seen:
                self.error(a.loc, "duplicate annotation '%s'" % a.name, "first given at %s" % seen[a.name])
                continue
            seen[a.name] = a.loc
            targets, kind = spec
            if target not in targets:
                self.error(a.loc, "annotation '%s' does not apply to %s" % (a.name, _TARGET_WORDS[target]),
                           "'%s' applies to %s" % (a.name, _describe_targets(targets)))
                continue
            value = self.annotation_value(a, kind)
            if value is not _BAD:
                out[a.name] = value
        return out

    def _value_error(self, a: st.Annotation, expected: str, example: str) -> object:
        v = a.value
        found = "no value" if v is None else "%s '%s'" % (v.kind if v.kind != "call" else "call", v.text)
        loc = v.loc if v is not None else a.loc
        self.error(loc, "annotation '%s' expects %s, found %s" % (a.name, expected, found), "write %s" % example)
        return _BAD

    def annotation_value(self, a: st.Annotation, kind: str) -> object:
        v = a.value
        if kind == "none":
            if v is not None:
                self.error(v.loc, "annotation '%s' takes no value" % a.name, "write [%s]" % a.name)
                return _BAD
            return True
        if kind == "optional string":
            if v is None:
                return ""
            if v.kind != "string":
                return self._value_error(a, "a string or no value", '[%s] or [%s = "reason"]' % (a.name, a.name))
            return v.value
        if kind == "duration":
            if v is None or v.kind != "duration":
                return self._value_error(a, "a duration", "[%s = 5s] (units: ns, us, ms, s, m, h)" % a.name)
            if v.value <= 0:
                self.error(v.loc, "annotation '%s' must be a positive duration" % a.name, "write e.g. [%s = 5s]" % a.name)
                return _BAD
            return v.value
        if kind == "mailbox":
            example = "[mailbox = bounded(1024, drop_new)] or [mailbox = unbounded]"
            if v is not None and v.kind == "identifier" and v.value == "unbounded":
                return Mailbox(bounded=False, capacity=0, policy="", explicit=True)
            if v is None or v.kind != "call" or v.value != "bounded":
                return self._value_error(a, "bounded(capacity, policy) or unbounded", example)
            if len(v.args) != 2:
                self.error(v.loc, "bounded(...) takes 2 arguments (capacity, policy), found %d" % len(v.args), "write " + example)
                return _BAD
            cap, pol = v.args
            if cap.kind != "integer" or not (1 <= cap.value <= MAX_CAPACITY):
                self.error(cap.loc, "mailbox capacity must be an integer from 1 to %d, found %s" % (MAX_CAPACITY, cap.text),
                           "use [mailbox = unbounded] for no limit")
                return _BAD
            if pol.kind != "identifier" or pol.value not in MAILBOX_POLICIES:
                close = difflib.get_close_matches(str(pol.value), MAILBOX_POLICIES, n=1) if pol.kind == "identifier" else []
                hint = ("did you mean '%s'? " % close[0] if close else "") + "policies: " + ", ".join(MAILBOX_POLICIES)
                self.error(pol.loc, "unknown mailbox policy '%s'" % pol.text, hint)
                return _BAD
            return Mailbox(bounded=True, capacity=cap.value, policy=pol.value, explicit=True)
        raise AssertionError(kind)

    # -- types ------------------------------------------------------------
    def resolve_type(self, t: st.TypeExpr, top: bool = True) -> Optional[TypeRef]:
        if t.kind == "optional":
            if not top:
                self.error(t.loc, "optional type '%s' is not allowed here" % _spell(t),
                           "'?' may only mark a whole field, parameter or result type, not a list element, map key or value")
                return None
            inner = self.resolve_type(t.args[0], top=False)
            return TypeRef("optional", args=[inner]) if inner else None
        if t.kind == "list":
            el = self.resolve_type(t.args[0], top=False)
            return TypeRef("list", args=[el]) if el else None
        if t.kind == "map":
            k = self.resolve_type(t.args[0], top=False)
            v = self.resolve_type(t.args[1], top=False)
            if k is not None and not (k.kind == "builtin" and BUILTINS[k.name][0] in MAP_KEY_CATEGORIES):
                self.error(t.args[0].loc, "map key type '%s' is not allowed" % _spell(t.args[0]),
                           "map keys are bool, integers, string, timestamp or duration")
                return None
            return TypeRef("map", args=[k, v]) if k and v else None
        return self.resolve_named(t)

    def resolve_named(self, t: st.TypeExpr) -> Optional[TypeRef]:
        name = t.name
        if name in BUILTINS:
            return TypeRef("builtin", name)
        if "." in name:
            pkg, simple = name.rsplit(".", 1)
            mods = [m for m in [self.mod] + self.mod.imports if m.package == pkg]
            if not mods:
                pkgs = sorted(set(m.package for m in self.mod.imports))
                close = difflib.get_close_matches(pkg, pkgs, n=1)
                if close:
                    hint = "did you mean '%s'? (the package of %s)" % (close[0], ", ".join(m.display for m in self.mod.imports if m.package == close[0]))
                elif pkgs:
                    hint = "imported packages: " + ", ".join(pkgs)
                else:
                    hint = "import the file that declares package '%s'" % pkg
                self.error(t.loc, "unknown package '%s' in type '%s'" % (pkg, name), hint)
                return None
        else:
            simple = name
            mods = [m for m in [self.mod] + self.mod.imports if m.package == self.mod.package]
        for m in mods:
            decl = m.names.get(simple)
            if decl is not None:
                if isinstance(decl, Actor):
                    self.error(t.loc, "'%s' is an actor, not a data type" % name,
                               "fields, parameters and results hold bool, numbers, string, bytes, time, lists, maps, structs and enums")
                    return None
                return TypeRef("struct" if isinstance(decl, Struct) else "enum", decl.full_name, decl=decl)
        candidates = list(BUILTINS) + ["list", "map"]
        for m in mods:
            for n, d in m.names.items():
                if not isinstance(d, Actor):
                    candidates.append(n if "." not in name else m.package + "." + n)
        if "." not in name:
            for m in self.mod.imports:
                if m.package != self.mod.package:
                    candidates += [m.package + "." + n for n, d in m.names.items() if not isinstance(d, Actor)]
        close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.75)
        if not close:
            # Case aside ('String', 'Strng' for 'string').
            lowered = {c.lower(): c for c in candidates}
            close = [lowered[c] for c in difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.75)]
        if not close:
            # Try an unqualified match of an imported declaration.
            q = [m.package + "." + name for m in self.mod.imports if name in m.names]
            close = q[:1]
        hint = ("did you mean '%s'?" % close[0]) if close else None
        self.error(t.loc, "unknown type '%s'" % name, hint)
        return None

    # -- declarations -----------------------------------------------------
    def declare(self) -> None:
        """First pass: names of structs, enums and actors (no types yet)."""
        mod = self.mod
        tree = mod.syntax
        for part in tree.package.split("."):
            if part in reserved.ALL:
                self.error(tree.package_loc, "'%s' is a reserved word and cannot be part of a package name" % part,
                           "it is a keyword in %s; choose another name" % " and ".join(reserved.languages(part)))
                break
            if not _PACKAGE_PART.match(part):
                self.error(tree.package_loc, "package name '%s' must be lowercase words separated by '.'" % tree.package,
                           "write e.g. 'package %s;'" % ".".join(p.lower() for p in tree.package.split(".")))
                break
        bad = self.check_duplicates([(d.name, d.loc) for d in tree.declarations], "declaration", "")
        for i, d in enumerate(tree.declarations):
            kind = "struct" if isinstance(d, st.Struct) else "enum" if isinstance(d, st.Enum) else "actor"
            self.check_name(d.name, d.loc, kind, upper=True)
            if i in bad:
                continue
            full = mod.package + "." + d.name
            if kind == "struct":
                node = Struct(d.name, full, type_id("struct", full), [], d.loc, doc=d.doc, module=mod)
                mod.structs.append(node)
            elif kind == "enum":
                node = Enum(d.name, full, type_id("enum", full), [], d.loc, doc=d.doc, module=mod)
                mod.enums.append(node)
            else:
                node = Actor(d.name, full, type_id("actor", full), [], d.loc, doc=d.doc, module=mod)
                mod.actors.append(node)
            node._syntax = d
            mod.names[d.name] = node
            for other in mod.imports:
                if other.package == mod.package and d.name in other.names:
                    self.error(d.loc, "duplicate declaration '%s' in package '%s'" % (d.name, mod.package),
                               "also declared at %s" % other.names[d.name].loc)

    def define(self) -> None:
        """Second pass: fields, values, methods, annotations."""
        for d in self.mod.syntax.declarations:
            node = self.mod.names.get(d.name)
            if node is None or node._syntax is not d:
                continue  # a duplicate, already reported
            if isinstance(node, Enum):
                self.define_enum(node)
            elif isinstance(node, Struct):
                self.define_struct(node)
            else:
                self.define_actor(node)

    def define_enum(self, e: Enum) -> None:
        d = e._syntax
        ann = self.annotations(d.annotations, "enum")
        e.deprecated = ann.get("deprecated")
        where = " in enum '%s'" % e.name
        bad = self.check_duplicates([(v.name, v.loc) for v in d.values], "enum value", where)
        for i, v in enumerate(d.values):
            self.check_name(v.name, v.loc, "enum value", upper=False)
            vann = self.annotations(v.annotations, "enum value")
            if i not in bad:
                e.values.append(EnumValue(v.name, v.ordinal, v.loc, v.doc, vann.get("deprecated")))
        if not d.values:
            self.error(d.loc, "enum '%s' has no values" % e.name, "add at least one value, e.g. 'unknown @0;'")
        self.check_ordinals([(v.name, v.ordinal, v.ordinal_loc) for v in d.values], "value", "enum '%s'" % e.name)

    def define_struct(self, s: Struct) -> None:
        d = s._syntax
        ann = self.annotations(d.annotations, "struct")
        s.deprecated = ann.get("deprecated")
        where = " in struct '%s'" % s.name
        bad = self.check_duplicates([(f.name, f.loc) for f in d.fields], "field", where)
        for i, f in enumerate(d.fields):
            self.check_name(f.name, f.loc, "field", upper=False)
            fann = self.annotations(f.annotations, "field")
            ftype = self.resolve_type(f.type)
            if i not in bad:
                s.fields.append(Field(f.name, f.ordinal, ftype, f.loc, f.doc, fann.get("deprecated")))
        self.check_ordinals([(f.name, f.ordinal, f.ordinal_loc) for f in d.fields], "field", "struct '%s'" % s.name)

    def params_struct(self, actor: Actor, m: st.Method, params: List[st.Param], suffix: str, origin: str, what: str) -> Struct:
        name = upper_first(m.name) + suffix
        full = actor.full_name + "." + name
        where = " in %s of method '%s'" % (what, m.name)
        bad = self.check_duplicates([(p.name, p.loc) for p in params], what[:-1], where)
        fields = []
        for i, p in enumerate(params):
            self.check_name(p.name, p.loc, what[:-1], upper=False)
            ptype = self.resolve_type(p.type)
            if i not in bad:
                fields.append(Field(p.name, i, ptype, p.loc))
        return Struct(name, full, type_id("struct", full), fields, m.loc, origin=origin, module=self.mod)

    def define_actor(self, a: Actor) -> None:
        d = a._syntax
        ann = self.annotations(d.annotations, "actor")
        a.deprecated = ann.get("deprecated")
        a.reentrant = bool(ann.get("reentrant", False))
        a.default_timeout_ns = ann.get("timeout")
        if "mailbox" in ann:
            a.mailbox = ann["mailbox"]
        if not d.methods:
            self.error(d.loc, "actor '%s' has no methods" % a.name, "add a method, e.g. 'call ping @0 ();'")
        bad = self.check_duplicates([(m.name, m.loc) for m in d.methods], "method", " in actor '%s'" % a.name)
        for i, m in enumerate(d.methods):
            self.check_name(m.name, m.loc, "method", upper=False)
            mann = self.annotations(m.annotations, m.kind)
            params = self.params_struct(a, m, m.params, "Params", "params", "parameters")
            results = None
            item = None
            if m.kind == "call":
                results = self.params_struct(a, m, m.results or [], "Results", "results", "results")
            elif m.kind == "cast":
                if m.results is not None:
                    self.error(m.arrow_loc, "cast method '%s' cannot have results" % m.name,
                               "a cast is one-way; use 'call' for request/reply")
            else:
                if m.stream_type is None:
                    self.error(m.loc, "stream method '%s' needs an item type" % m.name,
                               "write 'stream %s @%d (...) -> (ItemType);'" % (m.name, m.ordinal))
                else:
                    itype = self.resolve_type(m.stream_type)
                    iname = upper_first(m.name) + "Item"
                    full = a.full_name + "." + iname
                    item = Struct(iname, full, type_id("struct", full), [Field("value", 0, itype, m.stream_type.loc)],
                                  m.loc, origin="stream_item", module=self.mod)
            if i in bad:
                continue
            timeout = mann.get("timeout")
            if timeout is None and m.kind != "cast":
                timeout = a.default_timeout_ns
            a.methods.append(Method(
                m.kind, m.name, m.ordinal, m.loc, params, results, item,
                readonly=bool(mann.get("readonly", False)),
                reentrant=bool(mann.get("reentrant", False)) or a.reentrant,
                timeout_ns=timeout, doc=m.doc, deprecated=mann.get("deprecated"),
            ))
        self.check_ordinals([(m.name, m.ordinal, m.ordinal_loc) for m in d.methods], "method", "actor '%s'" % a.name)


_BAD = object()


def _spell(t: st.TypeExpr) -> str:
    if t.kind == "list":
        return "list<%s>" % _spell(t.args[0])
    if t.kind == "map":
        return "map<%s, %s>" % (_spell(t.args[0]), _spell(t.args[1]))
    if t.kind == "optional":
        return _spell(t.args[0]) + "?"
    return t.name


def check(modules: List[Module], sink: DiagnosticSink) -> None:
    """Checks `modules` (dependencies first) and fills in their IR; every
    problem is reported to `sink`."""
    checkers = [_Checker(m, sink) for m in modules]
    for c in checkers:
        c.declare()
    for c in checkers:
        c.define()

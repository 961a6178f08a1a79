"""Schema evolution check: is NEW a compatible successor of OLD?

    actorc check-compat [-I DIR]... OLD NEW

A separate pass over two checked models (after Mojo's stable-interface
check). The rules follow Cap'n Proto and are documented in docs/idl.md
("Schema evolution"). Identity:

  - files are paired by package and file name (the root files always); every
    pair is compared, so a changed import is checked too;
  - structs, enums and actors by their full name (package + name): the full
    name is the type id (ir.type_id), so renaming or moving a type is a
    removal (an error), not a rename;
  - fields, enum values and methods by ordinal; parameters and results by
    position (their ordinal). Renaming one of these keeps its ordinal and is
    compatible: it is reported as a note.

Every breaking change is an error located in NEW (or in OLD for something
removed), with the snippet, a caret and a hint. Compatible changes that
still matter to people (renames, new deprecations, annotation changes) are
notes. Additions are silent.
"""

import dataclasses
import os
from typing import Dict, List, Optional

from . import ir, model
from .diagnostics import NOTE, Diagnostic, DiagnosticSink, Location


@dataclasses.dataclass
class _Slot:
    """A field, parameter, result or stream item as the check sees it."""

    name: str
    ordinal: int
    type: Optional[ir.TypeRef]
    loc: Location  # its name
    ordinal_loc: Location
    type_loc: Location
    deprecated: Optional[str] = None


def format_duration(ns: Optional[int]) -> str:
    if ns is None:
        return "none"
    for unit, size in (("h", 3600 * 10**9), ("m", 60 * 10**9), ("s", 10**9), ("ms", 10**6), ("us", 10**3)):
        if ns % size == 0:
            return "%d%s" % (ns // size, unit)
    return "%dns" % ns


def _spelling(t: Optional[ir.TypeRef]) -> str:
    return t.spelling() if t is not None else "?"


class _Compat:
    def __init__(self, sink: DiagnosticSink) -> None:
        self.sink = sink

    def error(self, loc, message, hint=None):
        self.sink.error(loc, message, hint)

    def note(self, loc, message, hint=None):
        self.sink.diagnostics.append(Diagnostic(NOTE, loc, message, hint))

    # -- files ------------------------------------------------------------
    def programs(self, old: ir.Program, new: ir.Program) -> None:
        if old.root.package != new.root.package:
            t = new.root.syntax
            self.error(t.package_loc, "package renamed from '%s' to '%s'" % (old.root.package, new.root.package),
                       "the package is part of every type id and of generated names; keep 'package %s;'"
                       % old.root.package)
            return
        self.module(old.root, new.root)
        by_key = {(m.package, os.path.basename(m.path)): m for m in new.modules if m is not new.root}
        for om in old.modules:
            if om is old.root:
                continue
            nm = by_key.get((om.package, os.path.basename(om.path)))
            if nm is not None:
                self.module(om, nm)

    def module(self, old: ir.Module, new: ir.Module) -> None:
        for name, od in old.names.items():
            nd = new.names.get(name)
            what = _kind(od)
            if nd is None:
                hint = ("keep it and mark it [deprecated]; a type is identified by its full name "
                        "(its type id), so renaming or moving it is a removal")
                if od.deprecated is not None:
                    hint = "it is [deprecated], but keep it: peers may still send it; " \
                           "a type is identified by its full name (its type id)"
                self.error(od.loc, "%s '%s' was removed" % (what, od.full_name), hint)
                continue
            if _kind(nd) != what:
                self.error(nd.loc, "%s '%s' became %s %s" % (what, od.full_name, _article(_kind(nd)), _kind(nd)),
                           "a name keeps its kind; declare the new %s under a new name" % _kind(nd))
                continue
            self.deprecation(od, nd, "%s '%s'" % (what, name))
            if isinstance(od, ir.Struct):
                self.slots(_struct_slots(od), _struct_slots(nd), "field", " in struct '%s'" % name,
                           len(nd.fields))
            elif isinstance(od, ir.Enum):
                self.enum(od, nd)
            else:
                self.actor(od, nd)

    def deprecation(self, old, new, what: str) -> None:
        if old.deprecated is None and new.deprecated is not None:
            self.note(new.loc, "%s is now deprecated (compatible)" % what)
        elif old.deprecated is not None and new.deprecated is None:
            self.note(new.loc, "%s is no longer deprecated (compatible)" % what)

    # -- fields, parameters, results --------------------------------------
    def slots(self, old: List[_Slot], new: List[_Slot], what: str, where: str, next_ordinal: int,
              positional: bool = False) -> None:
        """Compares two ordinal-keyed lists (fields, or parameters by position)."""
        pos = "position" if positional else "ordinal"
        at = (lambda n: "position %d" % n) if positional else (lambda n: "ordinal @%d" % n)
        num = (lambda n: "%d" % n) if positional else (lambda n: "@%d" % n)
        new_by_ord = {s.ordinal: s for s in new}
        old_by_name = {s.name: s for s in old}
        new_by_name = {s.name: s for s in new}
        for o in old:
            n = new_by_ord.get(o.ordinal)
            if n is None:
                moved = new_by_name.get(o.name)
                if moved is not None:
                    continue  # reported as a changed ordinal at its new place
                if positional:
                    hint = "parameters and results are identified by position; keep it (you may rename it)"
                elif o.deprecated is not None:
                    hint = "it is [deprecated], but keep it: removing it frees @%d for reuse" % o.ordinal
                else:
                    hint = "ordinals are never removed; keep it and mark it [deprecated]"
                self.error(o.loc, "%s '%s' (%s)%s was removed" % (what, o.name, at(o.ordinal), where), hint)
                continue
            if n.name != o.name:
                earlier = old_by_name.get(n.name)
                if earlier is not None:
                    self.error(n.ordinal_loc if not positional else n.loc,
                               "%s '%s'%s changed %s from %s to %s" % (what, n.name, where, pos, num(earlier.ordinal), num(n.ordinal)),
                               ("parameters and results are identified by position; add new ones only at the end"
                                if positional else
                                "the ordinal identifies the %s on the wire; keep '%s @%d' and add new %ss with @%d"
                                % (what, n.name, earlier.ordinal, what, next_ordinal)))
                    continue
                if o.name in new_by_name:
                    continue  # the old name moved: reported there
                if _spelling(o.type) != _spelling(n.type):
                    if positional:
                        self.error(n.loc, "%s '%s'%s replaces %s '%s' at position %d with another type ('%s', was '%s')"
                                   % (what, n.name, where, what, o.name, o.ordinal, _spelling(n.type), _spelling(o.type)),
                                   "a position keeps its type forever; keep '%s: %s' and add '%s' at the end"
                                   % (o.name, _spelling(o.type), n.name))
                    else:
                        self.error(n.ordinal_loc, "%s '%s'%s reuses ordinal @%d of %s '%s' with another type ('%s', was '%s')"
                                   % (what, n.name, where, o.ordinal, what, o.name, _spelling(n.type), _spelling(o.type)),
                                   "an ordinal keeps its type forever; keep '%s @%d : %s' (mark it [deprecated]) and give '%s' @%d"
                                   % (o.name, o.ordinal, _spelling(o.type), n.name, next_ordinal))
                    continue
                self.note(n.loc, "%s %s%s renamed from '%s' to '%s' (compatible: the wire uses %ss, "
                          "but generated code changes)"
                          % (what, ("at position %d" if positional else "@%d") % o.ordinal, where, o.name, n.name, pos))
            self.types(o, n, what, where, next_ordinal, positional)
            if not positional:
                if o.deprecated is None and n.deprecated is not None:
                    self.note(n.loc, "%s '%s'%s is now deprecated (compatible)" % (what, n.name, where))

    def types(self, o: _Slot, n: _Slot, what: str, where: str, next_ordinal: int, positional: bool) -> None:
        ot, nt = _spelling(o.type), _spelling(n.type)
        if ot == nt:
            return
        label = "%s '%s'%s" % (what, n.name, where) if what != "stream item" else "stream item%s" % where
        detail = ""
        if o.type is not None and n.type is not None:
            if o.type.kind == "optional" and n.type.kind != "optional" and _spelling(o.type.args[0]) == nt:
                detail = " (optional to required)"
            elif n.type.kind == "optional" and o.type.kind != "optional" and _spelling(n.type.args[0]) == ot:
                detail = " (required to optional)"
        if detail:
            hint = "'?' changes how the value is stored on the wire; keep '%s'" % ot
        elif what == "stream item":
            hint = "a stream's item type is fixed; add a new stream method with the next ordinal @%d" % next_ordinal
        elif positional:
            hint = "the type of a %s is fixed; add a new %s at the end instead" % (what, what)
        else:
            hint = ("a field's type is fixed once published (Cap'n Proto allows no type change among "
                    "actorc's types); add a new field @%d and deprecate this one" % next_ordinal)
        self.error(n.type_loc, "%s changed type from '%s' to '%s'%s" % (label, ot, nt, detail), hint)

    # -- enums ------------------------------------------------------------
    def enum(self, old: ir.Enum, new: ir.Enum) -> None:
        where = " in enum '%s'" % new.name
        new_by_ord = {v.ordinal: v for v in new.values}
        old_by_name = {v.name: v for v in old.values}
        new_by_name = {v.name: v for v in new.values}
        syn = {v.name: v for v in new._syntax.values}
        for o in old.values:
            n = new_by_ord.get(o.ordinal)
            if n is None:
                if o.name in new_by_name:
                    continue
                hint = ("it is [deprecated], but keep it: old data still holds @%d" % o.ordinal
                        if o.deprecated is not None else
                        "old data and old peers still use @%d; keep the value and mark it [deprecated]" % o.ordinal)
                self.error(o.loc, "enum value '%s' (ordinal @%d)%s was removed" % (o.name, o.ordinal, where), hint)
                continue
            if n.name != o.name:
                earlier = old_by_name.get(n.name)
                if earlier is not None:
                    self.error(syn[n.name].ordinal_loc,
                               "enum value '%s'%s changed ordinal from @%d to @%d" % (n.name, where, earlier.ordinal, n.ordinal),
                               "the ordinal is the value on the wire; keep '%s @%d' and add new values with @%d"
                               % (n.name, earlier.ordinal, len(new.values)))
                    continue
                if o.name in new_by_name:
                    continue
                self.note(n.loc, "enum value @%d%s renamed from '%s' to '%s' (compatible: the wire uses ordinals, "
                          "but generated code changes)" % (o.ordinal, where, o.name, n.name))
            if o.deprecated is None and n.deprecated is not None:
                self.note(n.loc, "enum value '%s'%s is now deprecated (compatible)" % (n.name, where))

    # -- actors -----------------------------------------------------------
    def actor(self, old: ir.Actor, new: ir.Actor) -> None:
        where = " in actor '%s'" % new.name
        if old.mailbox.spelling() != new.mailbox.spelling():
            self.note(new.loc, "actor '%s': mailbox changed from %s to %s (compatible: runtime behaviour)"
                      % (new.name, old.mailbox.spelling(), new.mailbox.spelling()))
        new_by_ord = {m.ordinal: m for m in new.methods}
        old_by_name = {m.name: m for m in old.methods}
        new_by_name = {m.name: m for m in new.methods}
        syn = {m.name: m for m in new._syntax.methods}
        old_syn = {m.name: m for m in old._syntax.methods}
        nxt = len(new.methods)
        for o in old.methods:
            n = new_by_ord.get(o.ordinal)
            if n is None:
                if o.name in new_by_name:
                    continue
                hint = ("it is [deprecated], but keep it: old callers may still send @%d" % o.ordinal
                        if o.deprecated is not None else
                        "old callers still send @%d; keep the method and mark it [deprecated]" % o.ordinal)
                self.error(o.loc, "method '%s' (ordinal @%d)%s was removed" % (o.name, o.ordinal, where), hint)
                continue
            ns = syn[n.name]
            if n.name != o.name:
                earlier = old_by_name.get(n.name)
                if earlier is not None:
                    self.error(ns.ordinal_loc,
                               "method '%s'%s changed ordinal from @%d to @%d" % (n.name, where, earlier.ordinal, n.ordinal),
                               "the ordinal identifies the method on the wire; keep '%s @%d' and add new methods with @%d"
                               % (n.name, earlier.ordinal, nxt))
                    continue
                if o.name in new_by_name:
                    continue
                self.note(n.loc, "method @%d%s renamed from '%s' to '%s' (compatible: the wire uses ordinals, "
                          "but generated code changes)" % (o.ordinal, where, o.name, n.name))
            if o.kind != n.kind:
                self.error(ns.kind_loc, "method '%s'%s changed kind from '%s' to '%s'" % (n.name, where, o.kind, n.kind),
                           "peers built from the old schema expect a %s; add a new method @%d instead and deprecate this one"
                           % (_kind_behaviour(o.kind), nxt))
                continue
            mwhere = " of method '%s'" % n.name
            self.slots(_param_slots(o.params, old_syn[o.name].params), _param_slots(n.params, ns.params),
                       "parameter", mwhere, len(n.params.fields), positional=True)
            if o.results is not None and n.results is not None:
                self.slots(_param_slots(o.results, old_syn[o.name].results or []),
                           _param_slots(n.results, ns.results or []),
                           "result", mwhere, len(n.results.fields), positional=True)
            if o.stream_item is not None and n.stream_item is not None:
                self.slots(_item_slots(o, old_syn[o.name]), _item_slots(n, ns), "stream item", mwhere, nxt)
            self.method_notes(o, n, where)

    def method_notes(self, o: ir.Method, n: ir.Method, where: str) -> None:
        label = "method '%s'%s" % (n.name, where)
        if o.timeout_ns != n.timeout_ns:
            self.note(n.loc, "%s: timeout changed from %s to %s (compatible: runtime behaviour)"
                      % (label, format_duration(o.timeout_ns), format_duration(n.timeout_ns)))
        for flag in ("readonly", "reentrant"):
            ov, nv = getattr(o, flag), getattr(n, flag)
            if ov != nv:
                self.note(n.loc, "%s: %s %s (compatible: runtime behaviour)"
                          % (label, "now" if nv else "no longer", flag))
        if o.deprecated is None and n.deprecated is not None:
            self.note(n.loc, "%s is now deprecated (compatible)" % label)


def _kind(decl) -> str:
    return "struct" if isinstance(decl, ir.Struct) else "enum" if isinstance(decl, ir.Enum) else "actor"


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _kind_behaviour(kind: str) -> str:
    return {"call": "single reply", "cast": "one-way message with no reply",
            "stream": "sequence of items"}[kind]


def _struct_slots(s: ir.Struct) -> List[_Slot]:
    syn = {f.name: f for f in s._syntax.fields}
    return [_Slot(f.name, f.ordinal, f.type, f.loc, syn[f.name].ordinal_loc, syn[f.name].type.loc, f.deprecated)
            for f in s.fields]


def _param_slots(s: ir.Struct, params) -> List[_Slot]:
    syn = {p.name: p for p in params}
    return [_Slot(f.name, f.ordinal, f.type, f.loc, f.loc, syn[f.name].type.loc) for f in s.fields]


def _item_slots(m: ir.Method, ms) -> List[_Slot]:
    f = m.stream_item.fields[0]
    loc = ms.stream_type.loc
    return [_Slot("value", 0, f.type, loc, loc, loc)]


@dataclasses.dataclass
class Result:
    ok: bool  # both loaded and nothing breaks
    loaded: bool  # both files loaded without errors
    sink: DiagnosticSink
    sources: Dict[str, str]

    @property
    def breaking(self) -> int:
        return self.sink.error_count if self.loaded else 0


def check(old_path: str, new_path: str, include_dirs: Optional[List[str]] = None) -> Result:
    """Loads OLD and NEW (each with its imports) and compares them."""
    sink = DiagnosticSink()
    old, old_sink, old_sources = model.load(old_path, include_dirs)
    new, new_sink, new_sources = model.load(new_path, include_dirs)
    # OLD and NEW may share imports (or be one file): report each problem once.
    sink.diagnostics = old_sink.diagnostics + [d for d in new_sink.diagnostics if d not in old_sink.diagnostics]
    sources = dict(old_sources)
    sources.update(new_sources)
    if old is None or new is None:
        return Result(False, False, sink, sources)
    _Compat(sink).programs(old, new)
    return Result(not sink.has_errors(), True, sink, sources)

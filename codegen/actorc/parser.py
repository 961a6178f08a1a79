"""Recursive-descent parser: tokens -> syntax.File.

The grammar is in docs/idl.md. A syntax error names what was expected and
what was found; the parser stops at the first syntax error of a file (the
rest of the file would mostly produce follow-on noise).
"""

from typing import List, Optional

from . import lexer as lx
from . import syntax as st
from .diagnostics import CompileError, DiagnosticSink, Location

DECL_KEYWORDS = ("struct", "enum", "actor")
METHOD_KINDS = ("call", "cast", "stream")


class Parser:
    def __init__(self, tokens: List[lx.Token], filename: str, sink: DiagnosticSink) -> None:
        self.toks = tokens
        self.i = 0
        self.file = filename
        self.sink = sink

    # -- token helpers -------------------------------------------------
    @property
    def tok(self) -> lx.Token:
        return self.toks[self.i]

    def _advance(self) -> lx.Token:
        t = self.toks[self.i]
        if t.kind != lx.EOF:
            self.i += 1
        return t

    def _is(self, punct: str) -> bool:
        t = self.toks[self.i]
        return t.kind == lx.PUNCT and t.text == punct

    def _is_kw(self, word: str) -> bool:
        t = self.toks[self.i]
        return t.kind == lx.IDENT and t.text == word

    def _error(self, expected: str, hint: Optional[str] = None, loc: Optional[Location] = None) -> None:
        found = self.tok
        if loc is None:
            loc = found.loc
            prev = self.toks[self.i - 1] if self.i > 0 else None
            # A missing ';' or ')' at the end of a line: point just after the
            # previous token rather than at the start of the next line.
            if prev is not None and (found.kind == lx.EOF or expected == "';'") and prev.loc.line < found.loc.line:
                loc = Location(prev.loc.file, prev.loc.line, prev.loc.column + prev.loc.length, 1)
        self.sink.error(loc, "expected %s, found %s" % (expected, found.describe()), hint)
        raise CompileError("syntax error")

    def _expect(self, punct: str, hint: Optional[str] = None) -> lx.Token:
        t = self.toks[self.i]
        if t.kind != lx.PUNCT or t.text != punct:
            self._error("'%s'" % punct, hint)
        return self._advance()

    def _expect_ident(self, what: str = "a name", hint: Optional[str] = None) -> lx.Token:
        if self.toks[self.i].kind != lx.IDENT:
            self._error(what, hint)
        return self._advance()

    def _expect_ordinal(self, what: str) -> lx.Token:
        if not self._is("@"):
            self._error("'@' and an ordinal", "every %s needs a stable ordinal, e.g. '@0'" % what)
        self._advance()
        if self.tok.kind != lx.INT:
            self._error("an ordinal (a non-negative integer) after '@'")
        return self._advance()

    # -- grammar -------------------------------------------------------
    def parse_file(self) -> st.File:
        doc = self.tok.doc
        if not self._is_kw("package"):
            self._error("'package'", "a file starts with its package, e.g. 'package myr.bank;'")
        self._advance()
        first = self.tok.loc
        package = self._qualified("a package name")
        last = self.toks[self.i - 1].loc
        pkg_loc = Location(first.file, first.line, first.column,
                           last.column + last.length - first.column if last.line == first.line else first.length)
        self._expect(";")
        imports = []
        while self._is_kw("import"):
            self._advance()
            if self.tok.kind != lx.STRING:
                self._error("a file name in quotes", 'e.g. import "common.actor";')
            t = self._advance()
            imports.append(st.Import(t.value, t.loc))
            self._expect(";")
        decls = []
        while self.tok.kind != lx.EOF:
            decls.append(self._declaration())
        return st.File(self.file, package, pkg_loc, imports, decls, doc)

    def _qualified(self, what: str) -> str:
        parts = [self._expect_ident(what).text]
        while self._is("."):
            self._advance()
            parts.append(self._expect_ident(what).text)
        return ".".join(parts)

    def _annotations(self) -> List[st.Annotation]:
        out = []
        while self._is("["):
            self._advance()
            while True:
                name = self._expect_ident("an annotation name")
                value = None
                if self._is("="):
                    self._advance()
                    value = self._annotation_value()
                out.append(st.Annotation(name.text, name.loc, value))
                if self._is(","):
                    self._advance()
                    continue
                self._expect("]")
                break
        return out

    def _annotation_value(self) -> st.AnnotationValue:
        t = self.tok
        if t.kind in (lx.INT, lx.FLOAT, lx.DURATION, lx.STRING):
            self._advance()
            return st.AnnotationValue(t.kind, t.value, t.text, t.loc)
        if t.kind == lx.IDENT:
            self._advance()
            if self._is("("):
                self._advance()
                args = []
                if not self._is(")"):
                    args.append(self._annotation_value())
                    while self._is(","):
                        self._advance()
                        args.append(self._annotation_value())
                self._expect(")")
                return st.AnnotationValue("call", t.text, t.text, t.loc, args)
            return st.AnnotationValue(lx.IDENT, t.text, t.text, t.loc)
        self._error("an annotation value (a number, duration, string or name)")
        raise AssertionError("unreachable")

    def _declaration(self):
        doc = self.tok.doc
        annotations = self._annotations()
        if self._is_kw("struct"):
            return self._struct(doc, annotations)
        if self._is_kw("enum"):
            return self._enum(doc, annotations)
        if self._is_kw("actor"):
            return self._actor(doc, annotations)
        if self._is_kw("import"):
            self._error("'struct', 'enum' or 'actor'", "imports come right after the package line")
        self._error("'struct', 'enum' or 'actor'")

    def _struct(self, doc, annotations) -> st.Struct:
        self._advance()
        name = self._expect_ident("a struct name")
        self._expect("{")
        fields = []
        while not self._is("}"):
            if self.tok.kind == lx.EOF:
                self._error("'}'", "the struct '%s' is not closed" % name.text)
            fdoc = self.tok.doc
            fann = self._annotations()
            fname = self._expect_ident("a field name or '}'")
            ordinal = self._expect_ordinal("field")
            self._expect(":", "a field is written 'name @N : type;'")
            ftype = self._type()
            self._expect(";")
            fields.append(st.Field(fname.text, fname.loc, ordinal.value, ordinal.loc, ftype, fann, fdoc))
        self._advance()
        return st.Struct(name.text, name.loc, fields, annotations, doc)

    def _enum(self, doc, annotations) -> st.Enum:
        self._advance()
        name = self._expect_ident("an enum name")
        self._expect("{")
        values = []
        while not self._is("}"):
            if self.tok.kind == lx.EOF:
                self._error("'}'", "the enum '%s' is not closed" % name.text)
            vdoc = self.tok.doc
            vann = self._annotations()
            vname = self._expect_ident("an enum value name or '}'")
            ordinal = self._expect_ordinal("enum value")
            self._expect(";")
            values.append(st.EnumValue(vname.text, vname.loc, ordinal.value, ordinal.loc, vann, vdoc))
        self._advance()
        return st.Enum(name.text, name.loc, values, annotations, doc)

    def _actor(self, doc, annotations) -> st.Actor:
        self._advance()
        name = self._expect_ident("an actor name")
        self._expect("{")
        methods = []
        while not self._is("}"):
            if self.tok.kind == lx.EOF:
                self._error("'}'", "the actor '%s' is not closed" % name.text)
            methods.append(self._method())
        self._advance()
        return st.Actor(name.text, name.loc, methods, annotations, doc)

    def _method(self) -> st.Method:
        doc = self.tok.doc
        annotations = self._annotations()
        if not (self.tok.kind == lx.IDENT and self.tok.text in METHOD_KINDS):
            self._error("'call', 'cast', 'stream' or '}'")
        kind_tok = self._advance()
        name = self._expect_ident("a method name")
        ordinal = self._expect_ordinal("method")
        params = self._params()
        results = None
        stream_type = None
        arrow_loc = None
        if self._is("->"):
            arrow_loc = self._advance().loc
            if kind_tok.text == "stream":
                self._expect("(", "a stream names its item type: 'stream name @N (...) -> (Item);'")
                stream_type = self._type()
                self._expect(")", "a stream has exactly one item type")
            else:
                results = self._params()
        self._expect(";")
        return st.Method(
            kind_tok.text, name.text, name.loc, kind_tok.loc, ordinal.value, ordinal.loc,
            params, results, stream_type, annotations, doc, arrow_loc,
        )

    def _params(self) -> List[st.Param]:
        self._expect("(")
        out = []
        if not self._is(")"):
            while True:
                pname = self._expect_ident("a parameter name")
                self._expect(":", "a parameter is written 'name: type'")
                out.append(st.Param(pname.text, pname.loc, self._type()))
                if self._is(","):
                    self._advance()
                    continue
                break
        self._expect(")")
        return out

    def _type(self) -> st.TypeExpr:
        t = self.tok
        if t.kind != lx.IDENT:
            self._error("a type")
        nxt = self.toks[self.i + 1]
        if t.text == "optional" and nxt.kind == lx.PUNCT and nxt.text == "<":
            self.sink.error(t.loc, "'optional<T>' is not a type; optional types are written 'T?'",
                            "write the type followed by '?', e.g. 'string?'")
            raise CompileError("syntax error")
        if t.text in ("list", "map") and self.toks[self.i + 1].kind == lx.PUNCT and self.toks[self.i + 1].text == "<":
            self._advance()
            self._advance()
            args = [self._type()]
            if t.text == "map":
                self._expect(",", "a map is written 'map<K, V>'")
                args.append(self._type())
            self._expect(">")
            end = self.toks[self.i - 1].loc
            length = end.column + end.length - t.loc.column if end.line == t.loc.line else t.loc.length
            base = st.TypeExpr(t.text, Location(t.loc.file, t.loc.line, t.loc.column, length), args=args)
        else:
            name = self._qualified("a type")
            end = self.toks[self.i - 1].loc
            length = end.column + end.length - t.loc.column if end.line == t.loc.line else t.loc.length
            base = st.TypeExpr("named", Location(t.loc.file, t.loc.line, t.loc.column, length), name=name)
        if self._is("?"):
            self._advance()
            loc = Location(base.loc.file, base.loc.line, base.loc.column, base.loc.length + 1)
            return st.TypeExpr("optional", loc, args=[base])
        return base


def parse(text: str, filename: str, sink: DiagnosticSink) -> st.File:
    """Parses one file; raises CompileError after reporting a diagnostic."""
    tokens = lx.tokenize(text, filename, sink)
    return Parser(tokens, filename, sink).parse_file()

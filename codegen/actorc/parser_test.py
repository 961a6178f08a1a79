"""Unit tests of the parser (parser.py): the syntax tree of every kind of
declaration, types and annotations, and the exact text and position of
syntax errors (the parser stops at the first one in a file).

    bazel test //codegen:parser_test   or   python3 codegen/actorc/parser_test.py
"""

import os
import sys
import unittest

# codegen/ on sys.path when run from the source tree (Bazel puts it there).
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from actorc import parser  # noqa: E402
from actorc import syntax as st  # noqa: E402
from actorc.diagnostics import CompileError, DiagnosticSink  # noqa: E402


def parse(text):
    return parser.parse(text, "p.actor", DiagnosticSink())


def decl(body):
    """The one declaration of `package p;` + body."""
    [d] = parse("package p;\n" + body).declarations
    return d


def field_type(type_text):
    """The TypeExpr of a field written `x @0 : <type_text>;`."""
    return decl("struct S { x @0 : %s; }" % type_text).fields[0].type


def syntax_error(text):
    """The one diagnostic parsing `text` reports: (line, column, length, message, hint)."""
    sink = DiagnosticSink()
    try:
        parser.parse(text, "p.actor", sink)
    except CompileError:
        pass
    else:
        raise AssertionError("no syntax error in %r" % text)
    [d] = sink.diagnostics
    return (d.line, d.column, d.location.length, d.message, d.hint)


def at(loc):
    return (loc.line, loc.column, loc.length)


class FileHeader(unittest.TestCase):
    def test_the_package_name_is_dotted_and_located_as_one_span(self):
        f = parse("package myr.bank.v2;\n")
        self.assertEqual((f.filename, f.package, at(f.package_loc)), ("p.actor", "myr.bank.v2", (1, 9, 11)))
        self.assertEqual(f.declarations, [])

    def test_imports_follow_the_package_in_order(self):
        f = parse('package p;\nimport "a.actor";\nimport "lib/b.actor";\n')
        self.assertEqual([(i.path, at(i.loc)) for i in f.imports], [("a.actor", (2, 8, 9)), ("lib/b.actor", (3, 8, 13))])

    def test_doc_lines_before_the_package_document_the_file(self):
        f = parse("/// The file.\n/// Second line.\npackage p;\n/// A struct.\nstruct S {}")
        self.assertEqual(f.doc, ["The file.", "Second line."])
        self.assertEqual(f.declarations[0].doc, ["A struct."])


class Declarations(unittest.TestCase):
    def test_a_struct_holds_its_fields_with_ordinals_types_docs_and_annotations(self):
        s = decl("/// Money.\nstruct Money {\n  /// Minor units.\n  minor @1 : int64;\n"
                 "  [deprecated] currency @0 : string?;\n}")
        self.assertIsInstance(s, st.Struct)
        self.assertEqual((s.name, at(s.loc), s.doc, s.annotations), ("Money", (3, 8, 5), ["Money."], []))
        self.assertEqual([(f.name, f.ordinal, f.type.kind, f.doc, [a.name for a in f.annotations]) for f in s.fields],
                         [("minor", 1, "named", ["Minor units."], []), ("currency", 0, "optional", None, ["deprecated"])])
        self.assertEqual((at(s.fields[0].loc), at(s.fields[0].ordinal_loc)), ((5, 3, 5), (5, 10, 1)))

    def test_an_empty_struct_is_syntactically_fine(self):
        self.assertEqual(decl("struct Empty {}").fields, [])

    def test_an_enum_holds_its_values_in_source_order(self):
        e = decl('enum Color {\n  red @0;\n  /// Blue.\n  [deprecated = "use red"] blue @1;\n}')
        self.assertIsInstance(e, st.Enum)
        self.assertEqual([(v.name, v.ordinal, v.doc) for v in e.values], [("red", 0, None), ("blue", 1, ["Blue."])])
        self.assertEqual(e.values[1].annotations[0].value.value, "use red")
        self.assertEqual(at(e.values[1].ordinal_loc), (5, 34, 1))

    def test_an_actor_holds_call_cast_and_stream_methods(self):
        a = decl("actor A {\n  call get @0 (key: string) -> (value: bytes?, found: bool);\n"
                 "  cast put @1 (key: string, value: bytes);\n"
                 "  stream watch @2 (prefix: string) -> (string);\n  call ping @3 ();\n}")
        self.assertIsInstance(a, st.Actor)
        self.assertEqual([(m.kind, m.name, m.ordinal) for m in a.methods],
                         [("call", "get", 0), ("cast", "put", 1), ("stream", "watch", 2), ("call", "ping", 3)])
        get, put, watch, ping = a.methods
        self.assertEqual([(p.name, p.type.name) for p in get.params], [("key", "string")])
        self.assertEqual([(r.name, r.type.kind) for r in get.results], [("value", "optional"), ("found", "named")])
        self.assertIsNone(put.results)
        self.assertIsNone(put.arrow_loc)
        self.assertEqual((watch.results, watch.stream_type.name), (None, "string"))
        self.assertEqual((ping.params, ping.results, ping.stream_type), ([], None, None))
        self.assertEqual((at(get.loc), at(get.kind_loc), at(get.ordinal_loc)), ((3, 8, 3), (3, 3, 4), (3, 13, 1)))

    def test_results_on_a_cast_and_a_stream_without_an_item_are_left_to_the_checker(self):
        a = decl("actor A {\n  cast c @0 () -> (x: int32);\n  stream s @1 ();\n}")
        self.assertEqual(([r.name for r in a.methods[0].results], at(a.methods[0].arrow_loc)), (["x"], (3, 16, 2)))
        self.assertIsNone(a.methods[1].stream_type)

    def test_declarations_keep_their_source_order(self):
        f = parse("package p;\nactor A { call f @0 (); }\nstruct S {}\nenum E { a @0; }")
        self.assertEqual([(type(d).__name__, d.name) for d in f.declarations],
                         [("Actor", "A"), ("Struct", "S"), ("Enum", "E")])


class Types(unittest.TestCase):
    def test_a_named_type_may_be_qualified_and_spans_every_part(self):
        t = field_type("myr.common.Money")
        self.assertEqual((t.kind, t.name, at(t.loc)), ("named", "myr.common.Money", (2, 19, 16)))

    def test_lists_and_maps_nest(self):
        t = field_type("map<string, list<list<int32>>>")
        self.assertEqual((t.kind, at(t.loc)), ("map", (2, 19, 30)))
        key, value = t.args
        self.assertEqual((key.kind, key.name), ("named", "string"))
        self.assertEqual((value.kind, value.args[0].kind, value.args[0].args[0].name), ("list", "list", "int32"))

    def test_a_question_mark_wraps_the_type_in_an_optional_one_column_longer(self):
        t = field_type("list<bytes>?")
        self.assertEqual((t.kind, at(t.loc), t.args[0].kind, at(t.args[0].loc)), ("optional", (2, 19, 12), "list", (2, 19, 11)))

    def test_list_and_map_are_ordinary_names_without_angle_brackets(self):
        self.assertEqual((field_type("list").kind, field_type("map").name), ("named", "map"))

    def test_nested_optionals_parse_so_that_the_checker_can_explain_them(self):
        t = field_type("list<int32?>")
        self.assertEqual((t.kind, t.args[0].kind), ("list", "optional"))


class Annotations(unittest.TestCase):
    def values(self, text):
        """(name, value kind, value, text) of each annotation of a struct."""
        out = []
        for a in decl(text + " struct S {}").annotations:
            v = a.value
            out.append((a.name, None, None, None) if v is None else (a.name, v.kind, v.value, v.text))
        return out

    def test_an_annotation_may_carry_a_number_duration_string_or_name(self):
        self.assertEqual(self.values('[a, b = 7, c = 0x10, d = 1.5, e = 250ms, f = "why", g = drop_new]'), [
            ("a", None, None, None), ("b", "integer", 7, "7"), ("c", "integer", 16, "0x10"),
            ("d", "float", 1.5, "1.5"), ("e", "duration", 250_000_000, "250ms"),
            ("f", "string", "why", '"why"'), ("g", "identifier", "drop_new", "drop_new")])

    def test_a_call_value_holds_its_arguments(self):
        [ann] = decl("[mailbox = bounded(1024, drop_old)] actor A { call f @0 (); }").annotations
        v = ann.value
        self.assertEqual((v.kind, v.value, [(x.kind, x.value) for x in v.args]),
                         ("call", "bounded", [("integer", 1024), ("identifier", "drop_old")]))
        self.assertEqual(decl("[x = f()] struct S {}").annotations[0].value.args, [])

    def test_several_bracket_groups_add_up(self):
        self.assertEqual([n for n, *_ in self.values("[a] [b, c]")], ["a", "b", "c"])

    def test_method_annotations_keep_their_positions_and_values(self):
        a = decl("actor A {\n  [readonly, timeout = 2s] call f @0 ();\n}")
        self.assertEqual([(x.name, at(x.loc)) for x in a.methods[0].annotations], [("readonly", (3, 4, 8)), ("timeout", (3, 14, 7))])
        self.assertEqual(a.methods[0].annotations[1].value.value, 2_000_000_000)


class SyntaxErrors(unittest.TestCase):
    def test_a_file_must_start_with_its_package(self):
        hint = "a file starts with its package, e.g. 'package myr.bank;'"
        self.assertEqual(syntax_error("struct A {}"), (1, 1, 6, "expected 'package', found identifier 'struct'", hint))
        self.assertEqual(syntax_error(""), (1, 1, 1, "expected 'package', found end of file", hint))

    def test_a_missing_semicolon_is_reported_just_after_the_previous_token(self):
        self.assertEqual(syntax_error("package p\nstruct A {}"),
                         (1, 10, 1, "expected ';', found identifier 'struct'", None))
        self.assertEqual(syntax_error("package p;\nstruct A {\n  x @0 : int32\n}\n"),
                         (3, 15, 1, "expected ';', found '}'", None))

    def test_a_missing_semicolon_on_the_same_line_is_reported_at_the_next_token(self):
        self.assertEqual(syntax_error("package p;\nstruct A { x @0 : int32 }"),
                         (2, 25, 1, "expected ';', found '}'", None))

    def test_a_bad_package_name_says_what_was_found(self):
        self.assertEqual(syntax_error("package 1;"), (1, 9, 1, "expected a package name, found integer 1", None))
        self.assertEqual(syntax_error("package p.;"), (1, 11, 1, "expected a package name, found ';'", None))

    def test_an_import_needs_a_quoted_path_and_comes_before_declarations(self):
        self.assertEqual(syntax_error("package p;\nimport x;"),
                         (2, 8, 1, "expected a file name in quotes, found identifier 'x'", 'e.g. import "common.actor";'))
        self.assertEqual(syntax_error('package p;\nstruct A {}\nimport "x.actor";'),
                         (3, 1, 6, "expected 'struct', 'enum' or 'actor', found identifier 'import'",
                          "imports come right after the package line"))

    def test_an_unknown_declaration_keyword_is_named(self):
        self.assertEqual(syntax_error("package p;\nclass A {}"),
                         (2, 1, 5, "expected 'struct', 'enum' or 'actor', found identifier 'class'", None))

    def test_a_field_needs_an_ordinal_a_colon_and_a_type(self):
        self.assertEqual(syntax_error("package p;\nstruct A { x : int32; }"),
                         (2, 14, 1, "expected '@' and an ordinal, found ':'", "every field needs a stable ordinal, e.g. '@0'"))
        self.assertEqual(syntax_error("package p;\nstruct A { x @ : int32; }"),
                         (2, 16, 1, "expected an ordinal (a non-negative integer) after '@', found ':'", None))
        self.assertEqual(syntax_error("package p;\nstruct A { x @0 int32; }"),
                         (2, 17, 5, "expected ':', found identifier 'int32'", "a field is written 'name @N : type;'"))
        self.assertEqual(syntax_error("package p;\nstruct A { x @0 : ; }"), (2, 19, 1, "expected a type, found ';'", None))
        self.assertEqual(syntax_error("package p;\nstruct A { @0 : int32; }"),
                         (2, 12, 1, "expected a field name or '}', found '@'", None))

    def test_an_unclosed_declaration_names_itself(self):
        for body, what in (("struct A { x @0 : int32;", "the struct 'A' is not closed"),
                           ("enum A { a @0;", "the enum 'A' is not closed"),
                           ("actor A { call f @0 ();", "the actor 'A' is not closed")):
            with self.subTest(body):
                line, _, _, message, hint = syntax_error("package p;\n" + body)
                self.assertEqual((line, message, hint), (2, "expected '}', found end of file", what))

    def test_optional_is_written_with_a_question_mark(self):
        self.assertEqual(syntax_error("package p;\nstruct A { x @0 : optional<int32>; }"),
                         (2, 19, 8, "'optional<T>' is not a type; optional types are written 'T?'",
                          "write the type followed by '?', e.g. 'string?'"))

    def test_a_map_needs_a_comma_and_a_list_its_closing_bracket(self):
        self.assertEqual(syntax_error("package p;\nstruct A { x @0 : map<int32 string>; }"),
                         (2, 29, 6, "expected ',', found identifier 'string'", "a map is written 'map<K, V>'"))
        self.assertEqual(syntax_error("package p;\nstruct A { x @0 : list<int32; }"),
                         (2, 29, 1, "expected '>', found ';'", None))

    def test_a_method_starts_with_its_kind(self):
        self.assertEqual(syntax_error("package p;\nactor A { method f @0 (); }"),
                         (2, 11, 6, "expected 'call', 'cast', 'stream' or '}', found identifier 'method'", None))

    def test_a_parameter_is_a_name_a_colon_and_a_type(self):
        self.assertEqual(syntax_error("package p;\nactor A { call f @0 (a int32); }"),
                         (2, 24, 5, "expected ':', found identifier 'int32'", "a parameter is written 'name: type'"))

    def test_a_stream_names_exactly_one_item_type_in_parentheses(self):
        self.assertEqual(syntax_error("package p;\nactor A { stream s @0 () -> T; }"),
                         (2, 29, 1, "expected '(', found identifier 'T'",
                          "a stream names its item type: 'stream name @N (...) -> (Item);'"))
        self.assertEqual(syntax_error("package p;\nactor A { stream s @0 () -> (T, U); }"),
                         (2, 31, 1, "expected ')', found ','", "a stream has exactly one item type"))

    def test_an_annotation_value_must_be_a_value(self):
        self.assertEqual(syntax_error("package p;\n[timeout = ;] actor A {}"),
                         (2, 12, 1, "expected an annotation value (a number, duration, string or name), found ';'", None))
        self.assertEqual(syntax_error("package p;\n[a b] struct A {}"), (2, 4, 1, "expected ']', found identifier 'b'", None))

    def test_lexical_errors_surface_through_the_parser(self):
        self.assertEqual(syntax_error("package p;\nstruct A { x @0 : int32; } $"),
                         (2, 28, 1, "unexpected character '$'", None))

    def test_parsing_stops_at_the_first_syntax_error_of_a_file(self):
        sink = DiagnosticSink()
        with self.assertRaises(CompileError):
            parser.parse("package p;\nstruct A { x @0 int32; }\nstruct B { y : int32; }\n", "p.actor", sink)
        self.assertEqual([d.message for d in sink.diagnostics], ["expected ':', found identifier 'int32'"])

    def test_a_syntax_error_renders_with_its_line_and_a_caret(self):
        text = "package p;\nstruct A {\n  x @0 : int32\n}\n"
        sink = DiagnosticSink()
        with self.assertRaises(CompileError):
            parser.parse(text, "p.actor", sink)
        self.assertEqual(sink.render({"p.actor": text}),
                         "p.actor:3:15: error: expected ';', found '}'\n  x @0 : int32\n              ^")


if __name__ == "__main__":
    unittest.main()

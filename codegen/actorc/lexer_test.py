"""Unit tests of the lexer (lexer.py): every token kind with its position,
comments and doc comments, string escapes, numbers and durations, and the
exact diagnostic (text, position, hint) of every lexical error.

    bazel test //codegen:lexer_test   or   python3 codegen/actorc/lexer_test.py
"""

import os
import sys
import unittest

# codegen/ on sys.path when run from the source tree (Bazel puts it there).
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from actorc import lexer  # noqa: E402
from actorc.diagnostics import CompileError, DiagnosticSink  # noqa: E402

NUMBER_HINT = ("numbers are decimal (42), hexadecimal (0x2a) or floats (1.5); "
               "durations take a unit: ns, us, ms, s, m, h (e.g. 5s, 250ms)")


def lex(text):
    return lexer.tokenize(text, "t.actor", DiagnosticSink())


def spans(text):
    """(kind, text, line, column, length) of every token, EOF included."""
    return [(t.kind, t.text, t.loc.line, t.loc.column, t.loc.length) for t in lex(text)]


def lex_error(text):
    """The one diagnostic lexing `text` reports: (line, column, length, message, hint)."""
    sink = DiagnosticSink()
    try:
        lexer.tokenize(text, "t.actor", sink)
    except CompileError:
        pass
    else:
        raise AssertionError("no error lexing %r" % text)
    [d] = sink.diagnostics
    return (d.line, d.column, d.location.length, d.message, d.hint)


class TokenKindsAndPositions(unittest.TestCase):
    def test_every_token_carries_its_line_column_and_length(self):
        self.assertEqual(spans('package a.b;\n  x @12 : "s" 1.5 5s'), [
            ("identifier", "package", 1, 1, 7), ("identifier", "a", 1, 9, 1), ("punct", ".", 1, 10, 1),
            ("identifier", "b", 1, 11, 1), ("punct", ";", 1, 12, 1),
            ("identifier", "x", 2, 3, 1), ("punct", "@", 2, 5, 1), ("integer", "12", 2, 6, 2),
            ("punct", ":", 2, 9, 1), ("string", '"s"', 2, 11, 3), ("float", "1.5", 2, 15, 3),
            ("duration", "5s", 2, 19, 2), ("end of file", "", 2, 21, 1),
        ])

    def test_every_punctuation_mark_is_one_token(self):
        marks = ["->", "{", "}", "(", ")", "[", "]", "<", ">", ",", ";", ":", "=", "@", "?", "."]
        toks = lex(" ".join(marks))
        self.assertEqual([(t.kind, t.text) for t in toks[:-1]], [("punct", m) for m in marks])
        self.assertEqual(toks[0].loc.length, 2)

    def test_an_arrow_is_read_before_a_lone_greater_than(self):
        self.assertEqual([t.text for t in lex("->>")[:-1]], ["->", ">"])

    def test_identifiers_may_hold_digits_and_underscores(self):
        self.assertEqual(spans("a_b9 _x Z")[:3], [("identifier", "a_b9", 1, 1, 4), ("identifier", "_x", 1, 6, 2),
                                                  ("identifier", "Z", 1, 9, 1)])

    def test_keywords_are_plain_identifiers(self):
        self.assertEqual({t.kind for t in lex("package import struct enum actor call cast stream list map")[:-1]},
                         {"identifier"})

    def test_a_tab_counts_as_one_column(self):
        self.assertEqual(spans("a\tb")[1], ("identifier", "b", 1, 3, 1))

    def test_lines_are_counted_across_blank_lines_and_crlf(self):
        self.assertEqual(spans("x\n\n   y\r\nz")[:3], [("identifier", "x", 1, 1, 1), ("identifier", "y", 3, 4, 1),
                                                      ("identifier", "z", 4, 1, 1)])

    def test_end_of_file_sits_just_after_the_last_character(self):
        self.assertEqual(spans("x\n"), [("identifier", "x", 1, 1, 1), ("end of file", "", 2, 1, 1)])
        self.assertEqual(spans(""), [("end of file", "", 1, 1, 1)])

    def test_positions_stay_right_after_tokens_read_character_by_character(self):
        # Strings, block comments and non-ASCII text take the lexer's slow path.
        self.assertEqual(spans('"\u00e9" /* a\nb */ y "z" w')[1:4], [
            ("identifier", "y", 2, 6, 1), ("string", '"z"', 2, 8, 3), ("identifier", "w", 2, 12, 1)])

    def test_tokens_describe_themselves_for_error_messages(self):
        toks = lex('x ; 12 1.5 5s "s"')
        self.assertEqual([t.describe() for t in toks], [
            "identifier 'x'", "';'", "integer 12", "float 1.5", "duration 5s", 'string "s"', "end of file"])


class Comments(unittest.TestCase):
    def test_line_and_block_comments_are_skipped(self):
        self.assertEqual([t.text for t in lex("a // b c\nd /* e\nf */ g")[:-1]], ["a", "d", "g"])

    def test_a_block_comment_does_not_nest(self):
        # The first '*/' ends it: the second is stray text.
        self.assertEqual([t.text for t in lex("/* a /* b */ c")[:-1]], ["c"])
        self.assertEqual(lex_error("/* a /* b */ c */"), (1, 16, 1, "unexpected character '*'", None))

    def test_doc_comment_lines_attach_to_the_next_token(self):
        toks = lex("/// first\n///second\nstruct x")
        self.assertEqual((toks[0].text, toks[0].doc), ("struct", ["first", "second"]))
        self.assertIsNone(toks[1].doc)

    def test_one_space_after_the_slashes_is_dropped_and_the_rest_kept(self):
        self.assertEqual(lex("///  two\n///\n/// a\r\nx")[0].doc, [" two", "", "a"])

    def test_four_slashes_make_an_ordinary_comment(self):
        self.assertIsNone(lex("//// not doc\nx")[0].doc)

    def test_ordinary_comments_between_doc_lines_and_their_token_are_ignored(self):
        self.assertEqual(lex("/// a\n// plain\n/* block */\nstruct")[0].doc, ["a"])

    def test_doc_lines_at_the_end_of_the_file_attach_to_end_of_file(self):
        toks = lex("x\n/// trailing")
        self.assertEqual((toks[-1].kind, toks[-1].doc), ("end of file", ["trailing"]))


class Strings(unittest.TestCase):
    def test_a_string_token_keeps_its_quotes_and_its_value_has_the_escapes_resolved(self):
        t = lex(r'"a\nb\tc\\d\"e"')[0]
        self.assertEqual((t.kind, t.text, t.value), ("string", r'"a\nb\tc\\d\"e"', 'a\nb\tc\\d"e'))
        self.assertEqual(t.loc.length, 15)

    def test_strings_may_hold_any_unicode_text(self):
        self.assertEqual(lex('"r\u00e9sum\u00e9 \u2713"')[0].value, "r\u00e9sum\u00e9 \u2713")

    def test_the_empty_string_is_a_string(self):
        self.assertEqual((lex('""')[0].value, lex('""')[0].loc.length), ("", 2))

    def test_an_unknown_escape_is_reported_at_its_backslash(self):
        self.assertEqual(lex_error(r'x "a\q"'), (1, 5, 2, r"unknown escape sequence '\q'",
                                                 r'known escapes: \n \t \\ \"'))

    def test_a_string_must_end_on_its_line(self):
        hint = "close the string with '\"' on the same line"
        self.assertEqual(lex_error('"abc\nx"'), (1, 1, 4, "unterminated string literal", hint))
        self.assertEqual(lex_error('  "abc'), (1, 3, 4, "unterminated string literal", hint))


class Numbers(unittest.TestCase):
    def test_decimal_and_hexadecimal_integers(self):
        self.assertEqual([(t.kind, t.value) for t in lex("0 42 0x2a 0X2A 18446744073709551615")[:-1]],
                         [("integer", 0), ("integer", 42), ("integer", 42), ("integer", 42),
                          ("integer", 2**64 - 1)])

    def test_floats_with_and_without_an_exponent(self):
        self.assertEqual([(t.kind, t.value) for t in lex("1.5 0.25 2.0e3 2.5E2")[:-1]],
                         [("float", 1.5), ("float", 0.25), ("float", 2000.0), ("float", 250.0)])

    def test_durations_are_stored_in_nanoseconds(self):
        toks = lex("10ns 3us 250ms 5s 2m 1h 1.5s 0.5ms 0s")
        self.assertEqual([t.value for t in toks[:-1]],
                         [10, 3000, 250_000_000, 5_000_000_000, 120_000_000_000, 3_600_000_000_000,
                          1_500_000_000, 500_000, 0])
        self.assertEqual({t.kind for t in toks[:-1]}, {"duration"})

    def test_a_malformed_number_is_reported_whole_with_the_number_forms(self):
        for text in ("0x", "012", "1.", "1e5", "5sec", "1_000", "0x1.5"):
            with self.subTest(text):
                self.assertEqual(lex_error("a " + text + " b"),
                                 (1, 3, len(text), "bad number literal '%s'" % text, NUMBER_HINT))

    def test_a_minus_sign_is_not_part_of_a_number(self):
        self.assertEqual(lex_error("-1"), (1, 1, 1, "unexpected character '-'", None))


class OtherErrors(unittest.TestCase):
    def test_an_unexpected_character_is_reported_where_it_stands(self):
        self.assertEqual(lex_error("struct A {\n  x $ y"), (2, 5, 1, "unexpected character '$'", None))

    def test_identifiers_are_ascii_only(self):
        self.assertEqual(lex_error("caf\u00e9"), (1, 4, 1, "unexpected character '\u00e9'", None))

    def test_an_unterminated_block_comment_is_reported_at_its_start(self):
        self.assertEqual(lex_error("a\n  /* never closed"),
                         (2, 3, 2, "unterminated comment", "a '/*' comment ends with '*/'"))

    def test_the_first_error_stops_the_lexer(self):
        sink = DiagnosticSink()
        with self.assertRaises(CompileError):
            lexer.tokenize("x 12abc $ 0x", "t.actor", sink)
        self.assertEqual([(d.file, d.line, d.column, d.message) for d in sink.diagnostics],
                         [("t.actor", 1, 3, "bad number literal '12abc'")])


if __name__ == "__main__":
    unittest.main()

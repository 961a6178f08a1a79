"""The .actor lexer: text -> tokens with file/line/column.

Comments: `// ...` (ignored), `/* ... */` (ignored, not nested) and
`/// ...` doc comments. Consecutive doc-comment lines are attached to the
next token (Token.doc), which the parser hands to the declaration that
starts there.
"""

import dataclasses
import re
from typing import List, Optional

from .diagnostics import CompileError, DiagnosticSink, Location

IDENT = "identifier"
INT = "integer"
FLOAT = "float"
DURATION = "duration"
STRING = "string"
PUNCT = "punct"
EOF = "end of file"

# Longest first.
_PUNCT = ["->", "{", "}", "(", ")", "[", "]", "<", ">", ",", ";", ":", "=", "@", "?", "."]

# Duration units in nanoseconds.
DURATION_UNITS = {"ns": 1, "us": 1000, "ms": 1000000, "s": 1000000000, "m": 60 * 1000000000, "h": 3600 * 1000000000}

_IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# A number-like run: digits, letters, underscores and dots (validated below).
_NUMBER_RUN_RE = re.compile(r"[0-9][0-9A-Za-z_.]*")
_DEC_RE = re.compile(r"(0|[1-9][0-9]*)\Z")
_HEX_RE = re.compile(r"0[xX][0-9a-fA-F]+\Z")
_FLOAT_RE = re.compile(r"(0|[1-9][0-9]*)\.[0-9]+([eE][+-]?[0-9]+)?\Z")
_DURATION_RE = re.compile(r"((?:0|[1-9][0-9]*)(?:\.[0-9]+)?)(ns|us|ms|s|m|h)\Z")


def _location(file: str, line: int, column: int, length: int) -> Location:
    """Location(file, line, column, length), built without the frozen
    dataclass's __init__ (which goes through object.__setattr__ per field
    and is the lexer's biggest cost): the same object, about twice as fast."""
    loc = _new_object(Location)
    loc.__dict__.update(file=file, line=line, column=column, length=length)
    return loc


_new_object = object.__new__
if not hasattr(Location("", 1, 1), "__dict__"):  # a slotted Location: no shortcut
    _location = Location  # noqa: F811

# The fast path of Lexer.tokenize: whitespace then a comment other than
# /* */, an identifier, a number-like run or punctuation (ASCII only;
# everything else takes the slow path, which reports errors).
_WS_RE = re.compile(r"[ \t\r\f\n]+")
_FAST_RE = re.compile(
    r"[ \t\r\f\n]*(?:"
    r"(?P<doc>///(?!/)[^\n]*)"
    r"|(?P<comment>//[^\n]*)"
    r"|(?P<ident>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<number>[0-9][0-9A-Za-z_.]*)"
    r"|(?P<punct>->|[{}()\[\]<>,;:=@?.]))")


@dataclasses.dataclass
class Token:
    kind: str
    text: str
    loc: Location
    value: object = None
    doc: Optional[List[str]] = None

    def describe(self) -> str:
        """How the token is named in 'expected X, found Y' messages."""
        if self.kind == EOF:
            return "end of file"
        if self.kind == PUNCT:
            return "'%s'" % self.text
        if self.kind == IDENT:
            return "identifier '%s'" % self.text
        if self.kind == STRING:
            return "string %s" % self.text
        return "%s %s" % (self.kind, self.text)


class Lexer:
    def __init__(self, text: str, filename: str, sink: DiagnosticSink) -> None:
        self.text = text
        self.file = filename
        self.sink = sink
        self.pos = 0
        self.line = 1
        self.line_start = 0

    def _loc(self, pos: int, length: int = 1) -> Location:
        return Location(self.file, self.line, pos - self.line_start + 1, max(length, 1))

    def _fail(self, pos: int, length: int, message: str, hint: Optional[str] = None) -> None:
        self.sink.error(self._loc(pos, length), message, hint)
        raise CompileError(message)

    def tokenize(self) -> List[Token]:
        """Returns all tokens (ending with EOF) or raises CompileError.

        The common tokens and trivia are matched by one regular expression
        (_FAST_RE); anything else (strings, block comments, errors, non-ASCII
        characters) goes the character-by-character way (_next_token)."""
        text = self.text
        n = len(text)
        tokens: List[Token] = []
        append = tokens.append
        doc: List[str] = []
        match = _FAST_RE.match
        file = self.file
        pos = self.pos
        line = self.line
        line_start = self.line_start
        while True:
            m = match(text, pos)
            if m is not None:
                kind = m.lastgroup
                start = m.start(kind)
                if start != pos:  # leading whitespace
                    nl = text.count("\n", pos, start)
                    if nl:
                        line += nl
                        line_start = text.rfind("\n", pos, start) + 1
                    pos = start
                end = m.end()
                if kind == "doc":
                    l = text[pos + 3 : end].rstrip("\r")
                    doc.append(l[1:] if l.startswith(" ") else l)
                    pos = end
                    continue
                if kind == "comment":
                    pos = end
                    continue
                if kind == "ident":
                    tok = Token(IDENT, m.group(kind), _location(file, line, pos - line_start + 1, end - pos))
                elif kind == "punct":
                    tok = Token(PUNCT, m.group(kind), _location(file, line, pos - line_start + 1, end - pos))
                else:  # a number-like run
                    self.line, self.line_start = line, line_start
                    tok = self._number(pos, m.group(kind))
                pos = end
            else:
                # Whitespace before block comments, strings, EOF and errors.
                w = _WS_RE.match(text, pos)
                if w is not None:
                    end = w.end()
                    nl = text.count("\n", pos, end)
                    if nl:
                        line += nl
                        line_start = text.rfind("\n", pos, end) + 1
                    pos = end
                # Block comments, strings, EOF and errors: the slow path.
                self.pos, self.line, self.line_start = pos, line, line_start
                if pos < n and text.startswith("/*", pos):
                    end = text.find("*/", pos + 2)
                    if end < 0:
                        self._fail(pos, 2, "unterminated comment", "a '/*' comment ends with '*/'")
                    nl = text.count("\n", pos, end)
                    if nl:
                        line += nl
                        line_start = text.rfind("\n", pos, end) + 1
                    pos = end + 2
                    continue
                if pos >= n:
                    append(Token(EOF, "", self._loc(pos), doc=doc or None))
                    return tokens
                tok = self._next_token()
                pos = self.pos
            if doc:
                tok.doc = doc
                doc = []
            append(tok)

    def _next_token(self) -> Token:
        text = self.text
        start = self.pos
        c = text[start]
        if c.isalpha() or c == "_":
            m = _IDENT_RE.match(text, start)
            if m and m.end() > start:
                self.pos = m.end()
                return Token(IDENT, m.group(0), self._loc(start, m.end() - start))
        if c.isdigit():
            m = _NUMBER_RUN_RE.match(text, start)
            run = m.group(0)
            self.pos = m.end()
            return self._number(start, run)
        if c == '"':
            return self._string(start)
        for p in _PUNCT:
            if text.startswith(p, start):
                self.pos = start + len(p)
                return Token(PUNCT, p, self._loc(start, len(p)))
        self._fail(start, 1, "unexpected character '%s'" % c)
        raise AssertionError("unreachable")

    def _number(self, start: int, run: str) -> Token:
        """The token of a number-like run (INT, FLOAT or DURATION)."""
        loc = self._loc(start, len(run))
        if _DEC_RE.match(run):
            return Token(INT, run, loc, int(run))
        if _HEX_RE.match(run):
            return Token(INT, run, loc, int(run, 16))
        if _FLOAT_RE.match(run):
            return Token(FLOAT, run, loc, float(run))
        dm = _DURATION_RE.match(run)
        if dm:
            ns = round(float(dm.group(1)) * DURATION_UNITS[dm.group(2)])
            return Token(DURATION, run, loc, ns)
        self._fail(
            start,
            len(run),
            "bad number literal '%s'" % run,
            "numbers are decimal (42), hexadecimal (0x2a) or floats (1.5); "
            "durations take a unit: ns, us, ms, s, m, h (e.g. 5s, 250ms)",
        )
        raise AssertionError("unreachable")

    def _string(self, start: int) -> Token:
        text = self.text
        i = start + 1
        out = []
        escapes = {"n": "\n", "t": "\t", "\\": "\\", '"': '"'}
        while True:
            if i >= len(text) or text[i] == "\n":
                self._fail(start, i - start, "unterminated string literal", "close the string with '\"' on the same line")
            ch = text[i]
            if ch == '"':
                break
            if ch == "\\":
                nxt = text[i + 1] if i + 1 < len(text) else ""
                if nxt not in escapes:
                    self._fail(i, 2, "unknown escape sequence '\\%s'" % nxt, "known escapes: \\n \\t \\\\ \\\"")
                out.append(escapes[nxt])
                i += 2
                continue
            out.append(ch)
            i += 1
        self.pos = i + 1
        return Token(STRING, text[start : i + 1], self._loc(start, i + 1 - start), "".join(out))


def tokenize(text: str, filename: str, sink: DiagnosticSink) -> List[Token]:
    return Lexer(text, filename, sink).tokenize()

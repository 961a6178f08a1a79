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
        """Returns all tokens (ending with EOF) or raises CompileError."""
        text = self.text
        n = len(text)
        tokens: List[Token] = []
        doc: List[str] = []
        while True:
            # Whitespace and comments.
            while self.pos < n:
                c = text[self.pos]
                if c == "\n":
                    self.pos += 1
                    self.line += 1
                    self.line_start = self.pos
                elif c in " \t\r\f":
                    self.pos += 1
                elif text.startswith("///", self.pos) and not text.startswith("////", self.pos):
                    end = text.find("\n", self.pos)
                    end = n if end < 0 else end
                    line = text[self.pos + 3 : end].rstrip("\r")
                    doc.append(line[1:] if line.startswith(" ") else line)
                    self.pos = end
                elif text.startswith("//", self.pos):
                    end = text.find("\n", self.pos)
                    self.pos = n if end < 0 else end
                elif text.startswith("/*", self.pos):
                    end = text.find("*/", self.pos + 2)
                    if end < 0:
                        self._fail(self.pos, 2, "unterminated comment", "a '/*' comment ends with '*/'")
                    for i in range(self.pos, end):
                        if text[i] == "\n":
                            self.line += 1
                            self.line_start = i + 1
                    self.pos = end + 2
                else:
                    break
            if self.pos >= n:
                tokens.append(Token(EOF, "", self._loc(self.pos), doc=doc or None))
                return tokens
            tok = self._next_token()
            if doc:
                tok.doc = doc
                doc = []
            tokens.append(tok)

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
        if c == '"':
            return self._string(start)
        for p in _PUNCT:
            if text.startswith(p, start):
                self.pos = start + len(p)
                return Token(PUNCT, p, self._loc(start, len(p)))
        self._fail(start, 1, "unexpected character '%s'" % c)
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

"""Diagnostics: located messages rendered with a source snippet and a caret.

Rendering (one diagnostic):

    file:line:col: error: message
    <the source line>
    <spaces>^~~~
      hint: ...

Bad input never produces a Python traceback: every problem the compiler can
find in a schema is a Diagnostic, collected in a DiagnosticSink.
"""

import dataclasses
from typing import Dict, List, Optional

ERROR = "error"
WARNING = "warning"
NOTE = "note"


@dataclasses.dataclass(frozen=True)
class Location:
    """A span in a source file: 1-based line and column, length in chars."""

    file: str
    line: int
    column: int
    length: int = 1

    def __str__(self) -> str:
        return "%s:%d:%d" % (self.file, self.line, self.column)


@dataclasses.dataclass
class Diagnostic:
    severity: str
    location: Optional[Location]
    message: str
    hint: Optional[str] = None

    @property
    def file(self) -> Optional[str]:
        return self.location.file if self.location else None

    @property
    def line(self) -> int:
        return self.location.line if self.location else 0

    @property
    def column(self) -> int:
        return self.location.column if self.location else 0

    def render(self, sources: Dict[str, str]) -> str:
        """Renders the diagnostic; `sources` maps file names to their text."""
        out = []
        if self.location is None:
            out.append("actorc: %s: %s" % (self.severity, self.message))
        else:
            loc = self.location
            out.append("%s: %s: %s" % (loc, self.severity, self.message))
            text = sources.get(loc.file)
            if text is not None:
                lines = text.split("\n")
                if 1 <= loc.line <= len(lines):
                    src = lines[loc.line - 1].rstrip("\r")
                    out.append(src)
                    col = max(loc.column, 1)
                    pad = "".join("\t" if c == "\t" else " " for c in src[: col - 1])
                    # The caret underlines the token, never past the line end.
                    width = max(1, min(loc.length, len(src) - (col - 1)))
                    out.append(pad + "^" + "~" * (width - 1))
        if self.hint:
            out.append("  hint: " + self.hint)
        return "\n".join(out)


class DiagnosticSink:
    """Collects diagnostics in the order they are reported."""

    def __init__(self) -> None:
        self.diagnostics: List[Diagnostic] = []

    def error(self, location: Optional[Location], message: str, hint: Optional[str] = None) -> Diagnostic:
        d = Diagnostic(ERROR, location, message, hint)
        self.diagnostics.append(d)
        return d

    @property
    def error_count(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity == ERROR)

    def has_errors(self) -> bool:
        return self.error_count > 0

    def render(self, sources: Dict[str, str]) -> str:
        return "\n".join(d.render(sources) for d in self.diagnostics)


class CompileError(Exception):
    """Raised to abandon a stage after its diagnostics were reported."""

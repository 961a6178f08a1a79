"""The front end's entry point: .actor files -> the checked model (IR).

`load(path, include_dirs)` reads and parses a root .actor file and
everything it imports (loader.py), checks them and builds their IR
(checker.py, ir.py), and returns a Program (the root Module plus every
loaded module), or None after reporting diagnostics to the sink. The IR
types (Program, Module, Struct, TypeRef, ...) live in actorc.ir.
"""

import contextlib
import gc
from typing import Dict, List, Optional, Tuple

from . import checker, loader
from .diagnostics import DiagnosticSink
from .ir import Program


def load(path: str, include_dirs: Optional[List[str]] = None, sink: Optional[DiagnosticSink] = None) -> Tuple[Optional[Program], DiagnosticSink, Dict[str, str]]:
    """Loads and checks `path` and its imports.

    Returns (program or None, sink, sources). The program is None when any
    error was reported; `sources` maps display names to text for rendering.
    """
    with gc_paused():
        sink = sink or DiagnosticSink()
        root, modules, sources = loader.load_files(path, include_dirs or [], sink)
        if root is None:
            return None, sink, sources
        checker.check(modules, sink)
        if sink.has_errors():
            return None, sink, sources
        return Program(root, modules, sources), sink, sources


@contextlib.contextmanager
def gc_paused():
    """Pauses Python's cyclic garbage collector for the block (restores its
    previous state after). Building the model, and each backend's output,
    allocates hundreds of thousands of objects and almost no cyclic garbage;
    the collections they trigger cost 10-20% of the compiler's time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()

"""Reading .actor files: the root file and everything it imports.

`load_files(path, include_dirs, sink)` reads and parses the root file and,
depth first, every file it imports (each once), and returns the unchecked
Modules in dependency order (root last). An import path is looked up next
to the importing file, then in each include directory; cycles, missing and
unreadable files are diagnostics. Checking the modules is checker.py's job.
"""

import os
from typing import Dict, List, Optional, Tuple

from . import parser as ps
from . import syntax as st
from .diagnostics import CompileError, DiagnosticSink
from .ir import Module, type_id


class _Loader:
    """Loads one root file and its imports (one instance per load)."""

    def __init__(self, include_dirs: List[str], sink: DiagnosticSink) -> None:
        self.include_dirs = include_dirs
        self.sink = sink
        self.sources: Dict[str, str] = {}
        self.by_path: Dict[str, Module] = {}
        self.stack: List[Module] = []  # files being loaded (cycle detection)
        self.order: List[Module] = []
        self.failed = False

    def error(self, loc, message, hint=None):
        self.sink.error(loc, message, hint)

    def load_root(self, path: str) -> Optional[Module]:
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError) as e:
            self.error(None, "cannot read '%s': %s" % (path, _os_reason(e)))
            return None
        return self._load(os.path.abspath(path), path, text)

    def _load(self, abspath: str, display: str, text: str) -> Optional[Module]:
        self.sources[display] = text
        try:
            tree = ps.parse(text, display, self.sink)
        except CompileError:
            self.failed = True
            return None
        mod = Module(abspath, display, tree.package, 0, doc=tree.doc, syntax=tree)
        mod.id = type_id("file", tree.package, os.path.basename(abspath))
        self.by_path[abspath] = mod
        self.stack.append(mod)
        for imp in tree.imports:
            dep = self._import(mod, imp)
            if dep is not None and dep not in mod.imports:
                mod.imports.append(dep)
        self.stack.pop()
        self.order.append(mod)
        return mod

    def _import(self, importer: Module, imp: st.Import) -> Optional[Module]:
        candidates = [(os.path.dirname(importer.path), os.path.dirname(importer.display))]
        candidates += [(os.path.abspath(d), d) for d in self.include_dirs]
        for absdir, showdir in candidates:
            p = os.path.normpath(os.path.join(absdir, imp.path))
            if os.path.isfile(p):
                display = os.path.normpath(os.path.join(showdir, imp.path))
                break
        else:
            self.error(imp.loc, "import not found: '%s'" % imp.path,
                       "searched %s; add a search directory with -I DIR" % _searched(candidates))
            return None
        for i, m in enumerate(self.stack):
            if m.path == p:
                chain = [x.display for x in self.stack[i:]] + [m.display]
                self.error(imp.loc, "import cycle: %s" % " -> ".join(chain),
                           "move the shared declarations into a file that both can import")
                return None
        if p in self.by_path:
            return self.by_path[p]
        try:
            with open(p, encoding="utf-8") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError) as e:
            self.error(imp.loc, "cannot read imported file '%s': %s" % (imp.path, _os_reason(e)))
            return None
        return self._load(p, display, text)


def _searched(candidates) -> str:
    seen = []
    for _, s in candidates:
        s = os.path.normpath(s) if s else "."
        if s not in seen:
            seen.append(s)
    return ", ".join("'%s'" % s for s in seen)


def _os_reason(e: Exception) -> str:
    if isinstance(e, UnicodeDecodeError):
        return "not valid UTF-8"
    return e.strerror or str(e)



def load_files(path: str, include_dirs: List[str], sink: DiagnosticSink) -> Tuple[Optional[Module], List[Module], Dict[str, str]]:
    """Reads and parses `path` and every file it imports.

    Returns (root, modules, sources): the root Module, every Module in
    dependency order (root last) and display name -> text of every file
    read. root is None when a file could not be found, read or parsed (the
    diagnostics are in `sink`)."""
    loader = _Loader(list(include_dirs), sink)
    root = loader.load_root(path)
    if root is None or loader.failed or sink.has_errors():
        return None, loader.order, loader.sources
    return root, loader.order, loader.sources

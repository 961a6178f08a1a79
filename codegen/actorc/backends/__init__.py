"""actorc backends: one package per target language.

Each backend is a package `actorc.backends.<name>` exposing

    generate(program: actorc.ir.Program, module: actorc.ir.Module,
             options: Options) -> Dict[str, str]

which returns {relative output path: file content} for ONE .actor file
(`module`, with `program` giving access to its imports). Templates live in
the backend's own `templates/` folder (Jinja2); derived data is computed in
the model or in the backend's Python, never in templates; helpers several
backends need (the header line, comment lines, type spellings, the Jinja2
environment) are in `common.py`. A backend does not write files:
`write_outputs` below does, for every backend, so that every file is
written only when its content changes (keeps builds incremental).
"""

import dataclasses
import importlib
import os
from typing import Dict, List

# The backends `actorc generate --lang` accepts, in the order `--lang all`
# runs them.
BACKENDS = ["capnp", "cpp", "python", "node"]


@dataclasses.dataclass
class Options:
    # The path of the .actor file as the user named it (for headers).
    source: str = ""


def load_backend(name: str):
    """The backend package `name` (ValueError if unknown)."""
    if name not in BACKENDS:
        raise ValueError("unknown backend %r (known: %s)" % (name, ", ".join(BACKENDS)))
    return importlib.import_module("actorc.backends." + name)


def write_outputs(outputs: Dict[str, str], out_dir: str) -> List[str]:
    """Writes each output under out_dir unless the file already has exactly
    that content; returns the paths written (the unchanged ones are not)."""
    written = []
    for rel, text in sorted(outputs.items()):
        path = os.path.join(out_dir, rel)
        try:
            with open(path, "r", encoding="utf-8") as f:
                if f.read() == text:
                    continue
        except OSError:
            pass
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
        written.append(path)
    return written

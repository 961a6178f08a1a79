"""The Cap'n Proto backend: `foo.actor` -> `foo.capnp` (see README.md).

The schema follows the shared IDL -> Cap'n Proto mapping; all derived data
(ids, capnp type spellings, map entries, optional wrappers) comes from
`actorc.wire_model`, so the Python/Node encoders and this schema agree on
the layout by construction (and the tests check it against `capnp`).
"""

import os
from typing import Dict

import jinja2

from ... import model, wire_model
from .. import header_text

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(os.path.join(os.path.dirname(__file__), "templates")),
    undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
    trim_blocks=True, lstrip_blocks=True,
    # Templates are loaded once per process, never re-checked on disk.
    auto_reload=False)


def _comment(lines, indent="") -> str:
    """IDL doc comment lines as capnp `#` comment lines (each ending in \\n)."""
    return "".join("%s#%s\n" % (indent, (" " + l) if l else "") for l in (lines or []))


def _deprecated(value) -> str:
    if value is None:
        return ""
    return "  # deprecated" + (": " + value if value else "")


def _note(field) -> str:
    """A trailing comment for fields whose IDL type the capnp type hides."""
    t = field.type
    notes = []
    if t.kind == "optional":
        notes.append("optional: null = absent")
        t = t.args[0]
    if t.kind == "builtin" and t.name == "timestamp":
        notes.append("timestamp: nanoseconds since the Unix epoch")
    elif t.kind == "builtin" and t.name == "duration":
        notes.append("duration: nanoseconds")
    elif t.kind == "map":
        notes.append("%s, entries sorted by key" % t.spelling())
    if field.deprecated is not None:
        notes.append("deprecated" + (": " + field.deprecated if field.deprecated else ""))
    return ("  # " + "; ".join(notes)) if notes else ""


_ENV.filters["comment"] = _comment
_ENV.filters["note"] = _note
_ENV.filters["deprecated"] = _deprecated


def output_name(display: str) -> str:
    base = display[:-len(".actor")] if display.endswith(".actor") else display
    return base + ".capnp"


def _import_path(importer, imported) -> str:
    """The .capnp path of `imported` relative to `importer`'s folder."""
    rel = os.path.relpath(imported.path, os.path.dirname(importer.path))
    return output_name(rel.replace(os.sep, "/"))


def generate(program, module, options) -> Dict[str, str]:
    """{output file name: text} for `module` (see actorc.backends)."""
    with model.gc_paused():  # speed only (model.gc_paused)
        return _generate(program, module, options)


def _generate(program, module, options) -> Dict[str, str]:
    users, actors, wrappers = wire_model.module_structs(module)
    imports = [{"alias": wire_model.import_alias(m), "path": _import_path(module, m)}
               for m in module.imports]
    text = _ENV.get_template("file.capnp.j2").render(
        header=header_text(options.source or module.display),
        module=module,
        namespace=module.package.replace(".", "::") + "::wire",
        imports=imports,
        enums=module.enums,
        structs=users,
        actors=[(a, actors[a.name]) for a in module.actors],
        wrappers=wrappers,
        hexid=lambda i: "0x%016x" % i,
    )
    return {output_name(os.path.basename(module.display)): text}

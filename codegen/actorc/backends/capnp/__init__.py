"""The Cap'n Proto backend: `foo.actor` -> `foo.capnp` (see README.md).

The schema follows the shared IDL -> Cap'n Proto mapping; all derived data
(ids, capnp type spellings, map entries, optional wrappers) comes from
`actorc.wire_model`, so the Python/Node encoders and this schema agree on
the layout by construction (and the tests check it against `capnp`).
"""

import os
from typing import Dict

from ... import wire_model
from .. import common

# The templates read wire_model's objects, not dict views.
_ENV = common.template_environment(os.path.join(os.path.dirname(__file__), "templates"), dict_views=False)


# IDL doc comment lines as capnp `#` comment lines (each ending in \n):
# _comment(lines, indent="").
_comment = common.line_comments("#")


def _deprecated(value) -> str:
    if value is None:
        return ""
    return "  # " + common.deprecation(value)


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
    elif t.kind == "builtin" and t.name == "pid":
        notes.append("pid: node 16 | generation 21 | slot 27 bits")
    elif t.kind == "map":
        notes.append("%s, entries sorted by key" % t.spelling())
    if field.deprecated is not None:
        notes.append(common.deprecation(field.deprecated))
    return ("  # " + "; ".join(notes)) if notes else ""


_ENV.filters["comment"] = _comment
_ENV.filters["note"] = _note
_ENV.filters["deprecated"] = _deprecated


def output_name(display: str) -> str:
    """`a/bank.actor` -> `a/bank.capnp` (folders kept: also import paths)."""
    return common.without_suffix(display) + ".capnp"


def _import_path(importer, imported) -> str:
    """The .capnp path of `imported` relative to `importer`'s folder."""
    rel = os.path.relpath(imported.path, os.path.dirname(importer.path))
    return output_name(rel.replace(os.sep, "/"))


@common.gc_paused
def generate(program, module, options) -> Dict[str, str]:
    """{output file name: text} for `module` (see actorc.backends)."""
    users, actors, wrappers = wire_model.module_structs(module)
    imports = [{"alias": wire_model.import_alias(m), "path": _import_path(module, m)}
               for m in module.imports]
    text = _ENV.get_template("file.capnp.j2").render(
        header=common.header_line(options, module),
        module=module,
        namespace=module.package.replace(".", "::") + "::wire",
        imports=imports,
        enums=module.enums,
        structs=users,
        actors=[(a, actors[a.name]) for a in module.actors],
        wrappers=wrappers,
        hexid=common.hex_id,
    )
    return {output_name(os.path.basename(module.display)): text}

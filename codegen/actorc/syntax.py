"""The syntax tree of one .actor file, as the parser builds it.

Nothing here is checked yet: names are unresolved and ordinals unvalidated.
Every node keeps the Location of the token that names it, so that the model
can point diagnostics at the right place.
"""

import dataclasses
from typing import List, Optional, Union

from .diagnostics import Location


@dataclasses.dataclass
class AnnotationValue:
    """INT / FLOAT / DURATION (nanoseconds) / STRING / identifier / call."""

    kind: str  # "integer" | "float" | "duration" | "string" | "identifier" | "call"
    value: object  # int, float, str; for "call": the callee name
    text: str
    loc: Location
    args: List["AnnotationValue"] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Annotation:
    name: str
    loc: Location
    value: Optional[AnnotationValue] = None


@dataclasses.dataclass
class TypeExpr:
    """`name` (possibly dotted), `list<T>`, `map<K, V>`, or `T?`."""

    kind: str  # "named" | "list" | "map" | "optional"
    loc: Location
    name: str = ""
    args: List["TypeExpr"] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Field:
    name: str
    loc: Location
    ordinal: int
    ordinal_loc: Location
    type: TypeExpr
    annotations: List[Annotation]
    doc: Optional[List[str]] = None


@dataclasses.dataclass
class Struct:
    name: str
    loc: Location
    fields: List[Field]
    annotations: List[Annotation]
    doc: Optional[List[str]] = None


@dataclasses.dataclass
class EnumValue:
    name: str
    loc: Location
    ordinal: int
    ordinal_loc: Location
    annotations: List[Annotation]
    doc: Optional[List[str]] = None


@dataclasses.dataclass
class Enum:
    name: str
    loc: Location
    values: List[EnumValue]
    annotations: List[Annotation]
    doc: Optional[List[str]] = None


@dataclasses.dataclass
class Param:
    name: str
    loc: Location
    type: TypeExpr


@dataclasses.dataclass
class Method:
    kind: str  # "call" | "cast" | "stream"
    name: str
    loc: Location
    kind_loc: Location
    ordinal: int
    ordinal_loc: Location
    params: List[Param]
    results: Optional[List[Param]]  # call/cast: `-> (...)`; None if absent
    stream_type: Optional[TypeExpr]  # stream: `-> (T)`
    annotations: List[Annotation]
    doc: Optional[List[str]] = None
    arrow_loc: Optional[Location] = None


@dataclasses.dataclass
class Actor:
    name: str
    loc: Location
    methods: List[Method]
    annotations: List[Annotation]
    doc: Optional[List[str]] = None


@dataclasses.dataclass
class Import:
    path: str
    loc: Location


@dataclasses.dataclass
class File:
    filename: str
    package: str
    package_loc: Location
    imports: List[Import]
    declarations: List[Union[Struct, Enum, Actor]]
    doc: Optional[List[str]] = None

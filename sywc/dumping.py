"""Dump a page of objects with their schema's own rules, planned once per schema.

A list page is dozens of rows of thirty fields; marshmallow's general path (accessor,
`serialize`, `_serialize`, per field and row) is most of such a request's time. `planned`
reads a schema's dump fields once and keeps, for each, the shortest route to the same
output: the plain types (strings, integers, dates, times, lists of strings, one nested
object of a planned schema) are converted here exactly as marshmallow converts them, and
every other field (methods, nested lists, defaults, dotted attributes, subclasses) goes
through marshmallow itself.
`tests/test_dumping.py` holds the two routes to the same output.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import marshmallow as ma
from marshmallow.utils import missing

from sywc.fields import Day


def _converter(field: ma.fields.Field) -> str | Callable[[Any], Any] | None:
    """Return how marshmallow converts a non-null value of `field` (an expression over
    `v`, or a function), or None when the field is not a plain one."""
    kind = type(field)
    if kind is ma.fields.String:
        return "v if v.__class__ is str else str(v)"
    if kind is ma.fields.Integer and not field.as_string:  # type: ignore[attr-defined]
        return "v if v.__class__ is int else int(v)"
    if kind in (ma.fields.Date, Day, ma.fields.DateTime, ma.fields.AwareDateTime):
        render: Callable[[Any], Any] | None = kind.SERIALIZATION_FUNCS.get(  # type: ignore[attr-defined]
            field.format or kind.DEFAULT_FORMAT  # type: ignore[attr-defined]
        )
        return render
    if kind is ma.fields.List and type(field.inner) is ma.fields.String:  # type: ignore[attr-defined]
        return "[x if x.__class__ is str else str(x) for x in v]"
    if kind is ma.fields.Nested and not field.many:  # type: ignore[attr-defined]
        schema = field.schema  # type: ignore[attr-defined]
        if not schema.many:
            return planned(schema)
    return None


# How a value is read: marshmallow's own `get_value`, for objects and for mappings.
_READ = {
    "obj": "getattr(obj, {a!r}, missing)",
    "map": "obj[{a!r}] if {a!r} in obj else getattr(obj, {a!r}, missing)",
}


def _source(schema: ma.Schema, namespace: dict[str, Any], read: str) -> list[str]:
    lines = ["    out = {}"]
    for number, (name, field) in enumerate(schema.dump_fields.items()):
        key = field.data_key if field.data_key is not None else name
        attribute = field.attribute or name
        convert = _converter(field)
        if convert is None or not attribute.isidentifier() or field.dump_default is not missing:
            namespace[f"field_{number}"] = field
            lines += [
                f"    v = field_{number}.serialize({name!r}, obj, accessor=schema.get_attribute)",
                "    if v is not missing:",
                f"        out[{key!r}] = v",
            ]
            continue
        if callable(convert):
            namespace[f"convert_{number}"] = convert
            convert = f"convert_{number}(v)"
        lines += [
            f"    v = {read.format(a=attribute)}",
            "    if v is not missing:",
            f"        out[{key!r}] = None if v is None else {convert}",
        ]
    return [*lines, "    return out"]


def planned(schema: ma.Schema) -> Callable[[Any], dict[str, Any]]:
    """Return a function dumping one object (or mapping) as `schema.dump` would.

    The function is written out for the schema, a line or two per field, so a row costs
    one call rather than several per field.
    """
    namespace: dict[str, Any] = {"missing": missing, "Mapping": Mapping, "schema": schema}
    lines = [
        "def dump(obj):",
        "    if isinstance(obj, Mapping):",
        "        return dump_map(obj)",
        *_source(schema, namespace, _READ["obj"]),
        "def dump_map(obj):",
        *_source(schema, namespace, _READ["map"]),
    ]
    exec("\n".join(lines), namespace)  # noqa: S102 (source built above from field names)
    dump: Callable[[Any], dict[str, Any]] = namespace["dump"]
    return dump


class PlannedList(ma.fields.List):
    """A list of nested objects, dumped through `planned` (documented as a plain List)."""

    def __init__(self, schema: type[ma.Schema], **kwargs: Any) -> None:
        super().__init__(ma.fields.Nested(schema), **kwargs)
        self._dump: Callable[[Any], dict[str, Any]] | None = None

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        if self._dump is None:
            self._dump = planned(self.inner.schema)  # type: ignore[attr-defined]
        return [self._dump(item) for item in value]

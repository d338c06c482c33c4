"""Field types every domain's schemas share, so bad input is a 422 and never a 500."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import marshmallow as ma
from marshmallow import validate
from werkzeug.routing import IntegerConverter

# Identifiers are 32-bit on both databases; a larger one cannot name any record.
MAX_ID = 2**31 - 1
ID_RANGE = validate.Range(min=1, max=MAX_ID)
# Text a record cannot do without (a summary, a name) must say something: spaces alone
# would pass a length check and leave the record with an empty one.
NOT_BLANK = validate.Regexp(r"\s*\S", error="Must not be blank.")


def id_field(**kwargs: Any) -> ma.fields.Integer:
    """An identifier in a request: a whole number within the database's range."""
    return ma.fields.Integer(strict=True, validate=ID_RANGE, **kwargs)


class StrictBoolean(ma.fields.Boolean):
    """A JSON true or false in a request body, and nothing else.

    marshmallow's Boolean takes "yes", "on", 1 and 0, and even `truthy={True}` takes 1
    and 1.0 (they equal True and hash alike): `consent: 1` would record consent to share
    a child's data that nobody gave. A body that sends anything but true or false is
    refused, naming the field. Query strings carry text, so filters keep the plain field.
    """

    default_error_messages = {"invalid": "Must be true or false."}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


# The forms every response uses. Python's `fromisoformat`, behind marshmallow's fields,
# also takes the basic form (`20260101`) and ISO week dates (`2026-W01-1` is 29 December
# 2025): a partner's system or a hand-typed query sending either would get a date it did
# not mean, so it gets an error naming the field and the form instead.
_FULL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})"
)


class Day(ma.fields.Date):
    """A calendar date written YYYY-MM-DD (RFC 3339's full-date)."""

    default_error_messages = {"invalid": "Not a valid date; write it as YYYY-MM-DD."}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        if not isinstance(value, str) or not _FULL_DATE.fullmatch(value):
            raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE)
        return super()._deserialize(value, attr, data, **kwargs)


class Moment(ma.fields.AwareDateTime):
    """A timestamp with an offset, normalised to UTC; unrepresentable instants are refused."""

    default_error_messages = {
        "invalid": "Not a valid date and time; write it as YYYY-MM-DDTHH:MM:SS with an "
        "offset, such as 2026-03-01T18:30:00Z."
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        if isinstance(value, str) and not _DATE_TIME.fullmatch(value):
            raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE)
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return moment.astimezone(UTC)
        except (OverflowError, ValueError) as error:
            raise ma.ValidationError("Not a representable date and time.") from error


# PostgreSQL cannot store a NUL character in text, and an unpaired surrogate cannot be
# encoded as UTF-8 at all: either would fail in the database driver, after the checks.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_TEXT = "Must not contain NUL characters or unpaired surrogates."


def unstorable_text(data: Any) -> Any:
    """Return marshmallow-style errors naming every string in `data` that cannot be stored.

    `data` is a parsed JSON body or a query string (a werkzeug MultiDict); None when clean.
    """
    if isinstance(data, str):
        return [UNSTORABLE_TEXT] if _UNSTORABLE.search(data) else None
    lists = getattr(data, "lists", None)
    if callable(lists):
        data = {key: values[0] if len(values) == 1 else values for key, values in lists()}
    if isinstance(data, Mapping):
        pairs: Any = data.items()
    elif isinstance(data, list):
        pairs = enumerate(data)
    else:
        return None
    errors = {}
    for key, value in pairs:
        found = unstorable_text(value) or unstorable_text(key)
        if found:
            errors[key] = found
    return errors or None


class IdConverter(IntegerConverter):
    """`<int:...>` in routes: out-of-range ids simply match no route (404)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)

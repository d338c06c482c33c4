"""Field types for cohort request bodies: bounded text, codes from closed lists."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import marshmallow as ma
from marshmallow import validate

# Free text about a child is stored verbatim (HTML and SQL included: it is data, escaped
# by JSON on the way out), but a NUL character is refused: PostgreSQL cannot store it.
# Ids are 32-bit on every database; a larger number names nothing and must not reach SQL.
ID_RANGE = validate.Range(min=1, max=2**31 - 1)
_NO_NUL = validate.Regexp(r"^[^\x00]*\Z", error="Must not contain NUL characters.")


class Name(ma.fields.String):
    """A person's name part: trimmed, 1 to 100 characters, no control characters."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            validate=[
                validate.Length(min=1, max=100),
                validate.Regexp(r"^[^\x00-\x1f\x7f]*\Z", error="Must not contain control codes."),
            ],
            **kwargs,
        )

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return super()._deserialize(value, attr, data, **kwargs).strip()


def free_text(
    *, max_length: int, min_length: int = 0, at_least: int | None = None, **kwargs: Any
) -> ma.fields.String:
    """Return a free-text field stored as given, bounded in length.

    `at_least` demands that many characters besides surrounding spaces, for explanations
    (a rating's rationale, a closure's reason) that must actually explain.
    """
    checks: list[Any] = [validate.Length(min=min_length, max=max_length), _NO_NUL]
    if at_least:
        checks.append(meaningful(at_least))
    return ma.fields.String(validate=checks, **kwargs)


def meaningful(min_chars: int) -> validate.Validator:
    """Refuse text with fewer than `min_chars` characters once surrounding space is removed."""

    def check(value: str) -> None:
        if len(value.strip()) < min_chars:
            raise ma.ValidationError(f"Give at least {min_chars} characters of explanation.")

    return check


def code(choices: Iterable[str], **kwargs: Any) -> ma.fields.String:
    """Return a field taking one code of a closed list."""
    return ma.fields.String(validate=validate.OneOf(sorted(choices)), **kwargs)


def code_list(choices: Iterable[str], *, max_items: int = 20, **kwargs: Any) -> ma.fields.List:
    """Return a field taking a list of distinct codes of a closed list."""

    def distinct(values: list[str]) -> None:
        if len(set(values)) != len(values):
            raise ma.ValidationError("List each code once.")

    return ma.fields.List(
        code(choices),
        validate=[validate.Length(max=max_items), distinct],
        **kwargs,
    )

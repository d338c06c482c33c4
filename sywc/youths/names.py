"""Name normalisation shared by duplicate checks, search and partner matching."""

from __future__ import annotations

import re
import unicodedata

_NOT_LETTERS = re.compile(r"[^a-z]+")


def normalise(part: str) -> str:
    """Fold accents and case and drop everything but letters ("O'Neil-Smith" -> "oneilsmith")."""
    folded = unicodedata.normalize("NFKD", part).encode("ascii", "ignore").decode().lower()
    return _NOT_LETTERS.sub("", folded)


def name_key(first_name: str, last_name: str) -> str:
    """Return the comparable key of a full name: "last first", normalised."""
    return f"{normalise(last_name)} {normalise(first_name)}"

"""Name normalisation shared by duplicate checks, search and partner matching."""

from __future__ import annotations

import unicodedata


def normalise(part: str) -> str:
    """Fold accents and case and drop everything but letters ("O'Neil-Smith" -> "oneilsmith").

    Letters of other scripts are kept (casefolded): dropping them would give every name
    written in, say, Arabic or Chinese the same empty key, so any two such young people
    born on the same day would look like duplicates, and search could not find them.
    """
    decomposed = unicodedata.normalize("NFKD", part.casefold())
    return "".join(ch for ch in decomposed if ch.isalpha() and not unicodedata.combining(ch))


def name_key(first_name: str, last_name: str) -> str:
    """Return the comparable key of a full name: "last first", normalised."""
    return f"{normalise(last_name)} {normalise(first_name)}"


def search_terms(text: str) -> list[str]:
    """Split free search text into normalised name fragments (empty ones dropped)."""
    return [term for term in (normalise(word) for word in text.split()) if term]

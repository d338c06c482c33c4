"""Name normalisation shared by duplicate checks, search and partner matching."""

from __future__ import annotations

import unicodedata

from sywc.referrals.models import Referral
from sywc.youths.models import Youth

# The longest key both columns that hold one can store. Names may be 100 characters each;
# casefolding lengthens some ("ß" becomes "ss"), so a whole key can be longer than that.
KEY_LENGTH: int = min(
    column.type.length
    for column in (Youth.__table__.c.name_key, Referral.__table__.c.subject_name_key)
)


# Latin letters Unicode does not decompose into a base letter and an accent, folded as
# they are written without one (\u0131 is the dotless i): "Michał" is "Michal" to whoever
# types it on a UK keyboard.
# Migration 0012 keeps a copy of this table for the keys it recomputed.
UNDECOMPOSED = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "\u0131": "i", "ħ": "h", "ŧ": "t", "ð": "d", "þ": "th",
     "æ": "ae", "œ": "oe"}
)  # fmt: skip


def normalise(part: str) -> str:
    """Fold accents and case and drop everything but letters ("O'Neil-Smith" -> "oneilsmith";
    "Michał" -> "michal", "Søren" -> "soren").

    Letters of other scripts are kept (casefolded): dropping them would give every name
    written in, say, Arabic or Chinese the same empty key, so any two such young people
    born on the same day would look like duplicates, and search could not find them.
    """
    decomposed = unicodedata.normalize("NFKD", part.casefold().translate(UNDECOMPOSED))
    return "".join(ch for ch in decomposed if ch.isalpha() and not unicodedata.combining(ch))


def name_key(first_name: str, last_name: str) -> str:
    """Return the comparable key of a full name: "last first", normalised, cut to fit.

    Two names alike for the key's first KEY_LENGTH characters share a key: a duplicate
    check then reports a possible match for an officer to confirm, which is the safe side.
    """
    return f"{normalise(last_name)} {normalise(first_name)}"[:KEY_LENGTH]


def search_terms(text: str) -> list[str]:
    """Split free search text into normalised name fragments (empty ones dropped)."""
    return [term for term in (normalise(word) for word in text.split()) if term]

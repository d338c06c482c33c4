"""flask-jwt-extended that checks each token's signature once per worker process.

A client sends the same access token with every request until it expires. The library
decodes it three times per request (claims, header, then the verified decode), and
PyJWT checks every character of every segment each time: about a tenth of a record's
CPU. A token that passed the full check once is the same string with the same claims
on every later request, so its verified claims are kept, keyed by the exact token and
the CSRF value it came with, until the token expires.

What is not cached: a token that failed any check (it is checked in full every time),
the expiry (checked on every request against the same clock and leeway PyJWT uses),
and the session (the user lookup still reads it on every request, so a logout or a
revocation takes effect at once). The cache lives on the app, so two apps with
different secrets never share an entry.

This overrides the library's `_decode_jwt_from_config`, the one method every decode
goes through; `requirements.txt` pins the library, and `tests/auth/test_verified.py`
fails if the method is no longer called.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import current_app
from flask_jwt_extended import JWTManager
from flask_jwt_extended.config import config

EXTENSION_KEY = "sywc_verified_tokens"
# Entries, per process; the oldest goes first. A token and its claims take about 2 KiB.
MAX_VERIFIED_TOKENS = 4096
# (token, CSRF value) -> the claims that passed every check.
Verified = dict[tuple[str, str | None], dict[str, Any]]


def _now() -> float:
    """The clock PyJWT checks `exp` against."""
    return datetime.now(tz=UTC).timestamp()


class OnceVerifyingJWTManager(JWTManager):
    """A JWTManager that remembers the claims of tokens that passed every check."""

    def _decode_jwt_from_config(
        self, encoded_token: str, csrf_value: str | None = None, allow_expired: bool = False
    ) -> dict[str, Any]:
        if allow_expired:
            return super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        verified: Verified = current_app.extensions.setdefault(EXTENSION_KEY, {})
        key = (encoded_token, csrf_value)
        claims = verified.get(key)
        if claims is not None:
            if claims["exp"] > _now() - config.leeway:
                return dict(claims)
            del verified[key]  # expired: the full check below says so in its own words
        claims = super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        if isinstance(claims.get("exp"), int | float):
            if len(verified) >= MAX_VERIFIED_TOKENS:
                del verified[next(iter(verified))]
            verified[key] = dict(claims)
        return claims

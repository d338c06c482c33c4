"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from sywc.errors import ValidationFailed

MIN_LENGTH = 12
MAX_LENGTH = 128
_COMMON_FILE = Path(__file__).with_name("common_passwords.txt")


def hasher() -> PasswordHasher:
    """Return the argon2id hasher with this deployment's cost settings."""
    cfg = current_app.config
    return _hasher(cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST"], cfg["ARGON2_PARALLELISM"])


@cache
def _hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


@cache
def _common_passwords() -> frozenset[str]:
    lines = _COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip())


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def dummy_hash(time_cost: int, memory_cost: int, parallelism: int) -> str:
    """A hash to verify against for unknown users, so timing does not reveal who exists."""
    return _hasher(time_cost, memory_cost, parallelism).hash("no-such-user-password")


def check_password_policy(password: str, *, username: str | None = None) -> None:
    """Refuse passwords that are too short, too long, common or built from the username."""
    if len(password) < MIN_LENGTH:
        raise ValidationFailed.field("password", f"Use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise ValidationFailed.field("password", f"Use at most {MAX_LENGTH} characters.")
    lowered = password.lower()
    if lowered in _common_passwords() or len(set(lowered)) < 4:
        raise ValidationFailed.field("password", "This password is too common or too simple.")
    if username and len(username) >= 3 and username.lower() in lowered:
        raise ValidationFailed.field("password", "The password must not contain the username.")

"""Settings per environment.

Nothing here reads the environment at import time: `load_settings()` does, when the
application factory asks, so tests and processes each get the values of their moment.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"

# Secrets shorter than this are refused in production: HS256 keys need 256 bits.
MIN_SECRET_LENGTH = 32
WEAK_SECRETS = frozenset({"secret", "changeme", "change-me", "development", "dev", "test"})

# The partnership's timezone: its days begin and end at midnight there, not in UTC.
DEFAULT_BUSINESS_TIMEZONE = "Europe/London"


class ConfigurationError(RuntimeError):
    """The deployment's settings are unsafe or incomplete."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _int(name: str, default: int) -> int:
    value = _env(name)
    return int(value) if value is not None else default


def _list(name: str, default: str = "") -> list[str]:
    value = _env(name, default) or ""
    return [item.strip() for item in value.split(",") if item.strip()]


class Settings:
    """Defaults shared by every environment; subclasses override what differs."""

    ENV = "development"
    DEBUG = False
    TESTING = False

    def as_dict(self) -> dict[str, Any]:
        """Collect the settings of this environment, reading the environment now."""
        sqlite_path = INSTANCE_DIR / "sywc.sqlite3"
        secret = _env("JWT_SECRET_KEY") or _env("SECRET_KEY")
        cfg: dict[str, Any] = {
            "SYWC_ENV": self.ENV,
            "DEBUG": self.DEBUG,
            "TESTING": self.TESTING,
            "SQLALCHEMY_DATABASE_URI": _env("DATABASE_URL", f"sqlite:///{sqlite_path}"),
            # Errors never quote a statement's values: they are a child's details.
            # Pooled connections are not pinged before each use (a round trip on every
            # request): one that the database dropped fails its statement, the request
            # gets a 503 with Retry-After and the pool is renewed. DB_POOL_PRE_PING=1
            # pings instead, where a network drops idle connections without a word.
            "SQLALCHEMY_ENGINE_OPTIONS": {
                "pool_pre_ping": _int("DB_POOL_PRE_PING", 0) == 1,
                "pool_recycle": _int("DB_POOL_RECYCLE_SECONDS", 1800),
                "hide_parameters": True,
            },
            "SQLALCHEMY_RECORD_QUERIES": False,
            "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 1024 * 1024),
            # JSON: keep the order the schemas give, and never escape to ASCII-only.
            "JSON_SORT_KEYS": False,
            # Tokens: one algorithm, our issuer and audience, short-lived access.
            "JWT_SECRET_KEY": secret,
            "JWT_ALGORITHM": "HS256",
            "JWT_DECODE_ALGORITHMS": ["HS256"],
            "JWT_ENCODE_ISSUER": _env("JWT_ISSUER", "sywc"),
            "JWT_DECODE_ISSUER": _env("JWT_ISSUER", "sywc"),
            "JWT_ENCODE_AUDIENCE": _env("JWT_AUDIENCE", "sywc-api"),
            "JWT_DECODE_AUDIENCE": _env("JWT_AUDIENCE", "sywc-api"),
            "JWT_ACCESS_TOKEN_EXPIRES": timedelta(minutes=_int("ACCESS_TOKEN_MINUTES", 15)),
            "JWT_REFRESH_TOKEN_EXPIRES": timedelta(hours=_int("REFRESH_TOKEN_HOURS", 12)),
            "PARTNER_TOKEN_EXPIRES": timedelta(minutes=min(_int("PARTNER_TOKEN_MINUTES", 15), 15)),
            "JWT_TOKEN_LOCATION": ["headers", "cookies"],
            "JWT_COOKIE_SECURE": True,
            "JWT_COOKIE_SAMESITE": "Strict",
            "JWT_COOKIE_CSRF_PROTECT": True,
            "JWT_CSRF_IN_COOKIES": True,
            "JWT_ACCESS_COOKIE_PATH": "/api/",
            "JWT_REFRESH_COOKIE_PATH": "/api/v1/auth/",
            "JWT_ERROR_MESSAGE_KEY": "detail",
            "CORS_ORIGINS": _list("CORS_ORIGINS"),
            # Login protection (contract: Authentication).
            "LOGIN_RATE_LIMIT": _env("LOGIN_RATE_LIMIT", "10 per minute"),
            "LOCKOUT_THRESHOLD": _int("LOCKOUT_THRESHOLD", 5),
            "LOCKOUT_MINUTES": _int("LOCKOUT_MINUTES", 15),
            "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE_URI", "memory://"),
            "RATELIMIT_HEADERS_ENABLED": False,
            "PROXY_FIX_X_FOR": _int("PROXY_FIX_X_FOR", 0),
            # Argon2id cost; tests lower it, production keeps the library's defaults.
            "ARGON2_TIME_COST": _int("ARGON2_TIME_COST", 3),
            "ARGON2_MEMORY_COST": _int("ARGON2_MEMORY_COST", 65536),
            "ARGON2_PARALLELISM": _int("ARGON2_PARALLELISM", 4),
            "RETRY_AFTER_SECONDS": _int("RETRY_AFTER_SECONDS", 5),
            "LOG_LEVEL": _env("LOG_LEVEL", "INFO"),
            # Visit schedule (contract: Visit schedule rules), in days.
            "VISIT_CADENCE_DAYS": {
                "red": _int("CADENCE_RED_DAYS", 7),
                "amber": _int("CADENCE_AMBER_DAYS", 30),
                "green": _int("CADENCE_GREEN_DAYS", 91),
            },
            "VISIT_GRACE_DAYS": _int("VISIT_GRACE_DAYS", 0),
            "RAG_REVIEW_DAYS": {
                "red": _int("RAG_REVIEW_RED_DAYS", 28),
                "amber": _int("RAG_REVIEW_AMBER_DAYS", 56),
                "green": _int("RAG_REVIEW_GREEN_DAYS", 91),
            },
            "COHORT_REVIEW_MONTHS": _int("COHORT_REVIEW_MONTHS", 6),
            "RETENTION_MONTHS": _int("RETENTION_MONTHS", 24),
            "ESCALATION_EXTRA_PERIODS": _int("ESCALATION_EXTRA_PERIODS", 1),
            "REFERRAL_ACK_WORKING_DAYS": {
                "urgent": _int("REFERRAL_ACK_URGENT_DAYS", 1),
                "standard": _int("REFERRAL_ACK_STANDARD_DAYS", 3),
            },
            "EXTRA_BANK_HOLIDAYS": _list("EXTRA_BANK_HOLIDAYS"),
            "IDEMPOTENCY_KEY_HOURS": max(_int("IDEMPOTENCY_KEY_HOURS", 48), 24),
            # How long a retry waits for the first request with its key before a 409.
            "IDEMPOTENCY_WAIT_MS": _int("IDEMPOTENCY_WAIT_MS", 10_000),
            # Referrals arriving after this local time count from the next working day.
            "REFERRAL_DAY_ENDS_AT": _env("REFERRAL_DAY_ENDS_AT", "17:00"),
            "SCHEDULER_INTERVAL_MINUTES": _int("SCHEDULER_INTERVAL_MINUTES", 15),
            # Statistics rollups: how often the scheduler recounts them, how old a request
            # may take them (0: always count on the spot), how long an unasked one is kept.
            "STATS_REFRESH_MINUTES": _int("STATS_REFRESH_MINUTES", 60),
            "STATS_ROLLUP_MAX_AGE_MINUTES": _int("STATS_ROLLUP_MAX_AGE_MINUTES", 120),
            "STATS_ROLLUP_KEEP_DAYS": _int("STATS_ROLLUP_KEEP_DAYS", 7),
            # The audit chain: how often the scheduler walks it whole, and how many events
            # a request walks at most (some 4 s), on from the latest checkpoint past that.
            "AUDIT_VERIFY_MINUTES": _int("AUDIT_VERIFY_MINUTES", 1440),
            "AUDIT_VERIFY_LIVE_LIMIT": max(_int("AUDIT_VERIFY_LIVE_LIMIT", 100_000), 1),
            # The record of scheduler runs: how long a run is kept (sywc.alerts.jobs).
            "JOB_RUNS_KEEP_DAYS": max(_int("JOB_RUNS_KEEP_DAYS", 90), 1),
            # SYWC_TIMEZONE is the name the referral clock first read it by.
            "BUSINESS_TIMEZONE": _env("BUSINESS_TIMEZONE")
            or _env("SYWC_TIMEZONE", DEFAULT_BUSINESS_TIMEZONE),
            # OpenAPI document and docs (flask-smorest).
            "API_TITLE": "sywc",
            "API_VERSION": "1.0.0",
            "OPENAPI_VERSION": "3.0.3",
            "OPENAPI_URL_PREFIX": "/api/v1",
            "OPENAPI_JSON_PATH": "openapi.json",
            "OPENAPI_SWAGGER_UI_PATH": "docs",
            "OPENAPI_SWAGGER_UI_URL": _env(
                "OPENAPI_SWAGGER_UI_URL", "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/"
            ),
        }
        check_business_timezone(cfg)
        check_cors_origins(cfg)
        return cfg


class DevelopmentSettings(Settings):
    ENV = "development"

    def as_dict(self) -> dict[str, Any]:
        cfg = super().as_dict()
        # A development secret is generated per instance folder, never committed.
        cfg["JWT_SECRET_KEY"] = cfg["JWT_SECRET_KEY"] or _development_secret()
        cfg["JWT_COOKIE_SECURE"] = False
        return cfg


class TestSettings(Settings):
    ENV = "test"
    TESTING = True

    def as_dict(self) -> dict[str, Any]:
        cfg = super().as_dict()
        cfg["JWT_SECRET_KEY"] = "test-secret-key-that-is-long-enough-for-hs256"  # noqa: S105
        cfg["JWT_COOKIE_SECURE"] = False
        cfg["ARGON2_TIME_COST"] = 1
        cfg["ARGON2_MEMORY_COST"] = 1024
        cfg["ARGON2_PARALLELISM"] = 1
        cfg["LOG_LEVEL"] = "WARNING"
        # Tests change data between requests and expect to see it: rollups are read only
        # by the tests of rollups, which turn them on.
        cfg["STATS_ROLLUP_MAX_AGE_MINUTES"] = 0
        return cfg


class ProductionSettings(Settings):
    ENV = "production"

    def as_dict(self) -> dict[str, Any]:
        cfg = super().as_dict()
        check_production(cfg)
        return cfg


def check_production(cfg: dict[str, Any]) -> None:
    """Refuse to start production with a missing or guessable secret, or on the embedded
    database: a file beside the code, lost with the next release, is no place for it."""
    secret = cfg.get("JWT_SECRET_KEY") or ""
    if len(secret) < MIN_SECRET_LENGTH or secret.lower() in WEAK_SECRETS or len(set(secret)) < 8:
        raise ConfigurationError(
            f"JWT_SECRET_KEY must be set to a random value of at least {MIN_SECRET_LENGTH} "
            "characters in production"
        )
    if not _env("DATABASE_URL"):
        raise ConfigurationError("DATABASE_URL must name the production database")


def check_business_timezone(cfg: Mapping[str, Any]) -> None:
    """Refuse a business timezone the tz database does not know, before anything starts:
    found out later, every due date and overdue test would fail, or use the wrong day."""
    name = cfg.get("BUSINESS_TIMEZONE")
    try:
        ZoneInfo(name)  # type: ignore[arg-type]
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError) as error:
        raise ConfigurationError(
            f"BUSINESS_TIMEZONE must name a timezone of the tz database, such as "
            f"{DEFAULT_BUSINESS_TIMEZONE}, not {name!r}"
        ) from error


# A front end's origin exactly as a browser sends it: scheme, host and an optional port.
_ORIGIN = re.compile(r"https?://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?\Z")


def check_cors_origins(cfg: Mapping[str, Any]) -> None:
    """Refuse a CORS origin that is not one exact front-end origin.

    The API answers credentialed requests (cookies), so `*` would hand every site a
    signed-in officer's session, and the CORS library reads an entry holding `*`, `?`,
    brackets and the like as a pattern that may match more sites than meant.
    """
    for origin in cfg.get("CORS_ORIGINS") or ():
        if not isinstance(origin, str) or not _ORIGIN.match(origin):
            raise ConfigurationError(
                "CORS_ORIGINS must list exact front-end origins such as "
                f"https://sywc.example.gov.uk (scheme, host, optional port), not {origin!r}"
            )


def _development_secret() -> str:
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "dev-secret"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


ENVIRONMENTS: dict[str, type[Settings]] = {
    "development": DevelopmentSettings,
    "test": TestSettings,
    "production": ProductionSettings,
}


def load_settings(env: str | None = None) -> dict[str, Any]:
    """Return the settings of `env` (default: $SYWC_ENV, else development)."""
    name = env or _env("SYWC_ENV", "development") or "development"
    if name not in ENVIRONMENTS:
        raise ConfigurationError(f"SYWC_ENV must be one of {sorted(ENVIRONMENTS)}, not {name!r}")
    return ENVIRONMENTS[name]().as_dict()

"""JSON logs that carry the request id and never a query string or a body.

Paths hold record ids, which are not personal data; query strings can hold a name
(`?q=`), so they are never logged.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import traceback
import uuid
from types import TracebackType
from typing import Any

from flask import Flask, Response, g, has_request_context, request
from sqlalchemy.exc import StatementError

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}\Z")
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}
# Drivers whose error messages quote the statement's values (PostgreSQL's DETAIL gives a
# failing row whole: a child's name, date of birth, address).
_DRIVER_MODULES = frozenset({"psycopg", "psycopg2", "sqlite3"})
ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def _database_errors(error: BaseException | None) -> list[BaseException]:
    """Return the database errors in an exception's chain (cause or context)."""
    found, seen = [], set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        driver = type(error).__module__.split(".")[0] in _DRIVER_MODULES
        if driver or isinstance(error, StatementError):
            found.append(error)
        error = error.__cause__ or error.__context__ or getattr(error, "orig", None)
    return found


def _describe(error: BaseException) -> str:
    """Name an error by its class, SQLSTATE and constraint: codes only, never values."""
    kind = type(error)
    facts = {
        "sqlstate": getattr(error, "sqlstate", None),
        "constraint": getattr(getattr(error, "diag", None), "constraint_name", None),
    }
    known = ", ".join(f"{name} {value}" for name, value in facts.items() if value)
    return f"{kind.__module__}.{kind.__qualname__}" + (f" ({known})" if known else "")


def format_exception(exc_info: ExcInfo) -> str:
    """Format a traceback; a database error's message is withheld, since it quotes data."""
    errors = _database_errors(exc_info[1])
    if not errors:
        return "".join(traceback.format_exception(*exc_info)).rstrip("\n")
    stack = "".join(traceback.format_tb(exc_info[2]))
    chain = "; ".join(_describe(error) for error in errors)
    return (
        f"Traceback (most recent call last):\n{stack}{type(exc_info[1]).__name__}: "
        f"message withheld (it may quote personal data): {chain}"
    )


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context() and "request_id" not in record.__dict__:
            entry["request_id"] = g.get("request_id")
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = format_exception(record.exc_info)  # type: ignore[arg-type]
        return json.dumps(entry, default=str)


class WithoutQueryStrings(logging.Filter):
    """Cut the query string out of the request lines of the development server.

    `flask run` (and so `make run`) logs each request as werkzeug sees it, query string
    and all; the app's own access line already gives its path, status and request id.
    """

    _QUERY = re.compile(r"\?[^\s\"]*")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                self._QUERY.sub("", arg) if isinstance(arg, str) else arg for arg in record.args
            )
        record.msg = self._QUERY.sub("", record.msg) if isinstance(record.msg, str) else record.msg
        return True


_WITHOUT_QUERY_STRINGS = WithoutQueryStrings()


def configure_logging(app: Flask) -> None:
    """Send the app's logs to stderr as JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("sywc")
    root.handlers[:] = [handler]
    root.setLevel(app.config["LOG_LEVEL"])
    root.propagate = False
    development_server = logging.getLogger("werkzeug")
    if _WITHOUT_QUERY_STRINGS not in development_server.filters:
        development_server.addFilter(_WITHOUT_QUERY_STRINGS)


def assign_request_id() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
    g.started = time.perf_counter()


def finish_request(response: Response) -> Response:
    response.headers["X-Request-ID"] = g.get("request_id", "")
    elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
    logging.getLogger("sywc.access").info(
        "request",
        extra={
            "request_id": g.get("request_id"),
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round(elapsed, 1),
        },
    )
    return response

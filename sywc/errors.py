"""One error hierarchy, rendered as RFC 9457 problem details by one handler."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, current_app, g, json
from flask_jwt_extended.exceptions import CSRFError, JWTExtendedException
from jwt import PyJWTError
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://sywc.example/problems/"

log = logging.getLogger(__name__)


class SywcError(Exception):
    """Base of every error the service reports to a caller."""

    status: int = 500
    title: str = "Internal Server Error"
    slug: str = "internal-error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = dict(errors) if errors else None
        self.headers = dict(headers or {})
        self.extra = extra


class BadRequest(SywcError):
    status, title, slug = 400, "Bad Request", "bad-request"


class Unauthorized(SywcError):
    status, title, slug = 401, "Unauthorized", "unauthorized"


class PermissionDenied(SywcError):
    status, title, slug = 403, "Forbidden", "forbidden"


class NotFound(SywcError):
    status, title, slug = 404, "Not Found", "not-found"


class NotAcceptable(SywcError):
    status, title, slug = 406, "Not Acceptable", "not-acceptable"


class Conflict(SywcError):
    status, title, slug = 409, "Conflict", "conflict"


class PreconditionFailed(SywcError):
    status, title, slug = 412, "Precondition Failed", "stale-version"


class PayloadTooLarge(SywcError):
    status, title, slug = 413, "Content Too Large", "too-large"


class UnsupportedMediaType(SywcError):
    status, title, slug = 415, "Unsupported Media Type", "unsupported-media-type"


class ValidationFailed(SywcError):
    status, title, slug = 422, "Unprocessable Content", "validation-failed"

    @classmethod
    def field(cls, name: str, message: str) -> ValidationFailed:
        """Build the error for a single field at fault."""
        return cls(f"Invalid value for {name}.", errors={name: [message]})


class PreconditionRequired(SywcError):
    status, title, slug = 428, "Precondition Required", "if-match-required"


class TooManyRequests(SywcError):
    status, title, slug = 429, "Too Many Requests", "rate-limited"


class ServiceUnavailable(SywcError):
    status, title, slug = 503, "Service Unavailable", "unavailable"


# RFC 9110's names where this Python's `HTTPStatus` still has the older ones, so that a
# problem's title is the same whichever layer raised it.
_PHRASES = {413: PayloadTooLarge.title, 422: ValidationFailed.title}


def problem(
    status: int,
    *,
    title: str | None = None,
    detail: str | None = None,
    slug: str | None = None,
    errors: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Response:
    """Render a problem details response."""
    phrase = _PHRASES.get(status) or (
        HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    )
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + (slug or phrase.lower().replace(" ", "-")),
        "title": title or phrase,
        "status": status,
        "detail": detail or title or phrase,
    }
    if errors:
        body["errors"] = errors
    if extra:
        body.update(extra)
    request_id = g.get("request_id")
    if request_id:
        body["request_id"] = request_id
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested messages into {"dotted.field": [messages]}."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(_flatten(value, name))
    elif isinstance(messages, list | tuple) and all(isinstance(m, str) for m in messages):
        out[prefix or "_body"] = [str(m) for m in messages]
    elif isinstance(messages, list | tuple):
        for item in messages:
            out.update(_flatten(item, prefix))
    else:
        out[prefix or "_body"] = [str(messages)]
    return out


def _validation_errors(messages: Mapping[str, Any]) -> dict[str, list[str]]:
    # webargs nests by location; body, query and path fields keep their plain names,
    # headers and cookies are prefixed so a caller knows where to look.
    flat: dict[str, list[str]] = {}
    for location, fields in messages.items():
        plain = location in ("json", "query", "querystring", "view_args", "path")
        flat.update(_flatten(fields, "" if plain else location))
    return flat


def handle_sywc_error(error: SywcError) -> Response:
    return problem(
        error.status,
        title=error.title,
        detail=error.detail,
        slug=error.slug,
        errors=error.errors,
        headers=error.headers,
        extra=error.extra,
    )


def handle_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    headers = dict(data.get("headers") or {})
    valid_methods = getattr(error, "valid_methods", None)
    if status == 405 and valid_methods:
        headers["Allow"] = ", ".join(valid_methods)
    if status == 429:
        headers.setdefault("Retry-After", "60")
    if status == 422 and messages:
        return problem(
            422,
            slug="validation-failed",
            detail="The request has invalid or unknown fields.",
            errors=_validation_errors(messages),
            headers=headers,
        )
    if status == 400 and messages:
        return problem(
            400,
            slug="malformed-request",
            detail="The request body is not valid JSON.",
            headers=headers,
        )
    detail = {
        404: "No such resource.",
        405: "The method is not allowed for this resource.",
        413: "The request body is larger than the service accepts.",
        415: "Send the body as application/json.",
        429: "Too many requests; try again later.",
    }.get(status, error.description if status < 500 else None)
    return problem(status, detail=detail, headers=headers)


def handle_jwt_error(error: Exception) -> Response:
    # Every token fault is a 401: the library's default 422 would tell a caller nothing.
    detail = "The access token is missing, invalid, expired or revoked."
    if isinstance(error, CSRFError):
        detail = "The CSRF token is missing or does not match."
    return problem(
        401, slug="unauthorized", detail=detail, headers={"WWW-Authenticate": 'Bearer realm="sywc"'}
    )


def handle_database_unavailable(error: DBAPIError) -> Response:
    log.error("database unavailable", extra={"error_class": type(error.orig).__name__})
    retry_after = str(current_app.config.get("RETRY_AFTER_SECONDS", 5))
    return problem(
        503,
        slug="unavailable",
        detail="The database is unavailable; try again shortly.",
        headers={"Retry-After": retry_after},
    )


def handle_stale(error: StaleDataError) -> Response:
    return problem(
        412, slug="stale-version", detail="The record was changed by someone else; fetch it again."
    )


def handle_out_of_range(error: Exception) -> Response:
    # A last line of defence: field types refuse these first, with the field named.
    log.warning("value out of range", extra={"error_class": type(error).__name__})
    return problem(422, slug="validation-failed", detail="A value is out of range.")


def handle_unexpected(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    # The traceback goes to the log with the request id; the caller learns nothing more.
    log.exception("unexpected error")
    return problem(500, slug="internal-error", detail="An unexpected error occurred.")


def register_error_handlers(app: Flask) -> None:
    """Route every error, including the libraries', through the one formatter."""
    app.register_error_handler(SywcError, handle_sywc_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(JWTExtendedException, handle_jwt_error)
    app.register_error_handler(PyJWTError, handle_jwt_error)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(StaleDataError, handle_stale)
    app.register_error_handler(DataError, handle_out_of_range)
    app.register_error_handler(OverflowError, handle_out_of_range)
    app.register_error_handler(Exception, handle_unexpected)

"""flask-jwt-extended wiring: principals from sessions, every token fault a 401 problem."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_jwt_extended import JWTManager

from sywc import clock
from sywc.auth.service import load_principal
from sywc.errors import problem

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="sywc"'}


def _unauthorized(detail: str) -> Response:
    return problem(401, slug="unauthorized", detail=detail, headers=_CHALLENGE)


def register_jwt_callbacks(jwt: JWTManager) -> None:
    """Route the library's outcomes through the service's own rules and error format."""

    @jwt.user_lookup_loader
    def _lookup(_header: dict[str, Any], claims: dict[str, Any]) -> Any:
        return load_principal(claims, now=clock.utcnow())

    @jwt.unauthorized_loader
    def _missing(reason: str) -> Response:
        if "CSRF" in reason or "csrf" in reason:
            return _unauthorized("The CSRF token is missing or does not match.")
        return _unauthorized("Authentication is required.")

    @jwt.invalid_token_loader
    def _invalid(_reason: str) -> Response:
        return _unauthorized("The token is invalid.")

    @jwt.expired_token_loader
    def _expired(_header: dict[str, Any], _claims: dict[str, Any]) -> Response:
        return _unauthorized("The token has expired.")

    @jwt.revoked_token_loader
    def _revoked(_header: dict[str, Any], _claims: dict[str, Any]) -> Response:
        return _unauthorized("The token has been revoked.")

    @jwt.user_lookup_error_loader
    def _gone(_header: dict[str, Any], _claims: dict[str, Any]) -> Response:
        return _unauthorized("The session has ended; sign in again.")

    @jwt.token_verification_failed_loader
    def _failed(_header: dict[str, Any], _claims: dict[str, Any]) -> Response:
        return _unauthorized("The token is invalid.")

    @jwt.needs_fresh_token_loader
    def _fresh(_header: dict[str, Any], _claims: dict[str, Any]) -> Response:
        return _unauthorized("A fresh sign-in is required.")

"""The flask-smorest Api and Blueprint, adapted so the document tells the whole contract.

Errors are documented as `application/problem+json`, and each operation lists the
permission it needs and the roles that hold it, from the same table the service enforces.
"""

from __future__ import annotations

import http
import json
from collections.abc import Callable
from typing import Any

import marshmallow as ma
from flask import request
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy

from sywc.fields import unstorable_text
from sywc.http import (
    ETAG_HEADER,
    IF_MATCH_PARAMETER,
    LINK_HEADER,
    PageSchema,
    declared_locations,
)
from sywc.permissions import Permission, Token, roles_with, tokens_taken

PROBLEM_CONTENT_TYPE = "application/problem+json"
UPDATED = (
    "The record with its ETag. A body whose every value equals the stored one changes "
    "nothing: the record keeps its version, so the ETag is the one sent in If-Match."
)


# The security schemes of a browser's cookie of each token, and of the CSRF header sent
# with it (flask-jwt-extended's double submit: the value of the token's readable cookie).
SECURITY_COOKIES = {
    Token.ACCESS: ("cookieAuth", "csrfHeader"),
    Token.REFRESH: ("refreshCookieAuth", "refreshCsrfHeader"),
}
SECURITY_SCHEMES: dict[str, dict[str, str]] = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "`Authorization: Bearer <token>`: the access token, except where an "
        "operation says it takes the refresh token.",
    },
    "cookieAuth": {
        "type": "apiKey",
        "in": "cookie",
        "name": "access_token_cookie",
        "description": "Browser mode (`use_cookies` at login): the HttpOnly access token "
        "cookie, which the browser sends by itself.",
    },
    "csrfHeader": {
        "type": "apiKey",
        "in": "header",
        "name": "X-CSRF-TOKEN",
        "description": "Browser mode, with `access_token_cookie` on POST, PUT, PATCH and "
        "DELETE: the value of the readable `csrf_access_token` cookie. Without it, or with "
        "another value, the answer is 401.",
    },
    "refreshCookieAuth": {
        "type": "apiKey",
        "in": "cookie",
        "name": "refresh_token_cookie",
        "description": "Browser mode: the HttpOnly refresh token cookie, which the browser "
        "sends by itself to `/api/v1/auth/` only.",
    },
    "refreshCsrfHeader": {
        "type": "apiKey",
        "in": "header",
        "name": "X-CSRF-TOKEN",
        "description": "Browser mode, with `refresh_token_cookie`: the value of the readable "
        "`csrf_refresh_token` cookie. Without it, or with another value, the answer is 401.",
    },
}


class ExistingRecordSchema(ma.Schema):
    """The record a likely duplicate matches: its id and reference, nothing more."""

    id = ma.fields.Integer()
    reference = ma.fields.String()


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details."""

    type = ma.fields.String(metadata={"description": "URI naming the kind of problem"})
    title = ma.fields.String()
    status = ma.fields.Integer()
    detail = ma.fields.String()
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={"description": "Validation failures, by field"},
    )
    request_id = ma.fields.String()
    existing = ma.fields.Nested(
        ExistingRecordSchema,
        metadata={"description": "The record already held, on a likely duplicate (409)"},
    )


class SywcApi(Api):
    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            content_type = self.DEFAULT_RESPONSE_CONTENT_TYPE
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                content_type = PROBLEM_CONTENT_TYPE
            prepare_response(response, self.spec, content_type)
            self.spec.components.response(status.name, response, lazy=True)
        default = {"description": "Error", "schema": self.ERROR_SCHEMA}
        prepare_response(default, self.spec, PROBLEM_CONTENT_TYPE)
        self.spec.components.response("DEFAULT_ERROR", default, lazy=True)


def _repeated_single_values(data: MultiDictProxy, schema: ma.Schema) -> dict[str, list[str]]:
    """Name the keys of a query string or form given more than once that take one value.

    webargs would take the first and drop the rest: `?rag=red&rag=green` would list the
    red alone, and `?page=1&page=0` would pass its check with the value not checked.
    """
    single = {field.data_key or name for name, field in schema.fields.items()}
    single -= data.multiple_keys
    return {
        key: ["Given more than once; send one value."]
        for key in data.data
        if key in single and len(data.data.getlist(key)) > 1
    }


class StrictParser(FlaskParser):
    """Reject unknown query parameters as well as unknown body fields, and repeated ones.

    A mistyped filter (`?rag_rating=red`) silently ignored would return the whole cohort
    to someone who asked for part of it.
    """

    DEFAULT_UNKNOWN_BY_LOCATION = {
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": ma.RAISE,
        "querystring": ma.RAISE,
    }

    def _raw_load_json(self, req: Any) -> Any:
        """Parse a JSON body; one the decoder cannot read whole is malformed (400)."""
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            # Nesting deeper than the decoder follows is malformed JSON, not a server fault.
            return self._handle_invalid_json_error(
                json.JSONDecodeError("Nested too deeply.", "[", 0), req
            )
        except ValueError as error:
            # An integer of more digits than Python converts (4,300) raises a plain
            # ValueError, which the parser does not take for a decoding error.
            return self._handle_invalid_json_error(json.JSONDecodeError(str(error), "", 0), req)

    def pre_load(self, location_data: Any, *, schema: ma.Schema, req: Any, location: str) -> Any:
        """Refuse text the database cannot store, naming the field, before any schema runs;
        then a parameter or form field given more than once where one value is taken."""
        try:
            errors = unstorable_text(location_data)
        except RecursionError:
            # No request schema nests deeply: a body that does is refused whole.
            raise ma.ValidationError({"_body": ["Nested too deeply."]}) from None
        if errors:
            raise ma.ValidationError(errors)
        # A query string, or a form (the partner token endpoint's, read as its body).
        if isinstance(location_data, MultiDictProxy) and location not in ("headers", "cookies"):
            repeated = _repeated_single_values(location_data, schema)
            if repeated:
                raise ma.ValidationError(repeated)
        return location_data


class NoBodySchema(ma.Schema):
    """No fields: what an operation that declares no body accepts (nothing, or `{}`)."""


# Where a route's declared arguments make it take a body.
_BODY_LOCATIONS = frozenset({"json", "form", "json_or_form", "files"})
_NO_BODY_PARSER = StrictParser()


def check_undeclared_body() -> None:
    """Refuse a body on an operation that declares none, as an empty body schema would.

    Such a route would act on anything sent: a rotation of a partner's secret on a
    truncated body, or on fields meant for another route. Malformed JSON is 400 and
    anything but an empty body or `{}` is 422, before the view runs.
    """
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    locations = declared_locations()
    if locations is None or locations & _BODY_LOCATIONS:
        return
    _NO_BODY_PARSER.parse(NoBodySchema(), request, location="json")


class SywcBlueprint(Blueprint):
    """A blueprint whose routes declare their permission in code and in the document.

    Query parameters are declared by ONE schema per route (filters subclass `PageArgs`),
    since each query schema rejects the parameters it does not know.
    """

    ARGUMENTS_PARSER = StrictParser()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.append(self._prepare_security_doc)

    def permission(
        self, permission: Permission, *, tokens: tuple[Token, ...] | None = None
    ) -> Callable:
        """Declare the permission a route needs; enforced before the view runs.

        `tokens` names the tokens the route takes when not the usual (the access token,
        or the refresh token alone for `SESSION_REFRESH`), in the order they are tried.
        """
        taken = tokens or tokens_taken(permission)

        def decorator(func: Callable) -> Callable:
            func._sywc_permission = permission  # type: ignore[attr-defined]
            func._sywc_tokens = taken  # type: ignore[attr-defined]
            allowed = roles_with(permission)
            doc = {"x-permission": str(permission), "x-roles": allowed}
            func = self.doc(**doc)(func)
            # Read per method by `_prepare_security_doc`: the CSRF header depends on it.
            func._apidoc["sywc_tokens"] = [str(token) for token in taken]  # type: ignore[attr-defined]
            func = self.alt_response(401, response="UNAUTHORIZED")(func)
            func = self.alt_response(403, response="FORBIDDEN")(func)
            return func

        return decorator

    @staticmethod
    def _prepare_security_doc(
        doc: dict[str, Any], doc_info: dict[str, Any], *, app: Any, method: str, **kwargs: Any
    ) -> dict[str, Any]:
        """Document how an operation is signed in: a bearer token, or the browser's cookie
        with, on a method that changes state, the CSRF header paired with that cookie."""
        tokens = doc_info.get("sywc_tokens")
        if tokens is None:
            return doc
        csrf = method.upper() in app.config["JWT_CSRF_METHODS"]
        security: list[dict[str, list[str]]] = [{"bearerAuth": []}]
        for token in tokens:
            cookie, header = SECURITY_COOKIES[Token(token)]
            security.append({cookie: [], header: []} if csrf else {cookie: []})
        doc["security"] = security
        return doc

    def conditional_update(self, body: type[ma.Schema], result: type[ma.Schema]) -> Callable:
        """Declare a change guarded by If-Match: its body, the record with its new ETag,
        and the 404, 412 (stale) and 428 (no If-Match) answers."""
        decorators = (
            self.doc(parameters=[IF_MATCH_PARAMETER]),
            self.arguments(body),
            self.response(200, result, headers=ETAG_HEADER, description=UPDATED),
            self.alt_response(404, response="NOT_FOUND"),
            self.alt_response(412, response="PRECONDITION_FAILED"),
            self.alt_response(428, response="PRECONDITION_REQUIRED"),
        )

        def decorate(func: Callable) -> Callable:
            for decorator in reversed(decorators):
                func = decorator(func)
            return func

        return decorate

    def response(self, status_code: Any, schema: Any = None, **kwargs: Any) -> Callable:
        """Declare a response; a page of a list also declares its `Link` header."""
        if isinstance(schema, type) and issubclass(schema, PageSchema):
            kwargs["headers"] = {**LINK_HEADER, **(kwargs.get("headers") or {})}
        return super().response(status_code, schema, **kwargs)

    def public(self, func: Callable) -> Callable:
        """Mark a route that needs no token (login, health); the walk test lists them."""
        func._sywc_permission = "public"  # type: ignore[attr-defined]
        return self.doc(security=[], **{"x-permission": "public", "x-roles": ["anyone"]})(func)

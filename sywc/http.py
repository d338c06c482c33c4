"""HTTP plumbing every domain uses: pagination, ETag / If-Match, list envelopes."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import marshmallow as ma
import sqlalchemy as sa
from flask import Response, current_app, request
from sqlalchemy.orm import Session, scoped_session

from sywc.dumping import PlannedList
from sywc.errors import (
    PayloadTooLarge,
    PreconditionFailed,
    PreconditionRequired,
    UnsupportedMediaType,
    ValidationFailed,
)

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
# Counting every match of a broad filter costs more than the page, and the more so the
# larger the deployment; past this many the total is reported as a lower bound ("1,000+"),
# so a total costs at most this many index entries whatever the data's size.
COUNT_CAP = 1_000
# The name of a page's total: the column its rows carry it in, and the rows it counts.
PAGE_TOTAL = "page_total"


class PageArgs(ma.Schema):
    limit = ma.fields.Integer(
        load_default=DEFAULT_LIMIT, validate=ma.validate.Range(min=1, max=MAX_LIMIT)
    )
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100_000))


class ChangesSchema(ma.Schema):
    """A PATCH body: the fields to change, at least one of them.

    A body naming nothing is refused. One naming only what is already stored changes
    nothing: the service drops every value equal to the stored one (`effective_changes`),
    so the record keeps its version and every other editor's ETag stays good.
    """

    class Meta:
        description = "The fields to change: at least one."

    @ma.validates_schema
    def _something_to_change(self, data: dict[str, Any], **_: Any) -> None:
        if not data:
            raise ma.ValidationError("Send at least one field to change.", "_body")


class PageSchema(ma.Schema):
    page = ma.fields.Integer(required=True)
    limit = ma.fields.Integer(required=True)
    total = ma.fields.Integer(
        required=True, metadata={"description": f"Matching records, capped at {COUNT_CAP}"}
    )
    total_capped = ma.fields.Boolean(
        required=True, metadata={"description": "True when `total` is a lower bound"}
    )
    next_page = ma.fields.Integer(allow_none=True)
    prev_page = ma.fields.Integer(allow_none=True)


def page_schema(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """Build the list envelope `{"items": [...], paging}` for `item_schema`."""
    return type(name, (PageSchema,), {"items": PlannedList(item_schema)})


@dataclass
class Page:
    items: list[Any]
    page: int
    limit: int
    total: int
    total_capped: bool
    # Whether a row follows this page: known exactly, even when `total` is capped.
    more: bool
    # Query arguments the neighbouring pages' links carry besides the caller's own: a
    # bound the first page fixed, so that rows added since do not shift the pages.
    pinned: dict[str, str] = field(default_factory=dict)

    @property
    def next_page(self) -> int | None:
        return self.page + 1 if self.more else None

    @property
    def prev_page(self) -> int | None:
        return self.page - 1 if self.page > 1 else None

    def body(self, items: list[Any] | None = None) -> dict[str, Any]:
        return {
            "items": self.items if items is None else items,
            "page": self.page,
            "limit": self.limit,
            "total": self.total,
            "total_capped": self.total_capped,
            "next_page": self.next_page,
            "prev_page": self.prev_page,
        }

    def link_header(self) -> dict[str, str]:
        """Return RFC 8288 `Link` headers for the neighbouring pages."""
        links = []
        for rel, number in (("next", self.next_page), ("prev", self.prev_page)):
            if number is not None:
                args = request.args.to_dict(flat=False)
                args.update({name: [value] for name, value in self.pinned.items()})
                args["page"] = [str(number)]
                links.append(f'<{request.base_url}?{urlencode(args, doseq=True)}>; rel="{rel}"')
        return {"Link": ", ".join(links)} if links else {}


def paginate(
    session: Session | scoped_session[Any],
    stmt: sa.Select[Any],
    *,
    page: int,
    limit: int,
    scalars: bool = True,
) -> Page:
    """Run `stmt` for one page (it must carry a total order), with its matches counted.

    The count rides on the page itself, as a column every row repeats (PostgreSQL runs
    the uncorrelated subquery once): one statement and one round trip for a page and
    its total. Only a page past the end, which has no row to carry it, counts alone.
    The count stops at the cap or, on a page beyond it, one row past the page's end
    (which the page's own OFFSET reads anyway), so whether a next page exists is known
    exactly however deep the page. With `scalars=False` the items are the rows as read,
    so each ends with `page_total`: read them by name.
    """
    offset = (page - 1) * limit
    upto = max(COUNT_CAP, offset + limit)
    counted = stmt.add_columns(_count(stmt, upto).scalar_subquery().label(PAGE_TOTAL))
    rows = session.execute(counted.limit(limit).offset(offset)).all()
    if rows:
        total = rows[0][-1]
    elif page == 1:
        total = 0
    else:
        total = session.execute(_count(stmt, upto)).scalar_one()
    items = [row[0] for row in rows] if scalars else list(rows)
    return Page(
        items, page, limit, min(total, COUNT_CAP), total > COUNT_CAP, total > offset + limit
    )


def _count(stmt: sa.Select[Any], upto: int) -> sa.Select[Any]:
    """Count the matching rows, stopping at one past `upto`."""
    # Count the rows, not their columns: a column computed per row (a young person's
    # flags, say) would otherwise be computed for every row counted.
    counted = (
        stmt.order_by(None)
        .with_only_columns(sa.literal_column("1").label("one"), maintain_column_froms=True)
        .limit(upto + 1)
        .subquery(PAGE_TOTAL)
    )
    return sa.select(sa.func.count()).select_from(counted)


def paged(page: Page, items: list[Any] | None = None) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Return a view's result for a page: body, status and Link headers."""
    return page.body(items), 200, page.link_header()


def etag(version: int) -> dict[str, str]:
    """Return the ETag header for a record at `version`."""
    return {"ETag": f'"{version}"'}


_ETAG = re.compile(r'^(?:W/)?"(\d{1,18})"$')
# The versions an If-Match names: the record may be changed if it is at any of them
# (RFC 9110: a list matches when any of its entity tags does).
Versions = frozenset[int]


def if_match_version() -> Versions:
    """Return the versions the caller's If-Match names (428 when absent or `*`, 412 when
    it names none)."""
    header = request.headers.get("If-Match")
    if header is None:
        raise PreconditionRequired("Send If-Match with the ETag you last read.")
    if _matches_any(header):
        # Any stored version would match: the lost-update guard the header is asked for.
        raise PreconditionRequired("Send If-Match with the ETag you last read, not '*'.")
    return _version(header)


def optional_if_match_version() -> Versions | None:
    """Return the versions an optional If-Match names, or None when it names none (absent,
    or `*`, which any stored version matches); 412 when it names no version at all."""
    header = request.headers.get("If-Match")
    if header is None or _matches_any(header):
        return None
    return _version(header)


def _matches_any(header: str) -> bool:
    return header.strip() == "*"


def _version(header: str) -> Versions:
    # Our tags are quoted digits, so a comma inside another server's tag only splits
    # it into members that match nothing, as that tag would.
    matches = (_ETAG.match(member.strip()) for member in header.split(","))
    versions = frozenset(int(match.group(1)) for match in matches if match)
    if not versions:
        raise PreconditionFailed("If-Match does not name a version of this record.")
    return versions


def check_version(current: int, expected: int | Versions) -> None:
    """Refuse an update based on a stale read."""
    if current not in (expected if isinstance(expected, frozenset) else {expected}):
        raise PreconditionFailed("The record was changed by someone else; fetch it again.")


def effective_changes(
    changes: Mapping[str, Any], unchanged: Callable[[str, Any], bool]
) -> dict[str, Any]:
    """Return the changes that would store something new; `unchanged(name, value)` tells
    whether `value`, normalised as it would be stored, equals what is stored already."""
    return {name: value for name, value in changes.items() if not unchanged(name, value)}


IF_MATCH_PARAMETER = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "schema": {"type": "string"},
    "description": "The ETag of the version being changed, or a list of ETags any of which "
    "may be current (428 without it or with `*`, 412 when stale)",
}
ETAG_HEADER = {"ETag": {"schema": {"type": "string"}, "description": "The record's version"}}
LINK_HEADER = {
    "Link": {
        "schema": {"type": "string"},
        "description": 'RFC 8288 links to the neighbouring pages (rel="next", rel="prev"), '
        "when there are any",
    }
}


def check_request_body() -> None:
    """Refuse bodies that are too large (413) or not JSON (415) before any parsing."""
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge()
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    if chunked and request.content_length is None:
        _read_unsized_body(limit)
    has_body = bool(request.content_length) or chunked
    if not has_body:
        return
    view = current_app.view_functions.get(request.endpoint or "")
    accepted = set(getattr(view, "_sywc_accepts", ())) | {"application/json"}
    if request.mimetype not in accepted:
        raise UnsupportedMediaType(f"Send the body as {' or '.join(sorted(accepted))}.")


def _read_unsized_body(limit: int) -> None:
    """Read a body sent without Content-Length (chunked), refusing one over `limit` (413).

    The server ends such a body itself (gunicorn marks it `wsgi.input_terminated`), and
    Werkzeug stops reading it at the limit without a word, so the parser would take its
    first `limit` bytes for the whole: a longer body cut to valid JSON would be acted on.
    One byte past the limit is read to tell a body at the limit from a longer one; what
    was read is kept for the parser.
    """
    request.max_content_length = limit + 1
    try:
        body = request.get_data(cache=True)
    finally:
        request.max_content_length = limit
    if len(body) > limit:
        raise PayloadTooLarge()


def declared_locations() -> set[str] | None:
    """Where the current operation takes arguments (query, json, form...), or None when
    the route is not an API operation (the OpenAPI document and its viewer)."""
    view = current_app.view_functions.get(request.endpoint or "")
    doc = getattr(view, "_apidoc", None)
    if doc is None:
        return None
    return {parameter.get("in") for parameter in doc.get("arguments", {}).get("parameters", [])}


def check_query_string() -> None:
    """Refuse query parameters on a route that declares none (the others' schemas refuse
    unknown ones), so a filter that does nothing is never silently ignored."""
    if not request.args:
        return
    locations = declared_locations()
    if locations is None or "query" in locations:
        return
    raise ValidationFailed(
        "This resource takes no query parameters.",
        errors={name: ["Unknown field."] for name in request.args},
    )


# Every response: no type sniffing, never framed, no referrer leaving with a link. The
# API's answers hold children's data, so no browser or proxy may keep a copy (the
# OpenAPI document and its viewer may be cached). HSTS belongs to the proxy, where TLS ends.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
API_PREFIX = "/api/v1/"
API_DOCUMENTS = ("/api/v1/openapi.json", "/api/v1/docs")


def add_security_headers(response: Response) -> Response:
    """Set the security headers on a response (after every request)."""
    response.headers.update(SECURITY_HEADERS)
    path = request.path
    if path.startswith(API_PREFIX) and not path.startswith(API_DOCUMENTS):
        response.headers["Cache-Control"] = "no-store"
    return response

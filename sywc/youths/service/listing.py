"""Listing the cohort: filters and orderings as SQL, applied before paging."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from sywc import clock
from sywc.audit import service as audit
from sywc.extensions import db
from sywc.http import Page, paginate
from sywc.security import Principal
from sywc.youths import policies
from sywc.youths.enums import Rag, YouthStatus
from sywc.youths.models import Youth
from sywc.youths.names import search_terms
from sywc.youths.schedule import ScheduleRules, missed_before
from sywc.youths.service.tracking import schedule_rules

MAX_ID = 2**31 - 1
_REFERENCE = re.compile(r"^\s*YP-?0*(\d{1,12})\s*$", re.IGNORECASE)
_EQUALITY = ("borough", "rag", "ward", "lead_agency", "status", "cohort_reason")
_RAG_ORDER = sa.case(
    {str(Rag.RED): 0, str(Rag.AMBER): 1, str(Rag.GREEN): 2}, value=Youth.rag, else_=3
)


def _search(stmt: sa.Select[Any], text: str) -> sa.Select[Any]:
    # Search covers names and references only, never notes or rationales.
    reference = _REFERENCE.match(text)
    if reference:
        number = int(reference.group(1))
        return stmt.where(Youth.id == number if number <= MAX_ID else sa.false())
    terms = search_terms(text)
    if not terms:
        return stmt.where(sa.false())
    return stmt.where(*(Youth.name_key.contains(term, autoescape=True) for term in terms))


def filter_cohort(
    stmt: sa.Select[Any], filters: dict[str, Any], *, today: date, rules: ScheduleRules
) -> sa.Select[Any]:
    """Apply the documented list filters to a query over youths."""
    for name in _EQUALITY:
        if name in filters:
            stmt = stmt.where(getattr(Youth, name) == filters[name])
    # Closed records have no due date; naming the status as well lets these be one range
    # scan of ix_youths_schedule (borough, status, next_visit_due).
    due, active = Youth.next_visit_due, Youth.status == YouthStatus.ACTIVE
    if "overdue" in filters:
        threshold = missed_before(today, rules)
        overdue = sa.and_(active, due < threshold)
        stmt = stmt.where(
            overdue if filters["overdue"] else sa.or_(due >= threshold, due.is_(None))
        )
    if "due_before" in filters:
        stmt = stmt.where(active, due <= filters["due_before"])
    if "q" in filters:
        stmt = _search(stmt, filters["q"])
    return stmt


def _ordering(sort: str) -> list[Any]:
    descending = sort.startswith("-")
    key = {
        "next_visit_due": Youth.next_visit_due,
        "rag": _RAG_ORDER,
        "name": Youth.name_key,
        "updated_at": Youth.updated_at,
    }[sort.lstrip("-")]
    if descending:
        return [key.desc().nulls_last(), Youth.id.desc()]
    return [key.asc().nulls_last(), Youth.id.asc()]


def audit_filters(filters: dict[str, Any]) -> dict[str, Any]:
    """Describe filters for the trail without any name a caller searched for."""
    described = {k: str(v) for k, v in filters.items() if k != "q"}
    if "q" in filters:
        described["q"] = "given"
    return described


def list_youths(
    *,
    principal: Principal,
    filters: dict[str, Any],
    sort: str,
    page: int,
    limit: int,
    now: datetime,
) -> Page:
    """List the young people the caller may see; the page read is one audit event."""
    stmt = visible_youths_stmt(principal)
    stmt = filter_cohort(stmt, filters, today=clock.business_date(now), rules=schedule_rules())
    result = paginate(db.session, stmt.order_by(*_ordering(sort)), page=page, limit=limit)
    audit.record(
        "youths_listed",
        record_type="youth",
        record_ids=[youth.id for youth in result.items],
        actor=principal,
        now=now,
        details={"filters": audit_filters(filters), "sort": sort, "page": page},
    )
    db.session.commit()
    return result


def visible_youths_stmt(principal: Principal) -> sa.Select[Any]:
    """Return the caller's cohort as a query."""
    return policies.visible_youths(sa.select(Youth), principal)

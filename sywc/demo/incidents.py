"""Demo incidents and PVS meetings with their actions, across wards and the last 18 months.

One incident per ~20 young people; most stabbings and shootings get a PVS meeting within
days, some a follow-up; actions are owned across agencies, and the past-due ones are a
mix of done on time, done late, cancelled and still open (overdue).
"""

from __future__ import annotations

from bisect import bisect_left
from datetime import datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from config.reference import BOROUGH_CODES, ward_codes
from sywc import clock
from sywc.demo import DemoContext
from sywc.incidents.enums import IncidentType, InvolvementRole
from sywc.incidents.models import Incident, Involvement
from sywc.pvs.enums import ActionStatus, ActionType
from sywc.pvs.models import PvsAction, PvsAttendee, PvsIndividual, PvsMeeting

DAYS_BACK = 548  # about 18 months
TYPE_WEIGHTS = {
    IncidentType.STABBING: 30,
    IncidentType.ASSAULT: 25,
    IncidentType.ROBBERY: 25,
    IncidentType.SHOOTING: 5,
    IncidentType.OTHER: 15,
}
MEETING_CHANCE = {IncidentType.STABBING: 0.85, IncidentType.SHOOTING: 0.95}
PLACES = [
    "Outside a fictional parade of shops",
    "Near the demo estate",
    "By the bus stop",
    "In the park",
    "Near the station",
]
# Partners attend too: a school appears by its (fictional) name, agencies by their code.
ATTENDEES = [
    ("MPS", "Gangs unit"),
    ("IGXU", "Exploitation lead"),
    ("YOT", "Case manager"),
    ("CSC", "Team manager"),
    ("EARLY_HELP", "Family practitioner"),
    ("Demo Academy (fictional school)", "Designated safeguarding lead"),
]
ACTION_TEXT = {
    ActionType.ENGAGE: "Home visit to engage the young person and family",
    ActionType.DIVERT: "Offer a place on the diversion programme",
    ActionType.SAFEGUARD: "Safety plan and strategy discussion",
    ActionType.ENFORCE: "Disruption visit at the associated address",
    ActionType.COMMUNICATE: "Deliver the holding message at the community meeting",
    ActionType.OTHER: "Share the outcome with the school",
}
# Past-due actions cycle through these, so every kind appears even in a small demo.
PAST_DUE = ["on_time", "late", "open", "on_time", "cancelled", "late", "on_time", "open"]


def build(ctx: DemoContext) -> None:
    """Insert incidents, meetings and actions in bulk, deterministically from ctx.rng."""
    people = _people_by_borough(ctx)
    incidents = [_incident(ctx, people) for _ in range(max(2, ctx.n_youths // 20))]
    incidents.sort(key=lambda item: item["row"]["occurred_at"])
    ids = _insert(ctx, Incident, [item["row"] for item in incidents])
    pairs = list(zip(ids, incidents, strict=True))
    _insert_rows(
        ctx, Involvement, [{"incident_id": i, **p} for i, it in pairs for p in it["people"]]
    )
    meetings = [meeting for i, item in pairs for meeting in _meetings(ctx, i, item)]
    meeting_ids = _insert(ctx, PvsMeeting, [m["row"] for m in meetings])
    _insert_children(ctx, meeting_ids, meetings)
    ctx.summary["incidents"] = len(ids)
    ctx.summary["pvs_meetings"] = len(meeting_ids)


def _people_by_borough(ctx: DemoContext) -> dict[str, list[int]]:
    """Return each borough's young people, those who came into the cohort first first."""
    people: dict[str, list[int]] = {code: [] for code in BOROUGH_CODES}
    for youth_id in ctx.youth_ids:
        people.setdefault(ctx.youth_borough.get(youth_id, ""), []).append(youth_id)
    for pool in people.values():
        pool.sort(key=lambda youth_id: (ctx.youth_entered[youth_id], youth_id))
    return people


def _insert_rows(ctx: DemoContext, model: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        ctx.session.execute(sa.insert(model), rows)


def _insert(ctx: DemoContext, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    if not rows:
        return []
    stmt = sa.insert(model).returning(model.id, sort_by_parameter_order=True)
    return list(ctx.session.scalars(stmt, rows))


def _incident(ctx: DemoContext, people: dict[str, list[int]]) -> dict[str, Any]:
    rng = ctx.rng
    borough = rng.choice(sorted(BOROUGH_CODES))
    kind = rng.choices(list(TYPE_WEIGHTS), weights=list(TYPE_WEIGHTS.values()))[0]
    occurred = ctx.now - timedelta(days=rng.uniform(0.5, DAYS_BACK))
    recorder = rng.choice(ctx.officers(borough=borough, agency="MPS"))
    # Only records that existed when the incident was recorded can be named in it.
    recorded = min(occurred + timedelta(hours=2), ctx.now)
    pool = people.get(borough, [])
    existing = bisect_left(pool, recorded.date(), key=lambda y: ctx.youth_entered[y])
    picks = rng.sample(range(existing), min(existing, rng.choice([1, 1, 2, 2, 3, 4])))
    chosen = [pool[i] for i in picks]
    roles = [InvolvementRole.VICTIM, *rng.choices(list(InvolvementRole)[1:], k=len(chosen))]
    row = {
        "borough": borough,
        "occurred_at": occurred,
        "type": str(kind),
        "ward": rng.choice(sorted(ward_codes(borough))),
        "location": rng.choice(PLACES),
        "summary": f"Fictional demo {kind}: details held in the police record.",
        "created_by_id": recorder,
        "created_at": recorded,
        "updated_at": recorded,
        "version": 1,
    }
    people_rows = [{"youth_id": y, "role": str(r)} for y, r in zip(chosen, roles, strict=False)]
    return {"row": row, "people": people_rows, "kind": kind}


def _meetings(ctx: DemoContext, incident_id: int, item: dict[str, Any]) -> list[dict[str, Any]]:
    row = item["row"]
    if ctx.rng.random() >= MEETING_CHANCE.get(item["kind"], 0.15):
        return []
    chairs = ctx.officers(borough=row["borough"], agency="MPS", senior=True)
    held = row["occurred_at"] + timedelta(hours=ctx.rng.uniform(6, 72))
    if not chairs or held > ctx.now:
        return []
    first = _meeting(ctx, incident_id, item, held=held, chair=ctx.rng.choice(chairs))
    follow_up = datetime.combine(first["row"]["follow_up_on"], held.timetz())
    if follow_up > ctx.now or ctx.rng.random() > 0.3:
        return [first]
    return [first, _meeting(ctx, incident_id, item, held=follow_up, chair=first["row"]["chair_id"])]


def _meeting(
    ctx: DemoContext, incident_id: int, item: dict[str, Any], *, held: datetime, chair: int
) -> dict[str, Any]:
    rng = ctx.rng
    borough = item["row"]["borough"]
    recorded = min(held + timedelta(hours=1), ctx.now)
    row = {
        "incident_id": incident_id,
        "borough": borough,
        "held_at": held,
        "chair_id": chair,
        "decisions": "Patrol plan agreed; partners to engage those identified.",
        "safeguarding_concerns": "Risk of retaliation considered for each young person.",
        "holding_message": "Police are aware and are working with partners.",
        "community_meeting_needed": rng.random() < 0.4,
        "delivered_by": rng.choice(["Safer Neighbourhood Team", "Council community safety"]),
        "messaging_location": "Local community centre",
        "follow_up_on": clock.business_date(held) + timedelta(days=rng.randint(7, 14)),
        "created_by_id": chair,
        "created_at": recorded,
        "updated_at": recorded,
        "version": 1,
    }
    chosen = rng.sample(ATTENDEES, rng.randint(3, 5))
    attendees = [
        {"name": f"Demo attendee {n}", "agency": agency, "role": role}
        for n, (agency, role) in enumerate(chosen, start=1)
    ]
    owners = ctx.officers(borough=borough)
    actions = (
        [_action(ctx, row, rng.choice(owners)) for _ in range(rng.randint(2, 4))] if owners else []
    )
    return {"row": row, "attendees": attendees, "people": item["people"], "actions": actions}


def _action(ctx: DemoContext, meeting: dict[str, Any], owner: int) -> dict[str, Any]:
    kind = ctx.rng.choice(list(ActionType))
    due = clock.business_date(meeting["held_at"]) + timedelta(days=ctx.rng.randint(2, 21))
    return {
        "borough": meeting["borough"],
        "description": ACTION_TEXT[kind],
        "type": str(kind),
        "owner_id": owner,
        "agency": ctx.user_agency[owner],
        "due_on": due,
        "status": str(ActionStatus.OPEN),
        "completion_note": None,
        "cancel_reason": None,
        "completed_at": None,
        "created_by_id": meeting["chair_id"],
        "created_at": meeting["created_at"],
        "updated_at": meeting["created_at"],
        "version": 1,
    }


def _settle(ctx: DemoContext, actions: list[dict[str, Any]]) -> None:
    """Give each action its outcome: past-due ones cycle through PAST_DUE, in order."""
    past_due = 0
    for action in actions:
        if action["due_on"] >= ctx.today:
            outcome = "on_time" if ctx.rng.random() < 0.2 else "open"
        else:
            outcome, past_due = PAST_DUE[past_due % len(PAST_DUE)], past_due + 1
        action.update(_outcome(ctx, action, outcome))


def _outcome(ctx: DemoContext, action: dict[str, Any], outcome: str) -> dict[str, Any]:
    start = action["created_at"]
    deadline = datetime.combine(action["due_on"], time(17), tzinfo=clock.business_zone())
    if outcome == "late" and deadline + timedelta(days=1) < ctx.now:
        at = _between(ctx, deadline + timedelta(days=1), ctx.now)
    elif outcome in ("on_time", "cancelled"):
        at = _between(ctx, start, min(deadline, ctx.now))
    else:
        return {}
    closed = {"completed_at": at, "updated_at": at, "version": 2}
    if outcome == "cancelled":
        return {**closed, "status": "cancelled", "cancel_reason": "No longer needed (demo)."}
    return {**closed, "status": "done", "completion_note": "Completed (demo)."}


def _between(ctx: DemoContext, start: datetime, end: datetime) -> datetime:
    return start + (end - start) * ctx.rng.random() if end > start else start


def _insert_children(
    ctx: DemoContext, meeting_ids: list[int], meetings: list[dict[str, Any]]
) -> None:
    pairs = list(zip(meeting_ids, meetings, strict=True))
    attendees = [{"meeting_id": i, **a} for i, m in pairs for a in m["attendees"]]
    people = [{"meeting_id": i, **p} for i, m in pairs for p in m["people"]]
    actions = [{"meeting_id": i, **a} for i, m in pairs for a in m["actions"]]
    _settle(ctx, actions)
    for model, rows in ((PvsAttendee, attendees), (PvsIndividual, people), (PvsAction, actions)):
        _insert_rows(ctx, model, rows)
    ctx.summary["pvs_actions"] = len(actions)

"""Demo referrals: every workflow state, some overdue, some from a partner system, some unmatched.

Also the demo partner client, whose secret is put in `ctx.partner` to be printed once.
"""

from __future__ import annotations

import secrets
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from config.reference import BOROUGH_CODES, REASON_CODE_VALUES
from sywc.auth.models import PartnerClient
from sywc.auth.passwords import hash_password
from sywc.demo import DemoContext
from sywc.referrals.clock import ClockSettings, acknowledge_by
from sywc.referrals.enums import Action, ReferralStatus
from sywc.referrals.models import Referral, ReferralTransition
from sywc.referrals.workflow import TIMESTAMP_OF, TRANSITIONS
from sywc.youths.models import Youth
from sywc.youths.names import name_key

PARTNER_NAME = "Demo Academy Trust (fictional school system)"
PARTNER_AGENCIES = ["EARLY_HELP", "MASH"]
# Fictional children who are not in the cohort: their referrals wait to be matched.
UNKNOWN_CHILDREN = [("Robin", "Unmatched"), ("Casey", "Notonfile"), ("Jamie", "Newcomer")]


@dataclass(frozen=True)
class Scenario:
    sender: str  # an agency code, or "partner"
    to_agency: str
    steps: tuple[Action, ...]
    days_ago: int
    urgency: str = "standard"
    matched: bool = True


SCENARIOS = (
    Scenario("MPS", "IGXU", (), 0, "urgent"),
    Scenario("MPS", "IGXU", (), 9, "urgent"),  # overdue
    Scenario("YOT", "IGXU", (), 12),  # overdue
    Scenario("YOT", "IGXU", (Action.ACKNOWLEDGE,), 3),
    Scenario("MPS", "MASH", (Action.ACKNOWLEDGE, Action.ACCEPT), 6, "urgent"),
    Scenario("EARLY_HELP", "CSC", (Action.ACKNOWLEDGE, Action.DECLINE), 10),
    Scenario("IGXU", "YOT", (Action.WITHDRAW,), 4),
    Scenario("MPS", "EARLY_HELP", (Action.ACKNOWLEDGE, Action.ACCEPT, Action.CLOSE), 30),
    Scenario("CSC", "YOT", (Action.ACKNOWLEDGE, Action.DECLINE, Action.CLOSE), 25),
    Scenario("partner", "MASH", (), 1, "urgent", matched=False),
    Scenario("partner", "MASH", (), 14, matched=False),  # overdue, unmatched
    Scenario("partner", "EARLY_HELP", (Action.ACKNOWLEDGE,), 5),
    Scenario("partner", "EARLY_HELP", (Action.ACKNOWLEDGE, Action.DECLINE), 8, matched=False),
    Scenario("partner", "EARLY_HELP", (Action.ACKNOWLEDGE, Action.ACCEPT), 11),
)

# Referrals that have run their course, repeated as history.
FINISHED = tuple(
    s
    for s in SCENARIOS
    if set(s.steps) & {Action.ACCEPT, Action.DECLINE, Action.WITHDRAW, Action.CLOSE}
)
# One more round of referrals for every this many young people of a borough.
YOUTHS_PER_ROUND = 50
HISTORY_DAYS = 700
# A stride through the cohort, coprime with any size, so referrals fall on many children.
SPREAD = 7919

REASONS = {
    Action.DECLINE: "Below the threshold for this service; signposted to universal support.",
    Action.WITHDRAW: "Sent to the wrong team; re-referred to the right one.",
    Action.ACCEPT: "Allocated to a practitioner this week.",
}


def _rounds(pool_size: int) -> list[list[tuple[Scenario, int]]]:
    """Return the referral rounds of a borough: (scenario, extra days ago) for each.

    The first round is the live set of every scenario. One more round per
    YOUTHS_PER_ROUND young people keeps the referrals in proportion to the cohort: most
    are history (finished: accepted, declined, withdrawn, closed), spread over the
    last two years; one in ten repeats the live set, so open and overdue work grows too.
    """
    rounds = [[(scenario, 0) for scenario in SCENARIOS]]
    for r in range(1, max(1, pool_size // YOUTHS_PER_ROUND)):
        if r % 10 == 0:
            rounds.append([(scenario, 0) for scenario in SCENARIOS])
        else:
            rounds.append([(scenario, 7 * r % HISTORY_DAYS) for scenario in FINISHED])
    return rounds


def build(ctx: DemoContext) -> None:
    """Add the demo partner client and the demo referrals, in proportion to the cohort."""
    partner = _partner_client(ctx)
    settings = ClockSettings.from_config(current_app.config)
    cohorts: dict[str, list[int]] = {}
    for youth_id in ctx.youth_ids:
        cohorts.setdefault(ctx.youth_borough[youth_id], []).append(youth_id)
    # Who each referral is about: spread over those of the borough's cohort whose record
    # existed when it was sent, read in one pass.
    plans = []
    for borough in sorted(BOROUGH_CODES):
        ids = sorted(cohorts.get(borough, []), key=lambda y: (ctx.youth_entered[y], y))
        planned = [item for r in _rounds(len(ids)) for item in r]
        subjects = []
        for n, (scenario, extra_days) in enumerate(planned):
            sent = (ctx.now - timedelta(days=scenario.days_ago + extra_days)).date()
            existing = bisect_left(ids, sent, key=lambda y: ctx.youth_entered[y])
            subjects.append(ids[(n * SPREAD) % existing] if existing else None)
        plans.append((borough, planned, subjects))
    youths = _youths(ctx, {i for _, _, subjects in plans for i in subjects if i is not None})
    count = 0
    for borough, planned, subjects in plans:
        for n, ((scenario, extra_days), subject) in enumerate(zip(planned, subjects, strict=True)):
            youth = youths.get(subject) if scenario.matched and subject is not None else None
            referral = _referral(ctx, settings, scenario, borough, youth, partner, n, extra_days)
            if referral is not None:
                ctx.session.add(referral)
                count += 1
            if n % 20_000 == 19_999:  # flush in batches: a million young people's worth
                ctx.session.flush()
    ctx.session.flush()
    ctx.summary["referrals"] = count
    ctx.summary["partner_clients"] = 1


def _partner_client(ctx: DemoContext) -> PartnerClient:
    secret = secrets.token_urlsafe(32)
    client = PartnerClient(
        client_id="sywc-demo-school",
        name=PARTNER_NAME,
        secret_hash=hash_password(secret),
        scopes=["referrals:write"],
        allowed_agencies=PARTNER_AGENCIES,
        boroughs=sorted(BOROUGH_CODES),
        active=True,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    ctx.session.add(client)
    ctx.session.flush()
    ctx.partner = {
        "name": client.name,
        "client_id": client.client_id,
        "client_secret": secret,
        "scopes": client.scopes,
        "allowed_agencies": client.allowed_agencies,
    }
    return client


def _youths(ctx: DemoContext, ids: set[int]) -> dict[int, Any]:
    """Read the named young people's id, names and date of birth, in batches."""
    wanted, found = sorted(ids), {}
    for start in range(0, len(wanted), 10_000):
        rows = ctx.session.execute(
            sa.select(Youth.id, Youth.first_name, Youth.last_name, Youth.date_of_birth).where(
                Youth.id.in_(wanted[start : start + 10_000])
            )
        )
        found.update((row.id, row) for row in rows)
    return found


def _referral(
    ctx: DemoContext,
    settings: ClockSettings,
    scenario: Scenario,
    borough: str,
    youth: Any,
    partner: PartnerClient,
    n: int,
    extra_days: int = 0,
) -> Referral | None:
    from_partner = scenario.sender == "partner"
    sender_ids = [] if from_partner else ctx.officers(borough=borough, agency=scenario.sender)
    receiver_ids = ctx.officers(borough=borough, agency=scenario.to_agency)
    if not receiver_ids or (not from_partner and not sender_ids):
        return None
    days_ago = scenario.days_ago + extra_days
    sent = (ctx.now - timedelta(days=days_ago)).replace(hour=10, minute=n % 60)
    submitted_at = min(sent, ctx.now)
    referral = Referral(
        borough=borough,
        youth_id=youth.id if youth is not None else None,
        from_agency=None if from_partner else scenario.sender,
        from_partner_id=partner.id if from_partner else None,
        to_agency=scenario.to_agency,
        reason_codes=ctx.rng.sample(sorted(REASON_CODE_VALUES), 2),
        urgency=scenario.urgency,
        summary="Fictional demo referral: concerns raised about associations and school absence.",
        lawful_basis="law_enforcement" if scenario.sender == "MPS" else "public_task",
        external_reference=f"DEMO-{borough}-{n:06d}" if from_partner else None,
        status=ReferralStatus.SUBMITTED,
        submitted_at=submitted_at,
        acknowledge_by=acknowledge_by(submitted_at, scenario.urgency, settings),
        created_by_id=None if from_partner else sender_ids[0],
        created_at=submitted_at,
        updated_at=submitted_at,
        **(_subject(youth, n) if from_partner else {}),
    )
    _add_step(referral, Action.SUBMIT, submitted_at, sender_ids, scenario, partner)
    for offset, action in enumerate(scenario.steps, start=1):
        at = submitted_at + timedelta(hours=20 * offset)
        actors = sender_ids if action is Action.WITHDRAW else receiver_ids
        _add_step(referral, action, at, actors, scenario, partner)
    return referral


def _subject(youth: Any, n: int) -> dict[str, Any]:
    if youth is not None:
        first, last, born = youth.first_name, youth.last_name, youth.date_of_birth
    else:
        first, last = UNKNOWN_CHILDREN[n % len(UNKNOWN_CHILDREN)]
        born = date(2011, 1 + n % 12, 1 + n % 28)
    return {
        "subject_first_name": first,
        "subject_last_name": last,
        "subject_name_key": name_key(first, last),
        "subject_date_of_birth": born,
        "subject_details": {"school": "Demo Academy (fictional)"},
    }


def _add_step(
    referral: Referral,
    action: Action,
    at: datetime,
    actors: list[int],
    scenario: Scenario,
    partner: PartnerClient,
) -> None:
    previous = None if action is Action.SUBMIT else referral.status
    if action is not Action.SUBMIT:
        referral.status = TRANSITIONS[(ReferralStatus(previous), action)].to
        setattr(referral, TIMESTAMP_OF[action], at)
        referral.updated_at = at
    by_partner = action is Action.SUBMIT and scenario.sender == "partner"
    receiving = action not in (Action.SUBMIT, Action.WITHDRAW)
    agency = scenario.to_agency if receiving else (None if by_partner else scenario.sender)
    referral.transitions.append(
        ReferralTransition(
            action=action,
            from_status=previous,
            to_status=referral.status,
            reason=REASONS.get(action),
            actor_user_id=None if by_partner else actors[0],
            actor_partner_id=partner.id if by_partner else None,
            actor_agency=agency,
            at=at,
        )
    )

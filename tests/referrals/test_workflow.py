"""Every (status, action, actor) combination of the referral workflow, at the service level.

The expectations are written out here from the contract, not read from the code's table.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
import sqlalchemy as sa

from sywc import clock
from sywc.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from sywc.extensions import db
from sywc.referrals.handling import transition_referral
from sywc.referrals.models import Referral, ReferralTransition
from sywc.security import Principal
from sywc.users.models import User, UserBorough
from tests import factories

STATUSES = ["submitted", "acknowledged", "accepted", "declined", "withdrawn", "closed"]
ACTIONS = ["acknowledge", "accept", "decline", "withdraw", "close"]
# The referral goes from MPS to IGXU, about a young person whom YOT leads; CSC is unrelated.
ACTORS = {"sender": "MPS", "receiver": "IGXU", "lead": "YOT", "stranger": "CSC"}

ALLOWED = {
    ("submitted", "acknowledge"): "acknowledged",
    ("acknowledged", "accept"): "accepted",
    ("acknowledged", "decline"): "declined",
    ("submitted", "withdraw"): "withdrawn",
    ("acknowledged", "withdraw"): "withdrawn",
    ("accepted", "close"): "closed",
    ("declined", "close"): "closed",
}
WHO = {
    "acknowledge": "receiver",
    "accept": "receiver",
    "decline": "receiver",
    "close": "receiver",
    "withdraw": "sender",
}


def expected(status: str, action: str, actor: str) -> type[Exception] | str:
    if actor == "stranger":
        return NotFound
    if WHO[action] != actor:
        return PermissionDenied
    return ALLOWED.get((status, action), Conflict)


def _officer(agency: str) -> Principal:
    user = User(
        username=f"{agency.lower()}.tester",
        name=f"{agency} tester",
        role="officer",
        agency=agency,
        password_hash="not-a-hash",
        password_changed_at=clock.utcnow(),
        borough_links=[UserBorough(borough="WCC")],
    )
    db.session.add(user)
    db.session.flush()
    return Principal("user", user.id, "officer", agency, frozenset({"WCC"}), "session", "tester")


def _attempt(principal: Principal, referral_id: int, action: str) -> None:
    transition_referral(
        principal=principal,
        referral_id=referral_id,
        action=action,
        reason="Because the family moved out of the borough.",
        make_lead=False,
        expected_version=None,
        now=clock.utcnow() + timedelta(minutes=1),
    )


@pytest.mark.parametrize("status", STATUSES)
def test_every_combination(app, status):
    """From one status, try every action by every actor, each on its own referral."""
    with app.app_context():
        principals = {name: _officer(agency) for name, agency in ACTORS.items()}
        youth = factories.youth(lead_agency="YOT")
        referral_ids = {
            pair: factories.referral(youth_id=youth.id, status=status).id
            for pair in itertools.product(ACTIONS, ACTORS)
        }
        db.session.commit()
    for (action, actor), referral_id in referral_ids.items():
        outcome = expected(status, action, actor)
        with app.app_context():
            if isinstance(outcome, str):
                _attempt(principals[actor], referral_id, action)
            else:
                with pytest.raises(outcome):
                    _attempt(principals[actor], referral_id, action)
        with app.app_context():
            referral = db.session.get(Referral, referral_id)
            steps = db.session.scalars(
                sa.select(ReferralTransition).where(ReferralTransition.referral_id == referral_id)
            ).all()
            if isinstance(outcome, str):
                assert referral.status == outcome, (action, actor)
                assert [(s.action, s.from_status, s.to_status) for s in steps] == [
                    (action, status, outcome)
                ]
                assert steps[0].actor_user_id == principals[actor].id
                assert steps[0].actor_agency == ACTORS[actor]
                assert referral.version == 2
            else:
                # Refused: nothing changed, nothing recorded.
                assert (referral.status, steps, referral.version) == (status, [], 1), (
                    action,
                    actor,
                )


def test_decline_and_withdraw_need_a_reason(app):
    with app.app_context():
        actors = {"decline": _officer("IGXU"), "withdraw": _officer("MPS")}
        referral_id = factories.referral(youth_id=None, status="acknowledged").id
        db.session.commit()
    for action, reason in itertools.product(actors, [None, "", "   "]):
        with app.app_context(), pytest.raises(ValidationFailed) as refused:
            transition_referral(
                principal=actors[action],
                referral_id=referral_id,
                action=action,
                reason=reason,
                make_lead=False,
                expected_version=None,
                now=clock.utcnow(),
            )
        assert refused.value.errors == {"reason": [f"Give a reason to {action}."]}
    with app.app_context():
        referral = db.session.get(Referral, referral_id)
        assert (referral.status, referral.version) == ("acknowledged", 1)


def test_each_action_stamps_its_time(app):
    with app.app_context():
        receiver = _officer("IGXU")
        referral_id = factories.referral(youth_id=None).id
        db.session.commit()
    start = clock.utcnow()
    for minutes, action in enumerate(["acknowledge", "accept", "close"], start=1):
        with app.app_context():
            transition_referral(
                principal=receiver,
                referral_id=referral_id,
                action=action,
                reason=None,
                make_lead=False,
                expected_version=None,
                now=start + timedelta(minutes=minutes),
            )
    with app.app_context():
        referral = db.session.get(Referral, referral_id)
        assert referral.acknowledged_at == start + timedelta(minutes=1)
        assert referral.decided_at == start + timedelta(minutes=2)
        assert referral.closed_at == start + timedelta(minutes=3)
        assert referral.status == "closed"

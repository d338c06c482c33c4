"""The referral workflow as one explicit table: (status, action) -> new status, and who.

    submitted --acknowledge--> acknowledged --accept--> accepted --close--> closed
                                            --decline-> declined --close--> closed
    submitted | acknowledged --withdraw (sender)--> withdrawn

Only the receiving agency moves a referral forward; only the sending agency withdraws
it, and only before a decision. Partner systems do not act on referrals through the API:
a partner that wants one withdrawn tells the receiving agency.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from types import MappingProxyType

from sywc.errors import Conflict, PermissionDenied, ValidationFailed
from sywc.referrals.enums import Action, Party
from sywc.referrals.enums import ReferralStatus as S


@dataclass(frozen=True)
class Rule:
    to: S
    party: Party


TRANSITIONS: MappingProxyType[tuple[S, Action], Rule] = MappingProxyType(
    {
        (S.SUBMITTED, Action.ACKNOWLEDGE): Rule(S.ACKNOWLEDGED, Party.RECEIVER),
        (S.ACKNOWLEDGED, Action.ACCEPT): Rule(S.ACCEPTED, Party.RECEIVER),
        (S.ACKNOWLEDGED, Action.DECLINE): Rule(S.DECLINED, Party.RECEIVER),
        (S.SUBMITTED, Action.WITHDRAW): Rule(S.WITHDRAWN, Party.SENDER),
        (S.ACKNOWLEDGED, Action.WITHDRAW): Rule(S.WITHDRAWN, Party.SENDER),
        (S.ACCEPTED, Action.CLOSE): Rule(S.CLOSED, Party.RECEIVER),
        (S.DECLINED, Action.CLOSE): Rule(S.CLOSED, Party.RECEIVER),
    }
)

# Who may take each action, whatever the status: asking the wrong agency is a 403 even
# where the status would also refuse it, so the answer never depends on the state.
ACTION_PARTY: MappingProxyType[Action, Party] = MappingProxyType(
    {action: rule.party for (_, action), rule in TRANSITIONS.items()}
)

# A refusal or a withdrawal must say why: the other agency (or the referring partner)
# has to know what to do next for the child.
REASON_REQUIRED = frozenset({Action.DECLINE, Action.WITHDRAW})

# A referral can be linked to a cohort record until it has ended.
MATCHABLE = frozenset({S.SUBMITTED, S.ACKNOWLEDGED, S.ACCEPTED})

# What each action stamps on the referral, besides its status.
TIMESTAMP_OF = MappingProxyType(
    {
        Action.ACKNOWLEDGE: "acknowledged_at",
        Action.ACCEPT: "decided_at",
        Action.DECLINE: "decided_at",
        Action.WITHDRAW: "closed_at",
        Action.CLOSE: "closed_at",
    }
)


def _check_consistent() -> None:
    for (_, action), rule in TRANSITIONS.items():
        if ACTION_PARTY[action] is not rule.party:
            raise RuntimeError(f"action {action} is given to two parties")


_check_consistent()


def decide(status: str, action: Action, parties: Collection[Party], reason: str | None) -> S:
    """Return the status `action` leads to, or refuse it (403 wrong party, 409 wrong state)."""
    party = ACTION_PARTY.get(action)
    if party is None:
        raise ValidationFailed.field("action", f"{action} cannot be requested.")
    if party not in parties:
        who = "sending" if party is Party.SENDER else "receiving"
        raise PermissionDenied(f"Only the {who} agency may {action} this referral.")
    rule = TRANSITIONS.get((S(status), action))
    if rule is None:
        raise Conflict(f"A referral that is {status} cannot be {_past(action)}.")
    if action in REASON_REQUIRED and not (reason or "").strip():
        raise ValidationFailed.field("reason", f"Give a reason to {action}.")
    return rule.to


def _past(action: Action) -> str:
    return {
        Action.ACKNOWLEDGE: "acknowledged",
        Action.ACCEPT: "accepted",
        Action.DECLINE: "declined",
        Action.WITHDRAW: "withdrawn",
        Action.CLOSE: "closed",
    }.get(action, str(action))

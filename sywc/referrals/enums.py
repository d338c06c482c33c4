"""Closed vocabularies of referrals."""

from enum import StrEnum


class ReferralStatus(StrEnum):
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"


class Action(StrEnum):
    """What can happen to a referral; `submit` and `match` are recorded, not requested."""

    SUBMIT = "submit"
    ACKNOWLEDGE = "acknowledge"
    ACCEPT = "accept"
    DECLINE = "decline"
    WITHDRAW = "withdraw"
    CLOSE = "close"
    MATCH = "match"


# The actions a caller may request through POST /referrals/{id}/transitions.
REQUESTABLE_ACTIONS = (
    Action.ACKNOWLEDGE,
    Action.ACCEPT,
    Action.DECLINE,
    Action.WITHDRAW,
    Action.CLOSE,
)


class Urgency(StrEnum):
    URGENT = "urgent"
    STANDARD = "standard"


class LawfulBasis(StrEnum):
    """The lawful basis for sharing the referral's personal data.

    The first five are the UK GDPR Article 6(1) bases that can apply to a referral
    (a contract never can); `law_enforcement` is processing by a competent authority
    under Part 3 of the Data Protection Act 2018 (police referrals).
    """

    CONSENT = "consent"
    LEGAL_OBLIGATION = "legal_obligation"
    VITAL_INTERESTS = "vital_interests"
    PUBLIC_TASK = "public_task"
    LEGITIMATE_INTERESTS = "legitimate_interests"
    LAW_ENFORCEMENT = "law_enforcement"


class Party(StrEnum):
    """How a caller stands towards a referral; it decides what they may do with it."""

    SENDER = "sender"
    RECEIVER = "receiver"
    LEAD = "lead"

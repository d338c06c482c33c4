"""Request and response shapes of /referrals."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from config.reference import (
    AGENCY_CODES,
    BOROUGH_CODES,
    REASON_CODE_VALUES,
    REFERRAL_RECEIVING_AGENCIES,
)
from sywc.fields import ID_RANGE, NOT_BLANK, Day, StrictBoolean, id_field
from sywc.http import PageArgs
from sywc.referrals.enums import REQUESTABLE_ACTIONS, LawfulBasis, ReferralStatus, Urgency
from sywc.referrals.workflow import REASON_REQUIRED
from sywc.youths.enums import Gender

MAX_SUMMARY = 4000
MAX_REASON = 2000


def _one_of(values: Any) -> validate.OneOf:
    return validate.OneOf(sorted(str(v) for v in values))


class SubjectSchema(ma.Schema):
    """Identifying details of a young person, from a sender that does not know the record."""

    first_name = ma.fields.String(
        required=True, validate=[validate.Length(min=1, max=100), NOT_BLANK]
    )
    last_name = ma.fields.String(
        required=True, validate=[validate.Length(min=1, max=100), NOT_BLANK]
    )
    date_of_birth = Day(required=True)
    gender = ma.fields.String(validate=_one_of(Gender))
    address = ma.fields.String(validate=validate.Length(min=1, max=500))
    postcode = ma.fields.String(
        validate=validate.Regexp(r"^[A-Za-z0-9 ]{5,8}\Z", error="Not a UK postcode.")
    )
    school = ma.fields.String(validate=validate.Length(min=1, max=200))
    nhs_number = ma.fields.String(
        validate=validate.Regexp(r"^[0-9]{10}\Z", error="An NHS number is 10 digits.")
    )


class ReferralCreateSchema(ma.Schema):
    borough = ma.fields.String(
        validate=_one_of(BOROUGH_CODES),
        metadata={"description": "Required with `subject`; defaults to the young person's"},
    )
    youth_id = id_field(
        metadata={"description": "Officers: the cohort record. Give this or `subject`."},
    )
    subject = ma.fields.Nested(
        SubjectSchema,
        metadata={
            "description": "Identifying details (partners always use this). An exact match "
            "of normalised names and date of birth to one cohort member links the referral; "
            "otherwise it waits for the receiving agency to match it. The response is the "
            "same either way."
        },
    )
    from_agency = ma.fields.String(
        validate=_one_of(AGENCY_CODES),
        metadata={"description": "Officers: your own agency (the default). Partners: omit."},
    )
    to_agency = ma.fields.String(required=True, validate=_one_of(REFERRAL_RECEIVING_AGENCIES))
    reason_codes = ma.fields.List(
        ma.fields.String(validate=_one_of(REASON_CODE_VALUES)),
        required=True,
        validate=validate.Length(min=1, max=10),
    )
    urgency = ma.fields.String(required=True, validate=_one_of(Urgency))
    summary = ma.fields.String(
        required=True, validate=[validate.Length(min=1, max=MAX_SUMMARY), NOT_BLANK]
    )
    lawful_basis = ma.fields.String(
        required=True,
        validate=_one_of(LawfulBasis),
        metadata={
            "description": "UK GDPR Article 6(1) basis for sharing, or `law_enforcement` "
            "(Data Protection Act 2018 Part 3)"
        },
    )
    consent = StrictBoolean(
        allow_none=True,
        metadata={
            "description": "Whether consent to share was given; must be true when "
            "`lawful_basis` is `consent`"
        },
    )
    external_reference = ma.fields.String(
        validate=[validate.Length(min=1, max=128), NOT_BLANK],
        metadata={"description": "The sender's own reference for this referral"},
    )

    @ma.validates_schema
    def _check(self, data: dict[str, Any], **_: Any) -> None:
        if ("youth_id" in data) == ("subject" in data):
            raise ma.ValidationError("Give either youth_id or subject.", "youth_id")
        if data["lawful_basis"] == LawfulBasis.CONSENT and data.get("consent") is not True:
            raise ma.ValidationError("Consent must be true when it is the lawful basis.", "consent")
        if len(set(data["reason_codes"])) != len(data["reason_codes"]):
            raise ma.ValidationError("Each reason code once.", "reason_codes")


class TransitionRequestSchema(ma.Schema):
    action = ma.fields.String(required=True, validate=_one_of(REQUESTABLE_ACTIONS))
    reason = ma.fields.String(
        allow_none=True,
        validate=validate.Length(max=MAX_REASON),
        metadata={
            "description": "Required to decline or withdraw. The reason for accepting or "
            "declining is shown to a referring partner system."
        },
    )
    make_lead = StrictBoolean(
        load_default=False,
        metadata={"description": "With `accept`: make the receiving agency the lead agency"},
    )

    @ma.validates_schema
    def _check(self, data: dict[str, Any], **_: Any) -> None:
        if data["action"] in REASON_REQUIRED and not (data.get("reason") or "").strip():
            raise ma.ValidationError(f"Give a reason to {data['action']}.", "reason")
        if data["make_lead"] and data["action"] != "accept":
            raise ma.ValidationError("Only an accept can make the lead agency.", "make_lead")


class MatchRequestSchema(ma.Schema):
    youth_id = id_field(required=True)


_SORTS = ("-submitted_at", "submitted_at", "acknowledge_by", "-acknowledge_by")


class ReferralListArgs(PageArgs):
    to_agency = ma.fields.String(validate=_one_of(AGENCY_CODES))
    from_agency = ma.fields.String(validate=_one_of(AGENCY_CODES))
    status = ma.fields.String(validate=_one_of(ReferralStatus))
    youth_id = ma.fields.Integer(validate=ID_RANGE, metadata={"description": "Officers only"})
    overdue = ma.fields.Boolean(
        metadata={"description": "Submitted and not acknowledged by its deadline"}
    )
    borough = ma.fields.String(validate=_one_of(BOROUGH_CODES))
    urgency = ma.fields.String(validate=_one_of(Urgency))
    external_reference = ma.fields.String(validate=validate.Length(min=1, max=128))
    sort = ma.fields.String(load_default="-submitted_at", validate=validate.OneOf(_SORTS))


class HistorySchema(ma.Schema):
    action = ma.fields.String()
    from_status = ma.fields.String(allow_none=True)
    to_status = ma.fields.String()
    at = ma.fields.AwareDateTime()
    reason = ma.fields.String(allow_none=True)
    actor_user_id = ma.fields.Integer(allow_none=True, metadata={"description": "Officers only"})
    actor_partner_id = ma.fields.Integer(allow_none=True, metadata={"description": "Officers only"})
    actor_agency = ma.fields.String(allow_none=True, metadata={"description": "Officers only"})


class PartnerRefSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class ReferralSchema(ma.Schema):
    """A referral. Partner systems receive only its status and decisions: the fields
    marked "officers only" are absent from their responses."""

    id = ma.fields.Integer()
    borough = ma.fields.String()
    youth_id = ma.fields.Integer(allow_none=True, metadata={"description": "Officers only"})
    subject = ma.fields.Nested(
        SubjectSchema, allow_none=True, metadata={"description": "Officers only"}
    )
    from_agency = ma.fields.String(allow_none=True, metadata={"description": "Officers only"})
    from_partner = ma.fields.Nested(
        PartnerRefSchema, allow_none=True, metadata={"description": "Officers only"}
    )
    to_agency = ma.fields.String()
    reason_codes = ma.fields.List(ma.fields.String())
    urgency = ma.fields.String()
    summary = ma.fields.String(metadata={"description": "Officers only"})
    lawful_basis = ma.fields.String()
    consent = ma.fields.Boolean(allow_none=True)
    external_reference = ma.fields.String(allow_none=True)
    status = ma.fields.String(validate=_one_of(ReferralStatus))
    submitted_at = ma.fields.AwareDateTime()
    acknowledge_by = Day(
        metadata={"description": "The last day to acknowledge it in time (working days)"}
    )
    acknowledged_at = ma.fields.AwareDateTime(allow_none=True)
    decided_at = ma.fields.AwareDateTime(allow_none=True)
    closed_at = ma.fields.AwareDateTime(
        allow_none=True, metadata={"description": "When it was closed or withdrawn"}
    )
    created_by_id = ma.fields.Integer(allow_none=True, metadata={"description": "Officers only"})
    version = ma.fields.Integer(metadata={"description": "Officers only"})
    created_at = ma.fields.AwareDateTime(metadata={"description": "Officers only"})
    updated_at = ma.fields.AwareDateTime(metadata={"description": "Officers only"})
    history = ma.fields.List(ma.fields.Nested(HistorySchema))


# One instance for every dump: building a schema copies each of its fields.
_REFERRAL = ReferralSchema()


def render_referral(shown: Any) -> dict[str, Any]:
    """Dump a referral (or a partner's view of one) to its JSON body."""
    return _REFERRAL.dump(shown)

"""Closed vocabularies of incidents and the people involved in them."""

from enum import StrEnum

from sywc.youths.enums import CohortReason


class IncidentType(StrEnum):
    STABBING = "stabbing"
    SHOOTING = "shooting"
    ASSAULT = "assault"
    ROBBERY = "robbery"
    OTHER = "other"


class InvolvementRole(StrEnum):
    """A person's part in an incident or at a meeting; there is deliberately no default."""

    VICTIM = "victim"
    SUSPECT = "suspect"
    WITNESS = "witness"
    ASSOCIATE = "associate"


# The cohort reason a role suggests when someone joins the cohort from an incident. The
# officer still confirms it: a suspect is not presumed a perpetrator without a decision.
SUGGESTED_COHORT_REASON: dict[InvolvementRole, CohortReason] = {
    InvolvementRole.VICTIM: CohortReason.VICTIM,
    InvolvementRole.SUSPECT: CohortReason.PERPETRATOR,
    InvolvementRole.WITNESS: CohortReason.AT_RISK,
    InvolvementRole.ASSOCIATE: CohortReason.AT_RISK,
}

ROLE_VALUES: list[str] = [str(r) for r in InvolvementRole]
TYPE_VALUES: list[str] = [str(t) for t in IncidentType]

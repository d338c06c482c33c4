"""Closed vocabularies of the cohort."""

from enum import StrEnum


class Rag(StrEnum):
    RED = "red"
    AMBER = "amber"
    GREEN = "green"


class CohortReason(StrEnum):
    """Why someone is in the cohort; victims and perpetrators are never blurred."""

    VICTIM = "victim"
    AT_RISK = "at_risk"
    PERPETRATOR = "perpetrator"


class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"
    NON_BINARY = "non_binary"
    NOT_KNOWN = "not_known"


class YouthStatus(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"


class VisitOutcome(StrEnum):
    SEEN = "seen"
    NOT_HOME = "not_home"
    REFUSED = "refused"
    SAFEGUARDING_CONCERN = "safeguarding_concern"

"""Closed vocabularies of PVS actions."""

from enum import StrEnum


class ActionType(StrEnum):
    ENGAGE = "engage"
    DIVERT = "divert"
    SAFEGUARD = "safeguard"
    ENFORCE = "enforce"
    COMMUNICATE = "communicate"
    OTHER = "other"


class ActionStatus(StrEnum):
    """`done` and `cancelled` are final: a closed action is never silently reopened."""

    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


ACTION_TYPE_VALUES: list[str] = [str(t) for t in ActionType]
FINAL_STATUSES = frozenset({ActionStatus.DONE, ActionStatus.CANCELLED})

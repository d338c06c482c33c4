"""Closed vocabularies of alerts and scheduler runs."""

from enum import StrEnum


class AlertType(StrEnum):
    MISSED_VISIT = "missed_visit"
    REFERRAL_OVERDUE = "referral_overdue"
    PVS_ACTION_OVERDUE = "pvs_action_overdue"
    RAG_REVIEW_DUE = "rag_review_due"
    RETENTION_REVIEW_DUE = "retention_review_due"


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


UNRESOLVED = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)


class SubjectType(StrEnum):
    YOUTH = "youth"
    REFERRAL = "referral"
    PVS_ACTION = "pvs_action"


class AlertEventKind(StrEnum):
    OPENED = "opened"
    ESCALATED = "escalated"
    # The agency to act changed (a new lead agency, an action handed to another agency).
    REASSIGNED = "reassigned"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class JobOutcome(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    # Stopped between two chunks because the scheduler was stopping (sywc.stopping).
    INTERRUPTED = "interrupted"
    # Left `running` by a process that died mid-run, found by the next holder of its lock.
    ABANDONED = "abandoned"

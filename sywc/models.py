"""Every model, imported once so the metadata (and Alembic) sees the whole schema."""

from sywc.alerts.models import Alert, AlertEvent, JobRun
from sywc.audit.models import AuditEvent, AuditEventRecord
from sywc.auth.models import AuthSession, PartnerClient
from sywc.incidents.models import Incident, Involvement
from sywc.pvs.models import PvsAction, PvsAttendee, PvsIndividual, PvsMeeting
from sywc.referrals.models import IdempotencyKey, Referral, ReferralTransition
from sywc.stats.models import StatsRollup
from sywc.users.models import User, UserBorough
from sywc.visits.models import Visit, VisitOfficer
from sywc.youths.models import RagAssessment, Youth, YouthCohort, YouthFlag, YouthStatusChange

__all__ = [
    "Alert",
    "AlertEvent",
    "AuditEvent",
    "AuditEventRecord",
    "AuthSession",
    "IdempotencyKey",
    "Incident",
    "Involvement",
    "JobRun",
    "PartnerClient",
    "PvsAction",
    "PvsAttendee",
    "PvsIndividual",
    "PvsMeeting",
    "RagAssessment",
    "Referral",
    "ReferralTransition",
    "StatsRollup",
    "User",
    "UserBorough",
    "Visit",
    "VisitOfficer",
    "Youth",
    "YouthCohort",
    "YouthFlag",
    "YouthStatusChange",
]

"""Use cases of the cohort: records, their ratings, closing and reopening."""

from sywc.youths.service.assessments import (
    RecordedAssessment,
    list_assessments,
    record_assessment,
)
from sywc.youths.service.changes import update_youth
from sywc.youths.service.lifecycle import close_youth, reopen_youth
from sywc.youths.service.listing import filter_cohort, list_youths
from sywc.youths.service.records import (
    LikelyDuplicate,
    add_youth,
    create_youth,
    get_youth,
    report_duplicate,
)

__all__ = [
    "LikelyDuplicate",
    "RecordedAssessment",
    "add_youth",
    "close_youth",
    "create_youth",
    "filter_cohort",
    "get_youth",
    "list_assessments",
    "list_youths",
    "record_assessment",
    "reopen_youth",
    "report_duplicate",
    "update_youth",
]

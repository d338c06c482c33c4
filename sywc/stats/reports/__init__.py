"""The statistics reports, by name."""

from __future__ import annotations

from collections.abc import Callable

from sywc.stats.reports.base import Context, Report
from sywc.stats.reports.cohort import cohort_report, disproportionality_report, overlap_report
from sywc.stats.reports.incidents import incidents_report
from sywc.stats.reports.pvs import pvs_report
from sywc.stats.reports.referrals import referrals_report
from sywc.stats.reports.snapshot import snapshot_tally
from sywc.stats.reports.visits import visits_report, visits_tally
from sywc.stats.rollups import Tallier

REPORTS: dict[str, Callable[[Context], Report]] = {
    "cohort": cohort_report,
    "overlap": overlap_report,
    "disproportionality": disproportionality_report,
    "incidents": incidents_report,
    "pvs": pvs_report,
    "referrals": referrals_report,
    "visits": visits_report,
}

# What the scheduler keeps current: the counts behind the reports the board reads most,
# and the slowest to count (the whole cohort at a day; every visit due in a period).
COUNTERS: dict[str, Tallier] = {"snapshot": snapshot_tally, "visits": visits_tally}

# The reports made from one stored tally alone, and its kind: given the tally, the scope
# and the period, such a report is the same for every request (see `sywc.stats.service`).
FROM_TALLY: dict[str, str] = {
    "cohort": "snapshot",
    "overlap": "snapshot",
    "disproportionality": "snapshot",
    "visits": "visits",
}

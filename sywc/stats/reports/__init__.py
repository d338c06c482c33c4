"""The statistics reports, by name."""

from __future__ import annotations

from collections.abc import Callable

from sywc.stats.reports.base import Context, Report
from sywc.stats.reports.cohort import cohort_report, disproportionality_report, overlap_report
from sywc.stats.reports.incidents import incidents_report, incidents_tally
from sywc.stats.reports.pvs import pvs_report, pvs_tally
from sywc.stats.reports.referrals import referrals_report, referrals_tally
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

# What the scheduler keeps current: the counts behind every report. The cohort at a day
# and every visit due in a period read each child's whole history; a London-wide year
# of referrals, incidents and PVS meetings is hundreds of thousands of rows.
COUNTERS: dict[str, Tallier] = {
    "snapshot": snapshot_tally,
    "visits": visits_tally,
    "referrals": referrals_tally,
    "incidents": incidents_tally,
    "pvs": pvs_tally,
}

# The reports made from one stored tally alone, and its kind: given the tally, the scope
# and the period, such a report is the same for every request (see `sywc.stats.service`).
FROM_TALLY: dict[str, str] = {
    "cohort": "snapshot",
    "overlap": "snapshot",
    "disproportionality": "snapshot",
    "visits": "visits",
    "referrals": "referrals",
    "incidents": "incidents",
    "pvs": "pvs",
}

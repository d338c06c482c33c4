"""Shapes of the statistics requests and responses."""

from datetime import date
from typing import Any

import marshmallow as ma
from marshmallow import validate

from sywc.fields import Day
from sywc.stats.suppression import SUPPRESSED

# Periods are computed with calendar arithmetic (ages, whole months, five-year limits);
# dates near the ends of the calendar would overflow it, and no record is dated there.
PERIOD_BOUNDS = validate.Range(min=date(1900, 1, 1), max=date(2999, 12, 31))


class StatsArgs(ma.Schema):
    from_ = Day(
        data_key="from",
        validate=PERIOD_BOUNDS,
        metadata={
            "description": "First day of the period (default: the first of the three "
            "calendar months before this one). Board members get one whole calendar "
            "quarter (default: the last completed one)."
        },
    )
    to = Day(
        validate=PERIOD_BOUNDS,
        metadata={
            "description": "Last day of the period (default: the end of last month). Board "
            "members get one whole, completed calendar quarter: from and to in the same one."
        },
    )
    borough = ma.fields.String(
        validate=validate.Length(min=1, max=16),
        metadata={"description": "One of your boroughs (default: all of them, together)"},
    )


class WardStatsArgs(StatsArgs):
    ward = ma.fields.String(
        validate=validate.Length(min=1, max=64),
        metadata={
            "description": "One ward of the borough (senior officers; board members get "
            "the by-ward tables instead)"
        },
    )


class StatsPeriodSchema(ma.Schema):
    from_ = Day(data_key="from", attribute="from", required=True)
    to = Day(required=True)
    requested_from = Day(required=True)
    requested_to = Day(required=True)
    whole_quarter = ma.fields.Boolean(
        required=True,
        metadata={"description": "True when snapped to the whole calendar quarter (board)"},
    )


class StatsSuppressionSchema(ma.Schema):
    applied = ma.fields.Boolean(required=True)
    threshold = ma.fields.Integer(
        allow_none=True, metadata={"description": "Counts from 1 to threshold - 1 are withheld"}
    )
    marker = ma.fields.String(
        required=True, metadata={"description": f'How CSV shows a withheld value ("{SUPPRESSED}")'}
    )


class StatsRowSchema(ma.Schema):
    key = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(),
        metadata={"description": 'Dimension -> category; "all" marks a margin'},
    )
    value = ma.fields.Raw(
        allow_none=True, metadata={"description": "Number, or null when withheld or undefined"}
    )
    suppressed = ma.fields.Boolean(metadata={"description": "True when withheld"})


class StatsTableSchema(ma.Schema):
    name = ma.fields.String()
    title = ma.fields.String()
    measure = ma.fields.String(
        metadata={
            "description": "count, share (0-1), median_days, median_working_days, "
            "ratio or population"
        }
    )
    dimensions = ma.fields.List(ma.fields.String())
    rows = ma.fields.List(ma.fields.Nested(StatsRowSchema))
    total = ma.fields.Raw(allow_none=True)
    total_suppressed = ma.fields.Boolean()


class DumpedTables(ma.fields.List):
    """Tables already dumped with `StatsTableSchema` when the report was made (see
    `sywc.stats.service`): served as they are, documented as what they are."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(ma.fields.Nested(StatsTableSchema), **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return value


TABLES = StatsTableSchema(many=True)


class StatsReportSchema(ma.Schema):
    report = ma.fields.String()
    as_of = ma.fields.AwareDateTime(
        metadata={
            "description": "When the figures were counted (UTC): now, or the scheduler's "
            "latest refresh of this period's rollup"
        }
    )
    period = ma.fields.Nested(StatsPeriodSchema)
    boroughs = ma.fields.List(ma.fields.String())
    ward = ma.fields.String(allow_none=True)
    suppression = ma.fields.Nested(StatsSuppressionSchema)
    notes = ma.fields.List(ma.fields.String())
    tables = DumpedTables()

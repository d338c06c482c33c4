"""CSV for board papers: every table of a report in one document, one row per figure."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from sywc.stats.suppression import SUPPRESSED
from sywc.stats.tables import ALL

HEADER = ("table", "measure", "dimension", "category", "dimension_2", "category_2", "value")


def _value(value: Any, withheld: bool) -> str:
    if withheld:
        return SUPPRESSED
    return "" if value is None else str(value)


def _line(table: Mapping[str, Any], key: Mapping[str, str], value: str) -> list[str]:
    dims = table["dimensions"]
    pairs = [(d, key.get(d, ALL)) for d in dims] + [("", "")] * (2 - len(dims))
    return [table["name"], table["measure"], *pairs[0], *pairs[1], value]


def report_csv(body: Mapping[str, Any]) -> str:
    """Render a report's tables as one CSV document with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for table in body["tables"]:
        for row in table["rows"]:
            writer.writerow(_line(table, row["key"], _value(row["value"], row["suppressed"])))
        if table["total"] is not None or table["total_suppressed"]:
            total = _value(table["total"], table["total_suppressed"])
            writer.writerow(_line(table, {}, total))
    return out.getvalue()


def csv_filename(body: Mapping[str, Any]) -> str:
    period = body["period"]
    boroughs = "-".join(body["boroughs"])
    return f"sywc-{body['report']}-{boroughs}-{period['from']}-to-{period['to']}.csv"

"""What a reader can do with several board responses: rebuild their sums and solve them.

Independent of the code under test: the constraint system is rebuilt from the JSON
alone (each table's margins, the identities a reader knows between tables, and
borough slices adding up to their aggregate), filled with the true counts a senior
officer sees, and checked with the suppression audits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sywc.stats.reports.snapshot import RAGS, REASONS
from sywc.stats.suppression import Table, is_disclosive, is_pinned, small_groups

ALL = "all"


def _key(found: Mapping[str, Any], row: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(row["key"][d] for d in found["dimensions"])


def _sums(name: str, found: Mapping[str, Any]) -> list[tuple[Any, tuple[Any, ...]]]:
    keys = [_key(found, row) for row in found["rows"]]
    total = (name, "total")
    if len(found["dimensions"]) == 1:
        return [(total, tuple((name, k) for k in keys))]
    rows = sorted({k[0] for k in keys if ALL not in k})
    cols = sorted({k[1] for k in keys if ALL not in k})
    sums = [((name, (r, ALL)), tuple((name, (r, c)) for c in cols)) for r in rows]
    sums += [((name, (ALL, c)), tuple((name, (r, c)) for r in rows)) for c in cols]
    sums.append((total, tuple((name, (r, ALL)) for r in rows)))
    sums.append((total, tuple((name, (ALL, c)) for c in cols)))
    return sums


def rebuild(
    published: Mapping[str, Mapping[str, Any]],
    truth: Mapping[str, Mapping[str, Any]],
    *,
    aggregates: Mapping[str, Sequence[str]] = {},
    identities: Iterable[tuple[tuple[str, Any], tuple[str, Any]]] = (),
) -> tuple[Table, dict[Any, int | None]]:
    """Return the system a reader can write from responses per slice, and what they see."""
    cells: dict[Any, int] = {}
    seen: dict[Any, int | None] = {}
    sums: list[tuple[Any, tuple[Any, ...]]] = []
    for part, body in published.items():
        true_tables = {t["name"]: t for t in truth[part]["tables"]}
        for found in body["tables"]:
            if found["measure"] != "count":
                continue
            name, true = found["name"], true_tables[found["name"]]
            for row, true_row in zip(found["rows"], true["rows"], strict=True):
                cells[part, (name, _key(found, row))] = true_row["value"]
                seen[part, (name, _key(found, row))] = row["value"]
            if found["total"] is None and not found["total_suppressed"]:
                continue  # a table whose categories overlap has no total
            cells[part, (name, "total")] = true["total"]
            seen[part, (name, "total")] = found["total"]
            sums += [((part, t), tuple((part, p) for p in ps)) for t, ps in _sums(name, found)]
        for left, right in identities:
            if (part, left) in cells and (part, right) in cells:
                sums.append(((part, left), ((part, right),)))
    for whole, parts in aggregates.items():
        for _, key in [k for k in cells if k[0] == whole]:
            sums.append(((whole, key), tuple((p, key) for p in parts if (p, key) in cells)))
    return Table(cells, tuple(sums)), seen


def with_unpublished(
    table: Table,
    relations: Iterable[tuple[Any, tuple[Any, ...]]],
    unpublished: Mapping[Any, int],
) -> Table:
    """Add sums a reader knows through counts never published (given with their truth)."""
    return Table({**table.cells, **unpublished}, (*table.constraints, *relations))


def assert_safe(
    table: Table, seen: Mapping[Any, int | None], *, unpublished: Iterable[Any] = ()
) -> None:
    """Assert nothing small is shown, no withheld count can be recovered or pinned, and
    no sum's withheld counts make a small group. An `unpublished` cell is one the reader
    can only work out, never read: it is an unknown, not a figure to protect."""
    unpublished = set(unpublished)
    shown_small = [k for k, v in seen.items() if v is not None and 0 < v < 5]
    assert shown_small == []
    for key, value in seen.items():
        assert value is None or value == table.cells[key], key
    assert [k for k in is_disclosive(table, seen) if k not in unpublished] == []
    assert is_pinned(table, seen, internal=unpublished) == []
    withheld = {k for k, v in seen.items() if v is None}
    assert small_groups(table, withheld | unpublished) == []


def cohort_identities() -> list[tuple[tuple[str, Any], tuple[str, Any]]]:
    """Return what a reader knows ties the cohort report's tables together."""
    same_total = ["gender", "age_band", "ward", "ethnicity", "lead_agency", "cohort_reason"]
    pairs = [(("rag", "total"), (name, "total")) for name in same_total]
    pairs.append((("rag", "total"), ("rag_by_cohort_reason", "total")))
    pairs += [(("rag", (r,)), ("rag_by_cohort_reason", (r, ALL))) for r in RAGS]
    pairs += [(("cohort_reason", (c,)), ("rag_by_cohort_reason", (ALL, c))) for c in REASONS]
    return pairs

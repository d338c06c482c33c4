"""Tables of counts, the one constraint system they form, and what of them is published.

A cell is a population and a set of conditions: ("active", (("rag", "red"),)) is the
active cohort rated red. Two tables that publish the same group of children publish
the same cell (the RAG table is the row margin of RAG x cohort reason; every cohort
table shares the active total), so suppression sees one system and withholds a shared
figure everywhere or nowhere.

For board members the system spans every borough of the deployment and all of them
together, and a request publishes its slice: a figure withheld for one borough is then
withheld consistently when the same group is published for the whole deployment, so
borough and partnership figures cannot be differenced. Every request suppresses that
same system, so every answer, to anyone, withholds the same figures. An aggregate of
some boroughs, neither one nor all (a board member of two boroughs out of three), is
the sum of its boroughs' published figures and withheld wherever one of them is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sywc.stats.suppression import Table, suppress

ALL = "all"
Cond = tuple[tuple[str, str], ...]
Cell = tuple[str, Cond]
Counts = Mapping[Cell, int]


def cell(population: str, **conditions: str) -> Cell:
    """Name the cell of a population under some conditions (dimension=value)."""
    return population, tuple(sorted(conditions.items()))


@dataclass(frozen=True)
class CountTable:
    """A published table of counts over one or two dimensions of a population."""

    name: str
    title: str
    population: str
    dims: tuple[str, ...]
    categories: tuple[tuple[str, ...], ...]
    # False when a child may fall in several categories (no total is implied).
    partition: bool = True

    def row_keys(self) -> list[tuple[str, ...]]:
        """Return every row key, margins (ALL) after the interior for two dimensions."""
        if len(self.dims) == 1:
            return [(value,) for value in self.categories[0]]
        rows, cols = self.categories
        keys: list[tuple[str, ...]] = [(r, c) for r in rows for c in cols]
        return keys + [(r, ALL) for r in rows] + [(ALL, c) for c in cols]

    def cell(self, key: tuple[str, ...]) -> Cell:
        return cell(
            self.population, **{d: v for d, v in zip(self.dims, key, strict=True) if v != ALL}
        )

    @property
    def total(self) -> Cell:
        return cell(self.population)

    def constraints(self) -> list[tuple[Cell, tuple[Cell, ...]]]:
        """Return the sums the table implies, `total = sum(parts)`."""
        if not self.partition:
            return []
        if len(self.dims) == 1:
            return [(self.total, tuple(self.cell((v,)) for v in self.categories[0]))]
        rows, cols = self.categories
        sums = [(self.cell((r, ALL)), tuple(self.cell((r, c)) for c in cols)) for r in rows]
        sums += [(self.cell((ALL, c)), tuple(self.cell((r, c)) for r in rows)) for c in cols]
        sums.append((self.total, tuple(self.cell((r, ALL)) for r in rows)))
        sums.append((self.total, tuple(self.cell((ALL, c)) for c in cols)))
        return sums

    def interior(self) -> list[Cell]:
        if len(self.dims) == 1:
            return [self.cell((v,)) for v in self.categories[0]]
        return [self.cell((r, c)) for r in self.categories[0] for c in self.categories[1]]


@dataclass(frozen=True)
class Relation:
    """A further sum known to the reader, possibly through internal (never published) cells."""

    total: Cell
    parts: tuple[Cell, ...]


@dataclass
class Layout:
    """The tables of one node (a borough, or boroughs together) and their extra relations."""

    tables: list[CountTable]
    relations: list[Relation] = field(default_factory=list)
    internal: list[Cell] = field(default_factory=list)

    def fill(self, counts: Counts) -> dict[Cell, int]:
        """Return every cell's count: leaves and internals as counted, totals summed."""
        sums = [pair for table in self.tables for pair in table.constraints()]
        derived = {total for total, _ in sums}
        values: dict[Cell, int] = {}
        for table in self.tables:
            for key in (*table.interior(), table.total):
                if key not in derived:
                    values[key] = counts.get(key, 0)
        for key in self.internal:
            values[key] = counts.get(key, 0)
        # Margins of margins (a grand total over row totals) need their parts first.
        while sums:
            ready = [(t, p) for t, p in sums if all(part in values for part in p)]
            if not ready:
                raise ValueError("the tables' sums do not bottom out in counted cells")
            for total, parts in ready:
                value = sum(values[part] for part in parts)
                if values.setdefault(total, value) != value:
                    # The same group counted twice two ways: a query is wrong.
                    raise ValueError(f"inconsistent counts for {total!r}")
            sums = [pair for pair in sums if pair not in ready]
        return values

    def constraints(self) -> set[tuple[Cell, tuple[Cell, ...]]]:
        sums = {pair for table in self.tables for pair in table.constraints()}
        return sums | {(r.total, r.parts) for r in self.relations}


@dataclass(frozen=True)
class Published:
    """The figures of the requested node, with withheld counts as None."""

    values: Mapping[Cell, int | None]
    true: Mapping[Cell, int]
    suppressed: bool

    def hidden(self, cells: Iterable[Cell]) -> bool:
        return any(self.values.get(c, 0) is None for c in cells)

    def count(self, key: Cell) -> int:
        return self.true.get(key, 0)


def publish(
    layouts: Mapping[str, Layout],
    members: Mapping[str, Sequence[str]],
    counts: Mapping[str, Counts],
    *,
    node: str,
    threshold: int | None,
) -> Published:
    """Suppress the whole system of nodes (when a threshold is given); return one node's slice."""
    values = {n: layouts[n].fill(_sum_counts(counts, members[n])) for n in layouts}
    if threshold is None:
        return Published(values[node], values[node], suppressed=False)
    joint = _joint_nodes(members)
    cells: dict[Any, int] = {(n, key): value for n in joint for key, value in values[n].items()}
    sums = [
        ((n, total), tuple((n, part) for part in parts))
        for n in joint
        for total, parts in sorted(layouts[n].constraints(), key=repr)
    ]
    for n in joint:
        if len(members[n]) > 1:
            for key in values[n]:
                parts = tuple((b, key) for b in members[n] if (b, key) in cells)
                sums.append(((n, key), parts))
    internal = {(n, key) for n in joint for key in layouts[n].internal}
    result = suppress(Table(cells, tuple(sums)), threshold=threshold, internal=internal)
    if node in joint:
        sliced = {key: result[(node, key)] for key in values[node] if (node, key) in result}
    else:
        sliced = _summed(values[node], members[node], result)
    return Published(sliced, values[node], suppressed=True)


def _joint_nodes(members: Mapping[str, Sequence[str]]) -> list[str]:
    """Return the nodes suppressed together: each borough alone, and all of them."""
    everyone = {b for boroughs in members.values() for b in boroughs}
    return [n for n, boroughs in members.items() if len(boroughs) == 1 or set(boroughs) == everyone]


def _summed(
    values: Mapping[Cell, int], boroughs: Sequence[str], result: Mapping[Any, int | None]
) -> dict[Cell, int | None]:
    """Publish an aggregate of some boroughs as the sum of their published figures.

    Suppressing it jointly with the boroughs would change their pattern with the
    aggregate asked for, and another request's pattern (or another board member's
    aggregate) would then give back what this one withholds. A figure of the aggregate
    is shown only where every borough's figure is, so it tells nothing they do not.
    """
    published = {key for (b, key) in result if b in boroughs}
    sliced: dict[Cell, int | None] = {}
    for key in published:  # an internal cell is in no borough's result
        parts = [result[b, key] for b in boroughs if (b, key) in result]
        sliced[key] = values[key] if None not in parts else None
    return sliced


def _sum_counts(counts: Mapping[str, Counts], boroughs: Sequence[str]) -> dict[Cell, int]:
    total: dict[Cell, int] = {}
    for borough in boroughs:
        for key, value in counts.get(borough, {}).items():
            total[key] = total.get(key, 0) + value
    return total


def count_table(table: CountTable, published: Published) -> dict[str, Any]:
    """Render a count table of the requested node."""
    rows = []
    for key in table.row_keys():
        value = published.values.get(table.cell(key), 0)
        rows.append(_row(table.dims, key, value, value is None))
    total = published.values.get(table.total, 0) if table.partition else None
    return _table(
        table.name, table.title, "count", table.dims, rows, total, total is None and table.partition
    )


def measure_table(
    name: str,
    title: str,
    measure: str,
    dims: tuple[str, ...],
    rows: Sequence[tuple[tuple[str, ...], float | None, bool]],
    total: tuple[float | None, bool] | None = None,
) -> dict[str, Any]:
    """Render a table of shares, medians or ratios: (key, value, withheld) per row."""
    rendered = [_row(dims, key, value, withheld) for key, value, withheld in rows]
    value, withheld = total if total is not None else (None, False)
    return _table(name, title, measure, dims, rendered, value, withheld)


def figure(name: str, title: str, measure: str, value: tuple[float | None, bool]) -> dict[str, Any]:
    """Render a single figure (a share or a median of the whole scope) as a table."""
    return measure_table(name, title, measure, (), [], value)


def share(
    published: Published,
    numerator: Sequence[Cell],
    denominator: Sequence[Cell],
    *,
    minimum: int,
    exclude: Sequence[Cell] = (),
) -> tuple[float | None, bool]:
    """Return sum(numerator) / (sum(denominator) - sum(exclude)) and whether it is withheld.

    A share is withheld when any count behind it is: the share and one count give the
    other back. So is whether it is defined: a share shown as undefined, not withheld,
    would tell that every withheld count of its denominator is 0. It is also withheld
    when it summarises fewer than `minimum` children; with every count behind it
    published, whether it has any is public already.
    """
    if published.hidden([*numerator, *denominator, *exclude]):
        return None, True
    top = sum(published.count(c) for c in numerator)
    bottom = sum(published.count(c) for c in denominator) - sum(published.count(c) for c in exclude)
    if bottom < minimum:
        return None, bottom > 0
    return round(top / bottom, 4), False


def median(
    published: Published,
    counted: Sequence[Cell],
    n: int | None,
    value: float | None,
    *,
    minimum: int | None,
) -> tuple[float | None, bool]:
    """Return a median and whether it is withheld.

    `counted` are the cells that count the values summarised. Publishing a median only
    over enough values tells the reader there are enough, so a median whose count is
    withheld is withheld too; so is one over fewer than `minimum` values.
    """
    n = n or 0
    if published.hidden(counted) or (minimum is not None and 0 < n < minimum):
        return None, True
    return (round(value, 1) if n and value is not None else None), False


def _row(dims: Sequence[str], key: Sequence[str], value: Any, withheld: bool) -> dict[str, Any]:
    return {"key": dict(zip(dims, key, strict=True)), "value": value, "suppressed": withheld}


def _table(
    name: str,
    title: str,
    measure: str,
    dims: Sequence[str],
    rows: list[dict[str, Any]],
    total: Any,
    total_withheld: bool,
) -> dict[str, Any]:
    return {
        "name": name,
        "title": title,
        "measure": measure,
        "dimensions": list(dims),
        "rows": rows,
        "total": total,
        "total_suppressed": total_withheld,
    }


def layouts_for(
    build: Callable[[Sequence[str]], Layout], members: Mapping[str, Sequence[str]]
) -> dict[str, Layout]:
    """Build the layout of every node from its boroughs."""
    return {node: build(boroughs) for node, boroughs in members.items()}


__all__ = ["ALL", "Cell", "CountTable", "Layout", "Published", "Relation", "cell"]

"""Small-number suppression for tables of counts about children.

Counts from 1 to threshold - 1 could identify a child, so they are withheld (primary
suppression). Totals published in the same table could give a withheld count back by
subtraction, so further cells are withheld (complementary suppression) until no withheld
cell is exactly determined by the published cells and the table's additivity constraints,
nor pinned to one value by them together with the reader's knowledge that counts are
positive (see `bounds`), nor part of a small group: where a sum's total is published, its
withheld parts together are the total less the published ones, a count of children like
any other, so they hold none or at least the threshold together (1 + 2 withheld beside
a published total would otherwise show a group of 3).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType

from sywc.stats import bounds

SUPPRESSED = "suppressed"

Key = Hashable
Constraint = tuple[Key, tuple[Key, ...]]


class _Total:
    """Mark the total row, column or category of a table."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "TOTAL"

    def __reduce__(self) -> str:
        # Pickle and copy as the module singleton, so identity comparisons keep working.
        return "TOTAL"


TOTAL = _Total()


@dataclass(frozen=True)
class Table:
    """Hold named non-negative counts and the constraints `total = sum(parts)` between them."""

    cells: Mapping[Key, int]
    constraints: tuple[Constraint, ...] = ()

    def __post_init__(self) -> None:
        # Copy so that a caller mutating its dict cannot change a table already validated.
        cells = MappingProxyType(dict(self.cells))
        constraints = tuple((total, tuple(parts)) for total, parts in self.constraints)
        for key, value in cells.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"cell {key!r} must be a non-negative integer, not {value!r}")
        for total, parts in constraints:
            missing = [key for key in (total, *parts) if key not in cells]
            if missing:
                raise ValueError(f"constraint on {total!r} names unknown cells {missing!r}")
            # A total that does not add up means the caller declared a wrong constraint.
            if cells[total] != sum(cells[part] for part in parts):
                raise ValueError(f"cell {total!r} is not the sum of its parts")
        object.__setattr__(self, "cells", cells)
        object.__setattr__(self, "constraints", constraints)


def one_way(counts: Mapping[Key, int]) -> Table:
    """Build a table of categories plus a grand total keyed TOTAL."""
    if TOTAL in counts:
        raise ValueError("TOTAL is reserved for the grand total")
    cells = {**counts, TOTAL: sum(counts.values())}
    return Table(cells, ((TOTAL, tuple(counts)),))


def two_way(
    counts: Mapping[tuple[Key, Key], int], rows: Iterable[Key], cols: Iterable[Key]
) -> Table:
    """Build a cross-tabulation with row, column and grand totals; absent cells count as 0."""
    rows, cols = tuple(rows), tuple(cols)
    if len(set(rows)) != len(rows) or len(set(cols)) != len(cols):
        raise ValueError("row and column labels must be unique")
    if TOTAL in rows or TOTAL in cols:
        raise ValueError("TOTAL is reserved for the totals")
    stray = set(counts) - {(r, c) for r in rows for c in cols}
    if stray:
        # Silently dropping a count would publish totals that miss children.
        raise ValueError(f"counts outside the given rows and columns: {sorted(map(repr, stray))}")
    cells: dict[Key, int] = {(r, c): counts.get((r, c), 0) for r in rows for c in cols}
    constraints: list[Constraint] = []
    for r in rows:
        cells[r, TOTAL] = sum(cells[r, c] for c in cols)
        constraints.append(((r, TOTAL), tuple((r, c) for c in cols)))
    for c in cols:
        cells[TOTAL, c] = sum(cells[r, c] for r in rows)
        constraints.append(((TOTAL, c), tuple((r, c) for r in rows)))
    cells[TOTAL, TOTAL] = sum(cells[r, TOTAL] for r in rows)
    constraints.append(((TOTAL, TOTAL), tuple((r, TOTAL) for r in rows)))
    constraints.append(((TOTAL, TOTAL), tuple((TOTAL, c) for c in cols)))
    return Table(cells, tuple(constraints))


def _axpy(target: dict, factor: Fraction, source: dict, skip: object = None) -> None:
    """Add factor * source to target in place, dropping entries that cancel."""
    for index, value in source.items():
        if index != skip:
            entry = target.get(index, 0) + factor * value
            if entry:
                target[index] = entry
            else:
                target.pop(index, None)


class _Unknowns:
    """Track which hidden cells the constraints pin down, as cells are hidden one by one."""

    # A hidden cell x_j is pinned down when the unit vector e_j lies in the row space of the
    # constraint matrix restricted to hidden cells, that is when column j is outside the span
    # of the other hidden columns. Eliminating columns keeps that test incremental: hiding a
    # cell either adds an independent column (the cell is pinned down, for now) or closes a
    # linear dependency, which frees every cell in it for good. Published values only move
    # the right-hand sides, so the coefficients alone decide.

    def __init__(self, table: Table) -> None:
        self.columns: dict[Key, dict[int, int]] = {}
        for index, (total, parts) in enumerate(table.constraints):
            for key, coef in ((total, 1), *((part, -1) for part in parts)):
                column = self.columns.setdefault(key, {})
                column[index] = column.get(index, 0) + coef
        # Pivot constraint -> (reduced column, the hidden columns it combines).
        self._basis: dict[int, tuple[dict[int, Fraction], dict[Key, Fraction]]] = {}
        self.hidden: set[Key] = set()
        self.determined: set[Key] = set()

    def hide(self, key: Key) -> None:
        """Add the cell as an unknown and update which unknowns are pinned down."""
        if key in self.hidden:
            return
        self.hidden.add(key)
        column = {i: Fraction(c) for i, c in self.columns.get(key, {}).items() if c}
        combo = {key: Fraction(1)}
        # Reduced pivots hold zeros at the other pivots, so one pass clears them all.
        for pivot in [pivot for pivot in column if pivot in self._basis]:
            factor = column.pop(pivot)
            reduced, combined = self._basis[pivot]
            _axpy(column, -factor, reduced, skip=pivot)
            _axpy(combo, -factor, combined)
        if not column:
            # combo is a dependency among hidden columns: each cell in it can now move.
            self.determined.difference_update(combo)
            return
        pivot = next(iter(column))
        scale = column[pivot]
        column = {i: value / scale for i, value in column.items()}
        combo = {k: value / scale for k, value in combo.items()}
        for reduced, combined in self._basis.values():
            factor = reduced.pop(pivot, None)
            if factor:
                _axpy(reduced, -factor, column, skip=pivot)
                _axpy(combined, -factor, combo)
        self._basis[pivot] = (column, combo)
        self.determined.add(key)


def _pinned(table: Table, hidden: Iterable[Key]) -> _Unknowns:
    """Return the unknowns tracker with the given cells hidden."""
    unknowns = _Unknowns(table)
    for key in sorted(hidden, key=repr):
        unknowns.hide(key)
    return unknowns


def _complement(table: Table, unknowns: _Unknowns, internal: frozenset = frozenset()) -> Key | None:
    """Choose the published cell to hide next, or None when no choice can help."""
    hidden = unknowns.hidden
    # An internal cell is never published, so it does not matter whether it is fixed.
    determined = unknowns.determined - internal
    # Hiding a cell of a constraint with nothing hidden yet leaves it the only unknown
    # there, which starts a new chain of complements instead of closing this one.
    untouched = {
        index
        for index, (total, parts) in enumerate(table.constraints)
        if total not in hidden and hidden.isdisjoint(parts)
    }
    best_rank, best = None, []
    for total, parts in table.constraints:
        if total not in determined and determined.isdisjoint(parts):
            continue
        for cell in (total, *parts):
            if cell in hidden:
                continue
            value = table.cells[cell]
            # The total is the headline figure and a zero protects little (readers often
            # know where zeros must be), so both are the last resort across all the
            # constraints at fault, not just those of one determined cell. Then close the
            # pattern, then lose the least: the smallest count.
            tier = 2 if cell == total else 0 if value else 1
            rank = (tier, len(untouched.intersection(unknowns.columns[cell])), value)
            if best_rank is None or rank < best_rank:
                best_rank, best = rank, [cell]
            elif rank == best_rank:
                best.append(cell)
    return min(best, key=repr, default=None)


def _close(table: Table, unknowns: _Unknowns, internal: frozenset) -> None:
    """Hide complements until no withheld cell is fixed by the equations alone."""
    # Each round hides one more cell, so this ends after at most len(cells) rounds.
    while unknowns.determined - internal:
        cell = _complement(table, unknowns, internal)
        if cell is None:
            break
        unknowns.hide(cell)


def _rows(table: Table) -> list[dict[Key, int]]:
    """Return each constraint as a row {cell: coefficient} of `total - sum(parts) = 0`."""
    rows = []
    for total, parts in table.constraints:
        row: dict[Key, int] = {total: 1}
        for part in parts:
            row[part] = row.get(part, 0) - 1
        rows.append(row)
    return rows


def pinned(table: Table, hidden: Iterable[Key], sensitive: Iterable[Key]) -> set[Key]:
    """Return the sensitive withheld cells whose value the published cells leave no room to move."""
    hidden = set(hidden)
    # The reader is assumed to know which withheld counts are non-zero (zeros are
    # normally published), the strongest reading of what a withheld cell means.
    tight = {key for key in hidden if table.cells[key] <= 1}
    stuck = tight - bounds.growable(_rows(table), hidden, tight)
    fixed = _pinned(table, hidden - stuck).determined
    return set(sensitive) & hidden & (stuck | fixed)


def _widen(table: Table, hidden: set[Key], target: Key) -> Key | None:
    """Choose the published cell to hide to give a pinned cell room to move."""
    best_rank, best = None, None
    for total, parts in table.constraints:
        cells = (total, *parts)
        near = target in cells
        if not near and hidden.isdisjoint(cells):
            continue
        for cell in cells:
            if cell in hidden:
                continue
            value = table.cells[cell]
            # A non-zero count can move both ways once hidden; a zero only up.
            rank = (not near, 2 if cell == total else 0 if value else 1, value, repr(cell))
            if best_rank is None or rank < best_rank:
                best_rank, best = rank, cell
    return best


def small_groups(table: Table, hidden: Iterable[Key], *, threshold: int = 5) -> list[int]:
    """Return the sums whose total is published and whose withheld parts hold 1 to
    threshold - 1 children together, by their index in the table's constraints."""
    hidden = set(hidden)
    return [
        index
        for index, (total, parts) in enumerate(table.constraints)
        if total not in hidden
        and 0 < sum(table.cells[part] for part in parts if part in hidden) < threshold
    ]


def _enlarge(table: Table, hidden: set[Key], groups: Iterable[int]) -> Key | None:
    """Choose the published cell to hide so that a small group's sum is no longer told."""
    best_rank, best = None, None
    for index in groups:
        total, parts = table.constraints[index]
        # Every published non-zero part is at least the threshold (smaller ones are
        # primary), so hiding one makes its group large enough; the total is the last
        # resort, as elsewhere. Then lose the least: the smallest count.
        counted = [part for part in parts if part not in hidden and table.cells[part]]
        for cell in counted or [total]:
            rank = (cell == total, table.cells[cell], repr(cell))
            if best_rank is None or rank < best_rank:
                best_rank, best = rank, cell
    return best


def suppress(
    table: Table, *, threshold: int = 5, internal: Iterable[Key] = ()
) -> dict[Key, int | None]:
    """Return the table's cells with disclosive counts and their complements set to None.

    `internal` cells take part in the constraints but are never published (for example
    a sum the reader can bound but never sees); they are left out of the result.
    """
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    internal = frozenset(internal)
    if not internal <= table.cells.keys():
        raise ValueError("internal cells must be cells of the table")
    # A zero is published: a structural zero identifies nobody.
    primary = {k for k, v in table.cells.items() if 0 < v < threshold and k not in internal}
    unknowns = _pinned(table, primary | internal)
    _close(table, unknowns, internal)
    # Each round hides one more cell; with every cell hidden nothing is pinned and no
    # total is published (doubling every count is then as consistent as the truth), so
    # the loop ends.
    while True:
        if at_fault := pinned(table, unknowns.hidden, primary):
            cell = _widen(table, unknowns.hidden, min(at_fault, key=repr))
        elif groups := small_groups(table, unknowns.hidden, threshold=threshold):
            cell = _enlarge(table, unknowns.hidden, groups)
        else:
            break
        if cell is None:
            break
        unknowns.hide(cell)
        _close(table, unknowns, internal)
    return {
        key: None if key in unknowns.hidden else value
        for key, value in table.cells.items()
        if key not in internal
    }


def is_disclosive(
    table: Table, published: Mapping[Key, int | None], *, threshold: int = 5
) -> list[Key]:
    """Return the suppressed keys that can be recovered exactly and the published small counts."""
    hidden = {key for key in table.cells if published.get(key) is None}
    small = [key for key in table.cells if key not in hidden and 0 < published[key] < threshold]
    return sorted({*_pinned(table, hidden).determined, *small}, key=repr)


def is_pinned(
    table: Table,
    published: Mapping[Key, int | None],
    *,
    threshold: int = 5,
    internal: Iterable[Key] = (),
) -> list[Key]:
    """Return the withheld small counts a reader can pin down, knowing counts are positive."""
    hidden = {key for key in table.cells if published.get(key) is None}
    small = {key for key in hidden - set(internal) if 0 < table.cells[key] < threshold}
    return sorted(pinned(table, hidden, small), key=repr)


def suppress_share(numerator: int, denominator: int, *, minimum: int = 5) -> float | None:
    """Return numerator / denominator, or None when the denominator is too small to publish."""
    if not 0 <= numerator <= denominator:
        raise ValueError("a share needs 0 <= numerator <= denominator")
    # A share of nothing is undefined, whatever minimum the caller asks for.
    if denominator < max(minimum, 1):
        return None
    return numerator / denominator


def suppress_median(values_count: int, median: float | None, *, minimum: int = 5) -> float | None:
    """Return the median, or None when it summarises too few values to publish."""
    if values_count < minimum:
        return None
    return median

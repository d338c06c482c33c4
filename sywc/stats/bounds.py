"""Which withheld counts could still be pinned down by someone who knows counts are positive.

Hiding a cell only protects it if the published cells leave it room to move. Linear
algebra tells whether the table's equations alone fix a withheld cell; this module adds
what a reader also knows: a count is never negative, and since zeros are published a
withheld count is usually at least 1. Two withheld cells that must sum to 2 are then
both 1, although no equation fixes either.

The reader's knowledge is modelled as the polytope {y : A y = b, y >= L} over the
withheld cells, with L = 1 for a non-zero count and 0 for a zero one. The true table x
lies in it. A withheld cell can take another value iff some direction d with A d = 0
moves it while every cell already at its lower bound ("tight", x = L) only grows:
d_tight >= 0. Tight cells that can grow at all are found with one linear programme;
the others are stuck at their value, and a cell is then pinned iff it is stuck or the
equations fix it once the stuck cells count as known. For tables whose constraint
matrix is totally unimodular (one-way and two-way tables with margins, and several of
them sharing a grand total) such a direction can be taken with entries in {-1, 0, 1},
so an unpinned cell has a second integer value, not just a fractional one.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from fractions import Fraction

Key = Hashable
_EPS = 1e-9


def _axpy(target: dict, factor: Fraction, source: Mapping) -> None:
    """Add factor * source to target in place, dropping entries that cancel."""
    for index, value in source.items():
        entry = target.get(index, 0) + factor * value
        if entry:
            target[index] = entry
        else:
            target.pop(index, None)


def null_space(rows: Iterable[Mapping[Key, int]], keys: Iterable[Key]) -> list[dict[Key, Fraction]]:
    """Return a basis of {d : row . d = 0 for every row}, as sparse vectors over keys."""
    order = {key: i for i, key in enumerate(keys)}
    pivots: dict[Key, dict[Key, Fraction]] = {}
    for constraint in rows:
        reduced = {
            key: Fraction(value) for key, value in constraint.items() if value and key in order
        }
        # Pivot rows are kept fully reduced, so one pass clears every pivot column.
        for pivot in [key for key in reduced if key in pivots]:
            factor = reduced.get(pivot)
            if factor:
                _axpy(reduced, -factor, pivots[pivot])
        if not reduced:
            continue
        pivot = min(reduced, key=order.__getitem__)
        scale = reduced[pivot]
        reduced = {key: value / scale for key, value in reduced.items()}
        for other in pivots.values():
            factor = other.get(pivot)
            if factor:
                _axpy(other, -factor, reduced)
        pivots[pivot] = reduced
    basis = []
    for free in sorted((key for key in order if key not in pivots), key=order.__getitem__):
        vector: dict[Key, Fraction] = {free: Fraction(1)}
        for pivot, row in pivots.items():
            coefficient = row.get(free)
            if coefficient:
                vector[pivot] = -coefficient
        basis.append(vector)
    return basis


def _maximize(objective: list[float], rows: list[list[float]], rhs: list[float]) -> list[float]:
    """Maximize objective . x subject to rows x <= rhs, x >= 0, for rhs >= 0 (bounded)."""
    n, m = len(objective), len(rows)
    # One slack per row; the slacks are the starting basis (x = 0). The tableau is mostly
    # zeros (a unit column per slack and per tight cell), so each row keeps its non-zero
    # entries only, by column, with the right-hand side in column `end`.
    end = n + m
    tableau: list[dict[int, float]] = []
    for i, (row, b) in enumerate(zip(rows, rhs, strict=True)):
        entries = {j: value for j, value in enumerate(row) if value}
        entries[n + i] = 1.0
        if b:
            entries[end] = b
        tableau.append(entries)
    cost = {j: -c for j, c in enumerate(objective) if c}
    basis = list(range(n, n + m))
    while True:
        # Bland's rule (lowest index enters and leaves) cannot cycle on degenerate pivots.
        entering = min((j for j, v in cost.items() if v < -_EPS and j < end), default=None)
        if entering is None:
            break
        best = None
        for i, row in enumerate(tableau):
            a = row.get(entering, 0.0)
            if a > _EPS:
                ratio = row.get(end, 0.0) / a
                if (
                    best is None
                    or ratio < best[0] - _EPS
                    or (abs(ratio - best[0]) <= _EPS and basis[i] < basis[best[1]])
                ):
                    best = (ratio, i)
        if best is None:
            raise ArithmeticError("the programme is unbounded")
        leave = best[1]
        scale = tableau[leave][entering]
        pivot = tableau[leave] = {j: value / scale for j, value in tableau[leave].items()}
        for row in (*tableau, cost):
            factor = row.get(entering)
            if row is not pivot and factor:
                for j, value in pivot.items():
                    entry = row.get(j, 0.0) - factor * value
                    if entry:
                        row[j] = entry
                    else:
                        row.pop(j, None)
        basis[leave] = entering
    values = [0.0] * (n + m)
    for i, var in enumerate(basis):
        values[var] = tableau[i].get(end, 0.0)
    return values[:n]


def growable(
    rows: Iterable[Mapping[Key, int]], hidden: Iterable[Key], tight: Iterable[Key]
) -> set[Key]:
    """Return the tight cells that some move d (rows . d = 0, d_tight >= 0) increases."""
    keys = sorted(hidden, key=repr)
    tight_keys = [key for key in keys if key in set(tight)]
    if not tight_keys:
        return set()
    basis = null_space(rows, keys)
    # Directions that touch no tight cell change nothing in the programme below.
    basis = [vector for vector in basis if any(key in vector for key in tight_keys)]
    tight_keys = [key for key in tight_keys if any(key in vector for vector in basis)]
    if not tight_keys:
        return set()
    k, n_t = len(basis), len(tight_keys)
    # Variables: z+ (k), z- (k), t (n_t); d = N (z+ - z-). Maximize sum t subject to
    # t_i <= d_i and t_i <= 1: t_i = 1 exactly for the cells that can grow, because
    # the moves form a cone and the sum of one move per growable cell grows them all.
    rows_out: list[list[float]] = []
    rhs: list[float] = []
    for i, key in enumerate(tight_keys):
        coefficients = [float(vector.get(key, 0)) for vector in basis]
        unit = [1.0 if j == i else 0.0 for j in range(n_t)]
        rows_out.append([-c for c in coefficients] + coefficients + unit)
        rhs.append(0.0)
        rows_out.append([0.0] * (2 * k) + unit)
        rhs.append(1.0)
    values = _maximize([0.0] * (2 * k) + [1.0] * n_t, rows_out, rhs)
    return {key for i, key in enumerate(tight_keys) if values[2 * k + i] > 0.5}

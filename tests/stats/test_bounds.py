"""Withheld counts cannot be pinned down by a reader who knows that counts are positive."""

from hypothesis import given, settings
from hypothesis import strategies as st

from sywc.stats.bounds import _maximize, growable, null_space
from sywc.stats.suppression import TOTAL, Table, is_pinned, one_way, suppress, two_way

# Mostly ones and twos: the counts a reader can pin when two withheld cells sum to 2.
small_counts = st.one_of(st.integers(0, 2), st.integers(0, 9), st.just(1))


def second_solution(table, published, target):
    """Find integer cell values, consistent with what is published, where target differs.

    Independent of the code under test: a depth-first search over the withheld cells,
    each within one of its true value and never below 1 for a non-zero count (nor below 0).
    """
    hidden = sorted((key for key, value in published.items() if value is None), key=repr)
    hidden.remove(target)
    hidden.insert(0, target)
    position = {key: i for i, key in enumerate(hidden)}
    checks = {i: [] for i in range(len(hidden))}
    for total, parts in table.constraints:
        cells = (total, *parts)
        last = max((position[c] for c in cells if c in position), default=None)
        if last is not None:
            checks[last].append(cells)

    def domain(key):
        value = table.cells[key]
        low = min(value, 1)
        return [v for v in (value - 1, value, value + 1) if v >= low]

    values = {}

    def value_of(key):
        return values[key] if key in position else published[key]

    def search(i):
        if i == len(hidden):
            return True
        key = hidden[i]
        for candidate in domain(key):
            if i == 0 and candidate == table.cells[key]:
                continue
            values[key] = candidate
            if all(
                value_of(cells[0]) == sum(value_of(c) for c in cells[1:]) for cells in checks[i]
            ) and search(i + 1):
                return True
        values.pop(key, None)
        return False

    return search(0)


def assert_unpinned(table, published, threshold=5):
    for key, value in published.items():
        assert value is None or value == table.cells[key]
        assert value is None or not 0 < value < threshold, key
    for key, value in table.cells.items():
        if published.get(key, 0) is None and 0 < value < threshold:
            assert second_solution(table, published, key), key
    assert is_pinned(table, published, threshold=threshold) == []


@st.composite
def small_one_way(draw):
    values = draw(st.lists(small_counts, min_size=1, max_size=7))
    return one_way({f"c{i}": value for i, value in enumerate(values)})


@st.composite
def small_two_way(draw):
    rows = [f"r{i}" for i in range(draw(st.integers(2, 3)))]
    cols = [f"k{j}" for j in range(draw(st.integers(2, 3)))]
    size = len(rows) * len(cols)
    values = draw(st.lists(small_counts, min_size=size, max_size=size))
    return two_way(dict(zip([(r, c) for r in rows for c in cols], values, strict=True)), rows, cols)


def test_two_withheld_ones_that_must_sum_to_two_are_widened():
    table = one_way({"a": 1, "b": 1, "c": 20})

    published = suppress(table)

    assert published == {"a": None, "b": None, "c": None, TOTAL: 22}
    assert_unpinned(table, published)


def test_the_audit_sees_the_pinned_ones_that_linear_algebra_misses():
    table = one_way({"a": 1, "b": 1, "c": 20})

    assert is_pinned(table, {"a": None, "b": None, "c": 20, TOTAL: 22}) == ["a", "b"]
    assert is_pinned(table, {"a": None, "b": None, "c": None, TOTAL: 22}) == []


def test_five_ones_under_a_published_total_take_the_total_with_them():
    table = one_way({f"w{i}": 1 for i in range(5)})

    published = suppress(table)

    assert set(published.values()) == {None}
    assert_unpinned(table, published)


def test_withheld_counts_summing_to_the_threshold_are_not_pinned():
    table = one_way({"a": 3, "b": 2, "c": 20})

    assert suppress(table) == {"a": None, "b": None, "c": 20, TOTAL: 25}


def test_internal_cells_constrain_but_are_never_published():
    # a + b is known to the reader only as a bound: an internal sum they never see.
    cells = {"a": 1, "b": 1, "s": 2, "c": 30, TOTAL: 32}
    table = Table(cells, (("s", ("a", "b")), (TOTAL, ("s", "c"))))

    published = suppress(table, internal={"s"})

    assert "s" not in published
    assert published["a"] is None
    assert published["b"] is None
    assert published["c"] is None
    assert is_pinned(table, published, internal={"s"}) == []


def test_the_null_space_and_growable_cells_of_a_small_system():
    rows = [{"t": 1, "a": -1, "b": -1}]
    basis = null_space(rows, ["a", "b", "t"])
    assert len(basis) == 2
    for vector in basis:
        assert vector.get("t", 0) == vector.get("a", 0) + vector.get("b", 0)
    # With the total known (not among the unknowns), a and b trade off: neither can grow
    # while the other is held at its lower bound.
    assert growable(rows, ["a", "b"], ["a", "b"]) == set()
    assert growable(rows, ["a", "b"], ["a"]) == {"a"}
    assert growable(rows, ["a", "b", "t"], ["a", "b", "t"]) == {"a", "b", "t"}


@settings(max_examples=200, deadline=None)
@given(small_one_way())
def test_one_way_tables_leave_every_withheld_small_count_room_to_move(table):
    assert_unpinned(table, suppress(table))


@settings(max_examples=200, deadline=None)
@given(small_two_way())
def test_two_way_tables_leave_every_withheld_small_count_room_to_move(table):
    assert_unpinned(table, suppress(table))


def dense_maximize(objective, rows, rhs, eps=1e-9):
    """The textbook dense tableau with Bland's rule, every entry updated on every pivot:
    the reference the sparse simplex in `sywc.stats.bounds` is held to."""
    n, m = len(objective), len(rows)
    tableau = [
        list(row) + [1.0 if i == j else 0.0 for j in range(m)] + [b]
        for i, (row, b) in enumerate(zip(rows, rhs, strict=True))
    ]
    cost = [-c for c in objective] + [0.0] * (m + 1)
    basis = list(range(n, n + m))
    while True:
        entering = next((j for j in range(n + m) if cost[j] < -eps), None)
        if entering is None:
            break
        best = None
        for i, row in enumerate(tableau):
            if row[entering] > eps:
                ratio = row[-1] / row[entering]
                if (
                    best is None
                    or ratio < best[0] - eps
                    or (abs(ratio - best[0]) <= eps and basis[i] < basis[best[1]])
                ):
                    best = (ratio, i)
        leave = best[1]
        pivot_row = tableau[leave]
        scale = pivot_row[entering]
        pivot_row[:] = [value / scale for value in pivot_row]
        for row in (*tableau, cost):
            factor = row[entering]
            if row is not pivot_row and factor:
                row[:] = [a - factor * b for a, b in zip(row, pivot_row, strict=True)]
        basis[leave] = entering
    values = [0.0] * (n + m)
    for i, var in enumerate(basis):
        values[var] = tableau[i][-1]
    return values[:n]


@st.composite
def bounded_programmes(draw):
    """Programmes shaped like `growable`'s: small integer rows, rhs >= 0, each variable
    capped at 1 by a row of its own so the optimum is bounded."""
    n = draw(st.integers(1, 7))
    coefficient = st.sampled_from([-2, -1, -1, 0, 0, 0, 1, 1, 2])
    rows = draw(st.lists(st.lists(coefficient, min_size=n, max_size=n), max_size=8))
    rhs = [float(draw(st.sampled_from([0, 0, 1, 2]))) for _ in rows]
    caps = [[1.0 if i == j else 0.0 for j in range(n)] for i in range(n)]
    objective = draw(st.lists(st.sampled_from([0.0, 1.0, 1.0, 2.0]), min_size=n, max_size=n))
    return objective, [[float(c) for c in row] for row in rows] + caps, rhs + [1.0] * n


@settings(max_examples=300, deadline=None)
@given(bounded_programmes())
def test_the_sparse_simplex_follows_the_dense_one_pivot_for_pivot(programme):
    objective, rows, rhs = programme
    assert _maximize(objective, rows, rhs) == dense_maximize(objective, rows, rhs)

"""Small-number suppression: primary and complementary suppression of published tables."""

import copy
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sywc.stats.suppression import (
    SUPPRESSED,
    TOTAL,
    Table,
    is_disclosive,
    one_way,
    small_groups,
    suppress,
    suppress_median,
    suppress_share,
    two_way,
)

# Many values in 1..4 so that most generated tables need complementary suppression.
counts = st.one_of(st.integers(1, 4), st.integers(0, 60), st.just(0))


@st.composite
def one_way_tables(draw):
    values = draw(st.lists(counts, min_size=1, max_size=12))
    return one_way({f"c{i}": value for i, value in enumerate(values)})


@st.composite
def two_way_tables(draw, max_rows=6, max_cols=5):
    rows = [f"r{i}" for i in range(draw(st.integers(2, max_rows)))]
    cols = [f"k{j}" for j in range(draw(st.integers(2, max_cols)))]
    values = draw(st.lists(counts, min_size=len(rows) * len(cols), max_size=len(rows) * len(cols)))
    grid = dict(zip([(r, c) for r in rows for c in cols], values, strict=True))
    return two_way(grid, rows, cols)


def determined_by_row_space(table, hidden):
    """Return the hidden keys the constraints fix, by dense Gauss-Jordan on constraint rows."""
    order = sorted(hidden, key=repr)
    position = {key: i for i, key in enumerate(order)}
    rows = []
    for total, parts in table.constraints:
        row = [Fraction(0)] * len(order)
        for key, coef in ((total, 1), *((part, -1) for part in parts)):
            if key in position:
                row[position[key]] += coef
        rows.append(row)
    pivots = []
    for col in range(len(order)):
        found = next((r for r in range(len(pivots), len(rows)) if rows[r][col]), None)
        if found is None:
            continue
        top = len(pivots)
        rows[top], rows[found] = rows[found], rows[top]
        rows[top] = [value / rows[top][col] for value in rows[top]]
        for r, row in enumerate(rows):
            if r != top and row[col]:
                rows[r] = [a - row[col] * b for a, b in zip(row, rows[top], strict=True)]
        pivots.append(col)
    return {order[col] for r, col in enumerate(pivots) if sum(1 for v in rows[r] if v) == 1}


def hidden_keys(published):
    return {key for key, value in published.items() if value is None}


def primary_only(table):
    return {key: None if 0 < value < 5 else value for key, value in table.cells.items()}


def reordered(table):
    cells = dict(reversed(table.cells.items()))
    constraints = tuple((total, tuple(reversed(parts))) for total, parts in table.constraints)
    return Table(cells, tuple(reversed(constraints)))


def assert_safe(table, published):
    assert set(published) == set(table.cells)
    for key, value in published.items():
        assert value is None or not 1 <= value <= 4, key
        assert value is None or value == table.cells[key], key
    assert is_disclosive(table, published) == []
    assert determined_by_row_space(table, hidden_keys(published)) == set()
    assert small_groups(table, hidden_keys(published)) == []


def test_a_lone_small_count_takes_the_smallest_other_count_with_it():
    table = one_way({"a": 3, "b": 10, "c": 20, "d": 7, "e": 0})

    assert suppress(table) == {"a": None, "b": 10, "c": 20, "d": None, "e": 0, TOTAL: 40}


def test_two_small_counts_protect_each_other_when_the_total_leaves_only_their_sum():
    table = one_way({"a": 3, "b": 2, "c": 20})

    assert suppress(table) == {"a": None, "b": None, "c": 20, TOTAL: 25}


def test_withheld_counts_beside_a_published_total_hold_at_least_the_threshold_together():
    # 1 and 2 withheld beside 20 and a total of 23 would show a group of 3 children.
    table = one_way({"a": 1, "b": 2, "c": 20, "d": 0})

    assert small_groups(table, {"a", "b"}) == [0]
    assert suppress(table) == {"a": None, "b": None, "c": None, "d": 0, TOTAL: 23}
    assert small_groups(table, {"a", "b", "c"}) == []


def test_a_small_group_in_a_row_takes_a_count_of_that_row_with_it():
    # Row a withholds 1 and 2 (each with its column's complement); its total, 33, and
    # its third count, 30, would show the other two together: 3.
    grid = {("a", "x"): 1, ("a", "y"): 2, ("a", "z"): 30}
    grid |= {("b", "x"): 9, ("b", "y"): 8, ("b", "z"): 40}
    table = two_way(grid, "ab", "xyz")

    published = suppress(table)

    assert published["a", "z"] is None
    assert published["a", TOTAL] == 33
    assert_safe(table, published)


def test_a_small_count_in_a_two_by_two_table_hides_the_whole_interior():
    table = two_way({("a", "x"): 3, ("a", "y"): 10, ("b", "x"): 12, ("b", "y"): 20}, "ab", "xy")

    published = suppress(table)

    assert hidden_keys(published) == {("a", "x"), ("a", "y"), ("b", "x"), ("b", "y")}
    assert published["a", TOTAL] == 13
    assert published[TOTAL, TOTAL] == 45
    assert_safe(table, published)


def test_a_small_total_is_hidden_with_its_only_part():
    table = one_way({"a": 3})

    assert suppress(table) == {"a": None, TOTAL: None}


def test_a_table_of_zeros_is_published_as_it_is():
    table = two_way({}, ["r1", "r2", "r3"], ["k1", "k2"])

    assert suppress(table) == dict(table.cells)
    assert set(suppress(one_way({"a": 0, "b": 0})).values()) == {0}


def test_a_table_without_small_counts_is_published_unchanged():
    grid = {(r, c): 5 + 7 * r + c for r in range(4) for c in range(3)}
    table = two_way(grid, range(4), range(3))

    assert suppress(table) == dict(table.cells)


def test_the_threshold_decides_what_is_small():
    table = one_way({"a": 7, "b": 30, "c": 40})

    assert hidden_keys(suppress(table, threshold=10)) == {"a", "b"}
    assert suppress(table, threshold=1) == dict(table.cells)


def test_a_bridge_between_two_suppression_cycles_is_caught():
    # Two 2x2 cycles of small counts joined by the small count at (b, y): every row and
    # column holds two or three suppressed cells, yet rows a and b minus columns w and x
    # leave exactly (b, y).
    small = {
        ("a", "w"): 2, ("a", "x"): 3, ("b", "w"): 4, ("b", "x"): 1, ("b", "y"): 2,
        ("c", "y"): 3, ("c", "z"): 2, ("d", "y"): 1, ("d", "z"): 4,
    }  # fmt: skip
    grid = {(r, c): small.get((r, c), 20) for r in "abcd" for c in "wxyz"}
    table = two_way(grid, "abcd", "wxyz")
    primary = primary_only(table)
    for total, parts in table.constraints:
        assert sum(primary[key] is None for key in (total, *parts)) != 1

    assert is_disclosive(table, primary) == [("b", "y")]
    published = suppress(table)

    assert hidden_keys(published) > hidden_keys(primary)
    assert_safe(table, published)


def test_the_audit_flags_a_recoverable_cell_and_a_published_small_count():
    table = one_way({"a": 3, "b": 10, "c": 4})

    assert is_disclosive(table, {"a": None, "b": 10, "c": None, TOTAL: 17}) == []
    assert is_disclosive(table, {"a": None, "b": 10, "c": 4, TOTAL: 17}) == ["a", "c"]
    assert is_disclosive(table, {"a": 3, "b": None, "c": None, TOTAL: 17}) == ["a"]


def test_tables_reject_inconsistent_or_negative_counts():
    with pytest.raises(ValueError, match="sum of its parts"):
        Table({"a": 1, "b": 2, "t": 4}, (("t", ("a", "b")),))
    with pytest.raises(ValueError, match="non-negative"):
        one_way({"a": -1})
    with pytest.raises(ValueError, match="outside"):
        two_way({("a", "z"): 3}, "ab", "xy")


def test_two_way_counts_absent_cells_as_zero_and_adds_every_margin():
    table = two_way({("a", "x"): 7, ("b", "y"): 9}, "ab", "xy")

    assert table.cells["a", "y"] == 0
    assert table.cells["a", TOTAL] == 7
    assert table.cells[TOTAL, "y"] == 9
    assert table.cells[TOTAL, TOTAL] == 16
    assert len(table.constraints) == 2 + 2 + 2


def test_the_total_marker_survives_copying_and_the_suppressed_marker_is_fixed():
    assert copy.deepcopy({TOTAL: 1}) == {TOTAL: 1}
    assert SUPPRESSED == "suppressed"


def test_shares_and_medians_of_too_few_are_withheld():
    assert suppress_share(3, 4) is None
    assert suppress_share(3, 12) == 0.25
    assert suppress_share(0, 0, minimum=0) is None
    with pytest.raises(ValueError, match="numerator"):
        suppress_share(5, 4)
    assert suppress_median(4, 12.5) is None
    assert suppress_median(5, 12.5) == 12.5


@given(two_way_tables(), st.data())
def test_the_audit_agrees_with_row_reduction_of_the_constraints(table, data):
    hidden = data.draw(st.sets(st.sampled_from(sorted(table.cells, key=repr))))
    published = {key: None if key in hidden else 10 for key in table.cells}

    assert set(is_disclosive(table, published)) == determined_by_row_space(table, hidden)


@given(one_way_tables())
def test_one_way_tables_are_published_safely_and_deterministically(table):
    published = suppress(table)

    assert_safe(table, published)
    assert suppress(reordered(table)) == published


@given(two_way_tables())
def test_two_way_tables_are_published_safely_and_deterministically(table):
    published = suppress(table)

    assert_safe(table, published)
    assert suppress(reordered(table)) == published


@settings(max_examples=10, deadline=None)
@given(two_way_tables(max_rows=40, max_cols=10))
def test_board_sized_tables_are_published_safely(table):
    assert_safe(table, suppress(table))

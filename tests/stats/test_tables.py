"""Board figures in a deployment of three or more boroughs.

A board member who works in some of the boroughs, but neither one nor all of them, can
ask for each of their boroughs alone and for their boroughs together. No mix of those
answers, nor of the answers given to board members of other boroughs, may give back a
withheld count, nor a small group: the other boroughs together, say, as the whole
deployment's figure less one borough's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import product
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sywc.stats import scope as scope_module
from sywc.stats.scope import resolve_scope
from sywc.stats.suppression import Table, is_disclosive, is_pinned, small_groups
from sywc.stats.tables import CountTable, Layout, layouts_for, publish

BOROUGHS = ("A", "B", "C")
ROWS = ("r1", "r2", "r3")
COLS = ("c1", "c2")
INTERIOR = list(product(ROWS, COLS))


def build(boroughs: Sequence[str]) -> Layout:
    return Layout([CountTable("t", "Children", "p", ("row", "col"), (ROWS, COLS))])


class Board:
    """A board member: statistics suppressed, sees only their own boroughs."""

    def __init__(self, boroughs: Iterable[str]) -> None:
        self.boroughs = frozenset(boroughs)

    def can(self, permission: Any) -> bool:
        return False


@pytest.fixture(autouse=True)
def three_boroughs(monkeypatch):
    monkeypatch.setattr(scope_module, "BOROUGH_CODES", BOROUGHS)


def ask(caller: Board, counts: Mapping[str, Any], borough: str | None) -> tuple[str, dict]:
    """Return the node a request covers and what it publishes, as the report would."""
    scope = resolve_scope(caller, borough=borough, ward=None)  # type: ignore[arg-type]
    layouts = layouts_for(build, scope.members)
    published = publish(layouts, scope.members, counts, node=scope.node, threshold=scope.threshold)
    return scope.node, dict(published.values)


def every_answer(callers: Iterable[Board], counts: Mapping[str, Any]) -> dict[str, dict]:
    answers: dict[str, dict] = {}
    for caller in callers:
        for borough in (None, *sorted(caller.boroughs)):
            node, values = ask(caller, counts, borough)
            # The same node must be published alike, whoever asks and with what else.
            assert answers.setdefault(node, values) == values, node
    return answers


def reader_system(answers: Mapping[str, dict], counts: Mapping[str, Any]) -> tuple[Table, dict]:
    """What a reader holding these answers can write down: each table's margins, and each
    aggregate as the sum of the boroughs in it."""
    layout = build(BOROUGHS)
    cells: dict[Any, int] = {}
    seen: dict[Any, int | None] = {}
    sums: list[tuple[Any, tuple[Any, ...]]] = []
    for node, values in answers.items():
        truth = layout.fill(_sum(counts, node.split("+")))
        for key, value in values.items():
            cells[node, key] = truth[key]
            seen[node, key] = value
        sums += [((node, t), tuple((node, p) for p in ps)) for t, ps in layout.constraints()]
    for node in answers:
        parts = [p for p in node.split("+") if p in answers]
        if len(parts) > 1:
            sums += [((node, key), tuple((p, key) for p in parts)) for key in answers[node]]
    return Table(cells, tuple(sums)), seen


def _sum(counts: Mapping[str, Any], boroughs: Iterable[str]) -> dict:
    total: dict = {}
    for borough in boroughs:
        for key, value in counts[borough].items():
            total[key] = total.get(key, 0) + value
    return total


def counts_of(grid: Sequence[int]) -> dict[str, dict]:
    cells = build(BOROUGHS).tables[0]
    size = len(INTERIOR)
    return {
        borough: {cells.cell(key): grid[n * size + i] for i, key in enumerate(INTERIOR)}
        for n, borough in enumerate(BOROUGHS)
    }


def assert_safe(answers: Mapping[str, dict], counts: Mapping[str, Any]) -> None:
    table, seen = reader_system(answers, counts)
    assert [k for k, v in seen.items() if v is not None and 0 < v < 5] == []
    assert is_disclosive(table, seen) == []
    assert is_pinned(table, seen) == []
    assert small_groups(table, {k for k, v in seen.items() if v is None}) == []


grids = st.lists(
    st.sampled_from([0, 0, 1, 2, 3, 4, 5, 6, 8, 12, 20]),
    min_size=len(INTERIOR) * len(BOROUGHS),
    max_size=len(INTERIOR) * len(BOROUGHS),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grids)
@example([6, 3, 2, 12, 0, 4, 0, 0, 0, 20, 8, 0, 5, 20, 2, 5, 0, 8])
def test_a_board_member_of_two_of_three_boroughs_cannot_difference_their_answers(grid):
    counts = counts_of(grid)
    assert_safe(every_answer([Board("AB")], counts), counts)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grids)
def test_board_members_of_different_boroughs_get_one_pattern_and_aggregates_tell_nothing_more(
    grid,
):
    counts = counts_of(grid)
    callers = [Board("AB"), Board("BC"), Board("AC"), Board("ABC")]
    answers = every_answer(callers, counts)  # each node published alike, whoever asks
    assert set(answers) == {"A", "B", "C", "A+B", "B+C", "A+C", "A+B+C"}
    # Whatever an aggregate shows, the answers for single boroughs and the deployment
    # already fix: with its figures taken as unknowns, each shown one is determined.
    aggregates = {n for n in answers if n.count("+") == 1}
    table, seen = reader_system(answers, counts)
    unknown = {k: None if k[0] in aggregates else v for k, v in seen.items()}
    shown = {k for k, v in seen.items() if k[0] in aggregates and v is not None}
    assert shown <= set(is_disclosive(table, unknown))
    assert [k for k, v in seen.items() if v is not None and 0 < v < 5] == []


def test_an_aggregate_withholds_what_any_of_its_boroughs_withholds():
    # Borough A has 2 children in (r1, c1): withheld there, so withheld for A and B
    # together too, though 2 + 12 = 14 is no small number.
    grid = [2, 12, 6, 6, 6, 6] + [12, 2, 6, 6, 6, 6] + [6] * 6
    counts = counts_of(grid)
    node, values = ask(Board("AB"), counts, None)
    assert node == "A+B"
    r1c1 = build(BOROUGHS).tables[0].cell(("r1", "c1"))
    r3c1 = build(BOROUGHS).tables[0].cell(("r3", "c1"))
    assert values[r1c1] is None
    assert values[r3c1] == 12
    assert ask(Board("AB"), counts, "A")[1][r1c1] is None


def test_the_other_boroughs_together_are_not_left_a_small_group():
    # Row r3 holds 1 child in A, 21 in B and 3 in C: A's and C's are withheld. With B's
    # 21 and the whole deployment's 25 both shown, A and C together would be 4 children.
    grid = [*(3, 4, 6, 6, 1, 0), *(8, 4, 0, 8, 20, 1), *(1, 1, 1, 4, 3, 0)]  # A, B, C
    counts = counts_of(grid)
    r3 = build(BOROUGHS).tables[0].cell(("r3", "all"))
    answers = every_answer([Board("ABC"), Board("A"), Board("B"), Board("C")], counts)

    assert answers["A"][r3] is None
    assert answers["C"][r3] is None
    assert answers["A+B+C"][r3] == 25
    assert answers["B"][r3] is None
    assert_safe(answers, counts)

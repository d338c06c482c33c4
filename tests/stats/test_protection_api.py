"""What board members see: small counts withheld, nothing recoverable, whole months."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sywc.extensions import db
from sywc.incidents.models import Incident
from sywc.referrals.models import Referral
from sywc.youths.models import Youth
from tests import factories as f
from tests.conftest import assert_problem
from tests.stats.conftest import QUARTER, fetch, table, values
from tests.stats.joint import assert_safe, cohort_identities, rebuild, with_unpublished

WARDS = {"WCC": ("church_street", "harrow_road"), "RBKC": ("colville", "golborne")}
SLICES = {"WCC": {"borough": "WCC"}, "RBKC": {"borough": "RBKC"}, "RBKC+WCC": {}}


def add_youths(people):
    for borough, ward, rag, reason, gender, ethnicity in people:
        f.youth(borough=borough, ward=ward, rag=rag, cohort_reason=reason, gender=gender,
                ethnicity=ethnicity, entered_on=date(2026, 1, 5))  # fmt: skip


def cohort_people(n_red=3, n_amber=12, n_green=9):
    people = []
    for rag, n in (("red", n_red), ("amber", n_amber), ("green", n_green)):
        for i in range(n):
            gender = "female" if i % 4 == 0 else "male"
            people.append(("WCC", "church_street", rag, "at_risk", gender, "white"))
    return people


def test_board_members_get_small_counts_withheld_and_seniors_exact(app, client, board, senior):
    with app.app_context():
        add_youths(cohort_people())
        db.session.commit()

    shown = fetch(client, "cohort", board, borough="WCC", **QUARTER)
    exact = fetch(client, "cohort", senior, borough="WCC", **QUARTER)

    assert values(exact, "rag") == {"red": 3, "amber": 12, "green": 9}
    rag = table(shown, "rag")
    assert rag["rows"][0] == {"key": {"rag": "red"}, "value": None, "suppressed": True}
    # The complement: the smallest other count, so red cannot be had from the total.
    assert values(shown, "rag") == {"red": None, "amber": 12, "green": None}
    assert rag["total"] == 24
    assert rag["total_suppressed"] is False
    assert shown["suppression"] == {"applied": True, "threshold": 5, "marker": "suppressed"}
    assert exact["suppression"]["applied"] is False


def test_tables_sharing_figures_withhold_them_alike(app, client, board, senior):
    with app.app_context():
        add_youths(cohort_people())
        db.session.commit()

    body = fetch(client, "cohort", board, borough="WCC", **QUARTER)
    grid = values(body, "rag_by_cohort_reason")

    for rag, value in values(body, "rag").items():
        assert grid[rag, "all"] == value
    for reason, value in values(body, "cohort_reason").items():
        assert grid["all", reason] == value


def test_cohort_and_disproportionality_publish_the_same_ethnicity_figures(app, client, board):
    with app.app_context():
        people = cohort_people()
        people[0] = ("WCC", "church_street", "red", "at_risk", "male", "black")
        people[1] = ("WCC", "church_street", "red", "at_risk", "male", "black")
        add_youths(people)
        db.session.commit()

    cohort = fetch(client, "cohort", board, borough="WCC", **QUARTER)
    dispro = fetch(client, "disproportionality", board, borough="WCC", **QUARTER)

    assert table(cohort, "ethnicity") == table(dispro, "ethnicity")
    assert values(dispro, "cohort_share_by_ethnicity")["black"] is None
    assert table(dispro, "cohort_share_by_ethnicity")["rows"][1]["suppressed"] is True
    assert values(dispro, "disproportionality_ratio")["black"] is None


def test_shares_and_medians_over_withheld_counts_are_withheld(app, client, board, senior):
    with app.app_context():
        for i in range(8):
            youth = f.youth(
                rag="red", rag_assessed_on=date(2026, 1, 5), entered_on=date(2026, 1, 5)
            )
            if i < 3:  # three seen on time; the other five missed
                f.visit(youth_id=youth.id, author_id=senior.id, visited_at=f.at(date(2026, 1, 9)))
        db.session.commit()

    shown = fetch(client, "visits", board, borough="WCC", **QUARTER)
    exact = fetch(client, "visits", senior, borough="WCC", **QUARTER)

    assert values(exact, "on_time_share_by_rag")["red"] is not None
    assert values(shown, "due_visits_by_rag_and_outcome")["red", "on_time"] is None
    # On time is withheld, so the share (on time / due) would give it back.
    assert values(shown, "on_time_share_by_rag")["red"] is None
    assert table(shown, "on_time_share_by_rag")["rows"][0]["suppressed"] is True
    assert values(exact, "median_days_overdue_by_rag")["red"] is not None
    assert values(shown, "median_days_overdue_by_rag")["red"] is None


def test_borough_slices_and_their_sum_cannot_be_differenced(app, client, board, senior):
    with app.app_context():
        people = cohort_people(n_red=6, n_amber=7, n_green=5)
        people += [("RBKC", "colville", "red", "victim", "male", "black")] * 2
        people += [("RBKC", "golborne", "amber", "victim", "female", "asian")] * 6
        add_youths(people)
        db.session.commit()

    shown = {name: fetch(client, "cohort", board, **q, **QUARTER) for name, q in SLICES.items()}
    truth = {name: fetch(client, "cohort", senior, **q, **QUARTER) for name, q in SLICES.items()}

    system, seen = rebuild(
        shown, truth, aggregates={"RBKC+WCC": ["WCC", "RBKC"]}, identities=cohort_identities()
    )
    assert any(v is None for v in seen.values())
    assert_safe(system, seen)


def test_board_periods_snap_to_the_whole_completed_quarter(client, board, senior):
    asked = {"from": "2026-01-15", "to": "2026-02-10"}

    snapped = fetch(client, "cohort", board, **asked)["period"]
    exact = fetch(client, "cohort", senior, **asked)["period"]

    assert snapped == {
        "from": "2026-01-01", "to": "2026-03-31", "requested_from": "2026-01-15",
        "requested_to": "2026-02-10", "whole_quarter": True,
    }  # fmt: skip
    assert (exact["from"], exact["to"], exact["whole_quarter"]) == (
        "2026-01-15",
        "2026-02-10",
        False,
    )


@pytest.mark.parametrize(
    "asked",
    [
        # April to June 2026 is not over on 10 April.
        {"from": "2026-04-01", "to": "2026-04-09"},
        # Across two quarters.
        {"from": "2026-03-20", "to": "2026-04-09"},
        {"from": "2025-11-01", "to": "2026-02-28"},
    ],
)
def test_a_board_period_beyond_one_completed_quarter_is_refused(client, board, asked):
    response = client.get("/api/v1/stats/cohort", query_string=asked, headers=board.headers)

    assert_problem(response, 422, "to")


def test_a_month_withheld_from_the_board_is_not_recovered_from_two_periods(app, client, board):
    with app.app_context():
        for day in range(5):
            f.youth(borough="WCC", entered_on=date(2026, 1, 5 + day))
        for day in range(2):  # two children entered in March: a small number
            f.youth(borough="WCC", entered_on=date(2026, 3, 5 + day))
        db.session.commit()

    def cohort(**asked):
        report = fetch(client, "cohort", board, borough="WCC", **asked)
        period = report["period"]
        return period["from"], period["to"], table(report, "rag")["total"]

    # The cohort at the end of February would be 5: 2 fewer than at the end of March.
    quarter = cohort(**{"from": "2026-01-01", "to": "2026-03-31"})
    january_to_february = cohort(**{"from": "2026-01-01", "to": "2026-02-28"})
    march = cohort(**{"from": "2026-03-01", "to": "2026-03-31"})

    # Every board request inside the quarter is the quarter: nothing to subtract.
    assert quarter == january_to_february == march
    assert quarter == ("2026-01-01", "2026-03-31", 7)


def test_consecutive_board_quarters_do_not_give_back_a_withheld_exit(app, client, board, senior):
    with app.app_context():
        for i in range(20):  # three of them closed in February: a small number
            closed = date(2026, 2, 10) if i < 3 else None
            f.youth(
                cohort_reason="victim",
                entered_on=date(2025, 6, 1),
                rag_assessed_on=date(2025, 6, 1),
                closed_on=closed,
                status="closed" if closed else "active",
            )
        for _ in range(6):
            f.youth(entered_on=date(2026, 2, 1), rag_assessed_on=date(2026, 2, 1))
        db.session.commit()

    before = fetch(client, "cohort", board, **{"from": "2025-10-01", "to": "2025-12-31"})
    shown = fetch(client, "cohort", board, **QUARTER)

    # Published whole, as they are not small: 20 victims then, 17 now.
    assert values(before, "cohort_reason")["victim"] == 20
    assert values(shown, "cohort_reason")["victim"] == 17
    # So victim entries (0) beside them would give the withheld victim exits back: 3.
    names = {t["name"] for t in shown["tables"]}
    assert not names & {"entries", "exits"}
    assert values(fetch(client, "cohort", senior, **QUARTER), "exits")["victim"] == 3


def test_the_default_period_is_the_last_quarter_and_the_last_three_months(client, board, senior):
    # On 10 April they are the same: January to March.
    for who in (board, senior):
        period = fetch(client, "cohort", who)["period"]
        assert (period["from"], period["to"]) == ("2026-01-01", "2026-03-31")


people_strategy = st.lists(
    st.tuples(
        st.sampled_from(["WCC", "RBKC"]),
        st.integers(0, 1),
        st.sampled_from(["red", "amber", "green"]),
        st.sampled_from(["victim", "at_risk", "perpetrator"]),
        st.sampled_from(["male", "female", "non_binary"]),
        st.sampled_from(["black", "white", "asian", "not_known"]),
    ),
    max_size=24,
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(people=people_strategy)
def test_no_board_response_shows_a_small_count_or_lets_one_be_recovered(
    app, client, board, senior, people
):
    with app.app_context():
        db.session.execute(sa.delete(Youth))
        add_youths([(b, WARDS[b][w], *rest) for b, w, *rest in people])
        db.session.commit()

    shown = {name: fetch(client, "cohort", board, **q, **QUARTER) for name, q in SLICES.items()}
    truth = {name: fetch(client, "cohort", senior, **q, **QUARTER) for name, q in SLICES.items()}

    system, seen = rebuild(
        shown, truth, aggregates={"RBKC+WCC": ["WCC", "RBKC"]}, identities=cohort_identities()
    )
    assert_safe(system, seen)
    # The senior officer's figures are the truth the board's are cut from.
    assert table(truth["RBKC+WCC"], "rag")["total"] == len(people)


incidents_strategy = st.lists(
    st.tuples(
        st.sampled_from(["WCC", "RBKC"]),
        st.integers(0, 1),
        st.sampled_from(["stabbing", "robbery", "assault"]),
        st.sampled_from([date(2026, 1, 10), date(2026, 2, 10), date(2026, 3, 10)]),
    ),
    max_size=30,
)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(incidents=incidents_strategy)
def test_no_board_incident_table_lets_a_small_count_be_recovered(
    app, client, board, senior, incidents
):
    with app.app_context():
        db.session.execute(sa.delete(Incident))
        for borough, ward, kind, on in incidents:
            f.incident(created_by_id=senior.id, borough=borough, ward=WARDS[borough][ward],
                       type=kind, occurred_at=f.at(on))  # fmt: skip
        db.session.commit()

    shown = {n: fetch(client, "incidents", board, **q, **QUARTER) for n, q in SLICES.items()}
    truth = {n: fetch(client, "incidents", senior, **q, **QUARTER) for n, q in SLICES.items()}

    same_total = [(("by_month", "total"), (name, "total")) for name in ("by_ward", "by_type")]
    system, seen = rebuild(
        shown, truth, aggregates={"RBKC+WCC": ["WCC", "RBKC"]}, identities=same_total
    )
    assert_safe(system, seen)
    assert table(truth["RBKC+WCC"], "by_type")["total"] == len(incidents)


def sent_referral(borough: str, state: str, on: date) -> None:
    """Add a referral sent on `on` (10 April 2026 is today) in one of its possible states."""
    deadline = on + timedelta(days=3)
    acknowledged = {"in_time": f.at(on, 15), "late": f.at(deadline + timedelta(days=2))}
    status, timing = state.split("/")
    fields = {"status": status, "acknowledge_by": deadline}
    if timing in acknowledged:
        fields["acknowledged_at"] = acknowledged[timing]
    if timing == "awaiting":
        fields["acknowledge_by"] = date(2026, 4, 20)
    f.referral(youth_id=None, borough=borough, submitted_at=f.at(on, 10), **fields)


REFERRAL_STATES = (
    "submitted/overdue",
    "submitted/awaiting",
    "acknowledged/in_time",
    "acknowledged/late",
    "accepted/in_time",
    "declined/late",
    "closed/in_time",
    "withdrawn/unacknowledged",
    "withdrawn/in_time",
    "withdrawn/late",
)


SENT_ON = (date(2026, 1, 12), date(2026, 2, 9), date(2026, 3, 9))


def expand_referrals(counts: list[int]) -> list[tuple[str, str, date]]:
    """Turn a count per borough and state into referrals: counts rather than a list of
    referrals, so that small cells sit beside large ones, where recovery can happen."""
    pairs = [(b, s) for b in ("WCC", "RBKC") for s in REFERRAL_STATES]
    return [
        (borough, state, SENT_ON[i % 3])
        for (borough, state), n in zip(pairs, counts, strict=True)
        for i in range(n)
    ]


def referral_relations(parts):
    """What the public workflow tells a reader: only a referral still submitted is overdue
    or awaiting, and the withdrawn are those withdrawn unacknowledged and the others."""
    status = lambda part, s: (part, ("by_status", (s,)))  # noqa: E731
    timing = lambda part, a: (part, ("by_acknowledgement", (a,)))  # noqa: E731
    relations = []
    for part in parts:
        pending = (timing(part, "overdue"), timing(part, "awaiting"))
        withdrawn = (timing(part, "withdrawn_unacknowledged"), (part, "withdrawn_acknowledged"))
        relations.append((status(part, "submitted"), pending))
        relations.append((status(part, "withdrawn"), withdrawn))
    return relations


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(referrals=st.lists(st.integers(0, 7), min_size=20, max_size=20).map(expand_referrals))
def test_no_board_referral_table_lets_a_small_count_be_recovered(
    app, client, board, senior, referrals
):
    with app.app_context():
        db.session.execute(sa.delete(Referral))
        for borough, state, on in referrals:
            sent_referral(borough, state, on)
        db.session.commit()

    shown = {n: fetch(client, "referrals", board, **q) for n, q in BOROUGHS.items()}
    truth = {n: fetch(client, "referrals", senior, **q) for n, q in BOROUGHS.items()}

    same_total = [(("by_route", "total"), (name, "total")) for name in REFERRAL_TABLES]
    system, seen = rebuild(
        shown, truth, aggregates={"RBKC+WCC": ["WCC", "RBKC"]}, identities=same_total
    )
    withdrawn_acknowledged = {
        (part, "withdrawn_acknowledged"): sum(
            1
            for borough, state, _ in referrals
            if state in ("withdrawn/in_time", "withdrawn/late") and part in (borough, "RBKC+WCC")
        )
        for part in BOROUGHS
    }
    system = with_unpublished(system, referral_relations(BOROUGHS), withdrawn_acknowledged)
    assert_safe(system, seen, unpublished=withdrawn_acknowledged)
    assert table(truth["RBKC+WCC"], "by_status")["total"] == len(referrals)


REFERRAL_TABLES = ("by_status", "by_acknowledgement")
BOROUGHS = {name: {**q, **QUARTER} for name, q in SLICES.items()}


def test_a_withheld_awaiting_count_is_not_what_submitted_leaves_of_overdue(app, client, board):
    """Only a referral still submitted is overdue or awaiting: a reader who knows the
    workflow gets a withheld `awaiting` back from `submitted - overdue` unless one of
    them is withheld too."""
    with app.app_context():
        for day in range(5, 15):
            sent_referral("WCC", "submitted/overdue", date(2026, 1, day))
        for day in range(5, 10):
            sent_referral("WCC", "acknowledged/in_time", date(2026, 2, day))
        for _ in range(2):
            sent_referral("WCC", "submitted/awaiting", date(2026, 3, 31))
        db.session.commit()

    body = fetch(client, "referrals", board, borough="WCC", **QUARTER)
    status, timing = values(body, "by_status"), values(body, "by_acknowledgement")

    assert timing["awaiting"] is None
    assert status["submitted"] is None or timing["overdue"] is None


# type -> outcome -> how many actions, agreed at one PVS meeting in the first quarter.
PVS_ACTIONS = {
    "engage": {"done_late": 9, "cancelled": 1},
    "safeguard": {"done_on_time": 3, "cancelled": 1},
    "enforce": {"open_overdue": 2, "cancelled": 4},
    "communicate": {"open_not_due": 5},
    "other": {"done_on_time": 9, "open_overdue": 3, "open_not_due": 6},
}
ACTION_OUTCOMES = {  # the action as stored for each outcome (10 April 2026 is today)
    "done_on_time": {"status": "done", "due_on": date(2026, 3, 1),
                     "completed_at": f.at(date(2026, 2, 20)), "completion_note": "Done"},
    "done_late": {"status": "done", "due_on": date(2026, 2, 10),
                  "completed_at": f.at(date(2026, 3, 1)), "completion_note": "Done"},
    "open_overdue": {"status": "open", "due_on": date(2026, 3, 1)},
    "open_not_due": {"status": "open", "due_on": date(2026, 5, 1)},
    "cancelled": {"status": "cancelled", "due_on": date(2026, 3, 1),
                  "completed_at": f.at(date(2026, 2, 20)), "cancel_reason": "Not needed"},
}  # fmt: skip


def test_a_share_over_withheld_counts_is_withheld_even_when_it_would_be_undefined(
    app, client, board, make_user
):
    """Communicate actions: none judged yet. Shown as undefined rather than withheld, its
    share would tell that the withheld `communicate / done late` is 0, and with that the
    `done late` column gives back the withheld `engage` figures."""
    chair = make_user("senior_officer", "MPS", boroughs=["WCC"])
    with app.app_context():
        incident = f.incident(created_by_id=chair.id, occurred_at=f.at(date(2026, 1, 30)))
        meeting = f.meeting(incident_id=incident.id, chair_id=chair.id,
                            held_at=f.at(date(2026, 2, 2)))  # fmt: skip
        for kind, outcomes in PVS_ACTIONS.items():
            for outcome, n in outcomes.items():
                for _ in range(n):
                    f.action(meeting_id=meeting.id, owner_id=chair.id, created_by_id=chair.id,
                             type=kind, **ACTION_OUTCOMES[outcome])  # fmt: skip
        db.session.commit()

    body = fetch(client, "pvs", board, borough="WCC", **QUARTER)
    grid = values(body, "actions_by_type_and_outcome")
    shares = {row["key"]["type"]: row for row in table(body, "actions_done_on_time_share")["rows"]}

    assert grid["communicate", "done_late"] is None
    assert shares["communicate"] == {
        "key": {"type": "communicate"},
        "value": None,
        "suppressed": True,
    }
    # A share with every count behind it published is undefined, and says so.
    assert grid["other", "done_late"] == 0 or grid["other", "done_late"] is None

"""Planning the demo cohort: obviously fictional young people, ratings and visit histories.

Plain Python from the seeded generator (deterministic for a seed and a date); the rows
are inserted in bulk by `sywc.demo.youths`.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from config.reference import AGENCY_CODES, BOROUGHS, COHORT_CODES, FLAG_CODES
from sywc import clock
from sywc.demo import DemoContext
from sywc.youths.names import name_key
from sywc.youths.schedule import ScheduleRules, add_months, is_missed, next_visit_due

# A red-rated history of this many cadences is ~40 visits; greens and ambers are bounded
# by their time in the cohort. Together about twenty visits per young person.
HISTORY_CADENCES = 28
FIRST = {
    "male": [
        "Aaron",
        "Bilal",
        "Callum",
        "Dami",
        "Elijah",
        "Femi",
        "Jayden",
        "Kofi",
        "Leon",
        "Omar",
    ],
    "female": ["Amira", "Bella", "Chantelle", "Demi", "Esme", "Faith", "Imani", "Keira", "Nia"],
    "other": ["Alex", "Charlie", "Jesse", "Morgan", "Robin", "Sam"],
}
LAST = [
    "Examplewood",
    "Fictionby",
    "Samplefield",
    "Demoson",
    "Placeholder",
    "Madeupton",
    "Notreal",
    "Testcombe",
    "Inventa",
    "Fakely",
    "Pretendo",
    "Imaginor",
]
STREETS = ["Imaginary Road", "Sample Lane", "Example Street", "Fictional Close", "Demo Gardens"]
RATIONALES = [
    "Demo rationale: associated with a group linked to recent robberies in the ward.",
    "Demo rationale: missing episodes and suspected county lines involvement.",
    "Demo rationale: victim of an assault; engaging with youth services since.",
    "Demo rationale: stable at school and home; no new intelligence this period.",
]
NOTES = [
    "Demo note: seen at home with a parent; engaged well.",
    "Demo note: seen at the youth club; discussed a training course.",
    "Demo note: no answer; left a contact card.",
    "Demo note: brief conversation on the doorstep.",
]
RESTRICTED_NOTE = "Demo note (restricted): disclosure recorded for the agency only."
WEIGHTS = {
    "rag": {"red": 15, "amber": 35, "green": 50},
    "gender": {"male": 70, "female": 26, "non_binary": 2, "not_known": 2},
    "ethnicity": {"black": 33, "white": 27, "mixed": 15, "asian": 12, "other": 8, "not_known": 5},
    "cohort_reason": {"at_risk": 45, "victim": 30, "perpetrator": 25},
    "lead_agency": {"MPS": 45, "IGXU": 25, "YOT": 15, "EARLY_HELP": 8, "CSC": 5, "MASH": 2},
    "outcome": {"seen": 78, "not_home": 13, "refused": 6, "safeguarding_concern": 3},
    "borough": {"WCC": 55, "RBKC": 45},
}


def _pick(rng: random.Random, kind: str) -> str:
    table = WEIGHTS[kind]
    return rng.choices(list(table), weights=list(table.values()))[0]


def _at(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randint(8, 19), rng.choice((0, 15, 30, 45))), UTC)


class Planner:
    """Plans each young person's rows from the seeded generator and the demo staff."""

    def __init__(self, ctx: DemoContext, config: Mapping[str, Any]) -> None:
        self.ctx, self.rng = ctx, ctx.rng
        self.rules = ScheduleRules.from_config(config)
        self.review_months = config["COHORT_REVIEW_MONTHS"]
        self.review_days = dict(config["RAG_REVIEW_DAYS"])
        self.wards = {b.code: [w.code for w in b.wards] for b in BOROUGHS}
        self.staff = {
            (b, a): ctx.officers(borough=b, agency=a)
            + ctx.officers(borough=b, agency=a, senior=True)
            for b in self.wards
            for a in AGENCY_CODES
        }
        self.counts: Counter[str] = Counter()

    def youth(self) -> dict[str, Any]:
        """Plan one young person: the record, its ratings, visits and links."""
        rng, today = self.rng, self.ctx.today
        borough, gender = _pick(rng, "borough"), _pick(rng, "gender")
        entered = today - timedelta(days=rng.randint(14, 720))
        agency = _pick(rng, "lead_agency")
        lead = rng.choice(self.staff[(borough, agency)])
        first = rng.choice(FIRST.get(gender, FIRST["other"]))
        last = rng.choice(LAST)
        born = entered - timedelta(days=int(rng.triangular(10 * 366, 25 * 365, 16 * 365)))
        # About one case in seven has fallen behind: no recent visit, no recent review.
        lapsed = rng.random() < 0.14
        closed_on = today - timedelta(days=rng.randint(1, 60)) if rng.random() < 0.03 else None
        if closed_on is not None and closed_on <= entered:
            closed_on = None
        ratings = self._ratings(entered, closed_on or today, lead, lapsed)
        visits = self._visits(borough, ratings, entered, closed_on or today, lapsed)
        return {
            "borough": borough,
            "first_name": first,
            "last_name": last,
            "name_key": name_key(first, last),
            "date_of_birth": born,
            "gender": gender,
            "ethnicity": _pick(rng, "ethnicity"),
            "ward": rng.choice(self.wards[borough]),
            "address": f"{rng.randint(1, 199)} {rng.choice(STREETS)}",
            "lead_agency": agency,
            "lead_officer_id": lead,
            "cohort_reason": _pick(rng, "cohort_reason"),
            "entered_on": entered,
            "closed_on": closed_on,
            "flags": sorted(f for f in FLAG_CODES if rng.random() < 0.12),
            "cohorts": sorted(c for c in COHORT_CODES if rng.random() < 0.08),
            "ratings": ratings,
            "visits": visits,
        }

    def _ratings(
        self, entered: date, end: date, assessor: int, lapsed: bool
    ) -> list[tuple[date, str, int]]:
        """Plan the entry rating and, usually, a later review (recent unless the case lapsed)."""
        rng = self.rng
        current = _pick(rng, "rag")
        days_in = (end - entered).days
        if days_in < 7:
            return [(entered, current, assessor)]
        if rng.random() < (0.3 if lapsed else 0.85):
            latest = end - timedelta(
                days=rng.randint(0, min(self.review_days[current], days_in) - 1)
            )
        else:
            latest = entered + timedelta(days=rng.randint(1, days_in - 1))
        if latest <= entered:
            return [(entered, current, assessor)]
        first = current if rng.random() < 0.6 else _pick(rng, "rag")
        return [(entered, first, assessor), (latest, current, assessor)]

    def _visits(
        self,
        borough: str,
        ratings: list[tuple[date, str, int]],
        entered: date,
        end: date,
        lapsed: bool,
    ) -> list[dict[str, Any]]:
        rng, cadence = self.rng, self.rules.cadence_days
        last_day = end - timedelta(days=1)
        if lapsed:
            last_day -= timedelta(days=int(cadence[ratings[-1][1]] * rng.uniform(1.0, 2.5)))
        day = max(entered, end - timedelta(days=cadence[ratings[-1][1]] * HISTORY_CADENCES))
        visits: list[dict[str, Any]] = []
        while True:
            rating = next(r for d, r, _ in reversed(ratings) if d <= day)
            day += timedelta(days=max(1, round(cadence[rating] * rng.uniform(0.45, 0.95))))
            while day <= last_day:
                visits.append(self._visit(borough, day))
                if visits[-1]["outcome"] == "seen" or rng.random() < 0.4:
                    break
                day += timedelta(days=rng.randint(1, 3))  # try again within days
            if day > last_day:
                return visits

    def _visit(self, borough: str, day: date) -> dict[str, Any]:
        rng = self.rng
        author = rng.choice(self.staff[(borough, "MPS" if rng.random() < 0.6 else "IGXU")])
        officers = [author]
        if rng.random() < 0.3:  # a joint police and council visit
            partner = rng.choice([a for a in AGENCY_CODES if a != self.ctx.user_agency[author]])
            officers.append(rng.choice(self.staff[(borough, partner)]))
        restricted = rng.random() < 0.05
        notes = (
            RESTRICTED_NOTE if restricted else (rng.choice(NOTES) if rng.random() < 0.6 else None)
        )
        return {
            "visited_at": _at(day, rng),
            "outcome": _pick(rng, "outcome"),
            "notes": notes,
            "restricted": restricted,
            "author_id": author,
            "author_agency": self.ctx.user_agency[author],
            "officers": sorted(set(officers)),
        }

    def schedule(self, plan: dict[str, Any]) -> dict[str, Any]:
        """Derive the stored schedule columns from the plan with the service's own rule."""
        rated_on, rating, _ = plan["ratings"][-1]
        seen = [
            clock.business_date(v["visited_at"]) for v in plan["visits"] if v["outcome"] == "seen"
        ]
        tries = [v["visited_at"] for v in plan["visits"] if v["outcome"] != "seen"]
        last_seen = max(seen) if seen else None
        due = None
        if plan["closed_on"] is None:
            due = next_visit_due(
                rating=rating, rated_on=rated_on, last_seen_on=last_seen, rules=self.rules
            )
        review_by = add_months(plan["entered_on"], self.review_months)
        while review_by < self.ctx.today and self.rng.random() > 0.05:
            review_by = add_months(review_by, self.review_months)
        stamps = [self.ctx.stamp(plan["entered_on"], time(9))]
        stamps += [v["visited_at"] for v in plan["visits"]]
        stamps += [self.ctx.stamp(d, time(10)) for d, _, _ in plan["ratings"]]
        self.counts["overdue"] += is_missed(due, today=self.ctx.today, rules=self.rules)
        return {
            "rag": rating,
            "rag_assessed_on": rated_on,
            "last_seen_on": last_seen,
            "last_attempt_at": max(tries) if tries else None,
            "next_visit_due": due,
            "review_by": review_by,
            "last_activity_at": max(stamps),
            "status": "closed" if plan["closed_on"] else "active",
            "last_closed_on": plan["closed_on"],
            "created_at": stamps[0],
            "updated_at": max(stamps),
            "version": 1,
        }

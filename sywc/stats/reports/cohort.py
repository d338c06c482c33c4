"""Reports on the active cohort: its make-up, its overlap with other cohorts, and
its ethnicity set against the resident population."""

from __future__ import annotations

from collections.abc import Sequence

from config.reference import REFERENCE_POPULATION
from sywc.stats.reports.base import Context, Report
from sywc.stats.reports.snapshot import snapshot, tables
from sywc.stats.tables import Published, cell, count_table, measure_table, share

ACTIVE_NOTE = (
    "The active cohort is every young person whose record was opened on or before the "
    "end of the period and not closed by then. A record closed and later reopened counts "
    "as open throughout (closure history is not reconstructed)."
)
RAG_NOTE = (
    "RAG is the rating in force at the end of the period: the latest assessment dated on "
    "or before it (the record's current rating when it has no assessment history)."
)
AGE_NOTE = "Age bands are ages at the end of the period."
CENSUS_GROUPS = ("asian", "black", "mixed", "white", "other")

COHORT_TABLES = (
    "rag",
    "gender",
    "age_band",
    "ward",
    "ethnicity",
    "lead_agency",
    "cohort_reason",
    "rag_by_cohort_reason",
    "entries",
    "exits",
)
# Flows into and out of the cohort. The cohort at the end of one quarter, plus the next
# quarter's entries, less its exits, is the cohort at the end of that one: with both
# quarters' cohorts published, a withheld entry or exit count (or a withheld count of
# either cohort) comes back from figures each suppressed safely on its own. So board
# members, whose quarters follow one another, get the cohort without its flows.
FLOW_TABLES = ("entries", "exits")


def cohort_report(ctx: Context) -> Report:
    """Report the active cohort by every dimension, and entries and exits in the period
    (not to board members: see `FLOW_TABLES`)."""
    published = snapshot(ctx)
    boroughs = ctx.scope.boroughs
    suppressed = ctx.scope.suppressed
    names = [name for name in COHORT_TABLES if not (suppressed and name in FLOW_TABLES)]
    rendered = [count_table(tables(name, boroughs), published) for name in names]
    flows = (
        "Entries and exits are not given with small numbers withheld: with the cohort at "
        "the end of the quarter before, they would give withheld counts back."
        if suppressed
        else "Entries are records opened in the period; exits are records closed in it."
    )
    return Report(rendered, [ACTIVE_NOTE, RAG_NOTE, AGE_NOTE, flows])


def overlap_report(ctx: Context) -> Report:
    """Report how many of the active cohort are also in each other cohort, and in several."""
    published = snapshot(ctx)
    boroughs = ctx.scope.boroughs
    rendered = [
        count_table(tables(name, boroughs), published)
        for name in ("other_cohorts", "number_of_other_cohorts")
    ]
    notes = [
        ACTIVE_NOTE,
        "Other cohorts are those recorded on the young person's record (YOT, MACE, MARAC, "
        "MAPPA, IOM, MISSING); a young person in several is counted under each.",
    ]
    return Report(rendered, notes)


DISPROPORTIONALITY_NOTES = [
    ACTIVE_NOTE,
    "Cohort shares are over the young people whose ethnicity is recorded; those not "
    "known are counted in the ethnicity table but left out of shares and ratios.",
    "Population figures are the configured reference population of the boroughs "
    "(config/reference.py), summed over the boroughs asked for.",
]
Row = tuple[tuple[str, ...], float | None, bool]


def _population(boroughs: Sequence[str]) -> dict[str, int]:
    """Sum the reference population of the boroughs, by census group."""
    return {
        group: sum(
            REFERENCE_POPULATION[b].get(group, 0) for b in boroughs if b in REFERENCE_POPULATION
        )
        for group in CENSUS_GROUPS
    }


def _compare(
    published: Published, population: dict[str, int], *, minimum: int
) -> tuple[list[Row], list[Row], list[Row]]:
    """Return the cohort shares, population shares and their ratios, by census group."""
    residents = sum(population.values())
    recorded = {"denominator": [cell("active")], "exclude": [cell("active", ethnicity="not_known")]}
    shares: list[Row] = []
    bases: list[Row] = []
    ratios: list[Row] = []
    for group in CENSUS_GROUPS:
        mine = [cell("active", ethnicity=group)]
        # The ratio gives the share back, so it is withheld with it.
        value, withheld = share(published, mine, minimum=minimum, **recorded)
        base = round(population[group] / residents, 4) if residents else None
        shares.append(((group,), value, withheld))
        bases.append(((group,), base, False))
        ratio = round(value / base, 2) if value is not None and base else None
        ratios.append(((group,), ratio, withheld))
    return shares, bases, ratios


def disproportionality_report(ctx: Context) -> Report:
    """Set the active cohort's ethnicity mix against the resident population of its ages."""
    published = snapshot(ctx)
    boroughs = ctx.scope.boroughs
    population = _population(boroughs)
    shares, bases, ratios = _compare(published, population, minimum=ctx.scope.minimum)
    dims = ("ethnicity",)
    counts = [((g,), population[g], False) for g in CENSUS_GROUPS]
    rendered = [
        count_table(tables("ethnicity", boroughs), published),
        measure_table(
            "cohort_share_by_ethnicity",
            "Share of the active cohort with a recorded ethnicity, by ethnic group",
            "share",
            dims,
            shares,
        ),
        measure_table(
            "population_by_ethnicity",
            "Resident population aged 10 to 25, by ethnic group (reference figures)",
            "population",
            dims,
            counts,
            (sum(population.values()), False),
        ),
        measure_table(
            "population_share_by_ethnicity",
            "Share of the resident population aged 10 to 25, by ethnic group",
            "share",
            dims,
            bases,
        ),
        measure_table(
            "disproportionality_ratio",
            "Cohort share divided by population share (1 = proportionate)",
            "ratio",
            dims,
            ratios,
        ),
    ]
    return Report(rendered, DISPROPORTIONALITY_NOTES)

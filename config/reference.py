"""Default reference data for the Westminster and Kensington & Chelsea deployment.

Defaults a deployment may override; pure data so that models, schemas, the scheduler and
tests can import it without an application or a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType

__all__ = [
    "AGENCIES",
    "AGENCY_CODES",
    "BANK_HOLIDAYS",
    "BOROUGHS",
    "BOROUGH_CODES",
    "COHORTS",
    "COHORT_CODES",
    "ETHNICITIES",
    "ETHNICITY_CODES",
    "FLAGS",
    "FLAG_CODES",
    "REASON_CODES",
    "REASON_CODE_VALUES",
    "REFERENCE_POPULATION",
    "REFERRAL_RECEIVING_AGENCIES",
    "Agency",
    "Borough",
    "Ward",
    "borough_of_ward",
    "easter_sunday",
    "england_and_wales_bank_holidays",
    "ward_codes",
]


@dataclass(frozen=True, slots=True)
class Ward:
    code: str
    name: str
    borough: str


@dataclass(frozen=True, slots=True)
class Borough:
    code: str
    name: str
    wards: tuple[Ward, ...]


@dataclass(frozen=True, slots=True)
class Agency:
    code: str
    name: str
    receives_referrals: bool


def _borough(code: str, name: str, wards: tuple[tuple[str, str], ...]) -> Borough:
    return Borough(code, name, tuple(Ward(w_code, w_name, code) for w_code, w_name in wards))


# Current wards only (boundaries in force from the May 2022 local elections): a young
# person's ward drives board statistics, so retired wards would split counts.
BOROUGHS: tuple[Borough, ...] = (
    _borough(
        "WCC",
        "Westminster City Council",
        (
            ("abbey_road", "Abbey Road"),
            ("bayswater", "Bayswater"),
            ("church_street", "Church Street"),
            ("harrow_road", "Harrow Road"),
            ("hyde_park", "Hyde Park"),
            ("knightsbridge_and_belgravia", "Knightsbridge & Belgravia"),
            ("lancaster_gate", "Lancaster Gate"),
            ("little_venice", "Little Venice"),
            ("maida_vale", "Maida Vale"),
            ("marylebone", "Marylebone"),
            ("pimlico_north", "Pimlico North"),
            ("pimlico_south", "Pimlico South"),
            ("queens_park", "Queen's Park"),
            ("regents_park", "Regent's Park"),
            ("st_james", "St James's"),
            ("vincent_square", "Vincent Square"),
            ("west_end", "West End"),
            ("westbourne", "Westbourne"),
        ),
    ),
    _borough(
        "RBKC",
        "Royal Borough of Kensington and Chelsea",
        (
            ("abingdon", "Abingdon"),
            ("brompton_and_hans_town", "Brompton & Hans Town"),
            ("campden", "Campden"),
            ("chelsea_riverside", "Chelsea Riverside"),
            ("colville", "Colville"),
            ("courtfield", "Courtfield"),
            ("dalgarno", "Dalgarno"),
            ("earls_court", "Earl's Court"),
            ("golborne", "Golborne"),
            ("holland", "Holland"),
            ("norland", "Norland"),
            ("notting_dale", "Notting Dale"),
            ("pembridge", "Pembridge"),
            ("queens_gate", "Queen's Gate"),
            ("redcliffe", "Redcliffe"),
            ("royal_hospital", "Royal Hospital"),
            ("st_helens", "St Helen's"),
            ("stanley", "Stanley"),
        ),
    ),
)


def _index_wards(boroughs: tuple[Borough, ...]) -> MappingProxyType[str, str]:
    index: dict[str, str] = {}
    for borough in boroughs:
        for ward in borough.wards:
            # Wards are looked up by code alone, so a shared code would put one borough's
            # young people into another borough's lists and statistics.
            if ward.code in index:
                raise ValueError(f"ward code {ward.code!r} is used by two boroughs")
            index[ward.code] = borough.code
    return MappingProxyType(index)


_BOROUGH_OF_WARD = _index_wards(BOROUGHS)
_WARDS_BY_BOROUGH = MappingProxyType({b.code: frozenset(w.code for w in b.wards) for b in BOROUGHS})

BOROUGH_CODES: tuple[str, ...] = tuple(b.code for b in BOROUGHS)


def ward_codes(borough_code: str) -> frozenset[str]:
    """Return the ward codes of a borough (empty for an unknown borough)."""
    return _WARDS_BY_BOROUGH.get(borough_code, frozenset())


def borough_of_ward(ward_code: str) -> str | None:
    """Return the code of the borough a ward belongs to, or None if unknown."""
    return _BOROUGH_OF_WARD.get(ward_code)


AGENCIES: tuple[Agency, ...] = (
    # Police refer out and chair PVS meetings; the contract gives them no referral inbox.
    Agency("MPS", "Metropolitan Police Service", receives_referrals=False),
    Agency("IGXU", "Integrated Gangs and Exploitation Unit", receives_referrals=True),
    Agency("YOT", "Youth Offending Team", receives_referrals=True),
    Agency("EARLY_HELP", "Early Help", receives_referrals=True),
    Agency("MASH", "Multi-Agency Safeguarding Hub", receives_referrals=True),
    Agency("CSC", "Children's Social Care", receives_referrals=True),
)
AGENCY_CODES: tuple[str, ...] = tuple(a.code for a in AGENCIES)
REFERRAL_RECEIVING_AGENCIES: frozenset[str] = frozenset(
    a.code for a in AGENCIES if a.receives_referrals
)

REASON_CODES: MappingProxyType[str, str] = MappingProxyType(
    {
        "criminal_exploitation": "Child criminal exploitation",
        "county_lines": "County lines involvement",
        "sexual_exploitation": "Child sexual exploitation",
        "serious_violence_victim": "Victim of serious violence",
        "weapon_carrying": "Carrying or access to weapons",
        "gang_association": "Gang or group association",
        "missing_episodes": "Missing episodes",
        "school_exclusion": "School exclusion or risk of exclusion",
        "domestic_abuse": "Domestic abuse",
        "substance_misuse": "Substance misuse",
        "mental_health": "Mental health or emotional wellbeing",
        "anti_social_behaviour": "Anti-social behaviour",
        "online_harm": "Online harm",
        "family_support": "Family support needs",
        "other": "Other (see summary)",
    }
)
REASON_CODE_VALUES: frozenset[str] = frozenset(REASON_CODES)

# Overlap with these cohorts is reported to the board; membership is recorded, not managed.
COHORTS: MappingProxyType[str, str] = MappingProxyType(
    {
        "YOT": "Youth Offending Team caseload",
        "MACE": "Multi-Agency Child Exploitation panel",
        "MARAC": "Multi-Agency Risk Assessment Conference (domestic abuse)",
        "MAPPA": "Multi-Agency Public Protection Arrangements",
        "IOM": "Integrated Offender Management",
        "MISSING": "Missing children",
    }
)
COHORT_CODES: frozenset[str] = frozenset(COHORTS)

FLAGS: MappingProxyType[str, str] = MappingProxyType(
    {
        "county_lines": "County lines",
        "exploitation": "Exploitation",
        "missing": "Missing episodes",
        "weapon": "Weapon",
        "gang_affiliation": "Gang affiliation",
        "drugs": "Drugs",
        "excluded_from_school": "Excluded from school",
        "looked_after": "Looked-after child",
        "self_harm": "Self-harm",
        "domestic_abuse_at_home": "Domestic abuse at home",
    }
)
FLAG_CODES: frozenset[str] = frozenset(FLAGS)

# The five high-level groups of the 2021 Census, so that cohort counts can be set against
# the census population without re-mapping.
ETHNICITIES: MappingProxyType[str, str] = MappingProxyType(
    {
        "asian": "Asian, Asian British or Asian Welsh",
        "black": "Black, Black British, Black Welsh, Caribbean or African",
        "mixed": "Mixed or Multiple ethnic groups",
        "white": "White",
        "other": "Other ethnic group",
        "not_known": "Not known",
    }
)
ETHNICITY_CODES: tuple[str, ...] = tuple(ETHNICITIES)

# Denominators for the board's disproportionality view: the Gangs Matrix was condemned
# for never measuring its effect on young Black men, so the cohort is always compared
# with the resident population of the same age.
# Residents aged 10 to 25 by ethnic group. Source: ONS Census 2021, ethnic group by age,
# local authority level (ONS "Create a custom dataset"). These are rounded, configurable
# defaults of the right order of magnitude, to be replaced by each borough's own published
# figures before any statistic is shown to the board. `not_known` has no census count.
REFERENCE_POPULATION: MappingProxyType[str, MappingProxyType[str, int]] = MappingProxyType(
    {
        "WCC": MappingProxyType(
            {"asian": 8_400, "black": 4_800, "mixed": 3_600, "white": 17_200, "other": 6_000}
        ),
        "RBKC": MappingProxyType(
            {"asian": 3_900, "black": 2_700, "mixed": 2_600, "white": 12_600, "other": 3_200}
        ),
    }
)


def easter_sunday(year: int) -> date:
    """Return Easter Sunday of a Gregorian year (anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _first_monday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7)


def _last_monday(year: int, month: int) -> date:
    next_month = date(year + month // 12, month % 12 + 1, 1)
    last = next_month - timedelta(days=1)
    return last - timedelta(days=last.weekday())


def _with_substitutes(fixed: tuple[date, ...], taken: set[date]) -> set[date]:
    # A fixed-date holiday on a weekend moves to the next weekday not already a holiday,
    # which gives Christmas on a Sunday its Tuesday substitute after Boxing Day.
    days = {d for d in fixed if d.weekday() < 5}
    occupied = taken | days
    for day in fixed:
        if day.weekday() < 5:
            continue
        substitute = day
        while substitute.weekday() >= 5 or substitute in occupied:
            substitute += timedelta(days=1)
        occupied.add(substitute)
        days.add(substitute)
    return days


def _bank_holidays_in(year: int) -> set[date]:
    easter = easter_sunday(year)
    movable = {
        easter - timedelta(days=2),
        easter + timedelta(days=1),
        _first_monday(year, 5),
        _last_monday(year, 5),
        _last_monday(year, 8),
    }
    new_year = _with_substitutes((date(year, 1, 1),), movable)
    christmas = _with_substitutes((date(year, 12, 25), date(year, 12, 26)), movable)
    return movable | new_year | christmas


def england_and_wales_bank_holidays(first_year: int, last_year: int) -> frozenset[date]:
    """Return the England and Wales bank holidays of the given years, inclusive.

    Built from the standing rules; one-off changes by royal proclamation (such as the
    moved early May holiday of 2020) must be added by the deployment when announced.
    """
    days: set[date] = set()
    for year in range(first_year, last_year + 1):
        days |= _bank_holidays_in(year)
    return frozenset(days)


# Referral acknowledgement clocks count working days; a missed bank holiday would
# raise false overdue alerts (or hide real ones) across the partnership.
BANK_HOLIDAYS: frozenset[date] = england_and_wales_bank_holidays(2024, 2028)

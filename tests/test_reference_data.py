"""The deployment's default reference data: wards, agencies, populations, bank holidays."""

from datetime import date

import pytest

from config import reference
from config.reference import (
    AGENCIES,
    BANK_HOLIDAYS,
    BOROUGH_CODES,
    BOROUGHS,
    ETHNICITIES,
    ETHNICITY_CODES,
    REFERENCE_POPULATION,
    REFERRAL_RECEIVING_AGENCIES,
    borough_of_ward,
    easter_sunday,
    england_and_wales_bank_holidays,
    ward_codes,
)


def _all_ward_codes() -> list[str]:
    return [ward.code for borough in BOROUGHS for ward in borough.wards]


def test_the_bi_borough_deployment_has_westminster_and_kensington_and_chelsea():
    assert BOROUGH_CODES == ("WCC", "RBKC")


@pytest.mark.parametrize("borough_code", ["WCC", "RBKC"])
def test_each_borough_has_its_eighteen_current_wards(borough_code):
    assert len(ward_codes(borough_code)) == 18


def test_ward_codes_are_unique_across_the_deployment():
    codes = _all_ward_codes()
    assert len(codes) == len(set(codes)) == 36


def test_ward_codes_are_lower_case_snake_case():
    for code in _all_ward_codes():
        assert code == code.lower()
        assert code.replace("_", "").isalpha(), code


def test_every_ward_belongs_to_the_borough_that_lists_it():
    for borough in BOROUGHS:
        for ward in borough.wards:
            assert ward.borough == borough.code
            assert borough_of_ward(ward.code) == borough.code


def test_known_wards_resolve_to_their_borough():
    assert borough_of_ward("church_street") == "WCC"
    assert borough_of_ward("st_james") == "WCC"
    assert borough_of_ward("earls_court") == "RBKC"
    assert borough_of_ward("golborne") == "RBKC"


def test_unknown_ward_and_borough_are_not_found():
    assert borough_of_ward("tulse_hill") is None
    assert ward_codes("LAM") == frozenset()


def test_reference_data_is_immutable():
    with pytest.raises(TypeError):
        reference.FLAGS["new_flag"] = "New flag"  # type: ignore[index]
    with pytest.raises(AttributeError):
        BOROUGHS[0].code = "XXX"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2028, date(2028, 4, 16)),
        (2038, date(2038, 4, 25)),
    ],
)
def test_easter_sunday(year, easter):
    assert easter_sunday(year) == easter


@pytest.mark.parametrize(
    "holiday",
    [
        date(2024, 5, 6),  # early May
        date(2025, 4, 18),  # Good Friday
        date(2025, 4, 21),  # Easter Monday
        date(2025, 8, 25),  # summer
        date(2026, 4, 3),  # Good Friday
        date(2026, 4, 6),  # Easter Monday
        date(2026, 12, 25),  # Christmas on a Friday
        date(2026, 12, 28),  # Boxing Day substitute
        date(2027, 12, 27),  # Christmas substitute
        date(2027, 12, 28),  # Boxing Day substitute
        date(2028, 1, 3),  # New Year's Day substitute
    ],
)
def test_known_bank_holidays_are_present(holiday):
    assert holiday in BANK_HOLIDAYS


def test_weekend_dates_are_replaced_by_their_substitutes():
    assert date(2026, 12, 26) not in BANK_HOLIDAYS
    assert date(2027, 12, 25) not in BANK_HOLIDAYS
    assert date(2028, 1, 1) not in BANK_HOLIDAYS


def test_christmas_on_a_sunday_moves_past_boxing_day():
    holidays = england_and_wales_bank_holidays(2022, 2022)
    assert {date(2022, 12, 26), date(2022, 12, 27)} <= holidays


def test_eight_bank_holidays_a_year():
    for year in range(2024, 2029):
        assert len([d for d in BANK_HOLIDAYS if d.year == year]) == 8


def test_bank_holidays_never_fall_on_a_weekend():
    assert all(day.weekday() < 5 for day in BANK_HOLIDAYS)


def test_bank_holidays_cover_2024_to_2028():
    assert {day.year for day in BANK_HOLIDAYS} == {2024, 2025, 2026, 2027, 2028}
    assert min(BANK_HOLIDAYS) == date(2024, 1, 1)
    assert max(BANK_HOLIDAYS) == date(2028, 12, 26)


def test_reference_population_covers_every_borough():
    assert set(REFERENCE_POPULATION) == set(BOROUGH_CODES)


def test_reference_population_groups_are_the_known_ethnicities():
    expected = set(ETHNICITIES) - {"not_known"}
    for counts in REFERENCE_POPULATION.values():
        assert set(counts) == expected
        assert all(isinstance(n, int) and n > 0 for n in counts.values())


def test_ethnicities_are_the_census_groups_plus_not_known():
    assert ETHNICITY_CODES == ("asian", "black", "mixed", "white", "other", "not_known")


def test_referrals_go_to_every_agency_but_the_police():
    assert frozenset({"IGXU", "YOT", "EARLY_HELP", "MASH", "CSC"}) == REFERRAL_RECEIVING_AGENCIES
    assert "MPS" not in REFERRAL_RECEIVING_AGENCIES
    assert {a.code for a in AGENCIES} == REFERRAL_RECEIVING_AGENCIES | {"MPS"}


def test_codes_are_lower_case_except_agencies_boroughs_and_cohorts():
    for codes in (reference.REASON_CODE_VALUES, reference.FLAG_CODES, ETHNICITY_CODES):
        assert all(code == code.lower() for code in codes)
    assert all(code == code.upper() for code in reference.COHORT_CODES)

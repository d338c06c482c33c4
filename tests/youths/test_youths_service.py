"""Service-level rules of cohort records that the API tests do not reach directly."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa

from sywc import clock
from sywc.extensions import db
from sywc.security import Principal
from sywc.users.service import create_user
from sywc.youths import service
from sywc.youths.models import RagAssessment, Youth
from sywc.youths.names import KEY_LENGTH, name_key, normalise
from tests.conftest import PASSWORD

NOW = datetime(2026, 1, 15, 10, tzinfo=UTC)


def _data(officer_id: int) -> dict:
    return {
        "borough": "WCC", "first_name": "Nia", "last_name": "Samplefield",
        "date_of_birth": date(2010, 6, 1), "gender": "female", "ethnicity": "black",
        "ward": "westbourne", "address": None, "lead_agency": "MPS",
        "lead_officer_id": officer_id, "cohort_reason": "victim", "flags": [],
        "other_cohorts": [], "rag": "red",
        "rag_rationale": "Victim of a serious assault last week.",
        "confirm_duplicate": False,
    }  # fmt: skip


def test_add_youth_leaves_the_commit_to_the_caller(app):
    with app.app_context():
        user = create_user(
            username="adder", password=PASSWORD, name="Adder", role="officer", agency="MPS",
            boroughs=["WCC"], now=clock.utcnow(),
        )  # fmt: skip
        principal = Principal("user", user.id, "officer", "MPS", frozenset({"WCC"}), "s", "a")
        youth = service.add_youth(principal=principal, data=_data(user.id), now=NOW)
        assert youth.id is not None
        assert youth.next_visit_due == date(2026, 1, 22)
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Youth)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RagAssessment)) == 0


def test_name_keys_fold_case_accents_and_punctuation_but_keep_other_scripts():
    assert name_key("Zoë", "O'Neil-Smith") == "oneilsmith zoe"
    assert name_key(" JOSÉ ", "nuñez") == "nunez jose"
    assert normalise("李") == "李"
    assert name_key("李", "王") != name_key("张", "王")


def test_latin_letters_without_a_decomposition_fold_as_accented_ones_do():
    assert name_key("Michał", "Nowak") == name_key("Michal", "NOWAK") == "nowak michal"
    assert normalise("Søren") == normalise("Soren") == "soren"
    assert normalise("Y\u0131ld\u0131z") == "yildiz"
    assert normalise("Đorđević") == "dordevic"
    assert normalise("Ærø") == "aero"
    assert normalise("Þórður") == "thordur"


def test_a_name_key_is_cut_to_what_its_columns_store():
    assert Youth.__table__.c.name_key.type.length == KEY_LENGTH
    assert name_key("a" * 100, "b" * 100) == "b" * 100 + " " + "a" * 99
    assert name_key("\u00df" * 100, "Smith") == "smith " + "ss" * 97

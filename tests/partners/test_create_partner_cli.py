"""`flask sywc create-partner`: prints the client id and secret once, as JSON."""

from __future__ import annotations

import json

import sqlalchemy as sa

from sywc.auth.models import PartnerClient
from sywc.extensions import db
from tests.conftest import audit_actions
from tests.partners.helpers import request_token


def test_create_partner_prints_working_credentials(app, client, runner):
    result = runner.invoke(
        args=[
            "sywc",
            "create-partner",
            "--name",
            "Example Health Trust",
            "--scopes",
            "referrals:write",
            "--agency",
            "MASH",
            "--agency",
            "CSC",
            "--borough",
            "RBKC",
        ]
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert set(printed) >= {"client_id", "client_secret"}
    assert printed["allowed_agencies"] == ["CSC", "MASH"]
    assert printed["boroughs"] == ["RBKC"]
    assert request_token(client, printed["client_id"], printed["client_secret"])
    with app.app_context():
        row = db.session.scalar(sa.select(PartnerClient))
        assert row.secret_hash != printed["client_secret"]
    events = audit_actions(app, action="partner_client_created")
    assert [(e.actor_type, e.actor_label) for e in events] == [("system", "cli")]


def test_create_partner_defaults_to_every_receiver_and_borough(runner):
    result = runner.invoke(
        args=["sywc", "create-partner", "--name", "N", "--scopes", "referrals:write"]
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["allowed_agencies"] == ["CSC", "EARLY_HELP", "IGXU", "MASH", "YOT"]
    assert printed["boroughs"] == ["RBKC", "WCC"]


def test_create_partner_refuses_unknown_values(app, runner):
    for extra in (
        ["--scopes", "admin"],
        ["--scopes", "referrals:write", "--agency", "MPS"],
        ["--scopes", "referrals:write", "--borough", "NOWHERE"],
    ):
        result = runner.invoke(args=["sywc", "create-partner", "--name", "N", *extra])
        assert result.exit_code != 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PartnerClient)) == 0


def test_create_partner_refuses_a_blank_name(app, runner):
    result = runner.invoke(
        args=["sywc", "create-partner", "--name", "  ", "--scopes", "referrals:write"]
    )
    assert result.exit_code == 2
    assert "--name" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PartnerClient)) == 0
    assert audit_actions(app, action="partner_client_created") == []

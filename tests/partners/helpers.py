"""Partner systems for tests: a client registered through the service, a token from the API."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient

from sywc import clock
from sywc.partners.service import create_partner_client

TOKEN_URL = "/api/v1/auth/token"


@dataclass
class PartnerAccount:
    id: int
    client_id: str
    secret: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def request_token(client: FlaskClient, client_id: str, secret: str) -> str:
    """Ask the token endpoint for an access token and return it."""
    response = client.post(
        TOKEN_URL,
        json={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["access_token"]


@pytest.fixture
def make_partner(app: Flask, client: FlaskClient) -> Callable[..., PartnerAccount]:
    """Register a partner client through the service and get it a token through the API."""

    def _make(
        *,
        agencies: Sequence[str] = ("MASH", "EARLY_HELP", "IGXU"),
        boroughs: Sequence[str] = ("WCC",),
        scopes: Sequence[str] = ("referrals:write",),
        name: str = "Test school system",
    ) -> PartnerAccount:
        with app.app_context():
            issued = create_partner_client(
                name=name,
                scopes=list(scopes),
                allowed_agencies=list(agencies),
                boroughs=list(boroughs),
                now=clock.utcnow(),
            )
            pk, client_id, secret = issued.id, issued.client_id, issued.client_secret
        return PartnerAccount(pk, client_id, secret, request_token(client, client_id, secret))

    return _make

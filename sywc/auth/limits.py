"""The sign-in routes' rate limit, and the audit event of each attempt it refuses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app
from flask_limiter import RequestLimit

from sywc import clock
from sywc.auth import service
from sywc.extensions import limiter


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def sign_in_limit(refused_action: str) -> Callable[[Any], Any]:
    """Limit a sign-in route per client address; audit each refused attempt as
    `refused_action`.

    The limit answers 429 before the view runs, so without this a guessing attack past
    the limit would leave no trace in the trail.
    """

    def audit_refusal(breached: RequestLimit) -> None:
        service.record_rate_limited(
            action=refused_action, limit=str(breached.limit), now=clock.utcnow()
        )

    return limiter.limit(_login_limit, methods=["POST"], on_breach=audit_refusal)

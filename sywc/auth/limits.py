"""The sign-in routes' rate limit, and the audit event of each attempt it refuses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, current_app
from flask_limiter import RequestLimit

from sywc import clock
from sywc.auth import service
from sywc.extensions import limiter


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def sign_in_limit(refused_action: str) -> Callable[[Any], Any]:
    """Limit the failed attempts on a sign-in route per client address; audit each
    attempt the limit refuses as `refused_action`.

    The limit answers 429 before the view runs, so without this a guessing attack past
    the limit would leave no trace in the trail.
    """

    def audit_refusal(breached: RequestLimit) -> None:
        service.record_rate_limited(
            action=refused_action, limit=str(breached.limit), now=clock.utcnow()
        )

    return limiter.limit(
        _login_limit, methods=["POST"], on_breach=audit_refusal, deduct_when=_refused
    )


def _refused(response: Response) -> bool:
    """Count only attempts refused for what they sent: the limit is on guessing. Staff
    behind one office address all signing in at nine must not be turned away, nor those
    retrying while the database is unreachable (a 503 says nothing of the password).

    An attempt is counted once it is answered, so attempts sent at once can each pass
    the check before any is counted: past the limit by at most the number answered at
    the same time (the gunicorn workers), per window.
    """
    return 400 <= response.status_code < 500

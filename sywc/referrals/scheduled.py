"""The referrals domain's scheduled job: forget idempotency keys past their retention."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sywc.audit import service as audit
from sywc.extensions import db
from sywc.referrals.idempotency import purge_expired_keys


def purge_idempotency_keys_job(*, now: datetime, job_run_id: int | None = None) -> dict[str, Any]:
    """Delete expired Idempotency-Key records; return how many went."""
    purged = purge_expired_keys(now=now)
    if purged:
        # The stored responses held referral details: deleting them is a change like any other.
        audit.record(
            "idempotency_keys_purged",
            record_type="idempotency_key",
            actor=audit.SYSTEM,
            now=now,
            details={"purged": purged},
        )
    db.session.commit()
    return {"purged": purged}

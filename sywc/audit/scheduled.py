"""The audit trail's scheduled job: walk the whole chain, so a request need not."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask import current_app

from sywc.audit import verification
from sywc.audit.service import SYSTEM
from sywc.stopping import Interrupted, Stopping

log = logging.getLogger(__name__)


def verify_audit_job(
    *, now: datetime, job_run_id: int | None = None, stopping: Stopping | None = None
) -> dict[str, Any]:
    """Walk the whole trail, record the walk as a checkpoint, and return what it found;
    raise Interrupted, having recorded how far it went, if stopped before the end.

    A walk stopped short (the scheduler was stopping) is carried on from where it
    stopped if it began within one interval: a deploy a day does not keep a trail that
    takes longer than the time between deploys from ever being walked whole.
    """
    result = verification.verify_and_record(
        limit=None,
        actor=SYSTEM,
        now=now,
        stopping=stopping,
        resume_within=verification.whole_walk_interval(current_app.config),
    )
    walk = result.walk
    if not walk.ok:
        log.error(
            "audit chain broken",
            extra={"first_broken_id": walk.first_broken_id, "reason": walk.reason},
        )
    # The head found good, in the log too: kept apart from the database, it shows what
    # the trail was should anyone with the database's keys rewrite it and every record
    # of the walks that went over it.
    log.info(
        "audit chain walked",
        extra={"through_id": walk.through_id, "through_hash": walk.through_hash},
    )
    counts = {
        "ok": walk.ok,
        "checked": walk.checked,
        "from_id": walk.from_id,
        "through_id": walk.through_id,
        "first_broken_id": walk.first_broken_id,
    }
    if not walk.complete:
        # Unbounded, a walk ends before the newest event only when asked to stop.
        raise Interrupted(counts)
    return counts

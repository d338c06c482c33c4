"""Demo data: a deterministic, obviously fictional partnership, inserted in bulk.

Each domain adds its rows in one step; steps run in order and share a `DemoContext`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy.orm import Session

from sywc import clock

DEMO_PASSWORD = "demo-password-for-sywc"  # noqa: S105 (printed for the demo, by design)


@dataclass
class DemoContext:
    session: Session
    rng: random.Random
    now: datetime
    n_youths: int
    # "officer:MPS:WCC" -> user ids; also "senior_officer:IGXU:RBKC", "board_member", ...
    users: dict[str, list[int]] = field(default_factory=dict)
    user_agency: dict[int, str] = field(default_factory=dict)
    logins: list[dict[str, Any]] = field(default_factory=list)
    youth_ids: list[int] = field(default_factory=list)
    youth_borough: dict[int, str] = field(default_factory=dict)
    # The day each record was created: nothing names a record before it exists.
    youth_entered: dict[int, date] = field(default_factory=dict)
    partner: dict[str, Any] | None = None
    summary: dict[str, int] = field(default_factory=dict)

    @property
    def today(self) -> date:
        return clock.business_date(self.now)

    def stamp(self, day: date, at: time) -> datetime:
        """Return a time on `day` (UTC), never later than now: a demo loaded at 08:00
        rates today's records at 08:00, not in the future."""
        return min(datetime.combine(day, at, UTC), self.now)

    def officers(
        self, *, borough: str, agency: str | None = None, senior: bool = False
    ) -> list[int]:
        """Return the ids of officers (or senior officers) of a borough, optionally one agency."""
        role = "senior_officer" if senior else "officer"
        return [
            uid
            for key, ids in self.users.items()
            if key.startswith(f"{role}:")
            and key.endswith(f":{borough}")
            and (agency is None or key.split(":")[1] == agency)
            for uid in ids
        ]

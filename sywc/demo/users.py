"""Demo accounts: officers of every agency in each borough, and the other roles."""

from __future__ import annotations

import sqlalchemy as sa

from config.reference import AGENCY_CODES, BOROUGH_CODES
from sywc.auth.passwords import hash_password
from sywc.demo import DEMO_PASSWORD, DemoContext
from sywc.users.models import User, UserBorough

FIRST = [
    "Alex",
    "Sam",
    "Jo",
    "Chris",
    "Priya",
    "Kwame",
    "Aisha",
    "Tom",
    "Maya",
    "Dev",
    "Lena",
    "Ola",
]
LAST = ["Demo", "Example", "Sample", "Testwell", "Placeholder", "Fictional"]


def build(ctx: DemoContext) -> None:
    """Insert the demo accounts in bulk; one hash serves them all (one demo password)."""
    password_hash = hash_password(DEMO_PASSWORD)
    rows: list[dict] = []
    boroughs_of: dict[str, list[str]] = {}
    for borough in sorted(BOROUGH_CODES):
        for agency in sorted(AGENCY_CODES):
            for role, count in (("officer", 3), ("senior_officer", 1)):
                for n in range(1, count + 1):
                    tag = "senior" if role == "senior_officer" else "officer"
                    username = f"{agency.lower().replace('_', '')}.{tag}{n}.{borough.lower()}"
                    rows.append(_row(ctx, username, role, agency, password_hash))
                    boroughs_of[username] = [borough]
    for role in ("board_member", "auditor", "admin"):
        rows.append(_row(ctx, f"demo.{role.replace('_', '')}", role, None, password_hash))
        boroughs_of[rows[-1]["username"]] = sorted(BOROUGH_CODES)
    ctx.session.execute(sa.insert(User), rows)
    ids = dict(ctx.session.execute(sa.select(User.username, User.id)).all())
    ctx.session.execute(
        sa.insert(UserBorough),
        [{"user_id": ids[u], "borough": b} for u, bs in boroughs_of.items() for b in bs],
    )
    for row in rows:
        uid = ids[row["username"]]
        key = (
            row["role"]
            if row["agency"] is None
            else (f"{row['role']}:{row['agency']}:{boroughs_of[row['username']][0]}")
        )
        ctx.users.setdefault(key, []).append(uid)
        if row["agency"]:
            ctx.user_agency[uid] = row["agency"]
    ctx.logins = [
        {"username": u, "role": r}
        for u, r in (
            ("mps.officer1.wcc", "officer"),
            ("mps.senior1.wcc", "senior_officer"),
            ("igxu.officer1.wcc", "officer"),
            ("yot.officer1.rbkc", "officer"),
            ("demo.boardmember", "board_member"),
            ("demo.auditor", "auditor"),
            ("demo.admin", "admin"),
        )
    ]
    ctx.summary["users"] = len(rows)


def _row(
    ctx: DemoContext, username: str, role: str, agency: str | None, password_hash: str
) -> dict:
    name = f"{ctx.rng.choice(FIRST)} {ctx.rng.choice(LAST)}"
    return {
        "username": username,
        "name": name,
        "role": role,
        "agency": agency,
        "password_hash": password_hash,
        "active": True,
        "failed_logins": 0,
        "password_changed_at": ctx.now,
        "created_at": ctx.now,
        "updated_at": ctx.now,
        "version": 1,
    }

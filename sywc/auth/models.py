"""Server-side sessions behind every token, and the partner systems that hold them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from sywc.database import TimestampMixin, VersionMixin
from sywc.extensions import db


class PartnerClient(TimestampMixin, VersionMixin, db.Model):
    """A partner organisation's system that posts referrals machine to machine."""

    __tablename__ = "partner_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    secret_hash: Mapped[str] = mapped_column(sa.String(255))
    scopes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    allowed_agencies: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    boroughs: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    rotated_at: Mapped[datetime | None]


class AuthSession(db.Model):
    """One login (or one partner token): revoking the row revokes every token it issued.

    Tokens are checked against this row on every request, so logout, deactivation and
    password resets take effect at once in every process, and survive restarts.
    """

    __tablename__ = "auth_sessions"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    partner_client_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("partner_clients.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    refresh_jti: Mapped[str | None] = mapped_column(sa.String(36))
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(64))

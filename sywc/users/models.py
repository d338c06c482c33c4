"""People who use the service, and the boroughs each works in."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sywc.database import TimestampMixin, VersionMixin
from sywc.extensions import db


class User(TimestampMixin, VersionMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(32))
    agency: Mapped[str | None] = mapped_column(sa.String(32))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]

    borough_links: Mapped[list[UserBorough]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="UserBorough.borough"
    )

    @property
    def boroughs(self) -> list[str]:
        return [link.borough for link in self.borough_links]


class UserBorough(db.Model):
    __tablename__ = "user_boroughs"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    borough: Mapped[str] = mapped_column(sa.String(16), primary_key=True)

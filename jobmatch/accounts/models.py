"""Users, their API tokens, and the audit trail of who changed what."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobmatch.extensions import db
from jobmatch.modelbase import Stamped, UTCDateTime, enum_column, utcnow
from jobmatch.vocab import Role

if TYPE_CHECKING:
    from jobmatch.people.models import Region
    from workshops.models import Workshop


# A bureau officer's county, or a cadre's villages.
user_regions = sa.Table(
    "user_regions",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("region_id", sa.ForeignKey("regions.id"), primary_key=True),
)

# A workshop manager's workshop.
workshop_managers = sa.Table(
    "workshop_managers",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("workshop_id", sa.ForeignKey("workshops.id"), primary_key=True),
)


class User(UserMixin, Stamped, db.Model):
    __tablename__ = "users"

    name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(sa.String(64))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped when the account is disabled or its scope changes, ending old sessions.
    session_version: Mapped[int] = mapped_column(default=1)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user", foreign_keys="ApiToken.user_id")
    regions: Mapped[list[Region]] = relationship(secondary=user_regions, order_by="Region.code")
    workshops: Mapped[list[Workshop]] = relationship(secondary=workshop_managers)

    # The key of the login session this object was loaded for (not a column; see UserSession).
    session_key = None

    def get_id(self) -> str | None:
        """What the signed cookie holds: the key of a server-side session, never the user's id."""
        return self.session_key

    @property
    def is_active(self) -> bool:
        return self.active


class ApiToken(Stamped, db.Model):
    """A bearer token for a machine client; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    label: Mapped[str] = mapped_column(sa.String(64))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="tokens", foreign_keys=[user_id])


class UserSession(db.Model):
    """A login on a page: the cookie carries a random key, only its SHA-256 is stored.

    A session counts only while its row says so: logging out ends it, so a copied cookie stops
    working with it; it also ends after a spell of inactivity, at its absolute age, and when the
    account is disabled or its role, scope or password changes (session_version).
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The user's session_version at login: a later bump ends the session.
    session_version: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # logout, replaced (a new login in the same browser)
    end_reason: Mapped[str | None] = mapped_column(sa.String(16))
    remote_addr: Mapped[str | None] = mapped_column(sa.String(45))

    user: Mapped[User] = relationship()


class AuditEvent(db.Model):
    """One change to a record: who, when, what (personal fields recorded as changed, not copied)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(sa.String(16))
    entity_type: Mapped[str] = mapped_column(sa.String(32))
    entity_id: Mapped[int] = mapped_column()
    changes: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    remote_addr: Mapped[str | None] = mapped_column(sa.String(45))

    __table_args__ = (sa.Index("ix_audit_events_entity", "entity_type", "entity_id"),)


class IdempotentRequest(db.Model):
    """A write sent with an Idempotency-Key: a retry gets the first answer back instead of a second write.

    status_code and response are empty while the first request is still running.
    """

    __tablename__ = "idempotent_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(sa.String(64))
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    status_code: Mapped[int | None] = mapped_column()
    response: Mapped[dict | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("user_id", "key", name="uq_idempotent_requests_user_key"),
        # Keys expire KEY_LIFETIME after created_at; the sweep finds them through this index.
        sa.Index("ix_idempotent_requests_created_at", "created_at"),
    )

"""What every table shares: UTC timestamps and who made and last changed the row."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

import sqlalchemy as sa
from flask import g, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator):
    """A timestamp stored as naive UTC on every backend and read back as aware UTC."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must carry a time zone")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def enum_column(enum: type[StrEnum], **kwargs) -> sa.Enum:
    """A coded value stored as text with a CHECK constraint (portable across backends)."""
    name = kwargs.pop("name", enum.__name__.lower())
    return sa.Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
        **kwargs,
    )


class Stamped:
    """Mixin: integer id, created/updated timestamps and the users who made them."""

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @declared_attr
    def created_by_id(cls) -> Mapped[int | None]:
        return mapped_column(sa.ForeignKey("users.id"), nullable=True)

    @declared_attr
    def updated_by_id(cls) -> Mapped[int | None]:
        return mapped_column(sa.ForeignKey("users.id"), nullable=True)


def current_actor_id() -> int | None:
    """The user acting in this request or command; None for the system itself."""
    if has_app_context():
        return g.get("actor_id")
    return None


@event.listens_for(Session, "before_flush")
def _stamp_actor(session: Session, flush_context, instances) -> None:
    actor = current_actor_id()
    if actor is None:
        return
    for obj in session.new:
        if isinstance(obj, Stamped):
            obj.created_by_id = obj.created_by_id or actor
            obj.updated_by_id = actor
    for obj in session.dirty:
        if isinstance(obj, Stamped) and session.is_modified(obj, include_collections=False):
            obj.updated_by_id = actor

"""Alerts raised by the monitoring rules for a village's cadres, and each alert's history."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobmatch.extensions import db
from jobmatch.modelbase import Stamped, UTCDateTime, enum_column


class AlertKind(StrEnum):
    """What a rule saw (预警类型)."""

    no_one_employed = "no_one_employed"
    employment_ended = "employment_ended"
    long_absence = "long_absence"
    monitored_lost_work = "monitored_lost_work"


class AlertStatus(StrEnum):
    open = "open"
    following_up = "following_up"
    resolved = "resolved"


KIND_ZH: dict[AlertKind, str] = {
    AlertKind.no_one_employed: "有就业意愿的家庭无人就业",
    AlertKind.employment_ended: "就业结束",
    AlertKind.long_absence: "长期缺勤（就业中断）",
    AlertKind.monitored_lost_work: "监测户最后一名就业人员离岗",
}
STATUS_ZH: dict[AlertStatus, str] = {
    AlertStatus.open: "待处理",
    AlertStatus.following_up: "跟进中",
    AlertStatus.resolved: "已解决",
}
# The most urgent first (the cadre's inbox order).
URGENCY: dict[AlertKind, int] = {
    AlertKind.monitored_lost_work: 0,
    AlertKind.no_one_employed: 1,
    AlertKind.long_absence: 2,
    AlertKind.employment_ended: 3,
}

# An alert not yet resolved; at most one such alert per cause.
_NOT_RESOLVED = sa.text("status IN ('open', 'following_up')")


class Alert(Stamped, db.Model):
    """One cause a village's cadres must follow up (预警)."""

    __tablename__ = "alerts"

    kind: Mapped[AlertKind] = mapped_column(enum_column(AlertKind), index=True)
    status: Mapped[AlertStatus] = mapped_column(enum_column(AlertStatus), default=AlertStatus.open, index=True)
    # What the alert is about, e.g. "employment_ended:e42"; a rule never raises a second alert for a cause.
    cause_key: Mapped[str] = mapped_column(sa.String(128), index=True)
    household_id: Mapped[int] = mapped_column(sa.ForeignKey("households.id"), index=True)
    laborer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("laborers.id"), index=True)
    village_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    # The day the cause arose (employment end, first absent day, the day nobody was employed any more).
    since: Mapped[date] = mapped_column()
    detail: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    status_since: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    events: Mapped[list[AlertEvent]] = relationship(
        back_populates="alert", order_by="(AlertEvent.occurred_at, AlertEvent.id)"
    )

    __table_args__ = (
        sa.Index(
            "uq_alerts_open_cause",
            "cause_key",
            unique=True,
            postgresql_where=_NOT_RESOLVED,
            sqlite_where=_NOT_RESOLVED,
        ),
    )


class AlertEvent(Stamped, db.Model):
    """A step of an alert: raised, following up, resolved, with the cadre's note and date."""

    __tablename__ = "alert_events"

    alert_id: Mapped[int] = mapped_column(sa.ForeignKey("alerts.id"), index=True)
    from_status: Mapped[AlertStatus | None] = mapped_column(enum_column(AlertStatus, name="alert_from_status"))
    to_status: Mapped[AlertStatus] = mapped_column(enum_column(AlertStatus, name="alert_to_status"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(sa.Text)

    alert: Mapped[Alert] = relationship(back_populates="events")


class AlertRun(Stamped, db.Model):
    """One day's run of the alert rules: at most one per day across every worker and server.

    The unique day is the lock: the worker whose insert succeeds runs the rules, the others skip.
    """

    __tablename__ = "alert_runs"

    day: Mapped[date] = mapped_column(unique=True)
    # "schedule" (the daily run), "demo" (right after the demo county loads) or "cli".
    trigger: Mapped[str] = mapped_column(sa.String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Alerts raised and closed by the run, by kind.
    raised: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    closed: Mapped[dict] = mapped_column(sa.JSON, default=dict)


class ContactMethod(StrEnum):
    """How a cadre reached a household (联系方式)."""

    phone = "phone"
    visit = "visit"
    other = "other"


class Contact(Stamped, db.Model):
    """A call or visit a cadre made to a household, or to one of its laborers (联系记录)."""

    __tablename__ = "contacts"

    household_id: Mapped[int] = mapped_column(sa.ForeignKey("households.id"), index=True)
    laborer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("laborers.id"), index=True)
    # The household's village when the contact was made: what keeps the log in the village's scope.
    village_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    contacted_on: Mapped[date] = mapped_column()
    method: Mapped[ContactMethod] = mapped_column(enum_column(ContactMethod, name="contact_method"))
    note: Mapped[str | None] = mapped_column(sa.Text)

    user = relationship("User", foreign_keys=[user_id])
    laborer = relationship("Laborer")

    __table_args__ = (sa.Index("ix_contacts_household_day", "household_id", "contacted_on"),)

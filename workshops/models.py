"""Assistance workshops (帮扶车间) certified by the county bureau, their attendance and its evidence."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobmatch.extensions import db
from jobmatch.modelbase import Stamped, UTCDateTime, enum_column, utcnow
from jobmatch.people.models import Laborer, Region
from jobmatch.posts.models import Employer
from jobmatch.vocab import CertificationStatus, WageMode


class Workshop(Stamped, db.Model):
    __tablename__ = "workshops"

    name: Mapped[str] = mapped_column(sa.String(128), index=True)
    operator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employers.id"), index=True)
    village_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    address: Mapped[str | None] = mapped_column(sa.String(255))
    latitude: Mapped[float | None] = mapped_column()
    longitude: Mapped[float | None] = mapped_column()
    products: Mapped[str | None] = mapped_column(sa.String(255))
    capacity: Mapped[int] = mapped_column()
    wage_mode: Mapped[WageMode] = mapped_column(enum_column(WageMode))
    flexible_hours: Mapped[bool] = mapped_column(default=True)
    home_piecework: Mapped[bool] = mapped_column(default=False)
    certification_status: Mapped[CertificationStatus] = mapped_column(
        enum_column(CertificationStatus), default=CertificationStatus.applied
    )
    certified_on: Mapped[date | None] = mapped_column()

    operator: Mapped[Employer | None] = relationship()
    village: Mapped[Region] = relationship()


# --- attendance ---------------------------------------------------------------------


class AttendanceStatus(StrEnum):
    """A worker's day (出勤状态)."""

    present = "present"
    half_day = "half_day"
    home_piecework = "home_piecework"
    leave = "leave"
    absent = "absent"


class AttendanceKind(StrEnum):
    """Which kind of work the day belongs to: a workshop, or a public-welfare post."""

    workshop = "workshop"
    public_welfare = "public_welfare"


class FlagKind(StrEnum):
    """Something a reviewer should look at, recorded when it happens."""

    two_places = "two_places"


# Days worked that each status counts for (wages, minimum days, subsidy evidence).
DAYS_WORKED: dict[AttendanceStatus, float] = {
    AttendanceStatus.present: 1.0,
    AttendanceStatus.half_day: 0.5,
    AttendanceStatus.home_piecework: 1.0,
    AttendanceStatus.leave: 0.0,
    AttendanceStatus.absent: 0.0,
}

STATUS_ZH: dict[AttendanceStatus, str] = {
    AttendanceStatus.present: "出勤",
    AttendanceStatus.half_day: "半天",
    AttendanceStatus.home_piecework: "居家计件",
    AttendanceStatus.leave: "请假",
    AttendanceStatus.absent: "缺勤",
}

HOURS = sa.Numeric(4, 1)


class Attendance(Stamped, db.Model):
    """One laborer, one day, one kind of work: status, hours and pieces (考勤)."""

    __tablename__ = "attendance"

    laborer_id: Mapped[int] = mapped_column(sa.ForeignKey("laborers.id"), index=True)
    employment_id: Mapped[int] = mapped_column(sa.ForeignKey("employments.id"), index=True)
    # Set for workshop days; public-welfare days belong to the post through the employment.
    workshop_id: Mapped[int | None] = mapped_column(sa.ForeignKey("workshops.id"))
    kind: Mapped[AttendanceKind] = mapped_column(enum_column(AttendanceKind))
    day: Mapped[date] = mapped_column()
    status: Mapped[AttendanceStatus] = mapped_column(enum_column(AttendanceStatus))
    hours: Mapped[Decimal | None] = mapped_column(HOURS)
    pieces: Mapped[int | None] = mapped_column()
    note: Mapped[str | None] = mapped_column(sa.String(255))

    laborer: Mapped[Laborer] = relationship()

    __table_args__ = (
        # The natural key: saving a day twice updates the same row; a second workshop on one day is refused.
        sa.UniqueConstraint("laborer_id", "day", "kind", name="uq_attendance_laborer_day_kind"),
        sa.Index("ix_attendance_workshop_day", "workshop_id", "day"),
        sa.Index("ix_attendance_day", "day"),
    )


class AttendanceChange(db.Model):
    """Append-only history of every attendance change, with the previous values and the reason."""

    __tablename__ = "attendance_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    attendance_id: Mapped[int] = mapped_column(sa.ForeignKey("attendance.id"), index=True)
    laborer_id: Mapped[int] = mapped_column(sa.ForeignKey("laborers.id"))
    workshop_id: Mapped[int | None] = mapped_column(sa.ForeignKey("workshops.id"))
    day: Mapped[date] = mapped_column()
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # Made after the day it describes (补记或修改), which needs a reason.
    late: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str | None] = mapped_column(sa.String(255))
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict] = mapped_column(sa.JSON)

    __table_args__ = (sa.Index("ix_attendance_changes_workshop_day", "workshop_id", "day"),)


class AttendanceClosure(Stamped, db.Model):
    """A month the bureau closed: its attendance is locked (a whole county, or one workshop)."""

    __tablename__ = "attendance_closures"

    county_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    workshop_id: Mapped[int | None] = mapped_column(sa.ForeignKey("workshops.id"), index=True)
    # The first day of the month.
    month: Mapped[date] = mapped_column()
    note: Mapped[str | None] = mapped_column(sa.String(255))

    county: Mapped[Region] = relationship()


class AttendanceFlag(Stamped, db.Model):
    """A refused or suspicious attendance recorded for the anomaly report (e.g. one person in two places)."""

    __tablename__ = "attendance_flags"

    kind: Mapped[FlagKind] = mapped_column(enum_column(FlagKind))
    laborer_id: Mapped[int] = mapped_column(sa.ForeignKey("laborers.id"), index=True)
    workshop_id: Mapped[int | None] = mapped_column(sa.ForeignKey("workshops.id"), index=True)
    day: Mapped[date] = mapped_column()
    detail: Mapped[dict] = mapped_column(sa.JSON, default=dict)


class EmploymentCode(Stamped, db.Model):
    """The opaque, revocable token on a laborer's employment-code card (就业码); never the ID number."""

    __tablename__ = "employment_codes"

    laborer_id: Mapped[int] = mapped_column(sa.ForeignKey("laborers.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    laborer: Mapped[Laborer] = relationship()


class EmploymentInterruption(Stamped, db.Model):
    """A signal for the laborer's village: a long absence from work (就业中断). Monitoring turns it into an alert.

    One row per absence run (employment, first absent day); a run that goes on extends
    its row. Monitoring reads the rows with consumed_at NULL and sets it when it has
    made its alert.
    """

    __tablename__ = "employment_interruptions"

    laborer_id: Mapped[int] = mapped_column(sa.ForeignKey("laborers.id"), index=True)
    village_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    employment_id: Mapped[int] = mapped_column(sa.ForeignKey("employments.id"))
    workshop_id: Mapped[int | None] = mapped_column(sa.ForeignKey("workshops.id"), index=True)
    first_absent_day: Mapped[date] = mapped_column()
    last_absent_day: Mapped[date] = mapped_column()
    # Working days (days the workshop kept a sheet) in a row without work.
    absent_days: Mapped[int] = mapped_column()
    consumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    laborer: Mapped[Laborer] = relationship()

    __table_args__ = (sa.UniqueConstraint("employment_id", "first_absent_day", name="uq_employment_interruptions_run"),)


@sa.event.listens_for(AttendanceChange, "before_update")
def _refuse_update(mapper, connection, target) -> None:
    raise RuntimeError("attendance history is append-only")


@sa.event.listens_for(AttendanceChange, "before_delete")
def _refuse_delete(mapper, connection, target) -> None:
    raise RuntimeError("attendance history is append-only")

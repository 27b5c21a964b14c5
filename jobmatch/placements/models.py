"""Referrals of laborers to openings, their steps, and the employments that follow."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobmatch.extensions import db
from jobmatch.modelbase import Stamped, UTCDateTime, enum_column
from jobmatch.people.models import Laborer
from jobmatch.posts.models import MONEY, Opening
from jobmatch.vocab import EmploymentKind, OutcomeReason, ReferralState, WageUnit


class Referral(Stamped, db.Model):
    __tablename__ = "referrals"

    laborer_id: Mapped[int] = mapped_column(sa.ForeignKey("laborers.id"), index=True)
    opening_id: Mapped[int] = mapped_column(sa.ForeignKey("openings.id"), index=True)
    state: Mapped[ReferralState] = mapped_column(enum_column(ReferralState), index=True)
    state_since: Mapped[datetime] = mapped_column(UTCDateTime)
    score: Mapped[float | None] = mapped_column()
    reason_code: Mapped[OutcomeReason | None] = mapped_column(enum_column(OutcomeReason))
    note: Mapped[str | None] = mapped_column(sa.Text)

    laborer: Mapped[Laborer] = relationship()
    opening: Mapped[Opening] = relationship()
    events: Mapped[list[ReferralEvent]] = relationship(back_populates="referral", order_by="ReferralEvent.occurred_at")

    __table_args__ = (sa.Index("ix_referrals_updated_at", "updated_at"),)


class ReferralEvent(Stamped, db.Model):
    """One step of a referral; occurred_at may lie in the past for migrated history."""

    __tablename__ = "referral_events"

    referral_id: Mapped[int] = mapped_column(sa.ForeignKey("referrals.id"), index=True)
    from_state: Mapped[ReferralState | None] = mapped_column(enum_column(ReferralState, name="referral_from_state"))
    to_state: Mapped[ReferralState] = mapped_column(enum_column(ReferralState, name="referral_to_state"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason_code: Mapped[OutcomeReason | None] = mapped_column(enum_column(OutcomeReason))
    note: Mapped[str | None] = mapped_column(sa.Text)

    referral: Mapped[Referral] = relationship(back_populates="events")


class Employment(Stamped, db.Model):
    """A laborer working somewhere from start_date until end_date (open while None)."""

    __tablename__ = "employments"

    laborer_id: Mapped[int] = mapped_column(sa.ForeignKey("laborers.id"), index=True)
    kind: Mapped[EmploymentKind] = mapped_column(enum_column(EmploymentKind))
    opening_id: Mapped[int | None] = mapped_column(sa.ForeignKey("openings.id"), index=True)
    employer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employers.id"), index=True)
    workshop_id: Mapped[int | None] = mapped_column(sa.ForeignKey("workshops.id"), index=True)
    referral_id: Mapped[int | None] = mapped_column(sa.ForeignKey("referrals.id"))
    full_time: Mapped[bool] = mapped_column(default=True)
    start_date: Mapped[date] = mapped_column()
    end_date: Mapped[date | None] = mapped_column()
    end_reason: Mapped[OutcomeReason | None] = mapped_column(enum_column(OutcomeReason))
    wage: Mapped[Decimal | None] = mapped_column(MONEY)
    wage_unit: Mapped[WageUnit | None] = mapped_column(enum_column(WageUnit))

    laborer: Mapped[Laborer] = relationship()

    __table_args__ = (
        sa.CheckConstraint("end_date IS NULL OR end_date >= start_date", name="ends_after_start"),
        sa.Index("ix_employments_updated_at", "updated_at"),
    )

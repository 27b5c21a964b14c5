"""Referrals of laborers to openings, their steps, the employments that follow, and subsidy claims."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobmatch.extensions import db
from jobmatch.modelbase import Stamped, UTCDateTime, enum_column
from jobmatch.people.models import Laborer
from jobmatch.posts.models import MONEY, Employer, Opening
from jobmatch.vocab import EmploymentKind, OutcomeReason, ReferralState, SubsidyPayee, WageUnit

if TYPE_CHECKING:
    from jobmatch.accounts.models import User
    from workshops.models import Workshop

# Referral states in which a laborer holds or is still being considered for an opening
# (jobmatch.placements.lifecycle.OPEN_STATES); at most one such referral per laborer and opening.
_OPEN_REFERRAL = sa.text("state IN ('recommended', 'referred', 'interviewed', 'hired')")
# At most one open full-time employment per laborer.
_OPEN_FULL_TIME = sa.text("end_date IS NULL AND full_time")


class Referral(Stamped, db.Model):
    __tablename__ = "referrals"

    laborer_id: Mapped[int] = mapped_column(sa.ForeignKey("laborers.id"), index=True)
    opening_id: Mapped[int] = mapped_column(sa.ForeignKey("openings.id"), index=True)
    # The last step's state and time (always equal to the last event's).
    state: Mapped[ReferralState] = mapped_column(enum_column(ReferralState), index=True)
    state_since: Mapped[datetime] = mapped_column(UTCDateTime)
    score: Mapped[float | None] = mapped_column()
    # The last step's reason, if it had one.
    reason_code: Mapped[OutcomeReason | None] = mapped_column(enum_column(OutcomeReason))
    note: Mapped[str | None] = mapped_column(sa.Text)

    laborer: Mapped[Laborer] = relationship()
    opening: Mapped[Opening] = relationship()
    events: Mapped[list[ReferralEvent]] = relationship(
        back_populates="referral", order_by="(ReferralEvent.occurred_at, ReferralEvent.id)"
    )

    __table_args__ = (
        sa.Index(
            "uq_referrals_open_pair",
            "laborer_id",
            "opening_id",
            unique=True,
            postgresql_where=_OPEN_REFERRAL,
            sqlite_where=_OPEN_REFERRAL,
        ),
        sa.Index("ix_referrals_updated_at", "updated_at"),
        # The list's order (latest change first), read backwards.
        sa.Index("ix_referrals_state_since_id", "state_since", "id"),
    )


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
    # Who recorded the step (an obsolete step: whoever recorded the hire; None: the system or migrated history).
    recorded_by: Mapped[User | None] = relationship(
        "User", primaryjoin="User.id == ReferralEvent.created_by_id", viewonly=True
    )


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
    end_note: Mapped[str | None] = mapped_column(sa.Text)
    wage: Mapped[Decimal | None] = mapped_column(MONEY)
    wage_unit: Mapped[WageUnit | None] = mapped_column(enum_column(WageUnit))
    # Where work found without an opening is, as a place name (广东省东莞市); openings carry their own site.
    site_name: Mapped[str | None] = mapped_column(sa.String(128))

    laborer: Mapped[Laborer] = relationship()
    opening: Mapped[Opening | None] = relationship()
    employer: Mapped[Employer | None] = relationship()
    workshop: Mapped[Workshop | None] = relationship("Workshop")

    __table_args__ = (
        sa.CheckConstraint("end_date IS NULL OR end_date >= start_date", name="ends_after_start"),
        sa.Index("ix_employments_updated_at", "updated_at"),
        # The list's order (latest start first), read backwards.
        sa.Index("ix_employments_start_date_id", "start_date", "id"),
        sa.Index(
            "uq_employments_open_full_time",
            "laborer_id",
            unique=True,
            postgresql_where=_OPEN_FULL_TIME,
            sqlite_where=_OPEN_FULL_TIME,
        ),
    )


class SubsidyClaim(Stamped, db.Model):
    """A subsidy claimed under one rule for one laborer, with the employment that is its evidence."""

    __tablename__ = "subsidy_claims"

    laborer_id: Mapped[int] = mapped_column(sa.ForeignKey("laborers.id"), index=True)
    employment_id: Mapped[int] = mapped_column(sa.ForeignKey("employments.id"), index=True)
    # A code from the rules table (jobmatch.placements.subsidies); rules are configuration, not rows.
    rule_code: Mapped[str] = mapped_column(sa.String(32))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    payee: Mapped[SubsidyPayee] = mapped_column(enum_column(SubsidyPayee))
    # The employer paid, for subsidies paid to employers.
    employer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employers.id"), index=True)
    due_on: Mapped[date] = mapped_column()
    claimed_on: Mapped[date] = mapped_column()
    # The day the finance office paid the claim out (None: claimed, not paid yet).
    paid_on: Mapped[date | None] = mapped_column()
    note: Mapped[str | None] = mapped_column(sa.Text)

    laborer: Mapped[Laborer] = relationship()
    employment: Mapped[Employment] = relationship()

    __table_args__ = (
        # A subsidy is claimed once per person and rule.
        sa.UniqueConstraint("laborer_id", "rule_code"),
    )


class SubsidyDueCandidate(db.Model):
    """An employment that makes a claim due under one rule on the days its dates give, whoever has claimed.

    What needs the laborer's household, home village, employer and post is worked out once here
    (placements.duetable keeps the rows up to date); which candidates are due on a day, not yet claimed and
    each laborer's first is asked of these rows alone (queries.due_claims).
    """

    __tablename__ = "subsidy_due_candidates"

    rule_code: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    employment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("employments.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    laborer_id: Mapped[int] = mapped_column(index=True)
    # The household's village and its code, and the workshop of the job: what a user's scope is written on.
    village_id: Mapped[int] = mapped_column(index=True)
    home_code: Mapped[str] = mapped_column(sa.String(12))
    workshop_id: Mapped[int | None] = mapped_column()
    start_date: Mapped[date] = mapped_column()
    due_on: Mapped[date] = mapped_column()
    lapses_on: Mapped[date] = mapped_column()

    __table_args__ = (sa.Index("ix_subsidy_due_candidates_rule_code_start_date", "rule_code", "start_date"),)


class SubsidyDueState(db.Model):
    """The one row that says for which rules subsidy_due_candidates were worked out and up to when."""

    __tablename__ = "subsidy_due_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    rules_key: Mapped[str] = mapped_column(sa.String(64))
    # The time the last refresh began: rows changed since (less an overlap) are looked at again.
    watermark: Mapped[datetime] = mapped_column(UTCDateTime)

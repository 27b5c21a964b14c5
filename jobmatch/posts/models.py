"""Employers and the openings they post."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobmatch.crypto import EncryptedText
from jobmatch.extensions import db
from jobmatch.modelbase import Stamped, enum_column
from jobmatch.people.models import Region
from jobmatch.vocab import (
    EmployerKind,
    OpeningKind,
    OpeningStatus,
    PhysicalIntensity,
    WageUnit,
    WorkingPattern,
)

MONEY = sa.Numeric(10, 2)


class Employer(Stamped, db.Model):
    __tablename__ = "employers"

    name: Mapped[str] = mapped_column(sa.String(128), index=True)
    kind: Mapped[EmployerKind] = mapped_column(enum_column(EmployerKind))
    credit_code: Mapped[str | None] = mapped_column(sa.String(18), unique=True)
    # The county bureau that registered the employer; scopes who sees it.
    county_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    address: Mapped[str | None] = mapped_column(sa.String(255))
    contact_name: Mapped[str | None] = mapped_column(sa.String(64))
    contact_phone: Mapped[str | None] = mapped_column("contact_phone_encrypted", EncryptedText)

    region: Mapped[Region | None] = relationship(foreign_keys=[region_id])

    __table_args__ = (sa.Index("ix_employers_updated_at", "updated_at"),)


class Opening(Stamped, db.Model):
    """A post with headcount (岗位): an enterprise vacancy, a workshop post or a public-welfare post."""

    __tablename__ = "openings"

    # The post code (岗位编号): how a roster names the post again, unique across the whole service so one code
    # is one post whoever imports it; given by the bureau or generated (GW + 10 hex digits).
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    kind: Mapped[OpeningKind] = mapped_column(enum_column(OpeningKind), index=True)
    title: Mapped[str] = mapped_column(sa.String(128))
    employer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employers.id"), index=True)
    workshop_id: Mapped[int | None] = mapped_column(sa.ForeignKey("workshops.id"), index=True)
    # The county bureau that posted it (also for sites far outside the county); scopes who sees it.
    county_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    # The site: a region in the gazetteer, or a named place far away with coordinates.
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    site_name: Mapped[str | None] = mapped_column(sa.String(128))
    latitude: Mapped[float] = mapped_column()
    longitude: Mapped[float] = mapped_column()
    required_skills_raw: Mapped[list] = mapped_column(sa.JSON, default=list)
    required_skills: Mapped[list] = mapped_column(sa.JSON, default=list)
    # Dictionary codes of the required skills (None where a skill is not in the dictionary), set when written.
    required_skill_codes: Mapped[list | None] = mapped_column(sa.JSON)
    age_min: Mapped[int] = mapped_column(default=16)
    age_max: Mapped[int] = mapped_column(default=60)
    headcount: Mapped[int] = mapped_column()
    remaining_headcount: Mapped[int] = mapped_column()
    wage_min: Mapped[Decimal | None] = mapped_column(MONEY)
    wage_max: Mapped[Decimal | None] = mapped_column(MONEY)
    wage_unit: Mapped[WageUnit] = mapped_column(enum_column(WageUnit), default=WageUnit.month)
    working_pattern: Mapped[WorkingPattern] = mapped_column(
        enum_column(WorkingPattern), default=WorkingPattern.full_time
    )
    physical_intensity: Mapped[PhysicalIntensity] = mapped_column(
        enum_column(PhysicalIntensity), default=PhysicalIntensity.medium
    )
    shuttle: Mapped[bool] = mapped_column(default=False)
    organised_transfer: Mapped[bool] = mapped_column(default=False)
    accommodation: Mapped[bool] = mapped_column(default=False)
    deadline: Mapped[date | None] = mapped_column()
    status: Mapped[OpeningStatus] = mapped_column(enum_column(OpeningStatus), default=OpeningStatus.open, index=True)
    description: Mapped[str | None] = mapped_column(sa.Text)

    employer: Mapped[Employer | None] = relationship()
    region: Mapped[Region | None] = relationship(foreign_keys=[region_id])

    @property
    def filled(self) -> bool:
        """Every place is taken (已满员).

        remaining_headcount is the headcount less the people employed in the post now, kept by the services
        alone: a hire takes a place and a leaver gives it back (placements/service.py), a new headcount
        recomputes it (posts/service.py), each under the opening's row lock.
        """
        return self.remaining_headcount == 0

    __table_args__ = (
        sa.CheckConstraint("remaining_headcount >= 0", name="remaining_not_negative"),
        sa.CheckConstraint("remaining_headcount <= headcount", name="remaining_within_headcount"),
        sa.CheckConstraint("age_min <= age_max", name="age_range_ordered"),
        sa.Index("ix_openings_updated_at", "updated_at"),
        # Open posts past their deadline (the bureau's home): a range of this index, not every open post.
        sa.Index("ix_openings_status_deadline", "status", "deadline"),
    )

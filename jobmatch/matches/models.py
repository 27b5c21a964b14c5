"""Synonyms that admins add to the shipped skill dictionary, and each county's matching settings."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobmatch.extensions import db
from jobmatch.modelbase import Stamped
from jobmatch.people.models import Region


class SkillSynonym(Stamped, db.Model):
    """One more way of writing a canonical skill (e.g. 踩衣车 for 缝纫工)."""

    __tablename__ = "skill_synonyms"

    skill_code: Mapped[str] = mapped_column(sa.String(64), index=True)
    synonym: Mapped[str] = mapped_column(sa.String(32), unique=True)


class CountyMatchSettings(Stamped, db.Model):
    """A county's own matching settings; a county without a row uses the defaults."""

    __tablename__ = "county_match_settings"

    county_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"), unique=True)
    # How far "work near home" (willingness: village) reaches for the county's laborers.
    village_radius_km: Mapped[float] = mapped_column()

    county: Mapped[Region] = relationship()

    __table_args__ = (sa.Index("ix_county_match_settings_updated_at", "updated_at"),)

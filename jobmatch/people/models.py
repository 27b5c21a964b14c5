"""Regions (county → township → village), households and laborers."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from jobmatch import text
from jobmatch.crypto import EncryptedText, blind_index
from jobmatch.extensions import db
from jobmatch.modelbase import Stamped, enum_column
from jobmatch.vocab import (
    EmploymentStatus,
    HouseholdCategory,
    LaborCapacity,
    RegionLevel,
    RiskLevel,
    Sex,
    Willingness,
)


class Region(Stamped, db.Model):
    """An administrative division with its 12-digit code (统计用区划代码)."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(sa.String(12), unique=True)
    name: Mapped[str] = mapped_column(sa.String(64))
    level: Mapped[RegionLevel] = mapped_column(enum_column(RegionLevel))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    latitude: Mapped[float | None] = mapped_column()
    longitude: Mapped[float | None] = mapped_column()

    parent: Mapped[Region | None] = relationship(remote_side="Region.id")

    __table_args__ = (sa.Index("ix_regions_updated_at", "updated_at"),)


class Household(Stamped, db.Model):
    __tablename__ = "households"

    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    village_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    category: Mapped[HouseholdCategory] = mapped_column(enum_column(HouseholdCategory))
    risk_level: Mapped[RiskLevel] = mapped_column(enum_column(RiskLevel), default=RiskLevel.low)
    head_name: Mapped[str | None] = mapped_column(sa.String(64))
    # Pinyin spellings of the head's name for search (text.name_search_key), kept in step by the validator.
    head_name_key: Mapped[str] = mapped_column(sa.String(text.NAME_KEY_LENGTH), default="")

    village: Mapped[Region] = relationship()
    laborers: Mapped[list[Laborer]] = relationship(back_populates="household")

    __table_args__ = (sa.Index("ix_households_updated_at", "updated_at"),)

    @validates("head_name")
    def _key_head_name(self, key: str, value: str | None) -> str | None:
        self.head_name_key = text.name_search_key(value)
        return value


class Laborer(Stamped, db.Model):
    """A working-age member of a household; birth date and sex come from the ID number."""

    __tablename__ = "laborers"

    household_id: Mapped[int] = mapped_column(sa.ForeignKey("households.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(64), index=True)
    # Pinyin spellings of the name for search (text.name_search_key), kept in step by the validator.
    name_key: Mapped[str] = mapped_column(sa.String(text.NAME_KEY_LENGTH), default="")
    # Encrypted at rest; the blind index enforces uniqueness and serves exact lookups.
    id_number: Mapped[str] = mapped_column("id_number_encrypted", EncryptedText)
    id_number_index: Mapped[str] = mapped_column(sa.String(64), unique=True)
    birth_date: Mapped[date] = mapped_column()
    sex: Mapped[Sex] = mapped_column(enum_column(Sex))
    relation_to_head: Mapped[str | None] = mapped_column(sa.String(16))
    phone: Mapped[str | None] = mapped_column("phone_encrypted", EncryptedText)
    skills_raw: Mapped[list] = mapped_column(sa.JSON, default=list)
    skills: Mapped[list] = mapped_column(sa.JSON, default=list)
    # The dictionary's reading of the skills, [[code, score], …], computed when they are written.
    skill_codes: Mapped[list | None] = mapped_column(sa.JSON)
    labor_capacity: Mapped[LaborCapacity] = mapped_column(enum_column(LaborCapacity))
    willingness: Mapped[Willingness] = mapped_column(enum_column(Willingness))
    employment_status: Mapped[EmploymentStatus] = mapped_column(
        enum_column(EmploymentStatus), default=EmploymentStatus.unemployed
    )
    needs_flexible_hours: Mapped[bool] = mapped_column(default=False)
    home_based_only: Mapped[bool] = mapped_column(default=False)
    # Set only for relocated laborers (易地搬迁) who live away from the household's village.
    latitude: Mapped[float | None] = mapped_column()
    longitude: Mapped[float | None] = mapped_column()
    health_note: Mapped[str | None] = mapped_column("health_note_encrypted", EncryptedText)
    registered_on: Mapped[date] = mapped_column(default=date.today)

    __table_args__ = (sa.Index("ix_laborers_updated_at", "updated_at"),)

    household: Mapped[Household] = relationship(back_populates="laborers")

    @validates("name")
    def _key_name(self, key: str, value: str) -> str:
        self.name_key = text.name_search_key(value)
        return value

    @validates("id_number")
    def _index_id_number(self, key: str, value: str) -> str:
        self.id_number_index = blind_index(value)
        return value

"""Synonyms that admins add to the shipped skill dictionary."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from jobmatch.extensions import db
from jobmatch.modelbase import Stamped


class SkillSynonym(Stamped, db.Model):
    """One more way of writing a canonical skill (e.g. 踩衣车 for 缝纫工)."""

    __tablename__ = "skill_synonyms"

    skill_code: Mapped[str] = mapped_column(sa.String(64), index=True)
    synonym: Mapped[str] = mapped_column(sa.String(32), unique=True)

"""Assistance workshops (帮扶车间) certified by the county bureau."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobmatch.extensions import db
from jobmatch.modelbase import Stamped, enum_column
from jobmatch.people.models import Region
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

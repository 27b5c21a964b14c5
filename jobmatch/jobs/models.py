"""A background job as the pages see it: who started it, for which county, how far it is, how it ended."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobmatch.extensions import db
from jobmatch.modelbase import Stamped, UTCDateTime

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
STATES = (QUEUED, RUNNING, DONE, FAILED)


class Job(Stamped, db.Model):
    """One run of long work. created_by_id is who started it; county_id the county it works on (None: all)."""

    __tablename__ = "jobs"

    # A registered kind (jobmatch.jobs.runner.KINDS), e.g. "train_ranker", "batch_proposal".
    kind: Mapped[str] = mapped_column(sa.String(32), index=True)
    state: Mapped[str] = mapped_column(sa.String(16), default=QUEUED)
    county_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    message_zh: Mapped[str] = mapped_column(sa.String(200), default="")
    message_en: Mapped[str] = mapped_column(sa.String(200), default="")
    result: Mapped[dict | None] = mapped_column(sa.JSON)
    error_zh: Mapped[str | None] = mapped_column(sa.Text)
    error_en: Mapped[str | None] = mapped_column(sa.Text)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by = relationship("User", foreign_keys="Job.created_by_id", lazy="joined")

    @property
    def finished(self) -> bool:
        return self.state in (DONE, FAILED)

    @property
    def percent(self) -> int:
        if self.state == DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

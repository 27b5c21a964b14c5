"""A background job as the pages see it: who started it, for which county, how far it is, how it ended."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobmatch.extensions import db
from jobmatch.modelbase import Stamped, UTCDateTime, utcnow

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
    # Written when the job starts and as it reports progress: a running job whose heartbeat is older than
    # JOBS_HEARTBEAT_LIMIT_S has lost its worker (runner.fail_stale).
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by = relationship("User", foreign_keys="Job.created_by_id", lazy="joined")

    files = relationship("JobFile", back_populates="job", cascade="all, delete-orphan", passive_deletes=True)

    @property
    def finished(self) -> bool:
        return self.state in (DONE, FAILED)

    @property
    def percent(self) -> int:
        if self.state == DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0


class JobFile(db.Model):
    """A file a job reads (an uploaded roster) or makes (an export, an import report), sealed with the data key.

    Personal data at rest stays encrypted as in every other table; files are removed after
    runner.FILES_KEPT_HOURS by the sweep.
    """

    __tablename__ = "job_files"
    __table_args__ = (sa.UniqueConstraint("job_id", "name", name="uq_job_files_job_id_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("jobs.id", ondelete="CASCADE"))
    # What the file is to its job: "source" (what was uploaded), "report", "export".
    name: Mapped[str] = mapped_column(sa.String(16))
    # The name it is downloaded under (Chinese, e.g. 劳动力.xlsx).
    filename: Mapped[str] = mapped_column(sa.String(200))
    mimetype: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    content: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    job = relationship("Job", back_populates="files")

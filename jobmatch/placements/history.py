"""Who held what on which day: the one rule the hire check and the consistency report share.

An employment covers the days from its start date up to, but not including, its end date: the end date is
the day the laborer left, and on that day they may already start elsewhere. So ending one full-time job and
starting another on the same day is a change of job, not two places at once; the hire check accepts it and
/consistency does not flag it. A job that starts and ends on the same day covers no day at all.

History loaded with past dates is held to the same rules on those dates: a back-dated hire is checked
against the laborer's (and household's) jobs on the days it covers and against the post's places on those
days, not only against what is open now.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from jobmatch.extensions import db
from jobmatch.placements.models import Employment

# An open employment runs "until the end of time" for comparisons.
FAR_FUTURE = date(9999, 12, 31)


def employed_on(day: date, job=Employment) -> sa.ColumnElement[bool]:
    """SQL: the employment (or an alias of it) covers `day`."""
    return sa.and_(job.start_date <= day, sa.or_(job.end_date.is_(None), job.end_date > day))


def covers(start: date, end: date | None, day: date) -> bool:
    """Python: an employment from `start` to `end` covers `day` (the same rule as `employed_on`)."""
    return start <= day and (end is None or end > day)


def overlapping_from(start: date, job=Employment) -> sa.ColumnElement[bool]:
    """SQL: the employment covers some day on or after `start` (it overlaps a job that begins then and runs on)."""
    return sa.and_(
        sa.or_(job.end_date.is_(None), job.end_date > start),
        # A job of no days (started and ended the same day) overlaps nothing.
        sa.or_(job.end_date.is_(None), job.end_date > job.start_date),
    )


def overlap(a, b) -> sa.ColumnElement[bool]:
    """SQL: two employments (aliases) share at least one day."""
    return sa.and_(
        a.start_date < sa.func.coalesce(b.end_date, FAR_FUTURE),
        b.start_date < sa.func.coalesce(a.end_date, FAR_FUTURE),
    )


def most_held_from(opening_id: int, start: date, excluding: int | None = None) -> tuple[int, date | None]:
    """The most people holding places of an opening on any one day from `start` on, and the first such day.

    The count can only rise on a day someone starts, so only `start` and the later start days are looked at.
    """
    rows = db.session.execute(
        sa.select(Employment.start_date, Employment.end_date).where(
            Employment.opening_id == opening_id, Employment.id != (excluding or 0)
        )
    ).all()
    days = sorted({start} | {s for s, _ in rows if s > start})
    best, when = 0, None
    for day in days:
        held = sum(1 for s, e in rows if covers(s, e, day))
        if held > best:
            best, when = held, day
    return best, when

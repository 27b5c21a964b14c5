"""Long absence: working days in a row without work raise an employment-interruption signal.

A workshop's working days are the days it kept a sheet (any attendance saved). A
worker recorded absent or on leave on LONG_ABSENCE_WORKING_DAYS of them in a row
(default 5) gets one `EmploymentInterruption` row for that run, addressed to the
laborer's village; a run that goes on extends the same row. The monitoring issue
turns unconsumed rows into alerts for the village's cadre (`pending_signals`,
`mark_consumed`). A run later corrected away keeps its row: the evidence stays and
the cadre resolves the alert.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta

import sqlalchemy as sa

from jobmatch.accounts import audit
from jobmatch.extensions import db
from jobmatch.modelbase import utcnow
from workshops import settings
from workshops.models import Attendance, AttendanceKind, AttendanceStatus, EmploymentInterruption

# Statuses that mean no work (and no pay) that day.
NOT_WORKING = frozenset({AttendanceStatus.absent, AttendanceStatus.leave})
# How far around a saved day a run is looked for (calendar days each way).
RUN_WINDOW_DAYS = 120


def _runs(days: list[date], statuses: dict[date, AttendanceStatus], around: date) -> tuple[date, date, int] | None:
    """The run of not-working working days that contains `around`: (first, last, length)."""
    if statuses.get(around) not in NOT_WORKING:
        return None
    index = days.index(around)
    first = last = index
    while first > 0 and statuses.get(days[first - 1]) in NOT_WORKING:
        first -= 1
    while last < len(days) - 1 and statuses.get(days[last + 1]) in NOT_WORKING:
        last += 1
    return days[first], days[last], last - first + 1


@functools.cache
def _statuses_query() -> sa.Select:
    """The workshop's working days between `:since` and `:until`, with the statuses of `:laborer_ids` on them:
    built once."""
    mine = Attendance.laborer_id.in_(sa.bindparam("laborer_ids", expanding=True))
    return (
        sa.select(Attendance.day, sa.case((mine, Attendance.laborer_id)), sa.case((mine, Attendance.status)))
        .where(
            Attendance.kind == AttendanceKind.workshop,
            Attendance.workshop_id == sa.bindparam("workshop_id", type_=sa.Integer()),
            Attendance.day.between(sa.bindparam("since", type_=sa.Date()), sa.bindparam("until", type_=sa.Date())),
        )
        .distinct()
    )


def detect(
    workshop_id: int, day: date, laborer_ids: list[int], villages: dict[int, int], employments: dict[int, int]
) -> list[EmploymentInterruption]:
    """Raise or extend signals for the laborers just saved absent or on leave on `day` at the workshop (in the
    caller's transaction); `villages` and `employments` give each one's village and the day's employment.

    One query reads the workshop's working days around the day and these laborers' statuses on them.
    """
    threshold = int(settings.setting("LONG_ABSENCE_WORKING_DAYS") or 0)
    if threshold <= 0 or not laborer_ids:
        return []
    params = {
        "workshop_id": workshop_id,
        "since": day - timedelta(days=RUN_WINDOW_DAYS),
        "until": day + timedelta(days=RUN_WINDOW_DAYS),
        "laborer_ids": laborer_ids,
    }
    rows = db.session.execute(_statuses_query(), params).all()
    days = sorted({when for when, _, _ in rows})
    statuses: dict[int, dict[date, AttendanceStatus]] = {}
    for when, laborer_id, status in rows:
        if laborer_id is not None:
            statuses.setdefault(laborer_id, {})[when] = AttendanceStatus(status)
    raised: list[EmploymentInterruption] = []
    for laborer_id in sorted(set(laborer_ids)):
        run = _runs(days, statuses.get(laborer_id, {}), day)
        if run is None or run[2] < threshold:
            continue
        raised.append(_record(laborer_id, villages[laborer_id], employments[laborer_id], workshop_id, run))
    return raised


def _record(
    laborer_id: int, village_id: int, employment_id: int, workshop_id: int, run: tuple[date, date, int]
) -> EmploymentInterruption:
    """One row per run: a longer run that starts on the same day extends it."""
    first, last, length = run
    signal = db.session.execute(
        sa.select(EmploymentInterruption).where(
            EmploymentInterruption.employment_id == employment_id,
            EmploymentInterruption.first_absent_day == first,
        )
    ).scalar_one_or_none()
    if signal is None:
        signal = EmploymentInterruption(
            laborer_id=laborer_id,
            village_id=village_id,
            employment_id=employment_id,
            workshop_id=workshop_id,
            first_absent_day=first,
            last_absent_day=last,
            absent_days=length,
        )
        db.session.add(signal)
        db.session.flush()
        audit.record("create", "employment_interruptions", signal.id, {"first": first.isoformat(), "days": length})
    elif (signal.last_absent_day, signal.absent_days) != (last, length):
        signal.last_absent_day = last
        signal.absent_days = max(signal.absent_days, length)
    return signal


def pending_signals(limit: int = 1000) -> list[EmploymentInterruption]:
    """Signals monitoring has not yet turned into alerts, oldest first."""
    return list(
        db.session.execute(
            sa.select(EmploymentInterruption)
            .where(EmploymentInterruption.consumed_at.is_(None))
            .order_by(EmploymentInterruption.id)
            .limit(limit)
        ).scalars()
    )


def mark_consumed(signal: EmploymentInterruption) -> None:
    """Monitoring made its alert from this signal (committed with the alert)."""
    signal.consumed_at = utcnow()

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

from datetime import date, timedelta

import sqlalchemy as sa

from jobmatch.accounts import audit
from jobmatch.extensions import db
from jobmatch.modelbase import utcnow
from jobmatch.people.models import Household, Laborer
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


def detect(workshop_id: int, day: date, laborer_ids: list[int]) -> list[EmploymentInterruption]:
    """Raise or extend signals for the laborers just saved on `day` at the workshop (in the caller's transaction)."""
    threshold = int(settings.setting("LONG_ABSENCE_WORKING_DAYS") or 0)
    if threshold <= 0 or not laborer_ids:
        return []
    db.session.flush()
    window = (day - timedelta(days=RUN_WINDOW_DAYS), day + timedelta(days=RUN_WINDOW_DAYS))
    in_window = sa.and_(
        Attendance.kind == AttendanceKind.workshop,
        Attendance.workshop_id == workshop_id,
        Attendance.day.between(*window),
    )
    absent_today = db.session.execute(
        sa.select(Attendance.laborer_id).where(
            in_window, Attendance.day == day, Attendance.laborer_id.in_(laborer_ids), Attendance.status.in_(NOT_WORKING)
        )
    ).scalars()
    candidates = set(absent_today)
    if not candidates:
        return []
    days = sorted(set(db.session.execute(sa.select(Attendance.day).where(in_window).distinct()).scalars()))
    rows = db.session.execute(
        sa.select(Attendance.laborer_id, Attendance.day, Attendance.status, Attendance.employment_id).where(
            in_window, Attendance.laborer_id.in_(candidates)
        )
    ).all()
    statuses: dict[int, dict[date, AttendanceStatus]] = {}
    employment: dict[int, int] = {}
    for laborer_id, when, status, employment_id in rows:
        statuses.setdefault(laborer_id, {})[when] = status
        if when == day:
            employment[laborer_id] = employment_id
    villages = dict(
        db.session.execute(
            sa.select(Laborer.id, Household.village_id)
            .join(Household, Household.id == Laborer.household_id)
            .where(Laborer.id.in_(candidates))
        ).all()
    )
    raised: list[EmploymentInterruption] = []
    for laborer_id in sorted(candidates):
        run = _runs(days, statuses.get(laborer_id, {}), day)
        if run is None or run[2] < threshold:
            continue
        raised.append(_record(laborer_id, villages[laborer_id], employment[laborer_id], workshop_id, run))
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

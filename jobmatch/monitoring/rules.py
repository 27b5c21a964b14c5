"""The alert rules: each finds the causes a village's cadres must follow up, with a key per cause.

Thresholds are settings: `app.config[NAME]`, else the environment variable
`JOBMATCH_NAME`, else the default below.

A cause key names one event (an employment that ended, an absence run, the day a
household's last job ended), so running the rules again finds the same keys and
raises nothing new; once a cause is resolved it is not raised again, and a new
event (another job lost) makes a new key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app, has_app_context

from jobmatch.extensions import db
from jobmatch.monitoring.models import AlertKind
from jobmatch.people.models import Household, Laborer
from jobmatch.placements.models import Employment
from jobmatch.vocab import MONITORED_CATEGORIES, Willingness
from workshops import absences
from workshops.models import EmploymentInterruption

DEFAULTS: dict[str, int] = {
    # A household with willing members and nobody employed for this many days raises an alert.
    "ALERT_NO_ONE_EMPLOYED_DAYS": 30,
    # Employments that ended at most this many days ago raise an alert (older ones are history).
    "ALERT_ENDED_LOOKBACK_DAYS": 30,
}


def setting(name: str) -> int:
    if has_app_context() and name in current_app.config:
        return int(current_app.config[name])
    return int(os.environ.get(f"JOBMATCH_{name}", DEFAULTS[name]))


@dataclass
class Cause:
    kind: AlertKind
    key: str
    household_id: int
    village_id: int
    since: date
    laborer_id: int | None = None
    detail: dict = field(default_factory=dict)
    # An absence signal to mark consumed once its alert exists.
    signal: EmploymentInterruption | None = None


def _open_on(day: date) -> sa.ColumnElement[bool]:
    return sa.and_(Employment.start_date <= day, sa.or_(Employment.end_date.is_(None), Employment.end_date >= day))


def _households(household_ids: set[int] | None) -> sa.Select:
    query = sa.select(Household.id, Household.village_id, Household.category)
    return query if household_ids is None else query.where(Household.id.in_(household_ids))


def _employment_facts(household_ids: set[int] | None) -> tuple[set[int], dict[int, tuple[date, int, int]]]:
    """Households with someone employed now, and each household's latest ended employment (end, id, laborer)."""
    query = sa.select(
        Laborer.household_id, Employment.id, Employment.laborer_id, Employment.end_date, Employment.start_date
    ).join(Laborer, Laborer.id == Employment.laborer_id)
    if household_ids is not None:
        query = query.where(Laborer.household_id.in_(household_ids))
    employed: set[int] = set()
    last_end: dict[int, tuple[date, int, int]] = {}
    for household_id, employment_id, laborer_id, end, _start in db.session.execute(query):
        if end is None:
            employed.add(household_id)
        elif household_id not in last_end or (end, employment_id) > last_end[household_id][:2]:
            last_end[household_id] = (end, employment_id, laborer_id)
    return employed, last_end


def no_one_employed(today: date, household_ids: set[int] | None = None) -> list[Cause]:
    """Households with willing members and nobody employed for ALERT_NO_ONE_EMPLOYED_DAYS days or more.

    Nobody has been employed since the last employment ended, or (never employed) since the
    first willing member registered.
    """
    days = setting("ALERT_NO_ONE_EMPLOYED_DAYS")
    willing_since: dict[int, date] = {}
    query = sa.select(Laborer.household_id, sa.func.min(Laborer.registered_on)).where(
        Laborer.willingness != Willingness.none
    )
    if household_ids is not None:
        query = query.where(Laborer.household_id.in_(household_ids))
    for household_id, registered in db.session.execute(query.group_by(Laborer.household_id)):
        willing_since[household_id] = registered
    employed, last_end = _employment_facts(set(willing_since) if household_ids is None else household_ids)
    causes = []
    for household_id, village_id, _category in db.session.execute(_households(set(willing_since))):
        if household_id in employed:
            continue
        ended = last_end.get(household_id)
        since = ended[0] + timedelta(days=1) if ended else willing_since[household_id]
        if (today - since).days < days:
            continue
        causes.append(
            Cause(
                AlertKind.no_one_employed,
                f"no_one_employed:h{household_id}:{since.isoformat()}",
                household_id,
                village_id,
                since,
                detail={"days_without_work": (today - since).days},
            )
        )
    return causes


def employment_ended(today: date, household_ids: set[int] | None = None) -> list[Cause]:
    """Employments that ended in the last ALERT_ENDED_LOOKBACK_DAYS days."""
    lookback = today - timedelta(days=setting("ALERT_ENDED_LOOKBACK_DAYS"))
    query = (
        sa.select(Employment, Household.id, Household.village_id)
        .join(Laborer, Laborer.id == Employment.laborer_id)
        .join(Household, Household.id == Laborer.household_id)
        .where(Employment.end_date.is_not(None), Employment.end_date >= lookback, Employment.end_date <= today)
    )
    if household_ids is not None:
        query = query.where(Household.id.in_(household_ids))
    return [
        Cause(
            AlertKind.employment_ended,
            f"employment_ended:e{job.id}",
            household_id,
            village_id,
            job.end_date,
            laborer_id=job.laborer_id,
            detail={
                "employment_id": job.id,
                "kind": job.kind.value,
                "end_reason": job.end_reason.value if job.end_reason else None,
            },
        )
        for job, household_id, village_id in db.session.execute(query)
    ]


def monitored_lost_work(today: date, household_ids: set[int] | None = None) -> list[Cause]:
    """Monitored households (unstable, marginal, sudden hardship) whose last employed member recently left."""
    lookback = today - timedelta(days=setting("ALERT_ENDED_LOOKBACK_DAYS"))
    query = _households(household_ids).where(Household.category.in_(MONITORED_CATEGORIES))
    households = {hid: village for hid, village, _ in db.session.execute(query)}
    if not households:
        return []
    employed, last_end = _employment_facts(set(households))
    causes = []
    for household_id, village_id in households.items():
        if household_id in employed or household_id not in last_end:
            continue
        end, employment_id, laborer_id = last_end[household_id]
        if end < lookback or end > today:
            continue
        causes.append(
            Cause(
                AlertKind.monitored_lost_work,
                f"monitored_lost_work:h{household_id}:e{employment_id}",
                household_id,
                village_id,
                end,
                laborer_id=laborer_id,
                detail={"employment_id": employment_id},
            )
        )
    return causes


def long_absence(today: date, household_ids: set[int] | None = None) -> list[Cause]:
    """The workshops' employment-interruption signals not yet turned into alerts."""
    signals = absences.pending_signals()
    if not signals:
        return []
    households = dict(
        db.session.execute(
            sa.select(Laborer.id, Laborer.household_id).where(Laborer.id.in_({s.laborer_id for s in signals}))
        ).all()
    )
    return [
        Cause(
            AlertKind.long_absence,
            f"long_absence:i{signal.id}",
            households[signal.laborer_id],
            signal.village_id,
            signal.first_absent_day,
            laborer_id=signal.laborer_id,
            detail={
                "interruption_id": signal.id,
                "employment_id": signal.employment_id,
                "workshop_id": signal.workshop_id,
                "absent_days": signal.absent_days,
                "last_absent_day": signal.last_absent_day.isoformat(),
            },
            signal=signal,
        )
        for signal in signals
        if household_ids is None or households[signal.laborer_id] in household_ids
    ]


RULES = (no_one_employed, employment_ended, monitored_lost_work, long_absence)

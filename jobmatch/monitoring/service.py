"""Raising alerts from the rules, listing them in scope, and moving them open → following up → resolved."""

from __future__ import annotations

import logging
from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from jobmatch.accounts import audit
from jobmatch.accounts.scope import current_scope, get_in_scope, restrict
from jobmatch.errors import Collector, Conflict, FieldError
from jobmatch.extensions import db
from jobmatch.modelbase import utcnow
from jobmatch.monitoring import rules
from jobmatch.monitoring.models import URGENCY, Alert, AlertEvent, AlertKind, AlertRun, AlertStatus
from jobmatch.people.models import Laborer, Region
from jobmatch.people.queries import in_region, where_all
from jobmatch.placements.models import Employment
from workshops import absences
from workshops.attendance import AT_WORK
from workshops.models import Attendance
from workshops.settings import today as china_today

logger = logging.getLogger(__name__)
MAX_NOTE_LENGTH = 2000

# The steps a cadre may take from each status.
ALLOWED_NEXT: dict[AlertStatus, tuple[AlertStatus, ...]] = {
    AlertStatus.open: (AlertStatus.following_up, AlertStatus.resolved),
    AlertStatus.following_up: (AlertStatus.resolved,),
    AlertStatus.resolved: (),
}


def _tally(tally: dict | None, village_ids: dict[int, str], village_id: int, kind: AlertKind) -> None:
    """Count one alert under its county (the first 6 digits of the village's code), for the run's record."""
    if tally is not None:
        county = tally.setdefault(village_ids[village_id], {})
        county[kind.value] = county.get(kind.value, 0) + 1


def _county_codes(village_ids: set[int]) -> dict[int, str]:
    if not village_ids:
        return {}
    rows = db.session.execute(sa.select(Region.id, Region.code).where(Region.id.in_(village_ids))).all()
    return {region_id: code[:6] for region_id, code in rows}


def run(today: date | None = None, household_ids: set[int] | None = None, tally: dict | None = None) -> dict[str, int]:
    """Apply every rule and raise an alert for each cause not raised before; returns the alerts made, by kind.

    Safe to run again: a cause already raised (open, followed up or resolved) is skipped.
    The caller commits.
    """
    today = today or china_today()
    made = dict.fromkeys((k.value for k in AlertKind), 0)
    causes = [cause for rule in rules.RULES for cause in rule(today, household_ids)]
    if not causes:
        return made
    known = set(
        db.session.execute(sa.select(Alert.cause_key).where(Alert.cause_key.in_({c.key for c in causes}))).scalars()
    )
    now = utcnow()
    counties = _county_codes({c.village_id for c in causes}) if tally is not None else {}
    for cause in causes:
        if cause.key not in known:
            known.add(cause.key)
            alert = Alert(
                kind=cause.kind,
                status=AlertStatus.open,
                cause_key=cause.key,
                household_id=cause.household_id,
                laborer_id=cause.laborer_id,
                village_id=cause.village_id,
                since=cause.since,
                detail=cause.detail,
                status_since=now,
            )
            db.session.add(alert)
            db.session.flush()
            db.session.add(AlertEvent(alert_id=alert.id, from_status=None, to_status=AlertStatus.open, occurred_at=now))
            audit.record("create", "alerts", alert.id, {"kind": cause.kind.value})
            made[cause.kind.value] += 1
            _tally(tally, counties, cause.village_id, cause.kind)
        if cause.signal is not None:
            absences.mark_consumed(cause.signal)
    logger.info("alerts raised: %s", made)
    return made


def after_event(household_id: int) -> None:
    """Right after an event (a hire, an employment ending, a day of attendance): raise what the rules now see for
    the household and close what no longer holds (in the caller's transaction)."""
    run(household_ids={household_id})
    close_settled(household_ids={household_id})


def households_absent_until_now(laborer_ids: set[int]) -> list[int]:
    """Households of these laborers with a long-absence alert still open (one query: a day sheet's save asks)."""
    return list(
        db.session.scalars(
            sa.select(Alert.household_id).where(
                Alert.laborer_id.in_(laborer_ids),
                Alert.kind == AlertKind.long_absence,
                Alert.status != AlertStatus.resolved,
            )
        )
    )


# Kinds whose cause is "nobody in the household works": settled by any member's work open on the day.
_SETTLED_BY_WORK = (AlertKind.no_one_employed, AlertKind.monitored_lost_work)


def _work_that_settles(household_ids: set[int], today: date) -> dict[int, Employment]:
    """For each household, the most recent employment of a member open today."""
    rows = db.session.execute(
        sa.select(Laborer.household_id, Employment)
        .join(Employment, Employment.laborer_id == Laborer.id)
        .where(
            Laborer.household_id.in_(household_ids),
            Employment.start_date <= today,
            sa.or_(Employment.end_date.is_(None), Employment.end_date >= today),
        )
        .order_by(Employment.start_date, Employment.id)
    ).all()
    return {household_id: job for household_id, job in rows}


def _return_to_work(alert: Alert) -> Attendance | None:
    """The first day at work recorded after the absence that raised the alert."""
    last_absent = date.fromisoformat(alert.detail.get("last_absent_day") or alert.since.isoformat())
    return db.session.execute(
        sa.select(Attendance)
        .where(Attendance.laborer_id == alert.laborer_id, Attendance.day > last_absent, Attendance.status.in_(AT_WORK))
        .order_by(Attendance.day)
        .limit(1)
    ).scalar_one_or_none()


def close_settled(
    today: date | None = None, household_ids: set[int] | None = None, tally: dict | None = None
) -> dict[str, int]:
    """Resolve the alerts whose cause no longer holds, each with why: a member in work (which job, from when),
    a return to work (which day). Returns the alerts closed, by kind. The caller commits."""
    today = today or china_today()
    query = sa.select(Alert).where(
        Alert.status != AlertStatus.resolved, Alert.kind.in_((*_SETTLED_BY_WORK, AlertKind.long_absence))
    )
    if household_ids is not None:
        query = query.where(Alert.household_id.in_(household_ids))
    pending = db.session.execute(query).scalars().all()
    closed = dict.fromkeys((k.value for k in AlertKind), 0)
    if not pending:
        return closed
    working = _work_that_settles({a.household_id for a in pending if a.kind in _SETTLED_BY_WORK}, today)
    counties = _county_codes({a.village_id for a in pending}) if tally is not None else {}
    for alert in pending:
        note = None
        if alert.kind in _SETTLED_BY_WORK and alert.household_id in working:
            job = working[alert.household_id]
            note = (
                f"自动关闭：家中已有成员就业（就业记录 {job.id}，{job.start_date.isoformat()} 起）"
                f" / closed: a member is in work (employment {job.id} from {job.start_date.isoformat()})"
            )
        elif alert.kind == AlertKind.long_absence and alert.laborer_id is not None:
            back = _return_to_work(alert)
            if back is not None:
                note = f"自动关闭：{back.day.isoformat()} 已返岗 / closed: back at work on {back.day.isoformat()}"
        if note is not None:
            _resolve(alert, note)
            closed[alert.kind.value] += 1
            _tally(tally, counties, alert.village_id, alert.kind)
    if any(closed.values()):
        logger.info("alerts closed: %s", closed)
    return closed


def _resolve(alert: Alert, note: str) -> None:
    now = utcnow()
    previous = alert.status
    alert.status, alert.status_since, alert.resolved_at = AlertStatus.resolved, now, now
    db.session.add(
        AlertEvent(alert_id=alert.id, from_status=previous, to_status=AlertStatus.resolved, occurred_at=now, note=note)
    )
    audit.record("update", "alerts", alert.id, {"status": {"from": previous.value, "to": "resolved"}, "why": note})


def run_daily(trigger: str = "schedule", today: date | None = None) -> AlertRun | None:
    """Today's run of the rules, exactly once across every worker and server; None if it ran or runs elsewhere.

    The run's row is inserted and committed first: its unique day is the lock. A run that fails removes its
    row, so the next check tries again.
    """
    today = today or china_today()
    row = AlertRun(day=today, trigger=trigger, started_at=utcnow(), raised={}, closed={})
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    try:
        # Counts by county ({"361125": {"no_one_employed": 3}}): each county's staff see their own.
        raised: dict = {}
        closed: dict = {}
        run(today, tally=raised)
        close_settled(today, tally=closed)
        row.raised, row.closed, row.finished_at = raised, closed, utcnow()
        db.session.commit()
    except Exception:
        db.session.rollback()
        db.session.execute(sa.delete(AlertRun).where(AlertRun.id == row.id))
        db.session.commit()
        raise
    logger.info("daily alert run %s (%s): raised %s, closed %s", today, trigger, raised, closed)
    return row


def latest_runs(limit: int = 14) -> list[dict]:
    """The most recent daily runs, newest first, each with the counts of the caller's counties only."""
    scope = current_scope()
    runs = db.session.execute(sa.select(AlertRun).order_by(AlertRun.day.desc()).limit(limit)).scalars()

    def mine(by_county: dict) -> dict[str, int]:
        total = dict.fromkeys((k.value for k in AlertKind), 0)
        for county, counts in by_county.items():
            if scope.everything or county in scope.county_prefixes:
                for kind, n in counts.items():
                    total[kind] = total.get(kind, 0) + n
        return total

    return [
        {
            "day": r.day,
            "trigger": r.trigger,
            "started_at": r.started_at,
            "finished_at": r.finished_at,
            "raised": mine(r.raised),
            "closed": mine(r.closed),
        }
        for r in runs
    ]


def alerts(f: dict) -> sa.Select:
    """Alerts in scope, most urgent first: unresolved before resolved, by kind, then oldest cause first."""
    urgency = sa.case(*((Alert.kind == kind, rank) for kind, rank in URGENCY.items()), else_=9)
    resolved_last = sa.case((Alert.status == AlertStatus.resolved, 1), else_=0)
    query = restrict(
        sa.select(Alert)
        .join(Region, Region.id == Alert.village_id)
        .order_by(resolved_last, urgency, Alert.since, Alert.id),
        Alert,
    )
    return where_all(
        query,
        in_region(f.get("region")),
        Alert.status == f["status"] if f.get("status") else None,
        Alert.kind == f["kind"] if f.get("kind") else None,
        Alert.household_id == f["household_id"] if f.get("household_id") else None,
        Alert.laborer_id == f["laborer_id"] if f.get("laborer_id") else None,
    )


def transition(alert_id: int, data: dict) -> Alert:
    """Move an alert to its next status with a note; resolving needs one."""
    alert = get_in_scope(Alert, alert_id, "Alert", "预警")
    to = AlertStatus(data["to"])
    note = (data.get("note") or "").strip() or None
    errors = Collector()
    if to not in ALLOWED_NEXT[alert.status]:
        raise Conflict(
            [
                FieldError(
                    "to",
                    "not_allowed",
                    f"预警当前状态不能转为该状态（当前：{alert.status.value}）",
                    f"an alert that is {alert.status.value} cannot move to {to.value}",
                )
            ],
            extra={"allowed_next": [s.value for s in ALLOWED_NEXT[alert.status]]},
        )
    if to == AlertStatus.resolved and note is None:
        errors.add("note", "required", "解决预警须填写处理说明", "a note is required to resolve an alert")
    if note is not None and len(note) > MAX_NOTE_LENGTH:
        errors.add("note", "too_long", "说明过长", f"the note is longer than {MAX_NOTE_LENGTH} characters")
    errors.raise_if_any()
    now = utcnow()
    previous = alert.status
    changed = db.session.execute(
        sa.update(Alert)
        .where(Alert.id == alert.id, Alert.status == previous)
        .values(status=to, status_since=now, resolved_at=now if to == AlertStatus.resolved else None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:
        raise Conflict([FieldError("to", "changed", "预警已被他人更新，请刷新", "the alert was changed meanwhile")])
    db.session.add(AlertEvent(alert_id=alert.id, from_status=previous, to_status=to, occurred_at=now, note=note))
    audit.record("update", "alerts", alert.id, {"status": {"from": previous.value, "to": to.value}})
    db.session.commit()
    db.session.refresh(alert)
    return alert

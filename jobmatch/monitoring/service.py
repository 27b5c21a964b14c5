"""Raising alerts from the rules, listing them in scope, and moving them open → following up → resolved."""

from __future__ import annotations

import logging
from datetime import date

import sqlalchemy as sa

from jobmatch.accounts import audit
from jobmatch.accounts.scope import get_in_scope, restrict
from jobmatch.errors import Collector, Conflict, FieldError
from jobmatch.extensions import db
from jobmatch.modelbase import utcnow
from jobmatch.monitoring import rules
from jobmatch.monitoring.models import URGENCY, Alert, AlertEvent, AlertKind, AlertStatus
from jobmatch.people.models import Region
from jobmatch.people.queries import in_region, where_all
from workshops import absences
from workshops.settings import today as china_today

logger = logging.getLogger(__name__)
MAX_NOTE_LENGTH = 2000

# The steps a cadre may take from each status.
ALLOWED_NEXT: dict[AlertStatus, tuple[AlertStatus, ...]] = {
    AlertStatus.open: (AlertStatus.following_up, AlertStatus.resolved),
    AlertStatus.following_up: (AlertStatus.resolved,),
    AlertStatus.resolved: (),
}


def run(today: date | None = None, household_ids: set[int] | None = None) -> dict[str, int]:
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
        if cause.signal is not None:
            absences.mark_consumed(cause.signal)
    logger.info("alerts raised: %s", made)
    return made


def after_event(household_id: int) -> None:
    """Run the rules for one household right after an event that may trigger them (in the caller's transaction)."""
    run(household_ids={household_id})


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

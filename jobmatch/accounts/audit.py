"""The append-only audit trail: every write, reveal and export of personal data."""

from __future__ import annotations

import functools
import logging
from datetime import datetime

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy.dialects import postgresql

from jobmatch import bulk
from jobmatch.accounts.models import AuditEvent
from jobmatch.extensions import db
from jobmatch.modelbase import current_actor_id, utcnow

logger = logging.getLogger(__name__)


def record(action: str, entity_type: str, entity_id: int, changes: dict | None = None) -> AuditEvent:
    """Add an event to the session; it is committed with the change it describes."""
    event = AuditEvent(
        actor_id=current_actor_id(),
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        changes=changes or {},
        remote_addr=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    # The log names the action and the record, never the values (they may be personal).
    logger.info("audit %s %s#%s by user %s", action, entity_type, entity_id, event.actor_id)
    return event


def record_many(entity_type: str, events: list[tuple[str, int, dict]]) -> None:
    """Write many events (action, entity id, changes) in one statement, in the caller's transaction."""
    if not events:
        return
    if bulk.is_postgresql():
        rows = [{"action": a, "entity_id": i, "changes": c} for a, i, c in events]
        db.session.execute(_events_insert(), events_params(entity_type) | {"events": bulk.document(rows)})
    else:
        actor = current_actor_id()
        remote_addr = request.remote_addr if has_request_context() else None
        db.session.execute(
            sa.insert(AuditEvent.__table__),
            [
                {
                    "occurred_at": utcnow(),
                    "actor_id": actor,
                    "action": action,
                    "entity_type": entity_type,
                    "entity_id": entity_id,
                    "changes": changes,
                    "remote_addr": remote_addr,
                }
                for action, entity_id, changes in events
            ],
        )
    log_many(entity_type, [(action, entity_id) for action, entity_id, _ in events])


def log_many(entity_type: str, events: list[tuple[str, int]]) -> None:
    """The log lines of events written (action, entity id): never their values."""
    actor = current_actor_id()
    for action, entity_id in events:
        logger.info("audit %s %s#%s by user %s", action, entity_type, entity_id, actor)


def events_insert(rows: sa.Select) -> sa.Insert:
    """PostgreSQL: an INSERT of the events `rows` selects (action, entity id, changes as JSON), of the entity type,
    actor and address `events_params` gives, to build once into a statement (jobmatch.bulk)."""
    table = AuditEvent.__table__
    action, entity_id, changes = rows.selected_columns
    return sa.insert(table).from_select(
        ["occurred_at", "actor_id", "action", "entity_type", "entity_id", "changes", "remote_addr"],
        rows.with_only_columns(
            sa.bindparam("audit_occurred_at", type_=table.c.occurred_at.type),
            sa.bindparam("audit_actor_id", type_=table.c.actor_id.type),
            action,
            sa.bindparam("audit_entity_type", type_=table.c.entity_type.type),
            entity_id,
            sa.func.coalesce(changes, bulk.JSON_NULL),
            sa.bindparam("audit_remote_addr", type_=table.c.remote_addr.type),
            maintain_column_froms=True,
        ),
    )


def events_params(entity_type: str) -> dict:
    """The parameters of an `events_insert`: the request's actor and address, now."""
    return {
        "audit_occurred_at": utcnow(),
        "audit_actor_id": current_actor_id(),
        "audit_entity_type": entity_type,
        "audit_remote_addr": request.remote_addr if has_request_context() else None,
    }


# What differs from one event to the next of a `record_many` (jobmatch.bulk).
_EVENT_COLUMNS = {"action": sa.String(), "entity_id": sa.Integer(), "changes": postgresql.JSON()}


@functools.cache
def _events_insert() -> sa.Insert:
    """PostgreSQL: the events of a `record_many` bound as one document (jobmatch.bulk); built once."""
    events = bulk.rows_of("events", _EVENT_COLUMNS)
    return events_insert(sa.select(events.c.action, events.c.entity_id, events.c.changes))


def search(
    entity_type: str | None = None,
    entity_id: int | None = None,
    actor_id: int | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> sa.Select:
    """Events matching the filters, newest first."""
    query = sa.select(AuditEvent).order_by(AuditEvent.id.desc())
    for column, value in (
        (AuditEvent.entity_type, entity_type),
        (AuditEvent.entity_id, entity_id),
        (AuditEvent.actor_id, actor_id),
        (AuditEvent.action, action),
    ):
        if value is not None:
            query = query.where(column == value)
    if since is not None:
        query = query.where(AuditEvent.occurred_at >= since)
    if until is not None:
        query = query.where(AuditEvent.occurred_at < until)
    return query


@sa.event.listens_for(AuditEvent, "before_update")
def _refuse_update(mapper, connection, target) -> None:
    raise RuntimeError("audit events are append-only")


@sa.event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(mapper, connection, target) -> None:
    raise RuntimeError("audit events are append-only")

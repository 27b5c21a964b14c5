"""Creating and updating records the same way everywhere: validate all, write all, audit.

A service describes an entity by a `clean` function (field by field: normalise,
resolve codes, collect errors) and a `check` function (rules across fields on
the merged state). `save` runs both and writes only when nothing is wrong, so a
rejected request changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy.exc import IntegrityError

from jobmatch.accounts import audit, scope
from jobmatch.errors import Collector, Conflict, FieldError, Problem
from jobmatch.extensions import db

# Personal fields (with the birth date and sex the ID number encodes): the audit trail records that they
# changed, never their values.
PERSONAL_FIELDS = frozenset({"id_number", "phone", "health_note", "contact_phone", "birth_date", "sex"})

CleanFn = Callable[[dict, Collector, Any], dict]
# A check may return values it derives (e.g. a site's coordinates from its region).
CheckFn = Callable[[dict, Collector, Any], dict | None]


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


# Inside `checking()`, saves run every rule and raise what is wrong, but write nothing.
_checking: ContextVar[bool] = ContextVar("checking", default=False)


@contextmanager
def checking() -> Iterator[None]:
    """Run saves for their errors only: each raises its Problem as usual, or returns None having changed nothing.

    A roster import uses it to list every error of a row that has a cell it cannot read.
    """
    token = _checking.set(True)
    try:
        yield
    finally:
        _checking.reset(token)


def column_state(obj: Any) -> dict:
    """The current column values of a row."""
    return {c.key: getattr(obj, c.key) for c in obj.__mapper__.column_attrs}


def save(
    model: type,
    obj: Any | None,
    data: dict,
    clean: CleanFn,
    check: CheckFn,
    required: tuple[str, ...] = (),
    defaults: dict | None = None,
    *,
    commit: bool = True,
    deferred: list | None = None,
) -> Any:
    """Create (obj is None) or update a row from input data, or raise without changing anything.

    commit=False only flushes, for callers that commit many records as one batch (roster imports);
    with a `deferred` list it does not even flush: `finish_deferred` flushes the batch and audits it.
    """
    errors = Collector()
    if obj is None:
        for name in required:
            if data.get(name) in (None, ""):
                errors.add(name, "required", "必填", "required")
    values = clean(data, errors, obj)
    scope.check_scope_fields(model, obj, data, values)
    state = (defaults or {}) | (column_state(obj) if obj is not None else {}) | values
    values |= check(state, errors, obj) or {}
    errors.raise_if_any()
    if _checking.get():
        return None

    changes: dict[str, Any] = {}
    if obj is None:
        obj = model(**((defaults or {}) | values))
        db.session.add(obj)
        changes = {k: _audit_value(k, v) for k, v in values.items()}
        action = "create"
    else:
        for key, value in values.items():
            old = getattr(obj, key)
            if old != value:
                changes[key] = {"from": _audit_value(key, old), "to": _audit_value(key, value)}
                setattr(obj, key, value)
        action = "update"
    if deferred is not None:
        if action == "create" or changes:
            deferred.append((action, model.__tablename__, obj, changes))
        return obj
    if action == "create" or changes:
        flush_or_conflict(rollback=commit)
        if action == "create":
            _created_in_scope(model, obj, rollback=commit)
        audit.record(action, model.__tablename__, obj.id, changes)
    if commit:
        db.session.commit()
    return obj


def _created_in_scope(model: type, obj: Any, rollback: bool) -> None:
    try:
        scope.check_created_in_scope(model, obj)
    except Problem:
        if rollback:
            db.session.rollback()
        raise


def finish_deferred(deferred: list) -> None:
    """Flush the records saved with a `deferred` list in one go and add their audit events."""
    flush_or_conflict(rollback=False)
    for action, table, obj, changes in deferred:
        audit.record(action, table, obj.id, changes)
    deferred.clear()


def _audit_value(key: str, value: Any) -> Any:
    if key in PERSONAL_FIELDS:
        return "(changed)" if value is not None else None
    return _jsonable(value)


def flush_or_conflict(rollback: bool = True) -> None:
    """Flush; a unique constraint that a concurrent request won becomes a 409.

    rollback=False leaves the rollback to a caller that owns the transaction (a batch).
    """
    try:
        db.session.flush()
    except IntegrityError as exc:
        if rollback:
            db.session.rollback()
        raise Conflict([FieldError("", "duplicate", "与已有记录重复", "duplicates an existing record")]) from exc


def page_of(query, page: int, per_page: int) -> dict:
    """One page of a select() with the totals the API reports."""
    result = db.paginate(query, page=page, per_page=per_page, error_out=False, count=True)
    return {
        "items": result.items,
        "pagination": {
            "page": result.page,
            "per_page": result.per_page,
            "pages": result.pages,
            "total": result.total,
        },
    }


def page_of_items(items: list, page: int, per_page: int) -> dict:
    """One page of a list computed in Python, in the same shape as page_of."""
    return {
        "items": items[(page - 1) * per_page : page * per_page],
        "pagination": {"page": page, "per_page": per_page, "pages": -(-len(items) // per_page), "total": len(items)},
    }

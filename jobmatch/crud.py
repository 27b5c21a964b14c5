"""Creating and updating records the same way everywhere: validate all, write all, audit.

A service describes an entity by a `clean` function (field by field: normalise,
resolve codes, collect errors) and a `check` function (rules across fields on
the merged state). `save` runs both and writes only when nothing is wrong, so a
rejected request changes nothing.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

from jobmatch.accounts import audit, scope
from jobmatch.errors import Collector, Conflict, FieldError, Problem, ValidationFailed
from jobmatch.extensions import db
from jobmatch.modelbase import UTCDateTime
from jobmatch.prepared import Shapes

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


# A list's total is counted exactly up to this many rows; past it, PostgreSQL's estimate of the rows is reported
# (`total_is_estimate`): counting a province's laborers on every page would cost more than the page.
EXACT_TOTAL_UP_TO = 10_000


def _order_keys(query: sa.Select) -> list[tuple[Any, bool]]:
    """The query's sort keys (expression, descending), ending with the listed entity's id so the order is total."""
    keys = []
    for clause in query._order_by_clauses:
        element, descending = clause, False
        if isinstance(clause, UnaryExpression) and clause.modifier in (operators.desc_op, operators.asc_op):
            element, descending = clause.element, clause.modifier is operators.desc_op
        keys.append((element, descending))
    entity = query.column_descriptions[0].get("entity")
    if entity is not None and hasattr(entity, "id"):
        last = keys[-1][0] if keys else None
        table = sa.inspect(entity).local_table
        if not (getattr(last, "primary_key", False) and getattr(last, "table", None) is table):
            keys.append((entity.id, keys[-1][1] if keys else False))
    return keys


def _cursor_value(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def _from_cursor(expression: Any, value: Any) -> Any:
    type_ = getattr(expression, "type", None)
    # A decorated type (UTCDateTime) says `object`: the type it stores as tells what the cursor holds.
    type_ = getattr(type_, "impl_instance", type_)
    try:
        kind = type_.python_type
    except (AttributeError, NotImplementedError):
        return value
    if value is None:
        return None
    if kind is datetime:
        moment = datetime.fromisoformat(value)
        if isinstance(expression.type, UTCDateTime) and moment.tzinfo is None:
            raise ValueError(value)
        return moment
    if kind is date:
        return date.fromisoformat(value)
    if kind is Decimal:
        return Decimal(value)
    return value


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps([_cursor_value(v) for v in values], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _bad_cursor() -> ValidationFailed:
    return ValidationFailed(
        [FieldError("query.cursor", "invalid_cursor", "翻页标记无效，请从第一页重新开始", "not a cursor of this list")]
    )


def decode_cursor(cursor: str, keys: list[tuple[Any, bool]]) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(keys) or any(isinstance(v, (list, dict)) for v in values):
            raise ValueError(cursor)
        return [_from_cursor(expression, value) for (expression, _), value in zip(keys, values, strict=True)]
    except (ValueError, TypeError, UnicodeDecodeError):
        raise _bad_cursor() from None


def _after(keys: list[tuple[Any, bool]], values: list[Any]) -> sa.ColumnElement[bool]:
    """Rows that come after `values` in the keys' order (a row comparison when every key goes the same way)."""
    if None in values:
        raise _bad_cursor()
    columns = [expression for expression, _ in keys]
    if len({descending for _, descending in keys}) == 1:
        # The values bound as their columns' types (a timestamp as a timestamp, not as the cursor's text).
        place = sa.tuple_(*values, types=[column.type for column in columns])
        if keys[0][1]:
            return sa.tuple_(*columns) < place
        return sa.tuple_(*columns) > place
    return sa.or_(
        *[
            sa.and_(
                *[columns[j] == values[j] for j in range(i)],
                columns[i] < values[i] if keys[i][1] else columns[i] > values[i],
            )
            for i in range(len(keys))
        ]
    )


def _estimate(query: sa.Select) -> int | None:
    """PostgreSQL's estimate of the rows a query returns (its planner's figure, no rows read)."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        return None
    # An IN list (a cadre's villages) is rendered out: EXPLAIN takes the statement as psycopg receives it.
    compiled = query.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    plan = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + compiled.string, compiled.params).scalar()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


def _ordered(query: sa.Select, keys: list[tuple[Any, bool]]) -> sa.Select:
    return query.order_by(None).order_by(*[e.desc() if d else e for e, d in keys])


def _keys_at(query: sa.Select, keys: list[tuple[Any, bool]], offset: int) -> list[Any] | None:
    """The sort keys of the row `offset` rows into an ordered select() (None past its end).

    A numbered page starts after them: OFFSET then skips the keys alone (an index, often), not whole rows with
    their joined ones (page 500 of a province's referrals: ten thousand rows joined and dropped).
    """
    narrow = query.with_only_columns(*[e for e, _ in keys])
    entity = query.column_descriptions[0].get("entity")
    if entity is not None:
        # The joins start from the listed entity, as in the whole select (a key may be an expression).
        narrow = narrow.select_from(entity)
    row = db.session.execute(narrow.offset(offset).limit(1)).first()
    return None if row is None else list(row)


def _capped_count(base: sa.Select) -> tuple[sa.Subquery, sa.Label]:
    """The rows of `base` counted up to one past EXACT_TOTAL_UP_TO, as a column the page's statement carries."""
    capped = base.order_by(None).limit(EXACT_TOTAL_UP_TO + 1).correlate(None).subquery()
    return capped, sa.select(sa.func.count()).select_from(capped).scalar_subquery().label("_total")


def page_of(
    query,
    page: int,
    per_page: int,
    cursor: str | None = None,
    whole_rows: bool = False,
    *,
    before: str | None = None,
    count: bool = False,
    back_links: bool = False,
) -> dict:
    """One page of a select() in one statement: by page number with the list's total, or after a cursor.

    Every page carries `next_cursor`, the place after its last row (None on the last page): a client goes
    through a list at any depth with it, and rows added meanwhile never show twice nor push others off a page.
    `before` (a page's `prev_cursor`, the place of its first row) goes back the same way; going back past the
    start gives page 1. The total comes with numbered pages, and with cursor pages too when `count` (the pages
    show it on every page), counted exactly up to EXACT_TOTAL_UP_TO rows and estimated past. `back_links` adds
    `prev_cursor` for the pages' 上一页 (the API takes no `before`, so its answers leave it out).
    """
    keys = _order_keys(query)
    query = _ordered(query, keys)
    base = query
    counted = capped = None
    back = bool(before) and not cursor
    if cursor or back:
        values = decode_cursor(cursor or before, keys)
        if back:
            # Walk backwards from the cursor: the order reversed, the rows put back in order below.
            reverse = [(e, not d) for e, d in keys]
            query = _ordered(query, reverse).where(_after(reverse, values))
        else:
            query = query.where(_after(keys, values))
        page = None
        if count:
            capped, counted = _capped_count(base)
            query = query.add_columns(counted)
    else:
        capped, counted = _capped_count(base)
        query = query.add_columns(counted)
        if page > 1:
            before_page = _keys_at(base, keys, (page - 1) * per_page - 1)
            # Past the list's end the page is empty (its statement still counts the list).
            query = query.where(sa.false() if before_page is None else _after(keys, before_page))
    query = query.add_columns(*[e.label(f"_key{i}") for i, (e, _) in enumerate(keys)]).limit(per_page + 1)
    result = db.session.execute(query)
    # whole_rows: a select of columns whose rows are the items (the page's own columns come after theirs).
    rows = result.all() if whole_rows else result.unique().all()
    more = len(rows) > per_page
    rows = rows[:per_page]
    if back:
        if not more:
            # Nothing before this page but these rows: it is the first page, numbered and full.
            return page_of(base, 1, per_page, whole_rows=whole_rows, back_links=back_links)
        rows.reverse()
    key_of = lambda row: encode_cursor(list(row[-len(keys) :]))  # noqa: E731
    if back:
        next_cursor, prev_cursor = key_of(rows[-1]), key_of(rows[0])
    else:
        next_cursor = key_of(rows[-1]) if more and rows else None
        prev_cursor = key_of(rows[0]) if rows and (cursor or page > 1) else None
    items = rows if whole_rows else [row[0] for row in rows]
    pagination = {"per_page": per_page, "next_cursor": next_cursor}
    if back_links:
        pagination["prev_cursor"] = prev_cursor
    out = {"items": items, "pagination": pagination}
    if counted is None:
        return out | {"pagination": pagination | {"page": None, "pages": None, "total": None}}
    if rows:
        total = rows[0][len(base.selected_columns) if whole_rows else 1]
    else:
        total = db.session.execute(sa.select(sa.func.count()).select_from(capped)).scalar_one()
    estimated = False
    if total > EXACT_TOTAL_UP_TO:
        guess = _estimate(base.order_by(None))
        if guess is not None:
            total, estimated = max(guess, EXACT_TOTAL_UP_TO + 1), True
        else:
            total = db.session.execute(sa.select(sa.func.count()).select_from(base.order_by(None).subquery())).scalar()
    pagination |= {
        "page": page,
        "pages": -(-total // per_page),
        "total": total,
        "total_is_estimate": estimated,
    }
    return out


def count_up_to(query: sa.Select, limit: int) -> int:
    """How many rows a select() has, counted no further than limit + 1 (enough to tell "more than limit")."""
    capped = query.order_by(None).limit(limit + 1).subquery()
    return db.session.execute(sa.select(sa.func.count()).select_from(capped)).scalar_one()


def in_chunks(query: sa.Select, size: int, whole_rows: bool = False) -> Iterator[list]:
    """Every row of a select(), `size` at a time, each chunk after the last one's keys (no OFFSET, no count):
    an export reads a list of any length at the cost of its pages."""
    keys = _order_keys(query)
    query = _ordered(query, keys).add_columns(*[e.label(f"_key{i}") for i, (e, _) in enumerate(keys)])
    after: list | None = None
    while True:
        chunk = query if after is None else query.where(_after(keys, after))
        result = db.session.execute(chunk.limit(size))
        rows = result.all() if whole_rows else result.unique().all()
        if not rows:
            return
        yield [row[: -len(keys)] for row in rows] if whole_rows else [row[0] for row in rows]
        if len(rows) < size:
            return
        after = list(rows[-1][-len(keys) :])


def page_of_items(items: list, page: int, per_page: int) -> dict:
    """One page of a list computed in Python, in the same shape as page_of."""
    return {
        "items": items[(page - 1) * per_page : page * per_page],
        "pagination": {"page": page, "per_page": per_page, "pages": -(-len(items) // per_page), "total": len(items)},
    }


def prepared_page(
    statements: Shapes,
    shape: tuple,
    params: dict,
    query: dict,
    full: Callable[[], sa.Select],
    keys: int = 1,
) -> dict:
    """`page_of` for a list in id order read by prepared statements (jobmatch.prepared), the same answer.

    `statements` builds `shape + ("after",)` (the rows after the id `:after`) and `shape + ("numbered",)`
    (the rows at `:offset`, each ending with the list's total counted up to `:cap`); both take `:limit`
    and start with the id. `full()` is the list as a select(), for what page_of does rarely: an empty
    numbered page's total, and the planner's estimate past EXACT_TOTAL_UP_TO rows. `keys` is 2 for a list
    sorted by `people.queries.list_order` (its cursor holds the id twice, as page_of writes it).
    """
    page, per_page, cursor = query["page"], query["per_page"], query.get("cursor")
    values = dict(params, limit=per_page + 1)
    if cursor:
        place = decode_cursor(cursor, [(sa.literal_column("id", sa.Integer()), False)] * keys)
        if any(not isinstance(v, int) or isinstance(v, bool) or not -(2**63) <= v < 2**63 for v in place):
            raise _bad_cursor()
        rows = statements.rows((*shape, "after"), values | {"after_key": place[0], "after": place[-1]})
    else:
        values |= {"offset": (page - 1) * per_page, "cap": EXACT_TOTAL_UP_TO + 1}
        rows = statements.rows((*shape, "numbered"), values)
        if not rows:
            return page_of(full(), page, per_page, whole_rows=True)
    more = len(rows) > per_page
    rows = rows[:per_page]
    pagination = {"per_page": per_page, "next_cursor": encode_cursor([rows[-1][0]] * keys) if more and rows else None}
    if cursor:
        return {"items": rows, "pagination": pagination | {"page": None, "pages": None, "total": None}}
    total, estimated = rows[0][-1], False
    if total > EXACT_TOTAL_UP_TO:
        guess = _estimate(full().order_by(None))
        if guess is not None:
            total, estimated = max(guess, EXACT_TOTAL_UP_TO + 1), True
        else:
            whole = full().order_by(None).subquery()
            total = db.session.execute(sa.select(sa.func.count()).select_from(whole)).scalar()
    pagination |= {"page": page, "pages": -(-total // per_page), "total": total, "total_is_estimate": estimated}
    return {"items": rows, "pagination": pagination}


def bound_filters(names: tuple[str, ...], region_code: Any, columns: dict[str, Any]) -> list[sa.ColumnElement[bool]]:
    """A prepared list's filters, each value a parameter of its name: `region` a code prefix (LIKE, `/` escaping),
    the others equal to their column in `columns`."""
    return [
        region_code.like(sa.bindparam(name, type_=sa.String()), escape="/")
        if name == "region"
        else columns[name] == sa.bindparam(name, type_=columns[name].type)
        for name in names
    ]


def id_ordered(base: sa.Select, id_column: Any, mode: str, key: Any = None) -> sa.Select:
    """The two statements prepared_page reads, from a list's select() without order or scope values.

    `key`: the list's sort key when it is not the id itself (people.queries.list_order), then the id.
    """
    order = [id_column] if key is None else [key, id_column]
    if mode == "after":
        after = sa.bindparam("after", type_=sa.BigInteger())
        if key is None:
            later = id_column > after
        else:
            later = sa.tuple_(key, id_column) > sa.tuple_(sa.bindparam("after_key", type_=sa.BigInteger()), after)
        return base.where(later).order_by(*order).limit(sa.bindparam("limit", type_=sa.Integer()))
    capped = base.with_only_columns(id_column).limit(sa.bindparam("cap", type_=sa.Integer())).subquery()
    total = sa.select(sa.func.count()).select_from(capped).scalar_subquery()
    return (
        base.add_columns(total)
        .order_by(*order)
        .limit(sa.bindparam("limit", type_=sa.Integer()))
        .offset(sa.bindparam("offset", type_=sa.Integer()))
    )

"""The daily attendance sheet and its rules, for workshops and public-welfare posts alike.

A sheet is one day of one workshop (or of the public-welfare posts a cadre keeps):
every worker employed that day, pre-filled present until saved. Saving writes only
what changed, keyed by (laborer, day, kind), so saving twice changes nothing twice.
Every change appends a history row with the previous values and is audited.

Refusals (nothing is written): a future day or bad fields (422); a day after the
fact without a reason (422); a laborer not employed there that day, a closed month,
or a laborer already recorded at another workshop that day (409; the last is also
flagged for the anomaly report).

Saves of one sheet run one after another: a save first holds the workshop's row (the
laborers' rows for public-welfare days) until it commits, and decides what changed
only then. So the same sheet saved N times at once gives N answers, one row per worker
and one history entry per real change; the writes themselves are a few set-wise
statements, and the answer is built from what was written, not read again.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload

from jobmatch import bulk, text
from jobmatch.accounts import audit
from jobmatch.accounts.scope import EVERYTHING, Scope, bound_condition, county_of, restrict, scope_kind, scope_values
from jobmatch.crud import flush_or_conflict
from jobmatch.errors import Collector, Conflict, FieldError, NotFound
from jobmatch.extensions import db
from jobmatch.modelbase import current_actor_id, utcnow
from jobmatch.people.models import Household, Laborer, Region
from jobmatch.placements.models import Employment
from jobmatch.prepared import Shapes
from jobmatch.vocab import EmploymentKind, RegionLevel
from workshops import absences, settings
from workshops.models import (
    Attendance,
    AttendanceChange,
    AttendanceClosure,
    AttendanceFlag,
    AttendanceKind,
    AttendanceStatus,
    FlagKind,
    Workshop,
)

# One request may carry a whole workshop's day; larger workshops send several.
MAX_ENTRIES_PER_SAVE = 500
MAX_HOURS_PER_DAY = Decimal("24")
MAX_PIECES_PER_DAY = 100_000
MAX_NOTE_CHARS = 255
MAX_REASON_CHARS = 255


@dataclass
class Worker:
    """A laborer on a sheet, and the employment that puts them there (None: saved there but no longer employed)."""

    laborer_id: int
    name: str
    household_id: int
    village_id: int
    employment_id: int | None


@dataclass
class Day:
    """A saved day, as the sheet shows it and the history keeps it."""

    id: int
    employment_id: int
    status: AttendanceStatus
    hours: Decimal | None
    pieces: int | None
    note: str | None

    @classmethod
    def of(cls, row: Attendance) -> Day:
        return cls(row.id, row.employment_id, row.status, row.hours, row.pieces, row.note)


@dataclass
class SheetEntry:
    """One line of a sheet: the worker and the saved day (None: not saved yet)."""

    worker: Worker
    saved: Day | None
    elsewhere: str | None = None

    def as_dict(self) -> dict[str, Any]:
        saved, worker = self.saved, self.worker
        employment_id = worker.employment_id
        return {
            "laborer_id": worker.laborer_id,
            "laborer_name": worker.name,
            "employment_id": employment_id if employment_id is not None else (saved.employment_id if saved else None),
            "employed": employment_id is not None,
            "status": saved.status.value if saved else AttendanceStatus.present.value,
            "hours": float(saved.hours) if saved and saved.hours is not None else None,
            "pieces": saved.pieces if saved else None,
            "note": saved.note if saved else None,
            "saved": saved is not None,
            "recorded_elsewhere": self.elsewhere,
        }


# --- days, months and closures ---------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(month: date) -> date:
    """The last day of the month that starts on `month`."""
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


# Made once, so the statement below is compiled once per worker and prepared by the server.
_VILLAGE, _TOWNSHIP, _COUNTY = aliased(Region), aliased(Region), aliased(Region)


def _county_of_villages() -> sa.Select:
    village, township, county = _VILLAGE, _TOWNSHIP, _COUNTY
    return (
        sa.select(village.id, village.level, township.id, township.level, county.id, county.level)
        .select_from(village)
        .outerjoin(township, village.parent_id == township.id)
        .outerjoin(county, township.parent_id == county.id)
    )


def _county_id(row) -> int | None:
    village_id, village_level, township_id, township_level, county_id, county_level = row
    if village_level == RegionLevel.county:
        return village_id
    if township_level == RegionLevel.county:
        return township_id
    return county_id if county_level == RegionLevel.county else None


def workshop_county_id(workshop: Workshop) -> int | None:
    """The county of the workshop's village, in one query (every sheet and save asks)."""
    found = db.session.execute(_county_of_villages().where(_VILLAGE.id == workshop.village_id)).first()
    return None if found is None else _county_id(found)


def workshop_county_ids(workshops: list[Workshop]) -> dict[int, int | None]:
    """Workshop id → the county of its village, for many workshops in one query."""
    village_ids = {w.village_id for w in workshops}
    if not village_ids:
        return {}
    rows = db.session.execute(_county_of_villages().where(_VILLAGE.id.in_(village_ids))).all()
    county_of = {row[0]: _county_id(row) for row in rows}
    return {w.id: county_of.get(w.village_id) for w in workshops}


def closed_months(county_ids: set[int], workshop_id: int | None, months: set[date]) -> set[tuple[int, date]]:
    """(county, month) pairs among these that the bureau closed, county-wide or for this workshop."""
    if not county_ids or not months:
        return set()
    query = sa.select(AttendanceClosure.county_id, AttendanceClosure.month).where(
        AttendanceClosure.county_id.in_(county_ids),
        AttendanceClosure.month.in_(months),
        sa.or_(
            AttendanceClosure.workshop_id.is_(None),
            AttendanceClosure.workshop_id == workshop_id if workshop_id is not None else sa.false(),
        ),
    )
    return {(county, month) for county, month in db.session.execute(query)}


def _closed_expr() -> sa.ColumnElement[bool]:
    """Whether the bureau closed month `:closed_month` for workshop `:closed_workshop_id` of village
    `:closed_village_id` (its county, or the workshop alone).

    A closure names a county: the workshop's village, its township or its county is matched by id, which
    needs no walk up the regions in Python. Bound parameters, so the statements that use it are built once.
    """
    workshop_id = sa.bindparam("closed_workshop_id", type_=sa.Integer())
    village_id = sa.bindparam("closed_village_id", type_=sa.Integer())
    village, up, closure = aliased(Region), aliased(Region), aliased(AttendanceClosure)
    parent = sa.select(village.parent_id).where(village.id == village_id).scalar_subquery()
    grandparent = (
        sa.select(up.parent_id)
        .select_from(village)
        .join(up, up.id == village.parent_id)
        .where(village.id == village_id)
    ).scalar_subquery()
    return sa.exists().where(
        closure.month == sa.bindparam("closed_month", type_=sa.Date()),
        sa.or_(closure.workshop_id.is_(None), closure.workshop_id == workshop_id),
        closure.county_id.in_([village_id, parent, grandparent]),
    )


def _closed_params(workshop: Workshop, day: date) -> dict[str, Any]:
    return {
        "closed_workshop_id": workshop.id,
        "closed_village_id": workshop.village_id,
        "closed_month": month_start(day),
    }


@functools.cache
def _is_closed_query() -> sa.Select:
    return sa.select(_closed_expr())


def is_closed(workshop: Workshop, day: date) -> bool:
    return bool(db.session.execute(_is_closed_query(), _closed_params(workshop, day)).scalar())


def check_day(day: date, errors: Collector) -> None:
    """No attendance for days that have not come yet (China's calendar)."""
    if day > settings.today():
        errors.add("date", "in_future", "不能记录未来日期的考勤", "attendance cannot be recorded for a future date")


# --- who is on a sheet -------------------------------------------------------------


def _current(day: date | sa.BindParameter) -> sa.ColumnElement[bool]:
    return sa.and_(Employment.start_date <= day, sa.or_(Employment.end_date.is_(None), Employment.end_date >= day))


def workshop_employments(workshop_id: int, day: date) -> dict[int, Employment]:
    """Each laborer employed at the workshop on the day, with that employment (the latest if several)."""
    rows = db.session.execute(
        sa.select(Employment)
        .options(joinedload(Employment.laborer))
        .where(Employment.workshop_id == workshop_id, _current(day))
        .order_by(Employment.start_date, Employment.id)
    ).scalars()
    return {e.laborer_id: e for e in rows}


def public_welfare_employments(day: date, village_code: str | None = None) -> dict[int, Employment]:
    """Each laborer in the caller's scope holding a public-welfare post on the day."""
    query = (
        sa.select(Employment)
        .options(joinedload(Employment.laborer).joinedload(Laborer.household))
        .join(Laborer, Laborer.id == Employment.laborer_id)
        .where(Employment.kind == EmploymentKind.public_welfare, _current(day))
        .order_by(Employment.start_date, Employment.id)
    )
    query = restrict(query, Laborer)
    if village_code:
        village_ids = sa.select(Region.id).where(Region.code == text.normalize_digits(village_code))
        query = query.join(Household, Household.id == Laborer.household_id).where(Household.village_id.in_(village_ids))
    return {e.laborer_id: e for e in db.session.execute(query).unique().scalars()}


def _workers_of(employments: dict[int, Employment]) -> dict[int, Worker]:
    return {
        lid: Worker(lid, e.laborer.name, e.laborer.household_id, e.laborer.household.village_id, e.id)
        for lid, e in employments.items()
    }


def _saved(kind: AttendanceKind, day: date, laborer_ids: set[int], workshop_id: int | None) -> dict[int, Attendance]:
    query = sa.select(Attendance).where(Attendance.kind == kind, Attendance.day == day)
    if workshop_id is not None:
        query = query.where(Attendance.workshop_id == workshop_id)
    else:
        query = query.where(Attendance.laborer_id.in_(laborer_ids))
    return {a.laborer_id: a for a in db.session.execute(query).scalars()}


@dataclass
class WorkshopDay:
    """Everything a workshop's sheet and its save need, read in one statement."""

    workers: dict[int, Worker]
    saved: dict[int, Day]
    # Laborers another workshop recorded that day: that workshop's name.
    elsewhere: dict[int, str]
    # Laborers with a long-absence alert still open (a day at work closes it).
    absent_alerts: set[int]


@functools.cache
def _workshop_day_query() -> sa.CompoundSelect:
    """The statement of `_workshop_day`, for `:workshop_id` and `:day`: built once."""
    return sa.union_all(*_day_parts())


def _day_parts() -> tuple[sa.Select, sa.Select]:
    """The workers employed at `:workshop_id` on `:day`, then the laborers no longer employed there with a
    day saved there: each with the day as saved (here or at another workshop) and whether a long-absence
    alert is open (15 columns, the laborer's id third)."""
    # Alerts are read here, not imported at the top: monitoring imports this module.
    from jobmatch.monitoring.models import Alert, AlertKind, AlertStatus

    workshop_id = sa.bindparam("workshop_id", type_=sa.Integer())
    day = sa.bindparam("day", type_=sa.Date())
    open_alert = (
        sa.exists()
        .where(
            Alert.laborer_id == Laborer.id,
            Alert.kind == AlertKind.long_absence,
            Alert.status != AlertStatus.resolved,
        )
        .label("open_alert")
    )
    on_day = sa.and_(Attendance.day == day, Attendance.kind == AttendanceKind.workshop)
    day_columns = (
        Attendance.id,
        Attendance.workshop_id,
        Attendance.employment_id,
        Attendance.status,
        Attendance.hours,
        Attendance.pieces,
        Attendance.note,
    )
    employed = (
        sa.select(
            Employment.id.label("employment"),
            Employment.start_date,
            Laborer.id,
            Laborer.name,
            Laborer.household_id,
            Household.village_id,
            *day_columns,
            Workshop.name.label("workshop_name"),
            open_alert,
        )
        .select_from(Employment)
        .join(Laborer, Laborer.id == Employment.laborer_id)
        .join(Household, Household.id == Laborer.household_id)
        .outerjoin(Attendance, sa.and_(Attendance.laborer_id == Laborer.id, on_day))
        .outerjoin(Workshop, Workshop.id == Attendance.workshop_id)
        .where(Employment.workshop_id == workshop_id, _current(day))
    )
    still_here = sa.exists().where(
        Employment.laborer_id == Attendance.laborer_id, Employment.workshop_id == workshop_id, _current(day)
    )
    left = (
        sa.select(
            sa.null(),
            sa.null(),
            Laborer.id,
            Laborer.name,
            Laborer.household_id,
            Household.village_id,
            *day_columns,
            sa.null(),
            open_alert,
        )
        .select_from(Attendance)
        .join(Laborer, Laborer.id == Attendance.laborer_id)
        .join(Household, Household.id == Laborer.household_id)
        .where(Attendance.workshop_id == workshop_id, on_day, ~still_here)
    )
    return employed, left


def _sheet_query(dialect: Dialect, kind: str) -> sa.CompoundSelect:
    """A workshop's sheet for a caller whose scope is of this kind (jobmatch.prepared): the rows of
    `_workshop_day` and the workshop's own row if the scope holds it (404 otherwise), the one whose
    laborer id is NULL: its id, name, and whether the bureau closed month `:closed_month` for it (its
    county, or the workshop alone; as `_closed_expr`)."""
    village, township, closure = aliased(Region), aliased(Region), aliased(AttendanceClosure)
    closed = sa.exists().where(
        closure.month == sa.bindparam("closed_month", type_=sa.Date()),
        sa.or_(closure.workshop_id.is_(None), closure.workshop_id == Workshop.id),
        closure.county_id.in_([Workshop.village_id, village.parent_id, township.parent_id]),
    )
    nothing = [sa.null()] * 5
    workshop = (
        sa.select(*nothing, Workshop.village_id, sa.null(), Workshop.id, *nothing, Workshop.name, closed)
        .select_from(Workshop)
        .join(village, village.id == Workshop.village_id)
        .outerjoin(township, township.id == village.parent_id)
        .where(Workshop.id == sa.bindparam("workshop_id", type_=sa.Integer()))
    )
    in_scope = bound_condition(Workshop, kind, dialect, village.code)
    if in_scope is not None:
        workshop = workshop.where(in_scope)
    return sa.union_all(*_day_parts(), workshop)


_SHEETS = Shapes(_sheet_query)


def _workshop_day(workshop_id: int, day: date) -> WorkshopDay:
    """The workers employed at the workshop on the day (the latest employment if several) with their day as saved
    here or at another workshop, and the days saved here for laborers no longer employed: one statement."""
    rows = db.session.execute(_workshop_day_query(), {"workshop_id": workshop_id, "day": day}).all()
    return _day_of(workshop_id, rows)


def _day_of(workshop_id: int, rows: list) -> WorkshopDay:
    """A WorkshopDay from the rows of `_day_parts`."""
    out = WorkshopDay({}, {}, {}, set())
    # The latest employment wins: rows in (start date, id) order, those of laborers no longer employed last.
    for row in sorted(rows, key=lambda r: (r[0] is None, r[1] or date.min, r[0] or 0)):
        (employment_id, _, lid, name, household_id, village_id, day_id, at, day_employment) = row[:9]
        out.workers[lid] = Worker(lid, name, household_id, village_id, employment_id)
        if row[14]:
            out.absent_alerts.add(lid)
        if day_id is None:
            continue
        if at == workshop_id:
            status, hours, pieces, note = row[9:13]
            out.saved[lid] = Day(day_id, day_employment, AttendanceStatus(status), hours, pieces, note)
        else:
            out.elsewhere[lid] = row[13]
    return out


def _laborers(ids: set[int]) -> dict[int, Worker]:
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Laborer.id, Laborer.name, Laborer.household_id, Household.village_id)
        .join(Household, Household.id == Laborer.household_id)
        .where(Laborer.id.in_(ids))
    )
    return {lid: Worker(lid, name, household_id, village_id, None) for lid, name, household_id, village_id in rows}


def _entries(workers: dict[int, Worker], saved: dict[int, Day], elsewhere: dict[int, str]) -> list[SheetEntry]:
    """The sheet's lines in pinyin order of the workers' names."""
    workers = workers | _laborers(set(saved) - set(workers))
    entries = [SheetEntry(workers[lid], saved.get(lid), elsewhere.get(lid)) for lid in set(workers) | set(saved)]
    return sorted(entries, key=lambda e: (text.pinyin_key(e.worker.name), e.worker.laborer_id))


def workshop_sheet(workshop: Workshop, day: date) -> dict[str, Any]:
    """The day's sheet of a workshop: current workers pre-filled present, saved days as saved (one statement)."""
    sheet = sheet_in_scope(workshop.id, day, EVERYTHING)
    if sheet is None:  # removed since it was read
        raise NotFound("Workshop", "帮扶车间")
    return sheet


def sheet_in_scope(workshop_id: int, day: date, scope: Scope) -> dict[str, Any] | None:
    """The day's sheet of a workshop if the scope holds it, else None: one prepared statement (`_sheet_query`)
    for the workshop, its closed month, its workers and their days.

    The answer is plain values in WorkshopSheetOut's shape and order (the API sends it as it is).
    """
    kind = scope_kind(scope)
    params = {"workshop_id": workshop_id, "day": day, "closed_month": month_start(day)}
    if kind != "all":
        params |= scope_values(scope)
    rows = _SHEETS.rows((kind,), params)
    # The workshop's own row: the one without a laborer (none when the scope does not hold the workshop).
    workshop = next((row for row in rows if row[2] is None), None)
    if workshop is None:
        return None
    found = _day_of(workshop_id, [row for row in rows if row[2] is not None])
    entries = _entries(found.workers, found.saved, found.elsewhere)
    return _sheet_out(day, entries, closed=bool(workshop[14])) | {
        "workshop_id": workshop_id,
        "workshop_name": workshop[13],
    }


def public_welfare_sheet(day: date, village_code: str | None = None) -> dict[str, Any]:
    """The day's sheet of the public-welfare posts in the caller's villages."""
    employments = public_welfare_employments(day, village_code)
    saved = _saved(AttendanceKind.public_welfare, day, set(employments), None)
    entries = _entries(_workers_of(employments), {lid: Day.of(a) for lid, a in saved.items()}, {})
    closed = _closed_laborers([e.laborer for e in employments.values()], day)
    return _sheet_out(day, entries, closed=bool(entries) and len(closed) == len(entries)) | {"village": village_code}


def _sheet_out(day: date, entries: list[SheetEntry], closed: bool) -> dict[str, Any]:
    today = settings.today()
    return {
        "date": day,
        "today": today,
        "closed": closed,
        "editable": not closed and day <= today,
        "needs_reason": day < today,
        "entries": [e.as_dict() for e in entries],
    }


# --- saving a sheet ---------------------------------------------------------------


def _clean_entries(raw: list[dict], errors: Collector) -> list[dict]:
    """Types come checked from the schema; here the ranges, duplicates and normalised notes."""
    if len(raw) > MAX_ENTRIES_PER_SAVE:
        errors.add(
            "entries",
            "too_many",
            f"一次最多保存 {MAX_ENTRIES_PER_SAVE} 人",
            f"at most {MAX_ENTRIES_PER_SAVE} entries per request",
        )
        return []
    seen: set[int] = set()
    out: list[dict] = []
    for i, entry in enumerate(raw):
        where = f"entries.{i}"
        laborer_id = entry["laborer_id"]
        if laborer_id in seen:
            errors.add(f"{where}.laborer_id", "duplicate", "同一人在一天内只能有一条考勤", "laborer listed twice")
        seen.add(laborer_id)
        hours = entry.get("hours")
        if hours is not None:
            # Compared before rounding: a huge number cannot be rounded to tenths.
            if not 0 <= hours <= MAX_HOURS_PER_DAY:
                errors.add(f"{where}.hours", "out_of_range", "工时须在 0–24 小时之间", "hours must be between 0 and 24")
            else:
                hours = Decimal(str(hours)).quantize(Decimal("0.1"))
        pieces = entry.get("pieces")
        if pieces is not None and not 0 <= pieces <= MAX_PIECES_PER_DAY:
            errors.add(
                f"{where}.pieces",
                "out_of_range",
                f"计件数须在 0–{MAX_PIECES_PER_DAY} 之间",
                f"pieces must be between 0 and {MAX_PIECES_PER_DAY}",
            )
        note = text.normalize_optional(entry.get("note"))
        if note is not None and len(note) > MAX_NOTE_CHARS:
            errors.add(f"{where}.note", "too_long", f"备注不能超过 {MAX_NOTE_CHARS} 个字", "note is too long")
        reason = text.normalize_optional(entry.get("reason"))
        if reason is not None and len(reason) > MAX_REASON_CHARS:
            errors.add(f"{where}.reason", "too_long", f"原因不能超过 {MAX_REASON_CHARS} 个字", "reason is too long")
        out.append(
            {
                "laborer_id": laborer_id,
                "status": AttendanceStatus(entry["status"]),
                "hours": hours,
                "pieces": pieces,
                "note": note,
                "reason": reason,
            }
        )
    return out


def _values(row: Attendance | Day | dict) -> dict[str, Any]:
    """The recorded values of a day, as the history keeps them."""
    if isinstance(row, dict):
        status, hours, pieces, note = row.get("status"), row.get("hours"), row.get("pieces"), row.get("note")
    else:
        status, hours, pieces, note = row.status, row.hours, row.pieces, row.note
    return {
        "status": status.value if isinstance(status, AttendanceStatus) else status,
        "hours": str(hours) if hours is not None else None,
        "pieces": pieces,
        "note": note,
    }


def _not_employed(i: int, here_zh: str, here_en: str) -> FieldError:
    return FieldError(
        f"entries.{i}.laborer_id",
        "not_employed",
        f"该劳动力当天不在{here_zh}就业",
        f"not employed at {here_en} that day",
    )


def _closed_laborers(laborers: list[Laborer], day: date) -> set[int]:
    """Laborers whose county closed the month of `day` (public-welfare days are locked by the laborer's county)."""
    counties: dict[int, int] = {}
    for laborer in laborers:
        county = county_of(laborer.household.village)
        if county is not None:
            counties[laborer.id] = county.id
    closed = closed_months(set(counties.values()), None, {month_start(day)})
    return {lid for lid, county in counties.items() if (county, month_start(day)) in closed}


def _closed_error() -> Conflict:
    return Conflict(
        [
            FieldError(
                "date", "month_closed", "该月考勤已由县人社局关账，不能修改", "this month is closed by the bureau"
            )
        ],
        "Month closed",
        "考勤月份已关账",
    )


def _flag_two_places(workshop: Workshop, day: date, refused: dict[int, str]) -> None:
    """Record the refused second workshop for the anomaly report, in its own transaction."""
    db.session.rollback()
    existing = set(
        db.session.execute(
            sa.select(AttendanceFlag.laborer_id).where(
                AttendanceFlag.kind == FlagKind.two_places,
                AttendanceFlag.workshop_id == workshop.id,
                AttendanceFlag.day == day,
                AttendanceFlag.laborer_id.in_(refused),
            )
        ).scalars()
    )
    for laborer_id, other in refused.items():
        if laborer_id not in existing:
            db.session.add(
                AttendanceFlag(
                    kind=FlagKind.two_places,
                    laborer_id=laborer_id,
                    workshop_id=workshop.id,
                    day=day,
                    detail={"recorded_at": other},
                )
            )
    db.session.commit()


@dataclass
class SaveResult:
    day: date
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # A workshop's sheet as saved (what workshop_sheet would answer), built from what was written.
    sheet: dict[str, Any] | None = None


def _hold(model: type, ids: set[int]) -> None:
    """Hold these rows until commit, so saves of the same sheet run one after another.

    PostgreSQL locks the rows (in id order, so two saves never wait on each other crosswise); SQLite has one
    writer at a time, and an UPDATE that changes nothing takes its lock before anything is read.
    """
    if not ids:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(model.id).where(model.id.in_(ids)).order_by(model.id).with_for_update())
    else:
        db.session.execute(
            sa.update(model)
            .where(model.id == min(ids))
            .values(updated_at=model.updated_at)
            .execution_options(synchronize_session=False)
        )


def _hold_workshop(workshop: Workshop, day: date) -> bool:
    """Hold the workshop's row until commit (as `_hold`) and tell whether the day's month is closed: one statement."""
    postgres = bulk.is_postgresql()
    found = db.session.execute(_hold_workshop_query(postgres), _closed_params(workshop, day))
    if postgres:
        return bool(found.scalar())
    return found.rowcount == 0


@functools.cache
def _hold_workshop_query(postgres: bool) -> sa.Executable:
    """The statement of `_hold_workshop`, for the parameters of `_closed_expr`: built once per backend."""
    table = Workshop.__table__
    held = table.c.id == sa.bindparam("closed_workshop_id", type_=sa.Integer())
    if postgres:
        return sa.select(_closed_expr()).select_from(table).where(held).with_for_update(of=table)
    # SQLite: the UPDATE takes the one writer's lock whether or not it matches; it matches only an open month.
    return sa.update(table).where(held, ~_closed_expr()).values(updated_at=table.c.updated_at)


def save_workshop_sheet(workshop: Workshop, day: date, entries: list[dict], reason: str | None = None) -> SaveResult:
    """Save a workshop's day (any subset of its workers), or refuse it whole.

    Statements: the hold (with the closed-month check), the day as it stands (workers, saved days, other
    workshops, open long-absence alerts), one upsert of the changed days, their history, their audit events
    and, when someone is absent or on leave, the long-absence check: six at most, whatever the number of workers
    (four on PostgreSQL, where the upsert, history and events are one statement).
    """
    errors = Collector()
    check_day(day, errors)
    cleaned = _clean_entries(entries, errors)
    reason = _clean_reason(reason, errors)
    errors.raise_if_any()
    workshop_id, workshop_name = workshop.id, workshop.name
    if _hold_workshop(workshop, day):
        raise _closed_error()
    found = _workshop_day(workshop_id, day)
    workers = {lid: w for lid, w in found.workers.items() if w.employment_id is not None}
    problems = [
        _not_employed(i, "本车间", "this workshop") for i, e in enumerate(cleaned) if e["laborer_id"] not in workers
    ]
    if problems:
        raise Conflict(problems, "Not employed here", "不是本车间当天在岗人员")
    elsewhere = {
        e["laborer_id"]: found.elsewhere[e["laborer_id"]] for e in cleaned if e["laborer_id"] in found.elsewhere
    }
    if elsewhere:
        _flag_two_places(workshop, day, elsewhere)
        raise Conflict(
            [
                FieldError(
                    f"entries.{i}.laborer_id",
                    "two_places",
                    f"该劳动力当天已在「{elsewhere[e['laborer_id']]}」记考勤，同一天不能在两个车间",
                    "already recorded at another workshop that day",
                )
                for i, e in enumerate(cleaned)
                if e["laborer_id"] in elsewhere
            ],
            "Already recorded elsewhere",
            "同一人同一天不能在两个车间出勤",
        )
    saved = found.saved
    result = _write(AttendanceKind.workshop, day, cleaned, found.workers, workshop_id, reason, saved)
    result.sheet = _sheet_out(day, _entries(found.workers, saved, found.elsewhere), closed=False) | {
        "workshop_id": workshop_id,
        "workshop_name": workshop_name,
    }
    # Only a worker absent or on leave today can start or extend a long absence; one at work may end one.
    not_working = [e["laborer_id"] for e in cleaned if e["status"] in absences.NOT_WORKING]
    signals = absences.detect(
        workshop_id,
        day,
        not_working,
        villages={lid: found.workers[lid].village_id for lid in not_working},
        employments={lid: saved[lid].employment_id for lid in not_working},
    )
    at_work = {e["laborer_id"] for e in cleaned if e["status"] in AT_WORK}
    households = {found.workers[lid].household_id for lid in at_work & found.absent_alerts}
    _alert_village(households | {found.workers[s.laborer_id].household_id for s in signals})
    db.session.commit()
    return result


# Days that count as at work: they end a long absence.
AT_WORK = (AttendanceStatus.present, AttendanceStatus.half_day, AttendanceStatus.home_piecework)


def _alert_village(households: set[int]) -> None:
    """A long absence reaches the village's cadre at once, as an alert, and a return to work closes it
    (the daily run would find both later)."""
    # Monitoring reads the workshops' signals, so it is imported here rather than at the top.
    from jobmatch.monitoring import service as monitoring

    for household_id in sorted(households):
        monitoring.after_event(household_id)


def save_public_welfare_sheet(day: date, entries: list[dict], reason: str | None = None) -> SaveResult:
    """Save a day of public-welfare posts kept by the caller (a cadre's villages), or refuse it whole."""
    errors = Collector()
    check_day(day, errors)
    cleaned = _clean_entries(entries, errors)
    reason = _clean_reason(reason, errors)
    errors.raise_if_any()
    _hold(Laborer, {e["laborer_id"] for e in cleaned})
    employments = public_welfare_employments(day)
    problems = [
        _not_employed(i, "公益性岗位", "a public-welfare post")
        for i, e in enumerate(cleaned)
        if e["laborer_id"] not in employments
    ]
    if problems:
        raise Conflict(problems, "Not employed here", "不是当天在岗的公益性岗位人员")
    if _closed_laborers([employments[e["laborer_id"]].laborer for e in cleaned], day):
        raise _closed_error()
    saved = _saved(AttendanceKind.public_welfare, day, {e["laborer_id"] for e in cleaned}, None)
    days = {lid: Day.of(a) for lid, a in saved.items()}
    result = _write(AttendanceKind.public_welfare, day, cleaned, _workers_of(employments), None, reason, days)
    db.session.commit()
    return result


def _clean_reason(reason: str | None, errors: Collector) -> str | None:
    reason = text.normalize_optional(reason)
    if reason is not None and len(reason) > MAX_REASON_CHARS:
        errors.add("reason", "too_long", f"原因不能超过 {MAX_REASON_CHARS} 个字", "reason is too long")
    return reason


# The day's values an upsert writes over a row of the same sheet.
_UPDATED = ("status", "hours", "pieces", "note", "updated_at", "updated_by_id")


def _on_conflict(insert: sa.Insert) -> sa.Insert:
    """ON CONFLICT (laborer, day, kind) DO UPDATE the day's values, only over a row of the same sheet (the same
    workshop, or both public-welfare): a row of another workshop is left alone and not returned."""
    table = Attendance.__table__
    return insert.on_conflict_do_update(
        index_elements=[table.c.laborer_id, table.c.day, table.c.kind],
        set_={k: insert.excluded[k] for k in _UPDATED},
        where=sa.func.coalesce(table.c.workshop_id, 0) == sa.func.coalesce(insert.excluded.workshop_id, 0),
    ).returning(table.c.laborer_id, table.c.id)


# What differs from one row to the next of a save (jobmatch.bulk); the rest is the save's own.
_DAY_COLUMNS = {
    "laborer_id": sa.Integer(),
    "employment_id": sa.Integer(),
    "status": sa.String(),
    "hours": sa.Numeric(),
    "pieces": sa.Integer(),
    "note": sa.String(),
}
# A change's history and audit event, and its place among the save's (history and events keep entry order).
_CHANGE_COLUMNS = {
    "n": sa.Integer(),
    "laborer_id": sa.Integer(),
    "reason": sa.String(),
    "before": postgresql.JSON(),
    "after": postgresql.JSON(),
    "action": sa.String(),
    "audit": postgresql.JSON(),
}


def _save_param(name: str, column: sa.Column) -> sa.BindParameter:
    return sa.bindparam(name, type_=column.type)


@functools.cache
def _upsert_rows() -> sa.Insert:
    """PostgreSQL: the changed days bound as one document (jobmatch.bulk), upserted (`_on_conflict`); built once."""
    table = Attendance.__table__
    days = bulk.rows_of("days", _DAY_COLUMNS)
    now, actor = _save_param("save_now", table.c.updated_at), _save_param("save_actor", table.c.updated_by_id)
    columns = {
        "laborer_id": days.c.laborer_id,
        "employment_id": days.c.employment_id,
        "workshop_id": _save_param("save_workshop_id", table.c.workshop_id),
        "kind": _save_param("save_kind", table.c.kind),
        "day": _save_param("save_day", table.c.day),
        "status": days.c.status,
        "hours": days.c.hours,
        "pieces": days.c.pieces,
        "note": days.c.note,
        "created_at": now,
        "updated_at": now,
        "created_by_id": actor,
        "updated_by_id": actor,
    }
    return _on_conflict(postgresql.insert(table).from_select(list(columns), sa.select(*columns.values())))


@functools.cache
def _write_rows() -> sa.Select:
    """PostgreSQL: the changed days upserted (`_upsert_rows`) with their history and audit events, in one
    statement (the history and events as data-modifying CTEs over the upsert's RETURNING); answers each
    (laborer, attendance id) written. Built once."""
    table = AttendanceChange.__table__
    written = _upsert_rows().cte("written")
    changes = bulk.rows_of("changes", _CHANGE_COLUMNS)
    of_written = changes.join(written, written.c.laborer_id == changes.c.laborer_id)
    columns = {
        "attendance_id": written.c.id,
        "laborer_id": changes.c.laborer_id,
        "workshop_id": _save_param("save_workshop_id", table.c.workshop_id),
        "day": _save_param("save_day", table.c.day),
        "changed_at": _save_param("save_now", table.c.changed_at),
        "changed_by_id": _save_param("save_actor", table.c.changed_by_id),
        "late": _save_param("save_late", table.c.late),
        "reason": changes.c.reason,
        "before": sa.func.coalesce(changes.c.before, bulk.JSON_NULL),
        "after": changes.c.after,
    }
    history = sa.insert(table).from_select(
        list(columns), sa.select(*columns.values()).select_from(of_written).order_by(changes.c.n)
    )
    events = audit.events_insert(
        sa.select(changes.c.action, written.c.id, changes.c.audit).select_from(of_written).order_by(changes.c.n)
    )
    return sa.select(written.c.laborer_id, written.c.id).add_cte(history.cte("history"), events.cte("events"))


def _write(
    kind: AttendanceKind,
    day: date,
    entries: list[dict],
    workers: dict[int, Worker],
    workshop_id: int | None,
    reason: str | None,
    saved: dict[int, Day],
) -> SaveResult:
    """Write what changed, with its history and audit; refuse late changes without a reason.

    `saved` holds the day's rows as read under the sheet's hold; it is updated to what was written, so the
    caller can answer from it. The changed days (new or not), their history and their audit events are one
    statement on PostgreSQL (`_write_rows`), one statement each on SQLite.
    """
    late = day < settings.today()
    result = SaveResult(day)
    changes: list[tuple[Day | None, dict, dict | None, dict, str | None]] = []
    missing_reason = Collector()
    for i, entry in enumerate(entries):
        row = saved.get(entry["laborer_id"])
        after = _values(entry)
        before = _values(row) if row is not None else None
        if before == after:
            result.unchanged += 1
            continue
        entry_reason = entry["reason"] or reason
        if late and not entry_reason:
            missing_reason.add(
                f"entries.{i}.reason",
                "reason_required",
                "补记或修改往日考勤须填写原因",
                "a reason is required to record or change a past day",
            )
        changes.append((row, entry, before, after, entry_reason))
    if missing_reason.errors:
        missing_reason.errors.insert(
            0, FieldError("reason", "reason_required", "补记或修改往日考勤须填写原因", "a reason is required")
        )
        missing_reason.raise_if_any()
    if not changes:
        return result

    actor, now = current_actor_id(), utcnow()
    fields = ("status", "hours", "pieces", "note")
    rows = [
        {
            "laborer_id": entry["laborer_id"],
            "employment_id": row.employment_id if row is not None else workers[entry["laborer_id"]].employment_id,
        }
        | {k: entry[k] for k in fields}
        for row, entry, _, _, _ in changes
    ]
    changed = [
        {
            "n": n,
            "laborer_id": entry["laborer_id"],
            "reason": entry_reason,
            "before": before,
            "after": after,
            "action": "create" if before is None else "update",
            "audit": {"day": day.isoformat(), "from": before, "to": after}
            | ({"reason": entry_reason} if entry_reason else {}),
        }
        for n, (_, entry, before, after, entry_reason) in enumerate(changes)
    ]
    postgres = bulk.is_postgresql()
    try:
        if postgres:
            params = {"save_workshop_id": workshop_id, "save_kind": kind, "save_day": day, "save_now": now}
            params |= {"save_actor": actor, "save_late": late} | audit.events_params("attendance")
            params |= {"days": bulk.document(rows), "changes": bulk.document(changed)}
            ids = dict(db.session.execute(_write_rows(), params).all())
        else:
            stamps = {"workshop_id": workshop_id, "kind": kind, "day": day, "created_at": now, "updated_at": now}
            stamps |= {"created_by_id": actor, "updated_by_id": actor}
            insert = sqlite.insert(Attendance.__table__).values([row | stamps for row in rows])
            ids = dict(db.session.execute(_on_conflict(insert)).all())
    except IntegrityError:
        ids = {}
    if len(ids) < len(rows):
        # The same laborer and day written meanwhile by another sheet (another workshop): refused whole (on
        # PostgreSQL with the history and events written beside the rows that were).
        db.session.rollback()
        raise Conflict([FieldError("", "duplicate", "与已有记录重复", "duplicates an existing record")])
    result.created = sum(1 for row, _, _, _, _ in changes if row is None)
    result.updated = len(changes) - result.created
    events = [(c["action"], ids[c["laborer_id"]]) for c in changed]
    if postgres:
        audit.log_many("attendance", events)
    else:
        stamps = {"workshop_id": workshop_id, "day": day, "changed_at": now, "changed_by_id": actor, "late": late}
        db.session.execute(
            sa.insert(AttendanceChange.__table__),
            [
                {"attendance_id": ids[c["laborer_id"]]}
                | {k: c[k] for k in ("laborer_id", "reason", "before", "after")}
                | stamps
                for c in changed
            ],
        )
        audit.record_many(
            "attendance", [(action, id_, c["audit"]) for (action, id_), c in zip(events, changed, strict=True)]
        )
    # What the answer shows: the rows as written.
    for (_, entry, _, _, _), written in zip(changes, rows, strict=True):
        lid = entry["laborer_id"]
        saved[lid] = Day(ids[lid], written["employment_id"], *(entry[k] for k in fields))
    return result


def check_in(workshop: Workshop, laborer: Laborer) -> tuple[SaveResult, Attendance]:
    """Mark a worker present today at the workshop (the employment code was scanned or typed)."""
    day = settings.today()
    saved = _saved(AttendanceKind.workshop, day, {laborer.id}, workshop.id).get(laborer.id)
    entry = {
        "laborer_id": laborer.id,
        "status": AttendanceStatus.present.value,
        # Checking in keeps the day's hours, pieces and note.
        "hours": float(saved.hours) if saved and saved.hours is not None else None,
        "pieces": saved.pieces if saved else None,
        "note": saved.note if saved else None,
    }
    result = save_workshop_sheet(workshop, day, [entry])
    row = _saved(AttendanceKind.workshop, day, {laborer.id}, workshop.id)[laborer.id]
    return result, row


# --- closing a month ----------------------------------------------------------------


def close_month(month: date, county: Region, workshop: Workshop | None = None, note: str | None = None):
    """Lock a month's attendance for a county (or one of its workshops); only months that have ended."""
    errors = Collector()
    if month_end(month) >= settings.today():
        errors.add("month", "not_ended", "只能关账已结束的月份", "only a month that has ended can be closed")
    note = text.normalize_optional(note)
    if note is not None and len(note) > MAX_NOTE_CHARS:
        errors.add("note", "too_long", f"备注不能超过 {MAX_NOTE_CHARS} 个字", "note is too long")
    errors.raise_if_any()
    workshop_id = workshop.id if workshop else None
    if closed_months({county.id}, workshop_id, {month}):
        raise Conflict([FieldError("month", "already_closed", "该月已关账", "this month is already closed")])
    closure = AttendanceClosure(county_id=county.id, workshop_id=workshop_id, month=month, note=note)
    db.session.add(closure)
    flush_or_conflict()
    audit.record("close", "attendance_closures", closure.id, {"month": month.isoformat(), "workshop_id": workshop_id})
    db.session.commit()
    return closure


def reopen_month(closure: AttendanceClosure, reason: str | None) -> None:
    """Unlock a closed month (a correction the bureau must make); the reason goes into the audit trail."""
    errors = Collector()
    reason = text.normalize_optional(reason)
    if reason is None:
        errors.add("reason", "required", "重新开放须填写原因", "a reason is required to reopen a month")
    elif len(reason) > MAX_REASON_CHARS:
        errors.add("reason", "too_long", f"原因不能超过 {MAX_REASON_CHARS} 个字", "reason is too long")
    errors.raise_if_any()
    audit.record(
        "reopen",
        "attendance_closures",
        closure.id,
        {"month": closure.month.isoformat(), "workshop_id": closure.workshop_id, "reason": reason},
    )
    db.session.delete(closure)
    db.session.commit()


def month_gaps(month: date, workshop_ids: list[int]) -> dict[int, dict[str, int]]:
    """What is still missing in each workshop's month before it is closed.

    `workers_without_days`: workers employed there during the month with no attendance recorded;
    `weekdays_without_sheet`: Monday-to-Friday days of the month (up to today) on which nothing was
    recorded while the workshop had workers.
    """
    last = min(month_end(month), settings.today())
    out = {i: {"workers": 0, "workers_without_days": 0, "weekdays_without_sheet": 0} for i in workshop_ids}
    if not workshop_ids or last < month:
        return out
    employed = db.session.execute(
        sa.select(Employment.workshop_id, Employment.laborer_id, Employment.start_date, Employment.end_date).where(
            Employment.workshop_id.in_(workshop_ids),
            Employment.start_date <= last,
            sa.or_(Employment.end_date.is_(None), Employment.end_date >= month),
        )
    ).all()
    recorded = db.session.execute(
        sa.select(Attendance.workshop_id, Attendance.laborer_id, Attendance.day).where(
            Attendance.workshop_id.in_(workshop_ids),
            Attendance.kind == AttendanceKind.workshop,
            Attendance.day.between(month, last),
        )
    ).all()
    worked = {(w, laborer) for w, laborer, _ in recorded}
    sheet_days = {(w, day) for w, _, day in recorded}
    weekdays = [
        date.fromordinal(n) for n in range(month.toordinal(), last.toordinal() + 1) if date.fromordinal(n).weekday() < 5
    ]
    staffed: dict[int, set[date]] = {i: set() for i in workshop_ids}
    seen: set[tuple[int, int]] = set()
    for workshop_id, laborer_id, start, end in employed:
        if (workshop_id, laborer_id) not in seen:
            seen.add((workshop_id, laborer_id))
            out[workshop_id]["workers"] += 1
            if (workshop_id, laborer_id) not in worked:
                out[workshop_id]["workers_without_days"] += 1
        staffed[workshop_id].update(d for d in weekdays if start <= d and (end is None or d <= end))
    for workshop_id, days in staffed.items():
        out[workshop_id]["weekdays_without_sheet"] = sum(1 for d in days if (workshop_id, d) not in sheet_days)
    return out


def closures_query(month: date | None = None) -> sa.Select:
    query = restrict(sa.select(AttendanceClosure), AttendanceClosure).order_by(AttendanceClosure.id.desc())
    if month is not None:
        query = query.where(AttendanceClosure.month == month)
    return query


def changes(workshop: Workshop, month: date, day: date | None = None) -> list[AttendanceChange]:
    """The history of a workshop's month (or one day), newest first."""
    query = sa.select(AttendanceChange).where(AttendanceChange.workshop_id == workshop.id)
    if day is not None:
        query = query.where(AttendanceChange.day == day)
    else:
        query = query.where(AttendanceChange.day.between(month, month_end(month)))
    return list(db.session.execute(query.order_by(AttendanceChange.id.desc())).scalars())

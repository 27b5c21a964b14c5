"""Exporting rosters with the headers the import reads, so an exported file imports back unchanged.

ID numbers and phones are written in full only for roles that may reveal them
(admin, bureau, cadre) and for the command line; every export is audited. Cells go
through `jobmatch.sheets`, so no typed text becomes a formula (the import reads it back as typed).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from flask import g, has_app_context
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from jobmatch import sheets
from jobmatch.accounts import audit
from jobmatch.accounts.scope import restrict
from jobmatch.api.common import mask_id_number, mask_phone
from jobmatch.errors import Problem
from jobmatch.extensions import db
from jobmatch.people.models import Household, Laborer, Region
from jobmatch.placements.models import Employment, Referral
from jobmatch.posts.models import Employer, Opening
from jobmatch.rosters.headers import BOOL_LABELS, COLUMNS, LABELS, Column
from jobmatch.vocab import LABELS_ZH, Role
from workshops.models import Workshop

# Roles that may see full ID numbers and phones in an export: those who may reveal one laborer's.
FULL_NUMBER_ROLES = frozenset({Role.admin, Role.bureau, Role.cadre})
TEXT_FORMAT = "@"
SHEET_TITLES = {
    "laborers": "劳动力",
    "households": "农户",
    "employers": "用工单位",
    "openings": "岗位",
    "referrals": "推荐记录",
    "employments": "就业记录",
}


def _label(enum: type[StrEnum], value: object) -> str:
    if value is None:
        return ""
    member = enum(value)
    return LABELS[enum][member][0]


def _cell(column: Column, record: object, masked: bool) -> object:
    if column.field == "village":
        return record.household.village.code
    if column.field == "village_code":
        return record.village.code
    if column.field == "household_code":
        return record.household.code
    if column.field in ("region_code", "county_code"):
        region_id = getattr(record, column.field.replace("_code", "_id"))
        return db.session.get(Region, region_id).code if region_id else ""
    if column.field in ("employer_credit_code", "employer_name"):
        employer = record.employer
        if employer is None:
            return ""
        # The name is written too, but only where there is no credit code is it what finds the employer again.
        return (employer.credit_code or "") if column.field == "employer_credit_code" else employer.name
    if column.field == "workshop_name":
        return db.session.get(Workshop, record.workshop_id).name if record.workshop_id else ""
    value = getattr(record, column.field)
    if column.kind == "id":
        return mask_id_number(value) if masked else value
    if column.kind == "phone":
        return (mask_phone(value) if masked else value) or ""
    if column.kind == "enum":
        return _label(column.enum, value)
    if column.kind == "bool":
        return BOOL_LABELS[bool(value)]
    if column.kind == "skills":
        return "、".join(getattr(record, f"{column.field}_raw") or [])
    if column.kind == "date":
        return value.isoformat() if isinstance(value, date) else ""
    if column.kind == "money":
        return _money(value)
    return "" if value is None else value


def _records(kind: str):
    if kind == "laborers":
        query = sa.select(Laborer).order_by(Laborer.id)
        return db.session.execute(restrict(query, Laborer)).scalars()
    model = {"households": Household, "employers": Employer, "openings": Opening}[kind]
    return db.session.execute(restrict(sa.select(model).order_by(model.id), model)).scalars()


def _zh(value: object) -> str:
    """A coded value as users read it (the code itself where the glossary has no Chinese word)."""
    if value is None:
        return ""
    code = getattr(value, "value", value)
    return LABELS_ZH.get(code, str(code))


def _money(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def _day(value: date | datetime | None) -> str:
    return "" if value is None else value.isoformat()


# Read-only lists (no import reads them back): (header, value of a record, personal?).
LISTINGS: dict[str, tuple[type, tuple[tuple[str, Callable[[Any], Any], bool], ...]]] = {
    "referrals": (
        Referral,
        (
            ("编号", lambda r: r.id, False),
            ("姓名", lambda r: r.laborer.name, False),
            ("证件号码", lambda r: r.laborer.id_number, True),
            ("岗位编号", lambda r: r.opening.code, False),
            ("岗位名称", lambda r: r.opening.title, False),
            ("状态", lambda r: r.state.value, False),
            ("状态时间", lambda r: _day(r.state_since), False),
            ("原因", lambda r: _zh(r.reason_code), False),
        ),
    ),
    "employments": (
        Employment,
        (
            ("编号", lambda e: e.id, False),
            ("姓名", lambda e: e.laborer.name, False),
            ("证件号码", lambda e: e.laborer.id_number, True),
            ("就业类型", lambda e: _zh(e.kind), False),
            ("岗位编号", lambda e: e.opening.code if e.opening_id else "", False),
            ("帮扶车间编号", lambda e: e.workshop_id or "", False),
            ("用工单位编号", lambda e: e.employer_id or "", False),
            ("全职", lambda e: BOOL_LABELS[bool(e.full_time)], False),
            ("开始日期", lambda e: _day(e.start_date), False),
            ("结束日期", lambda e: _day(e.end_date), False),
            ("结束原因", lambda e: _zh(e.end_reason), False),
            ("工资", lambda e: _money(e.wage), False),
            ("工资单位", lambda e: e.wage_unit.value if e.wage_unit else "", False),
        ),
    ),
}


# Listings whose API list is kept to some roles: the export answers the others as the list does (403).
LISTING_ROLES = {"referrals": frozenset({Role.admin, Role.bureau, Role.cadre})}


def check_role(kind: str) -> None:
    """Listings whose API list is kept to some roles are refused to the others (403), as the list is."""
    user = g.get("user") if has_app_context() else None
    if user is not None and kind in LISTING_ROLES and user.role not in LISTING_ROLES[kind]:
        raise Problem(403, "Your role may not read this list", "您的角色无权查看此名单")


def _model(kind: str) -> type:
    if kind in LISTINGS:
        return LISTINGS[kind][0]
    return {"laborers": Laborer, "households": Household, "employers": Employer, "openings": Opening}[kind]


def count_rows(kind: str) -> int:
    """How many rows an export of `kind` has within the current user's scope."""
    check_role(kind)
    model = _model(kind)
    return db.session.execute(restrict(sa.select(sa.func.count(model.id)), model)).scalar_one()


# Progress is reported after this many rows (the rows' related records are read as they are written).
PROGRESS_EVERY_ROWS = 200


def _with_progress(records, progress: Callable[[int, int], None] | None, total: int):
    for done, record in enumerate(records):
        if progress is not None and done % PROGRESS_EVERY_ROWS == 0:
            progress(done, total)
        yield record


def _listing_rows(kind: str, masked: bool, progress=None, total: int = 0) -> tuple[list[str], list[list]]:
    check_role(kind)
    model, columns = LISTINGS[kind]
    records = db.session.execute(restrict(sa.select(model).order_by(model.id), model)).scalars()
    rows = [
        [(mask_id_number(get(r)) if masked and personal else get(r)) for _, get, personal in columns]
        for r in _with_progress(records, progress, total)
    ]
    return [header for header, _, _ in columns], rows


def export_rows(
    kind: str, masked: bool, progress: Callable[[int, int], None] | None = None
) -> tuple[list[str], list[list]]:
    """The header and the rows of an export of `kind` within the current user's scope.

    `progress(rows done, rows in all)` is called every PROGRESS_EVERY_ROWS rows (a background export)."""
    total = count_rows(kind) if progress is not None else 0
    if kind in LISTINGS:
        return _listing_rows(kind, masked, progress, total)
    columns = COLUMNS[kind]
    rows = [[_cell(c, r, masked) for c in columns] for r in _with_progress(_records(kind), progress, total)]
    return [c.headers[0] for c in columns], rows


def export_roster(kind: str, fmt: str, masked: bool) -> bytes:
    """An .xlsx or .csv (UTF-8 with BOM, so Excel opens it) of a roster; recorded in the audit trail."""
    return export_file(kind, fmt, masked)[0]


def export_file(
    kind: str, fmt: str, masked: bool, progress: Callable[[int, int], None] | None = None
) -> tuple[bytes, int]:
    """export_roster's file and how many rows it holds, reporting progress as the rows are read."""
    headers, rows = export_rows(kind, masked, progress)
    # Names and titles as typed: text that a spreadsheet would run as a formula is kept as text.
    rows = [sheets.row(row) for row in rows]
    audit.record("export", kind, 0, {"rows": len(rows), "format": fmt, "masked": masked})
    db.session.commit()
    if progress is not None:
        progress(len(rows), len(rows))
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(headers)
        writer.writerows(rows)
        return buffer.getvalue().encode("utf-8-sig"), len(rows)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLES[kind])
    header = [WriteOnlyCell(sheet, value=h) for h in headers]
    for cell in header:
        cell.font = Font(bold=True)
    sheet.append(header)
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            # Codes stay text, so Excel never turns an ID number into 3.61E+17.
            if isinstance(value, str):
                cell.number_format = TEXT_FORMAT
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), len(rows)

"""Exporting rosters with the headers the import reads, so an exported file imports back unchanged.

ID numbers and phones are written in full only for roles that may reveal them
(admin, bureau, cadre) and for the command line; every export is audited.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from enum import StrEnum

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from jobmatch.accounts import audit
from jobmatch.accounts.scope import restrict
from jobmatch.api.common import mask_id_number, mask_phone
from jobmatch.extensions import db
from jobmatch.people.models import Household, Laborer, Region
from jobmatch.posts.models import Employer
from jobmatch.rosters.headers import BOOL_LABELS, COLUMNS, LABELS, Column
from jobmatch.vocab import Role

# Roles that may see full ID numbers and phones in an export: those who may reveal one laborer's.
FULL_NUMBER_ROLES = frozenset({Role.admin, Role.bureau, Role.cadre})
TEXT_FORMAT = "@"
SHEET_TITLES = {"laborers": "劳动力", "households": "农户", "employers": "用工单位"}


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
        return "、".join(record.skills_raw or [])
    if column.kind == "date":
        return value.isoformat() if isinstance(value, date) else ""
    return "" if value is None else value


def _records(kind: str):
    if kind == "laborers":
        query = sa.select(Laborer).order_by(Laborer.id)
        return db.session.execute(restrict(query, Laborer)).scalars()
    model = {"households": Household, "employers": Employer}[kind]
    return db.session.execute(restrict(sa.select(model).order_by(model.id), model)).scalars()


def export_rows(kind: str, masked: bool) -> tuple[list[str], list[list]]:
    """The header and the rows of an export of `kind` within the current user's scope."""
    columns = COLUMNS[kind]
    rows = [[_cell(c, r, masked) for c in columns] for r in _records(kind)]
    return [c.headers[0] for c in columns], rows


def export_roster(kind: str, fmt: str, masked: bool) -> bytes:
    """An .xlsx or .csv (UTF-8 with BOM, so Excel opens it) of a roster; recorded in the audit trail."""
    headers, rows = export_rows(kind, masked)
    audit.record("export", kind, 0, {"rows": len(rows), "format": fmt, "masked": masked})
    db.session.commit()
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(headers)
        writer.writerows(rows)
        return buffer.getvalue().encode("utf-8-sig")
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
    return buffer.getvalue()

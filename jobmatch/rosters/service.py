"""Importing rosters: every row through the same service rules as the API, in batches, with a fate for each row.

A dry run does all the work and rolls each batch back, so its report is exactly
what a commit would do. A commit upserts by ID number (households by household
code, employers by credit code, openings by post code) and commits batch by
batch: a crash leaves earlier batches in place and nothing of the failing one,
and running the import again resumes, because rows already in the database come
back as unchanged. What the rules look up (households by code, laborers by ID
number) is fetched once per batch, so a batch costs a few queries, not a few per row.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.datetime import from_excel

from jobmatch import sheets, text
from jobmatch.accounts.scope import current_scope, restrict
from jobmatch.crud import column_state, finish_deferred
from jobmatch.errors import Collector, FieldError, Problem
from jobmatch.extensions import db
from jobmatch.people import service as people
from jobmatch.people.models import Laborer, Region
from jobmatch.posts import service as posts
from jobmatch.posts.models import Employer, Opening
from jobmatch.rosters.headers import BOOL_WORDS, COLUMNS, Column, enum_lookup, header_key
from jobmatch.rosters.reader import MAX_FILE_BYTES, UNCOMPUTED, Table, read_roster, too_large
from jobmatch.vocab import RegionLevel
from workshops.models import Workshop

# Rows committed together: small enough that a failure loses little, big enough to be fast.
BATCH_ROWS = 500
# Excel day numbers that can be dates (1900-01-01 … 2173).
EXCEL_SERIAL_RANGE = (1, 100_000)
# Doubles hold 15 significant digits exactly; longer numbers stored as numbers have lost digits.
EXACT_DIGITS = 15
SCIENTIFIC = re.compile(r"^\s*[0-9０-９]+([.．][0-9０-９]+)?[eE][+＋]?[0-9０-９]+\s*$")
DATE_TEXT = re.compile(r"^(\d{4})[-/.年]?(\d{1,2})[-/.月]?(\d{1,2})日?(?:[ T]00:00(?::00)?)?$")

CREATED, UPDATED, UNCHANGED, REJECTED = "created", "updated", "unchanged", "rejected"
FATE_ZH = {CREATED: "新增", UPDATED: "更新", UNCHANGED: "无变化", REJECTED: "拒绝"}


@dataclass
class RowFate:
    row: int
    fate: str
    key: str | None = None
    errors: list[FieldError] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"row": self.row, "fate": self.fate, "errors": [e.as_dict() for e in self.errors]}


@dataclass
class ImportResult:
    kind: str
    dry_run: bool
    table: Table
    fates: list[RowFate] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counts = {CREATED: 0, UPDATED: 0, UNCHANGED: 0, REJECTED: 0}
        for fate in self.fates:
            counts[fate.fate] += 1
        return counts

    def summary(self) -> dict:
        return {
            "kind": self.kind,
            "dry_run": self.dry_run,
            "header_row": self.table.header_row,
            "rows": len(self.fates),
            "counts": self.counts,
            "rejected": [f.as_dict() for f in self.fates if f.fate == REJECTED],
        }


Progress = Callable[[int, int], None]


# --- cells to service data ------------------------------------------------------


def _digits_lost(column: Column) -> FieldError:
    name = column.headers[0]
    return FieldError(
        column.field,
        "digits_lost",
        f"{name}被存成了数字（科学计数法），末尾数字已丢失；请把该列设为文本后重新导出",
        f"{name} was stored as a number (scientific notation) and lost its last digits; "
        "format the column as text and export again",
    )


def _as_code(value: Any, column: Column, errors: list[FieldError]) -> str | None:
    """A code (ID number, household code, phone) from a cell, refusing numbers that lost digits."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if not value.is_integer() or len(str(int(value))) > EXACT_DIGITS:
            errors.append(_digits_lost(column))
            return None
        value = int(value)
    if isinstance(value, int):
        # Excel keeps 15 significant digits of a number: a longer one has lost its tail to zeros.
        if len(str(value)) > EXACT_DIGITS:
            errors.append(_digits_lost(column))
            return None
        return str(value)
    value = str(value).strip()
    if SCIENTIFIC.match(value):
        errors.append(_digits_lost(column))
        return None
    return value


def _as_date(value: Any, column: Column, errors: list[FieldError]) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = unicodedata.normalize("NFKC", str(value)).strip()
    number: float | None = None
    if isinstance(value, (int, float)):
        number = float(value)
    elif re.fullmatch(r"\d+(\.\d+)?", raw):
        number = float(raw)
    if number is not None and EXCEL_SERIAL_RANGE[0] <= number <= EXCEL_SERIAL_RANGE[1]:
        return from_excel(number).date()
    match = DATE_TEXT.match(raw.replace(" ", ""))
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    errors.append(
        FieldError(column.field, "invalid_date", f"{column.headers[0]}不是有效日期", f"{raw} is not a valid date")
    )
    return None


def _as_number(value: Any, column: Column, errors: list[FieldError], *, whole: bool) -> int | Decimal | None:
    """A whole number (ages, headcounts) or an amount of money (kept exact) from a cell."""
    raw = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "").removesuffix("元")
    try:
        number = Decimal(raw)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or (whole and number != number.to_integral_value()):
        zh, en = ("整数", "a whole number") if whole else ("数字", "a number")
        errors.append(
            FieldError(column.field, "invalid_number", f"{column.headers[0]}须为{zh}", f"{value!s} is not {en}")
        )
        return None
    return int(number) if whole else number


def _resolve_village(
    value: Any, column: Column, errors: list[FieldError], cache: dict, level: RegionLevel | None = RegionLevel.village
) -> str | None:
    """A region's 12-digit code from its code or its name (unique within what the user may see)."""
    raw = text.normalize(str(int(value) if isinstance(value, float) and value.is_integer() else value))
    digits = text.normalize_digits(raw)
    if re.fullmatch(r"\d{12}", digits):
        return digits
    if (raw, level) not in cache:
        query = sa.select(Region.code).where(Region.name == raw)
        if level is not None:
            query = query.where(Region.level == level)
        cache[raw, level] = db.session.execute(restrict(query, Region)).scalars().all()
    codes = cache[raw, level]
    if len(codes) == 1:
        return codes[0]
    if not codes:
        errors.append(FieldError(column.field, "unknown_region", f"找不到区划 {raw}", f"no region named {raw}"))
    else:
        errors.append(
            FieldError(
                column.field,
                "ambiguous_region",
                f"有多个名为 {raw} 的区划，请填写 12 位区划代码",
                f"several regions are named {raw}; give the 12-digit division code",
            )
        )
    return None


def row_data(table: Table, cells: list, caches: dict) -> tuple[dict, list[FieldError]]:
    """Turn one row's cells into the data a service takes; blank cells are left out (kept as they are)."""
    data: dict[str, Any] = {}
    errors: list[FieldError] = []
    for column, value in zip(table.columns, cells, strict=True):
        if column is None or value is None or (isinstance(value, str) and not value.strip()):
            continue
        if value is UNCOMPUTED:
            errors.append(
                FieldError(
                    column.field,
                    "uncomputed_formula",
                    f"{column.headers[0]}是没有计算结果的公式；请在 Excel 中打开、保存后再导入",
                    "the cell holds a formula without a computed value; open and save the file in Excel first",
                )
            )
            continue
        kind = column.kind
        if kind in ("id", "code", "phone"):
            code = _as_code(value, column, errors)
            if code is not None:
                data[column.field] = code
        elif kind == "text":
            data[column.field] = str(value)
        elif kind == "skills":
            data[column.field] = text.split_skills(str(value))
        elif kind == "enum":
            # Coded columns hold a handful of distinct words: each is folded and looked up once per import.
            seen = caches.setdefault(("enum", column.enum), {})
            if value not in seen:
                if column.enum not in caches:
                    caches[column.enum] = enum_lookup(column.enum)
                seen[value] = caches[column.enum].get(header_key(value))
            member = seen[value]
            if member is None:
                errors.append(
                    FieldError(
                        column.field,
                        "unknown_value",
                        f"{column.headers[0]}“{value}”不是可选的值",
                        f"{value!s} is not an accepted value for {column.field}",
                    )
                )
            else:
                data[column.field] = member
        elif kind == "bool":
            flag = BOOL_WORDS.get(header_key(value).lower()) if not isinstance(value, bool) else value
            if flag is None:
                errors.append(
                    FieldError(column.field, "invalid_boolean", "请填写“是”或“否”", "write 是 (yes) or 否 (no)")
                )
            else:
                data[column.field] = flag
        elif kind == "date":
            day = _as_date(value, column, errors)
            if day is not None:
                data[column.field] = day
        elif kind == "float":
            try:
                data[column.field] = float(text.normalize_digits(str(value)))
            except ValueError:
                errors.append(FieldError(column.field, "invalid_number", "不是有效数字", "not a number"))
        elif kind in ("int", "money"):
            number = _as_number(value, column, errors, whole=kind == "int")
            if number is not None:
                data[column.field] = number
        elif kind in ("village", "region"):
            level = RegionLevel.village if kind == "village" else None
            code = _resolve_village(value, column, errors, caches.setdefault("regions", {}), level)
            if code is not None:
                data[column.field] = code
    return data, errors


# --- one row ----------------------------------------------------------------------


def _out_of_scope(field_name: str) -> FieldError:
    return FieldError(
        field_name, "out_of_scope", "该记录不在您的管辖范围内", "this record lies outside the regions you manage"
    )


@dataclass
class Batch:
    """What the rows of one batch share: the records they may update, the saves to flush and audit."""

    existing: dict[str, Any] = field(default_factory=dict)
    deferred: list = field(default_factory=list)
    # Look-ups that hold for the whole import (employers and workshops by code or name, within scope).
    lookups: dict = field(default_factory=dict)
    # The service rules' own look-ups (households by code, laborers by ID number), made for all rows at once.
    prefetched: people.Prefetched = field(default_factory=people.Prefetched)
    # Ids of the existing records the user may see (None: the user sees everything).
    visible: set[int] | None = None


def _laborer_row(data: dict, batch: Batch) -> tuple[str, Any]:
    """Create or update one laborer; returns the fate and the record."""
    data.pop("village", None)  # the household decides the village; the column is read for people, not stored
    existing = batch.existing.get(_laborer_key(data))
    if existing is not None and batch.visible is not None and existing.id not in batch.visible:
        raise Problem(403, "Out of scope", "超出管辖范围", [_out_of_scope("id_number")])
    return _upsert(people.save_laborer, data, existing, batch)


def _household_row(data: dict, batch: Batch) -> tuple[str, Any]:
    code = _household_key(data)
    existing = batch.existing.get(code)
    if existing is not None and people.household_by_code(code, scoped=True) is None:  # prefetched
        raise Problem(403, "Out of scope", "超出管辖范围", [_out_of_scope("code")])
    return _upsert(people.save_household, data, existing, batch)


def _employer_row(data: dict, batch: Batch) -> tuple[str, Any]:
    code = _employer_key(data)
    if not code:
        raise Problem(422, "Invalid input", "输入数据有误", [_KEY_REQUIRED["credit_code"]])
    existing = batch.existing.get(code)
    if existing is not None and not current_scope().everything:
        visible = db.session.execute(restrict(sa.select(Employer.id).where(Employer.id == existing.id), Employer))
        if visible.first() is None:
            raise Problem(403, "Out of scope", "超出管辖范围", [_out_of_scope("credit_code")])
    return _upsert(posts.save_employer, data, existing, batch)


# Employers and openings have no other natural key: an import needs the code to find them again.
_KEY_REQUIRED = {
    "credit_code": FieldError(
        "credit_code",
        "required",
        "导入用工单位须填写统一社会信用代码（据此识别是否已登记）",
        "importing an employer needs its unified social credit code (the key that finds it again)",
    ),
    "code": FieldError(
        "code",
        "required",
        "导入岗位须填写岗位编号（据此识别是否已发布）",
        "importing an opening needs its post code (the key that finds it again)",
    ),
}


def _opening_row(data: dict, batch: Batch) -> tuple[str, Any]:
    """Create or update one opening by its post code; the employer and workshop are looked up by code and name."""
    code = _opening_key(data)
    if not code:
        raise Problem(422, "Invalid input", "输入数据有误", [_KEY_REQUIRED["code"]])
    existing = batch.existing.get(code)
    if existing is not None and not current_scope().everything:
        visible = db.session.execute(restrict(sa.select(Opening.id).where(Opening.id == existing.id), Opening))
        if visible.first() is None:
            raise Problem(403, "Out of scope", "超出管辖范围", [_out_of_scope("code")])
    errors: list[FieldError] = []
    _resolve_post_owners(data, errors, batch.lookups)
    if errors:
        raise Problem(422, "Invalid input", "输入数据有误", errors)
    # 剩余名额 is not read: places left are the headcount less the people hired now, kept by the service.
    data.pop("remaining_headcount", None)
    return _upsert(posts.save_opening, data, existing, batch)


def _resolve_post_owners(data: dict, errors: list[FieldError], lookups: dict) -> None:
    """employer_id from the credit code (or a name unique in scope), workshop_id from a name unique in scope."""
    credit_code = data.pop("employer_credit_code", None)
    employer_name = data.pop("employer_name", None)
    workshop_name = data.pop("workshop_name", None)
    if credit_code:
        key = ("employer_code", text.normalize_digits(credit_code))
        if key not in lookups:
            query = sa.select(Employer.id).where(Employer.credit_code == key[1])
            lookups[key] = db.session.execute(restrict(query, Employer)).scalars().all()
        found = lookups[key]
        if not found:
            errors.append(
                FieldError(
                    "employer_credit_code",
                    "unknown_employer",
                    "找不到该统一社会信用代码的用工单位，请先导入用工单位",
                    "no employer with this credit code; import the employers first",
                )
            )
        else:
            data["employer_id"] = found[0]
    elif employer_name:
        found = _by_name(lookups, Employer, employer_name)
        _one_by_name(found, "employer_name", "用工单位", "employer", employer_name, errors, data, "employer_id")
    if workshop_name:
        found = _by_name(lookups, Workshop, workshop_name)
        _one_by_name(found, "workshop_name", "帮扶车间", "workshop", workshop_name, errors, data, "workshop_id")


def _by_name(lookups: dict, model: type, name: str) -> list[int]:
    key = (model.__tablename__, text.normalize(name))
    if key not in lookups:
        query = sa.select(model.id).where(model.name == key[1])
        lookups[key] = db.session.execute(restrict(query, model)).scalars().all()
    return lookups[key]


def _one_by_name(
    found: list[int], field_name: str, zh: str, en: str, name: str, errors: list[FieldError], data: dict, key: str
) -> None:
    if len(found) == 1:
        data[key] = found[0]
    elif not found:
        errors.append(FieldError(field_name, f"unknown_{en}", f"找不到{zh}“{name}”", f"no {en} named {name}"))
    else:
        errors.append(
            FieldError(
                field_name,
                f"ambiguous_{en}",
                f"有多个名为“{name}”的{zh}" + ("，请填写统一社会信用代码" if en == "employer" else ""),
                f"several {en}s are named {name}" + ("; give the credit code" if en == "employer" else ""),
            )
        )


def _opening_key(data: dict) -> str:
    return text.normalize_digits(str(data.get("code") or ""))


def _prefetch_openings(datas: list[dict], batch: Batch) -> None:
    codes = {k for k in map(_opening_key, datas) if k}
    found = db.session.execute(sa.select(Opening).where(Opening.code.in_(codes))).scalars()
    batch.existing = {o.code: o for o in found}


def _employer_key(data: dict) -> str:
    return text.normalize_digits(str(data.get("credit_code") or ""))


def _prefetch_employers(datas: list[dict], batch: Batch) -> None:
    codes = {k for k in map(_employer_key, datas) if k}
    found = db.session.execute(sa.select(Employer).where(Employer.credit_code.in_(codes))).scalars()
    batch.existing = {e.credit_code: e for e in found}


def _laborer_key(data: dict) -> str:
    return text.normalize_digits(str(data.get("id_number") or ""))


def _household_key(data: dict) -> str:
    return text.normalize_digits(str(data.get("code") or ""))


def _prefetch_laborers(datas: list[dict], batch: Batch) -> None:
    """The batch's laborers by ID number and their households by code: three queries instead of two a row."""
    found = people.prefetch_laborers({k for k in map(_laborer_key, datas) if k}, batch.prefetched)
    batch.existing = found
    codes = {text.normalize_digits(str(d["household_code"])) for d in datas if d.get("household_code")}
    people.prefetch_households(codes, batch.prefetched)
    if found and not current_scope().everything:
        ids = sa.select(Laborer.id).where(Laborer.id.in_([lab.id for lab in found.values()]))
        batch.visible = set(db.session.execute(restrict(ids, Laborer)).scalars())


def _prefetch_households(datas: list[dict], batch: Batch) -> None:
    codes = {k for k in map(_household_key, datas) if k}
    people.prefetch_households(codes, batch.prefetched)
    batch.existing = {c: h for c, h in batch.prefetched.households.items() if h is not None}


def _upsert(save: Callable, data: dict, existing: Any, batch: Batch) -> tuple[str, Any]:
    before = column_state(existing) if existing is not None else None
    obj = save(data, existing, commit=False, deferred=batch.deferred)
    if before is None:
        return CREATED, obj
    return (UNCHANGED if column_state(obj) == before else UPDATED), obj


ROW_SAVERS = {
    "laborers": _laborer_row,
    "households": _household_row,
    "employers": _employer_row,
    "openings": _opening_row,
}
# What each roster fetches for a whole batch before its rows: the records they may update, the rules' look-ups.
PREFETCH = {
    "laborers": _prefetch_laborers,
    "households": _prefetch_households,
    "employers": _prefetch_employers,
    "openings": _prefetch_openings,
}
KEY_FIELDS = {"laborers": "id_number", "households": "code", "employers": "credit_code", "openings": "code"}


# --- the import -------------------------------------------------------------------


def import_roster(
    kind: str,
    data: bytes,
    filename: str,
    *,
    dry_run: bool,
    progress: Progress | None = None,
    batch_rows: int | None = None,
) -> ImportResult:
    """Import a roster file of `kind` (laborers, households, employers, openings); dry_run writes nothing.

    `progress(rows done, rows in the file)` is called once the file is read and after every batch.
    """
    result = read_import(kind, data, filename, dry_run=dry_run)
    total = len(result.table.rows)
    if progress is not None:
        progress(0, total)
    for done in import_batches(result, batch_rows):
        if progress is not None:
            progress(done, total)
    return result


def read_import(kind: str, data: bytes, filename: str, *, dry_run: bool) -> ImportResult:
    """Read the file of an import (a hostile or unreadable file is refused here, before any row is saved)."""
    if kind not in ROW_SAVERS:
        raise Problem(
            404,
            "Unknown roster",
            "未知名册类型",
            [FieldError("kind", "unknown", "未知名册类型", "unknown roster kind")],
        )
    table = read_roster(data, filename, COLUMNS[kind])
    return ImportResult(kind=kind, dry_run=dry_run, table=table)


def import_batches(result: ImportResult, batch_rows: int | None = None) -> Iterator[int]:
    """Save the rows of a read file batch by batch, one transaction each; yields the rows done after each batch."""
    kind, table, dry_run = result.kind, result.table, result.dry_run
    batch_rows = batch_rows or BATCH_ROWS
    save_row, key_field = ROW_SAVERS[kind], KEY_FIELDS[kind]
    caches: dict = {}
    first_row_of: dict[str, int] = {}
    total = len(table.rows)
    # End any transaction the caller's reads began, so each batch is its own transaction.
    db.session.commit()
    for start in range(0, total, batch_rows):
        rows = table.rows[start : start + batch_rows]
        fates: list[RowFate] = []
        try:
            # The batch is flushed once at its end: rows repeating a key were refused as duplicates in the file.
            with db.session.no_autoflush:
                read = [(number, *row_data(table, cells, caches)) for number, cells in rows]
                batch = Batch(lookups=caches)
                PREFETCH[kind]([data for _, data, _ in read], batch)
                with people.prefetched(batch.prefetched):
                    for row_number, data, errors in read:
                        fates.append(_one_row(save_row, key_field, row_number, data, errors, batch, first_row_of))
            finish_deferred(batch.deferred)
        except BaseException:
            db.session.rollback()
            raise
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
        result.fates.extend(fates)
        yield start + len(rows)


def _one_row(
    save_row: Callable,
    key_field: str,
    row_number: int,
    data: dict,
    errors: list[FieldError],
    batch: Batch,
    first_row_of: dict[str, int],
) -> RowFate:
    key = text.normalize_digits(str(data.get(key_field) or "")) or None
    if key is not None and key in first_row_of:
        errors.append(
            FieldError(
                key_field,
                "duplicate_in_file",
                f"与第 {first_row_of[key]} 行重复",
                f"repeats row {first_row_of[key]} of this file",
            )
        )
    elif key is not None:
        first_row_of[key] = row_number
    if errors:
        # Report the service's own findings too, without writing: its rules run on the readable fields.
        errors.extend(_validation_errors(save_row, data, errors))
        return RowFate(row_number, REJECTED, key, errors)
    try:
        fate, _ = save_row(data, batch)
    except Problem as problem:
        if problem.status == 409 and not problem.errors[0].field:
            # A unique constraint failed at flush: the batch's transaction is spoilt; let the caller retry.
            raise
        return RowFate(row_number, REJECTED, key, list(problem.errors))
    return RowFate(row_number, fate, key)


def _validation_errors(save_row: Callable, data: dict, known: list[FieldError]) -> list[FieldError]:
    """The service's errors for the fields that were readable (nothing is saved: the row is already rejected)."""
    bad = {e.field for e in known}
    readable = {k: v for k, v in data.items() if k not in bad}
    if not readable:
        return []
    collector = Collector()
    clean = {
        _laborer_row: people._clean_laborer,
        _household_row: people._clean_household,
        _employer_row: posts._clean_employer,
        _opening_row: posts._clean_opening,
    }[save_row]
    clean(readable, collector, None)
    return [e for e in collector.errors if e.field not in bad]


# --- the report -------------------------------------------------------------------

BAD_FILL = PatternFill("solid", fgColor="FFC7CE")
BAD_FONT = Font(color="9C0006")
HEADER_FONT = Font(bold=True)


def report_workbook(result: ImportResult) -> bytes:
    """The file as read, with each row's fate and reasons, and the cells that are wrong highlighted."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("导入结果")
    extra = ["结果 / result", "字段 / field", "原因", "reason"]
    header = [WriteOnlyCell(sheet, value=sheets.cell(h)) for h in result.table.headers + extra]
    for cell in header:
        cell.font = HEADER_FONT
    sheet.append(header)
    fields_of = [c.field if c is not None else None for c in result.table.columns]
    for (_, cells), fate in zip(result.table.rows, result.fates, strict=True):
        bad = {e.field for e in fate.errors}
        out = []
        for value, field_name in zip(cells, fields_of, strict=True):
            cell = WriteOnlyCell(sheet, value=None if value is UNCOMPUTED else sheets.cell(_plain(value)))
            if field_name is not None and field_name in bad:
                cell.fill = BAD_FILL
                cell.font = BAD_FONT
            out.append(cell)
        out.append(WriteOnlyCell(sheet, value=f"{FATE_ZH[fate.fate]} / {fate.fate}"))
        # Reasons may quote what was typed.
        out.append(WriteOnlyCell(sheet, value=sheets.cell("; ".join(e.field for e in fate.errors))))
        out.append(WriteOnlyCell(sheet, value=sheets.cell("；".join(e.zh for e in fate.errors))))
        out.append(WriteOnlyCell(sheet, value=sheets.cell("; ".join(e.en for e in fate.errors))))
        sheet.append(out)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _plain(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, date, datetime)) or value is None else str(value)


def read_file(path: str) -> bytes:
    """A file's bytes, refusing anything larger than an import accepts before reading it."""
    if Path(path).stat().st_size > MAX_FILE_BYTES:
        raise too_large()
    return Path(path).read_bytes()

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

import hashlib
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

from jobmatch import crud, sheets, text
from jobmatch.accounts.scope import current_scope, restrict
from jobmatch.api.common import mask_id_number, mask_phone
from jobmatch.crud import column_state, finish_deferred
from jobmatch.errors import FieldError, Problem
from jobmatch.extensions import db
from jobmatch.people import service as people
from jobmatch.people.models import Household, Laborer, Region
from jobmatch.posts import service as posts
from jobmatch.posts.models import Employer, Opening
from jobmatch.rosters import template
from jobmatch.rosters.headers import (
    BOOL_LABELS,
    BOOL_WORDS,
    COLUMNS,
    KEY_FIELDS,
    Column,
    cell_key,
    column_of,
    enum_lookup,
    header_key,
    in_sheet_words,
    label,
)
from jobmatch.rosters.reader import MAX_FILE_BYTES, UNCOMPUTED, Table, UnreadableRoster, read_roster, too_large
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
    """What became of one row: its fate, what the officer knows it by, and why (errors, changes, notices)."""

    row: int
    fate: str
    key: str | None = None
    errors: list[FieldError] = field(default_factory=list)
    # Who or what the row is, as an officer reads it (a name; an ID number only masked).
    label: str = ""
    # Updated rows: [{"field", "old", "new"}] by the roster's column fields, personal data masked.
    changes: list[dict] = field(default_factory=list)
    # What the officer should check but that does not refuse the row (an ID number from another county).
    notices: list[FieldError] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"row": self.row, "fate": self.fate, "errors": [e.as_dict() for e in self.errors]}


@dataclass
class ImportResult:
    kind: str
    dry_run: bool
    table: Table
    fates: list[RowFate] = field(default_factory=list)
    # The file's SHA-256: a commit from the page names the file its officer checked (see check_digest).
    digest: str = ""
    # Rows left out because they are the template's example row, unchanged.
    examples_skipped: int = 0

    @property
    def counts(self) -> dict[str, int]:
        counts = {CREATED: 0, UPDATED: 0, UNCHANGED: 0, REJECTED: 0}
        for fate in self.fates:
            counts[fate.fate] += 1
        return counts

    def column(self, field_name: str) -> dict:
        """The column a service field is written in: its header as the file writes it, and its English name."""
        columns = COLUMNS[self.kind]
        present = {c.field for c in self.table.columns if c is not None}
        column = column_of(columns, field_name, present)
        if column is None:
            return {"column": "", "column_en": ""}
        written = next(
            (h.strip() for h, c in zip(self.table.headers, self.table.columns, strict=True) if c is column), ""
        )
        return {"column": written or column.headers[0], "column_en": column.en}

    def named(self, error: FieldError) -> dict:
        """An error of a row as a sheet's user reads it: by its column, in both languages."""
        columns = COLUMNS[self.kind]
        return error.as_dict() | {"en": in_sheet_words(error.en, columns)} | self.column(error.field)

    def summary(self) -> dict:
        """What an officer reads before committing: counts, refused rows with every reason by column,
        changed rows with each change (old → new, personal data masked), and the notices."""
        rejected = [
            {"row": f.row, "fate": f.fate, "label": f.label, "errors": [self.named(e) for e in f.errors]}
            for f in self.fates
            if f.fate == REJECTED
        ]
        updated = [
            {
                "row": f.row,
                "label": f.label,
                "changes": [change | self.column(change["field"]) for change in f.changes],
            }
            for f in self.fates
            if f.fate == UPDATED
        ]
        notices = [
            {"row": f.row, "label": f.label, "fate": f.fate} | self.named(n) for f in self.fates for n in f.notices
        ]
        return {
            "kind": self.kind,
            "dry_run": self.dry_run,
            "digest": self.digest,
            "header_row": self.table.header_row,
            "rows": len(self.fates),
            "examples_skipped": self.examples_skipped,
            "counts": self.counts,
            "rejected": rejected,
            "updated": updated,
            "notices": notices,
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
                seen[value] = caches[column.enum].get(cell_key(value))
            member = seen[value]
            if member is None:
                errors.append(
                    FieldError(
                        column.field,
                        "unknown_value",
                        f"{column.headers[0]}“{value}”不是可选的值",
                        f"“{value!s}” is not an accepted value for {column.en}",
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


def _laborer_row(data: dict, batch: Batch, errors: list[FieldError]) -> Laborer | None:
    """The laborer a row updates (None: a new one); refuses one outside the user's scope."""
    data.pop("village", None)  # the household decides the village; the column is read for people, not stored
    existing = batch.existing.get(_laborer_key(data))
    if existing is not None and batch.visible is not None and existing.id not in batch.visible:
        raise Problem(403, "Out of scope", "超出管辖范围", [_out_of_scope("id_number")])
    return existing


def _household_row(data: dict, batch: Batch, errors: list[FieldError]) -> Any:
    code = _household_key(data)
    existing = batch.existing.get(code)
    if existing is not None and people.household_by_code(code, scoped=True) is None:  # prefetched
        raise Problem(403, "Out of scope", "超出管辖范围", [_out_of_scope("code")])
    return existing


def _employer_row(data: dict, batch: Batch, errors: list[FieldError]) -> Employer | None:
    code = _employer_key(data)
    if not code:
        errors.append(_KEY_REQUIRED["credit_code"])
        return None
    existing = batch.existing.get(code)
    if existing is not None and not current_scope().everything:
        visible = db.session.execute(restrict(sa.select(Employer.id).where(Employer.id == existing.id), Employer))
        if visible.first() is None:
            raise Problem(403, "Out of scope", "超出管辖范围", [_out_of_scope("credit_code")])
    return existing


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


def _opening_row(data: dict, batch: Batch, errors: list[FieldError]) -> Opening | None:
    """The opening a row updates, by its post code; the employer and workshop are looked up by code and name."""
    code = _opening_key(data)
    existing = batch.existing.get(code) if code else None
    if not code:
        errors.append(_KEY_REQUIRED["code"])
    if existing is not None and not current_scope().everything:
        visible = db.session.execute(restrict(sa.select(Opening.id).where(Opening.id == existing.id), Opening))
        if visible.first() is None:
            raise Problem(403, "Out of scope", "超出管辖范围", [_out_of_scope("code")])
    _resolve_post_owners(data, errors, batch.lookups)
    # 剩余名额 is not read: places left are the headcount less the people hired now, kept by the service.
    data.pop("remaining_headcount", None)
    return existing


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


def _upsert(save: Callable, data: dict, existing: Any, batch: Batch) -> tuple[str, Any, dict]:
    """Save a row; returns its fate, the record and, for an update, the columns that change (old, new)."""
    before = column_state(existing) if existing is not None else None
    obj = save(data, existing, commit=False, deferred=batch.deferred)
    if before is None:
        return CREATED, obj, {}
    after = column_state(obj)
    changed = {k: (before[k], after[k]) for k in after if after[k] != before.get(k)}
    return (UPDATED if changed else UNCHANGED), obj, changed


# What a row's first step finds (the record it updates, owners by code) before the service's rules save it.
PREPARE_ROW: dict[str, Callable[[dict, Batch, list[FieldError]], Any]] = {
    "laborers": _laborer_row,
    "households": _household_row,
    "employers": _employer_row,
    "openings": _opening_row,
}


def _saver(kind: str) -> Callable:
    """The service function that saves a record of this roster (looked up when called)."""
    return {
        "laborers": people.save_laborer,
        "households": people.save_household,
        "employers": posts.save_employer,
        "openings": posts.save_opening,
    }[kind]


# What each roster fetches for a whole batch before its rows: the records they may update, the rules' look-ups.
PREFETCH = {
    "laborers": _prefetch_laborers,
    "households": _prefetch_households,
    "employers": _prefetch_employers,
    "openings": _prefetch_openings,
}
# Changes to a record's columns that a roster shows in another column (ids as the names and codes it writes).
CHANGE_COLUMNS = {
    "household_id": "household_code",
    "village_id": "village_code",
    "region_id": "region_code",
    "county_id": "county_code",
    "employer_id": "employer_name",
    "workshop_id": "workshop_name",
    "skills_raw": "skills",
    "required_skills_raw": "required_skills",
}


def _shown(column: Column, value: Any) -> str:
    """A value as a roster writes it, personal data masked (ID numbers, phones)."""
    if value is None or value == "":
        return ""
    if column.kind == "id":
        return mask_id_number(value)
    if column.kind == "phone":
        return mask_phone(value)
    if column.kind == "enum":
        return label(value)
    if column.kind == "bool":
        return BOOL_LABELS[bool(value)]
    if column.kind == "skills":
        return "、".join(value)
    if column.field == "household_code":
        household = db.session.get(Household, value)
        return household.code if household else ""
    if column.kind in ("village", "region"):
        region = db.session.get(Region, value)
        return region.name if region else ""
    if column.field in ("employer_name", "workshop_name"):
        owner = db.session.get(Employer if column.field == "employer_name" else Workshop, value)
        return owner.name if owner else ""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _changes(kind: str, changed: dict) -> list[dict]:
    """The changes of an updated row by the roster's columns: [{field, old, new}], in the columns' order."""
    by_field = {c.field: c for c in COLUMNS[kind]}
    out = {}
    for key, (old, new) in changed.items():
        name = CHANGE_COLUMNS.get(key, key)
        column = by_field.get(name)
        if column is None or name in out:
            continue  # kept by the service from other columns (search keys, skill codes, timestamps)
        out[name] = {"field": name, "old": _shown(column, old), "new": _shown(column, new)}
    order = list(by_field)
    return sorted(out.values(), key=lambda change: order.index(change["field"]))


def _row_label(kind: str, data: dict, existing: Any, key: str | None) -> str:
    """Who or what a row is, as an officer knows it: a name, a code; an ID number only masked."""
    name = data.get("name") or getattr(existing, "name", None) or ""
    if kind == "laborers":
        return " ".join(p for p in (str(name), mask_id_number(key) if key else "") if p)
    if kind == "openings":
        return " ".join(p for p in (key or "", str(data.get("title") or getattr(existing, "title", "") or "")) if p)
    if kind == "employers":
        return str(name or key or "")
    return key or ""


# --- the import -------------------------------------------------------------------


def import_roster(
    kind: str,
    data: bytes,
    filename: str,
    *,
    dry_run: bool,
    progress: Progress | None = None,
    batch_rows: int | None = None,
    digest: str | None = None,
) -> ImportResult:
    """Import a roster file of `kind` (laborers, households, employers, openings); dry_run writes nothing.

    A commit given the `digest` of the file its dry run checked refuses any other file (check_digest).

    `progress(rows done, rows in the file)` is called once the file is read and after every batch.
    """
    result = read_import(kind, data, filename, dry_run=dry_run)
    return run_import(result, progress=progress, batch_rows=batch_rows, digest=digest)


def run_import(
    result: ImportResult,
    *,
    progress: Progress | None = None,
    batch_rows: int | None = None,
    digest: str | None = None,
) -> ImportResult:
    """Check or save the rows of a file already read (read_import), reporting progress after each batch."""
    if not result.dry_run:
        check_digest(result, digest)
    total = len(result.table.rows)
    if progress is not None:
        progress(0, total)
    for done in import_batches(result, batch_rows):
        if progress is not None:
            progress(done, total)
    return result


def read_import(kind: str, data: bytes, filename: str, *, dry_run: bool) -> ImportResult:
    """Read the file of an import (a hostile or unreadable file is refused here, before any row is saved)."""
    if kind not in PREPARE_ROW:
        raise Problem(
            404,
            "Unknown roster",
            "未知名册类型",
            [FieldError("kind", "unknown", "未知名册类型", "unknown roster kind")],
        )
    table = read_roster(data, filename, COLUMNS[kind])
    rows = [(n, cells) for n, cells in table.rows if not template.is_example_row(kind, table.columns, cells)]
    skipped, table.rows = len(table.rows) - len(rows), rows
    _check_key_column(kind, table)
    return ImportResult(
        kind=kind, dry_run=dry_run, table=table, digest=hashlib.sha256(data).hexdigest(), examples_skipped=skipped
    )


def _check_key_column(kind: str, table: Table) -> None:
    """Refuse a file without the column that finds its records again: every row would be refused for it."""
    key = KEY_FIELDS[kind]
    if any(c is not None and c.field == key for c in table.columns):
        return
    column = next(c for c in COLUMNS[kind] if c.field == key)
    found = "、".join(h for h, c in zip(table.headers, table.columns, strict=True) if c is not None)
    raise UnreadableRoster(
        "key_column_missing",
        f"缺少“{column.headers[0]}”列（据此识别记录；也可写作 {'、'.join(column.headers[1:]) or '—'}）。"
        f"已识别的列：{found}。请下载模板核对表头",
        f"the file has no “{column.headers[0]}” column ({column.en}), which finds each record again; "
        f"columns found: {found}. Download the template to check the headers",
    )


def check_digest(result: ImportResult, expected: str | None) -> None:
    """Refuse to commit a file other than the one the officer checked (the page sends the checked file's digest)."""
    if expected and expected != result.digest:
        raise Problem(
            409,
            "File changed since the check",
            "文件与检查时不同",
            [
                FieldError(
                    "file",
                    "changed_since_check",
                    "文件在检查之后被修改过，请重新检查后再导入",
                    "the file changed after it was checked: check it again before importing",
                )
            ],
        )


def import_batches(result: ImportResult, batch_rows: int | None = None) -> Iterator[int]:
    """Save the rows of a read file batch by batch, one transaction each; yields the rows done after each batch."""
    kind, table, dry_run = result.kind, result.table, result.dry_run
    batch_rows = batch_rows or BATCH_ROWS
    caches: dict = {}
    first_row_of: dict[str, int] = {}
    total = len(table.rows)
    # End any transaction the caller's reads began, so each batch is its own transaction.
    db.session.commit()
    for start in range(0, total, batch_rows):
        rows = table.rows[start : start + batch_rows]
        fates: list[tuple[RowFate, Any]] = []
        try:
            # The batch is flushed once at its end: rows repeating a key were refused as duplicates in the file.
            with db.session.no_autoflush:
                read = [(number, *row_data(table, cells, caches)) for number, cells in rows]
                batch = Batch(lookups=caches)
                PREFETCH[kind]([data for _, data, _ in read], batch)
                with people.prefetched(batch.prefetched):
                    for row_number, data, errors in read:
                        fates.append(_one_row(kind, row_number, data, errors, batch, first_row_of))
            finish_deferred(batch.deferred)
            _notices(kind, fates)
        except BaseException:
            db.session.rollback()
            raise
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
        result.fates.extend(fate for fate, _ in fates)
        yield start + len(rows)


def _one_row(
    kind: str,
    row_number: int,
    data: dict,
    errors: list[FieldError],
    batch: Batch,
    first_row_of: dict[str, int],
) -> tuple[RowFate, Any]:
    """Save one row (or find every reason it cannot be saved); returns its fate and the record saved."""
    key_field = KEY_FIELDS[kind]
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
    try:
        existing = PREPARE_ROW[kind](data, batch, errors)
    except Problem as problem:
        return RowFate(
            row_number, REJECTED, key, errors + list(problem.errors), _row_label(kind, data, None, key)
        ), None
    label = _row_label(kind, data, existing, key)
    if errors:
        # Report the service's own findings too, without writing: its rules run on the readable fields.
        errors.extend(_rule_errors(kind, data, existing, errors, batch))
        return RowFate(row_number, REJECTED, key, errors, label), None
    try:
        fate, obj, changed = _upsert(_saver(kind), data, existing, batch)
    except Problem as problem:
        if problem.status == 409 and not problem.errors[0].field:
            # A unique constraint failed at flush: the batch's transaction is spoilt; let the caller retry.
            raise
        return RowFate(row_number, REJECTED, key, list(problem.errors), label), None
    return RowFate(row_number, fate, key, label=label, changes=_changes(kind, changed)), obj


def _rule_errors(kind: str, data: dict, existing: Any, known: list[FieldError], batch: Batch) -> list[FieldError]:
    """Every other error of a rejected row: the service's rules run on its readable fields, writing nothing."""
    columns = COLUMNS[kind]

    def column_field(name: str) -> str:
        column = column_of(columns, name, set(data) | {e.field for e in known})
        return column.field if column is not None else name

    bad = {column_field(e.field) for e in known}
    readable = {k: v for k, v in data.items() if column_field(k) not in bad}
    with crud.checking():
        try:
            _saver(kind)(readable, existing, commit=False, deferred=[])
        except Problem as problem:
            return [e for e in problem.errors if e.field and column_field(e.field) not in bad]
    return []


def _notices(kind: str, saved: list[tuple[RowFate, Any]]) -> None:
    """Notices for the rows a batch saved (flushed): an ID number issued outside the laborer's county."""
    if kind != "laborers":
        return
    for fate, laborer in saved:
        if fate.fate in (CREATED, UPDATED):
            db.session.expire(laborer, ["household"])  # its household may have just changed
            fate.notices = people.laborer_notices(laborer)


# --- the report -------------------------------------------------------------------

BAD_FILL = PatternFill("solid", fgColor="FFC7CE")
BAD_FONT = Font(color="9C0006")
HEADER_FONT = Font(bold=True)


def report_workbook(result: ImportResult) -> bytes:
    """The file as read, with each row's fate and reasons, and the cells that are wrong highlighted."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("导入结果")
    extra = ["结果 / result", "列 / column", "原因", "reason", "变更 / changes", "提醒 / notices"]
    header = [WriteOnlyCell(sheet, value=sheets.cell(h)) for h in result.table.headers + extra]
    for cell in header:
        cell.font = HEADER_FONT
    sheet.append(header)
    fields_of = [result.column(c.field)["column"] if c is not None else None for c in result.table.columns]
    for (_, cells), fate in zip(result.table.rows, result.fates, strict=True):
        bad = {result.column(e.field)["column"] for e in fate.errors}
        out = []
        for value, field_name in zip(cells, fields_of, strict=True):
            cell = WriteOnlyCell(sheet, value=None if value is UNCOMPUTED else sheets.cell(_plain(value)))
            if field_name is not None and field_name in bad:
                cell.fill = BAD_FILL
                cell.font = BAD_FONT
            out.append(cell)
        out.append(WriteOnlyCell(sheet, value=f"{FATE_ZH[fate.fate]} / {fate.fate}"))
        # Reasons may quote what was typed.
        named = [result.named(e) for e in fate.errors]
        columns = "; ".join(dict.fromkeys(f"{n['column']} {n['column_en']}".strip() for n in named))
        out.append(WriteOnlyCell(sheet, value=sheets.cell(columns)))
        out.append(WriteOnlyCell(sheet, value=sheets.cell("；".join(n["zh"] for n in named))))
        out.append(WriteOnlyCell(sheet, value=sheets.cell("; ".join(n["en"] for n in named))))
        out.append(WriteOnlyCell(sheet, value=sheets.cell("；".join(change_text(result, c) for c in fate.changes))))
        out.append(WriteOnlyCell(sheet, value=sheets.cell("；".join(n.zh for n in fate.notices))))
        sheet.append(out)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def change_text(result: ImportResult, change: dict) -> str:
    """One change of an updated row as an officer reads it: 务工状态：未就业 → 外出务工."""
    return f"{result.column(change['field'])['column']}：{change['old'] or '（空）'} → {change['new'] or '（空）'}"


def _plain(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, date, datetime)) or value is None else str(value)


def read_file(path: str) -> bytes:
    """A file's bytes, refusing anything larger than an import accepts before reading it."""
    if Path(path).stat().st_size > MAX_FILE_BYTES:
        raise too_large()
    return Path(path).read_bytes()

"""Monthly summaries, the .xlsx attendance sheet, public-welfare stipends and the anomaly report.

One query groups a month's attendance by workshop, laborer and employment; the
per-worker summary, the per-workshop totals (one workshop or a province's 3,000),
the export and the stipends are all built from its rows, so they agree.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from jobmatch import sheets, text
from jobmatch.accounts import audit
from jobmatch.accounts.models import AuditEvent
from jobmatch.api.common import mask_id_number
from jobmatch.extensions import db
from jobmatch.people.models import Household, Laborer
from jobmatch.placements.models import Employment
from jobmatch.posts.models import Opening
from jobmatch.vocab import LABELS_ZH, MONITORED_CATEGORIES, HouseholdCategory, WageUnit
from workshops import settings
from workshops.attendance import closed_months, month_end, workshop_county_id
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

CENT = Decimal("0.01")
# Half-days, so that sums stay whole numbers in SQL on every backend.
HALF_DAYS = {
    AttendanceStatus.present: 2,
    AttendanceStatus.half_day: 1,
    AttendanceStatus.home_piecework: 2,
    AttendanceStatus.leave: 0,
    AttendanceStatus.absent: 0,
}
# The mark each status gets in a day column of the printed sheet.
DAY_MARKS = {
    AttendanceStatus.present: "√",
    AttendanceStatus.half_day: "半",
    AttendanceStatus.home_piecework: "家",
    AttendanceStatus.leave: "假",
    AttendanceStatus.absent: "缺",
}
# Months looked back for the "employed N months in a row" evidence.
CONSECUTIVE_MONTHS_LOOKBACK = 12


def _case(mapping: dict[AttendanceStatus, int]) -> sa.ColumnElement[int]:
    return sa.case(*((Attendance.status == s, v) for s, v in mapping.items() if v), else_=0)


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def estimate_wage(
    days: Decimal,
    pieces: int,
    wage: Decimal | None,
    unit: WageUnit | None,
    working_days: int,
    pieces_recorded: bool = True,
) -> Decimal | None:
    """The month's wage from the employment's rate: per day, per piece, or a monthly wage for the days worked.

    None when it cannot be known: no rate, or piece work with no piece count written on any day
    (未填件数 — not ¥0.00, which would read as a month's work for nothing).
    """
    if wage is None or unit is None:
        return None
    if unit == WageUnit.piece and not pieces_recorded:
        return None
    if unit == WageUnit.day:
        return _money(wage * days)
    if unit == WageUnit.piece:
        return _money(wage * pieces)
    return _money(wage * min(Decimal(1), days / Decimal(working_days)))


@dataclass
class WorkerMonth:
    """One worker's month at one workshop (or on their public-welfare post)."""

    workshop_id: int | None
    laborer_id: int
    employment_id: int
    name: str
    category: HouseholdCategory
    days: Decimal = Decimal(0)
    hours: Decimal = Decimal(0)
    pieces: int = 0
    leave_days: int = 0
    absent_days: int = 0
    wage: Decimal | None = None
    # Piece work whose piece counts were never written this month: the wage is unknown, not zero.
    pieces_missing: bool = False
    marks: dict[int, str] = field(default_factory=dict)
    months_in_a_row: int = 0
    id_number: str | None = None

    @property
    def out_of_poverty(self) -> bool:
        return self.category == HouseholdCategory.out_of_poverty

    @property
    def monitored(self) -> bool:
        return self.category in MONITORED_CATEGORIES

    def as_dict(self) -> dict[str, Any]:
        return {
            "laborer_id": self.laborer_id,
            "laborer_name": self.name,
            "employment_id": self.employment_id,
            "household_category": self.category.value,
            "days": float(self.days),
            "hours": float(self.hours),
            "pieces": self.pieces,
            "leave_days": self.leave_days,
            "absent_days": self.absent_days,
            "estimated_wage": float(self.wage) if self.wage is not None else None,
            "pieces_missing": self.pieces_missing,
            "months_in_a_row": self.months_in_a_row,
        }


def worker_months(
    month: date,
    kind: AttendanceKind,
    workshop_ids: list[int] | sa.Select | None = None,
    laborer_ids: sa.Select | None = None,
    by_name: bool = True,
) -> list[WorkerMonth]:
    """A month's attendance summed per workshop, laborer and employment, with the estimated wage.

    by_name=False skips ordering workers by the pinyin of their names (costly for a province's totals).
    """
    first, last = month, month_end(month)
    wage = sa.func.coalesce(Employment.wage, Opening.wage_min)
    unit = sa.case((Employment.wage.is_not(None), Employment.wage_unit), else_=Opening.wage_unit)
    query = (
        sa.select(
            Attendance.workshop_id,
            Attendance.laborer_id,
            Attendance.employment_id,
            Laborer.name,
            Household.category,
            sa.func.sum(_case(HALF_DAYS)),
            sa.func.coalesce(sa.func.sum(Attendance.hours), 0),
            sa.func.coalesce(sa.func.sum(Attendance.pieces), 0),
            sa.func.sum(_case({AttendanceStatus.leave: 1})),
            sa.func.sum(_case({AttendanceStatus.absent: 1})),
            wage,
            unit,
            sa.func.count(Attendance.pieces),
        )
        .join(Employment, Employment.id == Attendance.employment_id)
        .outerjoin(Opening, Opening.id == Employment.opening_id)
        .join(Laborer, Laborer.id == Attendance.laborer_id)
        .join(Household, Household.id == Laborer.household_id)
        .where(Attendance.kind == kind, Attendance.day.between(first, last))
        .group_by(
            Attendance.workshop_id,
            Attendance.laborer_id,
            Attendance.employment_id,
            Laborer.name,
            Household.category,
            wage,
            unit,
        )
    )
    if workshop_ids is not None:
        query = query.where(Attendance.workshop_id.in_(workshop_ids))
    if laborer_ids is not None:
        query = query.where(Attendance.laborer_id.in_(laborer_ids))
    working_days = int(settings.setting("WORKING_DAYS_PER_MONTH"))
    out = []
    for row in db.session.execute(query):
        days = Decimal(int(row[5])) / 2
        pieces = int(row[7])
        rate, rate_unit = row[10], row[11]
        pieces_recorded = int(row[12]) > 0
        piece_work = _unit(rate_unit) == WageUnit.piece
        out.append(
            WorkerMonth(
                workshop_id=row[0],
                laborer_id=row[1],
                employment_id=row[2],
                name=row[3],
                category=HouseholdCategory(row[4]),
                days=days,
                hours=Decimal(str(row[6])),
                pieces=pieces,
                leave_days=int(row[8]),
                absent_days=int(row[9]),
                wage=estimate_wage(days, pieces, _decimal(rate), _unit(rate_unit), working_days, pieces_recorded),
                pieces_missing=piece_work and days > 0 and not pieces_recorded,
            )
        )
    if not by_name:
        return out
    return sorted(out, key=lambda w: (w.workshop_id or 0, text.pinyin_key(w.name), w.laborer_id))


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _unit(value: Any) -> WageUnit | None:
    return None if value is None else WageUnit(value)


@dataclass
class WorkshopMonth:
    """A workshop's month: workers, days, hours, pieces, wages and where its workers come from."""

    workshop_id: int
    workers: int = 0
    workers_worked: int = 0
    from_out_of_poverty: int = 0
    from_monitored: int = 0
    days: Decimal = Decimal(0)
    hours: Decimal = Decimal(0)
    pieces: int = 0
    estimated_wages: Decimal = Decimal(0)

    def add(self, worker: WorkerMonth) -> None:
        self.workers += 1
        if worker.days > 0:
            self.workers_worked += 1
            self.from_out_of_poverty += worker.out_of_poverty
            self.from_monitored += worker.monitored
        self.days += worker.days
        self.hours += worker.hours
        self.pieces += worker.pieces
        self.estimated_wages += worker.wage or 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "workshop_id": self.workshop_id,
            "workers": self.workers,
            "workers_worked": self.workers_worked,
            "from_out_of_poverty": self.from_out_of_poverty,
            "from_monitored": self.from_monitored,
            "days": float(self.days),
            "hours": float(self.hours),
            "pieces": self.pieces,
            "estimated_wages": float(self.estimated_wages),
        }


def workshop_months(month: date, workshop_ids: list[int] | sa.Select | None = None) -> dict[int, WorkshopMonth]:
    """Totals per workshop for a month (one workshop, a county, or a province)."""
    totals: dict[int, WorkshopMonth] = {}
    for worker in worker_months(month, AttendanceKind.workshop, workshop_ids, by_name=False):
        totals.setdefault(worker.workshop_id, WorkshopMonth(worker.workshop_id)).add(worker)
    return totals


def _consecutive_months(workshop_id: int, month: date, laborer_ids: list[int]) -> dict[int, int]:
    """Months in a row, ending with `month`, in which each worker worked at least a day here."""
    start = month
    for _ in range(CONSECUTIVE_MONTHS_LOOKBACK - 1):
        start = (start - timedelta(days=1)).replace(day=1)
    rows = db.session.execute(
        sa.select(Attendance.laborer_id, Attendance.day)
        .where(
            Attendance.workshop_id == workshop_id,
            Attendance.laborer_id.in_(laborer_ids),
            Attendance.day.between(start, month_end(month)),
            Attendance.status.in_([s for s, v in HALF_DAYS.items() if v]),
        )
        .distinct()
    )
    worked: dict[int, set[date]] = defaultdict(set)
    for laborer_id, day in rows:
        worked[laborer_id].add(day.replace(day=1))
    out = {}
    for laborer_id in laborer_ids:
        count, cursor = 0, month
        while cursor in worked[laborer_id]:
            count += 1
            cursor = (cursor - timedelta(days=1)).replace(day=1)
        out[laborer_id] = count
    return out


def workshop_summary(workshop: Workshop, month: date) -> dict[str, Any]:
    """A workshop's month: a line per worker and the totals."""
    workers = worker_months(month, AttendanceKind.workshop, [workshop.id])
    in_a_row = _consecutive_months(workshop.id, month, [w.laborer_id for w in workers])
    totals = WorkshopMonth(workshop.id)
    for worker in workers:
        worker.months_in_a_row = in_a_row.get(worker.laborer_id, 0)
        totals.add(worker)
    county_id = workshop_county_id(workshop)
    closed = bool(closed_months({county_id} if county_id else set(), workshop.id, {month}))
    return {
        "workshop_id": workshop.id,
        "workshop_name": workshop.name,
        "month": month.strftime("%Y-%m"),
        "closed": closed,
        "totals": totals.as_dict(),
        "workers": [w.as_dict() for w in workers],
    }


# --- public-welfare stipends -------------------------------------------------------------


def public_welfare_summary(month: date, laborer_ids: sa.Select) -> dict[str, Any]:
    """Each post holder's month: days against the minimum, shortfall, and the stipend after deductions."""
    minimum = int(settings.setting("PUBLIC_WELFARE_MIN_DAYS"))
    default_stipend = settings.setting("PUBLIC_WELFARE_STIPEND_CNY")
    per_short_day = settings.setting("PUBLIC_WELFARE_DEDUCTION_PER_SHORT_DAY_CNY")
    per_absence = settings.setting("PUBLIC_WELFARE_DEDUCTION_PER_ABSENCE_CNY") or Decimal(0)
    holders = []
    for worker in worker_months(month, AttendanceKind.public_welfare, laborer_ids=laborer_ids):
        base = _stipend_base(worker.employment_id, default_stipend)
        short = max(Decimal(0), Decimal(minimum) - worker.days)
        rate = per_short_day if per_short_day is not None else (base / minimum if minimum else Decimal(0))
        deduction = _money(short * rate + per_absence * worker.absent_days)
        holders.append(
            {
                "laborer_id": worker.laborer_id,
                "laborer_name": worker.name,
                "employment_id": worker.employment_id,
                "days": float(worker.days),
                "absent_days": worker.absent_days,
                "leave_days": worker.leave_days,
                "min_days": minimum,
                "shortfall": float(short),
                "flagged": short > 0,
                "stipend_base": float(base),
                "deductions": float(min(deduction, base)),
                "stipend": float(max(Decimal(0), _money(base - deduction))),
            }
        )
    return {"month": month.strftime("%Y-%m"), "min_days": minimum, "holders": holders}


def _stipend_base(employment_id: int, default: Decimal) -> Decimal:
    """The post's monthly stipend: the employment's monthly wage, else the county default."""
    employment = db.session.get(Employment, employment_id)
    if employment is not None and employment.wage is not None and employment.wage_unit == WageUnit.month:
        return Decimal(employment.wage)
    return Decimal(default)


# --- the .xlsx attendance sheet ------------------------------------------------------------

THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
EXPORT_HEADERS_BEFORE_DAYS = ["序号", "姓名", "身份证号", "户类别"]
EXPORT_HEADERS_AFTER_DAYS = ["出勤天数", "工时（小时）", "计件数", "估算工资（元）", "本人签字"]
SIGNATURE_LINES = [
    "车间负责人（签字）：____________    日期：____________",
    "经营主体（盖章）：____________    日期：____________",
    "县人社局审核（签字）：____________    日期：____________",
]


def _marks(workshop_id: int, month: date) -> dict[int, dict[int, str]]:
    rows = db.session.execute(
        sa.select(Attendance.laborer_id, Attendance.day, Attendance.status).where(
            Attendance.workshop_id == workshop_id,
            Attendance.kind == AttendanceKind.workshop,
            Attendance.day.between(month, month_end(month)),
        )
    )
    marks: dict[int, dict[int, str]] = defaultdict(dict)
    for laborer_id, day, status in rows:
        marks[laborer_id][day.day] = DAY_MARKS[AttendanceStatus(status)]
    return marks


def export_workbook(workshop: Workshop, month: date) -> bytes:
    """The month's attendance sheet as .xlsx: Chinese headers, a line per worker, totals, signature lines."""
    workers = worker_months(month, AttendanceKind.workshop, [workshop.id])
    marks = _marks(workshop.id, month)
    ids = dict(
        db.session.execute(
            sa.select(Laborer.id, Laborer.id_number).where(Laborer.id.in_([w.laborer_id for w in workers]))
        ).all()
    )
    days_in_month = month_end(month).day
    headers = EXPORT_HEADERS_BEFORE_DAYS + [str(d) for d in range(1, days_in_month + 1)] + EXPORT_HEADERS_AFTER_DAYS
    book = Workbook()
    sheet = book.active
    sheet.title = "考勤表"
    width = len(headers)
    title = f"{workshop.name} {month.year}年{month.month}月 考勤表"
    sheet.append(sheets.row([title]))
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet["A1"].font = Font(size=16, bold=True)
    sheet["A1"].alignment = CENTER
    operator = workshop.operator.name if workshop.operator else ""
    sheet.append(
        sheets.row([f"经营主体：{operator}    所在村：{workshop.village.name}    用工方式：{_wage_mode(workshop)}"])
    )
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    sheet.append(headers)
    header_row = sheet.max_row
    totals = WorkshopMonth(workshop.id)
    for number, worker in enumerate(workers, start=1):
        totals.add(worker)
        day_marks = marks.get(worker.laborer_id, {})
        sheet.append(
            sheets.row(
                [number, worker.name, mask_id_number(ids.get(worker.laborer_id)), LABELS_ZH[worker.category.value]]
                + [day_marks.get(d, "") for d in range(1, days_in_month + 1)]
                + [
                    float(worker.days),
                    float(worker.hours),
                    worker.pieces,
                    "未填件数" if worker.pieces_missing else float(worker.wage) if worker.wage is not None else None,
                    "",
                ]
            )
        )
    sheet.append(
        ["合计", f"{totals.workers} 人", "", ""]
        + [""] * days_in_month
        + [float(totals.days), float(totals.hours), totals.pieces, float(totals.estimated_wages), ""]
    )
    last_row = sheet.max_row
    for row in sheet.iter_rows(min_row=header_row, max_row=last_row, max_col=width):
        for cell in row:
            cell.border = BOX
            cell.alignment = CENTER
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    sheet.append([])
    sheet.append(
        [
            f"其中脱贫户劳动力 {totals.from_out_of_poverty} 人，监测对象 {totals.from_monitored} 人。"
            "√ 出勤  半 半天  家 居家计件  假 请假  缺 缺勤"
        ]
    )
    for line in SIGNATURE_LINES:
        sheet.append([])
        sheet.append([line])
    sheet.column_dimensions["B"].width = 10
    sheet.column_dimensions["C"].width = 20
    sheet.column_dimensions["D"].width = 12
    for column in range(5, 5 + days_in_month):
        sheet.column_dimensions[get_column_letter(column)].width = 3.5
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=3)
    _print_setup(sheet, header_row)

    summary = book.create_sheet("汇总")
    for label, value in (
        ("车间名称", workshop.name),
        ("月份", month.strftime("%Y-%m")),
        ("在册人数", totals.workers),
        ("出勤人数", totals.workers_worked),
        ("其中脱贫户劳动力", totals.from_out_of_poverty),
        ("其中监测对象", totals.from_monitored),
        ("出勤天数合计", float(totals.days)),
        ("工时合计（小时）", float(totals.hours)),
        ("计件数合计", totals.pieces),
        ("估算工资合计（元）", float(totals.estimated_wages)),
    ):
        summary.append(sheets.row([label, value]))
    summary.column_dimensions["A"].width = 20
    summary.column_dimensions["B"].width = 24

    out = io.BytesIO()
    book.save(out)
    # The sheet carries names and (masked) ID numbers: who exported it is recorded.
    audit.record("export", "workshops", workshop.id, {"month": month.strftime("%Y-%m"), "rows": len(workers)})
    db.session.commit()
    return out.getvalue()


def _print_setup(sheet, header_row: int) -> None:
    """A4 landscape, every column on one page's width, the title and header rows on every printed page."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.fitToWidth = 1
    # As many pages tall as the workers need (0: no limit), so a long list is not shrunk to one page.
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"1:{header_row}"
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"


def _wage_mode(workshop: Workshop) -> str:
    return {"piece": "计件", "day": "计日", "month": "计月"}[workshop.wage_mode.value]


# --- anomalies ------------------------------------------------------------------------------


def anomalies(workshop: Workshop, month: date) -> dict[str, Any]:
    """What a reviewer should check before a month's sheet backs a wage or subsidy claim."""
    first, last = month, month_end(month)
    in_month = sa.and_(
        Attendance.workshop_id == workshop.id,
        Attendance.kind == AttendanceKind.workshop,
        Attendance.day.between(first, last),
    )
    items: list[dict[str, Any]] = []
    items += _without_employment(workshop, in_month)
    items += _two_places(workshop, first, last)
    items += _identical_patterns(in_month)
    items += _over_capacity(workshop, in_month)
    items += _late_edit_clusters(workshop, first, last)
    unrecorded = unrecorded_days(workshop, month)
    return {
        "workshop_id": workshop.id,
        "month": month.strftime("%Y-%m"),
        "count": len(items) + len(unrecorded),
        "anomalies": items,
        "unrecorded_days": unrecorded,
    }


# Names written out in a flagged day's message; past this, "等 N 人".
UNRECORDED_NAMES_SHOWN = 5


def unrecorded_days(workshop: Workshop, month: date) -> list[dict[str, Any]]:
    """Working days of the month, up to yesterday, on which a worker employed here has no mark.

    A working day is a day the workshop kept a sheet, or any day but its rest day (REST_WEEKDAY). A
    worker recorded that day at another workshop has a mark (this one could not record them). The
    manager sees the days and the names while the month is open, and fills them in (补记) or explains.
    """
    first, last = month, min(month_end(month), settings.today() - timedelta(days=1))
    if last < first:
        return []
    employed = db.session.execute(
        sa.select(Employment.laborer_id, Employment.start_date, Employment.end_date, Laborer.name)
        .join(Laborer, Laborer.id == Employment.laborer_id)
        .where(
            Employment.workshop_id == workshop.id,
            Employment.start_date <= last,
            sa.or_(Employment.end_date.is_(None), Employment.end_date >= first),
        )
    ).all()
    if not employed:
        return []
    ids = sorted({row[0] for row in employed})
    marked: set[tuple[int, date]] = set()
    kept: set[date] = set()
    rows = db.session.execute(
        sa.select(Attendance.laborer_id, Attendance.day, Attendance.workshop_id).where(
            Attendance.kind == AttendanceKind.workshop,
            Attendance.day.between(first, last),
            sa.or_(Attendance.workshop_id == workshop.id, Attendance.laborer_id.in_(ids)),
        )
    )
    for laborer_id, day, workshop_id in rows:
        marked.add((laborer_id, day))
        if workshop_id == workshop.id:
            kept.add(day)
    rest = int(settings.setting("REST_WEEKDAY") or 0)
    order = {laborer_id: text.pinyin_key(name) for laborer_id, _, _, name in employed}
    out = []
    day = first
    while day <= last:
        if day in kept or day.isoweekday() != rest:
            missing = {
                laborer_id: name
                for laborer_id, start, end, name in employed
                if start <= day and (end is None or end >= day) and (laborer_id, day) not in marked
            }
            if missing:
                out.append(_unrecorded(day, missing, order, whole_day=day not in kept))
        day += timedelta(days=1)
    return out


def _unrecorded(day: date, missing: dict[int, str], order: dict[int, str], whole_day: bool) -> dict[str, Any]:
    ids = sorted(missing, key=lambda laborer_id: (order[laborer_id], laborer_id))
    names = [missing[laborer_id] for laborer_id in ids]
    shown = "、".join(names[:UNRECORDED_NAMES_SHOWN])
    shown_en = ", ".join(names[:UNRECORDED_NAMES_SHOWN])
    more = len(names) - UNRECORDED_NAMES_SHOWN
    if more > 0:
        shown += f" 等 {len(names)} 人"
        shown_en += f" and {more} more"
    if whole_day:
        zh, en = (
            f"{day} 整天没有考勤记录（{len(names)} 人）：{shown}",
            f"{day}: no attendance kept ({len(names)}): {shown_en}",
        )
    else:
        zh, en = f"{day} {shown} 没有考勤记录", f"{day}: no attendance for {shown_en}"
    return {
        "kind": "unrecorded_day",
        "date": day.isoformat(),
        "whole_day": whole_day,
        "laborer_ids": ids,
        "names": names,
        "zh": zh,
        "en": en,
    }


def _without_employment(workshop: Workshop, in_month) -> list[dict[str, Any]]:
    """Days recorded while the laborer was not (or no longer) employed at the workshop."""
    employed_then = (
        sa.select(Employment.id)
        .where(
            Employment.laborer_id == Attendance.laborer_id,
            Employment.workshop_id == workshop.id,
            Employment.start_date <= Attendance.day,
            sa.or_(Employment.end_date.is_(None), Employment.end_date >= Attendance.day),
        )
        .exists()
    )
    rows = db.session.execute(
        sa.select(Attendance.laborer_id, Laborer.name, Attendance.day)
        .join(Laborer, Laborer.id == Attendance.laborer_id)
        .where(in_month, ~employed_then)
        .order_by(Attendance.day)
    )
    return [
        {
            "kind": "attendance_without_employment",
            "zh": f"{name} {day} 有考勤但当天不在本车间就业",
            "en": f"{name} has attendance on {day} but was not employed at this workshop that day",
            "laborer_id": laborer_id,
            "date": day.isoformat(),
        }
        for laborer_id, name, day in rows
    ]


def _two_places(workshop: Workshop, first: date, last: date) -> list[dict[str, Any]]:
    rows = db.session.execute(
        sa.select(AttendanceFlag.laborer_id, Laborer.name, AttendanceFlag.day, AttendanceFlag.detail)
        .join(Laborer, Laborer.id == AttendanceFlag.laborer_id)
        .where(
            AttendanceFlag.kind == FlagKind.two_places,
            AttendanceFlag.workshop_id == workshop.id,
            AttendanceFlag.day.between(first, last),
        )
        .order_by(AttendanceFlag.day)
    )
    return [
        {
            "kind": "two_places",
            "zh": f"{name} {day} 已在「{detail.get('recorded_at', '')}」记考勤，本车间的记录被拒绝",
            "en": f"{name} was already recorded at “{detail.get('recorded_at', '')}” on {day}; "
            "this workshop's entry was refused",
            "laborer_id": laborer_id,
            "date": day.isoformat(),
        }
        for laborer_id, name, day, detail in rows
    ]


def _identical_patterns(in_month) -> list[dict[str, Any]]:
    """Many workers with exactly the same month, when it is more than the pre-filled all-present default."""
    rows = db.session.execute(
        sa.select(Attendance.laborer_id, Attendance.day, Attendance.status, Attendance.hours, Attendance.pieces).where(
            in_month
        )
    )
    patterns: dict[int, list[tuple]] = defaultdict(list)
    for laborer_id, day, status, hours, pieces in rows:
        patterns[laborer_id].append((day, AttendanceStatus(status).value, str(hours) if hours else None, pieces))
    groups: dict[tuple, list[int]] = defaultdict(list)
    for laborer_id, days in patterns.items():
        signature = tuple(sorted(days))
        trivial = all(s == AttendanceStatus.present and h is None and p is None for _, s, h, p in signature)
        if not trivial:
            groups[signature].append(laborer_id)
    minimum = int(settings.setting("IDENTICAL_PATTERN_MIN_WORKERS"))
    return [
        {
            "kind": "identical_patterns",
            "zh": f"{len(ids)} 名工人本月考勤、工时和计件完全相同",
            "en": f"{len(ids)} workers have exactly the same attendance, hours and pieces this month",
            "laborer_ids": sorted(ids),
        }
        for ids in groups.values()
        if len(ids) >= minimum
    ]


def _over_capacity(workshop: Workshop, in_month) -> list[dict[str, Any]]:
    """Days with more workers on site than the workshop holds (home piecework is not on site)."""
    on_site = [AttendanceStatus.present, AttendanceStatus.half_day]
    rows = db.session.execute(
        sa.select(Attendance.day, sa.func.count())
        .where(in_month, Attendance.status.in_(on_site))
        .group_by(Attendance.day)
        .having(sa.func.count() > workshop.capacity)
        .order_by(Attendance.day)
    )
    return [
        {
            "kind": "over_capacity",
            "zh": f"{day} 在岗 {count} 人，超过车间容量 {workshop.capacity} 人",
            "en": f"{day}: {count} on site, more than the workshop's capacity of {workshop.capacity}",
            "date": day.isoformat(),
            "count": count,
        }
        for day, count in rows
    ]


def _late_edit_clusters(workshop: Workshop, first: date, last: date) -> list[dict[str, Any]]:
    """Many edits of past days made on one day, especially just before the month was closed or exported."""
    minimum = int(settings.setting("LATE_EDIT_CLUSTER_MIN_EDITS"))
    window = timedelta(days=int(settings.setting("CLAIM_WINDOW_DAYS")))
    edits = db.session.execute(
        sa.select(AttendanceChange.changed_at).where(
            AttendanceChange.workshop_id == workshop.id,
            AttendanceChange.day.between(first, last),
            AttendanceChange.late.is_(True),
        )
    ).scalars()
    per_day: dict[date, int] = defaultdict(int)
    for moment in edits:
        per_day[settings.china_date(moment)] += 1
    claims = _claim_days(workshop, first)
    out = []
    for day, count in sorted(per_day.items()):
        if count < minimum:
            continue
        before_claim = any(timedelta(0) <= claim - day <= window for claim in claims)
        out.append(
            {
                "kind": "late_edits_before_claim" if before_claim else "late_edit_cluster",
                "zh": f"{day} 一天内补记或修改往日考勤 {count} 条" + ("，紧接关账或导出之前" if before_claim else ""),
                "en": f"{count} entries of past days added or changed on {day}"
                + (", just before the month was closed or exported" if before_claim else ""),
                "date": day.isoformat(),
                "count": count,
            }
        )
    return out


def _claim_days(workshop: Workshop, month: date) -> list[date]:
    """Days the month was closed or its sheet exported: the moments a claim is made from it."""
    county_id = workshop_county_id(workshop)
    closed = db.session.execute(
        sa.select(AttendanceClosure.created_at).where(
            AttendanceClosure.county_id == county_id,
            AttendanceClosure.month == month,
            sa.or_(AttendanceClosure.workshop_id.is_(None), AttendanceClosure.workshop_id == workshop.id),
        )
    ).scalars()
    exported = db.session.execute(
        sa.select(AuditEvent.occurred_at, AuditEvent.changes).where(
            AuditEvent.action == "export", AuditEvent.entity_type == "workshops", AuditEvent.entity_id == workshop.id
        )
    ).all()
    moments: list[datetime] = list(closed) + [
        at for at, changes in exported if (changes or {}).get("month") == month.strftime("%Y-%m")
    ]
    return [settings.china_date(m) for m in moments]

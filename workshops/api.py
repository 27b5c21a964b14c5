"""JSON API for the workshop registry, attendance, public-welfare posts and employment codes."""

from __future__ import annotations

import math
from datetime import date
from urllib.parse import quote

import sqlalchemy as sa
from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Date, DateTime, Float, List, Nested, String
from apiflask.validators import Length, Regexp
from flask import Response, current_app, jsonify, url_for
from marshmallow import fields as mm

from jobmatch import dates
from jobmatch.accounts.scope import county_of, current_scope, get_in_scope, restrict
from jobmatch.api.auth import REGISTRY_EDITORS, token_auth
from jobmatch.api.common import INT32_MAX, INT32_MIN, Integer, PageQuery, coded, page_schema
from jobmatch.crud import page_of
from jobmatch.errors import FieldError, NotFound, ValidationFailed
from jobmatch.extensions import db
from jobmatch.idempotency import idempotent
from jobmatch.people.models import Household, Laborer, Region
from jobmatch.people.queries import contains, in_region, where_all
from jobmatch.vocab import CertificationStatus, RegionLevel, WageMode
from workshops import attendance, cards, codes, reports, service, settings
from workshops.models import AttendanceStatus, EmploymentInterruption, Workshop

bp = APIBlueprint("workshops_api", __name__, url_prefix="/api/v1", tag="Workshops · 帮扶车间")


class WorkshopIn(Schema):
    name = String(required=True)
    operator_id = Integer(allow_none=True)
    village_code = String(required=True)
    address = String(allow_none=True)
    latitude = Float(allow_none=True)
    longitude = Float(allow_none=True)
    products = String(allow_none=True)
    capacity = Integer(required=True)
    wage_mode = coded(WageMode, required=True)
    flexible_hours = Boolean()
    home_piecework = Boolean()
    certification_status = coded(CertificationStatus)
    certified_on = Date(allow_none=True)


# PATCH takes any subset of the fields.
WorkshopPatch = WorkshopIn(partial=True)


class WorkshopOut(Schema):
    id = Integer()
    name = String()
    operator_id = Integer(allow_none=True)
    village_code = mm.Function(lambda w: w.village.code)
    village_name = mm.Function(lambda w: w.village.name)
    address = String(allow_none=True)
    latitude = Float(allow_none=True)
    longitude = Float(allow_none=True)
    products = String(allow_none=True)
    capacity = Integer()
    wage_mode = String()
    flexible_hours = Boolean()
    home_piecework = Boolean()
    certification_status = String()
    certified_on = Date(allow_none=True)
    created_at = DateTime()
    updated_at = DateTime()


class WorkshopQuery(PageQuery):
    certification_status = coded(CertificationStatus)


def workshops_query(f: dict) -> sa.Select:
    query = restrict(sa.select(Workshop).join(Region, Workshop.village_id == Region.id).order_by(Workshop.id), Workshop)
    return where_all(
        query,
        in_region(f.get("region")),
        Workshop.certification_status == f["certification_status"] if f.get("certification_status") else None,
        contains(Workshop.name, f.get("q")),
    )


@bp.post("/workshops")
@bp.auth_required(token_auth, roles=REGISTRY_EDITORS)
@idempotent
@bp.input(WorkshopIn, arg_name="data")
@bp.output(WorkshopOut, status_code=201)
def create_workshop(data: dict):
    """Register a workshop / 登记帮扶车间"""
    return service.save_workshop(data)


@bp.get("/workshops/<int:workshop_id>")
@bp.auth_required(token_auth)
@bp.output(WorkshopOut)
def get_workshop(workshop_id: int):
    """Get a workshop / 查看帮扶车间"""
    return get_in_scope(Workshop, workshop_id, "Workshop", "帮扶车间")


@bp.get("/workshops")
@bp.auth_required(token_auth)
@bp.input(WorkshopQuery, location="query", arg_name="query")
@bp.output(page_schema(WorkshopOut, "WorkshopPage"))
def list_workshops(query: dict):
    """List workshops / 帮扶车间列表"""
    return page_of(workshops_query(query), query["page"], query["per_page"], query.get("cursor"))


@bp.patch("/workshops/<int:workshop_id>")
@bp.auth_required(token_auth, roles=REGISTRY_EDITORS)
@bp.input(WorkshopPatch, arg_name="data")
@bp.output(WorkshopOut)
def update_workshop(workshop_id: int, data: dict):
    """Update a workshop / 修改帮扶车间"""
    return service.save_workshop(data, get_in_scope(Workshop, workshop_id, "Workshop", "帮扶车间"))


# --- attendance -----------------------------------------------------------------------

ATTENDANCE_KEEPERS = ["admin", "manager"]
ATTENDANCE_READERS = ["admin", "bureau", "manager"]
MONTH_CLOSERS = ["admin", "bureau"]
PUBLIC_WELFARE_KEEPERS = ["admin", "cadre"]
PUBLIC_WELFARE_READERS = ["admin", "bureau", "cadre"]
MONTH_PATTERN = dates.MONTH.pattern
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def month_field(**kwargs) -> String:
    return String(
        validate=Regexp(MONTH_PATTERN, error="Not a valid month (YYYY-MM)."),
        metadata={"description": "YYYY-MM; default: this month / 月份，默认本月", "example": "2026-03"},
        **kwargs,
    )


class DayQuery(Schema):
    date = Date(metadata={"description": "YYYY-MM-DD; default: today (China) / 日期，默认今天"})


class VillageDayQuery(DayQuery):
    village = String(validate=Length(equal=12), metadata={"description": "village code / 行政村代码"})


class MonthQuery(Schema):
    month = month_field()


class RegionMonthQuery(MonthQuery):
    region = String(validate=Length(equal=12), metadata={"description": "division code / 区划代码"})


class VillageMonthQuery(MonthQuery):
    village = String(validate=Length(equal=12), metadata={"description": "village code / 行政村代码"})


class AttendanceEntryIn(Schema):
    laborer_id = Integer(required=True)
    status = coded(AttendanceStatus, load_default=AttendanceStatus.present.value)
    hours = Float(allow_none=True, metadata={"description": "0–24"})
    pieces = Integer(allow_none=True)
    note = String(allow_none=True)
    reason = String(allow_none=True, metadata={"description": "why a past day is recorded or changed / 补记修改原因"})


_ENTRY_KEYS = frozenset(AttendanceEntryIn().fields)
_STATUSES = frozenset(s.value for s in AttendanceStatus)
# Integers a float holds exactly: hours given as 8 load as 8.0.
_EXACT_FLOAT_INT = 2**53


def _int32(value) -> bool:
    return type(value) is int and INT32_MIN <= value <= INT32_MAX


def plain_entries(value) -> list[dict] | None:
    """A sheet's entries as `AttendanceEntryIn` loads them, when each is plainly valid (JSON's own types, known
    keys, values in range); None otherwise, and the schema loads them and names what is wrong."""
    if type(value) is not list:
        return None
    out = []
    for entry in value:
        if type(entry) is not dict or not entry.keys() <= _ENTRY_KEYS:
            return None
        laborer_id, status = entry.get("laborer_id"), entry.get("status", AttendanceStatus.present.value)
        if not _int32(laborer_id) or type(status) is not str or status not in _STATUSES:
            return None
        loaded = {"laborer_id": laborer_id, "status": status}
        if "hours" in entry:
            hours = entry["hours"]
            if type(hours) is int and -_EXACT_FLOAT_INT <= hours <= _EXACT_FLOAT_INT:
                hours = float(hours)
            elif hours is not None and not (type(hours) is float and math.isfinite(hours)):
                return None
            loaded["hours"] = hours
        if "pieces" in entry:
            if entry["pieces"] is not None and not _int32(entry["pieces"]):
                return None
            loaded["pieces"] = entry["pieces"]
        for key in ("note", "reason"):
            if key in entry:
                if entry[key] is not None and type(entry[key]) is not str:
                    return None
                loaded[key] = entry[key]
        out.append(loaded)
    return out


class AttendanceEntries(List):
    """A sheet's entries, documented by `AttendanceEntryIn`; plainly valid ones are loaded by `plain_entries`
    (through the schema a day of hundreds of workers cost more than its save), others by the schema."""

    def __init__(self, **kwargs):
        super().__init__(Nested(AttendanceEntryIn), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        plain = plain_entries(value)
        return plain if plain is not None else super()._deserialize(value, attr, data, **kwargs)


class AttendanceSheetIn(Schema):
    entries = AttendanceEntries(required=True)
    reason = String(allow_none=True, metadata={"description": "for every entry of a past day / 补记修改原因"})


class SheetEntryOut(Schema):
    laborer_id = Integer()
    laborer_name = String()
    employment_id = Integer(allow_none=True)
    employed = Boolean()
    status = String()
    hours = Float(allow_none=True)
    pieces = Integer(allow_none=True)
    note = String(allow_none=True)
    saved = Boolean()
    recorded_elsewhere = String(allow_none=True, metadata={"description": "the other workshop that day"})


class SheetOut(Schema):
    date = Date()
    today = Date()
    closed = Boolean()
    editable = Boolean()
    needs_reason = Boolean()
    entries = List(Nested(SheetEntryOut))


class WorkshopSheetOut(SheetOut):
    workshop_id = Integer()
    workshop_name = String()


class PublicWelfareSheetOut(SheetOut):
    village = String(allow_none=True)


def save_schema(sheet: type[Schema], name: str) -> type[Schema]:
    """A save's answer: the counts and the sheet as saved (a schema class of its own, see page_schema)."""
    nested = type(f"{sheet.__name__}Saved", (sheet,), {})
    return Schema.from_dict(
        {"created": Integer(), "updated": Integer(), "unchanged": Integer(), "sheet": Nested(nested)}, name=name
    )


class CheckInIn(Schema):
    code = String(required=True, validate=Length(min=1, max=256), metadata={"description": "就业码 / card code"})


class CheckInOut(Schema):
    laborer_id = Integer()
    laborer_name = String()
    date = Date()
    status = String()
    changed = Boolean()


class WorkerMonthOut(Schema):
    laborer_id = Integer()
    laborer_name = String()
    employment_id = Integer()
    household_category = String()
    days = Float()
    hours = Float()
    pieces = Integer()
    leave_days = Integer()
    absent_days = Integer()
    estimated_wage = Float(allow_none=True)
    pieces_missing = Boolean(
        metadata={"description": "piece work with no piece count written this month: wage unknown / 未填件数"}
    )
    months_in_a_row = Integer(metadata={"description": "months in a row with work here, up to 12 / 连续就业月数"})


class WorkshopTotalsOut(Schema):
    workshop_id = Integer()
    workers = Integer()
    workers_worked = Integer()
    from_out_of_poverty = Integer()
    from_monitored = Integer()
    days = Float()
    hours = Float()
    pieces = Integer()
    estimated_wages = Float()


class WorkshopMonthOut(Schema):
    workshop_id = Integer()
    workshop_name = String()
    month = String()
    closed = Boolean()
    totals = Nested(WorkshopTotalsOut)
    workers = List(Nested(WorkerMonthOut))


class CountyWorkshopOut(WorkshopTotalsOut):
    workshop_name = String()


class CountyMonthOut(Schema):
    month = String()
    workshops = List(Nested(CountyWorkshopOut))


class AnomalyOut(Schema):
    kind = String()
    zh = String()
    en = String()
    laborer_id = Integer()
    laborer_ids = List(Integer())
    date = String()
    count = Integer()


class UnrecordedDayOut(Schema):
    kind = String()
    date = String()
    whole_day = Boolean(metadata={"description": "the workshop kept no sheet that day"})
    laborer_ids = List(Integer())
    names = List(String())
    zh = String()
    en = String()


class AnomaliesOut(Schema):
    workshop_id = Integer()
    month = String()
    count = Integer(metadata={"description": "anomalies and unrecorded days together / 需核查条数"})
    anomalies = List(Nested(AnomalyOut))
    unrecorded_days = List(
        Nested(UnrecordedDayOut),
        metadata={"description": "working days up to yesterday with a worker not recorded / 未记考勤的日子"},
    )


class ChangesQuery(MonthQuery):
    date = Date()


class ChangeOut(Schema):
    id = Integer()
    attendance_id = Integer()
    laborer_id = Integer()
    date = Date(attribute="day")
    changed_at = DateTime()
    changed_by_id = Integer(allow_none=True)
    late = Boolean()
    reason = String(allow_none=True)
    before = mm.Dict(allow_none=True)
    after = mm.Dict()


class ChangesOut(Schema):
    items = List(Nested(ChangeOut))


class StipendOut(Schema):
    laborer_id = Integer()
    laborer_name = String()
    employment_id = Integer()
    days = Float()
    absent_days = Integer()
    leave_days = Integer()
    min_days = Integer()
    shortfall = Float()
    flagged = Boolean(metadata={"description": "fewer days than the minimum / 未达最低天数"})
    stipend_base = Float()
    deductions = Float()
    stipend = Float()


class PublicWelfareMonthOut(Schema):
    month = String()
    min_days = Integer()
    holders = List(Nested(StipendOut))


class ClosureIn(Schema):
    month = month_field(required=True)
    county_code = String(validate=Length(equal=12), metadata={"description": "default: the bureau's county"})
    workshop_id = Integer(allow_none=True, metadata={"description": "only this workshop; default: the whole county"})
    note = String(allow_none=True)


class ClosureOut(Schema):
    id = Integer()
    county_code = mm.Function(lambda c: c.county.code)
    workshop_id = Integer(allow_none=True)
    month = mm.Function(lambda c: c.month.strftime("%Y-%m"))
    note = String(allow_none=True)
    created_at = DateTime()
    created_by_id = Integer(allow_none=True)


class ClosureQuery(PageQuery):
    month = month_field()


class CodeOut(Schema):
    laborer_id = Integer()
    laborer_name = mm.Function(lambda c: c.laborer.name)
    code = mm.Function(lambda c: codes.display_code(c.code))
    issued_at = DateTime(attribute="created_at")
    card_png = mm.Function(lambda c: url_for("workshops_api.employment_card_png", laborer_id=c.laborer_id))
    card_pdf = mm.Function(lambda c: url_for("workshops_api.employment_card_pdf", laborer_id=c.laborer_id))


class InterruptionOut(Schema):
    id = Integer()
    laborer_id = Integer()
    laborer_name = mm.Function(lambda s: s.laborer.name)
    village_id = Integer()
    workshop_id = Integer(allow_none=True)
    employment_id = Integer()
    first_absent_day = Date()
    last_absent_day = Date()
    absent_days = Integer()
    consumed_at = DateTime(allow_none=True)
    created_at = DateTime()


class InterruptionQuery(PageQuery):
    pending = Boolean(metadata={"description": "only those monitoring has not taken up / 未处理"})


def _workshop(workshop_id: int) -> Workshop:
    return get_in_scope(Workshop, workshop_id, "Workshop", "帮扶车间")


def _month(query: dict, field: str = "query.month") -> date:
    """The month asked for (this month by default), within the years kept (jobmatch.dates)."""
    value = query.get("month")
    if not value:
        return settings.today().replace(day=1)
    try:
        return dates.parse_month(value)
    except ValueError:
        raise ValidationFailed(
            [FieldError(field, "not_month", "须为年月，格式 YYYY-MM", "not a valid month (YYYY-MM)")]
        ) from None


def _save_answer(result, sheet: dict) -> dict:
    return {"created": result.created, "updated": result.updated, "unchanged": result.unchanged, "sheet": sheet}


@bp.get("/workshops/<int:workshop_id>/attendance")
@bp.auth_required(token_auth, roles=ATTENDANCE_READERS)
@bp.input(DayQuery, location="query", arg_name="query")
@bp.output(WorkshopSheetOut)
def get_attendance_sheet(workshop_id: int, query: dict):
    """A day's attendance sheet: current workers pre-filled present / 车间日考勤表"""
    sheet = attendance.sheet_in_scope(workshop_id, query.get("date") or settings.today(), current_scope())
    if sheet is None:
        raise NotFound("Workshop", "帮扶车间")
    # Plain values in WorkshopSheetOut's shape and order, sent as they are (as the save's answer; a test checks
    # that the schema would send the same).
    return current_app.json.response(sheet)


WorkshopSheetSaved = save_schema(WorkshopSheetOut, "WorkshopSheetSaved")
PublicWelfareSheetSaved = save_schema(PublicWelfareSheetOut, "PublicWelfareSheetSaved")


@bp.post("/workshops/<int:workshop_id>/attendance")
@bp.auth_required(token_auth, roles=ATTENDANCE_KEEPERS)
@idempotent
@bp.input(DayQuery, location="query", arg_name="query")
@bp.input(AttendanceSheetIn, arg_name="data")
@bp.output(WorkshopSheetSaved)
@bp.doc(description="Idempotent: saving the same day twice changes nothing; an `Idempotency-Key` header replays.")
def save_attendance_sheet(workshop_id: int, query: dict, data: dict):
    """Save a day's attendance, up to 500 workers at once / 保存车间日考勤"""
    workshop = _workshop(workshop_id)
    day = query.get("date") or settings.today()

    result = attendance.save_workshop_sheet(workshop, day, data["entries"], data.get("reason"))
    # The answer is built from plain values in WorkshopSheetSaved's shape and order, so it is sent as it is:
    # dumping a day of hundreds of workers through the schema cost more than the save. The schema still
    # documents the answer, and a test checks that it would send the same.
    return jsonify(_save_answer(result, result.sheet))


@bp.post("/workshops/<int:workshop_id>/check-in")
@bp.auth_required(token_auth, roles=ATTENDANCE_KEEPERS)
@idempotent
@bp.input(CheckInIn, arg_name="data")
@bp.output(CheckInOut)
def check_in(workshop_id: int, data: dict):
    """Check a worker in for today by their employment code / 扫就业码签到"""
    workshop = _workshop(workshop_id)
    laborer = codes.laborer_for_code(data["code"])
    if laborer is None:
        raise ValidationFailed([FieldError("code", "unknown_code", "就业码无效或已作废", "unknown or revoked code")])
    result, row = attendance.check_in(workshop, laborer)
    return {
        "laborer_id": laborer.id,
        "laborer_name": laborer.name,
        "date": row.day,
        "status": row.status.value,
        "changed": bool(result.created or result.updated),
    }


@bp.get("/workshops/<int:workshop_id>/attendance/summary")
@bp.auth_required(token_auth, roles=ATTENDANCE_READERS)
@bp.input(MonthQuery, location="query", arg_name="query")
@bp.output(WorkshopMonthOut)
def attendance_summary(workshop_id: int, query: dict):
    """A month per worker and in total: days, hours, pieces, wages, households / 车间月考勤汇总"""
    return reports.workshop_summary(_workshop(workshop_id), _month(query))


@bp.get("/workshops/<int:workshop_id>/attendance/export")
@bp.auth_required(token_auth, roles=ATTENDANCE_READERS)
@bp.input(MonthQuery, location="query", arg_name="query")
@bp.doc(responses={200: {"description": "考勤表 .xlsx", "content": {XLSX_MIMETYPE: {}}}})
def export_attendance(workshop_id: int, query: dict):
    """The month's attendance sheet as .xlsx, for wage and subsidy claims / 导出月考勤表"""
    workshop, month = _workshop(workshop_id), _month(query)
    body = reports.export_workbook(workshop, month)
    filename = f"attendance-{workshop.id}-{month:%Y-%m}.xlsx"
    response = Response(body, mimetype=XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = (
        f"attachment; filename={filename}; filename*=UTF-8''{quote(f'{workshop.name}{month:%Y年%m月}考勤表.xlsx')}"
    )
    return response


@bp.get("/workshops/<int:workshop_id>/attendance/anomalies")
@bp.auth_required(token_auth, roles=ATTENDANCE_READERS)
@bp.input(MonthQuery, location="query", arg_name="query")
@bp.output(AnomaliesOut)
def attendance_anomalies(workshop_id: int, query: dict):
    """What to check before a claim: no employment, two places, copies, over capacity, late edits / 考勤异常"""
    return reports.anomalies(_workshop(workshop_id), _month(query))


@bp.get("/workshops/<int:workshop_id>/attendance/changes")
@bp.auth_required(token_auth, roles=ATTENDANCE_READERS)
@bp.input(ChangesQuery, location="query", arg_name="query")
@bp.output(ChangesOut)
def attendance_changes(workshop_id: int, query: dict):
    """The append-only history of a month's (or a day's) attendance, previous values included / 考勤修改记录"""
    workshop = _workshop(workshop_id)
    return {"items": attendance.changes(workshop, _month(query), query.get("date"))}


@bp.get("/attendance/summary")
@bp.auth_required(token_auth, roles=MONTH_CLOSERS)
@bp.input(RegionMonthQuery, location="query", arg_name="query")
@bp.output(CountyMonthOut)
def county_attendance_summary(query: dict):
    """Every workshop's month in the caller's county (or a region of it) / 全县车间月考勤汇总"""
    month = _month(query)
    workshops = db.session.execute(
        where_all(
            restrict(sa.select(Workshop.id, Workshop.name).join(Region, Workshop.village_id == Region.id), Workshop),
            in_region(query.get("region")),
        ).order_by(Workshop.id)
    ).all()
    totals = reports.workshop_months(month, [w.id for w in workshops])
    rows = [(totals.get(w.id) or reports.WorkshopMonth(w.id)).as_dict() | {"workshop_name": w.name} for w in workshops]
    return {"month": month.strftime("%Y-%m"), "workshops": rows}


@bp.post("/attendance/closures")
@bp.auth_required(token_auth, roles=MONTH_CLOSERS)
@idempotent
@bp.input(ClosureIn, arg_name="data")
@bp.output(ClosureOut, status_code=201)
def close_attendance_month(data: dict):
    """Close a month: its attendance is locked for the county or one workshop / 考勤月份关账"""
    workshop = _workshop(data["workshop_id"]) if data.get("workshop_id") else None
    county = _closing_county(data.get("county_code"), workshop)
    return attendance.close_month(_month(data, "month"), county, workshop, data.get("note"))


def _closing_county(code: str | None, workshop: Workshop | None) -> Region:
    """The county to close: the workshop's, the one named, or the bureau officer's only county."""
    if workshop is not None:
        county = county_of(workshop.village)
        if county is not None and (code is None or code == county.code):
            return county
        raise ValidationFailed([FieldError("county_code", "wrong_county", "车间不在该县", "workshop not in county")])
    query = restrict(sa.select(Region).where(Region.level == RegionLevel.county), Region)
    if code is not None:
        query = query.where(Region.code == code)
    counties = db.session.execute(query.limit(2)).scalars().all()
    if len(counties) != 1:
        raise ValidationFailed(
            [FieldError("county_code", "unknown_county", "请填写所辖县的区划代码", "give a county code in your scope")]
        )
    return counties[0]


@bp.get("/attendance/closures")
@bp.auth_required(token_auth, roles=MONTH_CLOSERS)
@bp.input(ClosureQuery, location="query", arg_name="query")
@bp.output(page_schema(ClosureOut, "ClosurePage"))
def list_attendance_closures(query: dict):
    """Closed months / 已关账月份"""
    month = _month(query) if query.get("month") else None
    return page_of(attendance.closures_query(month), query["page"], query["per_page"], query.get("cursor"))


# --- public-welfare posts -------------------------------------------------------------------


@bp.get("/public-welfare/attendance")
@bp.auth_required(token_auth, roles=PUBLIC_WELFARE_READERS)
@bp.input(VillageDayQuery, location="query", arg_name="query")
@bp.output(PublicWelfareSheetOut)
def get_public_welfare_sheet(query: dict):
    """A day's sheet of the public-welfare posts in the caller's villages / 公益性岗位日考勤表"""
    return attendance.public_welfare_sheet(query.get("date") or settings.today(), query.get("village"))


@bp.post("/public-welfare/attendance")
@bp.auth_required(token_auth, roles=PUBLIC_WELFARE_KEEPERS)
@idempotent
@bp.input(VillageDayQuery, location="query", arg_name="query")
@bp.input(AttendanceSheetIn, arg_name="data")
@bp.output(PublicWelfareSheetSaved)
def save_public_welfare_sheet(query: dict, data: dict):
    """Save a day of public-welfare attendance (the village's cadre) / 保存公益性岗位考勤"""
    day = query.get("date") or settings.today()

    result = attendance.save_public_welfare_sheet(day, data["entries"], data.get("reason"))
    return _save_answer(result, attendance.public_welfare_sheet(day, query.get("village")))


@bp.get("/public-welfare/attendance/summary")
@bp.auth_required(token_auth, roles=PUBLIC_WELFARE_READERS)
@bp.input(VillageMonthQuery, location="query", arg_name="query")
@bp.output(PublicWelfareMonthOut)
def public_welfare_summary(query: dict):
    """A month per post holder: days against the minimum, shortfall, stipend after deductions / 公益性岗位月汇总"""
    laborers = restrict(sa.select(Laborer.id), Laborer)
    if query.get("village"):
        laborers = laborers.join(Household, Household.id == Laborer.household_id).join(
            Region, Region.id == Household.village_id
        )
        laborers = laborers.where(Region.code == query["village"])
    return reports.public_welfare_summary(_month(query), laborers)


# --- employment codes ---------------------------------------------------------------------


def _laborer(laborer_id: int) -> Laborer:
    return get_in_scope(Laborer, laborer_id, "Laborer", "劳动力")


@bp.get("/laborers/<int:laborer_id>/employment-code")
@bp.auth_required(token_auth)
@bp.output(CodeOut)
def get_employment_code(laborer_id: int):
    """The laborer's employment code (issued on first use) / 查看就业码"""
    return codes.ensure_code(_laborer(laborer_id))


@bp.post("/laborers/<int:laborer_id>/employment-code")
@bp.auth_required(token_auth)
@idempotent
@bp.output(CodeOut, status_code=201)
def reissue_employment_code(laborer_id: int):
    """Revoke the current code (a lost card) and issue a new one / 补发就业码（原码作废）"""
    return codes.reissue_code(_laborer(laborer_id))


@bp.delete("/laborers/<int:laborer_id>/employment-code")
@bp.auth_required(token_auth)
@bp.output({}, status_code=204)
@bp.doc(
    description="The card stops checking in and is not printed until reissued (POST). Revoking again changes nothing."
)
def revoke_employment_code(laborer_id: int):
    """Revoke the current code with no new one (a card misused or no longer needed) / 作废就业码"""
    codes.revoke_code(_laborer(laborer_id))
    return ""


@bp.get("/laborers/<int:laborer_id>/employment-code/card.png")
@bp.auth_required(token_auth)
@bp.doc(responses={200: {"description": "就业码卡片 PNG", "content": {"image/png": {}}}})
def employment_card_png(laborer_id: int):
    """The employment-code card as PNG / 就业码卡片（图片）"""
    laborer = _laborer(laborer_id)
    row = codes.ensure_code(laborer)
    return Response(codes.card_png(cards.card_payload(row.code), row.code, laborer.name), mimetype="image/png")


@bp.get("/laborers/<int:laborer_id>/employment-code/card.pdf")
@bp.auth_required(token_auth)
@bp.doc(responses={200: {"description": "就业码卡片 PDF", "content": {"application/pdf": {}}}})
def employment_card_pdf(laborer_id: int):
    """The employment-code card as a printable PDF / 就业码卡片（打印）"""
    laborer = _laborer(laborer_id)
    row = codes.ensure_code(laborer)
    place = laborer.household.village.name
    body = codes.card_pdf(
        cards.card_payload(row.code), row.code, laborer.name, place, settings.china_date(row.created_at)
    )
    return Response(body, mimetype="application/pdf")


# --- employment-interruption signals --------------------------------------------------------


@bp.get("/employment-interruptions")
@bp.auth_required(token_auth)
@bp.input(InterruptionQuery, location="query", arg_name="query")
@bp.output(page_schema(InterruptionOut, "InterruptionPage"))
def list_employment_interruptions(query: dict):
    """Long absences raised from attendance, for the laborer's village / 就业中断信号（长期缺勤）"""
    select = restrict(sa.select(EmploymentInterruption), EmploymentInterruption).order_by(
        EmploymentInterruption.id.desc()
    )
    if query.get("region"):
        select = select.join(Region, Region.id == EmploymentInterruption.village_id).where(in_region(query["region"]))
    if query.get("pending"):
        select = select.where(EmploymentInterruption.consumed_at.is_(None))
    return page_of(select, query["page"], query["per_page"], query.get("cursor"))

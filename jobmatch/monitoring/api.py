"""JSON API for indicators by region, alerts and their follow-up, and the consistency report."""

from __future__ import annotations

from apiflask import APIBlueprint, Schema
from apiflask.fields import Date, DateTime, Dict, Float, List, Nested, String
from apiflask.validators import Length
from flask import Response, g
from marshmallow import fields as mm

from jobmatch.accounts.scope import get_in_scope
from jobmatch.api.auth import PEOPLE_EDITORS, token_auth
from jobmatch.api.common import Integer, PageQuery, coded, page_schema
from jobmatch.crud import page_of
from jobmatch.idempotency import idempotent
from jobmatch.monitoring import consistency, contacts, indicators, service
from jobmatch.monitoring.models import KIND_ZH, STATUS_ZH, Alert, AlertKind, AlertStatus, ContactMethod
from jobmatch.people.models import Household, Laborer

bp = APIBlueprint("monitoring_api", __name__, url_prefix="/api/v1", tag="Monitoring · 监测预警")

# Cadres follow up their villages' alerts, the bureau its county's; workshop managers take no part.
MONITORING_STAFF = PEOPLE_EDITORS

REGION_HELP = "12-digit division code: county, township or village / 区划代码（县、乡镇或村）"


class RegionQuery(Schema):
    region = String(required=True, validate=Length(equal=12), metadata={"description": REGION_HELP})
    as_of = Date(metadata={"description": "按哪一天计算（默认今天）"})


class AbsorptionOut(Schema):
    out_of_poverty = Integer()
    monitored = Integer()
    other = Integer()


class IndicatorsOut(Schema):
    region = String()
    region_name = String()
    as_of = Date()
    laborers = Integer(metadata={"description": "劳动力总数（= by_type 之和）"})
    by_type = Dict(keys=String(), values=Integer(), metadata={"description": "按就业类型分的人数"})
    by_type_zh = Dict(keys=String(), values=String())
    employed = Integer()
    willing = Integer()
    willing_employed = Integer()
    willing_employment_rate = Float(allow_none=True)
    households = Integer()
    households_with_willing = Integer()
    households_willing_none_employed = Integer(metadata={"description": "有就业意愿但无人就业的家庭"})
    households_willing_not_contacted = Integer(
        metadata={"description": "有就业意愿、30 天内没有联系记录的家庭（从未联系的也算）"}
    )
    openings = Integer()
    openings_headcount = Integer()
    openings_filled = Integer()
    openings_fill_rate = Float(allow_none=True)
    placed_laborers = Integer()
    median_days_to_placement = Float(allow_none=True)
    workshop_workers = Integer()
    workshop_absorption = Nested(AbsorptionOut)
    workshop_absorption_rate = Float(allow_none=True)


@bp.get("/indicators")
@bp.auth_required(token_auth, roles=MONITORING_STAFF)
@bp.input(RegionQuery, location="query", arg_name="query")
@bp.output(IndicatorsOut)
def get_indicators(query: dict):
    """Employment indicators of a county, township or village / 区域就业指标"""
    region = indicators.region_for(query["region"])
    result = indicators.compute(region.code, query.get("as_of"))
    return result | {"region_name": region.name, "by_type_zh": indicators.TYPE_ZH}


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/indicators/export")
@bp.auth_required(token_auth, roles=MONITORING_STAFF)
@bp.input(RegionQuery, location="query", arg_name="query")
@bp.doc(responses={200: {"description": "就业指标 .xlsx", "content": {XLSX_MIMETYPE: {}}}})
def export_indicators(query: dict):
    """The indicators of a division as .xlsx / 导出区域就业指标"""
    region = indicators.region_for(query["region"])
    got = indicators.compute(region.code, query.get("as_of"))
    response = Response(indicators.workbook(region, got), mimetype=XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = f"attachment; filename=indicators-{region.code}-{got['as_of']}.xlsx"
    return response


class AlertEventOut(Schema):
    id = Integer()
    from_status = String(allow_none=True)
    to_status = String()
    to_status_zh = mm.Function(lambda e: STATUS_ZH[e.to_status])
    occurred_at = DateTime()
    note = String(allow_none=True)
    recorded_by_id = Integer(attribute="created_by_id", allow_none=True)


class AlertOut(Schema):
    id = Integer()
    kind = String()
    kind_zh = mm.Function(lambda a: KIND_ZH[a.kind])
    status = String()
    status_zh = mm.Function(lambda a: STATUS_ZH[a.status])
    allowed_next = mm.Function(lambda a: [s.value for s in service.ALLOWED_NEXT[a.status]])
    household_id = Integer()
    laborer_id = Integer(allow_none=True)
    village_id = Integer()
    since = Date()
    detail = Dict()
    status_since = DateTime()
    resolved_at = DateTime(allow_none=True)
    created_at = DateTime()


class AlertDetailOut(AlertOut):
    events = List(Nested(AlertEventOut))


class AlertQuery(PageQuery):
    class Meta:
        exclude = ("q",)

    status = coded(AlertStatus)
    kind = coded(AlertKind)
    household_id = Integer()
    laborer_id = Integer()


class AlertTransitionIn(Schema):
    to = coded(AlertStatus, required=True, metadata={"description": "following_up 或 resolved"})
    note = String(
        allow_none=True,
        validate=Length(max=service.MAX_NOTE_LENGTH),
        metadata={"description": "处理说明；解决（resolved）时必填"},
    )


@bp.get("/alerts")
@bp.auth_required(token_auth, roles=MONITORING_STAFF)
@bp.input(AlertQuery, location="query", arg_name="query")
@bp.output(page_schema(AlertOut, "AlertPage"))
def list_alerts(query: dict):
    """Alerts, the most urgent first / 预警列表（最紧急的在前）"""
    return page_of(service.alerts(query), query["page"], query["per_page"], query.get("cursor"))


@bp.get("/alerts/<int:alert_id>")
@bp.auth_required(token_auth, roles=MONITORING_STAFF)
@bp.output(AlertDetailOut)
def get_alert(alert_id: int):
    """An alert with its follow-up history / 查看预警及处理记录"""
    return get_in_scope(Alert, alert_id, "Alert", "预警")


@bp.post("/alerts/<int:alert_id>/transitions")
@bp.auth_required(token_auth, roles=MONITORING_STAFF)
@idempotent
@bp.input(AlertTransitionIn, arg_name="data")
@bp.output(AlertDetailOut)
def transition_alert(alert_id: int, data: dict):
    """Follow up or resolve an alert (resolving needs a note) / 跟进或解决预警"""
    return service.transition(alert_id, data)


class AlertRunOut(Schema):
    day = Date()
    trigger = String(metadata={"description": "schedule（每日自动）, demo, cli"})
    started_at = DateTime()
    finished_at = DateTime(allow_none=True)
    raised = Dict(metadata={"description": "新增预警，按类型 / alerts raised, by kind"})
    closed = Dict(metadata={"description": "自动关闭的预警，按类型 / alerts closed by events, by kind"})


@bp.get("/alerts/runs")
@bp.auth_required(token_auth, roles=MONITORING_STAFF)
@bp.output(AlertRunOut(many=True))
def list_alert_runs():
    """The daily runs of the alert rules, newest first / 预警规则每日自动运行记录"""
    return service.latest_runs()


class FindingOut(Schema):
    check = String()
    zh = String()
    en = String()
    household_id = Integer()
    laborer_id = Integer(allow_none=True)
    detail = Dict()


class ConsistencyOut(Schema):
    region = String(allow_none=True)
    as_of = Date()
    counts = Dict(keys=String(), values=Integer())
    total = Integer()
    items = List(Nested(FindingOut))


class ConsistencyQuery(Schema):
    region = String(validate=Length(equal=12), metadata={"description": REGION_HELP})
    as_of = Date(metadata={"description": "按哪一天计算（默认今天）"})


@bp.get("/consistency")
@bp.auth_required(token_auth, roles=MONITORING_STAFF)
@bp.input(ConsistencyQuery, location="query", arg_name="query")
@bp.output(ConsistencyOut)
def consistency_report(query: dict):
    """Records that contradict each other, to fix before a province report / 上报前数据一致性检查"""
    if query.get("region"):
        indicators.region_for(query["region"])
    return consistency.report(query.get("region"), query.get("as_of"))


# --- the contact log ------------------------------------------------------------------------------------------------


class ContactIn(Schema):
    method = coded(
        ContactMethod, required=True, metadata={"description": "phone（电话）, visit（走访）, other（其他）"}
    )
    contacted_on = Date(metadata={"description": "联系日期，默认今天；不能晚于今天 / default today"})
    note = String(allow_none=True, validate=Length(max=contacts.MAX_NOTE_CHARS), metadata={"description": "情况记录"})


class ContactOut(Schema):
    id = Integer()
    household_id = Integer()
    laborer_id = Integer(allow_none=True)
    contacted_on = Date()
    method = String()
    method_zh = mm.Function(lambda c: contacts.METHOD_ZH[c.method])
    note = String(allow_none=True)
    user_id = Integer()
    user_name = mm.Function(lambda c: c.user.name)
    created_at = DateTime()


# One page schema for both lists: the spec registers each schema class once.
ContactPage = page_schema(ContactOut, "ContactPage")


class ContactQuery(PageQuery):
    class Meta:
        exclude = ("q", "region")


@bp.get("/households/<int:household_id>/contacts")
@bp.auth_required(token_auth, roles=MONITORING_STAFF)
@bp.input(ContactQuery, location="query", arg_name="query")
@bp.output(ContactPage)
def list_household_contacts(household_id: int, query: dict):
    """Calls and visits to a household and its laborers, the latest first / 农户的联系记录"""
    household = get_in_scope(Household, household_id, "Household", "农户")
    return page_of(contacts.listed(household_id=household.id), query["page"], query["per_page"])


@bp.post("/households/<int:household_id>/contacts")
@bp.auth_required(token_auth, roles=MONITORING_STAFF)
@idempotent
@bp.input(ContactIn, arg_name="data")
@bp.output(ContactOut, status_code=201)
def create_household_contact(household_id: int, data: dict):
    """Record a call or visit to a household / 记录与农户的联系"""
    household = get_in_scope(Household, household_id, "Household", "农户")
    return contacts.record(household, None, data, g.user.id)


@bp.get("/laborers/<int:laborer_id>/contacts")
@bp.auth_required(token_auth, roles=MONITORING_STAFF)
@bp.input(ContactQuery, location="query", arg_name="query")
@bp.output(ContactPage)
def list_laborer_contacts(laborer_id: int, query: dict):
    """Calls and visits to a laborer, the latest first / 劳动力的联系记录"""
    laborer = get_in_scope(Laborer, laborer_id, "Laborer", "劳动力")
    return page_of(contacts.listed(laborer_id=laborer.id), query["page"], query["per_page"])


@bp.post("/laborers/<int:laborer_id>/contacts")
@bp.auth_required(token_auth, roles=MONITORING_STAFF)
@idempotent
@bp.input(ContactIn, arg_name="data")
@bp.output(ContactOut, status_code=201)
def create_laborer_contact(laborer_id: int, data: dict):
    """Record a call or visit to a laborer / 记录与劳动力的联系"""
    laborer = get_in_scope(Laborer, laborer_id, "Laborer", "劳动力")
    return contacts.record(laborer.household, laborer, data, g.user.id)

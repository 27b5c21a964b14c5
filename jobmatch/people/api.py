"""JSON API for regions, households and laborers."""

from __future__ import annotations

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Date, DateTime, Float, List, String
from apiflask.validators import Length, Regexp
from flask import Response, current_app
from marshmallow import fields as mm

from jobmatch.accounts.scope import current_scope, get_in_scope, scope_kind, scope_values
from jobmatch.api.auth import PEOPLE_EDITORS, REGISTRY_EDITORS, token_auth
from jobmatch.api.common import Integer, PageQuery, PersonalField, coded, mask_id_number, mask_phone, page_schema
from jobmatch.crud import page_of, prepared_page
from jobmatch.idempotency import idempotent
from jobmatch.monitoring.goal import MONTH, Goal, filtered
from jobmatch.people import queries, service
from jobmatch.people.models import Household, Laborer, Region
from jobmatch.prepared import Shapes
from jobmatch.security import limit_reveals
from jobmatch.vocab import (
    EmploymentStatus,
    HouseholdCategory,
    LaborCapacity,
    RegionLevel,
    RiskLevel,
    Willingness,
)
from workshops.settings import today as china_today

bp = APIBlueprint("people_api", __name__, url_prefix="/api/v1", tag="People · 人员与区划")


# --- regions ------------------------------------------------------------------


class RegionIn(Schema):
    code = String(required=True, metadata={"example": "361125100201"})
    name = String(required=True)
    level = coded(RegionLevel, required=True)
    parent_code = String(allow_none=True)
    latitude = Float(allow_none=True)
    longitude = Float(allow_none=True)


# PATCH takes any subset of the fields.
RegionPatch = RegionIn(partial=True)


class RegionOut(Schema):
    id = Integer()
    code = String()
    name = String()
    level = String()
    parent_code = mm.Function(lambda r: r.parent.code if r.parent else None)
    latitude = Float(allow_none=True)
    longitude = Float(allow_none=True)
    created_at = DateTime()
    updated_at = DateTime()


class RegionQuery(PageQuery):
    level = coded(RegionLevel)


@bp.post("/regions")
@bp.auth_required(token_auth, roles=REGISTRY_EDITORS)
@idempotent
@bp.input(RegionIn, arg_name="data")
@bp.output(RegionOut, status_code=201)
def create_region(data: dict):
    """Create a region / 新建区划"""
    return service.save_region(data)


@bp.get("/regions/<int:region_id>")
@bp.auth_required(token_auth)
@bp.output(RegionOut)
def get_region(region_id: int):
    """Get a region / 查看区划"""
    return get_in_scope(Region, region_id, "Region", "区划")


@bp.get("/regions")
@bp.auth_required(token_auth)
@bp.input(RegionQuery, location="query", arg_name="query")
@bp.output(page_schema(RegionOut, "RegionPage"))
def list_regions(query: dict):
    """List regions / 区划列表"""
    return page_of(queries.regions(query), query["page"], query["per_page"], query.get("cursor"))


@bp.patch("/regions/<int:region_id>")
@bp.auth_required(token_auth, roles=REGISTRY_EDITORS)
@bp.input(RegionPatch, arg_name="data")
@bp.output(RegionOut)
def update_region(region_id: int, data: dict):
    """Update a region / 修改区划"""
    return service.save_region(data, get_in_scope(Region, region_id, "Region", "区划"))


# --- households ---------------------------------------------------------------


class HouseholdIn(Schema):
    code = String(required=True, metadata={"description": "户编号"})
    village_code = String(required=True, metadata={"description": "行政村区划代码"})
    category = coded(HouseholdCategory, required=True)
    risk_level = coded(RiskLevel)
    head_name = String(allow_none=True)


# PATCH takes any subset of the fields.
HouseholdPatch = HouseholdIn(partial=True)


class HouseholdOut(Schema):
    id = Integer()
    code = String()
    village_code = mm.Function(lambda h: h.village.code)
    village_name = mm.Function(lambda h: h.village.name)
    category = String()
    risk_level = String()
    head_name = String(allow_none=True)
    created_at = DateTime()
    updated_at = DateTime()


class HouseholdQuery(PageQuery):
    category = coded(HouseholdCategory)
    risk_level = coded(RiskLevel)
    goal = coded(
        Goal,
        metadata={
            "description": "met / not_met (willing, no one in work) / no_willing · 家庭就业目标（与农户页筛选相同）"
        },
    )
    lost_month = String(
        validate=Regexp(MONTH.pattern, error="Not a valid month (YYYY-MM)."),
        metadata={
            "description": "YYYY-MM: households that lost their last worker that month / 当月失去最后一名就业人员的户"
        },
    )


@bp.post("/households")
@bp.auth_required(token_auth, roles=PEOPLE_EDITORS)
@idempotent
@bp.input(HouseholdIn, arg_name="data")
@bp.output(HouseholdOut, status_code=201)
def create_household(data: dict):
    """Register a household / 登记农户"""
    return service.save_household(data)


@bp.get("/households/<int:household_id>")
@bp.auth_required(token_auth)
@bp.output(HouseholdOut)
def get_household(household_id: int):
    """Get a household / 查看农户"""
    return get_in_scope(Household, household_id, "Household", "农户")


@bp.get("/households")
@bp.auth_required(token_auth)
@bp.input(HouseholdQuery, location="query", arg_name="query")
@bp.output(page_schema(HouseholdOut, "HouseholdPage"))
def list_households(query: dict):
    """List households / 农户列表"""
    households = filtered(queries.households(query), query.get("goal"), query.get("lost_month"), china_today())
    return page_of(households, query["page"], query["per_page"], query.get("cursor"))


@bp.patch("/households/<int:household_id>")
@bp.auth_required(token_auth, roles=PEOPLE_EDITORS)
@bp.input(HouseholdPatch, arg_name="data")
@bp.output(HouseholdOut)
def update_household(household_id: int, data: dict):
    """Update a household / 修改农户"""
    return service.save_household(data, get_in_scope(Household, household_id, "Household", "农户"))


# --- laborers -----------------------------------------------------------------


class LaborerIn(Schema):
    name = String(required=True, metadata={"example": "王秀英"})
    id_number = String(required=True, metadata={"description": "居民身份证号（18 位）"})
    household_code = String(required=True)
    relation_to_head = String(allow_none=True)
    phone = String(allow_none=True, metadata={"example": "13812345678"})
    skills = List(String(validate=Length(max=64)), validate=Length(max=30))
    labor_capacity = coded(LaborCapacity, required=True)
    willingness = coded(Willingness, required=True)
    employment_status = coded(EmploymentStatus)
    needs_flexible_hours = Boolean()
    home_based_only = Boolean()
    latitude = Float(allow_none=True)
    longitude = Float(allow_none=True)
    health_note = String(allow_none=True)
    registered_on = Date()


# PATCH takes any subset of the fields.
LaborerPatch = LaborerIn(partial=True)


class LaborerOut(Schema):
    id = Integer()
    name = String()
    id_number = PersonalField(mask_id_number)
    # Age only: birth date and sex beside the masked number would narrow it to a handful of people.
    age = mm.Function(lambda p: service.age_on(p.birth_date, service.date.today()))
    household_id = Integer()
    household_code = mm.Function(lambda p: p.household.code)
    village_code = mm.Function(lambda p: p.household.village.code)
    relation_to_head = String(allow_none=True)
    phone = PersonalField(mask_phone)
    skills = List(String())
    skills_raw = List(String())
    labor_capacity = String()
    willingness = String()
    employment_status = String()
    needs_flexible_hours = Boolean()
    home_based_only = Boolean()
    latitude = Float(allow_none=True)
    longitude = Float(allow_none=True)
    has_health_note = mm.Function(lambda p: bool(p.health_note))
    notices = mm.Function(
        lambda p: [n.as_dict() for n in service.laborer_notices(p)],
        metadata={"description": "提醒（不阻止保存）/ notices that do not block saving"},
    )
    registered_on = Date()
    created_at = DateTime()
    updated_at = DateTime()


class LaborerQuery(PageQuery):
    household_code = String()
    labor_capacity = coded(LaborCapacity)
    willingness = coded(Willingness)
    employment_status = coded(EmploymentStatus)


@bp.post("/laborers")
@bp.auth_required(token_auth, roles=PEOPLE_EDITORS)
@idempotent
@bp.input(LaborerIn, arg_name="data")
@bp.output(LaborerOut, status_code=201)
def create_laborer(data: dict):
    """Register a laborer / 登记劳动力"""
    return service.save_laborer(data)


@bp.get("/laborers/<int:laborer_id>")
@bp.auth_required(token_auth)
@bp.output(LaborerOut)
def get_laborer(laborer_id: int):
    """Get a laborer / 查看劳动力"""
    return get_in_scope(Laborer, laborer_id, "Laborer", "劳动力")


# The list's columns, in the order `_laborer_item` reads them: one row per laborer, no ORM objects.
_LIST_COLUMNS = (
    Laborer.id,
    Laborer.name,
    Laborer.id_number,
    Laborer.birth_date,
    Laborer.household_id,
    Household.code,
    Region.code,
    Laborer.relation_to_head,
    Laborer.phone,
    Laborer.skills,
    Laborer.skills_raw,
    Laborer.labor_capacity,
    Laborer.willingness,
    Laborer.employment_status,
    Laborer.needs_flexible_hours,
    Laborer.home_based_only,
    Laborer.latitude,
    Laborer.longitude,
    Laborer.__table__.c.health_note_encrypted.is_not(None),
    Laborer.registered_on,
    Laborer.created_at,
    Laborer.updated_at,
)


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _laborer_item(row, today) -> dict:
    """What LaborerOut makes of a laborer, from a row of _LIST_COLUMNS (the schema stays the API's document)."""
    number, village_code = row[2], row[6]
    return {
        "id": row[0],
        "name": row[1],
        "id_number": mask_id_number(number),
        "age": service.age_on(row[3], today),
        "household_id": row[4],
        "household_code": row[5],
        "village_code": village_code,
        "relation_to_head": row[7],
        "phone": mask_phone(row[8]),
        "skills": row[9],
        "skills_raw": row[10],
        "labor_capacity": row[11].value,
        "willingness": row[12].value,
        "employment_status": row[13].value,
        "needs_flexible_hours": row[14],
        "home_based_only": row[15],
        "latitude": row[16],
        "longitude": row[17],
        "has_health_note": row[18],
        "notices": [n.as_dict() for n in service.id_number_notices(number, village_code)],
        "registered_on": _iso(row[19]),
        "created_at": _iso(row[20]),
        "updated_at": _iso(row[21]),
    }


_LABORER_PAGES = Shapes(lambda dialect, *shape: queries.laborer_page(dialect, *shape, columns=_LIST_COLUMNS))


def laborer_list_answer(query: dict) -> Response:
    """A page of laborers as LaborerPage, in one statement and without a schema object per laborer.

    Without a free-text search the page comes from a statement prepared for its filters and the caller's
    kind of scope; a search builds the list's select() (queries.laborers) each time.
    """
    full = lambda: queries.laborers(query).with_only_columns(*_LIST_COLUMNS)  # noqa: E731
    filters = queries.laborer_filters(query)
    if filters is None:
        page = page_of(full(), query["page"], query["per_page"], query.get("cursor"), whole_rows=True)
    else:
        scope, (names, values), narrow = current_scope(), filters, queries.narrowed(query)
        shape = (scope_kind(scope), names, narrow)
        page = prepared_page(_LABORER_PAGES, shape, values | scope_values(scope), query, full, keys=2 if narrow else 1)
    today = service.date.today()
    page["items"] = [_laborer_item(row, today) for row in page["items"]]
    return current_app.json.response(page)


@bp.get("/laborers")
@bp.auth_required(token_auth)
@bp.input(LaborerQuery, location="query", arg_name="query")
@bp.output(page_schema(LaborerOut, "LaborerPage"))
def list_laborers(query: dict):
    """List laborers / 劳动力列表"""
    return laborer_list_answer(query)


class LaborerSearch(LaborerQuery):
    """The list's filters, sent as a JSON body."""


class LaborerFound(LaborerOut):
    """A laborer in a search's answer (the same fields as the list)."""


@bp.post("/laborers/search")
@bp.auth_required(token_auth)
@bp.input(LaborerSearch, arg_name="query")
@bp.output(page_schema(LaborerFound, "LaborerSearchPage"))
def search_laborers(query: dict):
    """Search laborers with the query in the body, e.g. by a full ID number, which then stays out of URLs and
    access logs / 按身份证号等条件查找劳动力（条件放在请求体中）"""
    return laborer_list_answer(query)


@bp.patch("/laborers/<int:laborer_id>")
@bp.auth_required(token_auth, roles=PEOPLE_EDITORS)
@bp.input(LaborerPatch, arg_name="data")
@bp.output(LaborerOut)
def update_laborer(laborer_id: int, data: dict):
    """Update a laborer / 修改劳动力信息"""
    return service.save_laborer(data, get_in_scope(Laborer, laborer_id, "Laborer", "劳动力"))


class LaborerPersonalOut(Schema):
    id = Integer()
    name = String()
    id_number = String()
    # Only beside the full number (audited) do the birth date and sex it encodes appear.
    birth_date = Date()
    sex = String()
    phone = String(allow_none=True)
    health_note = String(allow_none=True)


@bp.post("/laborers/<int:laborer_id>/reveal")
@bp.auth_required(token_auth, roles=PEOPLE_EDITORS)
@limit_reveals
@bp.output(LaborerPersonalOut)
def reveal_laborer(laborer_id: int):
    """Reveal full ID number, phone and health note (audited) / 查看完整身份证号、电话（留痕）"""
    return service.reveal_laborer(get_in_scope(Laborer, laborer_id, "Laborer", "劳动力"))

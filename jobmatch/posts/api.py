"""JSON API for employers and openings."""

from __future__ import annotations

from enum import Enum

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Date, DateTime, Float, List, String
from apiflask.validators import Length
from flask import current_app
from marshmallow import fields as mm

from jobmatch.accounts.scope import current_scope, get_in_scope, scope_kind, scope_values
from jobmatch.api.auth import REGISTRY_EDITORS, token_auth
from jobmatch.api.common import Integer, PageQuery, PersonalField, coded, mask_phone, page_schema
from jobmatch.crud import page_of, prepared_page
from jobmatch.errors import NotFound
from jobmatch.idempotency import idempotent
from jobmatch.people.models import Region
from jobmatch.posts import queries, service
from jobmatch.posts.models import Employer, Opening
from jobmatch.prepared import Shapes
from jobmatch.vocab import (
    EmployerKind,
    OpeningKind,
    OpeningStatus,
    PhysicalIntensity,
    WageUnit,
    WorkingPattern,
)

bp = APIBlueprint("posts_api", __name__, url_prefix="/api/v1", tag="Posts · 用工主体与岗位")


class EmployerIn(Schema):
    name = String(required=True)
    kind = coded(EmployerKind, required=True)
    credit_code = String(allow_none=True, metadata={"description": "统一社会信用代码"})
    region_code = String(allow_none=True)
    county_code = String(metadata={"description": "所属县（默认：地点所在县或本人所在县）"})
    address = String(allow_none=True)
    contact_name = String(allow_none=True)
    contact_phone = String(allow_none=True)


# PATCH takes any subset of the fields.
EmployerPatch = EmployerIn(partial=True)


class EmployerOut(Schema):
    id = Integer()
    name = String()
    kind = String()
    credit_code = String(allow_none=True)
    region_code = mm.Function(lambda e: e.region.code if e.region else None)
    county_id = Integer(allow_none=True)
    address = String(allow_none=True)
    contact_name = String(allow_none=True)
    contact_phone = PersonalField(mask_phone)
    created_at = DateTime()
    updated_at = DateTime()


class EmployerQuery(PageQuery):
    kind = coded(EmployerKind)


@bp.post("/employers")
@bp.auth_required(token_auth, roles=REGISTRY_EDITORS)
@idempotent
@bp.input(EmployerIn, arg_name="data")
@bp.output(EmployerOut, status_code=201)
def create_employer(data: dict):
    """Register an employer / 登记用工主体"""
    return service.save_employer(data)


@bp.get("/employers/<int:employer_id>")
@bp.auth_required(token_auth)
@bp.output(EmployerOut)
def get_employer(employer_id: int):
    """Get an employer / 查看用工主体"""
    return get_in_scope(Employer, employer_id, "Employer", "用工主体")


@bp.get("/employers")
@bp.auth_required(token_auth)
@bp.input(EmployerQuery, location="query", arg_name="query")
@bp.output(page_schema(EmployerOut, "EmployerPage"))
def list_employers(query: dict):
    """List employers / 用工主体列表"""
    return page_of(queries.employers(query), query["page"], query["per_page"], query.get("cursor"))


@bp.patch("/employers/<int:employer_id>")
@bp.auth_required(token_auth, roles=REGISTRY_EDITORS)
@bp.input(EmployerPatch, arg_name="data")
@bp.output(EmployerOut)
def update_employer(employer_id: int, data: dict):
    """Update an employer / 修改用工主体"""
    return service.save_employer(data, get_in_scope(Employer, employer_id, "Employer", "用工主体"))


class OpeningIn(Schema):
    code = String(validate=Length(max=32), metadata={"description": "岗位编号（导入名册据此识别岗位；不填则自动生成）"})
    kind = coded(OpeningKind, required=True)
    title = String(required=True, metadata={"example": "缝纫工"})
    employer_id = Integer(allow_none=True)
    workshop_id = Integer(allow_none=True)
    region_code = String(allow_none=True, metadata={"description": "工作地点区划代码"})
    county_code = String(metadata={"description": "发布岗位的县（默认：工作地点所在县或本人所在县）"})
    site_name = String(allow_none=True)
    latitude = Float(allow_none=True)
    longitude = Float(allow_none=True)
    required_skills = List(String(validate=Length(max=64)), validate=Length(max=20))
    age_min = Integer()
    age_max = Integer()
    headcount = Integer(required=True, metadata={"description": "招聘人数：不能少于目前在岗人数"})
    remaining_headcount = Integer(
        metadata={
            "description": "只读：剩余名额 = 招聘人数 − 在岗人数，填写即被拒绝（422 read_only）"
            " / read-only: headcount less the people hired now; sending it is refused"
        }
    )
    wage_min = mm.Decimal(places=2, allow_none=True, allow_nan=False)
    wage_max = mm.Decimal(places=2, allow_none=True, allow_nan=False)
    wage_unit = coded(WageUnit)
    working_pattern = coded(WorkingPattern)
    physical_intensity = coded(PhysicalIntensity)
    shuttle = Boolean()
    organised_transfer = Boolean()
    accommodation = Boolean()
    deadline = Date(allow_none=True)
    status = coded(OpeningStatus)
    description = String(allow_none=True)


# PATCH takes any subset of the fields.
OpeningPatch = OpeningIn(partial=True)


class OpeningOut(Schema):
    id = Integer()
    code = String(metadata={"description": "岗位编号"})
    kind = String()
    title = String()
    employer_id = Integer(allow_none=True)
    workshop_id = Integer(allow_none=True)
    region_code = mm.Function(lambda o: o.region.code if o.region else None)
    county_id = Integer(allow_none=True)
    site_name = String(allow_none=True)
    latitude = Float()
    longitude = Float()
    required_skills = List(String())
    required_skills_raw = List(String())
    age_min = Integer()
    age_max = Integer()
    headcount = Integer()
    remaining_headcount = Integer(metadata={"description": "剩余名额 = 招聘人数 − 在岗人数"})
    filled = Boolean(metadata={"description": "已满员：剩余名额为 0"})
    wage_min = Float(allow_none=True)
    wage_max = Float(allow_none=True)
    wage_unit = String()
    working_pattern = String()
    physical_intensity = String()
    shuttle = Boolean()
    organised_transfer = Boolean()
    accommodation = Boolean()
    deadline = Date(allow_none=True)
    status = String()
    description = String(allow_none=True)
    created_at = DateTime()
    updated_at = DateTime()


class OpeningQuery(PageQuery):
    kind = coded(OpeningKind)
    status = coded(OpeningStatus)
    employer_id = Integer()
    workshop_id = Integer()


@bp.post("/openings")
@bp.auth_required(token_auth, roles=REGISTRY_EDITORS)
@idempotent
@bp.input(OpeningIn, arg_name="data")
@bp.output(OpeningOut, status_code=201)
def create_opening(data: dict):
    """Post an opening / 发布岗位"""
    return service.save_opening(data)


# The columns OpeningOut shows, in the order `_opening_item` reads them: one row per opening, no ORM objects.
_OPENING_COLUMNS = (
    Opening.id,
    Opening.code,
    Opening.kind,
    Opening.title,
    Opening.employer_id,
    Opening.workshop_id,
    Region.code,
    Opening.county_id,
    Opening.site_name,
    Opening.latitude,
    Opening.longitude,
    Opening.required_skills,
    Opening.required_skills_raw,
    Opening.age_min,
    Opening.age_max,
    Opening.headcount,
    Opening.remaining_headcount,
    Opening.wage_min,
    Opening.wage_max,
    Opening.wage_unit,
    Opening.working_pattern,
    Opening.physical_intensity,
    Opening.shuttle,
    Opening.organised_transfer,
    Opening.accommodation,
    Opening.deadline,
    Opening.status,
    Opening.description,
    Opening.created_at,
    Opening.updated_at,
)


# The names of _OPENING_COLUMNS, as an opening's attributes (a row read as an object by the matches).
OPENING_FIELDS = (
    "id", "code", "kind", "title", "employer_id", "workshop_id", "region_code", "county_id", "site_name",
    "latitude", "longitude", "required_skills", "required_skills_raw", "age_min", "age_max", "headcount",
    "remaining_headcount", "wage_min", "wage_max", "wage_unit", "working_pattern", "physical_intensity",
    "shuttle", "organised_transfer", "accommodation", "deadline", "status", "description", "created_at",
    "updated_at",
)  # fmt: skip


def _text(value) -> str | None:
    return value.value if isinstance(value, Enum) else (None if value is None else str(value))


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _number(value) -> float | None:
    return float(value) if value is not None else None


def _opening_item(row) -> dict:
    """What OpeningOut makes of an opening, from a row of _OPENING_COLUMNS (the schema stays the API's document)."""
    return {
        "id": row[0],
        "code": row[1],
        "kind": _text(row[2]),
        "title": row[3],
        "employer_id": row[4],
        "workshop_id": row[5],
        "region_code": row[6],
        "county_id": row[7],
        "site_name": row[8],
        "latitude": _number(row[9]),
        "longitude": _number(row[10]),
        "required_skills": row[11],
        "required_skills_raw": row[12],
        "age_min": row[13],
        "age_max": row[14],
        "headcount": row[15],
        "remaining_headcount": row[16],
        "filled": row[16] == 0,
        "wage_min": _number(row[17]),
        "wage_max": _number(row[18]),
        "wage_unit": _text(row[19]),
        "working_pattern": _text(row[20]),
        "physical_intensity": _text(row[21]),
        "shuttle": row[22],
        "organised_transfer": row[23],
        "accommodation": row[24],
        "deadline": _iso(row[25]),
        "status": _text(row[26]),
        "description": row[27],
        "created_at": _iso(row[28]),
        "updated_at": _iso(row[29]),
    }


@bp.get("/openings/<int:opening_id>")
@bp.auth_required(token_auth)
@bp.output(OpeningOut)
def get_opening(opening_id: int):
    """Get an opening / 查看岗位"""
    scope = current_scope()
    rows = _ONE_OPENING.rows((scope_kind(scope),), scope_values(scope) | {"opening_id": opening_id})
    if not rows:
        raise NotFound("Opening", "岗位")
    return current_app.json.response(_opening_item(rows[0]))


_ONE_OPENING = Shapes(lambda dialect, kind: queries.one_opening(dialect, kind, _OPENING_COLUMNS))
_OPENING_PAGES = Shapes(lambda dialect, *shape: queries.opening_page(dialect, *shape, columns=_OPENING_COLUMNS))


@bp.get("/openings")
@bp.auth_required(token_auth)
@bp.input(OpeningQuery, location="query", arg_name="query")
@bp.output(page_schema(OpeningOut, "OpeningPage"))
def list_openings(query: dict):
    """List openings / 岗位列表"""
    full = lambda: queries.openings(query).with_only_columns(*_OPENING_COLUMNS)  # noqa: E731
    filters = queries.opening_filters(query)
    if filters is None:
        page = page_of(full(), query["page"], query["per_page"], query.get("cursor"), whole_rows=True)
    else:
        scope = current_scope()
        names, values = filters
        page = prepared_page(_OPENING_PAGES, (scope_kind(scope), names), values | scope_values(scope), query, full)
    page["items"] = [_opening_item(row) for row in page["items"]]
    return current_app.json.response(page)


@bp.patch("/openings/<int:opening_id>")
@bp.auth_required(token_auth, roles=REGISTRY_EDITORS)
@bp.input(OpeningPatch, arg_name="data")
@bp.output(OpeningOut)
def update_opening(opening_id: int, data: dict):
    """Update an opening / 修改岗位"""
    return service.save_opening(data, get_in_scope(Opening, opening_id, "Opening", "岗位"))

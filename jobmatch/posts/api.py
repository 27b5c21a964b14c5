"""JSON API for employers and openings."""

from __future__ import annotations

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Date, DateTime, Float, List, String
from apiflask.validators import Length
from marshmallow import fields as mm

from jobmatch.accounts.scope import get_in_scope
from jobmatch.api.auth import REGISTRY_EDITORS, token_auth
from jobmatch.api.common import Integer, PageQuery, PersonalField, coded, mask_phone, page_schema
from jobmatch.crud import page_of
from jobmatch.idempotency import idempotent
from jobmatch.posts import queries, service
from jobmatch.posts.models import Employer, Opening
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


@bp.get("/openings/<int:opening_id>")
@bp.auth_required(token_auth)
@bp.output(OpeningOut)
def get_opening(opening_id: int):
    """Get an opening / 查看岗位"""
    return get_in_scope(Opening, opening_id, "Opening", "岗位")


@bp.get("/openings")
@bp.auth_required(token_auth)
@bp.input(OpeningQuery, location="query", arg_name="query")
@bp.output(page_schema(OpeningOut, "OpeningPage"))
def list_openings(query: dict):
    """List openings / 岗位列表"""
    return page_of(queries.openings(query), query["page"], query["per_page"], query.get("cursor"))


@bp.patch("/openings/<int:opening_id>")
@bp.auth_required(token_auth, roles=REGISTRY_EDITORS)
@bp.input(OpeningPatch, arg_name="data")
@bp.output(OpeningOut)
def update_opening(opening_id: int, data: dict):
    """Update an opening / 修改岗位"""
    return service.save_opening(data, get_in_scope(Opening, opening_id, "Opening", "岗位"))

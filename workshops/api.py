"""JSON API for the workshop registry."""

from __future__ import annotations

import sqlalchemy as sa
from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Date, DateTime, Float, Integer, String
from marshmallow import fields as mm

from jobmatch.accounts.scope import get_in_scope, restrict
from jobmatch.api.auth import REGISTRY_EDITORS, token_auth
from jobmatch.api.common import PageQuery, coded, page_schema
from jobmatch.crud import page_of
from jobmatch.people.models import Region
from jobmatch.people.queries import contains, in_region, where_all
from jobmatch.vocab import CertificationStatus, WageMode
from workshops import service
from workshops.models import Workshop

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
    return page_of(workshops_query(query), query["page"], query["per_page"])


@bp.patch("/workshops/<int:workshop_id>")
@bp.auth_required(token_auth, roles=REGISTRY_EDITORS)
@bp.input(WorkshopPatch, arg_name="data")
@bp.output(WorkshopOut)
def update_workshop(workshop_id: int, data: dict):
    """Update a workshop / 修改帮扶车间"""
    return service.save_workshop(data, get_in_scope(Workshop, workshop_id, "Workshop", "帮扶车间"))

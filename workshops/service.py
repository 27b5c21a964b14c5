"""Rules for the workshop registry."""

from __future__ import annotations

import sqlalchemy as sa

from jobmatch import crud
from jobmatch.accounts.scope import restrict
from jobmatch.errors import Collector
from jobmatch.extensions import db
from jobmatch.fields import clean_text, copy_plain, require_positive
from jobmatch.geo import check_coordinates
from jobmatch.people.service import resolve_region
from jobmatch.posts.models import Employer
from jobmatch.vocab import RegionLevel
from workshops.models import Workshop


def _clean_workshop(data: dict, errors: Collector, obj: Workshop | None) -> dict:
    out: dict = {}
    clean_text(data, errors, "name", out, max_length=128)
    clean_text(data, errors, "address", out, max_length=255, optional=True)
    clean_text(data, errors, "products", out, max_length=255, optional=True)
    copy_plain(
        data,
        out,
        "latitude",
        "longitude",
        "capacity",
        "wage_mode",
        "flexible_hours",
        "home_piecework",
        "certification_status",
        "certified_on",
    )
    if "village_code" in data:
        village = resolve_region(data, errors, "village_code", level=RegionLevel.village)
        if village is not None:
            out["village_id"] = village.id
    if data.get("operator_id") is not None:
        query = restrict(sa.select(Employer.id).where(Employer.id == data["operator_id"]), Employer)
        if db.session.execute(query).first() is None:
            errors.add("operator_id", "not_found", "经营主体不存在", "no such employer")
        else:
            out["operator_id"] = data["operator_id"]
    elif "operator_id" in data:
        out["operator_id"] = None
    return out


def _check_workshop(state: dict, errors: Collector, obj: Workshop | None) -> None:
    require_positive(state, errors, "capacity")
    check_coordinates(errors, state.get("latitude"), state.get("longitude"))


def save_workshop(data: dict, obj: Workshop | None = None) -> Workshop:
    return crud.save(
        Workshop,
        obj,
        data,
        _clean_workshop,
        _check_workshop,
        ("name", "village_code", "capacity", "wage_mode"),
    )

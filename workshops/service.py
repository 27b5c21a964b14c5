"""Rules for the workshop registry: fields, and the certification rule."""

from __future__ import annotations

import sqlalchemy as sa

from jobmatch import crud
from jobmatch.accounts.scope import restrict
from jobmatch.errors import Collector, Conflict, FieldError
from jobmatch.extensions import db
from jobmatch.fields import clean_text, copy_plain, require_positive
from jobmatch.geo import check_coordinates
from jobmatch.people.models import Household, Laborer
from jobmatch.people.service import resolve_region
from jobmatch.placements.models import Employment
from jobmatch.posts.models import Employer
from jobmatch.vocab import MONITORED_CATEGORIES, CertificationStatus, HouseholdCategory, RegionLevel
from workshops import settings
from workshops.models import Workshop

# The households whose members count towards certification: out of poverty, or watched for relapse.
CERTIFYING_CATEGORIES = frozenset({HouseholdCategory.out_of_poverty, *MONITORED_CATEGORIES})


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


def certifying_workers(workshop_id: int) -> int:
    """Workers employed at the workshop today who come from out-of-poverty or monitored households."""
    today = settings.today()
    query = (
        sa.select(sa.func.count(sa.distinct(Employment.laborer_id)))
        .join(Laborer, Laborer.id == Employment.laborer_id)
        .join(Household, Household.id == Laborer.household_id)
        .where(
            Employment.workshop_id == workshop_id,
            Employment.start_date <= today,
            sa.or_(Employment.end_date.is_(None), Employment.end_date >= today),
            Household.category.in_(CERTIFYING_CATEGORIES),
        )
    )
    return db.session.execute(query).scalar_one()


def _check_workshop(state: dict, errors: Collector, obj: Workshop | None) -> dict | None:
    require_positive(state, errors, "capacity")
    check_coordinates(errors, state.get("latitude"), state.get("longitude"))
    becomes_certified = state.get("certification_status") == CertificationStatus.certified and (
        obj is None or obj.certification_status != CertificationStatus.certified
    )
    if not becomes_certified or errors.errors:
        return None
    minimum = int(settings.setting("CERTIFICATION_MIN_WORKERS"))
    have = certifying_workers(obj.id) if obj is not None else 0
    if have < minimum:
        raise Conflict(
            [
                FieldError(
                    "certification_status",
                    "too_few_workers",
                    f"认定帮扶车间须吸纳至少 {minimum} 名脱贫户或监测对象劳动力，现有 {have} 名",
                    f"certification needs at least {minimum} workers from out-of-poverty or monitored households; "
                    f"{have} now",
                )
            ],
            "Certification refused",
            "不符合帮扶车间认定条件",
        )
    return None if state.get("certified_on") else {"certified_on": settings.today()}


def save_workshop(data: dict, obj: Workshop | None = None) -> Workshop:
    return crud.save(
        Workshop,
        obj,
        data,
        _clean_workshop,
        _check_workshop,
        ("name", "village_code", "capacity", "wage_mode"),
    )


def workforce(workshop_ids: list[int]) -> dict[int, dict[str, int]]:
    """Each workshop's current workers today, and how many come from out-of-poverty or monitored households."""
    today = settings.today()
    rows = db.session.execute(
        sa.select(Employment.workshop_id, Household.category, sa.func.count(sa.distinct(Employment.laborer_id)))
        .join(Laborer, Laborer.id == Employment.laborer_id)
        .join(Household, Household.id == Laborer.household_id)
        .where(
            Employment.workshop_id.in_(workshop_ids),
            Employment.start_date <= today,
            sa.or_(Employment.end_date.is_(None), Employment.end_date >= today),
        )
        .group_by(Employment.workshop_id, Household.category)
    ).all()
    out = {i: {"current": 0, "out_of_poverty": 0, "monitored": 0} for i in workshop_ids}
    for workshop_id, category, count in rows:
        counts = out[workshop_id]
        counts["current"] += count
        if category == HouseholdCategory.out_of_poverty:
            counts["out_of_poverty"] += count
        elif category in MONITORED_CATEGORIES:
            counts["monitored"] += count
    return out

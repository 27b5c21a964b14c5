"""Pick places and workshops by name on the account form: villages grouped by township, with search keys."""

from __future__ import annotations

import sqlalchemy as sa

from jobmatch.extensions import db
from jobmatch.people.models import Region
from jobmatch.pickers import search_keys
from jobmatch.vocab import RegionLevel
from workshops.models import Workshop


def region_groups() -> list[dict]:
    """Counties first (for bureau staff), then each township's villages (for cadres), in code order."""
    regions = db.session.scalars(sa.select(Region).order_by(Region.code)).all()
    by_id = {r.id: r for r in regions}
    counties = [r for r in regions if r.level == RegionLevel.county]
    groups = [{"label": None, "county": True, "options": [_option(c.code, c.name) for c in counties]}]
    townships: dict[int, list[Region]] = {}
    for village in (r for r in regions if r.level == RegionLevel.village):
        townships.setdefault(village.parent_id, []).append(village)
    for township_id, villages in townships.items():
        township = by_id.get(township_id)
        county = by_id.get(township.parent_id) if township else None
        label = " · ".join(r.name for r in (county, township) if r is not None)
        groups.append({"label": label, "county": False, "options": [_option(v.code, v.name) for v in villages]})
    return groups


def _option(value, name: str) -> dict:
    return {"value": str(value), "name": name, "search": search_keys(name)}


def workshop_options() -> list[dict]:
    """Every workshop by name, with its village, for the manager's workshop."""
    rows = db.session.execute(
        sa.select(Workshop.id, Workshop.name, Region.name)
        .join(Region, Workshop.village_id == Region.id)
        .order_by(Workshop.name)
    )
    return [
        {**_option(wid, f"{name} · {village}"), "search": search_keys(name) + " " + village}
        for wid, name, village in rows
    ]

"""Each county's matching settings: how far "work near home" reaches (the village radius).

The bureau of a county (or an admin) sets it; the matching index reads it with the other changes, so
every worker uses a new radius within a second. A county without a setting uses
`rules.VILLAGE_RADIUS_KM`.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from jobmatch.accounts import audit
from jobmatch.errors import FieldError, ValidationFailed
from jobmatch.extensions import db
from jobmatch.matches.models import CountyMatchSettings
from jobmatch.matching import rules
from jobmatch.people.models import Region
from jobmatch.vocab import RegionLevel


def _require_county(region: Region) -> None:
    if region.level != RegionLevel.county:
        raise ValidationFailed(
            [
                FieldError(
                    "region_id", "not_a_county", "只有县级区划可以设置就业半径", "only a county has a village radius"
                )
            ]
        )


def county_settings(county: Region) -> dict:
    """The county's settings as the API shows them, defaults included."""
    _require_county(county)
    row = db.session.scalar(sa.select(CountyMatchSettings).where(CountyMatchSettings.county_id == county.id))
    return {
        "region_id": county.id,
        "region_code": county.code,
        "region_name": county.name,
        "village_radius_km": row.village_radius_km if row else rules.VILLAGE_RADIUS_KM,
        "default_village_radius_km": rules.VILLAGE_RADIUS_KM,
        "is_default": row is None,
    }


def set_village_radius(county: Region, km: float) -> dict:
    """Set how far "work near home" reaches for the county's laborers; audited."""
    _require_county(county)
    row = db.session.scalar(sa.select(CountyMatchSettings).where(CountyMatchSettings.county_id == county.id))
    before = row.village_radius_km if row else None
    if row is None:
        row = CountyMatchSettings(county_id=county.id, village_radius_km=km)
        db.session.add(row)
    row.village_radius_km = km
    if before != km:
        db.session.flush()
        audit.record("update", "county_match_settings", county.id, {"village_radius_km": [before, km]})
    db.session.commit()
    return county_settings(county)


def village_radius_by_county(since: datetime | None = None) -> dict[int, float]:
    """County (6-digit code as a number) → village radius in km, for the settings changed since a moment."""
    query = sa.select(Region.code, CountyMatchSettings.village_radius_km).join(
        Region, CountyMatchSettings.county_id == Region.id
    )
    if since is not None:
        query = query.where(CountyMatchSettings.updated_at >= since)
    return {int(code[:6]): float(km) for code, km in db.session.execute(query)}

"""List queries for employers and openings."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from jobmatch.accounts.scope import restrict
from jobmatch.people.models import Region
from jobmatch.people.queries import contains, in_region, where_all
from jobmatch.posts.models import Employer, Opening


def employers(f: dict) -> sa.Select:
    query = restrict(
        sa.select(Employer).outerjoin(Region, Employer.region_id == Region.id).order_by(Employer.id), Employer
    )
    return where_all(
        query,
        in_region(f.get("region")),
        Employer.kind == f["kind"] if f.get("kind") else None,
        contains(Employer.name, f.get("q")),
    )


def openings(f: dict) -> sa.Select:
    query = restrict(
        sa.select(Opening)
        .outerjoin(Region, Opening.region_id == Region.id)
        .options(contains_eager(Opening.region))
        .order_by(Opening.id),
        Opening,
    )
    q = f.get("q")
    return where_all(
        query,
        in_region(f.get("region")),
        Opening.kind == f["kind"] if f.get("kind") else None,
        Opening.status == f["status"] if f.get("status") else None,
        Opening.employer_id == f["employer_id"] if f.get("employer_id") else None,
        Opening.workshop_id == f["workshop_id"] if f.get("workshop_id") else None,
        sa.or_(contains(Opening.title, q), contains(Opening.site_name, q)) if q else None,
    )

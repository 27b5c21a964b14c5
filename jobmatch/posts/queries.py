"""List queries for employers and openings."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from jobmatch import text
from jobmatch.accounts.scope import bound_condition, restrict
from jobmatch.crud import bound_filters, id_ordered
from jobmatch.extensions import db
from jobmatch.people.models import Region
from jobmatch.people.queries import contains, in_region, prepared_filters, where_all
from jobmatch.placements.models import Referral
from jobmatch.posts.models import Employer, Opening
from jobmatch.vocab import RegionLevel
from workshops.models import Workshop


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
        sa.or_(
            contains(Opening.title, q),
            contains(Opening.site_name, q),
            Opening.employer_id.in_(sa.select(Employer.id).where(contains(Employer.name, q))),
            Opening.workshop_id.in_(sa.select(Workshop.id).where(contains(Workshop.name, q))),
            Opening.code == text.normalize_digits(q),
        )
        if q
        else None,
    )


# The openings list read by prepared statements (jobmatch.prepared): the filters of `openings` but the
# free-text search, each a parameter, in id order. The API answers from it; `openings` stays the reference.
PREPARED_OPENING_FILTERS = ("region", "kind", "status", "employer_id", "workshop_id")


def opening_filters(f: dict) -> tuple[tuple[str, ...], dict] | None:
    """The filters given (the statement's shape) and their values; None when the list needs `openings` (a search)."""
    return prepared_filters(f, PREPARED_OPENING_FILTERS)


def opening_page(dialect, kind: str, filters: tuple[str, ...], mode: str, columns: tuple) -> sa.Select:
    """One page of openings in id order for a kind of scope and a set of filters, every value a parameter."""
    base = sa.select(*columns).select_from(sa.outerjoin(Opening, Region, Opening.region_id == Region.id))
    columns_of = {
        "kind": Opening.kind,
        "status": Opening.status,
        "employer_id": Opening.employer_id,
        "workshop_id": Opening.workshop_id,
    }
    conditions = bound_filters(filters, Region.code, columns_of)
    return id_ordered(where_all(base, bound_condition(Opening, kind, dialect), *conditions), Opening.id, mode)


def one_opening(dialect, kind: str, columns: tuple) -> sa.Select:
    """An opening by id (`:opening_id`) if the caller's scope holds it."""
    select = sa.select(*columns).select_from(sa.outerjoin(Opening, Region, Opening.region_id == Region.id))
    condition = bound_condition(Opening, kind, dialect)
    select = select.where(Opening.id == sa.bindparam("opening_id", type_=sa.BigInteger()))
    return select if condition is None else select.where(condition)


def posted_by(items: list[Opening]) -> dict[int, str]:
    """Opening id → the employer's or the workshop's name."""
    workshop_ids = {o.workshop_id for o in items if o.workshop_id}
    workshops = dict(
        db.session.execute(sa.select(Workshop.id, Workshop.name).where(Workshop.id.in_(workshop_ids))).all()
    )
    names = {o.id: o.employer.name for o in items if o.employer is not None}
    return names | {o.id: workshops[o.workshop_id] for o in items if o.workshop_id in workshops}


def referral_count(opening: Opening) -> int:
    """How many referrals to the opening the caller may see."""
    query = restrict(sa.select(sa.func.count(Referral.id)).where(Referral.opening_id == opening.id), Referral)
    return db.session.execute(query).scalar_one()


def employer_choices() -> list[tuple[int, str]]:
    """The employers in the caller's scope, by name (the form's select)."""
    return db.session.execute(restrict(sa.select(Employer.id, Employer.name).order_by(Employer.name), Employer)).all()


def workshop_choices() -> list[tuple[int, str]]:
    return db.session.execute(restrict(sa.select(Workshop.id, Workshop.name).order_by(Workshop.name), Workshop)).all()


def employer_search(q: str | None, limit: int) -> tuple[list[sa.Row], bool]:
    """Employers in scope whose name holds `q`, those that start with it first, then the shortest; and whether one
    is named exactly `q` (it sorts first: the shortest of those that start with it)."""
    name = text.normalize(q)
    query = restrict(
        sa.select(Employer.id, Employer.name, Employer.kind, Employer.address, Region.name.label("village")).outerjoin(
            Region, Employer.region_id == Region.id
        ),
        Employer,
    )
    if name:
        starts = sa.case((Employer.name.startswith(name, autoescape=True), 0), else_=1)
        query = query.where(contains(Employer.name, name)).order_by(starts, sa.func.length(Employer.name))
    rows = db.session.execute(query.order_by(Employer.name, Employer.id).limit(limit)).all()
    return rows, bool(name and rows and rows[0].name == name)


# Sites away from any village offered to the site picker: the places a county sends people to are few.
KNOWN_SITES_LIMIT = 50


def known_sites() -> list[sa.Row]:
    """Places the caller's posts name without a village (outside the county), most used first, at their mean site."""
    used = sa.func.count(Opening.id)
    query = (
        sa.select(
            Opening.site_name,
            sa.func.avg(Opening.latitude).label("latitude"),
            sa.func.avg(Opening.longitude).label("longitude"),
        )
        .where(Opening.region_id.is_(None), Opening.site_name.is_not(None))
        .group_by(Opening.site_name)
        .order_by(used.desc(), Opening.site_name)
        .limit(KNOWN_SITES_LIMIT)
    )
    return db.session.execute(restrict(query, Opening)).all()


def townships() -> list[tuple[str, str]]:
    """(code, name) of the townships in the caller's scope (the list's filter)."""
    query = sa.select(Region.code, Region.name).where(Region.level == RegionLevel.township).order_by(Region.code)
    return db.session.execute(restrict(query, Region)).all()

"""What each user may see: one helper that every list and lookup goes through.

An admin sees everything; a bureau officer their county; a cadre their villages
(and, to refer people, the openings, employers and workshops of those villages'
counties); a workshop manager their workshop, its openings and its current
workers. Out-of-scope records behave as if they did not exist (404).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import g, has_app_context
from sqlalchemy.orm import aliased

from jobmatch.accounts.models import User, user_regions, workshop_managers
from jobmatch.errors import FieldError, NotFound, Problem
from jobmatch.extensions import db
from jobmatch.monitoring.models import Alert, Contact
from jobmatch.people.models import Household, Laborer, Region
from jobmatch.placements.models import Employment, Referral, SubsidyClaim
from jobmatch.posts.models import Employer, Opening
from jobmatch.prepared import in_list
from jobmatch.vocab import RegionLevel, Role
from workshops.models import (
    Attendance,
    AttendanceClosure,
    AttendanceFlag,
    EmploymentCode,
    EmploymentInterruption,
    Workshop,
)


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    county_ids: frozenset[int] = frozenset()
    county_prefixes: tuple[str, ...] = ()
    village_ids: frozenset[int] = frozenset()
    workshop_ids: frozenset[int] = frozenset()
    # The codes of the regions the user is assigned, in code order (what /me answers without asking again).
    region_codes: tuple[str, ...] = ()


EVERYTHING = Scope(everything=True)
NOTHING = Scope()


def county_of(region: Region) -> Region | None:
    """The county a region lies in (itself for a county)."""
    while region is not None and region.level != RegionLevel.county:
        region = region.parent
    return region


@functools.cache
def _assigned_regions() -> sa.Select:
    """A user's regions, each with its parent and grandparent (a village's township and county).

    Built once: making the aliases costs more than running the query.
    """
    region, parent, grand = aliased(Region), aliased(Region), aliased(Region)
    return (
        sa.select(region.id, region.level, region.code, parent.id, parent.level, parent.code)
        .add_columns(grand.id, grand.level, grand.code)
        .select_from(user_regions)
        .join(region, region.id == user_regions.c.region_id)
        .outerjoin(parent, parent.id == region.parent_id)
        .outerjoin(grand, grand.id == parent.parent_id)
        .where(user_regions.c.user_id == sa.bindparam("user_id"))
    )


def scope_of(user: User | None) -> Scope:
    """The user's scope as the database has it now: one query, no cache.

    Reading it on every request costs one indexed query; a cached copy would need every worker
    and server to learn at once of each change to a region, a role or an assignment.
    """
    if user is None or user.role == Role.admin:
        return EVERYTHING
    if user.id is None:
        return NOTHING
    if user.role == Role.manager:
        query = sa.select(workshop_managers.c.workshop_id).where(workshop_managers.c.user_id == user.id)
        return Scope(workshop_ids=frozenset(db.session.scalars(query)))
    if user.role not in (Role.bureau, Role.cadre):
        return NOTHING
    rows = db.session.execute(_assigned_regions(), {"user_id": user.id}).all()
    return scope_from(user.role, rows, ())


def scope_from(role: Role, regions: list, workshop_ids) -> Scope:
    """A scope from the user's regions (each: id, level, code, then its parent's and grandparent's) and workshops."""
    if role == Role.admin:
        return EVERYTHING
    if role == Role.manager:
        return Scope(workshop_ids=frozenset(workshop_ids))
    if role not in (Role.bureau, Role.cadre):
        return NOTHING
    rows = regions
    codes = tuple(sorted(row[2] for row in rows))
    if role == Role.bureau:
        counties = {row[0]: row[2] for row in rows if row[1] == RegionLevel.county}
        return Scope(
            county_ids=frozenset(counties), county_prefixes=tuple(c[:6] for c in counties.values()), region_codes=codes
        )
    villages = [row for row in rows if row[1] == RegionLevel.village]
    counties = {}
    for row in villages:
        for ident, level, code in (row[3:6], row[6:9]):
            if level == RegionLevel.county:
                counties[ident] = code
                break
    return Scope(
        county_ids=frozenset(counties),
        county_prefixes=tuple(c[:6] for c in counties.values()),
        village_ids=frozenset(row[0] for row in villages),
        region_codes=codes,
    )


def current_scope() -> Scope:
    """The scope of the user acting in this request; commands run by the system see everything."""
    if has_app_context() and "scope" in g:
        return g.scope
    return EVERYTHING


def set_current_user(user: User, scope: Scope | None = None) -> None:
    """The acting user of this request, and their scope (read now unless the caller read it with the user)."""
    g.user = user
    g.actor_id = user.id
    g.scope = scope_of(user) if scope is None else scope


def _regions_in_counties(scope: Scope) -> sa.Select:
    if not scope.county_prefixes:
        return sa.select(Region.id).where(sa.false())
    return sa.select(Region.id).where(sa.or_(*(Region.code.startswith(p) for p in scope.county_prefixes)))


def _managed_laborers(scope: Scope) -> sa.Select:
    return sa.select(Employment.laborer_id).where(
        Employment.workshop_id.in_(scope.workshop_ids), Employment.end_date.is_(None)
    )


def _visible_villages(scope: Scope) -> Any:
    """Cadres: their villages. Bureau: every region of their counties."""
    return scope.village_ids if scope.village_ids else _regions_in_counties(scope)


def condition(model: type, scope: Scope | None = None) -> sa.ColumnElement[bool] | None:
    """The WHERE clause that keeps `model`'s rows inside the scope (None: no restriction)."""
    scope = scope or current_scope()
    if scope.everything:
        return None
    manager = bool(scope.workshop_ids)
    if model is Region:
        if manager:
            villages = sa.select(Workshop.village_id).where(Workshop.id.in_(scope.workshop_ids))
            return Region.id.in_(villages)
        if scope.village_ids:
            county_ids = scope.county_ids
            townships = sa.select(Region.parent_id).where(Region.id.in_(scope.village_ids))
            return sa.or_(Region.id.in_(scope.village_ids), Region.id.in_(townships), Region.id.in_(county_ids))
        return Region.id.in_(_regions_in_counties(scope))
    if model is Household:
        if manager:
            return Household.id.in_(sa.select(Laborer.household_id).where(Laborer.id.in_(_managed_laborers(scope))))
        return Household.village_id.in_(_visible_villages(scope))
    if model is Laborer:
        if manager:
            return Laborer.id.in_(_managed_laborers(scope))
        households = sa.select(Household.id).where(Household.village_id.in_(_visible_villages(scope)))
        return Laborer.household_id.in_(households)
    if model is Employer:
        if manager:
            return Employer.id.in_(sa.select(Workshop.operator_id).where(Workshop.id.in_(scope.workshop_ids)))
        return Employer.county_id.in_(scope.county_ids)
    if model is Opening:
        if manager:
            return Opening.workshop_id.in_(scope.workshop_ids)
        return Opening.county_id.in_(scope.county_ids)
    if model is Workshop:
        if manager:
            return Workshop.id.in_(scope.workshop_ids)
        return Workshop.village_id.in_(_regions_in_counties(scope))
    if manager and model is Employment:
        # Work at their workshop: not their workers' jobs elsewhere.
        return Employment.workshop_id.in_(scope.workshop_ids)
    if manager and model in (Referral, SubsidyClaim):
        # Referrals and subsidy claims are the placement staff's (GET /referrals refuses managers).
        return sa.false()
    if model in (Referral, Employment, EmploymentCode, SubsidyClaim):
        return model.laborer_id.in_(sa.select(Laborer.id).where(condition(Laborer, scope)))
    if model in (Attendance, AttendanceFlag):
        # A manager: their workshop's days. A cadre: their villages' laborers (public-welfare posts
        # included). The bureau: their laborers, and every day kept at a workshop of their county.
        if manager:
            return model.workshop_id.in_(scope.workshop_ids)
        laborers = model.laborer_id.in_(sa.select(Laborer.id).where(condition(Laborer, scope)))
        if scope.village_ids:
            return laborers
        return sa.or_(laborers, model.workshop_id.in_(sa.select(Workshop.id).where(condition(Workshop, scope))))
    if model is EmploymentInterruption:
        if manager:
            return EmploymentInterruption.workshop_id.in_(scope.workshop_ids)
        return EmploymentInterruption.village_id.in_(_visible_villages(scope))
    if model is Alert:
        # Alerts go to the village's cadres (and the county's bureau); workshop managers get none.
        if manager:
            return sa.false()
        return Alert.village_id.in_(_visible_villages(scope))
    if model is Contact:
        # The contact log is the village's follow-up, seen as its alerts are.
        if manager:
            return sa.false()
        return Contact.village_id.in_(_visible_villages(scope))
    if model is AttendanceClosure:
        if manager:
            # Their workshop's closures, and the county-wide ones of its county (codes share 6 digits).
            village = aliased(Region)
            prefixes = (
                sa.select(sa.func.substr(village.code, 1, 6))
                .join(Workshop, Workshop.village_id == village.id)
                .where(Workshop.id.in_(scope.workshop_ids))
            )
            counties = sa.select(Region.id).where(
                Region.level == RegionLevel.county, sa.func.substr(Region.code, 1, 6).in_(prefixes)
            )
            return sa.or_(
                AttendanceClosure.workshop_id.in_(scope.workshop_ids),
                sa.and_(AttendanceClosure.workshop_id.is_(None), AttendanceClosure.county_id.in_(counties)),
            )
        return AttendanceClosure.county_id.in_(scope.county_ids)
    # A model nobody scoped yet is visible to admins only.
    return sa.false()


# --- the same conditions with the scope as parameters (jobmatch.prepared) -------------------------
# A prepared statement is built once per kind of scope; the caller's ids are its values. Kept beside
# `condition`, which they must agree with (tests/perf/test_prepared.py compares the two for every role).


def scope_kind(scope: Scope) -> str:
    """Which shape of condition a scope takes: all, workshops (manager), villages (cadre) or counties (bureau)."""
    if scope.everything:
        return "all"
    if scope.workshop_ids:
        return "workshops"
    if scope.village_ids:
        return "villages"
    return "counties"


def scope_values(scope: Scope) -> dict[str, list]:
    """The scope's ids as the values of the conditions below."""
    return {
        "scope_villages": sorted(scope.village_ids),
        "scope_counties": sorted(scope.county_ids),
        "scope_prefixes": sorted(scope.county_prefixes),
        "scope_workshops": sorted(scope.workshop_ids),
    }


def bound_condition(model: type, kind: str, dialect, village_code: Any = None) -> sa.ColumnElement[bool] | None:
    """`condition(model, scope)` for every scope of this kind: Laborer (joined to its household), Opening,
    and Workshop (`village_code`: its village's code)."""
    if kind == "all":
        return None
    if model is Laborer:
        if kind == "workshops":
            current = sa.select(Employment.laborer_id).where(
                in_list(Employment.workshop_id, "scope_workshops", dialect), Employment.end_date.is_(None)
            )
            return Laborer.id.in_(current)
        if kind == "villages":
            return in_list(Household.village_id, "scope_villages", dialect)
        # The county's villages found first (the regions are few), then their households by index.
        region = aliased(Region)
        villages = sa.select(region.id).where(
            in_list(sa.func.substr(region.code, 1, 6), "scope_prefixes", dialect, sa.String())
        )
        return Household.village_id.in_(villages)
    if model is Opening:
        if kind == "workshops":
            return in_list(Opening.workshop_id, "scope_workshops", dialect)
        return in_list(Opening.county_id, "scope_counties", dialect)
    if model is Workshop:
        if kind == "workshops":
            return in_list(Workshop.id, "scope_workshops", dialect)
        # Cadres and the bureau alike: the workshops of their counties (the village's code starts with the county's).
        return in_list(sa.func.substr(village_code, 1, 6), "scope_prefixes", dialect, sa.String())
    raise ValueError(f"no bound scope condition for {model.__name__}")


def restrict(query: sa.Select, model: type, scope: Scope | None = None) -> sa.Select:
    """Add the scope's condition for `model` to a select()."""
    clause = condition(model, scope)
    return query if clause is None else query.where(clause)


def get_in_scope(model: type, ident: int, what_en: str, what_zh: str):
    """A record by id if the current user may see it; otherwise 404, as if it did not exist."""
    obj = db.session.execute(restrict(sa.select(model).where(model.id == ident), model)).scalar_one_or_none()
    if obj is None:
        raise NotFound(what_en, what_zh)
    return obj


# --- fields that decide who sees a record --------------------------------------------------------

# Each model's columns that place a record in someone's scope, with the input field that sets them.
# Only an admin changes them: anyone else could move a record (or a whole county) into their reach.
SCOPE_FIELDS: dict[type, dict[str, str]] = {
    Region: {"code": "code", "level": "level", "parent_id": "parent_code"},
    Household: {"village_id": "village_code"},
    Laborer: {"household_id": "household_code"},
    Employer: {"county_id": "county_code"},
    Opening: {"county_id": "county_code"},
    Workshop: {"village_id": "village_code"},
}


def _admin_only(fields: list[str]) -> Problem:
    return Problem(
        403,
        "Only an administrator may change this",
        "只有系统管理员可以修改此项",
        [
            FieldError(
                name,
                "admin_only",
                "该字段决定数据归属范围，只有系统管理员可以修改",
                "this field decides who may see the record; only an administrator may change it",
            )
            for name in fields
        ],
    )


def check_scope_fields(model: type, obj: Any | None, data: dict, values: dict) -> None:
    """Refuse (403) a non-admin's change to a field that decides scope, before anything is written.

    `data` is the input, `values` the columns cleaned from it. Sending a field with the value it
    already has is no change (forms send every field back); any other value, also one that names
    no record the user may see, is refused. New records may set these fields within the user's
    scope (see check_created_in_scope), except that only an admin creates a county: counties are
    what bureau scopes are made of.
    """
    if current_scope().everything:
        return
    if obj is None:
        if model is Region and values.get("level") == RegionLevel.county:
            raise _admin_only(["level"])
        return
    changed = [
        name
        for column, name in SCOPE_FIELDS.get(model, {}).items()
        if (column in values and values[column] != getattr(obj, column))
        or (name in data and name != column and column not in values)
    ]
    if changed:
        raise _admin_only(changed)


def check_created_in_scope(model: type, obj: Any) -> None:
    """Refuse (403) a new record (flushed, not committed) that falls outside the creator's scope."""
    clause = condition(model)
    if clause is None:
        return
    if db.session.execute(sa.select(model.id).where(model.id == obj.id, clause)).first() is None:
        fields = list(SCOPE_FIELDS.get(model, {}).values())[:1] or [""]
        raise Problem(
            403,
            "Outside your scope",
            "超出您的管辖范围",
            [
                FieldError(
                    name,
                    "out_of_scope",
                    "新记录不在您的管辖范围内",
                    "the new record would lie outside your scope",
                )
                for name in fields
            ],
        )

"""What each user may see: one helper that every list and lookup goes through.

An admin sees everything; a bureau officer their county; a cadre their villages
(and, to refer people, the openings, employers and workshops of those villages'
counties); a workshop manager their workshop, its openings and its current
workers. Out-of-scope records behave as if they did not exist (404).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app, g, has_app_context
from sqlalchemy.orm import aliased

from jobmatch.accounts.models import User
from jobmatch.errors import NotFound
from jobmatch.extensions import db
from jobmatch.monitoring.models import Alert
from jobmatch.people.models import Household, Laborer, Region
from jobmatch.placements.models import Employment, Referral, SubsidyClaim
from jobmatch.posts.models import Employer, Opening
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


EVERYTHING = Scope(everything=True)
NOTHING = Scope()


def county_of(region: Region) -> Region | None:
    """The county a region lies in (itself for a county)."""
    while region is not None and region.level != RegionLevel.county:
        region = region.parent
    return region


def scope_of(user: User | None) -> Scope:
    if user is None or user.role == Role.admin:
        return EVERYTHING
    if user.role == Role.bureau:
        counties = [r for r in user.regions if r.level == RegionLevel.county]
        return Scope(county_ids=frozenset(r.id for r in counties), county_prefixes=tuple(r.code[:6] for r in counties))
    if user.role == Role.cadre:
        villages = [r for r in user.regions if r.level == RegionLevel.village]
        counties = {c.id: c for c in (county_of(v) for v in villages) if c is not None}
        return Scope(
            county_ids=frozenset(counties),
            county_prefixes=tuple(c.code[:6] for c in counties.values()),
            village_ids=frozenset(v.id for v in villages),
        )
    if user.role == Role.manager:
        return Scope(workshop_ids=frozenset(w.id for w in user.workshops))
    return NOTHING


def current_scope() -> Scope:
    """The scope of the user acting in this request; commands run by the system see everything."""
    if has_app_context() and "scope" in g:
        return g.scope
    return EVERYTHING


# A worker keeps each user's scope instead of reading their regions on every request. The key
# holds the session version, which every change of role or scope raises (accounts.service);
# entries expire anyway, so a village moved to another township is seen within a minute.
SCOPE_CACHE_TTL_S = 60.0
SCOPE_CACHE_SIZE = 4096


def cached_scope_of(user: User) -> Scope:
    """scope_of(user), kept per app and process for SCOPE_CACHE_TTL_S seconds."""
    if not has_app_context() or user.id is None:
        return scope_of(user)
    cache: dict = current_app.extensions.setdefault("scope_cache", {})
    key = (user.id, user.session_version, user.role)
    now = time.monotonic()
    hit = cache.get(key)
    if hit is not None and now - hit[0] < SCOPE_CACHE_TTL_S:
        return hit[1]
    if len(cache) >= SCOPE_CACHE_SIZE:
        cache.clear()
    scope = scope_of(user)
    cache[key] = (now, scope)
    return scope


def set_current_user(user: User) -> None:
    g.user = user
    g.actor_id = user.id
    g.scope = cached_scope_of(user)


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

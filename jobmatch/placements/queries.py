"""List queries for referrals, employments and subsidy claims, within the user's scope."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from jobmatch.accounts.scope import restrict
from jobmatch.people.models import Household, Laborer, Region
from jobmatch.people.queries import in_region, where_all
from jobmatch.placements.models import Employment, Referral, SubsidyClaim


def _in_home_region(laborer_id, code: str | None) -> sa.ColumnElement[bool] | None:
    """Rows whose laborer lives in the division `code` (county, township or village)."""
    if not code:
        return None
    villages = sa.select(Region.id).where(in_region(code))
    households = sa.select(Household.id).where(Household.village_id.in_(villages))
    return laborer_id.in_(sa.select(Laborer.id).where(Laborer.household_id.in_(households)))


def referrals(f: dict) -> sa.Select:
    query = restrict(
        sa.select(Referral)
        .options(joinedload(Referral.laborer), joinedload(Referral.opening))
        .order_by(Referral.state_since.desc(), Referral.id.desc()),
        Referral,
    )
    return where_all(
        query,
        Referral.laborer_id == f["laborer_id"] if f.get("laborer_id") else None,
        Referral.opening_id == f["opening_id"] if f.get("opening_id") else None,
        Referral.state == f["state"] if f.get("state") else None,
        _in_home_region(Referral.laborer_id, f.get("region")),
    )


def employments(f: dict) -> sa.Select:
    query = restrict(
        sa.select(Employment)
        .options(
            joinedload(Employment.laborer),
            joinedload(Employment.employer),
            joinedload(Employment.workshop),
            joinedload(Employment.opening),
        )
        .order_by(Employment.start_date.desc(), Employment.id.desc()),
        Employment,
    )
    current = f.get("current")
    return where_all(
        query,
        Employment.laborer_id == f["laborer_id"] if f.get("laborer_id") else None,
        Employment.kind == f["kind"] if f.get("kind") else None,
        Employment.opening_id == f["opening_id"] if f.get("opening_id") else None,
        Employment.employer_id == f["employer_id"] if f.get("employer_id") else None,
        Employment.workshop_id == f["workshop_id"] if f.get("workshop_id") else None,
        None if current is None else (Employment.end_date.is_(None) if current else Employment.end_date.is_not(None)),
        _in_home_region(Employment.laborer_id, f.get("region")),
    )


def subsidy_claims(f: dict) -> sa.Select:
    query = restrict(
        sa.select(SubsidyClaim)
        .options(joinedload(SubsidyClaim.laborer))
        .order_by(SubsidyClaim.claimed_on.desc(), SubsidyClaim.id.desc()),
        SubsidyClaim,
    )
    return where_all(
        query,
        SubsidyClaim.laborer_id == f["laborer_id"] if f.get("laborer_id") else None,
        SubsidyClaim.rule_code == f["rule_code"] if f.get("rule_code") else None,
        None
        if f.get("paid") is None
        else (SubsidyClaim.paid_on.is_not(None) if f["paid"] else SubsidyClaim.paid_on.is_(None)),
        _in_home_region(SubsidyClaim.laborer_id, f.get("region")),
    )

"""List queries for referrals, employments and subsidy claims, within the user's scope."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from jobmatch.accounts.scope import restrict
from jobmatch.people.models import Household, Laborer, Region
from jobmatch.people.queries import in_region, list_order, narrowed, where_all
from jobmatch.placements.models import Employment, Referral, SubsidyClaim
from jobmatch.placements.subsidies import SubsidyRule, claimable_starts
from jobmatch.posts.models import Employer, Opening


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
        .order_by(list_order(Referral.state_since, narrowed(f)).desc(), Referral.id.desc()),
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
        .order_by(list_order(Employment.start_date, narrowed(f)).desc(), Employment.id.desc()),
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


# --- subsidies due ---------------------------------------------------------------------------------------------------


_HOME_VILLAGE, _SITE = aliased(Region), aliased(Region)


def due_candidates(rule: SubsidyRule, as_of: date, f: dict) -> sa.Select:
    """Employments in scope that may make a claim under `rule` due on `as_of` and not yet made, with what the
    rule and a claim read, in the order in which the first of a laborer's counts (start date, id).

    The conditions that are plain columns are the database's: household category, kind of work and of
    employer, no claim under the rule yet, and a start date that makes the claim neither not yet due nor lapsed
    on `as_of`. The rest (another province than home, still at work on the due day) needs a place name read and
    calendar months counted: jobmatch.placements.subsidies.assess decides each row.
    """
    # The workshop's name, through the relationship: workshops builds on this package, not the other way.
    workshop = Employment.workshop.property.mapper.class_
    first_start, last_start = claimable_starts(rule, as_of)
    claimed = restrict(
        sa.select(SubsidyClaim.id).where(
            SubsidyClaim.laborer_id == Employment.laborer_id, SubsidyClaim.rule_code == rule.code
        ),
        SubsidyClaim,
    )
    query = restrict(
        sa.select(
            Employment.id,
            Employment.laborer_id,
            Employment.kind,
            Employment.employer_id,
            Employment.opening_id,
            Employment.start_date,
            Employment.end_date,
            Employment.site_name,
            Household.category,
            _HOME_VILLAGE.code.label("home_code"),
            Employer.kind.label("employer_kind"),
            _SITE.code.label("site_code"),
            Opening.site_name.label("opening_site"),
            Laborer.name.label("laborer_name"),
            Employer.name.label("employer_name"),
            workshop.name.label("workshop_name"),
        )
        .join(Laborer, Employment.laborer_id == Laborer.id)
        .join(Household, Laborer.household_id == Household.id)
        .join(_HOME_VILLAGE, Household.village_id == _HOME_VILLAGE.id)
        .outerjoin(Employer, Employment.employer_id == Employer.id)
        .outerjoin(workshop, Employment.workshop_id == workshop.id)
        .outerjoin(Opening, Employment.opening_id == Opening.id)
        .outerjoin(_SITE, Opening.region_id == _SITE.id)
        .where(
            Employment.kind.in_(rule.employment_kinds),
            Household.category.in_(rule.household_categories),
            Employment.start_date.between(first_start, last_start),
            Employment.start_date <= as_of,
            ~claimed.exists(),
        )
        .order_by(Employment.start_date, Employment.id),
        Employment,
    )
    return where_all(
        query,
        Employer.kind.in_(rule.employer_kinds) if rule.employer_kinds else None,
        Employment.laborer_id == f["laborer_id"] if f.get("laborer_id") else None,
        Household.village_id.in_(sa.select(Region.id).where(in_region(f["region"]))) if f.get("region") else None,
    )

"""List queries for referrals, employments and subsidy claims, within the user's scope."""

from __future__ import annotations

import functools
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from jobmatch.accounts.scope import condition, current_scope, restrict
from jobmatch.geo import PROVINCES
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


def add_months(day, months: int, dialect: str) -> sa.ColumnElement:
    """subsidies.add_months in SQL: the same day `months` calendar months later, or that month's last day."""
    if months == 0:
        return day
    if dialect == "postgresql":
        # PostgreSQL's month arithmetic keeps to the target month's last day, as the rule does.
        return sa.cast(day + sa.func.make_interval(0, months, type_=sa.Interval), sa.Date)
    # SQLite rolls 31 January + 1 month over into March: count from the month's first day, then keep to its end.
    first = sa.func.date(day, "start of month", f"+{months} months")
    same_day = sa.func.date(first, sa.literal("+") + sa.cast(sa.func.strftime("%d", day) - 1, sa.String) + " days")
    month_end = sa.func.date(day, "start of month", f"+{months + 1} months", "-1 day")
    return sa.type_coerce(sa.func.min(same_day, month_end), sa.Date)


def add_days(day, days: int, dialect: str) -> sa.ColumnElement:
    if days == 0:
        return day
    if dialect == "postgresql":
        return day + days
    return sa.type_coerce(sa.func.date(day, f"+{days} days"), sa.Date)


def province_of_place(place) -> sa.ColumnElement:
    """geo.province_of_place in SQL: the code of the province whose short name the place name starts with.

    No two short names share their first two characters, so those two decide, and the longer names are then
    checked whole: the place is written once in the statement, not once per province.
    """
    whole = {
        short[:2]: sa.case((sa.func.substr(place, 1, len(short)) == short, code), else_=None)
        if len(short) > 2
        else code
        for code, short in PROVINCES.items()
    }
    return sa.case(whole, value=sa.func.substr(place, 1, 2), else_=None)


@functools.cache
def work_province() -> sa.ColumnElement:
    """placements.service._work_province in SQL: the post's region, else the place named on the post or, without
    a post, on the job. Built once: it names no value of a request."""
    named = sa.case((Employment.opening_id.is_not(None), Opening.site_name), else_=Employment.site_name)
    return sa.case((_SITE.code.is_not(None), sa.func.substr(_SITE.code, 1, 2)), else_=province_of_place(named))


def _due_under(rule: SubsidyRule, as_of: date, f: dict, dialect: str, in_scope) -> sa.Select:
    """The claims due under `rule` on `as_of` and not yet made: of each laborer's employments that make one due,
    the first (start date, id), with the due day and the last day of the claim.

    Every condition of subsidies.assess is the database's: household category, kind of work and of employer,
    work in another province than home, still at work on the due day, and a start date that makes the claim
    neither not yet due nor lapsed on `as_of` (claimable_starts).
    """
    workshop = Employment.workshop.property.mapper.class_
    first_start, last_start = claimable_starts(rule, as_of)
    due_on = add_months(Employment.start_date, rule.months_employed, dialect)
    home = sa.func.substr(_HOME_VILLAGE.code, 1, 2)
    work = work_province()
    claimed = sa.select(SubsidyClaim.id).where(
        SubsidyClaim.laborer_id == Employment.laborer_id, SubsidyClaim.rule_code == rule.code
    )
    query = (
        sa.select(
            sa.literal(rule.code).label("rule_code"),
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
            due_on.label("due_on"),
            add_days(due_on, rule.claim_window_days, dialect).label("lapses_on"),
            sa.func.row_number()
            .over(partition_by=Employment.laborer_id, order_by=(Employment.start_date, Employment.id))
            .label("nth"),
        )
        # From the households in scope to their laborers' jobs, in this order: past eight tables PostgreSQL keeps
        # the order written, and a county's households found first are a few thousand index look-ups.
        .select_from(Household)
        .join(_HOME_VILLAGE, Household.village_id == _HOME_VILLAGE.id)
        .join(Laborer, Laborer.household_id == Household.id)
        .join(Employment, Employment.laborer_id == Laborer.id)
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
    )
    return where_all(
        query,
        in_scope,
        Employer.kind.in_(rule.employer_kinds) if rule.employer_kinds else None,
        sa.and_(work.is_not(None), work != home) if rule.cross_province else None,
        sa.or_(Employment.end_date.is_(None), Employment.end_date >= due_on) if rule.months_employed else None,
        Employment.laborer_id == f["laborer_id"] if f.get("laborer_id") else None,
        Household.village_id.in_(sa.select(Region.id).where(in_region(f["region"]))) if f.get("region") else None,
    )


def _in_scope() -> sa.ColumnElement[bool] | None:
    """scope.condition(Employment) on the laborer's household and home village, already joined: a laborer's jobs
    are in scope with their household (a manager's: the jobs at their workshops). Written on the joined village's
    code, the condition lets PostgreSQL start from the county's villages, not the province's employments."""
    scope = current_scope()
    if scope.everything or scope.workshop_ids:
        return condition(Employment, scope)
    if scope.village_ids:
        return Household.village_id.in_(scope.village_ids)
    if not scope.county_prefixes:
        return sa.false()
    return sa.or_(*(_HOME_VILLAGE.code.startswith(prefix) for prefix in scope.county_prefixes))


def due_claims(rules: list[SubsidyRule], as_of: date, f: dict, dialect: str) -> sa.Subquery | None:
    """The claims due under these rules on `as_of`, one row per laborer and rule (None: no rule)."""
    if not rules:
        return None
    in_scope = _in_scope()
    each = [_due_under(rule, as_of, f, dialect, in_scope).subquery() for rule in rules]
    firsts = [sa.select(*[c for c in s.c if c.key != "nth"]).where(s.c.nth == 1) for s in each]
    return (firsts[0] if len(firsts) == 1 else sa.union_all(*firsts)).subquery("due")


def due_order(due: sa.Subquery) -> tuple:
    """The most urgent first: by the claim's last day, then laborer and rule."""
    return (due.c.lapses_on, due.c.laborer_id, due.c.rule_code)

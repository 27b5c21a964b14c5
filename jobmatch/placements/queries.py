"""List queries for referrals, employments and subsidy claims, within the user's scope."""

from __future__ import annotations

import functools
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from jobmatch.accounts.scope import current_scope, restrict
from jobmatch.geo import PROVINCES
from jobmatch.people.models import Household, Laborer, Region
from jobmatch.people.queries import in_region, list_order, narrowed, where_all
from jobmatch.placements.models import Employment, Referral, SubsidyClaim, SubsidyDueCandidate
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


def _with_employer_and_post(query: sa.Select) -> sa.Select:
    """A query of employments with their employer, post and the post's region (_SITE), where they have them."""
    return (
        query.outerjoin(Employer, Employment.employer_id == Employer.id)
        .outerjoin(Opening, Employment.opening_id == Opening.id)
        .outerjoin(_SITE, Opening.region_id == _SITE.id)
    )


def _candidates_from() -> sa.Select:
    """Employments with the household, home village, employer and post a rule reads, joined in this order: past
    eight tables PostgreSQL keeps the order written, and households found first are index look-ups."""
    return _with_employer_and_post(
        sa.select()
        .select_from(Household)
        .join(_HOME_VILLAGE, Household.village_id == _HOME_VILLAGE.id)
        .join(Laborer, Laborer.household_id == Household.id)
        .join(Employment, Employment.laborer_id == Laborer.id)
    )


CANDIDATE_COLUMNS = (
    "rule_code",
    "employment_id",
    "laborer_id",
    "village_id",
    "home_code",
    "workshop_id",
    "start_date",
    "due_on",
    "lapses_on",
)


def candidates(rule: SubsidyRule, dialect: str, laborers: list[int] | None = None) -> sa.Select:
    """The employments that make a claim under `rule` due on some day, whether claimed or not: the rows of
    subsidy_due_candidates (CANDIDATE_COLUMNS), of every laborer or of `laborers` (ids).

    Every condition of subsidies.assess that does not depend on the day is applied here: household category,
    kind of work and of employer, work in another province than home, still at work on the due day.
    """
    due_on = add_months(Employment.start_date, rule.months_employed, dialect)
    work = work_province()
    query = (
        _candidates_from()
        .add_columns(
            sa.literal(rule.code, sa.String).label("rule_code"),
            Employment.id.label("employment_id"),
            Employment.laborer_id,
            Household.village_id,
            _HOME_VILLAGE.code.label("home_code"),
            Employment.workshop_id,
            Employment.start_date,
            due_on.label("due_on"),
            add_days(due_on, rule.claim_window_days, dialect).label("lapses_on"),
        )
        .where(Employment.kind.in_(rule.employment_kinds), Household.category.in_(rule.household_categories))
    )
    return where_all(
        query,
        Employer.kind.in_(rule.employer_kinds) if rule.employer_kinds else None,
        sa.and_(work.is_not(None), work != sa.func.substr(_HOME_VILLAGE.code, 1, 2)) if rule.cross_province else None,
        sa.or_(Employment.end_date.is_(None), Employment.end_date >= due_on) if rule.months_employed else None,
        Employment.laborer_id.in_(laborers) if laborers is not None else None,
    )


_CANDIDATE = SubsidyDueCandidate


def _in_scope() -> sa.ColumnElement[bool] | None:
    """scope.condition(Employment) on a candidate's household village and workshop: a laborer's jobs are in scope
    with their household (a manager's: the jobs at their workshops)."""
    scope = current_scope()
    if scope.everything:
        return None
    if scope.workshop_ids:
        return _CANDIDATE.workshop_id.in_(scope.workshop_ids)
    if scope.village_ids:
        return _CANDIDATE.village_id.in_(scope.village_ids)
    if not scope.county_prefixes:
        return sa.false()
    return sa.or_(*(_CANDIDATE.home_code.startswith(prefix) for prefix in scope.county_prefixes))


def due_claims(rules: list[SubsidyRule], as_of: date, f: dict) -> sa.Subquery | None:
    """The claims due under these rules on `as_of` and not yet made, one row per laborer and rule: of the
    laborer's candidates whose claim is neither not yet due nor lapsed (claimable_starts), the first by start
    date and id. Columns: rule_code, id (the employment), laborer_id, start_date, due_on, lapses_on.
    None: no rule.

    Read from subsidy_due_candidates alone (duetable.refresh brings it up to date first); with_details adds
    what a shown claim needs.
    """
    if not rules:
        return None
    c = _CANDIDATE
    windows = [
        sa.and_(c.rule_code == rule.code, c.start_date.between(*claimable_starts(rule, as_of))) for rule in rules
    ]
    claimed = sa.select(SubsidyClaim.id).where(
        SubsidyClaim.laborer_id == c.laborer_id, SubsidyClaim.rule_code == c.rule_code
    )
    query = sa.select(
        c.rule_code,
        c.employment_id.label("id"),
        c.laborer_id,
        c.start_date,
        c.due_on,
        c.lapses_on,
        sa.func.row_number()
        .over(partition_by=(c.laborer_id, c.rule_code), order_by=(c.start_date, c.employment_id))
        .label("nth"),
    ).where(sa.or_(*windows), c.start_date <= as_of, ~claimed.exists())
    each = where_all(
        query,
        _in_scope(),
        c.laborer_id == f["laborer_id"] if f.get("laborer_id") else None,
        c.village_id.in_(sa.select(Region.id).where(in_region(f["region"]))) if f.get("region") else None,
    ).subquery("candidate")
    return sa.select(*[col for col in each.c if col.key != "nth"]).where(each.c.nth == 1).subquery("due")


def with_details(due: sa.Subquery) -> sa.Select:
    """Each row of `due` (due_claims, or a page of it) with the facts subsidies.assess reads and the names shown."""
    workshop = Employment.workshop.property.mapper.class_
    return _with_employer_and_post(
        sa.select(
            due,
            Employment.kind,
            Employment.employer_id,
            Employment.opening_id,
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
        .select_from(due)
        .join(Employment, Employment.id == due.c.id)
        .join(Laborer, Laborer.id == Employment.laborer_id)
        .join(Household, Household.id == Laborer.household_id)
        .join(_HOME_VILLAGE, Household.village_id == _HOME_VILLAGE.id)
        .outerjoin(workshop, Employment.workshop_id == workshop.id)
    )


def due_order(due: sa.Subquery) -> tuple:
    """The most urgent first: by the claim's last day, then laborer and rule."""
    return (due.c.lapses_on, due.c.laborer_id, due.c.rule_code)

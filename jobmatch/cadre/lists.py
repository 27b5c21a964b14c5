"""The cadre's lists (laborers, households, villages): the filters their pages read, their rows and columns.

The pages (cadre/views.py) and their exports (listings/views.py) both start here, so an export lists
exactly what the page lists with the same filters.
"""

from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import defaultload, load_only

from jobmatch import labels, text
from jobmatch.extensions import db
from jobmatch.geo import DIVISION_CODE
from jobmatch.listings import Column, Listing, register
from jobmatch.monitoring import contacts, indicators
from jobmatch.monitoring import goal as household_goal
from jobmatch.people import queries as people_queries
from jobmatch.people.models import Household, Laborer, Region
from jobmatch.people.service import age_on
from jobmatch.vocab import EmploymentStatus, HouseholdCategory, RegionLevel, RiskLevel, Willingness
from workshops.settings import today as china_today

STAFF = ("admin", "bureau", "cadre")
MAX_QUERY_CHARS = 64
# A search holding six digits or more is an ID number (or part of one): it travels in a POST body, never in a
# URL, where browser history, proxies and access logs would keep it.
NUMBER_QUERY = re.compile(r"\d{6,}")


def coded(values, name: str, enum: type) -> str | None:
    """A filter if it is one of the enum's values (anything else is ignored)."""
    value = values.get(name) or None
    return value if value in enum.__members__ else None


def month_arg(values, name: str) -> str | None:
    """A month filter (YYYY-MM); anything else is ignored."""
    value = (values.get(name) or "").strip()
    return value if household_goal.MONTH.match(value) else None


def village_arg(values) -> str | None:
    code = text.normalize_digits(values.get("village") or "")
    return code if DIVISION_CODE.match(code) else None


def number_query(q: str) -> bool:
    return bool(NUMBER_QUERY.search(text.normalize_digits(q)))


def _query_text(values) -> str:
    return (values.get("q") or "")[:MAX_QUERY_CHARS]


# --- laborers -------------------------------------------------------------------------------------------------


def laborer_filters(values) -> dict:
    return {
        "q": _query_text(values),
        "region": village_arg(values),
        "employment_status": coded(values, "employment_status", EmploymentStatus),
        "willingness": coded(values, "willingness", Willingness),
    }


def _number_in_address(filters: dict) -> str | None:
    if number_query(filters["q"]):
        return _("按身份证号查找请在搜索框中输入：号码不会出现在网址中。")
    return None


def laborers_query(filters: dict) -> sa.Select:
    """The page's laborers, reading only the columns the list shows (no health note, no skills)."""
    household = defaultload(Laborer.household)
    return people_queries.laborers(filters).options(
        load_only(*(getattr(Laborer, name) for name in LABORER_COLUMNS)),
        household.load_only(Household.code, Household.village_id),
        household.defaultload(Household.village).load_only(Region.name),
    )


LABORER_COLUMNS = (
    "name",
    "id_number",
    "birth_date",
    "labor_capacity",
    "willingness",
    "employment_status",
    "phone",
    "household_id",
)


def _today(rows: list, filters: dict) -> dict:
    return {"today": china_today()}


LABORERS = register(
    Listing(
        name="laborers",
        title=_l("劳动力"),
        path="/laborers/export.xlsx",
        page="cadre_pages.laborers",
        roles=STAFF,
        filters=laborer_filters,
        source=laborers_query,
        context=_today,
        refuse=_number_in_address,
        columns=(
            Column(_l("姓名"), lambda p, c: p.name, width=10),
            Column(_l("身份证号"), lambda p, c: p.id_number, personal="id", width=21),
            Column(_l("年龄"), lambda p, c: age_on(p.birth_date, c["today"]), width=6),
            Column(_l("村"), lambda p, c: p.household.village.name),
            Column(_l("户编号"), lambda p, c: p.household.code, width=18),
            Column(_l("劳动能力"), lambda p, c: labels.CAPACITY[p.labor_capacity], width=16),
            Column(_l("就业状态"), lambda p, c: labels.STATUS[p.employment_status]),
            Column(_l("就业意愿"), lambda p, c: labels.WILLINGNESS[p.willingness]),
            Column(_l("联系电话"), lambda p, c: p.phone, personal="phone"),
        ),
    )
)


# --- households ------------------------------------------------------------------------------------------------


def household_filters(values) -> dict:
    return {
        "q": _query_text(values),
        "region": village_arg(values),
        "category": coded(values, "category", HouseholdCategory),
        "risk_level": coded(values, "risk_level", RiskLevel),
        "goal": coded(values, "goal", household_goal.Goal),
        "lost_month": month_arg(values, "lost_month"),
    }


def households_query(filters: dict) -> sa.Select:
    query = people_queries.households(filters)
    return household_goal.filtered(query, filters["goal"], filters["lost_month"], china_today())


def member_counts(household_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Each household's laborers and how many of them are recorded as in work (one grouped query)."""
    working = sa.func.sum(sa.case((Laborer.employment_status != EmploymentStatus.unemployed, 1), else_=0))
    rows = db.session.execute(
        sa.select(Laborer.household_id, sa.func.count(), working)
        .where(Laborer.household_id.in_(household_ids))
        .group_by(Laborer.household_id)
    ).all()
    counts = {household_id: (members, int(in_work or 0)) for household_id, members, in_work in rows}
    return {household_id: counts.get(household_id, (0, 0)) for household_id in household_ids}


def household_context(rows: list, filters: dict) -> dict:
    """Each household's goal, last contact and (with a month) last day worked: what the list shows beside it."""
    today = china_today()
    ids = [h.id for h in rows]
    return {
        "today": today,
        "goals": household_goal.of_households(ids, today),
        "lost": household_goal.lost_last_worker(filters["lost_month"]) if filters["lost_month"] else {},
        "last_contacts": contacts.last_of_households(ids),
        "members": member_counts(ids) if ids else {},
    }


GOAL_WORDS = {
    household_goal.Goal.met: _l("已达成"),
    household_goal.Goal.not_met: _l("未达成"),
    household_goal.Goal.no_willing: _l("不适用"),
}


def _last_contact(household: Household, c: dict) -> date | None:
    found = c["last_contacts"].get(household.id)
    return found.contacted_on if found else None


HOUSEHOLDS = register(
    Listing(
        name="households",
        title=_l("农户"),
        path="/households/export.xlsx",
        page="cadre_pages.households",
        roles=STAFF,
        filters=household_filters,
        source=households_query,
        context=household_context,
        columns=(
            Column(_l("户编号"), lambda h, c: h.code, width=18),
            Column(_l("户主"), lambda h, c: h.head_name or "", width=10),
            Column(_l("村"), lambda h, c: h.village.name),
            Column(_l("户类别"), lambda h, c: labels.CATEGORY[h.category], width=16),
            Column(_l("风险"), lambda h, c: labels.RISK[h.risk_level] if h.risk_level else "", width=10),
            Column(_l("劳动力"), lambda h, c: c["members"][h.id][0], width=8),
            Column(_l("就业人数"), lambda h, c: c["members"][h.id][1], width=8),
            Column(_l("家庭就业目标"), lambda h, c: GOAL_WORDS[c["goals"][h.id].goal]),
            Column(_l("最近联系"), _last_contact, width=12),
            Column(_l("最后工作日"), lambda h, c: c["lost"].get(h.id), shown=lambda f: bool(f["lost_month"]), width=12),
        ),
    )
)


# --- villages --------------------------------------------------------------------------------------------------


def village_filters(values) -> dict:
    return {"q": _query_text(values)}


def villages_query(filters: dict) -> sa.Select:
    return people_queries.regions({"level": RegionLevel.village.value, "q": filters["q"]})


def village_context(rows: list, filters: dict) -> dict:
    """Each village's counts (the indicators'), its household goal counts and its willing households' contacts."""
    today = china_today()
    ids = [v.id for v in rows]
    return {
        "today": today,
        "counts": indicators.compute_many([v.code for v in rows], today),
        "goals": household_goal.counts_by_village(ids, today),
        "contact_ages": contacts.willing_households(ids, today),
    }


def _count(key: str):
    return lambda v, c: c["counts"][v.code][key]


def _goal(state: household_goal.Goal):
    return lambda v, c: c["goals"][v.id][state]


VILLAGES = register(
    Listing(
        name="villages",
        title=_l("我的村"),
        path="/villages/export.xlsx",
        page="cadre_pages.villages",
        roles=STAFF,
        filters=village_filters,
        source=villages_query,
        context=village_context,
        columns=(
            Column(_l("村"), lambda v, c: v.name),
            Column(_l("乡镇"), lambda v, c: v.parent.name if v.parent else ""),
            Column(_l("区划代码"), lambda v, c: v.code, width=15),
            Column(_l("户数"), _count("households"), width=8),
            Column(_l("劳动力"), _count("laborers"), width=8),
            Column(_l("有就业意愿"), _count("willing"), width=10),
            Column(_l("已就业"), _count("employed"), width=8),
            Column(_l("有意愿但无人就业的户"), _count("households_willing_none_employed"), width=12),
            Column(_l("家庭就业目标已达成（户）"), lambda v, c: c["goals"][v.id][household_goal.Goal.met], width=12),
            Column(
                _l("家庭就业目标未达成（户）"), lambda v, c: c["goals"][v.id][household_goal.Goal.not_met], width=12
            ),
            Column(
                _l("有意愿但从未联系的户"),
                lambda v, c: sum(1 for h in c["contact_ages"][v.id] if h.days is None),
                width=12,
            ),
        ),
    )
)

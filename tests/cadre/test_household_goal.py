"""The household goal on the cadre's pages: met or not and why, a filter, and the same count as the indicators."""

from __future__ import annotations

import re
from datetime import date, timedelta

import sqlalchemy as sa

from jobmatch.extensions import db
from jobmatch.monitoring import goal, indicators
from jobmatch.people.models import Household
from jobmatch.placements.models import Employment
from jobmatch.vocab import EmploymentKind
from tests import factories
from workshops.settings import today as china_today


def _codes_listed(html: str) -> set[str]:
    return set(re.findall(r'href="/households/\d+">([^<]+)</a>', html))


def _household(code: str) -> Household:
    return db.session.execute(sa.select(Household).where(Household.code == code)).scalar_one()


def _third_household():
    """A household in 城东村 whose only member is not willing to work: outside the goal."""
    factories.household(code="H-EAST-2")
    factories.laborer(household_code="H-EAST-2", name="东丙", sequence=17, willingness="none")
    db.session.commit()


def test_the_household_page_says_whether_the_goal_is_met_and_why(log_in, county):
    _third_household()
    client = log_in("bureau")
    east, west = (_household(code) for code in ("HEAST1", "HWEST1"))
    missed = client.get(f"/households/{east.id}").get_data(as_text=True)
    assert "家庭就业目标" in missed and "未达成" in missed and "2 人有就业意愿，无人在岗" in missed
    met = client.get(f"/households/{west.id}").get_data(as_text=True)
    assert "已达成" in met and "1 人在岗" in met
    outside = client.get(f"/households/{_household('HEAST2').id}").get_data(as_text=True)
    assert "不适用" in outside and "无有就业意愿的成员" in outside


def test_the_households_list_filters_by_the_goal_and_agrees_with_the_indicators(log_in, county):
    _third_household()
    client = log_in("bureau")
    assert _codes_listed(client.get("/households?goal=not_met").get_data(as_text=True)) == {"HEAST1"}
    assert _codes_listed(client.get("/households?goal=met").get_data(as_text=True)) == {"HWEST1"}
    assert _codes_listed(client.get("/households?goal=no_willing").get_data(as_text=True)) == {"HEAST2"}
    assert _codes_listed(client.get("/households").get_data(as_text=True)) == {"HEAST1", "HWEST1", "HEAST2"}
    figures = indicators.compute(factories.COUNTY_CODE, china_today())
    assert figures["households_willing_none_employed"] == 1
    assert figures["households_with_willing"] == 2


def test_a_household_meets_the_goal_from_the_first_day_of_work(county):
    east = _household("HEAST1")
    east_a = county["east"][0]
    start = date(2026, 6, 1)
    db.session.add(Employment(laborer_id=east_a.id, kind=EmploymentKind.migrant, start_date=start))
    db.session.commit()
    before, on = goal.of_households([east.id], start - timedelta(days=1)), goal.of_households([east.id], start)
    assert before[east.id].goal == goal.Goal.not_met
    assert on[east.id] == goal.HouseholdGoal(goal.Goal.met, willing=2, employed=1)

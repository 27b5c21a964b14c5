"""The goal village by village (the same figures as the indicators) and the monthly list of households that lost
their last worker, on the village page, the households page and the API."""

from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa

from jobmatch.extensions import db
from jobmatch.monitoring import goal, indicators
from jobmatch.people.models import Household, Region
from jobmatch.placements.models import Employment
from jobmatch.vocab import EmploymentKind
from tests import factories
from workshops.settings import today as china_today


def _household(code: str) -> Household:
    return db.session.execute(sa.select(Household).where(Household.code == code)).scalar_one()


def _codes_listed(html: str) -> set[str]:
    return set(re.findall(r'href="/households/\d+">([^<]+)</a>', html))


def _more_households(county):
    """城东村 gets a household that meets the goal and one outside it; 城西村 one that misses it."""
    factories.household(code="H-EAST-3")
    worker = factories.laborer(household_code="H-EAST-3", name="东戊", sequence=21)
    db.session.add(Employment(laborer_id=worker.id, kind=EmploymentKind.migrant, start_date=date(2026, 1, 5)))
    factories.household(code="H-EAST-4")
    factories.laborer(household_code="H-EAST-4", name="东己", sequence=23, willingness="none")
    factories.household(code="H-WEST-2", village_code=factories.OTHER_VILLAGE_CODE)
    factories.laborer(household_code="H-WEST-2", name="西丁", sequence=25)
    db.session.commit()


def test_goal_counts_per_village_equal_the_indicators(log_in, county):
    _more_households(county)
    today = china_today()
    villages = db.session.execute(sa.select(Region).where(Region.level == "village")).scalars().all()
    counts = goal.counts_by_village([v.id for v in villages], today)
    for village in villages:
        figures = indicators.compute(village.code, today)
        assert counts[village.id][goal.Goal.not_met] == figures["households_willing_none_employed"]
        assert counts[village.id][goal.Goal.met] == (
            figures["households_with_willing"] - figures["households_willing_none_employed"]
        )
    page = log_in("bureau").get("/villages").get_data(as_text=True)
    assert f'href="/households?village={factories.VILLAGE_CODE}&amp;goal=met">已达成 1 户' in page
    assert f'href="/households?village={factories.VILLAGE_CODE}&amp;goal=not_met">未达成 1 户' in page
    assert f'href="/households?village={factories.OTHER_VILLAGE_CODE}&amp;goal=not_met">未达成 1 户' in page
    cadre = log_in("cadre")
    listed = cadre.get(f"/households?village={factories.VILLAGE_CODE}&goal=met").get_data(as_text=True)
    assert _codes_listed(listed) == {"HEAST3"}
    # Per willing household, the days since the last contact; the one outside the goal is not listed.
    village_page = cadre.get("/villages").get_data(as_text=True)
    assert "2 户从未联系" in village_page and "HEAST4" not in village_page


def test_the_api_households_list_takes_the_pages_goal_filter(as_role, county):
    _more_households(county)
    api = as_role("cadre")
    codes = lambda url: {h["code"] for h in api.get(url).json["items"]}  # noqa: E731
    assert codes("/api/v1/households?goal=not_met") == {"HEAST1"}
    assert codes("/api/v1/households?goal=met") == {"HEAST3"}
    assert codes("/api/v1/households?goal=no_willing") == {"HEAST4"}
    wrong = api.get("/api/v1/households?goal=maybe")
    assert wrong.status_code == 422 and wrong.json["errors"][0]["field"] == "query.goal"


def test_the_monthly_list_of_households_that_lost_their_last_worker(log_in, as_role, county):
    _more_households(county)
    east3, west = _household("HEAST3"), _household("HWEST1")
    # HEAST3's only worker stops on 14 Nov: lost. HWEST1's worker stops on 20 Nov and starts elsewhere next day.
    east3_job = db.session.execute(sa.select(Employment).where(Employment.laborer_id != county["west"].id)).scalar_one()
    east3_job.end_date = date(2026, 11, 14)
    west_job = db.session.execute(sa.select(Employment).where(Employment.laborer_id == county["west"].id)).scalar_one()
    west_job.end_date = date(2026, 11, 20)
    db.session.add(Employment(laborer_id=county["west"].id, kind=EmploymentKind.migrant, start_date=date(2026, 11, 21)))
    db.session.commit()

    assert goal.lost_last_worker("2026-11") == {east3.id: date(2026, 11, 14)}
    assert goal.lost_last_worker("2026-10") == {}
    bureau = log_in("bureau").get("/households?lost_month=2026-11").get_data(as_text=True)
    assert _codes_listed(bureau) == {"HEAST3"} and "2026-11 失去最后一名就业人员的户" in bureau
    api = as_role("bureau")
    assert [h["code"] for h in api.get("/api/v1/households?lost_month=2026-11").json["items"]] == ["HEAST3"]
    assert api.get("/api/v1/households?lost_month=2026-13").status_code == 422
    # The cadre of 城东村 sees the list of their village: HEAST3 is theirs.
    assert _codes_listed(log_in("cadre").get("/households?lost_month=2026-11").get_data(as_text=True)) == {"HEAST3"}
    assert west.id not in goal.lost_last_worker("2026-11")

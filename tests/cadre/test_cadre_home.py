"""The cadre's to-do home: where a cadre lands, and each list holding the right rows of the cadre's villages only."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from jobmatch.extensions import db
from jobmatch.monitoring.models import Alert, AlertKind, AlertStatus
from jobmatch.people.models import Household
from jobmatch.placements import service as placements
from tests import factories
from tests.cadre.conftest import sewing_post
from tests.test_page_languages import assert_english
from workshops.settings import today as china_today


def _household(code: str) -> Household:
    return db.session.execute(sa.select(Household).where(Household.code == code)).scalar_one()


def _alert(household: Household, kind: AlertKind, status: AlertStatus = AlertStatus.open) -> None:
    db.session.add(
        Alert(
            kind=kind,
            status=status,
            cause_key=f"{kind.value}:h{household.id}:{status.value}",
            household_id=household.id,
            village_id=household.village_id,
            since=date(2026, 11, 2),
            detail={},
            status_since=datetime.now(UTC),
        )
    )


def _section(html: str, name: str) -> str:
    found = re.search(rf'<section class="todo" id="todo-{name}">(.*?)</section>', html, re.S)
    assert found, f"no section {name}"
    return found.group(1)


def _world(county):
    """城东村 (the cadre's): an open alert, a resolved one, one laborer referred, one never referred, a household short
    of the goal. 城西村: an open alert, a willing unemployed laborer never referred (another village)."""
    east, west = _household("HEAST1"), _household("HWEST1")
    factories.household(code="H-WEST-2", village_code=factories.OTHER_VILLAGE_CODE, head_name="西户主")
    factories.laborer(household_code="H-WEST-2", name="西丁", sequence=19)
    _alert(east, AlertKind.no_one_employed)
    _alert(east, AlertKind.employment_ended, AlertStatus.resolved)
    _alert(west, AlertKind.long_absence)
    db.session.commit()
    post = sewing_post()
    referral = placements.create_referral({"laborer_id": county["east"][0].id, "opening_id": post.id})
    return east, referral


def test_a_cadre_lands_on_the_home_and_other_roles_keep_their_front_page(log_in, county):
    cadre = log_in("cadre")
    assert "今日待办" in cadre.get("/").get_data(as_text=True)
    assert "今日待办" in cadre.get("/today").get_data(as_text=True)
    assert "今日待办" not in log_in("bureau").get("/").get_data(as_text=True)
    assert log_in("manager").get("/today").status_code == 403


def test_each_list_of_the_home_shows_the_cadres_rows_and_no_other_villages(log_in, county):
    east, referral = _world(county)
    html = log_in("cadre").get("/today").get_data(as_text=True)
    counts = re.findall(r"<strong>(\d+)</strong>", html.split("</ul>")[0])
    assert counts == ["1", "1", "1", "1"]

    alerts = _section(html, "alerts")
    assert "有就业意愿的家庭无人就业" in alerts and "长期缺勤" not in alerts and "就业结束" not in alerts
    assert "/monitoring/alerts#alert-" in alerts and "城东村" in alerts and "城西村" not in alerts

    waiting = _section(html, "referrals")
    assert "东甲" in waiting and "缝纫工" in waiting and "已等 0 天" in waiting
    assert f"/laborers/{county['east'][0].id}#referral-{referral.id}" in waiting

    idle = _section(html, "idle")
    assert "东乙" in idle and "东甲" not in idle and "西丁" not in idle and "西丙" not in idle
    assert f"/laborers/{county['east'][1].id}/matches" in idle

    short = _section(html, "short")
    assert f"/households/{east.id}" in short and "从未联系" in short and "西户主" not in short


def test_the_home_shows_days_since_the_last_contact_and_empties_as_work_is_done(log_in, as_role, county):
    east, _referral = _world(county)
    three_days_ago = (china_today() - timedelta(days=3)).isoformat()
    assert (
        as_role("cadre")
        .post(f"/api/v1/households/{east.id}/contacts", json={"method": "visit", "contacted_on": three_days_ago})
        .status_code
        == 201
    )
    client = log_in("cadre")
    assert "3 天前联系" in _section(client.get("/today").get_data(as_text=True), "short")
    # The bureau sees the county's lists: 城西村's alert and laborer too.
    bureau = log_in("bureau").get("/today").get_data(as_text=True)
    assert "长期缺勤" in _section(bureau, "alerts") and "西丁" in _section(bureau, "idle")


def test_the_home_the_village_page_and_the_contact_log_in_english(log_in, as_role, county):
    east, _referral = _world(county)
    assert as_role("cadre").post(f"/api/v1/households/{east.id}/contacts", json={"method": "phone"}).status_code == 201
    client = log_in("cadre", "en")
    assert client.get("/lang/en").status_code == 302
    pages = {
        "/today": "Today's tasks",
        "/villages": "Household goal: ",
        f"/households/{east.id}": "Phone call · cadre",
        "/households?lost_month=2026-11": "Households that lost their last worker in 2026-11",
        "/monitoring/alerts": "Last contact: ",
    }
    for path, english in pages.items():
        page = client.get(path).get_data(as_text=True)
        assert english in html.unescape(page), path
        assert_english(page)

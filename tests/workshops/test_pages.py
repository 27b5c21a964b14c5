"""The manager's phone pages: today's sheet, the month, check-in by code."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from jobmatch.extensions import db
from tests.workshops.conftest import PASSWORD, TODAY
from workshops.models import Attendance


def _csrf(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def _login(client, name: str) -> None:
    response = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": _csrf(client, "/login")})
    assert response.status_code == 302


def _statuses() -> dict[int, str]:
    db.session.expire_all()
    return {lid: status for lid, status in db.session.execute(sa.select(Attendance.laborer_id, Attendance.status))}


def test_the_manager_lands_on_todays_sheet_with_one_button_per_choice(client, county, shop):
    _login(client, "manager")
    landing = client.get("/attendance")
    assert landing.status_code == 302 and landing.headers["Location"].endswith(f"/workshops/{shop.id}/attendance")
    page = client.get(f"/workshops/{shop.id}/attendance").get_data(as_text=True)
    assert "城西服装车间" in page and "西丙" in page and "（今天）" in page
    west = county["west"].id
    for value, label in (("present", "出勤"), ("absent", "缺勤"), ("leave", "请假")):
        assert f'name="status-{west}" value="{value}"' in page and label in page
    assert 'name="reason"' not in page, "today needs no reason"
    assert "保存考勤" in page


def test_one_tap_and_save_records_the_day(client, county, shop):
    _login(client, "manager")
    west = county["west"].id
    url = f"/workshops/{shop.id}/attendance"
    data = {
        "csrf_token": _csrf(client, url),
        "date": TODAY.isoformat(),
        "laborer": str(west),
        f"status-{west}": "half_day",
        f"hours-{west}": "4",
        f"pieces-{west}": "",
    }
    response = client.post(url, data=data)
    assert response.status_code == 302
    assert _statuses() == {west: "half_day"}
    assert "已保存" in client.get(url).get_data(as_text=True)


def test_a_refused_save_keeps_what_was_entered(client, county, shop):
    _login(client, "manager")
    west = county["west"].id
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    url = f"/workshops/{shop.id}/attendance"
    page = client.get(f"{url}?date={yesterday}").get_data(as_text=True)
    assert 'name="reason"' in page
    data = {"csrf_token": _csrf(client, url), "date": yesterday, "laborer": str(west), f"status-{west}": "absent"}
    response = client.post(url, data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "补记或修改往日考勤须填写原因" in page
    assert re.search(rf'name="status-{west}" value="absent" checked', page)
    assert _statuses() == {}
    response = client.post(url, data=data | {"reason": "昨天漏记"})
    assert response.status_code == 302 and _statuses() == {west: "absent"}


def test_the_bureau_sees_the_sheet_read_only(client, county, shop):
    _login(client, "bureau")
    page = client.get(f"/workshops/{shop.id}/attendance").get_data(as_text=True)
    assert "只读" in page and "保存考勤" not in page


def test_the_month_page_links_the_export(client, county, shop):
    _login(client, "manager")
    page = client.get(f"/workshops/{shop.id}/attendance/month?month=2026-04").get_data(as_text=True)
    assert "2026年4月" in page
    assert f"/api/v1/workshops/{shop.id}/attendance/export?month=2026-04" in page
    export = client.get(f"/api/v1/workshops/{shop.id}/attendance/export?month=2026-04")
    assert export.status_code == 200 and export.data[:2] == b"PK"


def test_scanning_a_card_checks_the_worker_in(client, as_role, county, shop):
    code = as_role("manager").get(f"/api/v1/laborers/{county['west'].id}/employment-code").json["code"]
    _login(client, "manager")
    scanned = client.get(f"/scan?code={code}")
    assert scanned.status_code == 302
    target = scanned.headers["Location"]
    assert f"/workshops/{shop.id}/check-in" in target
    page = client.get(target).get_data(as_text=True)
    assert "西丙" in page
    url = f"/workshops/{shop.id}/check-in"
    response = client.post(url, data={"csrf_token": _csrf(client, url), "code": code})
    assert response.status_code == 302
    assert _statuses() == {county["west"].id: "present"}
    assert "西丙 今日已签到" in client.get(url).get_data(as_text=True)


def test_another_workshops_page_is_not_found_for_a_manager(client, county, other_shop):
    _login(client, "manager")
    assert client.get(f"/workshops/{other_shop.id}/attendance").status_code == 404
    assert client.get(f"/workshops/{other_shop.id}/check-in").status_code == 404


def test_a_past_day_without_a_reason_is_one_error_at_the_reason_box_on_top(client, county, shop):
    from datetime import date

    from jobmatch.placements.models import Employment
    from jobmatch.vocab import EmploymentKind
    from tests import factories

    factories.household(code="H-WEST-9", village_code=factories.OTHER_VILLAGE_CODE)
    workers = [county["west"].id]
    for n in range(3):
        laborer = factories.laborer(household_code="H-WEST-9", name=f"车工{n}", sequence=41 + 2 * n)
        db.session.add(
            Employment(
                laborer_id=laborer.id, kind=EmploymentKind.workshop, workshop_id=shop.id, start_date=date(2026, 3, 1)
            )
        )
        workers.append(laborer.id)
    db.session.commit()
    _login(client, "manager")
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    url = f"/workshops/{shop.id}/attendance"
    page = client.get(f"{url}?date={yesterday}").get_data(as_text=True)
    assert page.index('name="reason"') < page.index('class="worker')
    data = {"csrf_token": _csrf(client, url), "date": yesterday, "laborer": [str(w) for w in workers]}
    response = client.post(url, data=data | {f"status-{w}": "absent" for w in workers})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert page.count("补记或修改往日考勤须填写原因") == 2  # the box's label and its one error
    assert re.search(r'<p class="field-error" id="reason-error">补记或修改往日考勤须填写原因</p>', page)
    assert page.index('id="reason-error"') < page.index('class="worker')
    assert _statuses() == {}

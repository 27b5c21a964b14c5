"""The contact log: a cadre records a call or visit through the API or a page, sees it on the household, the laborer
and the alert card; bad input is refused field by field and changes nothing; another county's records are 404."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from jobmatch.accounts import service as accounts
from jobmatch.accounts import tokens
from jobmatch.extensions import db
from jobmatch.monitoring.models import Alert, AlertKind, Contact
from jobmatch.people.models import Household
from tests.accounts.conftest import PASSWORD
from tests.accounts.scope_world import B_VILLAGE, build_county_b
from tests.cadre.conftest import field_error
from tests.conftest import ApiClient
from workshops.settings import today as china_today


def _household(code: str) -> Household:
    return db.session.execute(sa.select(Household).where(Household.code == code)).scalar_one()


def _contacts() -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(Contact)).scalar_one()


def test_a_cadre_records_a_call_and_a_visit_and_lists_them_latest_first(as_role, county):
    api = as_role("cadre")
    east = _household("HEAST1")
    east_b = county["east"][1]
    yesterday = (china_today() - timedelta(days=1)).isoformat()
    call = api.post(f"/api/v1/households/{east.id}/contacts", json={"method": "phone", "contacted_on": yesterday})
    assert call.status_code == 201, call.json
    assert call.json["method_zh"] == "电话" and call.json["user_name"] == "cadre" and call.json["laborer_id"] is None
    visit = api.post(f"/api/v1/laborers/{east_b.id}/contacts", json={"method": "visit", "note": "想去县城做缝纫"})
    assert visit.status_code == 201
    assert visit.json["household_id"] == east.id and visit.json["contacted_on"] == china_today().isoformat()

    listed = api.get(f"/api/v1/households/{east.id}/contacts").json
    assert [c["method"] for c in listed["items"]] == ["visit", "phone"] and listed["pagination"]["total"] == 2
    of_laborer = api.get(f"/api/v1/laborers/{east_b.id}/contacts").json
    assert [c["note"] for c in of_laborer["items"]] == ["想去县城做缝纫"]


def test_bad_contacts_are_refused_field_by_field_in_both_languages_and_change_nothing(as_role, county):
    api = as_role("cadre")
    east = _household("HEAST1")
    url = f"/api/v1/households/{east.id}/contacts"
    unknown = api.post(url, json={"method": "fax"})
    assert unknown.status_code == 422 and unknown.mimetype == "application/problem+json"
    assert [e["field"] for e in unknown.json["errors"]] == ["method"]
    missing = api.post(url, json={"note": "打过电话"})
    assert missing.status_code == 422 and missing.json["errors"][0]["field"] == "method"
    future = (china_today() + timedelta(days=1)).isoformat()
    late = api.post(url, json={"method": "phone", "contacted_on": future})
    assert late.status_code == 422
    error = late.json["errors"][0]
    assert error["field"] == "contacted_on" and "晚于今天" in error["zh"] and "after today" in error["en"]
    long = api.post(url, json={"method": "visit", "note": "长" * 1001})
    assert long.status_code == 422 and long.json["errors"][0]["field"] == "note"
    assert _contacts() == 0


def test_another_village_and_another_county_see_none_of_it(as_role, county, make_app):
    api = as_role("cadre")
    west = _household("HWEST1")
    assert api.post(f"/api/v1/households/{west.id}/contacts", json={"method": "phone"}).status_code == 404
    assert api.get(f"/api/v1/laborers/{county['west'].id}/contacts").status_code == 404
    assert as_role("manager").get(f"/api/v1/households/{west.id}/contacts").status_code == 403

    # A cadre of the next county: county A's household does not exist for them, on the API and on the pages.
    east = _household("HEAST1")
    assert as_role("bureau").post(f"/api/v1/households/{east.id}/contacts", json={"method": "visit"}).status_code == 201
    build_county_b(county)
    b_cadre = accounts.save_user({"name": "bcadre", "role": "cadre", "password": PASSWORD, "region_codes": [B_VILLAGE]})
    b_api = ApiClient(api.client, tokens.issue_token(b_cadre, "test"))
    assert b_api.get(f"/api/v1/households/{east.id}/contacts").status_code == 404
    assert b_api.post(f"/api/v1/households/{east.id}/contacts", json={"method": "phone"}).status_code == 404
    pages = make_app(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False).test_client()
    assert pages.post("/login", data={"name": "bcadre", "password": PASSWORD}).status_code == 302
    assert pages.post(f"/households/{east.id}/contacts", data={"method": "phone"}).status_code == 404
    assert pages.post(f"/laborers/{county['east'][0].id}/contacts", data={"method": "phone"}).status_code == 404
    assert _contacts() == 1


def test_the_household_page_records_and_lists_contacts(log_in, county):
    client = log_in("cadre")
    east = _household("HEAST1")
    east_a = county["east"][0]
    page = client.get(f"/households/{east.id}").get_data(as_text=True)
    assert "还没有联系记录" in page and 'name="method"' in page
    saved = client.post(
        f"/households/{east.id}/contacts",
        data={
            "method": "visit",
            "contacted_on": china_today().isoformat(),
            "laborer_id": str(east_a.id),
            "note": "上门",
        },
    )
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/households/{east.id}#contacts")
    page = client.get(f"/households/{east.id}").get_data(as_text=True)
    assert "走访 · cadre" in page and "联系成员：东甲" in page and "上门" in page


def test_a_wrong_date_on_the_page_shows_under_its_field_and_keeps_the_note(log_in, county):
    client = log_in("cadre")
    east = _household("HEAST1")
    future = (china_today() + timedelta(days=3)).isoformat()
    refused = client.post(
        f"/households/{east.id}/contacts", data={"method": "phone", "contacted_on": future, "note": "说下周去车间"}
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert field_error(html, "contacted_on") == "联系日期不能晚于今天"
    assert "说下周去车间" in html and future in html
    assert _contacts() == 0
    english = log_in("cadre", "en").post(f"/households/{east.id}/contacts", data={"method": "", "note": "x"})
    assert "choose how" in field_error(english.get_data(as_text=True), "method")


def test_the_laborer_page_records_a_contact_for_that_laborer(log_in, county):
    client = log_in("cadre")
    east_b = county["east"][1]
    assert "记录联系" in client.get(f"/laborers/{east_b.id}").get_data(as_text=True)
    saved = client.post(f"/laborers/{east_b.id}/contacts", data={"method": "phone", "note": "在家带孩子"})
    assert saved.status_code == 302
    contact = db.session.execute(sa.select(Contact)).scalar_one()
    assert contact.laborer_id == east_b.id and contact.contacted_on == china_today()
    assert "在家带孩子" in client.get(f"/laborers/{east_b.id}").get_data(as_text=True)


def test_the_alert_card_shows_the_last_contact_and_records_one_in_place(log_in, county):
    east = _household("HEAST1")
    db.session.add(
        Alert(
            kind=AlertKind.no_one_employed,
            cause_key=f"no_one_employed:h{east.id}:test",
            household_id=east.id,
            village_id=east.village_id,
            since=date(2026, 11, 1),
            detail={"days_without_work": 30},
            status_since=datetime.now(UTC),
        )
    )
    db.session.commit()
    alert_id = db.session.execute(sa.select(Alert.id)).scalar_one()
    client = log_in("cadre")
    card = client.get("/monitoring/alerts").get_data(as_text=True)
    assert "最近联系：" in card and "从未联系" in card
    saved = client.post(
        f"/households/{east.id}/contacts",
        data={"method": "phone", "note": "已通知", "next": f"/monitoring/alerts#alert-{alert_id}"},
    )
    assert saved.headers["Location"].endswith(f"/monitoring/alerts#alert-{alert_id}")
    card = client.get("/monitoring/alerts").get_data(as_text=True)
    assert "电话 · cadre" in card

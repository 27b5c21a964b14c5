"""Villages, households and laborers on the cadre's pages: counts, search, scope, and the laborer form."""

from __future__ import annotations

import re

import sqlalchemy as sa

from jobmatch.api.common import mask_id_number
from jobmatch.extensions import db
from jobmatch.people.models import Laborer
from jobmatch.placements import service as placements
from tests import factories
from tests.accounts.conftest import as_role  # noqa: F401  (fixture)
from tests.cadre.conftest import field_error, input_value


def _count_laborers() -> int:
    return db.session.execute(sa.select(sa.func.count(Laborer.id))).scalar_one()


def test_a_cadre_sees_their_village_with_its_counts_and_not_the_other(log_in, county):
    html = log_in("cadre").get("/villages").get_data(as_text=True)
    assert "城东村" in html and "城西村" not in html
    # 城东村: one household, two laborers, both willing, no one employed.
    counts = {"户数": 1, "劳动力": 2, "有就业意愿": 2, "已就业": 0, "有意愿但无人就业的户": 1}
    for label, figure in counts.items():
        assert f"<dt>{label}</dt><dd>{figure}</dd>" in html
    assert f"/laborers?village={factories.VILLAGE_CODE}" in html
    assert f"/households?village={factories.VILLAGE_CODE}" in html


def test_the_bureau_sees_every_village_of_its_county(log_in, county):
    html = log_in("bureau").get("/villages").get_data(as_text=True)
    assert "城东村" in html and "城西村" in html


def test_laborers_are_found_by_name_or_full_id_number_with_the_id_masked(log_in, county):
    client = log_in("cadre")
    east_a, east_b = county["east"]
    html = client.get("/laborers?q=东甲").get_data(as_text=True)
    assert "东甲" in html and "东乙" not in html
    assert mask_id_number(east_a.id_number) in html and east_a.id_number not in html
    by_id = client.post("/laborers", data={"q": east_b.id_number.lower()}).get_data(as_text=True)
    assert "东乙" in by_id and "东甲" not in by_id
    # Another village's laborer is not found, even by name.
    assert "没有符合条件的劳动力" in client.get("/laborers?q=西丙").get_data(as_text=True)


def _status_from_employments(laborer: Laborer) -> None:
    """The county fixture adds 西丙's workshop job directly; the services keep the status in step."""
    placements.sync_employment_status(laborer)
    db.session.commit()


def test_laborers_filter_by_village_status_and_willingness(log_in, county):
    _status_from_employments(county["west"])
    client = log_in("bureau")
    west = client.get(f"/laborers?village={factories.OTHER_VILLAGE_CODE}").get_data(as_text=True)
    assert "西丙" in west and "东甲" not in west
    working = client.get("/laborers?employment_status=workshop").get_data(as_text=True)
    assert "西丙" in working and "东甲" not in working
    assert "东甲" not in client.get("/laborers?willingness=none").get_data(as_text=True)
    assert "东甲" in client.get("/laborers?willingness=county&employment_status=nonsense").get_data(as_text=True)


def test_households_list_and_a_household_with_its_members(log_in, county):
    _status_from_employments(county["west"])
    client = log_in("cadre")
    listed = client.get("/households").get_data(as_text=True)
    assert "HEAST1" in listed and "HWEST1" not in listed
    household_id = county["east"][0].household_id
    html = client.get(f"/households/{household_id}").get_data(as_text=True)
    assert "东甲" in html and "东乙" in html and "无人就业" in html
    assert client.get(f"/households/{county['west'].household_id}").status_code == 404
    bureau = log_in("bureau").get(f"/households/{county['west'].household_id}").get_data(as_text=True)
    assert "西丙" in bureau and "是（1 人）" in bureau


def test_another_villages_laborer_is_not_found_and_managers_may_not_open_the_pages(log_in, county):
    west = county["west"]
    cadre = log_in("cadre")
    for path in (f"/laborers/{west.id}", f"/laborers/{west.id}/edit", f"/laborers/{west.id}/matches"):
        assert cadre.get(path).status_code == 404, path
    assert cadre.post(f"/laborers/{west.id}/edit", data={"name": "改名"}).status_code == 404
    manager = log_in("manager")
    for path in ("/villages", "/laborers", "/households", f"/laborers/{west.id}", "/laborers/new"):
        assert manager.get(path).status_code == 403, path
    assert log_in("bureau").get(f"/laborers/{west.id}").status_code == 200


def test_the_profile_shows_skills_as_written_and_normalised_and_masks_personal_data(log_in, county):
    east_b = county["east"][1]
    html = log_in("cadre").get(f"/laborers/{east_b.id}").get_data(as_text=True)
    assert "会踩缝纫机、养猪" in html
    assert "HEAST1" in html and "脱贫户" in html and "未就业" in html
    assert "139****2222" in html and "13911112222" not in html
    assert mask_id_number(east_b.id_number) in html and east_b.id_number not in html


def _new_laborer_form(**kw) -> dict:
    return {
        "household_code": "HEAST1",
        "name": "李桂兰",
        "id_number": factories.id_number(factories.years_ago(40), 24),
        "phone": "13700001111",
        "skills": "縫紉、做饭",
        "labor_capacity": "normal",
        "willingness": "village",
        "needs_flexible_hours": "y",
    } | kw


def test_a_wrong_check_digit_is_shown_next_to_the_id_field_with_everything_typed_kept(log_in, county):
    before = _count_laborers()
    good = _new_laborer_form()["id_number"]
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = log_in("cadre").post("/laborers/new", data=_new_laborer_form(id_number=wrong))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "id_number") == "身份证号校验位错误，请核对"
    assert input_value(html, "name") == "李桂兰"
    assert input_value(html, "household_code") == "HEAST1"
    assert input_value(html, "id_number") == wrong
    assert "縫紉、做饭" in html
    assert _count_laborers() == before


def test_errors_are_in_english_on_the_english_page_and_every_missing_field_is_named(log_in, county):
    before = _count_laborers()
    response = log_in("cadre", language="en").post("/laborers/new", data={"name": "李桂兰"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for field in ("household_code", "id_number", "labor_capacity", "willingness"):
        assert field_error(html, field) == "required", field
    assert field_error(html, "name") is None
    assert _count_laborers() == before


def test_a_household_of_another_village_is_refused_next_to_the_household_field(log_in, county):
    response = log_in("cadre").post("/laborers/new", data=_new_laborer_form(household_code="HWEST1"))
    assert field_error(response.get_data(as_text=True), "household_code") == "户编号不存在"


def test_a_duplicate_id_number_is_a_conflict_shown_next_to_the_id_field(log_in, county):
    response = log_in("cadre").post("/laborers/new", data=_new_laborer_form(id_number=county["east"][0].id_number))
    assert response.status_code == 409
    assert field_error(response.get_data(as_text=True), "id_number") == "该身份证号已登记"


def test_a_new_laborer_is_saved_through_the_service_and_their_profile_opens(log_in, county):
    client = log_in("cadre")
    response = client.post("/laborers/new", data=_new_laborer_form())
    assert response.status_code == 302
    saved = db.session.execute(sa.select(Laborer).where(Laborer.name == "李桂兰")).scalar_one()
    assert response.headers["Location"].endswith(f"/laborers/{saved.id}")
    assert saved.skills_raw == ["縫紉", "做饭"] and saved.skills == ["缝纫", "做饭"]
    assert saved.needs_flexible_hours and not saved.home_based_only
    html = client.get(f"/laborers/{saved.id}").get_data(as_text=True)
    assert "已保存 李桂兰 的信息" in html and "縫紉、做饭" in html


def test_editing_never_shows_the_full_id_number_and_blank_keeps_it(log_in, county):
    east_a = county["east"][0]
    client = log_in("cadre")
    html = client.get(f"/laborers/{east_a.id}/edit").get_data(as_text=True)
    assert east_a.id_number not in html and mask_id_number(east_a.id_number) in html
    assert input_value(html, "name") == "东甲"
    response = client.post(
        f"/laborers/{east_a.id}/edit",
        data={
            "household_code": "HEAST1",
            "name": "东甲",
            "id_number": "",
            "phone": "",
            "skills": "电焊",
            "labor_capacity": "skilled",
            "willingness": "province",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Laborer, east_a.id)
    assert saved.id_number == east_a.id_number and saved.phone == "13812345678"
    assert saved.skills_raw == ["电焊"] and saved.willingness.value == "province"


def test_an_edit_that_clears_the_name_is_refused_and_changes_nothing(log_in, county):
    east_a = county["east"][0]
    response = log_in("cadre").post(
        f"/laborers/{east_a.id}/edit",
        data={"household_code": "HEAST1", "name": " ", "labor_capacity": "normal", "willingness": "village"},
    )
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "name") == "不能为空"
    db.session.expire_all()
    assert db.session.get(Laborer, east_a.id).willingness.value == "county"


def test_a_search_by_id_number_travels_in_the_body_never_in_the_address(log_in, county):
    """Browser history, proxies and access logs keep addresses: an ID number stays out of them."""
    client = log_in("cadre")
    east_a, east_b = county["east"]
    page = client.get("/laborers").get_data(as_text=True)
    assert re.search(r'<form method="post" class="searchbar"', page)
    number = east_b.id_number
    for typed in (number, number.lower(), f"{number[:6]} {number[6:14]} {number[14:]}", number[:14]):
        found = client.post("/laborers", data={"q": typed})
        assert found.status_code == 200, typed  # answered in place: no redirect carries it into an address
        html = found.get_data(as_text=True)
        assert typed not in html and number not in html  # not echoed into the page or its links either
    assert "东乙" in client.post("/laborers", data={"q": number}).get_data(as_text=True)
    # An ID number in an address is not searched (and not kept): the list comes back with a hint.
    refused = client.get(f"/laborers?q={number}")
    assert refused.status_code == 302 and number not in refused.headers["Location"]
    shown = client.get(f"/laborers?q={number}", follow_redirects=True).get_data(as_text=True)
    assert "按身份证号查找请在搜索框中输入" in shown and number not in shown
    # A name keeps its own address (a bookmark, the back button), filters too.
    by_name = client.post("/laborers", data={"q": "东甲", "willingness": "county"})
    assert by_name.status_code == 303
    assert by_name.headers["Location"] == "/laborers?q=%E4%B8%9C%E7%94%B2&willingness=county"
    assert "东甲" in client.get(by_name.headers["Location"]).get_data(as_text=True)
    # Scope holds for a search in the body: another village's laborer is not found by number.
    elsewhere = client.post("/laborers", data={"q": county["west"].id_number}).get_data(as_text=True)
    assert "没有符合条件的劳动力" in elsewhere


def test_the_api_searches_by_id_number_in_a_post_body_within_scope(as_role, county):  # noqa: F811
    east_b, west = county["east"][1], county["west"]
    cadre = as_role("cadre")
    found = cadre.post("/api/v1/laborers/search", json={"q": east_b.id_number.lower()})
    assert found.status_code == 200
    assert [item["name"] for item in found.get_json()["items"]] == ["东乙"]
    assert east_b.id_number not in found.get_data(as_text=True)
    assert cadre.post("/api/v1/laborers/search", json={"q": west.id_number}).get_json()["items"] == []
    assert (
        as_role("bureau").post("/api/v1/laborers/search", json={"q": west.id_number}).get_json()["pagination"]["total"]
        == 1
    )
    bad = cadre.post("/api/v1/laborers/search", json={"q": "x" * 65, "per_page": 1000})
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert {e["field"] for e in bad.get_json()["errors"]} == {"q", "per_page"}

"""The pickers of the bureau's forms: villages by township with pinyin keys, the employer type-ahead with a new
employer registered together with its first post (or not at all), and the site's coordinates from the village."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from jobmatch.accounts.models import AuditEvent
from jobmatch.errors import ValidationFailed
from jobmatch.extensions import db
from jobmatch.people import service as people
from jobmatch.posts import service as posts
from jobmatch.posts.models import Employer, Opening
from tests import factories
from tests.accounts.scope_world import traces_of_b

# A site outside the county, posted by the county's bureau.
FAR = {"site_name": "浙江省宁波市", "latitude": 29.868, "longitude": 121.544, "county_code": factories.COUNTY_CODE}


def _post(**overrides) -> dict:
    """An enterprise post as the page sends it, for an employer registered with it."""
    return {
        "kind": "enterprise",
        "title": "竹编工",
        "employer_id": "new",
        "employer_name": "横峰竹木加工厂",
        "employer_kind": "cooperative",
        "employer_contact_name": "王社长",
        "employer_contact_phone": "13900002222",
        "region_code": factories.VILLAGE_CODE,
        "headcount": "4",
        "physical_intensity": "light",
        "wage_unit": "month",
        "working_pattern": "full_time",
    } | overrides


def _errors(page: str) -> dict[str, str]:
    """field id → the message shown under it."""
    return dict(re.findall(r'<div class="field-error" role="alert" id="([\w-]+)-error">([^<]*)</div>', page))


def _count(model) -> int:
    db.session.expire_all()
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def _employer(name: str, region_code: str = factories.VILLAGE_CODE) -> Employer:
    return posts.save_employer({"name": name, "kind": "enterprise", "region_code": region_code})


# --- the employer type-ahead ---------------------------------------------------------------------------


def test_the_employer_search_finds_names_of_the_officers_county_only(county, county_b, login):
    for name in ("新横峰食品厂", "横峰电子厂", "横峰服装厂", "横峰服装厂二分厂"):
        _employer(name)
    client = login("bureau")
    found = client.get("/employers/search?q=横峰").get_json()
    # Names that start with what was typed come first, the shortest first.
    assert [item["name"] for item in found["items"]] == ["横峰服装厂", "横峰电子厂", "横峰服装厂二分厂", "新横峰食品厂"]
    assert found["exact"] is False and found["items"][0]["hint"] == "企业 · 城东村"
    # Traditional characters are the same name; an exact name is said, so the page offers no second copy.
    exact = client.get("/employers/search?q=橫峰服裝廠").get_json()
    assert exact["exact"] is True and exact["items"][0]["name"] == "横峰服装厂"
    # County B's employer (弋阳鞋厂) is never found by the bureau of county A, by any part of its name.
    for q in ("弋阳鞋厂", "鞋厂", "弋阳", ""):
        answer = client.get("/employers/search", query_string={"q": q})
        assert answer.status_code == 200 and traces_of_b(answer.get_data(as_text=True)) == [], q
    assert "弋阳鞋厂" in login("admin").get("/employers/search?q=鞋").get_data(as_text=True)


def test_the_employer_search_answers_a_long_or_odd_query_with_nothing_rather_than_an_error(county, login):
    client = login("bureau")
    for q in ("%", "_", "x" * 5000, "\u200b", "' or 1=1 --"):
        answer = client.get("/employers/search", query_string={"q": q})
        assert answer.status_code == 200 and answer.get_json()["items"] == [], q


# --- a new employer with its first post ----------------------------------------------------------------


def test_a_new_employer_is_registered_with_its_first_post(county, login):
    response = login("bureau").post("/openings/new", data=_post())
    assert response.status_code == 302
    post = db.session.execute(sa.select(Opening)).scalar_one()
    employer = post.employer
    assert (employer.name, employer.kind.value, employer.contact_name) == ("横峰竹木加工厂", "cooperative", "王社长")
    assert employer.county_id == county["county"].id and employer.contact_phone == "13900002222"
    actions = db.session.execute(sa.select(AuditEvent.entity_type).where(AuditEvent.action == "create")).scalars()
    assert {"employers", "openings"} <= set(actions)


def test_without_javascript_a_name_typed_with_no_employer_chosen_registers_it(county, login):
    assert login("bureau").post("/openings/new", data=_post(employer_id="")).status_code == 302
    assert db.session.execute(sa.select(Opening)).scalar_one().employer.name == "横峰竹木加工厂"


def test_nothing_is_registered_when_the_post_is_refused_and_everything_typed_comes_back(county, login):
    client = login("bureau")
    refused = client.post("/openings/new", data=_post(age_min="50", age_max="30"))
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert _errors(page) == {"age_max": "最高年龄不能小于最低年龄"}
    assert (_count(Employer), _count(Opening)) == (0, 0)
    assert '<option selected value="new">' in page
    for typed in ("横峰竹木加工厂", "王社长", "13900002222", 'value="50"'):
        assert typed in page, typed
    assert re.search(r'<option selected value="cooperative">', page)

    assert client.post("/openings/new", data=_post(age_min="50", age_max="55")).status_code == 302
    assert (_count(Employer), _count(Opening)) == (1, 1)


def test_a_wrong_new_employer_is_an_error_under_its_field_and_nothing_is_saved(county, login):
    client = login("bureau")
    page = client.post(
        "/openings/new", data=_post(employer_name=" ", employer_contact_phone="12345", age_min="50", age_max="30")
    ).get_data(as_text=True)
    errors = _errors(page)
    assert errors["employer_name"] == "不能为空" and "employer_contact_phone" in errors
    # Every error at once; not "an enterprise vacancy needs its employer", which the employer's own errors explain.
    assert errors["age_max"] == "最高年龄不能小于最低年龄" and "employer_id" not in errors
    assert (_count(Employer), _count(Opening)) == (0, 0)


def test_a_name_already_in_the_county_is_picked_not_registered_twice(county, county_b, login):
    existing = _employer("横峰竹木加工厂")
    client = login("bureau")
    page = client.post("/openings/new", data=_post()).get_data(as_text=True)
    assert _errors(page) == {"employer_name": "已有同名的用工主体，请从列表中选择"}
    assert _count(Employer) == 2  # this one and county B's
    assert db.session.execute(sa.select(Opening).where(Opening.title == "竹编工")).first() is None
    # Chosen from the list, the post goes to it.
    assert client.post("/openings/new", data=_post(employer_id=str(existing.id))).status_code == 302
    assert (
        db.session.execute(sa.select(Opening).where(Opening.title == "竹编工")).scalar_one().employer_id == existing.id
    )
    # A name known only in county B is no employer of county A: it is registered here.
    assert client.post("/openings/new", data=_post(employer_name="弋阳鞋厂", title="鞋面工")).status_code == 302
    assert _count(Employer) == 3


def test_the_service_writes_employer_and_post_together_or_neither(county):
    data = {"kind": "enterprise", "title": "竹编工", "headcount": 2, "region_code": factories.VILLAGE_CODE}
    employer = {"name": "横峰竹木加工厂", "kind": "cooperative"}
    events = _count(AuditEvent)
    with pytest.raises(ValidationFailed) as refused:
        posts.save_opening_with_new_employer(data | {"age_min": 50, "age_max": 30}, employer)
    assert [e.field for e in refused.value.errors] == ["age_max"]
    with pytest.raises(ValidationFailed) as refused:
        posts.save_opening_with_new_employer(data, employer | {"contact_phone": "12345"})
    assert [e.field for e in refused.value.errors] == ["employer.contact_phone"]
    assert (_count(Employer), _count(Opening), _count(AuditEvent)) == (0, 0, events)

    saved = posts.save_opening_with_new_employer(data, employer)
    db.session.expire_all()
    assert saved.employer.name == "横峰竹木加工厂"
    # The employer belongs to the county of the post's village (an administrator has no county of their own).
    assert saved.employer.county_id == county["county"].id == saved.county_id


# --- the site ------------------------------------------------------------------------------------------


def test_the_site_takes_the_villages_stored_coordinates(county):
    post = posts.save_opening(
        {"kind": "public_welfare", "title": "保洁员", "headcount": 1, "region_code": factories.VILLAGE_CODE}
    )
    assert (post.latitude, post.longitude) == (28.43, 117.62)
    moved = posts.save_opening({"region_code": factories.OTHER_VILLAGE_CODE, "latitude": None, "longitude": None}, post)
    assert (moved.latitude, moved.longitude) == (28.40, 117.58)
    typed = posts.save_opening({"latitude": 28.431, "longitude": 117.622}, post)
    assert (typed.latitude, typed.longitude) == (28.431, 117.622)


def test_a_site_with_no_coordinates_to_take_says_so_under_the_latitude(county):
    people.save_region(
        {"code": "361125100203", "name": "无坐标村", "level": "village", "parent_code": factories.TOWNSHIP_CODE}
    )
    base = {"kind": "public_welfare", "title": "保洁员", "headcount": 1, "county_code": factories.COUNTY_CODE}
    cases = [
        ({"region_code": "361125100203"}, "latitude", "所选地点还没有存坐标，请填写经纬度"),
        ({"site_name": "浙江省宁波市"}, "latitude", "不在村里的工作地点须填写经纬度"),
        ({"site_name": "浙江省宁波市", "latitude": 29.868}, "longitude", "经纬度须同时填写"),
        ({}, "region_code", "请填写工作地点：区划代码或经纬度"),
    ]
    for extra, field, message in cases:
        with pytest.raises(ValidationFailed) as refused:
            posts.save_opening(base | extra)
        assert [(e.field, e.zh) for e in refused.value.errors] == [(field, message)], extra
    assert _count(Opening) == 0
    assert posts.save_opening(base | FAR).region_id is None


def test_the_form_offers_villages_by_township_with_pinyin_and_coordinates_and_known_far_sites(county, county_b, login):
    for lat in (29.86, 29.876):
        posts.save_opening(
            {"kind": "enterprise", "title": "电器装配工", "headcount": 5, "employer_id": _employer(f"宁波电器{lat}").id}
            | FAR
            | {"latitude": lat}
        )
    page = login("bureau").get("/openings/new?kind=enterprise").get_data(as_text=True)
    village = re.search(
        r'<option data-group-keys="([^"]*)" data-keys="([^"]*)" data-lat="([^"]*)" data-lon="([^"]*)"'
        r' value="361125100201">城东村</option>',
        page,
    )
    assert village, "the village's option with its keys and coordinates"
    assert village.groups() == ("岑阳镇 cenyangzhen cyz", "城东村 chengdongcun cdc", "28.43", "117.62")
    assert '<optgroup label="岑阳镇">' in page
    assert 'data-search-url="/employers/search"' in page and 'data-new-fields="new-employer"' in page
    # Places outside the county that earlier posts used, at their mean position; county B's places are not offered.
    assert '<option value="浙江省宁波市" data-lat="29.868" data-lon="121.544">' in page
    assert traces_of_b(page) == []


def test_every_long_village_or_employer_list_has_the_type_ahead(county, login):
    client = login("bureau")
    for url, select in (
        ("/workshops/new", "village_code"),
        ("/workshops/new", "operator_id"),
        ("/employers/new", "region_code"),
        ("/laborers", "village"),
        ("/households", "village"),
    ):
        page = client.get(url).get_data(as_text=True)
        assert f'data-filter-for="{select}"' in page and "js/pick-filter.js" in page, url
        assert 'data-keys="城东村 chengdongcun cdc"' in page, url

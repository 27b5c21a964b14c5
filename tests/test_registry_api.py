"""Regions, households, employers, workshops and openings through the API."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from jobmatch.extensions import db
from jobmatch.posts.models import Opening
from tests import factories


def _errors(response) -> dict[str, dict]:
    return {e["field"]: e for e in response.get_json()["errors"]}


def _employer(api) -> int:
    response = api.post("/api/v1/employers", json={"name": "横峰县鑫达服饰有限公司", "kind": "enterprise"})
    assert response.status_code == 201
    return response.get_json()["id"]


def _opening(**kw) -> dict:
    return {
        "kind": "enterprise",
        "title": "缝纫工",
        "region_code": factories.TOWNSHIP_CODE,
        "headcount": 5,
        "age_min": 18,
        "age_max": 55,
        "wage_min": 3000,
        "wage_max": 4500,
        "required_skills": ["縫紉"],
    } | kw


def test_regions_nest_county_township_village(api):
    body = api.get("/api/v1/regions?region=361125100000&level=village").get_json()
    assert [r["code"] for r in body["items"]] == [factories.VILLAGE_CODE, factories.OTHER_VILLAGE_CODE]
    assert body["items"][0]["parent_code"] == factories.TOWNSHIP_CODE


def test_a_latitude_of_200_is_refused(api):
    response = api.post(
        "/api/v1/regions",
        json={
            "code": "361125100203",
            "name": "新村",
            "level": "village",
            "parent_code": factories.TOWNSHIP_CODE,
            "latitude": 200,
            "longitude": 117.6,
        },
    )
    assert response.status_code == 422
    assert _errors(response)["latitude"]["code"] == "out_of_range"
    assert api.get("/api/v1/regions?q=新村").get_json()["pagination"]["total"] == 0


def test_a_village_must_lie_inside_its_township(api):
    response = api.post(
        "/api/v1/regions",
        json={"code": "361125101203", "name": "错村", "level": "village", "parent_code": factories.TOWNSHIP_CODE},
    )
    assert response.status_code == 422
    assert _errors(response)["code"]["code"] == "outside_parent"


def test_a_duplicate_region_code_is_a_conflict(api, admin_api):
    response = admin_api.post(
        "/api/v1/regions", json={"code": factories.COUNTY_CODE, "name": "又一个县", "level": "county"}
    )
    assert response.status_code == 409


def test_a_household_with_an_unknown_village_code_is_refused(api):
    response = api.post(
        "/api/v1/households", json={"code": "H1", "village_code": "361125199299", "category": "unstable"}
    )
    assert response.status_code == 422
    error = _errors(response)["village_code"]
    assert error["code"] == "unknown_region" and "361125199299" in error["zh"]


def test_a_household_must_sit_in_a_village_not_a_township(api):
    response = api.post(
        "/api/v1/households",
        json={"code": "H1", "village_code": factories.TOWNSHIP_CODE, "category": "unstable"},
    )
    assert response.status_code == 422
    assert _errors(response)["village_code"]["code"] == "wrong_level"


def test_households_filter_by_category_and_region(api):
    factories.household(code="A1", category="marginal", risk_level="high")
    factories.household(code="A2", village_code=factories.OTHER_VILLAGE_CODE)
    body = api.get("/api/v1/households?category=marginal").get_json()
    assert [h["code"] for h in body["items"]] == ["A1"]
    assert body["items"][0]["risk_level"] == "high"
    body = api.get(f"/api/v1/households?region={factories.OTHER_VILLAGE_CODE}").get_json()
    assert [h["code"] for h in body["items"]] == ["A2"]


def test_an_opening_takes_its_site_coordinates_from_its_region(api):
    employer_id = _employer(api)
    response = api.post("/api/v1/openings", json=_opening(employer_id=employer_id, title="  縫紉工 "))
    assert response.status_code == 201
    body = response.get_json()
    assert (body["latitude"], body["longitude"]) == (28.42, 117.61)
    assert body["title"] == "缝纫工"
    assert body["remaining_headcount"] == 5
    assert body["required_skills"] == ["缝纫"]


def test_age_max_below_age_min_is_refused(api):
    response = api.post("/api/v1/openings", json=_opening(employer_id=_employer(api), age_min=50, age_max=30))
    assert response.status_code == 422
    assert _errors(response)["age_max"]["code"] == "range_reversed"


def test_a_negative_headcount_is_refused(api):
    response = api.post("/api/v1/openings", json=_opening(employer_id=_employer(api), headcount=-3))
    assert response.status_code == 422
    assert "headcount" in _errors(response)
    assert db.session.execute(sa.select(sa.func.count()).select_from(Opening)).scalar_one() == 0


def test_remaining_headcount_is_computed_and_never_set_by_a_client(api):
    created = api.post("/api/v1/openings", json=_opening(employer_id=_employer(api))).get_json()
    for value in (6, 2):
        response = api.patch(f"/api/v1/openings/{created['id']}", json={"remaining_headcount": value})
        assert response.status_code == 422
        assert _errors(response)["remaining_headcount"]["code"] == "read_only"
    assert api.get(f"/api/v1/openings/{created['id']}").get_json()["remaining_headcount"] == 5


def test_public_welfare_posts_default_to_sixty_and_extend_to_sixty_five_at_most(api):
    post = {"kind": "public_welfare", "title": "村级保洁员", "region_code": factories.VILLAGE_CODE, "headcount": 2}
    created = api.post("/api/v1/openings", json=post)
    assert created.status_code == 201 and created.get_json()["age_max"] == 60
    assert api.post("/api/v1/openings", json=post | {"age_max": 65}).status_code == 201
    response = api.post("/api/v1/openings", json=post | {"age_max": 66})
    assert response.status_code == 422 and "age_max" in _errors(response)


def test_an_enterprise_vacancy_needs_an_employer_and_a_site(api):
    response = api.post("/api/v1/openings", json=_opening(region_code=None))
    assert response.status_code == 422
    assert {"employer_id", "region_code"} <= set(_errors(response))


def test_a_cross_province_site_is_given_by_coordinates(api):
    response = api.post(
        "/api/v1/openings",
        json=_opening(
            employer_id=_employer(api),
            region_code=None,
            site_name="浙江省宁波市",
            latitude=29.87,
            longitude=121.55,
            organised_transfer=True,
        ),
    )
    assert response.status_code == 201
    assert response.get_json()["organised_transfer"] is True


def test_a_past_deadline_is_refused_for_a_new_opening(api):
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    response = api.post("/api/v1/openings", json=_opening(employer_id=_employer(api), deadline=yesterday))
    assert response.status_code == 422 and "deadline" in _errors(response)


def test_openings_filter_by_kind_status_and_region(api):
    employer_id = _employer(api)
    api.post("/api/v1/openings", json=_opening(employer_id=employer_id, title="叉车司机"))
    api.post(
        "/api/v1/openings",
        json={"kind": "public_welfare", "title": "护林员", "region_code": factories.VILLAGE_CODE, "headcount": 1},
    )

    def titles(query: str) -> list[str]:
        return [o["title"] for o in api.get("/api/v1/openings" + query).get_json()["items"]]

    assert titles("?kind=public_welfare") == ["护林员"]
    assert titles(f"?region={factories.VILLAGE_CODE}") == ["护林员"]
    assert titles("?region=361125000000") == ["叉车司机", "护林员"]
    assert titles("?q=叉車") == ["叉车司机"]
    assert titles("?status=closed") == []
    assert api.get("/api/v1/openings?kind=factory").status_code == 422


def test_an_employer_credit_code_is_validated(api):
    response = api.post(
        "/api/v1/employers", json={"name": "某公司", "kind": "enterprise", "credit_code": "91110000000000000A"}
    )
    assert response.status_code == 422
    assert _errors(response)["credit_code"]["code"] == "invalid_credit_code"


def test_a_workshop_is_registered_in_a_village(api):
    response = api.post(
        "/api/v1/workshops",
        json={
            "name": "城东村服装帮扶车间",
            "village_code": factories.VILLAGE_CODE,
            "capacity": 60,
            "wage_mode": "piece",
            "home_piecework": True,
        },
    )
    assert response.status_code == 201
    workshop = response.get_json()
    assert workshop["certification_status"] == "applied"
    assert workshop["village_name"] == "城东村"
    zero = api.post(
        "/api/v1/workshops",
        json={"name": "空车间", "village_code": factories.VILLAGE_CODE, "capacity": 0, "wage_mode": "day"},
    )
    assert zero.status_code == 422 and "capacity" in _errors(zero)
    listed = api.get("/api/v1/workshops?region=361125100000").get_json()
    assert [w["name"] for w in listed["items"]] == ["城东村服装帮扶车间"]
    post = api.post(
        "/api/v1/openings",
        json={
            "kind": "workshop",
            "title": "剪线头",
            "workshop_id": workshop["id"],
            "headcount": 10,
            "region_code": factories.VILLAGE_CODE,
        },
    )
    assert post.status_code == 201

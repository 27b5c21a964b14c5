"""The village radius: 5 km unless the county's bureau sets its own, and a cut post says why."""

from __future__ import annotations

import pytest

from jobmatch.accounts.audit import search
from jobmatch.extensions import db
from jobmatch.people.models import Region
from tests import factories
from tests.matches.test_matches_api import _post

# 城东村 lies at 28.43 N, 117.62 E; 0.009° of latitude is about 1 km.
KM = 0.009


@pytest.fixture
def village_bound(county):
    """A laborer of 城东村 who will only work near the village, and posts 3 km and 7 km north of it."""
    person = factories.laborer(household_code="H-EAST-1", name="东丁", sequence=17, willingness="village")
    near = _post("缝纫工", ["缝纫"], latitude=28.43 + 3 * KM, longitude=117.62)
    far = _post("缝纫工（城北）", ["缝纫"], latitude=28.43 + 7 * KM, longitude=117.62)
    return {"laborer": person, "near": near, "far": far}


def _county_id() -> int:
    return db.session.query(Region).filter_by(code=factories.COUNTY_CODE).one().id


def _found(api, laborer_id: int) -> tuple[list[int], dict | None]:
    body = api.get(f"/api/v1/laborers/{laborer_id}/matches?limit=5").get_json()
    return [item["opening"]["id"] for item in body["items"]], body["shortfall"]


def test_a_village_bound_laborer_is_offered_posts_within_5_km_and_told_why_the_farther_one_is_cut(
    as_role, village_bound
):
    found, shortfall = _found(as_role("cadre"), village_bound["laborer"].id)
    assert village_bound["near"] in found and village_bound["far"] not in found
    radius = next(why for why in shortfall["why"] if why["rule"] == "radius")
    assert radius["excluded"] == 1
    assert radius["zh"] == "超出本村就业半径 5 公里" and radius["en"] == "beyond the 5 km village radius"
    settings = as_role("cadre").get(f"/api/v1/regions/{_county_id()}/match-settings").get_json()
    assert settings["village_radius_km"] == 5 and settings["is_default"] is True


def test_a_county_at_8_km_offers_the_7_km_post_to_its_village_bound_laborers(as_role, village_bound):
    url = f"/api/v1/regions/{_county_id()}/match-settings"
    changed = as_role("bureau").patch(url, json={"village_radius_km": 8})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["village_radius_km"] == 8 and changed.get_json()["is_default"] is False
    found, shortfall = _found(as_role("cadre"), village_bound["laborer"].id)
    assert {village_bound["near"], village_bound["far"]} <= set(found)
    assert shortfall is None or all(why["rule"] != "radius" for why in shortfall["why"])
    assert as_role("cadre").get(url).get_json()["village_radius_km"] == 8
    (event,) = db.session.scalars(search(entity_type="county_match_settings", entity_id=_county_id())).all()
    assert event.changes == {"village_radius_km": [None, 8]}
    # Back to 6 km: the 7 km post is cut again, and the reason names 6 km.
    as_role("admin").patch(url, json={"village_radius_km": 6})
    found, shortfall = _found(as_role("cadre"), village_bound["laborer"].id)
    assert village_bound["far"] not in found
    assert "6 公里" in next(why["zh"] for why in shortfall["why"] if why["rule"] == "radius")


def test_a_laborer_willing_to_work_in_the_county_is_not_held_to_the_village_radius(as_role, village_bound, county):
    found, _ = _found(as_role("cadre"), county["east"][0].id)  # willingness: county
    assert {village_bound["near"], village_bound["far"]} <= set(found)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"village_radius_km": 0}, "village_radius_km"),
        ({"village_radius_km": 0.5}, "village_radius_km"),
        ({"village_radius_km": 31}, "village_radius_km"),
        ({"village_radius_km": -5}, "village_radius_km"),
        ({"village_radius_km": "八"}, "village_radius_km"),
        ({"village_radius_km": True}, "village_radius_km"),
        ({"village_radius_km": None}, "village_radius_km"),
        ({}, "village_radius_km"),
    ],
)
def test_a_bad_radius_is_a_field_error_and_changes_nothing(as_role, county, body, code):
    url = f"/api/v1/regions/{_county_id()}/match-settings"
    refused = as_role("bureau").patch(url, json=body)
    assert refused.status_code == 422
    assert refused.mimetype == "application/problem+json"
    assert refused.get_json()["errors"][0]["field"] == code
    assert as_role("bureau").get(url).get_json()["is_default"] is True


def test_only_the_countys_bureau_or_an_admin_sets_it_and_only_on_a_county(as_role, county, regions):
    url = f"/api/v1/regions/{_county_id()}/match-settings"
    assert as_role("cadre").patch(url, json={"village_radius_km": 8}).status_code == 403
    assert as_role("manager").patch(url, json={"village_radius_km": 8}).status_code == 403
    township = db.session.query(Region).filter_by(code=factories.TOWNSHIP_CODE).one()
    refused = as_role("bureau").patch(f"/api/v1/regions/{township.id}/match-settings", json={"village_radius_km": 8})
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["field"] == "region_id"
    other = Region(code="361126000000", name="弋阳县", level="county", latitude=28.4, longitude=117.4)
    db.session.add(other)
    db.session.commit()
    assert (
        as_role("bureau").patch(f"/api/v1/regions/{other.id}/match-settings", json={"village_radius_km": 8}).status_code
        == 404
    )
    assert (
        as_role("admin").patch(f"/api/v1/regions/{other.id}/match-settings", json={"village_radius_km": 8}).status_code
        == 200
    )
    assert as_role("bureau").get(url).get_json()["is_default"] is True

"""Lists that help: near-duplicate posts are one entry, posts held or referred to are marked, not offered again."""

from __future__ import annotations

from datetime import date

from jobmatch.extensions import db
from jobmatch.placements.models import Employment
from jobmatch.placements.service import create_referral
from jobmatch.posts.models import Employer, Opening
from jobmatch.posts.service import save_opening
from jobmatch.vocab import EmploymentKind
from tests import factories
from tests.matches.test_matches_api import _post

KM = 0.009  # about 1 km of latitude


def _items(api, laborer_id: int, **query) -> dict:
    params = "&".join(f"{k}={v}" for k, v in ({"limit": 10} | query).items())
    body = api.get(f"/api/v1/laborers/{laborer_id}/matches?{params}")
    assert body.status_code == 200, body.get_json()
    return body.get_json()


def _post_elsewhere(title: str, **kw) -> int:
    """A post like `_post` makes, of another employer."""
    employer = Employer(name="县城电子厂", kind="enterprise")
    db.session.add(employer)
    db.session.commit()
    data = {
        "kind": "enterprise",
        "title": title,
        "region_code": factories.TOWNSHIP_CODE,
        "county_code": factories.COUNTY_CODE,
        "headcount": 3,
        "required_skills": ["缝纫"],
        "wage_min": 3000,
        "wage_max": 4000,
    }
    return save_opening(data | kw | {"employer_id": employer.id}).id


def test_identical_posts_of_one_employer_nearby_are_one_entry_with_a_count(as_role, county):
    same = [_post("缝纫工", ["缝纫"], latitude=28.43 + d * KM, longitude=117.62) for d in (0.5, 1.0, 1.5)]
    far = _post("缝纫工", ["缝纫"], latitude=28.43 + 9 * KM, longitude=117.62)  # same employer, 8 km from the rest
    other_title = _post("锁边工", ["缝纫"], latitude=28.43 + 0.5 * KM, longitude=117.62)
    other_employer = _post_elsewhere("缝纫工", latitude=28.43 + KM, longitude=117.62)
    body = _items(as_role("cadre"), county["east"][0].id)
    ids = [item["opening"]["id"] for item in body["items"]]
    entry = next(item for item in body["items"] if item["opening"]["id"] in same)
    assert sum(i in same for i in ids) == 1
    assert entry["similar_posts"] == 2
    assert sorted([entry["opening"]["id"], *entry["similar_opening_ids"]]) == sorted(same)
    assert {far, other_title, other_employer} <= set(ids)
    for item in body["items"]:
        if item is not entry:
            assert item["similar_posts"] == 0 and item["similar_opening_ids"] == []


def test_a_post_the_laborer_is_referred_to_or_holds_is_marked_and_not_offered_again(as_role, county):
    laborer = county["east"][0]
    referred = _post("缝纫工", ["缝纫"])
    held = _post_elsewhere("包装工")
    fresh = _post("整烫工", ["缝纫"])
    cadre = as_role("cadre")
    before = [item["opening"]["id"] for item in _items(cadre, laborer.id)["items"]]
    assert {referred, held, fresh} <= set(before)
    create_referral({"laborer_id": laborer.id, "opening_id": referred})
    opening = db.session.get(Opening, held)
    db.session.add(
        Employment(
            laborer_id=laborer.id,
            kind=EmploymentKind.local_enterprise,
            opening_id=held,
            employer_id=opening.employer_id,
            start_date=date(2026, 3, 1),
        )
    )
    db.session.commit()
    body = _items(cadre, laborer.id)
    assert [item["opening"]["id"] for item in body["items"]] == [fresh]
    marks = {entry["opening"]["id"]: entry["mark"] for entry in body["marked"]}
    assert marks == {referred: "referred", held: "held"}
    assert all(entry["zh"] and entry["en"] for entry in body["marked"])
    # A kind filter shows only the marks of that kind.
    assert _items(cadre, laborer.id, kind="public_welfare")["marked"] == []


def test_a_laborer_referred_to_a_post_is_marked_in_the_posts_matches_not_offered_again(as_role, county):
    opening = _post("缝纫工", ["缝纫"])
    east_a, east_b = county["east"]
    bureau = as_role("bureau")
    before = bureau.get(f"/api/v1/openings/{opening}/matches").get_json()
    assert {east_a.id, east_b.id} <= {item["laborer"]["id"] for item in before["items"]}
    assert before["marked"] == []
    create_referral({"laborer_id": east_a.id, "opening_id": opening})
    after = bureau.get(f"/api/v1/openings/{opening}/matches").get_json()
    assert east_a.id not in {item["laborer"]["id"] for item in after["items"]}
    assert east_b.id in {item["laborer"]["id"] for item in after["items"]}
    assert [(m["laborer"]["id"], m["mark"]) for m in after["marked"]] == [(east_a.id, "referred")]

"""The laborers list is built from rows, not schema objects: it must say exactly what the schema says."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from jobmatch.extensions import db
from jobmatch.people.api import LaborerOut
from jobmatch.people.models import Laborer
from jobmatch.posts.api import OpeningOut
from jobmatch.posts.models import Opening
from tests import factories
from tests.accounts.conftest import as_role, county  # noqa: F401  (fixtures for these tests)
from tests.placements.conftest import _quick_password_hashes, make_opening  # noqa: F401


def test_the_laborers_list_answers_what_the_schema_makes_of_each_laborer(as_role, county):  # noqa: F811
    # One with a phone and a health note, one whose ID number comes from another county (a notice).
    factories.laborer(household_code="H-EAST-1", name="东丙", sequence=31, phone="13800001111", health_note="腰伤")
    outside = factories.id_number(factories.years_ago(40), 33, area="110101")
    factories.laborer(household_code="H-EAST-1", name="东丁", id_number=outside)
    body = as_role("cadre").get(f"/api/v1/laborers?region={factories.VILLAGE_CODE}&per_page=50").get_json()

    ids = [item["id"] for item in body["items"]]
    laborers = db.session.scalars(sa.select(Laborer).where(Laborer.id.in_(ids)).order_by(Laborer.id)).all()
    assert body["items"] == LaborerOut(many=True).dump(laborers)
    assert any(item["notices"] for item in body["items"])
    assert any(item["has_health_note"] for item in body["items"])
    assert body["pagination"]["total"] == len(ids) == 4


def test_the_search_answers_the_same_as_the_list(as_role, county):  # noqa: F811
    cadre = as_role("cadre")
    listed = cadre.get("/api/v1/laborers?q=东甲").get_json()
    found = cadre.post("/api/v1/laborers/search", json={"q": "东甲"}).get_json()
    assert found == listed
    assert [i["name"] for i in found["items"]] == ["东甲"]


def test_the_openings_list_and_one_opening_answer_what_the_schema_makes_of_them(as_role, county):  # noqa: F811
    made = [make_opening(), make_opening(kind="public_welfare", deadline=date(2030, 1, 31), required_skills=["缝纫"])]
    bureau = as_role("bureau")
    body = bureau.get(f"/api/v1/openings?region={factories.COUNTY_CODE}&per_page=50").get_json()

    openings = db.session.scalars(sa.select(Opening).order_by(Opening.id)).all()
    assert body["items"] == OpeningOut(many=True).dump(openings)
    assert len(body["items"]) == len(made)
    for opening in openings:
        assert bureau.get(f"/api/v1/openings/{opening.id}").get_json() == OpeningOut().dump(opening)
    assert bureau.get("/api/v1/openings/999999").status_code == 404

"""Fields that decide who sees a record: only an admin changes them, nobody creates outside their scope,
and a change is seen by every worker at once."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from jobmatch.accounts import tokens
from jobmatch.accounts.scope import SCOPE_FIELDS
from jobmatch.extensions import db
from jobmatch.people.models import Household, Laborer, Region
from jobmatch.posts.models import Employer, Opening
from tests import factories
from tests.accounts.conftest import PASSWORD
from tests.accounts.scope_world import B_COUNTY, B_TOWNSHIP, B_VILLAGE, body_text, traces_of_b
from tests.accounts.scope_world import two_counties as two_counties  # noqa: F401  (fixture)
from tests.conftest import ApiClient
from workshops.models import Workshop

# Each model's PATCH route, and the record of county A it is tried on.
PATCH_ROUTES = {
    Region: ("/api/v1/regions/{}", "county"),
    Household: ("/api/v1/households/{}", "household"),
    Laborer: ("/api/v1/laborers/{}", "laborer"),
    Employer: ("/api/v1/employers/{}", "employer"),
    Opening: ("/api/v1/openings/{}", "opening"),
    Workshop: ("/api/v1/workshops/{}", "workshop"),
}
# Routes that change no scope-defining field, or are for admins only (tested below).
# Routes that change no scope field: users (admin only) and a county's match settings (its radius; the
# county must lie in the caller's scope, tests/matches/test_radius.py).
OTHER_PATCH_ROUTES = {"/api/v1/users/<int:user_id>", "/api/v1/regions/<int:region_id>/match-settings"}


def _changes(a: dict, b: dict) -> list[tuple[type, str, object, str]]:
    """(model, input field, new value, what the value is): a value inside the caller's county and one outside."""
    return [
        (Region, "code", "361126999999", "another county's code"),
        (Region, "code", "361125000009", "a code of the same county"),
        (Region, "level", "township", "a county made a township"),
        (Region, "parent_code", B_COUNTY, "a county under another county"),
        (Household, "village_code", factories.OTHER_VILLAGE_CODE, "another village of the county"),
        (Household, "village_code", B_VILLAGE, "a village of another county"),
        (Laborer, "household_code", "HEAST2", "another household of the village"),
        (Laborer, "household_code", "YYH0001", "a household of another county"),
        (Employer, "county_code", B_COUNTY, "another county"),
        (Opening, "county_code", B_COUNTY, "another county"),
        (Workshop, "village_code", factories.VILLAGE_CODE, "another village of the county"),
        (Workshop, "village_code", B_VILLAGE, "a village of another county"),
    ]


def _state(model: type, ident: int) -> dict:
    db.session.expire_all()
    row = db.session.get(model, ident)
    return {column: getattr(row, column) for column in SCOPE_FIELDS[model]}


@pytest.fixture
def world(two_counties, county):  # noqa: F811
    a = two_counties["a"]
    factories.household(code="HEAST2")
    a["household"] = db.session.scalars(sa.select(Household).where(Household.code == "HEAST1")).one()
    a["county"] = county["county"]
    return two_counties


def _api(county: dict, role: str, client) -> ApiClient:
    return ApiClient(client, tokens.issue_token(county["users"][role], "fields-test"))


def test_every_scope_field_has_a_patch_route_and_every_patch_route_is_known(app):
    assert set(PATCH_ROUTES) == set(SCOPE_FIELDS)
    patch_rules = {r.rule for r in app.url_map.iter_rules() if "PATCH" in r.methods}
    known = {
        route.format("<int:{}_id>".format(m.__tablename__.removesuffix("s"))) for m, (route, _) in PATCH_ROUTES.items()
    }
    assert patch_rules <= known | OTHER_PATCH_ROUTES, patch_rules - known - OTHER_PATCH_ROUTES
    for model, _, _, _ in _changes({}, {}):
        assert model in SCOPE_FIELDS


@pytest.mark.parametrize("role", ["bureau", "cadre"])
def test_a_non_admin_cannot_change_a_field_that_decides_scope(client, county, world, role):
    """403 problem+json naming the field, and nothing changes — whether the value points inside the
    county or out of it; a record outside the caller's scope stays 404."""
    api = _api(county, role, client)
    for model, field, value, what in _changes(world["a"], world["b"]):
        route, key = PATCH_ROUTES[model]
        record = world["a"][key]
        before = _state(model, record.id)
        response = api.patch(route.format(record.id), json={field: value})
        assert response.status_code in (403, 404), (role, model.__name__, field, what, response.get_json())
        assert response.mimetype == "application/problem+json"
        if response.status_code == 403 and response.get_json().get("errors"):
            errors = {e["field"]: e for e in response.get_json()["errors"]}
            assert field in errors or (model, field) in {(Employer, "county_code"), (Opening, "county_code")}, errors
            error = next(iter(errors.values()))
            assert error["zh"] and error["en"]
        assert _state(model, record.id) == before, (role, model.__name__, field, what)


def test_the_same_value_sent_again_is_no_change(client, county, world):
    """A form that sends every field back unchanged still saves (the officer edits other fields)."""
    bureau = _api(county, "bureau", client)
    a = world["a"]
    household = bureau.patch(
        f"/api/v1/households/{a['household'].id}", json={"village_code": factories.VILLAGE_CODE, "head_name": "东户主"}
    )
    assert household.status_code == 200, household.get_json()
    region = bureau.patch(f"/api/v1/regions/{a['county'].id}", json={"code": factories.COUNTY_CODE, "name": "横峰县城"})
    assert region.status_code == 200, region.get_json()
    assert region.get_json()["name"] == "横峰县城"


def test_an_admin_may_change_fields_that_decide_scope(client, county, world, admin_api):
    a = world["a"]
    response = admin_api.patch(
        f"/api/v1/households/{a['household'].id}", json={"village_code": factories.OTHER_VILLAGE_CODE}
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["village_code"] == factories.OTHER_VILLAGE_CODE


def test_a_bureau_officer_cannot_take_over_another_county_through_their_own(client, county, world):
    """The penetration test: renaming one's own county into another's code, then reading its laborers."""
    bureau = _api(county, "bureau", client)
    response = bureau.patch(f"/api/v1/regions/{world['a']['county'].id}", json={"code": "361126999999"})
    assert response.status_code == 403
    assert response.get_json()["errors"][0]["field"] == "code"
    assert db.session.get(Region, world["a"]["county"].id).code == factories.COUNTY_CODE
    laborer = world["b"]["laborer"]
    assert bureau.get(f"/api/v1/laborers/{laborer.id}").status_code == 404
    assert bureau.post(f"/api/v1/laborers/{laborer.id}/reveal").status_code == 404
    assert not traces_of_b(body_text(bureau.get("/api/v1/laborers")))


def _count(model: type) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def test_nobody_but_an_admin_creates_a_record_outside_their_scope(client, county, world):
    """Every create route, with the fields pointing at county B (or at a new county): refused with a
    problem naming the field, and nothing created."""
    b = world["b"]
    attempts = [
        ("bureau", Region, "/api/v1/regions", {"code": "361127000000", "name": "新县", "level": "county"}, "level"),
        ("bureau", Region, "/api/v1/regions", {"code": "361125000009", "name": "另一个县", "level": "county"}, "level"),
        (
            "bureau",
            Region,
            "/api/v1/regions",
            {"code": "361126109000", "name": "弋阳新镇", "level": "township", "parent_code": B_COUNTY},
            "parent_code",
        ),
        (
            "bureau",
            Region,
            "/api/v1/regions",
            {"code": "361126100209", "name": "弋阳新村", "level": "village", "parent_code": B_TOWNSHIP},
            "parent_code",
        ),
        (
            "bureau",
            Household,
            "/api/v1/households",
            {"code": "X1", "village_code": B_VILLAGE, "category": "other"},
            "village_code",
        ),
        (
            "cadre",
            Household,
            "/api/v1/households",
            {"code": "X2", "village_code": B_VILLAGE, "category": "other"},
            "village_code",
        ),
        (
            "cadre",
            Household,
            "/api/v1/households",
            {"code": "X3", "village_code": factories.OTHER_VILLAGE_CODE, "category": "other"},
            "village_code",
        ),
        (
            "bureau",
            Laborer,
            "/api/v1/laborers",
            factories.laborer_data(household_code="YYH0001", sequence=91),
            "household_code",
        ),
        (
            "cadre",
            Laborer,
            "/api/v1/laborers",
            factories.laborer_data(household_code="YYH0001", sequence=93),
            "household_code",
        ),
        (
            "bureau",
            Employer,
            "/api/v1/employers",
            {"name": "某厂", "kind": "enterprise", "county_code": B_COUNTY},
            "county_code",
        ),
        (
            "bureau",
            Employer,
            "/api/v1/employers",
            {"name": "某厂", "kind": "enterprise", "region_code": B_VILLAGE},
            "region_code",
        ),
        (
            "bureau",
            Opening,
            "/api/v1/openings",
            {
                "kind": "public_welfare",
                "title": "保洁",
                "headcount": 1,
                "county_code": B_COUNTY,
                "latitude": 28.4,
                "longitude": 117.6,
            },
            "county_code",
        ),
        (
            "bureau",
            Opening,
            "/api/v1/openings",
            {"kind": "public_welfare", "title": "保洁", "headcount": 1, "region_code": B_VILLAGE},
            "region_code",
        ),
        (
            "bureau",
            Opening,
            "/api/v1/openings",
            {
                "kind": "enterprise",
                "title": "普工",
                "headcount": 1,
                "employer_id": b["employer"].id,
                "latitude": 28.4,
                "longitude": 117.6,
            },
            "employer_id",
        ),
        (
            "bureau",
            Workshop,
            "/api/v1/workshops",
            {"name": "某车间", "village_code": B_VILLAGE, "capacity": 5, "wage_mode": "piece"},
            "village_code",
        ),
    ]
    for role, model, url, data, field in attempts:
        before = _count(model)
        response = _api(county, role, client).post(url, json=data)
        assert 400 <= response.status_code < 500, (role, url, data, response.get_json())
        assert response.mimetype == "application/problem+json"
        fields = [e["field"] for e in response.get_json().get("errors", [])]
        assert field in fields, (role, url, data, fields)
        assert _count(model) == before, (role, url, data)


def test_users_roles_and_scopes_are_for_admins_only(client, county, world):
    target = county["users"]["cadre"]
    for role in ("bureau", "cadre", "manager"):
        api = _api(county, role, client)
        for change in (
            {"role": "bureau"},
            {"region_codes": [B_VILLAGE]},
            {"workshop_ids": [world["b"]["workshop"].id]},
        ):
            response = api.patch(f"/api/v1/users/{target.id}", json=change)
            assert response.status_code == 403, (role, change)
        assert api.post("/api/v1/users", json={"name": "x", "role": "admin", "password": PASSWORD}).status_code == 403
    db.session.expire_all()
    assert [r.code for r in db.session.get(type(target), target.id).regions] == [factories.VILLAGE_CODE]


def test_pages_refuse_scope_changes_as_the_api_does(county, world, make_app):
    """The cadre's laborer form and the bureau's opening form go through the same rule."""
    cadre = make_app(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False).test_client()
    assert cadre.post("/login", data={"name": "cadre", "password": PASSWORD}).status_code == 302
    laborer = world["a"]["laborer"]
    page = cadre.get(f"/laborers/{laborer.id}/edit")
    assert page.status_code == 200
    before = _state(Laborer, laborer.id)
    form = {
        "name": laborer.name,
        "household_code": "HEAST2",
        "labor_capacity": "normal",
        "willingness": "province",
    }
    response = cadre.post(f"/laborers/{laborer.id}/edit", data=form)
    assert response.status_code in (403, 422), response.status_code
    assert _state(Laborer, laborer.id) == before


def test_a_scope_change_is_seen_by_every_worker_at_once(client, county, world, make_app, admin_api):
    """A village moved to another county: the cadre's other worker sees the new county's posts on its
    very next request, not after a cache expires."""
    other_worker = make_app().test_client()
    cadre = ApiClient(other_worker, tokens.issue_token(county["users"]["cadre"], "worker-2"))
    titles = {o["title"] for o in cadre.get("/api/v1/openings").get_json()["items"]}
    assert "横峰缝纫工" in titles and "弋阳缝纫工" not in titles
    village = county["village"]
    moved = admin_api.patch(f"/api/v1/regions/{village.id}", json={"code": "361126100299", "parent_code": B_TOWNSHIP})
    assert moved.status_code == 200, moved.get_json()
    titles = {o["title"] for o in cadre.get("/api/v1/openings").get_json()["items"]}
    assert "弋阳缝纫工" in titles and "横峰缝纫工" not in titles

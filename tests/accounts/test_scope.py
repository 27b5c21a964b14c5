"""Each role sees its own part of the county; everything else answers 404."""

from __future__ import annotations

from tests import factories


def _names(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    return sorted(item["name"] for item in response.get_json()["items"])


def test_a_cadre_sees_only_the_laborers_of_their_villages(as_role, county):
    cadre = as_role("cadre")
    assert _names(cadre, "/api/v1/laborers") == ["东乙", "东甲"]
    assert _names(cadre, "/api/v1/laborers?region=361125000000") == ["东乙", "东甲"]


def test_a_laborer_outside_the_cadres_villages_is_not_found(as_role, county):
    cadre = as_role("cadre")
    west = county["west"]
    for response in (
        cadre.get(f"/api/v1/laborers/{west.id}"),
        cadre.patch(f"/api/v1/laborers/{west.id}", json={"willingness": "none"}),
        cadre.post(f"/api/v1/laborers/{west.id}/reveal"),
    ):
        assert response.status_code == 404
    assert cadre.get(f"/api/v1/laborers/{county['east'][0].id}").status_code == 200


def test_a_cadre_cannot_register_a_laborer_in_another_village(as_role, county):
    response = as_role("cadre").post(
        "/api/v1/laborers", json=factories.laborer_data(household_code="H-WEST-1", sequence=41)
    )
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "household_code"


def test_a_wrong_role_is_forbidden_not_hidden(as_role, county):
    response = as_role("cadre").post(
        "/api/v1/openings", json={"kind": "public_welfare", "title": "保洁", "headcount": 1}
    )
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"


def test_a_manager_sees_only_the_workers_of_their_workshop(as_role, county):
    manager = as_role("manager")
    assert _names(manager, "/api/v1/laborers") == ["西丙"]
    assert manager.get(f"/api/v1/laborers/{county['east'][0].id}").status_code == 404
    workshops = manager.get("/api/v1/workshops").get_json()["items"]
    assert [w["name"] for w in workshops] == ["城西服装车间"]


def test_the_bureau_sees_the_whole_county_and_nothing_beyond(as_role, county, admin_api):
    bureau = as_role("bureau")
    assert _names(bureau, "/api/v1/laborers") == ["东乙", "东甲", "西丙"]
    other_county = admin_api.post(
        "/api/v1/regions", json={"code": "361123000000", "name": "玉山县", "level": "county"}
    ).get_json()
    assert bureau.get(f"/api/v1/regions/{other_county['id']}").status_code == 404
    assert admin_api.get(f"/api/v1/regions/{other_county['id']}").status_code == 200


def test_a_bureau_opening_belongs_to_its_county_even_far_away(as_role, county):
    bureau = as_role("bureau")
    employer = bureau.post("/api/v1/employers", json={"name": "宁波某电子厂", "kind": "enterprise"}).get_json()
    opening = bureau.post(
        "/api/v1/openings",
        json={
            "kind": "enterprise",
            "title": "普工",
            "employer_id": employer["id"],
            "headcount": 20,
            "site_name": "浙江省宁波市",
            "latitude": 29.87,
            "longitude": 121.55,
            "organised_transfer": True,
        },
    )
    assert opening.status_code == 201
    assert opening.get_json()["county_id"] == county["county"].id
    # cadres of the county see it, to refer their laborers
    assert as_role("cadre").get(f"/api/v1/openings/{opening.get_json()['id']}").status_code == 200


def test_every_list_keeps_to_the_callers_scope(as_role, county):
    """A cadre and a manager list only what is theirs, on every resource list."""
    cadre, manager = as_role("cadre"), as_role("manager")
    assert [h["code"] for h in cadre.get("/api/v1/households").get_json()["items"]] == ["HEAST1"]
    assert [h["code"] for h in manager.get("/api/v1/households").get_json()["items"]] == ["HWEST1"]
    assert [r["code"] for r in manager.get("/api/v1/regions").get_json()["items"]] == [county["other"].code]
    for url in ("/api/v1/regions", "/api/v1/households", "/api/v1/laborers"):
        assert as_role("bureau").get(url).get_json()["pagination"]["total"] >= len(cadre.get(url).get_json()["items"])

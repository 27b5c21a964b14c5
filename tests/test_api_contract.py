"""The API as a whole: its OpenAPI document, and a token on every call."""

from __future__ import annotations

import re

from openapi_spec_validator import validate


def test_the_openapi_document_is_valid_and_lists_the_resources(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    validate(spec)
    for path in (
        "/api/v1/laborers",
        "/api/v1/households",
        "/api/v1/regions",
        "/api/v1/employers",
        "/api/v1/workshops",
        "/api/v1/openings",
        "/api/v1/laborers/{laborer_id}",
    ):
        assert path in spec["paths"], path
    assert spec["components"]["securitySchemes"]


def test_the_docs_page_loads_its_assets_from_our_own_static_files(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets and all(a.startswith("/static/") for a in assets), assets
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200
        response.close()


def test_every_api_route_needs_a_token(app, client):
    open_routes = {"/api/v1/openapi.json", "/api/v1/docs"}
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1") or rule.rule in open_routes:
            continue
        url = re.sub(r"<(?:int:)?\w+>", "1", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(url, method=method, json={})
            assert response.status_code == 401, (method, rule.rule)
            checked += 1
    assert checked >= 24


def test_starting_a_background_job_is_documented_as_202_with_the_jobs_location(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/ranker/train", "/api/v1/rosters/{kind}/export", "/api/v1/rosters/{kind}/import"):
        started = spec["paths"][path]["post"]["responses"]["202"]
        assert "Location" in started["headers"], path
    job = spec["paths"]["/api/v1/jobs/{job_id}"]["get"]["responses"]["200"]["content"]["application/json"]
    assert {"state", "percent", "message", "error", "result", "files"} <= set(
        spec["components"]["schemas"][job["schema"]["$ref"].rsplit("/", 1)[1]]["properties"]
    )

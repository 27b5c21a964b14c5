"""Every read path keeps to the same scope: lists, details, exports, matches, counts and pages.

The routes are taken from the app's URL map, so a route added later is walked too (or the test says
which URL parameter it does not know how to fill). For each role of county A (its bureau officer, a
cadre of one of its villages, the manager of one of its workshops) every GET route is called with
county B's records in the path and in the filters, and with county A's own records; nothing of
county B may appear, and every number must be what it was before county B existed.
"""

from __future__ import annotations

import json
import re

import pytest
from werkzeug.routing import Rule

from jobmatch.accounts import tokens
from jobmatch.people.models import Household
from tests.accounts.conftest import PASSWORD
from tests.accounts.scope_world import (
    B_COUNTY,
    body_text,
    build_county_a_extras,
    build_county_b,
    traces_of_b,
    two_counties,  # noqa: F401  (fixture)
)
from tests.conftest import ApiClient

ROLES = ("bureau", "cadre", "manager")
# Not data: the API description, static files, health and metrics, logging in, the language switch.
SKIPPED_ENDPOINTS = {
    "static",
    "openapi.docs",
    "openapi.spec",
    "ops.healthz",
    "ops.readyz",
    "ops.prometheus_metrics",
    "accounts.login",
    "i18n.switch",
}
# The record of a county that fills each URL parameter.
ID_PARAMETERS = {
    "laborer_id": "laborer",
    "opening_id": "opening",
    "workshop_id": "workshop",
    "household_id": "household",
    "region_id": "village",
    "employer_id": "employer",
    "referral_id": "referral",
    "employment_id": "employment",
    "alert_id": "alert",
    "user_id": "user",
    "token_id": "token",
    "job_id": "job",
}
ROSTER_KINDS = ("laborers", "households", "employers", "openings", "referrals", "employments")


def _get_rules(app) -> list[Rule]:
    rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods and r.endpoint not in SKIPPED_ENDPOINTS]
    return sorted(rules, key=lambda r: r.rule)


def _record_ids(world: dict, users: dict) -> dict:
    ids = {key: getattr(world.get(name), "id", None) for key, name in ID_PARAMETERS.items()}
    ids["user_id"] = users["admin"].id
    ids["token_id"] = 1
    # A job's file by its name: an export (a roster export job's file).
    ids["name"] = "export"
    return ids


def _urls(rule: Rule, ids: dict) -> list[str]:
    """The rule's URL with every parameter filled from `ids` (and each roster kind)."""
    values: dict = {}
    for name in rule.arguments:
        if name == "kind":
            continue
        assert name in ids, f"{rule.rule}: add {name} to ID_PARAMETERS"
        if ids[name] is None:
            return []
        values[name] = ids[name]
    path = rule.rule
    for name, value in values.items():
        path = re.sub(rf"<(?:\w+:)?{name}>", str(value), path)
    if "kind" in rule.arguments:
        return [path.replace("<kind>", kind) + "?format=csv" for kind in ROSTER_KINDS] + [
            path.replace("<kind>", kind) + "?format=xlsx" for kind in ("laborers", "referrals")
        ]
    return [path]


def _filters(b: dict) -> list[dict]:
    """Query strings that name county B's records, one filter at a time."""
    return [
        {},
        {"region": B_COUNTY},
        {"region": b["village"].code},
        {"laborer_id": b["laborer"].id},
        {"opening_id": b["opening"].id},
        {"workshop_id": b["workshop"].id},
        {"employer_id": b["employer"].id},
        {"household_code": b["household"].code},
        {"code": b["code"]},
    ]


def _clients(county: dict, make_app, client, roles=ROLES) -> dict:
    """Per role: an API client with a token and a page client with a login session."""
    out = {}
    for role in roles:
        page = make_app(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False).test_client()
        assert page.post("/login", data={"name": role, "password": PASSWORD}).status_code == 302
        out[role] = {"api": ApiClient(client, tokens.issue_token(county["users"][role], "scope-test")), "page": page}
    return out


def _call(clients: dict, role: str, url: str, query: dict | None = None):
    which = "api" if url.startswith("/api/") else "page"
    path, _, fmt = url.partition("?format=")
    return clients[role][which].get(path, query_string=(query or {}) | ({"format": fmt} if fmt else {}))


def _readable(response, query: dict) -> str:
    """The answer's text without the echo of the caller's own filter values (a search box shows them)."""
    text = body_text(response)
    for value in query.values():
        text = text.replace(str(value), "")
    return text


@pytest.fixture
def world(two_counties, county):  # noqa: F811
    two_counties["a"]["household"] = Household.query.filter_by(code="HEAST1").one()
    two_counties["a"]["village"] = county["village"]
    return two_counties


@pytest.mark.parametrize("role", ROLES)
def test_no_get_route_shows_anything_of_another_county(app, client, make_app, county, world, role):
    """Every GET route, every role of county A: B's records in the path answer 403 or 404, B's records
    as filters find nothing, and A's records never bring B's along (matches, check-in, exports)."""
    clients = _clients(county, make_app, client, roles=(role,))
    b_ids, a_ids = _record_ids(world["b"], county["users"]), _record_ids(world["a"], county["users"])
    leaks, wrong_status, walked = [], [], 0
    for rule in _get_rules(app):
        if rule.arguments - {"kind"}:
            for url in _urls(rule, b_ids):
                response = _call(clients, role, url)
                walked += 1
                if response.status_code not in (403, 404):
                    wrong_status.append((role, url, response.status_code))
                if traces_of_b(body_text(response)):
                    leaks.append((role, url, traces_of_b(body_text(response))))
            urls = _urls(rule, a_ids)
            queries = [{}, {"code": world["b"]["code"]}]
        else:
            urls = _urls(rule, {})
            queries = _filters(world["b"])
        for url in urls:
            for query in queries:
                response = _call(clients, role, url, query)
                walked += 1
                assert response.status_code < 500, (role, url, query, response.get_data(as_text=True)[:500])
                found = traces_of_b(_readable(response, query))
                if found:
                    leaks.append((role, url, query, found))
    assert walked > 100
    assert not leaks, "\n".join(map(str, leaks))
    assert not wrong_status, "\n".join(map(str, wrong_status))


def _numbers(text: str) -> str:
    """A page or answer reduced to what changes with other counties' data: stripped of the CSRF token."""
    return re.sub(r'(csrf[-_]token"? (?:content|value)=")[^"]*', r"\1", text)


def _snapshot(app, clients: dict, a_ids: dict) -> dict:
    seen = {}
    for rule in _get_rules(app):
        for url in _urls(rule, a_ids if rule.arguments - {"kind"} else {}):
            for role in clients:
                response = _call(clients, role, url)
                text = body_text(response)
                if response.mimetype == "application/json":
                    text = json.dumps(response.get_json(), sort_keys=True, ensure_ascii=False)
                seen[(role, url)] = (response.status_code, _numbers(text))
    return seen


@pytest.mark.parametrize("role", ROLES)
def test_another_countys_records_change_no_answer_and_no_count(app, client, make_app, county, role):
    """The same GET routes answer exactly the same before and after county B is filled with records:
    totals, candidates, indicators and exports count county A only."""
    a = county | build_county_a_extras(county)
    a["household"] = Household.query.filter_by(code="HEAST1").one()
    clients = _clients(county, make_app, client, roles=(role,))
    a_ids = _record_ids(a, county["users"])
    before = _snapshot(app, clients, a_ids)
    build_county_b(county)
    after = _snapshot(app, clients, a_ids)
    changed = [key for key in before if before[key] != after[key]]
    assert not changed, "\n".join(f"{key}: {before[key][1][:300]} → {after[key][1][:300]}" for key in changed)


LIST_OF_EXPORT = {
    "laborers": "/api/v1/laborers",
    "households": "/api/v1/households",
    "employers": "/api/v1/employers",
    "openings": "/api/v1/openings",
    "referrals": "/api/v1/referrals",
    "employments": "/api/v1/employments",
}


def test_every_export_answers_as_its_list_does(client, make_app, county, world):
    """For every role and roster: refused where the list is refused, and as many rows as the list has."""
    clients = _clients(county, make_app, client)
    for role in ROLES:
        api = clients[role]["api"]
        for kind, list_url in LIST_OF_EXPORT.items():
            listed = api.get(list_url, query_string={"per_page": 100})
            exported = api.get(f"/api/v1/rosters/{kind}/export", query_string={"format": "csv"})
            if listed.status_code == 403:
                assert exported.status_code == 403, (role, kind)
                assert exported.mimetype == "application/problem+json"
                continue
            assert listed.status_code == exported.status_code == 200, (role, kind, exported.status_code)
            rows = body_text(exported).strip().splitlines()[1:]
            assert len(rows) == listed.get_json()["pagination"]["total"], (role, kind, rows)
            assert not traces_of_b("\n".join(rows)), (role, kind)


@pytest.mark.parametrize("a_posts_open", [True, False])
def test_a_batch_assignment_proposes_only_posts_in_scope(client, make_app, county, world, admin_api, a_posts_open):
    """The batch proposal (a POST that only reads) keeps to the caller's posts and laborers, also when
    the only open posts near their laborers are another county's."""
    if not a_posts_open:
        for key in ("opening", "workshop_opening"):
            closed = admin_api.patch(f"/api/v1/openings/{world['a'][key].id}", json={"status": "closed"})
            assert closed.status_code == 200, closed.get_json()
    clients = _clients(county, make_app, client)
    for role in ("bureau", "cadre"):
        for region in (county["county"].code, county["township"].code, B_COUNTY):
            response = clients[role]["api"].post("/api/v1/assignments", json={"region": region})
            assert response.status_code in (200, 404), (role, region, response.get_json())
            text = body_text(response).replace(region, "")
            assert not traces_of_b(text), (role, region, text[:500])
            if response.status_code == 200 and region != B_COUNTY:
                titles = {item["opening_title"] for item in response.get_json()["items"]}
                assert titles <= {"横峰缝纫工", "城西车间缝纫工"}, titles

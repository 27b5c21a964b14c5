"""Hostile input on every write and list route: a 4xx problem+json naming the field, and nothing changed.

The routes come from the app's URL map, so a route added later is covered without editing this file.
Runs on SQLite and on PostgreSQL (TEST_DATABASE_URL), where NUL bytes, over-long strings and
integers beyond the column's range used to reach the database and come back as 500s.
"""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
import sqlalchemy as sa

from jobmatch.accounts import tokens
from jobmatch.extensions import db
from jobmatch.placements.models import Employment
from jobmatch.posts import service as posts
from jobmatch.vocab import EmploymentKind, Role
from tests import factories
from tests.conftest import token_for
from workshops.service import save_workshop

PROBLEM = "application/problem+json"
API = "/api/v1"

# Strings no field accepts, by what is wrong with them.
BAD_STRINGS = {
    "nul": "王\x00秀英",
    "lone_surrogate": "王\ud800秀英",
    "lone_low_surrogate": "\udfff",
}
# Numbers no field accepts.
HUGE_INTEGER = 2**70
# Dates and months outside any period the service knows (year 0, year 10000, the last day of the calendar).
BAD_DAYS = ["0000-01-01", "0001-01-01", "9999-12-31", "10000-01-01"]
BAD_MONTHS = ["0000-01", "0001-01", "9999-12", "10000-01"]
# Routes whose answer is not about the input.
NOT_INPUT_ROUTES = {"/api/v1/openapi.json", "/api/v1/docs", "/api/v1/ranker/train"}


@pytest.fixture
def world(app, regions) -> dict:
    """One of each resource the routes' path parameters point at."""
    factories.household(code="H-BAD-1")
    laborer = factories.laborer(household_code="H-BAD-1", sequence=21)
    worker = factories.laborer(household_code="H-BAD-1", sequence=23, name="李四")
    employer = posts.save_employer({"name": "横峰服装厂", "kind": "enterprise", "region_code": factories.COUNTY_CODE})
    opening = posts.save_opening(
        {
            "kind": "enterprise",
            "title": "缝纫工",
            "employer_id": employer.id,
            "region_code": factories.VILLAGE_CODE,
            "headcount": 3,
            "required_skills": ["缝纫"],
        }
    )
    workshop = save_workshop(
        {"name": "城东服装车间", "village_code": factories.VILLAGE_CODE, "capacity": 20, "wage_mode": "piece"}
    )
    employment = Employment(
        laborer_id=worker.id, kind=EmploymentKind.workshop, workshop_id=workshop.id, start_date=date(2026, 3, 1)
    )
    db.session.add(employment)
    db.session.commit()
    token = token_for("bad-input-admin", Role.admin)
    user = tokens.get_or_create_user("bad-input-admin", Role.admin)
    api_token = tokens.create_token(user, "spare")[0]
    db.session.commit()
    ids = {
        "laborer_id": laborer.id,
        "household_id": laborer.household_id,
        "employer_id": employer.id,
        "opening_id": opening.id,
        "workshop_id": workshop.id,
        "employment_id": employment.id,
        "region_id": regions["village"].id,
        "user_id": user.id,
        "token_id": api_token.id,
        "referral_id": 1,
        "alert_id": 1,
        "kind": "laborers",
    }
    return {"ids": ids, "headers": {"Authorization": f"Bearer {token}"}, "worker_id": worker.id}


def valid_bodies(world: dict) -> dict[tuple[str, str], dict]:
    """A body each create route accepts as it stands, so that one bad field is the only thing wrong."""
    ids = world["ids"]
    return {
        ("POST", "/api/v1/users"): {"name": "new-user", "role": "bureau", "region_codes": [factories.COUNTY_CODE]},
        ("POST", "/api/v1/tokens"): {"label": "etl", "user_id": ids["user_id"]},
        ("POST", "/api/v1/regions"): {
            "code": "361125100299",
            "name": "新村",
            "level": "village",
            "parent_code": factories.TOWNSHIP_CODE,
        },
        ("POST", "/api/v1/households"): {
            "code": "H-BAD-2",
            "village_code": factories.VILLAGE_CODE,
            "category": "other",
        },
        ("POST", "/api/v1/laborers"): factories.laborer_data(household_code="H-BAD-1", sequence=25, name="赵六"),
        ("POST", "/api/v1/employers"): {"name": "新企业", "kind": "enterprise", "region_code": factories.COUNTY_CODE},
        ("POST", "/api/v1/openings"): {
            "kind": "enterprise",
            "title": "车工",
            "employer_id": ids["employer_id"],
            "region_code": factories.VILLAGE_CODE,
            "headcount": 2,
        },
        ("POST", "/api/v1/workshops"): {
            "name": "新车间",
            "village_code": factories.VILLAGE_CODE,
            "capacity": 10,
            "wage_mode": "piece",
        },
        ("POST", "/api/v1/referrals"): {"laborer_id": ids["laborer_id"], "opening_id": ids["opening_id"]},
        ("POST", "/api/v1/employments"): {
            "laborer_id": ids["laborer_id"],
            "kind": "local_enterprise",
            "employer_id": ids["employer_id"],
            "start_date": "2026-04-01",
        },
        ("POST", "/api/v1/employments/{employment_id}/end"): {"end_date": "2026-04-30", "reason_code": "family_care"},
        ("POST", "/api/v1/attendance/closures"): {"month": "2026-03", "county_code": factories.COUNTY_CODE},
        ("POST", "/api/v1/workshops/{workshop_id}/attendance"): {
            "entries": [{"laborer_id": world["worker_id"], "status": "present", "hours": 8}]
        },
        ("POST", "/api/v1/skills/synonyms"): {"skill_code": "sewing", "synonym": "踩机器"},
        ("POST", "/api/v1/ranker/promote"): {"version": "prior"},
        ("POST", "/api/v1/assignments"): {"region": factories.VILLAGE_CODE},
        ("POST", "/api/v1/workshops/{workshop_id}/check-in"): {"code": "JM-0000"},
    }


def spec_of(app) -> dict:
    """The OpenAPI document, built once per app (it takes a while to build)."""
    if "bad_input_spec" not in app.extensions:
        app.extensions["bad_input_spec"] = app.spec
    return app.extensions["bad_input_spec"]


def _schema(spec: dict, node: dict) -> dict:
    while "$ref" in node:
        node = spec["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _types(prop: dict) -> set[str]:
    kind = prop.get("type", "string")
    return set(kind) if isinstance(kind, list) else {kind}


def operations(app, methods: set[str]) -> list[tuple[str, str, dict]]:
    """Every API route of the URL map with these methods, with its OpenAPI operation (OpenAPI path form)."""
    spec = spec_of(app)
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API + "/") or rule.rule in NOT_INPUT_ROUTES:
            continue
        path = rule.rule
        openapi_path = path
        for arg in rule.arguments:
            openapi_path = openapi_path.replace(f"<int:{arg}>", "{" + arg + "}").replace(f"<{arg}>", "{" + arg + "}")
        for method in sorted(rule.methods & methods):
            operation = spec["paths"].get(openapi_path, {}).get(method.lower())
            assert operation is not None, f"{method} {path} is missing from the OpenAPI document"
            found.append((method, openapi_path, operation))
    return sorted(found, key=lambda found: (found[1], found[0]))


def url(openapi_path: str, ids: dict, **override) -> str:
    values = ids | override
    for key, value in values.items():
        openapi_path = openapi_path.replace("{" + key + "}", str(value))
    return openapi_path


def body_properties(app, operation: dict) -> dict[str, dict]:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if not content:
        return {}
    return _schema(spec_of(app), content["schema"]).get("properties", {})


def query_parameters(operation: dict) -> dict[str, dict]:
    return {p["name"]: p.get("schema", {}) for p in operation.get("parameters", []) if p["in"] == "query"}


def snapshot() -> dict[str, list]:
    """Every row of every table, to compare before and after a refused request."""
    db.session.remove()
    rows = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            found = conn.execute(sa.select(table)).all()
            rows[table.name] = sorted(repr(tuple(row)) for row in found)
    return rows


def changed(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def assert_refused(response, case: str, field: str | None = None) -> None:
    assert 400 <= response.status_code < 500, f"{case}: {response.status_code} {response.get_data(as_text=True)[:300]}"
    assert response.mimetype == PROBLEM, f"{case}: {response.mimetype}"
    body = response.get_json()
    assert body["status"] == response.status_code and body["title"] and body["title_zh"], case
    if field is not None:
        fields = [e["field"] for e in body.get("errors", [])]
        assert any(f == field or f.endswith("." + field) or f.startswith(field) for f in fields), f"{case}: {fields}"
        for error in body["errors"]:
            assert error["zh"] and error["en"], case


def write_cases(app, world) -> list[tuple[str, str, str, bytes, str | None]]:
    """(case, method, url, raw JSON body, field that must be named) for every write route and bad value."""
    bodies = valid_bodies(world)
    ids = world["ids"]
    cases = []
    for method, path, operation in operations(app, {"POST", "PATCH", "PUT", "DELETE"}):
        target = url(path, ids)
        base = bodies.get((method, path), {})
        properties = body_properties(app, operation)
        for name, prop in properties.items():
            prop = _schema(spec_of(app), prop)
            types = _types(prop)
            bad_values: list[tuple[str, object]] = []
            if "string" in types:
                bad_values += list(BAD_STRINGS.items())
                if prop.get("format") == "date":
                    bad_values += [(f"day {day}", day) for day in BAD_DAYS]
                if prop.get("format") == "date-time":
                    bad_values += [(f"time {day}", day + "T08:00:00") for day in BAD_DAYS]
                if name == "month":
                    bad_values += [(f"month {month}", month) for month in BAD_MONTHS]
            if "array" in types:
                bad_values += [(f"in a list: {key}", [value]) for key, value in BAD_STRINGS.items()]
            if "integer" in types:
                bad_values += [("huge integer", HUGE_INTEGER), ("negative huge integer", -HUGE_INTEGER)]
            if "number" in types:
                bad_values += [("NaN", float("nan")), ("Infinity", float("inf")), ("huge number", 1e308 * 10)]
            for label, value in bad_values:
                raw = json.dumps(base | {name: value}).encode()
                cases.append((f"{method} {path} {name}: {label}", method, target, raw, name))
        # Whatever the route's schema, the body itself can be hostile.
        deep = b"[" * 100_000 + b"]" * 100_000
        cases.append((f"{method} {path}: nested 100,000 deep", method, target, deep, None))
        nested = json.dumps(base | {"x": json.loads("[" * 64 + "]" * 64)})
        cases.append((f"{method} {path}: nested 64 deep", method, target, nested.encode(), None))
        cases.append((f"{method} {path}: NUL as a key", method, target, json.dumps(base | {"a\x00": 1}).encode(), None))
        cases.append((f"{method} {path}: invalid UTF-8", method, target, b'{"name": "\xff\xfe"}', None))
    return cases


def test_every_write_route_refuses_hostile_values_and_changes_nothing(app, client, world):
    headers = world["headers"] | {"Content-Type": "application/json"}
    before = snapshot()
    failures = []
    for case, method, target, raw, field in write_cases(app, world):
        try:
            response = client.open(target, method=method, data=raw, headers=headers)
            assert_refused(response, case, field)
        except Exception as error:  # a server error in the test client: note it, go on with the next case
            failures.append(f"{case}: {type(error).__name__}: {str(error)[:200]}")
            db.session.rollback()
    after = snapshot()
    assert not failures, f"{len(failures)} cases:\n" + "\n".join(failures)
    assert not changed(before, after), changed(before, after)


def test_every_list_and_read_route_refuses_hostile_query_values(app, client, world):
    failures = []
    before = snapshot()
    for _method, path, operation in operations(app, {"GET"}):
        target = url(path, world["ids"])
        parameters = query_parameters(operation)
        cases = [(f"{path} ?x=NUL", {"x": BAD_STRINGS["nul"]}, "x")]
        for name, schema in parameters.items():
            types = _types(schema)
            cases.append((f"{path} ?{name}=NUL", {name: BAD_STRINGS["nul"]}, name))
            if "integer" in types:
                cases += [(f"{path} ?{name}=huge", {name: str(HUGE_INTEGER)}, name)]
            if schema.get("format") == "date":
                cases += [(f"{path} ?{name}={day}", {name: day}, name) for day in BAD_DAYS]
            if name == "month":
                cases += [(f"{path} ?{name}={month}", {name: month}, name) for month in BAD_MONTHS]
            if "string" in types and "enum" not in schema and schema.get("format") is None:
                cases.append((f"{path} ?{name}=5000 characters", {name: "码" * 5000}, name))
        for case, query, field in cases:
            try:
                response = client.get(target, query_string=query, headers=world["headers"])
                if "5000" in case:
                    assert response.status_code < 500, f"{case}: {response.status_code}"
                else:
                    assert_refused(response, case, field)
            except Exception as error:  # a server error in the test client: note it, go on with the next case
                failures.append(f"{case}: {type(error).__name__}: {str(error)[:200]}")
    assert not failures, f"{len(failures)} cases:\n" + "\n".join(failures)
    assert not changed(before, snapshot())


def test_a_nul_in_the_idempotency_key_of_any_create_is_refused_naming_the_header(app, client, world):
    bodies = valid_bodies(world)
    before = snapshot()
    failures = []
    for method, path, _ in operations(app, {"POST"}):
        headers = world["headers"] | {"Idempotency-Key": "key\x00one"}
        try:
            response = client.open(
                url(path, world["ids"]), method=method, json=bodies.get((method, path), {}), headers=headers
            )
            assert_refused(response, f"{method} {path}", "Idempotency-Key")
        except Exception as error:  # a server error in the test client: note it, go on with the next route
            failures.append(f"{method} {path}: {type(error).__name__}: {str(error)[:200]}")
    assert not failures, "\n".join(failures)
    assert not changed(before, snapshot())


def test_path_numbers_beyond_64_bits_are_not_found(app, client, world):
    failures = []
    for method, path, _ in operations(app, {"GET", "POST", "PATCH"}):
        numeric = [name for name in world["ids"] if "{" + name + "}" in path and name != "kind"]
        for name in numeric:
            target = url(path, world["ids"], **{name: HUGE_INTEGER})
            response = client.open(target, method=method, json={}, headers=world["headers"])
            if response.status_code != 404 or response.mimetype != PROBLEM:
                failures.append(f"{method} {target}: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_over_long_text_is_refused_or_kept_whole(app, client, world):
    """A 5,000-character value in any text field: a field error, or stored as sent (never cut, never a 500)."""
    bodies = valid_bodies(world)
    headers = world["headers"] | {"Content-Type": "application/json"}
    failures = []
    for method, path, operation in operations(app, {"POST", "PATCH"}):
        target = url(path, world["ids"])
        for name, prop in body_properties(app, operation).items():
            prop = _schema(spec_of(app), prop)
            if "string" not in _types(prop) or "enum" in prop or prop.get("format"):
                continue
            before = snapshot()
            raw = json.dumps(bodies.get((method, path), {}) | {name: "码" * 5000}).encode()
            case = f"{method} {path} {name}: 5,000 characters"
            try:
                response = client.open(target, method=method, data=raw, headers=headers)
            except Exception as error:  # a server error in the test client
                failures.append(f"{case}: {type(error).__name__}: {str(error)[:200]}")
                continue
            if response.status_code >= 500:
                failures.append(f"{case}: {response.status_code}")
            elif response.status_code >= 400:
                try:
                    assert_refused(response, case)
                    length_errors = [e for e in response.get_json().get("errors", []) if "long" in e["code"] + e["en"]]
                    assert all(e["field"] == name for e in length_errors), f"{case}: {length_errors}"
                    assert not changed(before, snapshot()), case
                except AssertionError as error:
                    failures.append(str(error))
    assert not failures, f"{len(failures)} cases:\n" + "\n".join(failures)


def test_a_body_sent_in_chunks_and_a_bodiless_request_with_a_hostile_key_are_checked_too(app, client, world):
    """No Content-Length (a chunked body) or no body at all: the check still reads what there is."""
    before = snapshot()
    chunked = client.post(
        "/api/v1/households",
        input_stream=io.BytesIO(json.dumps({"code": "H-1", "head_name": "a\x00b"}).encode()),
        headers=world["headers"] | {"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True, "CONTENT_LENGTH": ""},
    )
    assert_refused(chunked, "chunked body with a NUL", "head_name")
    assert "nul_character" in chunked.get_data(as_text=True)
    keyed = client.post("/api/v1/households", headers=world["headers"] | {"Idempotency-Key": "key\x00one"})
    assert_refused(keyed, "no body, a NUL in the Idempotency-Key", "Idempotency-Key")
    assert_refused(client.get("/api/v1/me", query_string={"x": "a\x00b"}, headers=world["headers"]), "query", "x")
    assert not changed(before, snapshot())

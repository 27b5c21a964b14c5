"""Hostile values in particular places: the login's next page, the ranker's version, months and days,
invisible characters in names and codes."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from jobmatch import dates, text
from jobmatch.accounts import passwords
from jobmatch.extensions import db
from jobmatch.people.models import Laborer, Region
from tests import factories
from tests.accounts.conftest import PASSWORD, as_role, county  # noqa: F401  (fixtures)

PROBLEM = "application/problem+json"
# Targets a redirect must never follow: header splitting, other hosts, scheme tricks.
HOSTILE_NEXT = [
    "/\r\nSet-Cookie: stolen=1",
    "/laborers\r\nLocation: https://evil.example/",
    "/%0d%0aSet-Cookie:x=1\r\n",
    "/\nX-Injected: 1",
    "/\t/evil.example/",
    "/\x00/evil.example",
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example",
]
ZERO_WIDTH_AND_BIDI = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202a", "\u202b", "\u202c", "\u202d"]
ZERO_WIDTH_AND_BIDI += ["\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]


@pytest.fixture(autouse=True)
def _quick_password_hashes(monkeypatch):
    """The county's users need no costly password hashes here."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def _csrf(client, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def test_login_follows_only_local_paths_and_never_splits_a_header(make_app, county):  # noqa: F811
    client = make_app(RATELIMIT_ENABLED=False).test_client()  # one login per target, more than the limit allows
    for target in HOSTILE_NEXT:
        client.post("/logout", data={"csrf_token": _csrf(client, "/")})
        response = client.post(
            "/login", data={"name": "cadre", "password": PASSWORD, "csrf_token": _csrf(client), "next": target}
        )
        assert response.status_code in (302, 422), (target, response.status_code)
        if response.status_code == 302:
            assert response.headers["Location"] == "/", target
        for name, value in response.headers.items():
            assert "\r" not in value and "\n" not in value, (target, name)
        assert "stolen" not in response.headers.get("Set-Cookie", "")
        assert "X-Injected" not in response.headers


def test_the_login_page_and_the_language_switch_never_500_on_a_hostile_next(client, county):  # noqa: F811
    for target in HOSTILE_NEXT:
        assert client.get("/login", query_string={"next": target}).status_code in (200, 422), target
        switched = client.get("/lang/en", query_string={"next": target})
        assert switched.status_code in (302, 422), target
        if switched.status_code == 302:
            assert switched.headers["Location"] == "/", target


def test_a_local_next_page_is_still_followed(client, county):  # noqa: F811
    response = client.post(
        "/login", data={"name": "cadre", "password": PASSWORD, "csrf_token": _csrf(client), "next": "/laborers?page=2"}
    )
    assert response.headers["Location"] == "/laborers?page=2"


@pytest.mark.parametrize("version", ["v" * 5000, "../../etc/passwd", "a/b", "", " prior", "版本1"])
def test_promoting_a_ranker_version_that_cannot_be_a_file_name_is_a_field_error(county, as_role, version):  # noqa: F811
    response = as_role("admin").post("/api/v1/ranker/promote", json={"version": version})
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert {e["field"] for e in response.get_json()["errors"]} == {"version"}


def test_the_ranker_command_refuses_a_5000_character_version_with_a_message(app):
    result = app.test_cli_runner().invoke(args=["ranker", "promote", "v" * 5000])
    assert result.exit_code != 0
    assert "letters, digits" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("month", ["2026-03", "1900-01", "2100-12"])
def test_months_inside_the_years_kept_are_read(month):
    assert dates.parse_month(month) == date(int(month[:4]), int(month[5:]), 1)


@pytest.mark.parametrize("month", ["0000-01", "0001-01", "9999-12", "10000-01", "2026-13", "2026-00", "2026-1", ""])
def test_months_outside_the_years_kept_or_malformed_are_refused(month):
    with pytest.raises(ValueError):
        dates.parse_month(month)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31", "2101-01-01", "2026-02-30"])
def test_days_outside_the_years_kept_or_impossible_are_refused(day):
    with pytest.raises(ValueError):
        dates.parse_day(day)


ROUTES_WITH_MONTHS = [
    "/api/v1/attendance/summary?month={month}",
    "/api/v1/attendance/closures?month={month}",
    "/api/v1/public-welfare/attendance/summary?month={month}",
    "/api/v1/workshops/{workshop}/attendance/summary?month={month}",
    "/api/v1/workshops/{workshop}/attendance/export?month={month}",
    "/api/v1/workshops/{workshop}/attendance/anomalies?month={month}",
    "/api/v1/workshops/{workshop}/attendance/changes?month={month}",
]


def test_every_month_parameter_refuses_year_0_and_9999_naming_it(county, as_role):  # noqa: F811
    admin = as_role("admin")
    for route in ROUTES_WITH_MONTHS:
        for month in ["0000-01", "9999-12", "10000-01"]:
            response = admin.get(route.format(month=month, workshop=county["workshop"].id))
            assert response.status_code == 422 and response.mimetype == PROBLEM, (route, month, response.status_code)
            assert "query.month" in [e["field"] for e in response.get_json()["errors"]], (route, month)


def test_the_month_page_refuses_a_month_outside_the_years_kept(client, county):  # noqa: F811
    client.post("/login", data={"name": "manager", "password": PASSWORD, "csrf_token": _csrf(client)})
    page = f"/workshops/{county['workshop'].id}/attendance/month"
    assert client.get(page, query_string={"month": "2026-03"}).status_code == 200
    for month in ["0000-01", "9999-12", "10000-01"]:
        assert client.get(page, query_string={"month": month}).status_code == 422, month


def test_closing_month_9999_12_is_a_field_error_and_closes_nothing(county, as_role):  # noqa: F811
    response = as_role("admin").post(
        "/api/v1/attendance/closures", json={"month": "9999-12", "county_code": factories.COUNTY_CODE}
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.get_json()["errors"]] == ["month"]
    assert as_role("admin").get("/api/v1/attendance/closures").get_json()["items"] == []


@pytest.mark.parametrize("mark", ZERO_WIDTH_AND_BIDI)
def test_names_and_titles_lose_zero_width_and_bidi_characters(mark):
    assert text.normalize(f"王{mark}秀{mark}英") == "王秀英"
    assert text.normalize_skills([f"缝{mark}纫"]) == ["缝纫"]


@pytest.mark.parametrize("mark", ["\u200b", "\u202e", "\u2066", "\ufeff"])
def test_a_laborer_name_with_invisible_characters_is_stored_without_them(county, as_role, mark):  # noqa: F811
    data = factories.laborer_data(household_code="H-EAST-1", sequence=31, name=f"赵{mark}六")
    response = as_role("admin").post("/api/v1/laborers", json=data)
    assert response.status_code == 201, response.get_json()
    db.session.rollback()
    assert db.session.get(Laborer, response.get_json()["id"]).name == "赵六"


@pytest.mark.parametrize("mark", ["\u200b", "\u202e", "\u2066", "\ufeff", "\u2060"])
def test_codes_with_invisible_characters_are_refused_naming_the_field(county, as_role, mark):  # noqa: F811
    admin = as_role("admin")
    cases = [
        (
            "/api/v1/regions",
            "code",
            {"code": f"36112510{mark}0299", "name": "新村", "level": "village", "parent_code": factories.TOWNSHIP_CODE},
        ),
        (
            "/api/v1/regions",
            "parent_code",
            {
                "code": "361125100299",
                "name": "新村",
                "level": "village",
                "parent_code": f"{mark}{factories.TOWNSHIP_CODE}",
            },
        ),
        (
            "/api/v1/households",
            "code",
            {"code": f"H-{mark}EAST-9", "village_code": factories.VILLAGE_CODE, "category": "other"},
        ),
        (
            "/api/v1/households",
            "village_code",
            {"code": "H-EAST-9", "village_code": f"{factories.VILLAGE_CODE}{mark}", "category": "other"},
        ),
        (
            "/api/v1/laborers",
            "id_number",
            factories.laborer_data(household_code="H-EAST-1", sequence=33) | {"id_number": None},
        ),
        (
            "/api/v1/openings",
            "code",
            {
                "code": f"GW{mark}-001",
                "kind": "public_welfare",
                "title": "保洁",
                "region_code": factories.VILLAGE_CODE,
                "headcount": 1,
            },
        ),
    ]
    before = db.session.execute(sa.select(sa.func.count()).select_from(Region)).scalar_one()
    for route, field, body in cases:
        if field == "id_number":
            number = factories.id_number(factories.years_ago(40), 33)
            body["id_number"] = number[:6] + mark + number[6:]
        response = admin.post(route, json=body)
        assert response.status_code == 422, (route, field, response.status_code, response.get_json())
        errors = response.get_json()["errors"]
        assert field in [e["field"] for e in errors], (route, errors)
        error = next(e for e in errors if e["field"] == field)
        assert error["code"] == "invisible_character" and error["zh"] and error["en"], error
    db.session.rollback()
    assert db.session.execute(sa.select(sa.func.count()).select_from(Region)).scalar_one() == before

"""Structured JSON logs: one object per line, the request's fields, and no personal data."""

from __future__ import annotations

import json
import logging

import pytest

from jobmatch.accounts import tokens
from jobmatch.ops import logs
from jobmatch.people import service as people
from jobmatch.vocab import Role
from tests import factories


@pytest.fixture
def json_app(make_app, regions):
    """An app logging as production does (JSON on stderr)."""
    return make_app(LOG_FORMAT="json")


def _json_lines(captured: str) -> list[dict]:
    return [json.loads(line) for line in captured.splitlines() if line.startswith("{")]


def test_production_logs_json_and_development_logs_text(make_app):
    assert logs.log_format({"ENV_NAME": "production"}) == "json"
    assert logs.log_format({"ENV_NAME": "development"}) == "text"
    assert logs.log_format({"ENV_NAME": "production", "LOG_FORMAT": "text"}) == "text"
    assert make_app(LOG_FORMAT="json").config["LOG_FORMAT"] == "json"


def test_each_request_is_one_json_line_without_personal_data(json_app, capsys):
    client = json_app.test_client()
    with json_app.app_context():
        user = tokens.get_or_create_user("bureau-logs", Role.bureau)
        user.regions = [people.region_by_code(factories.COUNTY_CODE)]
        token = tokens.issue_token(user, "logs")
        user_id = user.id
    headers = {"Authorization": f"Bearer {token}", "X-Request-ID": "req-42"}
    capsys.readouterr()
    household = {"code": "H-LOG-1", "village_code": factories.VILLAGE_CODE, "category": "out_of_poverty"}
    assert client.post("/api/v1/households", json=household, headers=headers).status_code == 201
    person = factories.laborer_data(household_code="HLOG1", name="王秀英", phone="13812345678")
    created = client.post("/api/v1/laborers", json=person, headers=headers)
    assert created.status_code == 201 and created.headers["X-Request-ID"] == "req-42"
    search = client.get("/api/v1/laborers?q=王秀英&per_page=5", headers=headers)
    assert search.status_code == 200
    captured = capsys.readouterr().err
    lines = _json_lines(captured)
    requests = [line for line in lines if line["logger"] == "jobmatch.request"]
    assert [(r["method"], r["route"], r["status"]) for r in requests] == [
        ("POST", "/api/v1/households", 201),
        ("POST", "/api/v1/laborers", 201),
        ("GET", "/api/v1/laborers", 200),
    ]
    for line in requests:
        assert {"time", "level", "logger", "message", "request_id", "duration_ms", "user_id"} <= set(line)
        assert line["request_id"] == "req-42" and line["user_id"] == user_id
    # Every line is JSON, and none carries the person, the search or the query string.
    assert len(lines) == len([line for line in captured.splitlines() if line.strip()])
    for secret in (person["id_number"], "13812345678", "王秀英", "q=", "per_page"):
        assert secret not in captured, secret


def test_a_request_id_from_outside_is_kept_only_if_it_looks_like_one(json_app):
    client = json_app.test_client()
    kept = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    replaced = client.get("/healthz", headers={"X-Request-ID": "<script>"})
    assert kept.headers["X-Request-ID"] == "abc-123"
    assert replaced.headers["X-Request-ID"] != "<script>" and len(replaced.headers["X-Request-ID"]) == 32


def test_the_json_formatter_redacts_anything_shaped_like_an_id_number_or_phone():
    number = factories.id_number(factories.years_ago(40), 7)
    record = logging.LogRecord(
        "jobmatch.x", logging.WARNING, __file__, 1, "lookup %s / %s", (number, "13912345678"), None
    )
    line = json.loads(logs.JsonFormatter().format(record))
    assert line["message"] == "lookup <redacted> / <redacted>" and line["level"] == "WARNING"

"""The API's description and docs page: public in development, for logged-in users and tokens in production."""

from __future__ import annotations

import pytest

from jobmatch.accounts import tokens
from tests.accounts.test_login import _login

DOCS = ("/api/v1/openapi.json", "/api/v1/docs")


@pytest.fixture
def closed_docs(make_app):
    return make_app(PUBLIC_API_DOCS=False)


def test_production_keeps_the_api_docs_for_users(make_app, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "p" * 40)
    monkeypatch.delenv("PUBLIC_API_DOCS", raising=False)
    production = make_app(ENV_NAME="production")
    assert production.config["PUBLIC_API_DOCS"] is False
    anonymous = production.test_client()
    spec = anonymous.get("/api/v1/openapi.json")
    assert spec.status_code == 401 and spec.mimetype == "application/problem+json"
    assert "API" in spec.get_json()["title_zh"] and "paths" not in spec.get_json()
    page = anonymous.get("/api/v1/docs")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")


@pytest.mark.parametrize(("env", "value", "public"), [("production", "1", True), ("development", "0", False)])
def test_the_setting_opens_or_closes_the_docs(make_app, monkeypatch, env, value, public, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "p" * 40)
    monkeypatch.setenv("PUBLIC_API_DOCS", value)
    app = make_app(ENV_NAME=env)
    assert app.config["PUBLIC_API_DOCS"] is public
    assert (app.test_client().get("/api/v1/openapi.json").status_code == 200) is public


def test_development_and_tests_show_the_docs_to_anyone(client):
    for path in DOCS:
        assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", DOCS)
def test_closed_docs_open_to_a_token_or_a_logged_in_page(closed_docs, county, path):
    anonymous = closed_docs.test_client()
    assert anonymous.get(path).status_code in (302, 401)
    token = tokens.issue_token(county["users"]["manager"], "docs")
    assert anonymous.get(path, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert anonymous.get(path, headers={"Authorization": "Bearer jm_guess"}).status_code in (302, 401)
    browser = closed_docs.test_client()
    _login(browser, "cadre")
    assert browser.get(path).status_code == 200

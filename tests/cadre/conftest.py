"""The county of tests.accounts (a cadre's village and another), a sewing post that suits the cadre's laborers,
and clients logged in as each role."""

from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher

from jobmatch.accounts import passwords
from jobmatch.posts.models import Opening
from tests import factories
from tests.accounts.conftest import PASSWORD, as_role, county  # noqa: F401  (fixtures shared with the accounts tests)
from tests.placements.conftest import make_opening


@pytest.fixture(autouse=True)
def _quick_password_hashes(monkeypatch):
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def sewing_post(**kw) -> Opening:
    """A sewing post in the township, for laborers who can sew (the county's laborers say 会踩缝纫机)."""
    return make_opening(
        **{
            "title": "缝纫工",
            "required_skills": ["缝纫"],
            "region_code": factories.TOWNSHIP_CODE,
            "age_min": 18,
            "age_max": 60,
            "headcount": 3,
        }
        | kw
    )


@pytest.fixture
def post(county) -> Opening:  # noqa: F811
    return sewing_post()


@pytest.fixture
def log_in(county, make_app):  # noqa: F811
    """log_in("cadre") → a test client with that user's session (CSRF off: the browser tests send real tokens)."""

    def make(name: str, language: str | None = None):
        client = make_app(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False).test_client()
        assert client.post("/login", data={"name": name, "password": PASSWORD}).status_code == 302
        if language:
            client.set_cookie("lang", language)
        return client

    return make


def field_error(html: str, field_id: str) -> str | None:
    """The error shown right under a field (macros.field puts it in #<field id>-error)."""
    found = re.search(rf'id="{re.escape(field_id)}-error">([^<]*)<', html)
    return found.group(1) if found else None


def input_value(html: str, name: str) -> str | None:
    found = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*value="([^"]*)"', html)
    return found.group(1) if found else None

"""Openings, referrals moved along their lifecycle, and the county's users (from tests.accounts)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
from argon2 import PasswordHasher

from jobmatch.accounts import passwords
from jobmatch.posts import service as posts
from jobmatch.posts.models import Opening
from tests import factories
from tests.accounts.conftest import as_role, county  # noqa: F401  (fixtures shared with the accounts tests)

# Steps that lead from recommended to each state, with the reason those steps need.
PATH_TO = {
    "recommended": [],
    "referred": ["referred"],
    "interviewed": ["referred", "interviewed"],
    "hired": ["referred", "interviewed", "hired"],
    "rejected": ["referred", "rejected"],
    "declined": ["declined"],
    "withdrawn": ["withdrawn"],
    "left": ["referred", "interviewed", "hired", "left"],
}
REASONS = {"rejected": "no_skill_match", "declined": "too_far", "left": "family_care"}

_titles = count(1)


@pytest.fixture(autouse=True)
def _quick_password_hashes(monkeypatch):
    """These tests call the API with tokens; the county's users need no costly password hashes."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def make_opening(kind: str = "enterprise", headcount: int = 5, **kw) -> Opening:
    """An open post in the cadre's village (an enterprise's, a public-welfare post or a workshop's)."""
    data = {
        "kind": kind,
        "title": f"岗位{next(_titles)}",
        "headcount": headcount,
        "region_code": factories.VILLAGE_CODE,
        "wage_min": 2800,
        "wage_max": 3600,
    }
    if kind == "enterprise" and "employer_id" not in kw:
        employer = posts.save_employer(
            {"name": f"横峰县用工企业{next(_titles)}", "kind": "enterprise", "region_code": factories.VILLAGE_CODE}
        )
        data["employer_id"] = employer.id
    return posts.save_opening(data | kw)


@pytest.fixture
def opening(county) -> Opening:  # noqa: F811
    return make_opening()


def ago(days: float = 0, hours: float = 0) -> str:
    """An ISO timestamp (UTC) some time before now."""
    return (datetime.now(UTC) - timedelta(days=days, hours=hours)).isoformat()


def refer(api, laborer_id: int, opening_id: int, **kw) -> dict:
    response = api.post("/api/v1/referrals", json={"laborer_id": laborer_id, "opening_id": opening_id} | kw)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def step(api, referral_id: int, to: str, **kw):
    body = {"to": to} | ({"reason_code": REASONS[to]} if to in REASONS else {}) | kw
    return api.post(f"/api/v1/referrals/{referral_id}/transitions", json=body)


def referral_in(api, state: str, laborer_id: int, opening_id: int) -> dict:
    """A referral moved along the legal path to `state`."""
    referral = refer(api, laborer_id, opening_id)
    for to in PATH_TO[state]:
        response = step(api, referral["id"], to)
        assert response.status_code == 200, response.get_json()
        referral = response.get_json()
    return referral

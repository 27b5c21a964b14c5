"""The accounts county (a bureau, a cadre, a manager), county B next door, and helpers for the bureau's pages."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from jobmatch.extensions import db
from jobmatch.placements.lifecycle import CHINA_TZ
from jobmatch.placements.models import Employment
from jobmatch.vocab import EmploymentKind
from tests.accounts.conftest import PASSWORD, as_role, county  # noqa: F401  (fixtures for these tests)
from tests.accounts.scope_world import build_county_b
from tests.placements.conftest import _quick_password_hashes  # noqa: F401

# Work in Guangdong, away from the Jiangxi households: the transport subsidy is due 3 months after the start.
AWAY = "广东省东莞市"


def china_today() -> date:
    return datetime.now(CHINA_TZ).date()


def migrant_work(laborer, days_ago: int) -> Employment:
    """Cross-province work that began `days_ago` days ago."""
    job = Employment(
        laborer_id=laborer.id,
        kind=EmploymentKind.migrant,
        site_name=AWAY,
        start_date=china_today() - timedelta(days=days_ago),
    )
    db.session.add(job)
    db.session.commit()
    return job


@pytest.fixture
def county_b(county) -> dict:  # noqa: F811
    """County B (弋阳县) with one of every record, and a due subsidy of its own."""
    b = build_county_b(county)
    migrant_work(b["laborer"], days_ago=120)
    return b


@pytest.fixture
def login(make_app):
    """A logged-in test client for a user of the county (CSRF off, as a form post from the page)."""

    def make(name: str, language: str | None = None):
        client = make_app(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False).test_client()
        response = client.post("/login", data={"name": name, "password": PASSWORD})
        assert response.status_code == 302
        if language:
            client.get(f"/lang/{language}")
        return client

    return make

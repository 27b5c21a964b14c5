"""The accounts county (a bureau, a cadre, a manager), its posts, and a post of another county."""

from __future__ import annotations

import pytest

from jobmatch.people import service as people
from jobmatch.posts import service as posts
from jobmatch.posts.models import Opening
from tests.accounts.conftest import as_role, county  # noqa: F401
from tests.placements.conftest import _quick_password_hashes, make_opening  # noqa: F401

OTHER_COUNTY = "361102000000"


@pytest.fixture
def elsewhere(county) -> Opening:  # noqa: F811
    """A public-welfare post of another county's bureau."""
    people.save_region(
        {"code": OTHER_COUNTY, "name": "信州区", "level": "county", "latitude": 28.45, "longitude": 117.97}
    )
    return posts.save_opening(
        {
            "kind": "public_welfare",
            "title": "信州区保洁员",
            "headcount": 1,
            "county_code": OTHER_COUNTY,
            "latitude": 28.45,
            "longitude": 117.97,
        }
    )

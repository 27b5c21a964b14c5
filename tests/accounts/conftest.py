"""A small county with one user of each role, each scoped as in real life."""

from __future__ import annotations

from datetime import date

import pytest

from jobmatch.accounts import service
from jobmatch.extensions import db
from jobmatch.placements.models import Employment
from jobmatch.vocab import EmploymentKind
from tests import factories
from tests.conftest import ApiClient
from workshops.service import save_workshop

PASSWORD = "correct-horse-battery"


@pytest.fixture
def county(app, regions) -> dict:
    """Two villages: the cadre's (城东村) with 2 laborers, the other (城西村) with 1; a workshop employing one."""
    factories.household(code="H-EAST-1")
    factories.household(code="H-WEST-1", village_code=factories.OTHER_VILLAGE_CODE)
    east_a = factories.laborer(household_code="H-EAST-1", name="东甲", sequence=11)
    east_b = factories.laborer(household_code="H-EAST-1", name="东乙", sequence=13, phone="13911112222")
    west = factories.laborer(household_code="H-WEST-1", name="西丙", sequence=15)
    workshop = save_workshop(
        {"name": "城西服装车间", "village_code": factories.OTHER_VILLAGE_CODE, "capacity": 40, "wage_mode": "piece"}
    )
    db.session.add(
        Employment(
            laborer_id=west.id, kind=EmploymentKind.workshop, workshop_id=workshop.id, start_date=date(2026, 3, 1)
        )
    )
    db.session.commit()
    users = {
        "admin": service.save_user({"name": "admin", "role": "admin", "password": PASSWORD}),
        "bureau": service.save_user(
            {"name": "bureau", "role": "bureau", "password": PASSWORD, "region_codes": [factories.COUNTY_CODE]}
        ),
        "cadre": service.save_user(
            {"name": "cadre", "role": "cadre", "password": PASSWORD, "region_codes": [factories.VILLAGE_CODE]}
        ),
        "manager": service.save_user(
            {"name": "manager", "role": "manager", "password": PASSWORD, "workshop_ids": [workshop.id]}
        ),
    }
    return {"users": users, "east": [east_a, east_b], "west": west, "workshop": workshop, **regions}


@pytest.fixture
def as_role(client, county):
    """An API client for a role: as_role("cadre")."""
    from jobmatch.accounts import tokens

    def make(role: str) -> ApiClient:
        return ApiClient(client, tokens.issue_token(county["users"][role], "test"))

    return make

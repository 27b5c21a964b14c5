"""The hot reads and the day sheet run a fixed number of SQL statements, however many rows they answer with.

Each endpoint is asked twice, with few and with many rows behind it: the number of statements must not
grow with the rows (no lazy loads), and must stay at or under the figure written here (a new statement
on a hot path shows up as a failure to look at, not as a slower service months later).
"""

from __future__ import annotations

import pytest

from jobmatch.extensions import db
from tests import factories
from tests.accounts.conftest import as_role, county  # noqa: F401  (fixtures for these tests)
from tests.placements.conftest import _quick_password_hashes, make_opening  # noqa: F401
from tests.sql import statements
from tests.workshops.conftest import hire, sheet_url, today  # noqa: F401

# Statements per request, the first being the token with its user and scope (accounts.tokens.caller).
# laborers, openings: then the page with its total; opening: the opening with its region; me: nothing more;
# sheet: the workshop in the caller's scope, its closed month, its workers and their days in one statement.
MOST = {
    "laborers": 2,
    "openings": 2,
    "opening": 2,
    "me": 1,
    "sheet": 2,
}


def _count(client, url: str) -> int:
    with statements() as seen:
        response = client.get(url)
    assert response.status_code == 200, response.get_json()
    return len(seen)


def _more_laborers(n: int) -> None:
    for i in range(n):
        factories.laborer(household_code="H-EAST-1", name=f"东{i}", age=33, sequence=301 + 2 * i)


@pytest.mark.parametrize("endpoint", sorted(MOST))
def test_a_hot_read_runs_the_same_few_statements_for_one_row_or_twenty(
    endpoint,
    as_role,  # noqa: F811
    county,  # noqa: F811
    monkeypatch,
):
    village, county_code = factories.VILLAGE_CODE, factories.COUNTY_CODE
    who = {"laborers": "cadre", "openings": "bureau", "opening": "bureau", "me": "cadre", "sheet": "manager"}
    client = as_role(who[endpoint])
    first = make_opening()
    shop = county["workshop"]
    urls = {
        "laborers": f"/api/v1/laborers?region={village}&per_page=20",
        "openings": f"/api/v1/openings?region={county_code}&status=open&per_page=20",
        "opening": f"/api/v1/openings/{first.id}",
        "me": "/api/v1/me",
        "sheet": sheet_url(shop),
    }
    url = urls[endpoint]
    assert client.get(url).status_code == 200  # the token is known from here on
    few = _count(client, url)

    _more_laborers(20)
    for _ in range(20):
        make_opening()
    hire(shop, 20)
    db.session.commit()
    many = _count(client, url)

    assert many == few, f"{endpoint}: {few} statements with few rows, {many} with many"
    assert many <= MOST[endpoint], f"{endpoint}: {many} statements, at most {MOST[endpoint]} expected"

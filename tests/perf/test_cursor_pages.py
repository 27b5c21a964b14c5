"""Going through a list with the cursor: every row once, none missed, even while rows are added."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from jobmatch import crud
from jobmatch.extensions import db
from jobmatch.people.models import Laborer
from tests import factories
from tests.accounts.conftest import as_role, county  # noqa: F401  (fixtures for these tests)
from tests.placements.conftest import _quick_password_hashes, make_opening  # noqa: F401

_sequence = iter(range(401, 2000, 2))


def _laborers(n: int) -> list[int]:
    return [
        factories.laborer(household_code="H-EAST-1", name=f"列{next(_sequence)}", age=35, sequence=next(_sequence)).id
        for _ in range(n)
    ]


def _walk(client, url: str, during=None) -> tuple[list[int], list[dict]]:
    """Every page's ids, following next_cursor from page 1; `during` runs after the first page."""
    body = client.get(url).get_json()
    ids, pages = [i["id"] for i in body["items"]], [body["pagination"]]
    if during:
        during()
    while body["pagination"]["next_cursor"] and len(pages) < 100:  # a cursor that goes nowhere fails, not hangs
        body = client.get(f"{url}&cursor={body['pagination']['next_cursor']}").get_json()
        ids += [i["id"] for i in body["items"]]
        pages.append(body["pagination"])
    return ids, pages


def test_the_cursor_goes_through_every_laborer_once_while_others_are_registered(as_role, county):  # noqa: F811
    cadre = as_role("cadre")
    _laborers(11)
    before = sorted(db.session.scalars(sa.select(Laborer.id).join(Laborer.household).where(Laborer.id > 0)))
    mine = [i for i in before if i != county["west"].id]
    added: list[int] = []

    ids, pages = _walk(
        cadre,
        f"/api/v1/laborers?region={factories.VILLAGE_CODE}&per_page=4",
        during=lambda: added.extend(_laborers(3)),
    )

    assert len(ids) == len(set(ids))
    assert ids == sorted(mine + added)
    assert pages[0]["total"] == len(mine)
    assert pages[0]["page"] == 1
    assert all(p["page"] is None and p["total"] is None for p in pages[1:])
    assert pages[-1]["next_cursor"] is None


def test_the_cursor_goes_through_the_openings_newest_first_with_page_numbers_still_working(as_role, county):  # noqa: F811
    bureau = as_role("bureau")
    made = [make_opening().id for _ in range(7)]
    url = f"/api/v1/openings?region={factories.COUNTY_CODE}&status=open&per_page=3"

    ids, _ = _walk(bureau, url)
    by_number = []
    for page in (1, 2, 3):
        by_number += [i["id"] for i in bureau.get(f"{url}&page={page}").get_json()["items"]]

    assert ids == sorted(made) == by_number
    past_the_end = bureau.get(f"{url}&page=4").get_json()
    assert past_the_end["items"] == []
    assert past_the_end["pagination"]["total"] == 7


def test_a_list_in_mixed_order_is_walked_in_that_order(app, county):  # noqa: F811
    _laborers(5)
    query = sa.select(Laborer).order_by(Laborer.household_id, Laborer.id.desc())
    expected = list(db.session.scalars(query))
    seen, cursor = [], None
    while True:
        page = crud.page_of(query, 1, 2, cursor)
        seen += page["items"]
        cursor = page["pagination"]["next_cursor"]
        if cursor is None:
            break
    assert [p.id for p in seen] == [p.id for p in expected]


def test_a_list_newest_first_by_a_timestamp_is_walked_in_that_order(app, county):  # noqa: F811
    _laborers(5)
    query = sa.select(Laborer).order_by(Laborer.created_at.desc(), Laborer.id.desc())
    expected = list(db.session.scalars(query))
    seen, cursor = [], None
    for _ in range(len(expected)):
        page = crud.page_of(query, 1, 2, cursor)
        seen += page["items"]
        cursor = page["pagination"]["next_cursor"]
        if cursor is None:
            break
    assert [p.id for p in seen] == [p.id for p in expected]


def test_the_cursor_goes_through_the_referrals_latest_change_first(as_role, county):  # noqa: F811
    cadre = as_role("cadre")
    opening = make_opening(headcount=20)
    laborers = _laborers(5)
    made = [cadre.post("/api/v1/referrals", json={"laborer_id": i, "opening_id": opening.id}) for i in laborers]
    assert [r.status_code for r in made] == [201] * 5

    ids, pages = _walk(cadre, "/api/v1/referrals?per_page=2")

    assert ids == sorted((r.get_json()["id"] for r in made), reverse=True)
    assert len(pages) == 3


def test_a_timestamp_cursor_without_its_time_zone_is_refused(as_role, county):  # noqa: F811
    naive = crud.encode_cursor(["2026-01-01T08:00:00", 1])
    response = as_role("cadre").get(f"/api/v1/referrals?per_page=2&cursor={naive}")
    assert response.status_code == 422
    assert [e["field"] for e in response.get_json()["errors"]] == ["query.cursor"]


@pytest.mark.parametrize("cursor", ["nonsense", "WzEsMiwzXQ", "e30", "W251bGxd"])
def test_a_cursor_not_made_by_the_list_is_refused_naming_it(as_role, county, cursor):  # noqa: F811
    response = as_role("cadre").get(f"/api/v1/laborers?per_page=2&cursor={cursor}")
    assert response.status_code == 422
    assert [e["field"] for e in response.get_json()["errors"]] == ["query.cursor"]


def test_past_the_threshold_the_total_is_an_estimate_on_postgresql(as_role, county, monkeypatch):  # noqa: F811
    _laborers(6)
    monkeypatch.setattr(crud, "EXACT_TOTAL_UP_TO", 3)
    body = as_role("admin").get("/api/v1/laborers?per_page=2").get_json()
    postgres = db.engine.dialect.name == "postgresql"
    assert body["pagination"]["total_is_estimate"] is postgres
    assert body["pagination"]["total"] == 9 if not postgres else body["pagination"]["total"] >= 4
    assert body["pagination"]["pages"] == -(-body["pagination"]["total"] // 2)

"""The prepared hot reads (jobmatch.prepared) answer exactly what the lists' select()s answer, for every role.

Each request is asked twice: as served (token, user and scope in one statement; the page from a statement
prepared for its filters and the caller's kind of scope) and with the list built by queries.laborers /
queries.openings and scope.condition, the reference. A second county, a cadre of two villages and a
manager with a current worker make each scope's edge show.
"""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pytest
import sqlalchemy as sa

from jobmatch.accounts import service as accounts
from jobmatch.accounts import tokens
from jobmatch.accounts.models import User
from jobmatch.accounts.scope import current_scope, restrict, set_current_user
from jobmatch.extensions import db
from jobmatch.people import queries as people_queries
from jobmatch.people import service as people
from jobmatch.people.models import Region
from jobmatch.posts import api as posts_api
from jobmatch.posts import queries as posts_queries
from jobmatch.posts.models import Opening
from tests import factories
from tests.accounts.conftest import PASSWORD, as_role, county  # noqa: F401
from tests.conftest import ApiClient
from tests.placements.conftest import _quick_password_hashes, make_opening, refer  # noqa: F401

OTHER_COUNTY = "362325000000"


@pytest.fixture
def world(client, county):  # noqa: F811
    """Openings of every kind and status in two counties; laborers in three villages; one more cadre."""
    place = {"latitude": 28.5, "longitude": 117.9}
    people.save_region({"code": OTHER_COUNTY, "name": "邻县", "level": "county"} | place)
    people.save_region(
        {"code": "362325100000", "name": "邻镇", "level": "township", "parent_code": OTHER_COUNTY} | place
    )
    people.save_region(
        {"code": "362325100201", "name": "邻村", "level": "village", "parent_code": "362325100000"} | place
    )
    factories.household(code="H-FAR-1", village_code="362325100201")
    for i in range(7):
        factories.laborer(household_code="H-EAST-1", name=f"东{i}", sequence=101 + 2 * i, age=20 + 5 * i)
        factories.laborer(household_code="H-FAR-1", name=f"邻{i}", sequence=201 + 2 * i)
    for i in range(6):
        make_opening(kind=["enterprise", "public_welfare"][i % 2])
        make_opening(region_code="362325100201", county_code=OTHER_COUNTY)
    make_opening(kind="workshop", workshop_id=county["workshop"].id, region_code=factories.OTHER_VILLAGE_CODE)
    two = accounts.save_user(
        {
            "name": "two-villages",
            "role": "cadre",
            "password": PASSWORD,
            "region_codes": [factories.VILLAGE_CODE, factories.OTHER_VILLAGE_CODE],
        }
    )
    far = accounts.save_user(
        {"name": "far-bureau", "role": "bureau", "password": PASSWORD, "region_codes": [OTHER_COUNTY]}
    )
    db.session.commit()
    users = county["users"] | {"two-villages": two, "far-bureau": far}
    clients = {name: ApiClient(client, tokens.issue_token(user, "test")) for name, user in users.items()}
    return clients | {"users": users}


LABORER_QUERIES = [
    "",
    f"region={factories.VILLAGE_CODE}",
    f"region={factories.COUNTY_CODE}",
    f"region={factories.TOWNSHIP_CODE}",
    "region=362325100201",
    "labor_capacity=normal",
    "willingness=county",
    "employment_status=unemployed",
    "household_code=H-EAST-1",
    f"region={factories.COUNTY_CODE}&labor_capacity=normal&employment_status=unemployed",
]
OPENING_QUERIES = [
    "",
    "status=open",
    f"region={factories.COUNTY_CODE}&status=open",
    f"region={factories.VILLAGE_CODE}",
    "kind=public_welfare",
    "kind=workshop",
    "status=closed",
]
ROLES = ["admin", "bureau", "cadre", "manager", "two-villages", "far-bureau"]


def _walk(api, path: str) -> list[dict]:
    """Page 1, page 2 by number, and every page after page 1 by its cursor."""
    answers = []
    first = api.get(f"{path}&per_page=3")
    assert first.status_code == 200, first.get_json()
    answers.append(first.get_json())
    answers.append(api.get(f"{path}&per_page=3&page=2").get_json())
    cursor = first.get_json()["pagination"]["next_cursor"]
    while cursor:
        page = api.get(f"{path}&per_page=3&cursor={cursor}").get_json()
        answers.append(page)
        cursor = page["pagination"]["next_cursor"]
    return answers


def _reference(monkeypatch) -> None:
    """From here on the lists are built by their select()s (as a free-text search is)."""
    monkeypatch.setattr(people_queries, "laborer_filters", lambda f: None)
    monkeypatch.setattr(posts_queries, "opening_filters", lambda f: None)


@pytest.mark.parametrize("role", ROLES)
def test_laborer_and_opening_lists_answer_as_their_selects(world, role, monkeypatch):
    api = world[role]
    paths = [f"/api/v1/laborers?{q}" for q in LABORER_QUERIES] + [f"/api/v1/openings?{q}" for q in OPENING_QUERIES]
    served = {path: _walk(api, path) for path in paths}
    _reference(monkeypatch)
    for path in paths:
        assert served[path] == _walk(api, path), path
    seen = sum(len(a["items"]) for answers in served.values() for a in answers)
    assert seen


@pytest.mark.parametrize("role", ROLES)
def test_one_opening_answers_as_the_scoped_select(app, world, role):
    api, user = world[role], world["users"][role]
    ids = list(db.session.scalars(sa.select(Opening.id).order_by(Opening.id)))
    ids.append(max(ids) + 1)
    with app.test_request_context("/api/v1/openings"):
        set_current_user(db.session.get(User, user.id))
        by_select = {
            row[0]: json.loads(json.dumps(posts_api._opening_item(row), default=str))
            for row in db.session.execute(
                restrict(
                    sa.select(*posts_api._OPENING_COLUMNS).outerjoin(Region, Opening.region_id == Region.id), Opening
                )
            )
        }
    for opening_id in ids:
        response = api.get(f"/api/v1/openings/{opening_id}")
        if opening_id in by_select:
            assert response.status_code == 200 and response.get_json() == by_select[opening_id], opening_id
        else:
            assert response.status_code == 404, opening_id
    assert by_select


@pytest.mark.parametrize("role", ROLES)
def test_a_workshops_sheet_answers_for_the_workshops_the_scope_holds(app, world, role):
    """The sheet's one statement (workshops.attendance.sheet_in_scope) holds the workshops scope.condition holds."""
    from workshops import attendance
    from workshops.models import Workshop
    from workshops.service import save_workshop

    save_workshop({"name": "邻县车间", "village_code": "362325100201", "capacity": 5, "wage_mode": "day"})
    db.session.commit()
    with app.test_request_context("/api/v1/workshops"):
        set_current_user(db.session.get(User, world["users"][role].id))
        visible = set(db.session.scalars(restrict(sa.select(Workshop.id), Workshop)))
        ids = list(db.session.scalars(sa.select(Workshop.id)))
        answered = {
            workshop_id
            for workshop_id in [*ids, max(ids) + 1]
            if attendance.sheet_in_scope(workshop_id, date(2026, 4, 15), current_scope()) is not None
        }
    assert answered == visible
    assert visible


@pytest.mark.parametrize("cursor", ["WyJ4Il0", "W3RydWVd", "Wzk5OTk5OTk5OTk5OTk5OTk5OTk5XQ", "bm90IGpzb24"])
def test_a_bad_cursor_is_a_clear_422(world, cursor):
    response = world["cadre"].get(f"/api/v1/laborers?cursor={cursor}")
    assert response.status_code == 422
    body = response.get_json()
    assert "翻页标记" in str(body) and "cursor" in str(body)


@pytest.mark.parametrize("role", ROLES)
def test_matches_keep_to_the_openings_the_scope_holds(app, world, role):
    """The matches' scope mask over the index (matches.service.visible_openings) equals scope.condition."""
    from jobmatch.matches.index import index
    from jobmatch.matches.service import visible_openings

    user = world["users"][role]
    with app.test_request_context("/api/v1/laborers/1/matches"):
        set_current_user(db.session.get(User, user.id))
        catalogue = index().current(force=True)  # with every post the world made, however recently
        table = catalogue.openings.table
        rows = np.arange(len(table.id))
        visible = visible_openings(catalogue)
        shown = set(table.id[rows if visible is None else rows[visible(rows)]].tolist())
        expected = set(db.session.scalars(restrict(sa.select(Opening.id), Opening)))
    assert shown == expected
    assert expected or role == "manager"


@pytest.mark.parametrize("role", ["admin", "bureau", "cadre", "two-villages", "far-bureau"])
def test_a_laborers_matches_answer_for_the_laborers_the_scope_holds(app, world, role):
    from jobmatch.people.models import Laborer

    api, user = world[role], world["users"][role]
    with app.test_request_context("/api/v1/laborers"):
        set_current_user(db.session.get(User, user.id))
        visible = set(db.session.scalars(restrict(sa.select(Laborer.id), Laborer)))
    everyone = list(db.session.scalars(sa.select(Laborer.id)))
    for laborer_id in [*everyone, max(everyone) + 1]:
        answer = api.get(f"/api/v1/laborers/{laborer_id}/matches?limit=3")
        assert answer.status_code == (200 if laborer_id in visible else 404), laborer_id
        if answer.status_code == 200:
            assert answer.get_json()["laborer_id"] == laborer_id
    assert visible


@pytest.mark.parametrize("kind", [None, "enterprise"])
def test_a_laborers_matches_answer_as_the_schema_writes_them(app, world, kind, monkeypatch):
    """The API writes a laborer's matches from rows; LaborerMatches writing the ORM objects says the same."""
    from jobmatch.matches import service
    from jobmatch.matches.api import LaborerMatches
    from jobmatch.matches.index import index
    from jobmatch.matching import catalogue as cat
    from jobmatch.people.models import Laborer

    # Both asked alike: no list counts as shown, and what earlier lists left does not decay in between.
    monkeypatch.setattr(cat.Catalogue, "note_shown", lambda self, rows: None)
    monkeypatch.setattr(cat.Catalogue, "decay_shown", lambda self, factor: None)
    api, user = world["cadre"], world["users"]["cadre"]
    first = api.get("/api/v1/laborers?per_page=1").get_json()["items"][0]["id"]
    offered = api.get(f"/api/v1/laborers/{first}/matches?limit=1&kind=enterprise").get_json()["items"][0]["opening"][
        "id"
    ]
    refer(api, first, offered)  # a post marked "referred" in that laborer's answer
    with app.test_request_context("/api/v1/laborers"):
        # The index takes in the referral now: otherwise the API's calls below, once its refresh interval has
        # passed, would catch up midway and answer from another state of the index than these answers.
        index().current(force=True)
        set_current_user(db.session.get(User, user.id))
        laborers = list(db.session.scalars(restrict(sa.select(Laborer), Laborer)))
        written = {
            laborer.id: json.loads(
                json.dumps(LaborerMatches().dump(service.matches_for_laborer(laborer, 5, kind)), default=str)
            )
            for laborer in laborers
        }
    assert any(answer["items"] for answer in written.values())
    assert written[first]["marked"] and written[first]["marked"][0]["opening"]["id"] == offered
    for laborer_id, expected in written.items():
        answer = api.get(f"/api/v1/laborers/{laborer_id}/matches?limit=5" + (f"&kind={kind}" if kind else ""))
        assert answer.status_code == 200
        assert answer.get_json() == expected, laborer_id


def test_an_openings_matches_stay_full_when_candidates_left_the_scope(app, world, monkeypatch):
    """The engine's first candidates may have left the caller's scope since the index read them: the page is
    filled from the next ones, and holds no one outside the scope."""
    from jobmatch.matches import service
    from jobmatch.matches.index import index
    from jobmatch.people.models import Laborer

    monkeypatch.setattr(service, "visible_laborers", lambda catalogue: None)  # as a stale index would answer
    # The cadre of the other village, whose one laborer looking for work ranks after the cadre village's.
    factories.laborer(household_code="H-WEST-1", name="西丁", sequence=401, age=58)
    user = accounts.save_user(
        {"name": "west-cadre", "role": "cadre", "password": PASSWORD, "region_codes": [factories.OTHER_VILLAGE_CODE]}
    )
    db.session.commit()
    api = ApiClient(world["admin"].client, tokens.issue_token(user, "test"))
    with app.test_request_context("/api/v1/laborers"):
        # The index takes in 西丁 now, not at whichever call of the loop below its refresh interval would fall on.
        index().current(force=True)
        set_current_user(db.session.get(User, user.id))
        visible = set(db.session.scalars(restrict(sa.select(Laborer.id), Laborer)))
    filled_past_first = 0
    for opening_id in db.session.scalars(sa.select(Opening.id).order_by(Opening.id)):
        everyone = world["admin"].get(f"/api/v1/openings/{opening_id}/matches?limit=50").get_json()
        ranked = [item["laborer"]["id"] for item in everyone["items"]]
        answer = api.get(f"/api/v1/openings/{opening_id}/matches?limit=1")
        if answer.status_code == 404:
            continue
        shown = [item["laborer"]["id"] for item in answer.get_json()["items"]]
        in_scope = [i for i in ranked if i in visible]
        assert shown == in_scope[:1], opening_id
        filled_past_first += bool(ranked and ranked[0] not in visible and in_scope)
    assert filled_past_first  # the case above happened at least once

"""Every API call reads its token, the token's user and the user's scope in one statement, remembering nothing."""

from __future__ import annotations

import os

import psycopg
import pytest
import sqlalchemy as sa
from flask import has_request_context, request

from jobmatch.accounts.models import ApiToken, User
from jobmatch.extensions import db
from jobmatch.modelbase import utcnow


def _statements(app):
    """The SQL each request runs, collected until the end of the test."""
    seen: list[str] = []
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def test_token_user_and_scope_come_in_one_statement(app, as_role, county):
    cadre = as_role("cadre")
    village = county["village"].code
    assert cadre.get("/api/v1/me").status_code == 200
    seen = _statements(app)
    me = cadre.get("/api/v1/me")
    assert me.status_code == 200
    assert me.get_json()["name"] == "cadre"
    assert me.get_json()["region_codes"] == [village]
    assert len(seen) == 1 and "api_tokens" in seen[0] and "user_regions" in seen[0]
    assert "password_hash" not in seen[0]  # no call reads the password's hash
    # The scope holds: the other village's laborer is not there, this village's is.
    assert cadre.get(f"/api/v1/laborers/{county['west'].id}").status_code == 404
    assert cadre.get(f"/api/v1/laborers/{county['east'][0].id}").status_code == 200


def test_the_user_behaves_as_if_loaded(app, as_role, county):
    """The user made from the statement's row loads its relationships when asked, like a queried one."""
    from jobmatch.accounts import tokens

    token = tokens.issue_token(county["users"]["cadre"], "relations")
    with app.test_request_context("/api/v1/me"):
        user, scope = tokens.caller(token)
        assert isinstance(user, User) and user in db.session
        assert [r.code for r in user.regions] == [county["village"].code]
        assert scope.village_ids == {county["village"].id}
        assert not db.session.dirty
        assert tokens.caller(token)[0] is user  # the session's one user, as a query would give it
        assert user.password_hash.startswith("$argon2id$")  # not read with the token: loaded when asked
        # A change to the caller is written as a queried user's would be.
        user.display_name = "改过的名字"
        assert list(db.session.dirty) == [user]
        db.session.commit()
    db.session.expire_all()
    assert db.session.get(User, user.id).display_name == "改过的名字"


@pytest.mark.parametrize("change", ["revoked", "disabled"])
def test_a_token_stopped_by_another_worker_is_refused_at_the_next_call(as_role, county, change):
    cadre = as_role("cadre")
    assert cadre.get("/api/v1/me").status_code == 200
    # Another worker changes the rows in the database, not through this worker.
    user_id = county["users"]["cadre"].id
    if change == "revoked":
        db.session.execute(sa.update(ApiToken).where(ApiToken.user_id == user_id).values(revoked_at=utcnow()))
    else:
        db.session.execute(sa.update(User).where(User.id == user_id).values(active=False))
    db.session.commit()
    assert cadre.get("/api/v1/me").status_code == 401


def test_a_scope_change_counts_at_once(as_role, county):
    cadre = as_role("cadre")
    assert cadre.get(f"/api/v1/laborers/{county['west'].id}").status_code == 404
    admin = as_role("admin")
    changed = admin.patch(
        f"/api/v1/users/{county['users']['cadre'].id}",
        json={"region_codes": [county["village"].code, county["other"].code]},
    )
    assert changed.status_code == 200
    assert cadre.get(f"/api/v1/laborers/{county['west'].id}").status_code == 200


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="PostgreSQL only")
def test_reading_requests_hold_no_transaction_on_postgresql(app, as_role, county):
    """GET runs each statement on its own (psycopg keeps its prepared statements); writes keep a transaction."""
    with app.app_context():
        engine = db.engine
    states: list[tuple[str, str]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not has_request_context():
            return  # the test's own set-up
        status = conn.connection.dbapi_connection.info.transaction_status
        states.append((request.method, psycopg.pq.TransactionStatus(status).name))

    sa.event.listen(engine, "after_cursor_execute", record)
    try:
        cadre = as_role("cadre")
        assert cadre.get("/api/v1/laborers").status_code == 200
        household = cadre.post(
            "/api/v1/households",
            json={"code": "H-EAST-9", "village_code": county["village"].code, "category": "out_of_poverty"},
        )
        assert household.status_code == 201
    finally:
        sa.event.remove(engine, "after_cursor_execute", record)
    reads = {status for method, status in states if method == "GET"}
    writes = {status for method, status in states if method == "POST"}
    assert reads == {"IDLE"}
    assert writes == {"INTRANS"}


def test_a_request_that_opens_no_session_pays_for_none_and_the_caller_joins_the_one_it_opens(app, county):
    """Most reads never open the ORM session; the caller then waits for it, and behaves as loaded once it opens."""
    from jobmatch.accounts import tokens

    token = tokens.issue_token(county["users"]["cadre"], "waiting")
    with app.app_context(), app.test_request_context("/api/v1/me"):  # as a worker's request: nothing open yet
        user, scope = tokens.caller(token)
        if db.engine.dialect.name == "postgresql":  # SQLite reads through the session
            assert not db.session.registry.has()  # no session opened to find the caller
        assert (user.name, user.role.value, scope.village_ids) == ("cadre", "cadre", {county["village"].id})
        assert tokens.caller(token)[0] is user  # asked again in the same request: the same user
        session = db.session()  # the request opens its session: the caller is in it
        assert user in session and tokens.caller(token)[0] is user
        assert [r.code for r in user.regions] == [county["village"].code]
        assert user.password_hash.startswith("$argon2id$")
        user.display_name = "等来的名字"
        user_id = user.id
        session.commit()
    db.session.expire_all()
    assert db.session.get(User, user_id).display_name == "等来的名字"


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="PostgreSQL only: SQLite reads via the session")
def test_a_caller_whose_request_opened_no_session_is_not_handed_to_a_later_one(app, county):
    from jobmatch.accounts import tokens

    token = tokens.issue_token(county["users"]["cadre"], "forgotten")
    with app.app_context():  # an app context that outlives its request (a command, a test)
        with app.test_request_context("/api/v1/me"):
            user = tokens.caller(token)[0]
            assert not db.session.registry.has()
        later = db.session()
        assert user not in later
        assert later.get(User, user.id) is not user


def test_attached_gives_the_caller_its_relationships_before_the_request_opened_its_session(app, county):
    from jobmatch.accounts import tokens

    token = tokens.issue_token(county["users"]["cadre"], "attached")
    with app.app_context(), app.test_request_context("/api/v1/me"):
        user = tokens.attached(tokens.caller(token)[0])
        assert [r.code for r in user.regions] == [county["village"].code]

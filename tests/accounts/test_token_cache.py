"""A worker remembers a token's user for a few seconds; changes made through it count at once."""

from __future__ import annotations

import os

import psycopg
import pytest
import sqlalchemy as sa
from flask import has_request_context, request

from jobmatch.accounts import tokens
from jobmatch.accounts.models import ApiToken
from jobmatch.extensions import db
from jobmatch.modelbase import utcnow


def _statements(app):
    """The SQL each request runs, collected until the end of the test."""
    seen: list[str] = []
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def test_a_known_token_is_not_looked_up_again(app, as_role, county):
    cadre = as_role("cadre")
    assert cadre.get("/api/v1/me").status_code == 200
    seen = _statements(app)
    me = cadre.get("/api/v1/me")
    assert me.status_code == 200
    # The remembered user still brings their villages (loaded in this request's session).
    assert me.get_json()["name"] == "cadre"
    assert me.get_json()["region_codes"] == [county["village"].code]
    assert not [s for s in seen if "api_tokens" in s]
    # And the scope still holds: the other village's laborer is not there.
    assert cadre.get(f"/api/v1/laborers/{county['west'].id}").status_code == 404
    assert cadre.get(f"/api/v1/laborers/{county['east'][0].id}").status_code == 200


def test_a_token_revoked_by_another_worker_stops_within_seconds(as_role, county, monkeypatch):
    cadre = as_role("cadre")
    assert cadre.get("/api/v1/me").status_code == 200
    # Another worker revokes it: the row changes in the database, not through this worker.
    db.session.execute(
        sa.update(ApiToken).where(ApiToken.user_id == county["users"]["cadre"].id).values(revoked_at=utcnow())
    )
    db.session.commit()
    # This worker still remembers the token for at most TOKEN_CACHE_TTL_S seconds…
    assert cadre.get("/api/v1/me").status_code == 200
    # …then asks the database again and refuses it.
    monkeypatch.setattr(tokens, "TOKEN_CACHE_TTL_S", 0.0)
    assert cadre.get("/api/v1/me").status_code == 401


def test_a_scope_change_through_this_worker_counts_at_once(as_role, county):
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

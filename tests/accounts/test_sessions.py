"""Login sessions live on the server: logout, inactivity, age and account changes end them for every copy."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from jobmatch.accounts import service
from jobmatch.accounts.models import User, UserSession
from jobmatch.extensions import db
from jobmatch.modelbase import utcnow
from jobmatch.vocab import Role
from tests.accounts.conftest import PASSWORD
from tests.accounts.test_login import _csrf, _login
from tests.conftest import token_for

ROLES = ("admin", "bureau", "cadre", "manager")


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _copy(app, cookie: str):
    """Another browser holding a copy of the session cookie."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other


def _logout(client):
    return client.post("/logout", data={"csrf_token": _csrf(client, "/")})


def _only_session(name: str) -> UserSession:
    db.session.expire_all()
    return db.session.execute(sa.select(UserSession).join(User).where(User.name == name)).scalar_one()


@pytest.mark.parametrize("role", ROLES)
def test_a_copied_cookie_stops_working_at_logout(app, client, county, role):
    assert _login(client, role).status_code == 302
    stolen = _copy(app, _cookie(client))
    assert stolen.get("/api/v1/me").status_code == 200
    _logout(client)
    assert stolen.get("/api/v1/me").status_code == 401
    ended = _only_session(role)
    assert ended.ended_at is not None and ended.end_reason == "logout"


def test_every_login_gets_a_new_session_and_the_old_one_ends(app, client, county):
    """No session fixation: the key in the cookie is new at each login, never one the browser brought."""
    _login(client, "cadre")
    first = _cookie(client)
    _login(client, "cadre")
    second = _cookie(client)
    assert first != second
    assert _copy(app, first).get("/api/v1/me").status_code == 401
    assert _copy(app, second).get("/api/v1/me").status_code == 200


def test_the_cookie_holds_a_session_key_not_the_user(client, county):
    """A cookie naming a user (as the signed cookies of earlier releases did) is no login."""
    _login(client, "cadre")
    user = county["users"]["cadre"]
    with client.session_transaction() as session:
        key = session["_user_id"]
        assert len(key) >= 40 and ":" not in key  # random, 32 bytes
        session["_user_id"] = f"{user.id}:{user.session_version}"
    assert client.get("/api/v1/me").status_code == 401


def test_a_token_call_gets_no_cookie_and_a_page_without_a_login_gets_its_form_token(client, county, regions):
    """Machine clients carry no cookie and are given none; the answer still says it varies with the cookie."""
    token = token_for("cadre-session-free", Role.cadre, [regions["village"]])
    answer = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    assert "Set-Cookie" not in answer.headers and "Cookie" in answer.headers["Vary"]
    assert client.get_cookie("session") is None
    # A page with a form starts a session for its CSRF token, and the cookie then signs in as before.
    assert client.get("/login").status_code == 200 and client.get_cookie("session") is not None
    assert _login(client, "cadre").status_code == 302
    assert client.get("/api/v1/me").status_code == 200


def test_a_cookie_with_a_forged_signature_is_no_session(app, client, county):
    _login(client, "cadre")
    forged = _cookie(client)[:-4] + ("AAAA" if not _cookie(client).endswith("AAAA") else "BBBB")
    assert _copy(app, forged).get("/api/v1/me").status_code == 401


@pytest.mark.parametrize(
    ("idle", "age", "live"),
    [
        (timedelta(hours=7, minutes=59), timedelta(days=1), True),
        (timedelta(hours=8), timedelta(days=1), False),
        (timedelta(days=2), timedelta(days=3), False),
        (timedelta(minutes=5), timedelta(days=6, hours=23), True),
        (timedelta(minutes=5), timedelta(days=7), False),
    ],
)
def test_sessions_end_after_8_hours_idle_or_7_days_in_all(client, county, idle, age, live):
    _login(client, "cadre")
    now = utcnow()
    db.session.execute(sa.update(UserSession).values(last_seen_at=now - idle, created_at=now - age))
    db.session.commit()
    assert client.get("/api/v1/me").status_code == (200 if live else 401)


def test_use_keeps_a_session_alive_and_is_written_at_most_once_a_minute(client, county):
    _login(client, "cadre")
    started = _only_session("cadre").last_seen_at
    client.get("/api/v1/me")
    assert _only_session("cadre").last_seen_at == started  # within the minute: nothing written
    earlier = utcnow() - timedelta(hours=7)
    db.session.execute(sa.update(UserSession).values(last_seen_at=earlier))
    db.session.commit()
    assert client.get("/api/v1/me").status_code == 200
    touched = _only_session("cadre").last_seen_at
    assert touched > earlier + timedelta(hours=6)
    # Seven hours later again: still alive, since it was used.
    assert client.get("/api/v1/me").status_code == 200


@pytest.mark.parametrize(
    "change",
    [{"active": False}, {"password": "another-long-password"}, {"role": "bureau", "region_codes": ["361125000000"]}],
    ids=["disabled", "password", "role"],
)
def test_an_account_change_ends_its_sessions(client, county, change):
    _login(client, "cadre")
    assert client.get("/api/v1/me").status_code == 200
    if "region_codes" in change:
        change = change | {"region_codes": [county["county"].code]}
    service.save_user(change, county["users"]["cadre"])
    assert client.get("/api/v1/me").status_code == 401


def test_a_logged_out_browser_can_log_in_again(client, county):
    _login(client, "cadre")
    _logout(client)
    assert client.get("/api/v1/me").status_code == 401
    assert _login(client, "cadre", PASSWORD).status_code == 302
    assert client.get("/api/v1/me").get_json()["name"] == "cadre"


def test_a_session_request_finds_its_session_and_user_in_one_query(app, client, county):
    _login(client, "cadre")
    client.get("/api/v1/me")
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get("/api/v1/me").status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    sessions = [s for s in seen if "user_sessions" in s]
    assert len(sessions) == 1 and sessions[0].lstrip().upper().startswith("SELECT") and "users" in sessions[0]
    assert not [s for s in seen if s.lstrip().upper().startswith("SELECT") and "FROM users" in s]


def test_a_login_clears_the_users_sessions_past_their_age(client, county):
    _login(client, "cadre")
    _login(client, "bureau")
    db.session.execute(sa.update(UserSession).values(created_at=utcnow() - timedelta(days=8)))
    db.session.commit()
    _login(client, "cadre")
    db.session.expire_all()
    kept = db.session.execute(sa.select(User.name).join(UserSession.user)).scalars().all()
    assert sorted(kept) == ["bureau", "cadre"]  # the cadre's new session; the bureau's waits for their next login

"""Logging in and out: passwords, sessions that end, CSRF, safe redirects, the login limit."""

from __future__ import annotations

import re
import uuid

import pytest
import redis
from argon2 import PasswordHasher

from jobmatch.accounts import service
from jobmatch.accounts.models import User
from jobmatch.extensions import db
from jobmatch.security import is_safe_next
from tests.accounts.conftest import PASSWORD


def _csrf(client, path: str = "/login") -> str:
    page = client.get(path, follow_redirects=True).get_data(as_text=True)  # a role's front page may be its home
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def _login(client, name: str, password: str = PASSWORD, next_url: str = ""):
    return client.post(
        "/login", data={"name": name, "password": password, "csrf_token": _csrf(client), "next": next_url}
    )


def test_a_cadre_logs_in_and_lands_on_the_front_page(client, county):
    response = _login(client, "cadre")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "cadre" in client.get("/").get_data(as_text=True)


def test_unknown_user_and_wrong_password_get_the_same_answer(client, county):
    unknown = _login(client, "nobody", "whatever-password")
    wrong = _login(client, "cadre", "wrong-password!")
    assert unknown.status_code == wrong.status_code == 200
    strip = lambda r: re.sub(r'(value|content)="[^"]*"', "", r.get_data(as_text=True))  # noqa: E731  (CSRF tokens differ)
    assert strip(unknown).replace("nobody", "") == strip(wrong).replace("cadre", "")
    assert "登录名或密码错误" in unknown.get_data(as_text=True)


def test_a_login_form_without_its_csrf_token_is_refused(client, county):
    response = client.post("/login", data={"name": "cadre", "password": PASSWORD})
    assert response.status_code == 400
    assert "/" not in response.headers.get("Location", "")


def test_an_api_call_from_a_logged_in_page_needs_the_csrf_header(client, county):
    _login(client, "cadre")
    laborer = county["east"][0]
    without = client.patch(f"/api/v1/laborers/{laborer.id}", json={"willingness": "village"})
    assert without.status_code == 400 and without.mimetype == "application/problem+json"
    token = _csrf(client, "/")
    with_header = client.patch(
        f"/api/v1/laborers/{laborer.id}", json={"willingness": "village"}, headers={"X-CSRFToken": token}
    )
    assert with_header.status_code == 200
    assert client.get(f"/api/v1/laborers/{laborer.id}").status_code == 200  # reads need no token


def test_only_relative_next_targets_are_followed(client, county):
    assert _login(client, "cadre", next_url="/admin/audit").headers["Location"] == "/admin/audit"
    client.post("/logout", data={"csrf_token": _csrf(client, "/")})
    assert _login(client, "cadre", next_url="https://evil.example/").headers["Location"] == "/"
    for target in ("//evil.example/", "/\\evil.example", "javascript:alert(1)", "https:/evil"):
        assert not is_safe_next(target)


def test_disabling_a_user_ends_their_session_on_the_next_request(client, county):
    _login(client, "cadre")
    assert client.get("/api/v1/me").status_code == 200
    service.save_user({"active": False}, county["users"]["cadre"])
    assert client.get("/api/v1/me").status_code == 401


def test_changing_a_scope_ends_old_sessions(client, county):
    _login(client, "cadre")
    service.save_user({"region_codes": [county["other"].code]}, county["users"]["cadre"])
    assert client.get("/api/v1/me").status_code == 401
    _login(client, "cadre")
    assert client.get("/api/v1/me").get_json()["region_codes"] == [county["other"].code]


def test_logout_needs_a_post_with_csrf(client, county):
    _login(client, "cadre")
    assert client.get("/logout").status_code == 405
    client.post("/logout", data={"csrf_token": _csrf(client, "/")})
    assert client.get("/api/v1/me").status_code == 401


def test_an_older_password_hash_is_upgraded_at_login(client, county):
    user = county["users"]["cadre"]
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    user.password_hash = weak
    db.session.commit()
    assert _login(client, "cadre").status_code == 302
    db.session.refresh(user)
    assert user.password_hash != weak and user.password_hash.startswith("$argon2id$")


def test_cookies_are_http_only_and_lax(client, county):
    response = _login(client, "cadre")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookies_are_secure(make_app, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    app = make_app(ENV_NAME="production")
    assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["REMEMBER_COOKIE_SECURE"] is True


def test_create_admin_reads_the_password_and_never_has_a_default(runner, app):
    result = runner.invoke(
        args=["users", "create-admin", "root"], input="a-long-admin-password\na-long-admin-password\n"
    )
    assert result.exit_code == 0, result.output
    user = db.session.query(User).filter_by(name="root").one()
    assert user.role.value == "admin" and user.password_hash.startswith("$argon2id$")
    short = runner.invoke(args=["users", "create-admin", "root2", "--password-stdin"], input="short\n")
    assert short.exit_code != 0 and "password" in short.output


def _redis_or_skip(url: str) -> None:
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running at " + url)


def test_the_login_limit_is_shared_by_every_worker_through_redis(county, make_app):
    url = "redis://127.0.0.1:6379/0"
    _redis_or_skip(url)
    prefix = f"jobmatch-test-{uuid.uuid4().hex}"
    config = dict(REDIS_URL=url, RATELIMIT_STORAGE_URI=url, RATELIMIT_KEY_PREFIX=prefix, WTF_CSRF_ENABLED=False)
    workers = [make_app(**config).test_client() for _ in range(2)]
    statuses = []
    for attempt in range(8):
        worker = workers[attempt % 2]  # alternate between the two "workers"
        statuses.append(worker.post("/login", data={"name": "cadre", "password": "wrong-password!"}).status_code)
    # five tries per login name per minute, counted across both workers
    assert statuses[:5] == [200] * 5
    assert statuses[5:] == [429] * 3
    blocked = workers[0].post("/login", data={"name": "cadre", "password": PASSWORD})
    assert blocked.status_code == 429
    assert "请求过于频繁" in blocked.get_data(as_text=True)


def test_an_app_with_login_limits_off_does_not_turn_them_off_for_the_next(county, make_app):
    """The limiter is one object for every app: an app built with limits off must not leave them off."""
    make_app(RATELIMIT_ENABLED=False, WTF_CSRF_ENABLED=False)
    client = make_app(WTF_CSRF_ENABLED=False, RATELIMIT_KEY_PREFIX=f"jobmatch-test-{uuid.uuid4().hex}").test_client()
    statuses = [
        client.post("/login", data={"name": "cadre", "password": "wrong-password!"}).status_code for _ in range(6)
    ]
    assert statuses == [200] * 5 + [429]

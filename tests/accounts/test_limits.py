"""Limits on guessing and harvesting: login tries per name however it is written, reveals per user, Redis down."""

from __future__ import annotations

import socket
import uuid

import pytest
from flask import Flask
from flask_limiter import Limiter

from jobmatch.accounts import service, tokens
from jobmatch.security import REVEAL_LIMIT_PER_USER, check_limits_in_views_only
from tests.accounts.conftest import PASSWORD
from tests.accounts.test_login import _csrf, _login
from tests.conftest import ApiClient

WRONG = "wrong-password!"
REVEALS_PER_HOUR = int(REVEAL_LIMIT_PER_USER.split()[0])


def _closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def limited(make_app):
    """A worker with login limits on, CSRF off (the forms are posted directly) and a fresh count."""
    return make_app(WTF_CSRF_ENABLED=False, RATELIMIT_KEY_PREFIX=f"jobmatch-test-{uuid.uuid4().hex}").test_client()


@pytest.mark.parametrize(
    ("name", "variants"),
    [
        ("cadre", ["ｃａｄｒｅ", "ｃadre", " cadre ", "cadre\u3000", "ｃａｄｒｅ "]),
        ("张三", ["張三", "張三 ", "\u3000张三", "张三\u3000", " 張三"]),
    ],
    ids=["full-width", "traditional"],
)
def test_every_way_of_writing_a_name_shares_its_five_tries(county, limited, name, variants):
    if name != "cadre":
        service.save_user({"name": name, "role": "admin", "password": PASSWORD})
    # Each variant is the same account to the login…
    assert {service.login_name(v) for v in variants} == {name}
    statuses = [limited.post("/login", data={"name": v, "password": WRONG}).status_code for v in variants]
    assert statuses == [200] * 5
    # …so the sixth try, even with the right password, waits.
    blocked = limited.post("/login", data={"name": name, "password": PASSWORD})
    assert blocked.status_code == 429
    assert "请求过于频繁" in blocked.get_data(as_text=True)


def test_another_name_keeps_its_own_tries(county, limited):
    for _ in range(5):
        limited.post("/login", data={"name": "ｃａｄｒｅ", "password": WRONG})
    assert limited.post("/login", data={"name": "bureau", "password": PASSWORD}).status_code == 302


@pytest.fixture
def redis_down(make_app):
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    return make_app(
        REDIS_URL=url,
        RATELIMIT_STORAGE_URI=url,
        RATELIMIT_KEY_PREFIX=f"jobmatch-test-{uuid.uuid4().hex}",
        WTF_CSRF_ENABLED=False,
    ).test_client()


def test_logins_go_on_when_redis_is_down(county, redis_down):
    assert redis_down.post("/login", data={"name": "cadre", "password": PASSWORD}).status_code == 302
    assert redis_down.get("/api/v1/me").status_code == 200


def test_the_login_limit_still_counts_in_the_worker_when_redis_is_down(county, redis_down):
    statuses = [redis_down.post("/login", data={"name": "cadre", "password": WRONG}).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]


def test_reveals_go_on_when_redis_is_down(county, redis_down):
    token = tokens.issue_token(county["users"]["cadre"], "test")
    laborer = county["east"][0]
    revealed = ApiClient(redis_down, token).post(f"/api/v1/laborers/{laborer.id}/reveal")
    assert revealed.status_code == 200 and revealed.get_json()["id_number"]


@pytest.mark.parametrize("role", ["admin", "bureau", "cadre"])
def test_a_user_may_reveal_30_laborers_an_hour_then_gets_a_429(county, as_role, role):
    caller = as_role(role)
    laborer = county["east"][0]
    statuses = [caller.post(f"/api/v1/laborers/{laborer.id}/reveal").status_code for _ in range(REVEALS_PER_HOUR)]
    assert statuses == [200] * REVEALS_PER_HOUR
    refused = caller.post(f"/api/v1/laborers/{laborer.id}/reveal")
    assert refused.status_code == 429 and refused.mimetype == "application/problem+json"
    assert refused.get_json()["title_zh"] == "请求过于频繁，请稍后再试"
    assert int(refused.headers["Retry-After"]) > 0
    assert "id_number" not in refused.get_json()


def test_the_reveal_limit_is_per_user_whether_by_token_or_page(client, county, as_role):
    """Another user still may; the same user through the page shares the count of their token."""
    cadre = as_role("cadre")
    laborer = county["east"][0]
    for _ in range(REVEALS_PER_HOUR):
        cadre.post(f"/api/v1/laborers/{laborer.id}/reveal")
    assert cadre.post(f"/api/v1/laborers/{laborer.id}/reveal").status_code == 429
    assert as_role("bureau").post(f"/api/v1/laborers/{laborer.id}/reveal").status_code == 200
    _login(client, "cadre")
    page = client.post(f"/api/v1/laborers/{laborer.id}/reveal", headers={"X-CSRFToken": _csrf(client, "/")})
    assert page.status_code == 429


def test_the_openapi_document_says_reveal_can_answer_429(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    responses = spec["paths"]["/api/v1/laborers/{laborer_id}/reveal"]["post"]["responses"]
    assert "429" in responses
    assert "application/problem+json" in responses["429"]["content"]


def _app_with(extension) -> Flask:
    app = Flask(__name__)
    app.config["RATELIMIT_STORAGE_URI"] = "memory://"
    extension.init_app(app)

    @app.get("/open")
    def open_view():
        return "open"

    @app.get("/guarded")
    @extension.limit("2 per minute")
    def guarded():
        return "guarded"

    check_limits_in_views_only(app, extension)
    return app


def test_a_limit_on_a_view_counts_without_the_check_before_every_request():
    client = _app_with(Limiter(key_func=lambda: "one address")).test_client()
    assert [client.get("/guarded").status_code for _ in range(3)] == [200, 200, 429]
    assert [client.get("/open").status_code for _ in range(3)] == [200, 200, 200]


def test_a_limit_for_the_whole_app_keeps_the_check_before_every_request():
    extension = Limiter(key_func=lambda: "one address", application_limits=["2 per minute"])
    client = _app_with(extension).test_client()
    assert [client.get("/open").status_code for _ in range(3)] == [200, 200, 429]

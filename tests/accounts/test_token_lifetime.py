"""API tokens expire, and end when their owner's password changes or the owner is disabled."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from jobmatch.accounts import service, tokens
from jobmatch.accounts.models import ApiToken
from jobmatch.extensions import db
from jobmatch.modelbase import utcnow
from tests.accounts.test_login import _csrf, _login
from tests.conftest import ApiClient


def _expires_in_days(row: ApiToken) -> float:
    return (row.expires_at - utcnow()) / timedelta(days=1)


def _row(token: str) -> ApiToken:
    db.session.expire_all()
    return db.session.execute(sa.select(ApiToken).where(ApiToken.token_hash == tokens.hash_token(token))).scalar_one()


def test_a_new_token_works_for_90_days_by_default(county):
    token = tokens.issue_token(county["users"]["cadre"], "default")
    assert 89.9 < _expires_in_days(_row(token)) <= 90


def test_an_expired_token_gets_a_401_saying_so(client, county):
    token = tokens.issue_token(county["users"]["cadre"], "soon")
    cadre = ApiClient(client, token)
    assert cadre.get("/api/v1/me").status_code == 200
    db.session.execute(sa.update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    refused = cadre.get("/api/v1/me")
    assert refused.status_code == 401 and refused.mimetype == "application/problem+json"
    body = refused.get_json()
    assert body["code"] == "token_expired"
    assert "expired" in body["title"] and "过期" in body["title_zh"]


def test_a_remembered_token_is_refused_once_it_expires(client, county, monkeypatch):
    """The worker's memory of a token does not outlive the token."""
    token = tokens.issue_token(county["users"]["cadre"], "soon", expires_in_days=1)
    cadre = ApiClient(client, token)
    assert cadre.get("/api/v1/me").status_code == 200  # now remembered
    later = utcnow() + timedelta(days=1, seconds=1)
    monkeypatch.setattr(tokens, "utcnow", lambda: later)
    assert cadre.get("/api/v1/me").get_json()["code"] == "token_expired"


@pytest.mark.parametrize(
    ("change", "code"),
    [({"password": "a-brand-new-password"}, "token_revoked"), ({"active": False}, "token_revoked")],
    ids=["password changed", "disabled"],
)
def test_a_password_change_or_disabling_ends_the_owners_tokens(client, county, change, code):
    cadre_user = county["users"]["cadre"]
    token = tokens.issue_token(cadre_user, "script")
    other = tokens.issue_token(county["users"]["bureau"], "script")
    assert ApiClient(client, token).get("/api/v1/me").status_code == 200
    service.save_user(change, cadre_user)
    refused = ApiClient(client, token).get("/api/v1/me")
    assert refused.status_code == 401 and refused.get_json()["code"] == code
    assert _row(token).revoked_at is not None
    # Other people's tokens are untouched.
    assert ApiClient(client, other).get("/api/v1/me").status_code == 200


def test_enabling_an_account_again_does_not_revive_its_tokens(client, county):
    cadre_user = county["users"]["cadre"]
    token = tokens.issue_token(cadre_user, "script")
    service.save_user({"active": False}, cadre_user)
    service.save_user({"active": True}, cadre_user)
    assert ApiClient(client, token).get("/api/v1/me").status_code == 401
    fresh = tokens.issue_token(cadre_user, "script")
    assert ApiClient(client, fresh).get("/api/v1/me").status_code == 200


def test_changing_a_password_through_the_api_ends_tokens_at_once(as_role, county):
    cadre = as_role("cadre")
    admin = as_role("admin")
    assert cadre.get("/api/v1/me").status_code == 200  # remembered by this worker
    changed = admin.patch(f"/api/v1/users/{county['users']['cadre'].id}", json={"password": "a-brand-new-password"})
    assert changed.status_code == 200
    assert cadre.get("/api/v1/me").status_code == 401


def test_an_unknown_token_gets_a_plain_401(client, county):
    refused = ApiClient(client, "jm_not-a-token").get("/api/v1/me")
    assert refused.status_code == 401 and refused.get_json()["code"] == "token_invalid"


def test_the_api_issues_tokens_for_as_many_days_as_asked(as_role, county, client):
    admin = as_role("admin")
    made = admin.post(
        "/api/v1/tokens", json={"user_id": county["users"]["cadre"].id, "label": "etl", "expires_in_days": 7}
    )
    assert made.status_code == 201
    assert 6.9 < _expires_in_days(_row(made.get_json()["token"])) <= 7
    assert made.get_json()["expires_at"]
    listed = admin.get(f"/api/v1/tokens/{made.get_json()['id']}").get_json()
    assert listed["expires_at"] == made.get_json()["expires_at"]
    default = admin.post("/api/v1/tokens", json={"user_id": county["users"]["cadre"].id, "label": "etl"})
    assert 89.9 < _expires_in_days(_row(default.get_json()["token"])) <= 90


@pytest.mark.parametrize("days", [0, -1, tokens.MAX_TOKEN_DAYS + 1, "ninety"])
def test_a_token_lifetime_out_of_range_is_a_field_error(as_role, county, days):
    admin = as_role("admin")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken))
    refused = admin.post(
        "/api/v1/tokens", json={"user_id": county["users"]["cadre"].id, "label": "etl", "expires_in_days": days}
    )
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    assert [e["field"] for e in refused.get_json()["errors"]] == ["expires_in_days"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == before


def test_the_cli_issues_tokens_for_as_many_days_as_asked(runner, app):
    made = runner.invoke(args=["users", "create-token", "etl", "--role", "admin", "--expires-in-days", "30"])
    assert made.exit_code == 0, made.output
    assert 29.9 < _expires_in_days(_row(made.output.strip())) <= 30
    default = runner.invoke(args=["users", "create-token", "etl2", "--role", "admin"])
    assert 89.9 < _expires_in_days(_row(default.output.strip())) <= 90
    refused = runner.invoke(args=["users", "create-token", "etl3", "--role", "admin", "--expires-in-days", "0"])
    assert refused.exit_code != 0 and "expires-in-days" in refused.output


def test_the_admin_page_issues_tokens_for_as_many_days_as_asked(client, county):
    _login(client, "admin")
    page = client.post(
        "/admin/tokens",
        data={
            "csrf_token": _csrf(client, "/admin/tokens"),
            "user_id": county["users"]["cadre"].id,
            "label": "etl",
            "expires_in_days": 14,
        },
    )
    assert page.status_code == 200
    row = db.session.execute(sa.select(ApiToken).where(ApiToken.label == "etl")).scalar_one()
    assert 13.9 < _expires_in_days(row) <= 14

"""The admin's pages and API for accounts, tokens and the audit trail."""

from __future__ import annotations

import re

from jobmatch.accounts import service
from tests.accounts.conftest import PASSWORD


def _csrf(client, path: str) -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def _login_admin(client) -> None:
    token = _csrf(client, "/login")
    assert client.post("/login", data={"name": "admin", "password": PASSWORD, "csrf_token": token}).status_code == 302


def test_an_admin_creates_a_cadre_and_sees_the_password_once(client, county):
    _login_admin(client)
    page = client.post(
        "/admin/users",
        data={
            "csrf_token": _csrf(client, "/admin/users"),
            "name": "li-cadre",
            "display_name": "李干部",
            "role": "cadre",
            "regions": county["village"].code,
            "active": "y",
        },
    ).get_data(as_text=True)
    password = re.search(r'<p class="secret">([^<]+)</p>', page).group(1)
    assert "li-cadre" in page and "城东村" in page
    assert password not in client.get("/admin/users").get_data(as_text=True)
    assert service.authenticate("li-cadre", password) is not None


def test_a_scope_error_shows_next_to_the_field(client, county):
    _login_admin(client)
    page = client.post(
        "/admin/users",
        data={
            "csrf_token": _csrf(client, "/admin/users"),
            "name": "x",
            "role": "cadre",
            "regions": "361125000000",
        },
    ).get_data(as_text=True)
    assert "不是有效的行政村" in page
    assert service.user_by_name("x") is None


def test_tokens_are_shown_once_and_revoked_from_the_page(client, county):
    _login_admin(client)
    page = client.post(
        "/admin/tokens",
        data={"csrf_token": _csrf(client, "/admin/tokens"), "user_id": county["users"]["bureau"].id, "label": "报表"},
    ).get_data(as_text=True)
    token = re.search(r'<p class="secret">(jm_[^<]+)</p>', page).group(1)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    token_id = re.search(r"/admin/tokens/(\d+)/revoke", page).group(1)
    client.post(f"/admin/tokens/{token_id}/revoke", data={"csrf_token": _csrf(client, "/admin/tokens")})
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_the_token_api_shows_a_token_once_and_revokes_it(as_role, county, client):
    admin = as_role("admin")
    created = admin.post("/api/v1/tokens", json={"user_id": county["users"]["cadre"].id, "label": "sync"})
    assert created.status_code == 201
    token = created.get_json()["token"]
    listed = admin.get("/api/v1/tokens").get_data(as_text=True)
    assert token not in listed
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).get_json()["name"] == "cadre"
    admin.post(f"/api/v1/tokens/{created.get_json()['id']}/revoke")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_disabling_a_user_stops_their_tokens_too(as_role, county, client):
    cadre = as_role("cadre")
    assert cadre.get("/api/v1/me").status_code == 200
    as_role("admin").patch(f"/api/v1/users/{county['users']['cadre'].id}", json={"active": False})
    assert cadre.get("/api/v1/me").status_code == 401


def test_the_audit_page_finds_a_reveal(client, as_role, county):
    laborer = county["east"][0]
    as_role("cadre").post(f"/api/v1/laborers/{laborer.id}/reveal")
    _login_admin(client)
    page = client.get(f"/admin/audit?action=reveal&entity_type=laborers&entity_id={laborer.id}").get_data(as_text=True)
    # Read by a person: the record's and the action's words, and who did it by name.
    assert f"劳动力 #{laborer.id}" in page and "查看完整信息" in page and ">cadre</a>" in page
    assert laborer.id_number not in page

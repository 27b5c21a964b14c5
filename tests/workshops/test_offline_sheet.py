"""What the day sheet's offline script relies on: the page's session may send a kept save to the attendance
API with its CSRF token and an Idempotency-Key; sent again, the save changes nothing; the service worker
and the app manifest are served where the workshop pages can use them."""

from __future__ import annotations

import re

import sqlalchemy as sa

from jobmatch.accounts.models import IdempotentRequest
from jobmatch.extensions import db
from tests.workshops.conftest import PASSWORD, TODAY, count, employ, sheet_url, snapshot
from workshops.models import Attendance, AttendanceChange


def _csrf(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def _login(client, name: str) -> str:
    """Log in through the page; the CSRF token of the manager's session."""
    response = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": _csrf(client, "/login")})
    assert response.status_code == 302
    return _csrf(client, "/")


def _kept_save(client, shop, token: str, key: str, body: dict):
    """The request the page's script sends for a save kept on the phone."""
    return client.post(
        sheet_url(shop),
        json=body,
        headers={"X-CSRFToken": token, "Idempotency-Key": key, "Accept": "application/json"},
    )


def _statuses() -> dict[int, str]:
    db.session.expire_all()
    rows = db.session.execute(sa.select(Attendance.laborer_id, Attendance.status).where(Attendance.day == TODAY))
    return {laborer_id: status.value for laborer_id, status in rows}


def test_a_kept_save_sent_twice_with_its_key_changes_nothing_the_second_time(client, county, shop):
    east_a, _ = county["east"]
    employ(east_a, shop)
    west = county["west"]
    token = _login(client, "manager")
    body = {"entries": [{"laborer_id": west.id, "status": "absent"}, {"laborer_id": east_a.id, "status": "leave"}]}

    first = _kept_save(client, shop, token, "phone-save-1", body)
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["created"] == 2
    before = snapshot()

    again = _kept_save(client, shop, token, "phone-save-1", body)
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert snapshot() == before
    assert _statuses() == {west.id: "absent", east_a.id: "leave"}
    assert count(IdempotentRequest) == 1


def test_a_late_resend_does_not_undo_a_later_save(client, county, shop):
    """The phone's first answer was lost; meanwhile the sheet was saved again. The resend replays, not writes."""
    west = county["west"]
    token = _login(client, "manager")
    absent = {"entries": [{"laborer_id": west.id, "status": "absent"}]}
    present = {"entries": [{"laborer_id": west.id, "status": "present"}]}
    assert _kept_save(client, shop, token, "first-save", absent).status_code == 200
    assert _kept_save(client, shop, token, "second-save", present).status_code == 200
    changes = count(AttendanceChange)

    late = _kept_save(client, shop, token, "first-save", absent)
    assert late.status_code == 200 and late.headers["Idempotent-Replayed"] == "true"
    assert _statuses() == {west.id: "present"}
    assert count(AttendanceChange) == changes


def test_a_session_save_without_the_csrf_token_is_refused_and_changes_nothing(client, county, shop):
    _login(client, "manager")
    before = snapshot()
    response = client.post(
        sheet_url(shop),
        json={"entries": [{"laborer_id": county["west"].id, "status": "absent"}]},
        headers={"Idempotency-Key": "no-token"},
    )
    assert response.status_code == 400
    assert "CSRF" in response.get_json()["title"]
    assert snapshot() == before
    assert count(IdempotentRequest) == 0


def test_a_save_from_a_page_no_longer_logged_in_is_refused_with_401(client, county, shop):
    token = _login(client, "manager")
    client.post("/logout", data={"csrf_token": token})
    response = _kept_save(client, shop, token, "after-logout", {"entries": [{"laborer_id": county["west"].id}]})
    assert response.status_code == 401
    assert _statuses() == {}


def test_the_service_worker_is_served_for_the_workshop_pages(client):
    response = client.get("/workshops/sheet-sw.js")
    assert response.status_code == 200
    assert response.mimetype in ("text/javascript", "application/javascript")
    assert response.headers["Service-Worker-Allowed"] == "/workshops/"
    assert 'addEventListener("fetch"' in response.get_data(as_text=True)


def test_the_manifest_opens_the_managers_sheet_and_not_another_workshops(client, county, shop, other_shop):
    _login(client, "manager")
    manifest = client.get(f"/workshops/{shop.id}/attendance/manifest.webmanifest")
    assert manifest.status_code == 200 and manifest.mimetype == "application/manifest+json"
    body = manifest.get_json()
    assert body["start_url"] == f"/workshops/{shop.id}/attendance"
    assert body["scope"] == "/workshops/"
    assert "城西服装车间" in body["name"]
    assert client.get(f"/workshops/{other_shop.id}/attendance/manifest.webmanifest").status_code == 404


def test_without_javascript_the_sheet_still_posts_to_its_page(client, county, shop):
    _login(client, "manager")
    page = client.get(f"/workshops/{shop.id}/attendance").get_data(as_text=True)
    form = re.search(r'<form method="post" action="([^"]+)" class="sheet"', page)
    assert form and form.group(1) == f"/workshops/{shop.id}/attendance"
    # The banner is for the script to fill; without it, nothing shows.
    assert re.search(r'<div id="offline-banner"[^>]* hidden', page)
    assert 'rel="manifest"' in page

"""ID numbers and phones: encrypted at rest, masked in answers, revealed only with a trace."""

from __future__ import annotations

import re

import sqlalchemy as sa

from jobmatch.accounts.models import AuditEvent
from jobmatch.extensions import db

FULL_ID = re.compile(r"\d{17}[\dXx]")
FULL_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def test_no_api_answer_to_a_cadre_or_manager_holds_a_full_id_number_or_phone(as_role, county):
    for role in ("cadre", "manager", "bureau", "admin"):
        client = as_role(role)
        for url in ("/api/v1/laborers", *(f"/api/v1/laborers/{p.id}" for p in [*county["east"], county["west"]])):
            body = client.get(url).get_data(as_text=True)
            assert not FULL_ID.search(body), (role, url)
            assert not FULL_PHONE.search(body), (role, url)
    body = as_role("cadre").get(f"/api/v1/laborers/{county['east'][0].id}").get_json()
    number = county["east"][0].id_number
    assert body["id_number"] == number[:3] + "*" * 11 + number[-4:]
    assert body["phone"] == "138****5678"


def test_the_database_holds_ciphertext_not_numbers(county):
    laborer = county["east"][1]
    row = db.session.execute(
        sa.text("SELECT id_number_encrypted, phone_encrypted, id_number_index FROM laborers WHERE id = :id"),
        {"id": laborer.id},
    ).one()
    encrypted = f"{row.id_number_encrypted} {row.phone_encrypted}"
    assert laborer.id_number not in encrypted and "13911112222" not in encrypted
    assert row.id_number_encrypted.startswith("v1:") and row.phone_encrypted.startswith("v1:")
    # The blind index is a keyed hash (hex): it may hold runs of digits, but never the number itself.
    assert re.fullmatch(r"[0-9a-f]{64}", row.id_number_index) and laborer.id_number not in row.id_number_index
    # the same number encrypts differently each time, but indexes the same
    again = db.session.execute(
        sa.text("SELECT id_number_encrypted FROM laborers WHERE id = :id"), {"id": county["east"][0].id}
    ).scalar_one()
    assert again != row.id_number_encrypted


def test_revealing_a_number_is_audited_with_who_and_from_where(as_role, county):
    laborer = county["east"][1]
    response = as_role("cadre").post(f"/api/v1/laborers/{laborer.id}/reveal")
    assert response.status_code == 200
    assert response.get_json()["id_number"] == laborer.id_number
    assert response.get_json()["phone"] == "13911112222"
    event = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == "reveal", AuditEvent.entity_id == laborer.id)
    ).scalar_one()
    assert event.actor_id == county["users"]["cadre"].id
    assert event.entity_type == "laborers"
    assert event.remote_addr == "127.0.0.1"
    found = as_role("admin").get(f"/api/v1/audit-events?action=reveal&entity_id={laborer.id}").get_json()
    assert found["pagination"]["total"] == 1


def test_a_manager_may_not_reveal(as_role, county):
    assert as_role("manager").post(f"/api/v1/laborers/{county['west'].id}/reveal").status_code == 403


def test_the_audit_trail_is_append_only(county):
    event = db.session.execute(sa.select(AuditEvent).limit(1)).scalar_one()
    event.action = "tampered"
    try:
        db.session.commit()
        raise AssertionError("an audit event was changed")
    except RuntimeError:
        db.session.rollback()


def test_pages_and_api_answers_are_never_cached_and_carry_security_headers(client, as_role, county):
    for response in (client.get("/login"), as_role("cadre").get("/api/v1/laborers")):
        assert response.headers["Cache-Control"] == "no-store"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
    static = client.get("/static/css/app.css")
    static.close()
    assert "max-age" in static.headers["Cache-Control"]

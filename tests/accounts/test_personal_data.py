"""ID numbers and phones: encrypted at rest, masked in answers, revealed only with a trace."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from jobmatch.accounts.models import AuditEvent
from jobmatch.extensions import db
from jobmatch.people.models import Laborer
from tests import factories
from tests.cadre.conftest import _quick_password_hashes, log_in  # noqa: F401  (fixtures)

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


# --- masked numbers come with the age only ---------------------------------------------------------

# Birth date and sex beside 362***********777X leave about nine possible numbers (the check digit
# does the rest): wherever the number is masked, neither may appear, in any form.
REBUILDING_KEYS = {"birth_date", "birthday", "date_of_birth", "sex", "gender"}
SEX_WORD = re.compile(r"(?<![\u4e00-\u9fff])[男女](?![\u4e00-\u9fff])")
MASKED_ID = re.compile(r"\d{3}\*{11}[\dXx]{4}")


def _birth_texts(laborer) -> list[str]:
    born = laborer.birth_date
    return [
        born.isoformat(),
        born.strftime("%Y%m%d"),
        f"{born.year}年{born.month}月{born.day}日",
        f"{born.year}/{born.month}/{born.day}",
    ]


def _keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | set().union(*(_keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_keys(v) for v in value)) if value else set()
    return set()


def _assert_no_rebuilding_detail(text: str, people, where) -> None:
    for laborer in people:
        for born in _birth_texts(laborer):
            assert born not in text, (where, born)


@pytest.fixture
def matching_post(county):
    from tests.cadre.conftest import sewing_post

    return sewing_post()


def test_no_api_answer_beside_a_masked_number_carries_birth_date_or_sex(as_role, county, matching_post):
    people = [*county["east"], county["west"]]
    new = factories.laborer_data(household_code="H-EAST-1", age=33, sequence=17, name="东丁")
    answers = []
    for role in ("admin", "bureau", "cadre", "manager"):
        client = as_role(role)
        for url in ("/api/v1/laborers", "/api/v1/laborers?q=东", *(f"/api/v1/laborers/{p.id}" for p in people)):
            answers.append((role, url, client.get(url)))
        answers.append((role, "matches", client.get(f"/api/v1/openings/{matching_post.id}/matches?limit=50")))
        answers.append((role, "laborer matches", client.get(f"/api/v1/laborers/{people[0].id}/matches")))
    created = as_role("cadre").post("/api/v1/laborers", json=new)
    assert created.status_code == 201
    answers.append(("cadre", "create", created))
    answers.append(
        ("cadre", "update", as_role("cadre").patch(f"/api/v1/laborers/{people[0].id}", json={"name": "东甲"}))
    )
    people.append(db.session.get(Laborer, created.get_json()["id"]))
    # The audit trail of those changes names the fields that changed, not the values.
    answers.append(("admin", "audit", as_role("admin").get("/api/v1/audit-events?entity_type=laborers&per_page=100")))
    shown = 0
    for role, url, response in answers:
        if response.status_code in (403, 404):
            continue
        assert response.status_code in (200, 201), (role, url, response.status_code)
        text = response.get_data(as_text=True)
        shown += len(MASKED_ID.findall(text))
        if url != "audit":  # the trail names changed fields ("birth_date": "(changed)"), never their values
            assert not (_keys(response.get_json()) & REBUILDING_KEYS), (role, url)
        _assert_no_rebuilding_detail(text, people, (role, url))
    # The matrix did look at masked numbers: lists, records, matches, create and update.
    assert shown > 20
    matched = as_role("bureau").get(f"/api/v1/openings/{matching_post.id}/matches?limit=50").get_json()
    assert matched["items"] and "age" in matched["items"][0]["laborer"]


def test_no_page_beside_a_masked_number_shows_birth_date_or_sex(log_in, county):  # noqa: F811
    people = [*county["east"], county["west"]]
    household = people[0].household
    for role in ("cadre", "bureau", "admin"):
        client = log_in(role)
        urls = ["/laborers", "/laborers?q=东", f"/households/{household.id}"]
        urls += [f"/laborers/{p.id}" for p in county["east"]] + [f"/laborers/{p.id}/edit" for p in county["east"]]
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (role, url)
            html = response.get_data(as_text=True)
            _assert_no_rebuilding_detail(html, people, (role, url))
            assert not SEX_WORD.search(html), (role, url, SEX_WORD.search(html))
        profile = client.get(f"/laborers/{people[0].id}").get_data(as_text=True)
        assert MASKED_ID.search(profile) and "岁" in profile


def test_no_masked_export_carries_birth_date_or_sex(as_role, county):
    """Managers get masked numbers in every roster and in the attendance sheet: nothing beside them rebuilds one."""
    import csv
    import io

    from openpyxl import load_workbook

    people = [*county["east"], county["west"]]
    manager = as_role("manager")
    files = []
    # A manager's referral roster is refused as their referral list is (tests/accounts/test_scope_every_path.py).
    assert manager.get("/api/v1/rosters/referrals/export?format=csv").status_code == 403
    for kind in ("laborers", "employments"):
        for fmt in ("xlsx", "csv"):
            files.append((f"{kind}.{fmt}", manager.get(f"/api/v1/rosters/{kind}/export?format={fmt}")))
    shop = county["workshop"]
    files.append(("attendance.xlsx", manager.get(f"/api/v1/workshops/{shop.id}/attendance/export?month=2026-03")))
    for name, response in files:
        assert response.status_code == 200, name
        if name.endswith(".csv"):
            cells = [v for row in csv.reader(io.StringIO(response.data.decode("utf-8-sig"))) for v in row]
        else:
            book = load_workbook(io.BytesIO(response.data))
            cells = [str(c.value) for s in book.worksheets for r in s.iter_rows() for c in r if c.value is not None]
        text = "\n".join(cells)
        assert not FULL_ID.search(text), name
        assert not any(header in cells for header in ("出生日期", "性别", "生日")), name
        assert not any(cell in ("男", "女") for cell in cells), name
        _assert_no_rebuilding_detail(text, people, name)
    laborers = manager.get("/api/v1/rosters/laborers/export?format=csv").data.decode("utf-8-sig")
    assert MASKED_ID.search(laborers)

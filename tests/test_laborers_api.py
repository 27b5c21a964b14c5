"""Registering laborers through the API: ID numbers, ages, phones, text, duplicates."""

from __future__ import annotations

import sqlalchemy as sa
from stdnum.cn import ric

from jobmatch.accounts.models import AuditEvent
from jobmatch.extensions import db
from jobmatch.people.models import Laborer
from tests import factories


def _setup():
    factories.household()


def _count(model) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def _field_errors(response) -> dict[str, dict]:
    return {e["field"]: e for e in response.get_json()["errors"]}


def test_a_valid_laborer_is_registered_with_birth_date_and_sex_from_the_id(api):
    _setup()
    data = factories.laborer_data(age=45, sequence=3)
    response = api.post("/api/v1/laborers", json=data)
    assert response.status_code == 201
    body = response.get_json()
    assert body["age"] == 45
    assert body["village_code"] == factories.VILLAGE_CODE
    # Beside the masked number only the age; the audited reveal gives the birth date and sex.
    assert "birth_date" not in body and "sex" not in body
    personal = api.post(f"/api/v1/laborers/{body['id']}/reveal").get_json()
    assert personal["birth_date"] == ric.get_birth_date(data["id_number"]).isoformat()
    assert personal["sex"] == "male"  # odd sequence digit


def test_a_wrong_check_digit_is_a_field_error_and_nothing_is_stored(api):
    _setup()
    data = factories.laborer_data()
    wrong = "0" if data["id_number"][-1] != "0" else "1"
    data["id_number"] = data["id_number"][:-1] + wrong
    response = api.post("/api/v1/laborers", json=data)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    error = _field_errors(response)["id_number"]
    assert error["code"] == "invalid_checksum"
    assert "校验位" in error["zh"] and "check digit" in error["en"]
    assert _count(Laborer) == 0


def test_a_future_birth_date_is_refused(api):
    _setup()
    future = factories.years_ago(-1)
    data = factories.laborer_data(id_number=factories.id_number(future, 2, area="361125"))
    response = api.post("/api/v1/laborers", json=data)
    assert response.status_code == 422
    assert _field_errors(response)["id_number"]["code"] == "future_birth_date"


def test_a_twelve_year_old_is_outside_working_age(api):
    _setup()
    data = factories.laborer_data(id_number=factories.id_number(factories.years_ago(12), 2, area="361125"))
    response = api.post("/api/v1/laborers", json=data)
    assert response.status_code == 422
    error = _field_errors(response)["id_number"]
    assert error["code"] == "outside_working_age"
    assert "12" in error["zh"]


def test_working_age_ends_at_seventy_five(api):
    _setup()
    assert api.post("/api/v1/laborers", json=factories.laborer_data(age=75, sequence=4)).status_code == 201
    response = api.post("/api/v1/laborers", json=factories.laborer_data(age=76, sequence=6))
    assert response.status_code == 422


def test_a_phone_with_ten_digits_is_refused(api):
    _setup()
    response = api.post("/api/v1/laborers", json=factories.laborer_data(phone="1381234567"))
    assert response.status_code == 422
    error = _field_errors(response)["phone"]
    assert error["code"] == "invalid_phone"
    assert "11" in error["zh"]
    assert _count(Laborer) == 0


def test_every_wrong_field_is_reported_at_once(api):
    _setup()
    data = factories.laborer_data(phone="12", household_code="nope", name="  ")
    data["id_number"] = "123"
    response = api.post("/api/v1/laborers", json=data)
    assert response.status_code == 422
    assert set(_field_errors(response)) == {"phone", "household_code", "name", "id_number"}


def test_traditional_characters_are_stored_simplified_and_the_original_skills_kept(api):
    _setup()
    data = factories.laborer_data(name="陳麗華", skills=["縫紉", "會開叉車"])
    body = api.post("/api/v1/laborers", json=data).get_json()
    assert body["name"] == "陈丽华"
    assert body["skills"] == ["缝纫", "会开叉车"]
    assert body["skills_raw"] == ["縫紉", "會開叉車"]


def test_full_width_digits_in_id_and_phone_are_accepted(api):
    _setup()
    data = factories.laborer_data()
    plain_id = data["id_number"]
    full_width = {ord(c): ord(c) + 0xFEE0 for c in "0123456789X"}
    data["id_number"] = plain_id.translate(full_width)
    data["phone"] = "１３８１２３４５６７８"
    response = api.post("/api/v1/laborers", json=data)
    assert response.status_code == 201
    stored = db.session.get(Laborer, response.get_json()["id"])
    assert stored.id_number == plain_id
    assert stored.phone == "13812345678"


def test_a_full_width_or_lower_case_copy_of_an_id_is_a_duplicate(api):
    _setup()
    # sequence 5 with this birth date may end in X; find one that does so the lower-case case is real
    birth = factories.years_ago(50)
    number = next(factories.id_number(birth, s) for s in range(1, 999) if factories.id_number(birth, s).endswith("X"))
    assert api.post("/api/v1/laborers", json=factories.laborer_data(id_number=number)).status_code == 201
    lower = api.post("/api/v1/laborers", json=factories.laborer_data(id_number=number.lower()))
    assert lower.status_code == 409
    assert _field_errors(lower)["id_number"]["code"] == "duplicate"
    wide = number.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789X"})
    assert api.post("/api/v1/laborers", json=factories.laborer_data(id_number=wide)).status_code == 409
    assert _count(Laborer) == 1


def test_an_unknown_field_is_refused(api):
    _setup()
    response = api.post("/api/v1/laborers", json=factories.laborer_data(favourite_colour="red"))
    assert response.status_code == 422
    assert _field_errors(response)["favourite_colour"]["code"] == "unknown_field"


def test_malformed_json_is_a_bad_request(api):
    _setup()
    response = api.post("/api/v1/laborers", data='{"name": "王', content_type="application/json")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["title_zh"]


def test_a_ten_megabyte_body_is_too_large(api):
    _setup()
    body = '{"name": "' + "王" * (10 * 1024 * 1024 // 3) + '"}'
    response = api.post("/api/v1/laborers", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert _count(Laborer) == 0


def test_no_token_is_unauthorised(client):
    response = client.get("/api/v1/laborers")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    bad = client.get("/api/v1/laborers", headers={"Authorization": "Bearer jm_not-a-token"})
    assert bad.status_code == 401


def test_an_update_rederives_birth_date_and_keeps_the_rest(api):
    _setup()
    created = api.post("/api/v1/laborers", json=factories.laborer_data(age=45)).get_json()
    new_id = factories.id_number(factories.years_ago(60), 7)
    response = api.patch(f"/api/v1/laborers/{created['id']}", json={"id_number": new_id})
    assert response.status_code == 200
    body = response.get_json()
    assert body["age"] == 60
    assert api.post(f"/api/v1/laborers/{created['id']}/reveal").get_json()["sex"] == "male"
    assert body["name"] == created["name"] and body["phone"] == created["phone"]


def test_a_rejected_update_changes_nothing(api):
    _setup()
    created = api.post("/api/v1/laborers", json=factories.laborer_data()).get_json()
    response = api.patch(f"/api/v1/laborers/{created['id']}", json={"name": "李四", "phone": "999"})
    assert response.status_code == 422
    assert api.get(f"/api/v1/laborers/{created['id']}").get_json()["name"] == created["name"]


def test_changes_are_audited_with_who_and_without_personal_values(api):
    _setup()
    data = factories.laborer_data()
    created = api.post("/api/v1/laborers", json=data).get_json()
    api.patch(f"/api/v1/laborers/{created['id']}", json={"phone": "13900001111", "willingness": "village"})
    events = (
        db.session.execute(sa.select(AuditEvent).where(AuditEvent.entity_type == "laborers").order_by(AuditEvent.id))
        .scalars()
        .all()
    )
    assert [e.action for e in events] == ["create", "update"]
    assert all(e.actor_id is not None for e in events)
    update = events[1].changes
    assert update["willingness"] == {"from": "county", "to": "village"}
    assert update["phone"] == {"from": "(changed)", "to": "(changed)"}
    assert "13900001111" not in str(update) and data["id_number"] not in str(events[0].changes)
    laborer = db.session.get(Laborer, created["id"])
    assert laborer.created_by_id == events[0].actor_id == laborer.updated_by_id


def test_list_filters_by_division_code_at_every_level_and_by_text(api):
    _setup()
    factories.household(code="3611251002020001", village_code=factories.OTHER_VILLAGE_CODE)
    factories.laborer(name="张三", sequence=11)
    factories.laborer(name="李四", sequence=13, household_code="3611251002020001")

    def names(query: str) -> list[str]:
        return sorted(item["name"] for item in api.get("/api/v1/laborers" + query).get_json()["items"])

    assert names("?region=361125000000") == ["张三", "李四"]
    assert names("?region=361125100000") == ["张三", "李四"]
    assert names(f"?region={factories.VILLAGE_CODE}") == ["张三"]
    assert names("?region=361125101000") == []
    assert names("?q=李") == ["李四"]
    assert names("?q=張三") == ["张三"]  # searched in Simplified too


def test_pagination_reports_totals(api):
    _setup()
    for i in range(5):
        factories.laborer(sequence=20 + i * 2)
    body = api.get("/api/v1/laborers?per_page=2&page=3").get_json()
    assert len(body["items"]) == 1
    assert body["pagination"] == {
        "page": 3,
        "per_page": 2,
        "pages": 3,
        "total": 5,
        "total_is_estimate": False,
        "next_cursor": None,
    }
    assert api.get("/api/v1/laborers?per_page=500").status_code == 422


def test_an_unknown_laborer_is_404(api):
    response = api.get("/api/v1/laborers/999")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"

"""The daily sheet and its rules: each refusal says why and changes nothing."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from apiflask.fields import List, Nested

from jobmatch.accounts.models import AuditEvent
from jobmatch.extensions import db
from jobmatch.placements.models import Employment
from tests.workshops.conftest import TODAY, count, employ, entries, hire, sheet_url, snapshot
from workshops import attendance
from workshops.api import AttendanceEntryIn, WorkshopSheetOut, WorkshopSheetSaved, plain_entries
from workshops.models import Attendance, AttendanceChange, AttendanceFlag, FlagKind


def _fields(response) -> list[str]:
    return [e["field"] for e in response.get_json().get("errors", [])]


def test_the_sheet_lists_current_workers_pre_filled_present(as_role, county, shop):
    former = hire(shop, 1, prefix="前", end=date(2026, 4, 1))[0]
    later = hire(shop, 1, prefix="新", start=date(2026, 4, 20))[0]
    response = as_role("manager").get(sheet_url(shop))
    assert response.status_code == 200
    sheet = response.get_json()
    assert [e["laborer_name"] for e in sheet["entries"]] == ["西丙"]
    entry = sheet["entries"][0]
    assert entry["status"] == "present" and entry["saved"] is False and entry["employed"] is True
    assert sheet["editable"] is True and sheet["needs_reason"] is False
    names_on_first = [
        e["laborer_name"] for e in as_role("manager").get(sheet_url(shop, date(2026, 4, 1))).json["entries"]
    ]
    assert former.name in names_on_first and later.name not in names_on_first


def test_a_thirty_worker_day_saved_twice_leaves_thirty_rows(as_role, county, shop):
    workers = hire(shop, 29) + [county["west"]]
    manager = as_role("manager")
    first = manager.post(sheet_url(shop), json=entries(workers))
    assert first.status_code == 200, first.get_json()
    assert (first.json["created"], first.json["unchanged"]) == (30, 0)
    before = snapshot()
    second = manager.post(sheet_url(shop), json=entries(workers))
    assert (second.json["created"], second.json["updated"], second.json["unchanged"]) == (0, 0, 30)
    assert snapshot() == before
    assert count(Attendance, Attendance.day == TODAY) == 30
    assert all(e["saved"] for e in second.json["sheet"]["entries"])


def test_a_hundred_workers_are_saved_in_one_request(as_role, county, shop):
    shop.capacity = 120
    db.session.commit()
    workers = hire(shop, 99) + [county["west"]]
    body = entries(workers, hours=8, pieces=120)
    response = as_role("manager").post(sheet_url(shop), json=body)
    assert response.status_code == 200
    assert count(Attendance) == 100 and count(AttendanceChange) == 100


def test_every_attendance_edit_is_audited_with_its_values(as_role, county, shop):
    manager = as_role("manager")
    west = county["west"]
    manager.post(sheet_url(shop), json=entries([west]))
    manager.post(sheet_url(shop), json=entries([west], status="half_day", hours=4))
    events = (
        db.session.execute(sa.select(AuditEvent).where(AuditEvent.entity_type == "attendance").order_by(AuditEvent.id))
        .scalars()
        .all()
    )
    assert [e.action for e in events] == ["create", "update"]
    assert events[1].changes["from"]["status"] == "present"
    assert events[1].changes["to"] == {"status": "half_day", "hours": "4.0", "pieces": None, "note": None}
    assert events[1].actor_id == county["users"]["manager"].id


def test_a_laborer_not_employed_there_that_day_is_refused(as_role, county, shop):
    manager = as_role("manager")
    stranger = county["east"][0]
    before = snapshot()
    response = manager.post(sheet_url(shop), json=entries([county["west"], stranger]))
    assert response.status_code == 409
    assert _fields(response) == ["entries.1.laborer_id"]
    assert response.json["errors"][0]["code"] == "not_employed" and response.json["errors"][0]["zh"]
    before_hire = manager.post(sheet_url(shop, date(2026, 2, 27)), json=entries([county["west"]]) | {"reason": "补记"})
    assert before_hire.status_code == 409
    assert snapshot() == before


def test_a_day_after_the_employment_ended_is_refused(as_role, county, shop):
    leaver = hire(shop, 1, prefix="离", end=date(2026, 4, 10))[0]
    manager = as_role("manager")
    assert manager.post(sheet_url(shop, date(2026, 4, 10)), json=entries([leaver], reason="补记")).status_code == 200
    assert manager.post(sheet_url(shop, date(2026, 4, 13)), json=entries([leaver], reason="补记")).status_code == 409


def test_a_second_workshop_on_the_same_day_is_refused_and_flagged(as_role, admin_api, county, shop, other_shop):
    west = county["west"]
    employ(west, other_shop, full_time=False)  # piecework on the side: one full-time job at a time
    assert admin_api.post(sheet_url(other_shop), json=entries([west])).status_code == 200
    manager = as_role("manager")
    before = snapshot()
    response = manager.post(sheet_url(shop), json=entries([west]))
    assert response.status_code == 409
    assert response.json["errors"][0]["code"] == "two_places"
    assert "城东竹编车间" in response.json["errors"][0]["zh"]
    assert snapshot() == before
    flags = db.session.execute(sa.select(AttendanceFlag)).scalars().all()
    assert [(f.kind, f.laborer_id, f.workshop_id, f.day) for f in flags] == [
        (FlagKind.two_places, west.id, shop.id, TODAY)
    ]
    sheet = manager.get(sheet_url(shop)).json
    assert sheet["entries"][0]["recorded_elsewhere"] == "城东竹编车间"
    report = manager.get(f"/api/v1/workshops/{shop.id}/attendance/anomalies?month=2026-04").json
    assert [a["kind"] for a in report["anomalies"]] == ["two_places"]


def test_a_future_date_is_refused(as_role, county, shop):
    manager = as_role("manager")
    before = snapshot()
    response = manager.post(sheet_url(shop, TODAY + timedelta(days=1)), json=entries([county["west"]]))
    assert response.status_code == 422
    assert _fields(response) == ["date"]
    assert response.json["errors"][0]["code"] == "in_future"
    assert snapshot() == before


def test_a_past_day_needs_a_reason_and_keeps_the_previous_values(as_role, county, shop):
    manager = as_role("manager")
    west = county["west"]
    yesterday = TODAY - timedelta(days=1)
    before = snapshot()
    refused = manager.post(sheet_url(shop, yesterday), json=entries([west]))
    assert refused.status_code == 422
    assert "reason" in _fields(refused) and "entries.0.reason" in _fields(refused)
    assert snapshot() == before

    assert manager.post(sheet_url(shop, yesterday), json=entries([west]) | {"reason": "昨天忘记记"}).status_code == 200
    changed = manager.post(sheet_url(shop, yesterday), json=entries([west], status="absent", reason="工人昨天其实没来"))
    assert changed.status_code == 200 and changed.json["updated"] == 1
    history = db.session.execute(sa.select(AttendanceChange).order_by(AttendanceChange.id)).scalars().all()
    assert [h.reason for h in history] == ["昨天忘记记", "工人昨天其实没来"]
    assert history[1].before["status"] == "present" and history[1].after["status"] == "absent"
    assert all(h.late for h in history)
    listed = manager.get(f"/api/v1/workshops/{shop.id}/attendance/changes?date={yesterday}").json["items"]
    assert [c["reason"] for c in listed] == ["工人昨天其实没来", "昨天忘记记"]
    # Same values again: nothing to change, so no reason is needed.
    assert manager.post(sheet_url(shop, yesterday), json=entries([west], status="absent")).status_code == 200


def test_attendance_history_is_append_only(as_role, county, shop):
    as_role("manager").post(sheet_url(shop), json=entries([county["west"]]))
    change = db.session.execute(sa.select(AttendanceChange)).scalar_one()
    change.reason = "改掉"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.execute(sa.select(AttendanceChange)).scalar_one())
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    ("entry", "field", "code"),
    [
        ({"hours": 25}, "entries.0.hours", "out_of_range"),
        ({"pieces": -1}, "entries.0.pieces", "out_of_range"),
        ({"status": "sleeping"}, "entries.0.status", "not_allowed_value"),
        ({"hours": "eight"}, "entries.0.hours", "not_number"),
        ({"laborer_id": None}, "entries.0.laborer_id", "null"),
        ({"note": "备" * 300}, "entries.0.note", "too_long"),
    ],
)
def test_bad_fields_are_named_in_both_languages_and_nothing_changes(as_role, county, shop, entry, field, code):
    manager = as_role("manager")
    before = snapshot()
    body = {"entries": [{"laborer_id": county["west"].id, "status": "present"} | entry]}
    response = manager.post(sheet_url(shop), json=body)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    error = response.json["errors"][0]
    assert (error["field"], error["code"]) == (field, code)
    assert error["zh"] and error["en"]
    assert snapshot() == before


def test_a_worker_listed_twice_is_refused(as_role, county, shop):
    west = county["west"]
    response = as_role("manager").post(sheet_url(shop), json=entries([west, west]))
    assert response.status_code == 422 and _fields(response) == ["entries.1.laborer_id"]
    assert count(Attendance) == 0


def test_a_malformed_date_is_a_field_error(as_role, county, shop):
    response = as_role("manager").get(f"/api/v1/workshops/{shop.id}/attendance?date=2026-02-30")
    assert response.status_code == 422 and response.json["errors"][0]["code"] == "not_date"


def test_an_idempotency_key_replays_the_first_answer(as_role, county, shop):
    manager = as_role("manager")
    west = county["west"]
    first = manager.client.post(
        sheet_url(shop), json=entries([west]), headers=manager.headers | {"Idempotency-Key": "sheet-0415-a"}
    )
    assert first.status_code == 200 and "Idempotent-Replayed" not in first.headers
    # A newer edit, then the first request arrives again (a retry from a phone on a bad network).
    manager.post(sheet_url(shop), json=entries([west], status="half_day"))
    replay = manager.client.post(
        sheet_url(shop), json=entries([west]), headers=manager.headers | {"Idempotency-Key": "sheet-0415-a"}
    )
    assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_json() == first.get_json()
    db.session.expire_all()
    assert db.session.execute(sa.select(Attendance.status)).scalar_one() == "half_day"
    reused = manager.client.post(
        sheet_url(shop),
        json=entries([west], status="leave"),
        headers=manager.headers | {"Idempotency-Key": "sheet-0415-a"},
    )
    assert reused.status_code == 422 and reused.json["errors"][0]["field"] == "Idempotency-Key"


def test_a_manager_cannot_log_attendance_for_another_workshop(as_role, county, shop, other_shop):
    manager = as_role("manager")
    worker = county["east"][0]
    employ(worker, other_shop)
    assert manager.get(sheet_url(other_shop)).status_code == 404
    assert manager.post(sheet_url(other_shop), json=entries([worker])).status_code == 404
    assert manager.get(f"/api/v1/workshops/{other_shop.id}/attendance/export").status_code == 404
    assert count(Attendance) == 0


def test_roles_that_do_not_keep_workshop_attendance_are_forbidden(as_role, county, shop):
    body = entries([county["west"]])
    assert as_role("cadre").post(sheet_url(shop), json=body).status_code == 403
    assert as_role("bureau").post(sheet_url(shop), json=body).status_code == 403
    assert as_role("bureau").get(sheet_url(shop)).status_code == 200
    assert as_role("manager").post("/api/v1/public-welfare/attendance", json=body).status_code == 403
    assert count(Attendance) == 0


def test_the_bureau_closes_a_month_and_its_days_are_locked(as_role, county, shop):
    manager, bureau = as_role("manager"), as_role("bureau")
    west = county["west"]
    march = date(2026, 3, 20)
    assert manager.post(sheet_url(shop, march), json=entries([west], reason="补记")).status_code == 200
    closed = bureau.post("/api/v1/attendance/closures", json={"month": "2026-03"})
    assert closed.status_code == 201, closed.get_json()
    assert closed.json["county_code"] == "361125000000" and closed.json["workshop_id"] is None
    before = snapshot()
    for day in (march, date(2026, 3, 21)):
        response = manager.post(sheet_url(shop, day), json=entries([west], status="absent", reason="改"))
        assert response.status_code == 409
        assert response.json["errors"][0]["code"] == "month_closed"
    assert snapshot() == before
    assert manager.get(sheet_url(shop, march)).json["closed"] is True
    # April is open.
    assert manager.post(sheet_url(shop), json=entries([west])).status_code == 200


def test_a_month_is_closed_once_only_after_it_ends_and_only_by_the_bureau(as_role, county, shop):
    bureau = as_role("bureau")
    assert bureau.post("/api/v1/attendance/closures", json={"month": "2026-04"}).status_code == 422
    assert bureau.post("/api/v1/attendance/closures", json={"month": "2026-13"}).json["errors"][0]["code"] == (
        "not_month"
    )
    assert as_role("manager").post("/api/v1/attendance/closures", json={"month": "2026-03"}).status_code == 403
    one = bureau.post("/api/v1/attendance/closures", json={"month": "2026-03", "workshop_id": shop.id})
    assert one.status_code == 201 and one.json["workshop_id"] == shop.id
    assert bureau.post(
        "/api/v1/attendance/closures", json={"month": "2026-03", "workshop_id": shop.id}
    ).status_code == (409)
    assert [c["month"] for c in bureau.get("/api/v1/attendance/closures").json["items"]] == ["2026-03"]


def test_check_in_by_employment_code_marks_the_worker_present_today(as_role, county, shop):
    manager = as_role("manager")
    west = county["west"]
    code = manager.get(f"/api/v1/laborers/{west.id}/employment-code").json["code"]
    response = manager.post(f"/api/v1/workshops/{shop.id}/check-in", json={"code": code.lower().replace("-", " ")})
    assert response.status_code == 200, response.get_json()
    assert response.json == {
        "laborer_id": west.id,
        "laborer_name": "西丙",
        "date": TODAY.isoformat(),
        "status": "present",
        "changed": True,
    }
    again = manager.post(f"/api/v1/workshops/{shop.id}/check-in", json={"code": code})
    assert again.json["changed"] is False and count(Attendance) == 1


def test_a_revoked_code_no_longer_checks_in(as_role, county, shop):
    manager = as_role("manager")
    west = county["west"]
    old = manager.get(f"/api/v1/laborers/{west.id}/employment-code").json["code"]
    new = manager.post(f"/api/v1/laborers/{west.id}/employment-code").json["code"]
    assert new != old
    refused = manager.post(f"/api/v1/workshops/{shop.id}/check-in", json={"code": old})
    assert refused.status_code == 422 and refused.json["errors"][0]["code"] == "unknown_code"
    assert manager.post(f"/api/v1/workshops/{shop.id}/check-in", json={"code": new}).status_code == 200


def test_a_code_checks_in_only_where_the_worker_is_employed(as_role, admin_api, county, other_shop):
    code = admin_api.get(f"/api/v1/laborers/{county['west'].id}/employment-code").json["code"]
    response = admin_api.post(f"/api/v1/workshops/{other_shop.id}/check-in", json={"code": code})
    assert response.status_code == 409 and count(Attendance) == 0


def test_a_saved_days_answer_is_what_its_schema_would_send(as_role, county, shop, monkeypatch):
    """The save sends its answer without dumping it through the schema that documents it: the two agree, field
    for field and in the same order."""
    workers = hire(shop, 3) + [county["west"]]
    manager = as_role("manager")
    results = []
    save = attendance.save_workshop_sheet
    monkeypatch.setattr(attendance, "save_workshop_sheet", lambda *a, **k: results.append(save(*a, **k)) or results[-1])
    body = {
        "entries": [
            {"laborer_id": workers[0].id, "status": "half_day", "hours": 4.5, "pieces": 12, "note": "上午"},
            {"laborer_id": workers[1].id, "status": "absent"},
        ]
    }

    response = manager.post(sheet_url(shop), json=body)

    assert response.status_code == 200, response.get_json()
    (result,) = results
    dumped = WorkshopSheetSaved().dump(
        {"created": result.created, "updated": result.updated, "unchanged": result.unchanged, "sheet": result.sheet}
    )
    in_order = {"object_pairs_hook": lambda pairs: pairs}
    assert json.loads(response.get_data(as_text=True), **in_order) == json.loads(json.dumps(dumped), **in_order)
    assert [e["saved"] for e in response.json["sheet"]["entries"]].count(True) == 2


def test_a_sheets_answer_is_what_its_schema_would_send(as_role, admin_api, county, shop, other_shop, monkeypatch):
    """The sheet is sent without dumping it through the schema that documents it: the two agree, field for
    field and in the same order, with every kind of line (saved or not, recorded at another workshop, no longer
    employed) and in a closed month."""
    march = date(2026, 3, 20)
    kept, gone, twice = hire(shop, 3)
    employ(twice, other_shop, full_time=False)
    manager = as_role("manager")
    saved = {
        "reason": "补记",
        "entries": [
            {"laborer_id": kept.id, "status": "half_day", "hours": 4.5, "pieces": 12, "note": "上午"},
            {"laborer_id": gone.id, "status": "absent"},
        ],
    }
    assert manager.post(sheet_url(shop, march), json=saved).status_code == 200
    elsewhere = {"reason": "补记", "entries": [{"laborer_id": twice.id}]}
    assert admin_api.post(sheet_url(other_shop, march), json=elsewhere).status_code == 200
    db.session.execute(
        sa.update(Employment)
        .where(Employment.laborer_id == gone.id, Employment.workshop_id == shop.id)
        .values(end_date=date(2026, 3, 10))
    )
    db.session.commit()
    assert as_role("bureau").post("/api/v1/attendance/closures", json={"month": "2026-03"}).status_code == 201
    sheets = []
    sheet_in_scope = attendance.sheet_in_scope
    monkeypatch.setattr(attendance, "sheet_in_scope", lambda *a: sheets.append(sheet_in_scope(*a)) or sheets[-1])
    in_order = {"object_pairs_hook": lambda pairs: pairs}

    for day in (march, TODAY):
        response = manager.get(sheet_url(shop, day))

        assert response.status_code == 200, response.get_json()
        dumped = WorkshopSheetOut().dump(sheets[-1])
        assert json.loads(response.get_data(as_text=True), **in_order) == json.loads(json.dumps(dumped), **in_order)
    lines = {e["laborer_id"]: e for e in manager.get(sheet_url(shop, march)).json["entries"]}
    assert lines[kept.id] | {"laborer_id": 0, "employment_id": 0} == {
        "laborer_id": 0,
        "laborer_name": kept.name,
        "employment_id": 0,
        "employed": True,
        "status": "half_day",
        "hours": 4.5,
        "pieces": 12,
        "note": "上午",
        "saved": True,
        "recorded_elsewhere": None,
    }
    assert lines[gone.id]["employed"] is False and lines[gone.id]["employment_id"] is not None
    assert lines[twice.id]["recorded_elsewhere"] == other_shop.name and lines[twice.id]["saved"] is False
    assert sheets[0]["closed"] is True and sheets[1]["closed"] is False


def test_the_sheet_is_closed_exactly_when_its_month_is(as_role, admin_api, county, shop, other_shop):
    """A county-wide closure closes both workshops' months; one workshop's closure closes that workshop's alone."""
    bureau = as_role("bureau")
    assert bureau.post("/api/v1/attendance/closures", json={"month": "2026-02"}).status_code == 201
    one = {"month": "2026-03", "workshop_id": other_shop.id}
    assert bureau.post("/api/v1/attendance/closures", json=one).status_code == 201
    closed = {}
    for workshop in (shop, other_shop):
        for day in (date(2026, 2, 3), date(2026, 3, 31), TODAY):
            closed[workshop.name, day.month] = admin_api.get(sheet_url(workshop, day)).json["closed"]
            assert closed[workshop.name, day.month] is attendance.is_closed(workshop, day)
    assert [name_month for name_month, is_closed in closed.items() if is_closed] == [
        (shop.name, 2),
        (other_shop.name, 2),
        (other_shop.name, 3),
    ]


SCHEMA_ENTRIES = List(Nested(AttendanceEntryIn))


@pytest.mark.parametrize(
    "entries",
    [
        [],
        [{"laborer_id": 7}],
        [{"laborer_id": 7, "status": "leave", "hours": 8, "pieces": 0, "note": "病假", "reason": None}],
        [{"laborer_id": 2**31 - 1, "hours": 7.5, "pieces": None, "note": None}, {"laborer_id": 8, "status": "absent"}],
        [{"reason": "补记", "note": "", "pieces": 12, "hours": None, "status": "home_piecework", "laborer_id": 1}],
    ],
)
def test_plainly_valid_entries_load_as_the_schema_loads_them(entries):
    assert plain_entries(entries) == SCHEMA_ENTRIES.deserialize(entries)
    assert [list(e) for e in plain_entries(entries)] == [list(e) for e in SCHEMA_ENTRIES.deserialize(entries)]


@pytest.mark.parametrize(
    "entries",
    [
        None,
        {"laborer_id": 7},
        [7],
        [{"laborer_id": "7"}],
        [{"laborer_id": True}],
        [{"laborer_id": 2**31}],
        [{"laborer_id": 7.0}],
        [{}],
        [{"laborer_id": 7, "status": "sick"}],
        [{"laborer_id": 7, "status": None}],
        [{"laborer_id": 7, "hours": "8"}],
        [{"laborer_id": 7, "hours": float("nan")}],
        [{"laborer_id": 7, "pieces": 1.5}],
        [{"laborer_id": 7, "note": 5}],
        [{"laborer_id": 7, "extra": 1}],
    ],
)
def test_entries_that_are_not_plainly_valid_are_left_to_the_schema(entries):
    assert plain_entries(entries) is None

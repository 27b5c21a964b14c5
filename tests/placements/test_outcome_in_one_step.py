"""An outcome recorded in one request: skipping to the current state with the dates of the steps between, the
start date of a hire, and undoing the last step within a day (audited)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from jobmatch.accounts.models import AuditEvent
from jobmatch.extensions import db
from jobmatch.placements.lifecycle import CHINA_TZ
from jobmatch.placements.models import Employment, ReferralEvent
from jobmatch.posts.models import Opening
from tests.placements.conftest import ago, make_opening, refer, referral_in, step


def _today():
    return datetime.now(CHINA_TZ).date()


def _local(moment: str) -> datetime:
    return datetime.fromisoformat(moment).astimezone(UTC)


def test_a_referral_goes_from_recommended_to_hired_in_one_request_with_each_steps_date(as_role, county, opening):
    cadre = as_role("cadre")
    laborer = county["east"][0].id
    referral = refer(cadre, laborer, opening.id, occurred_at=ago(days=6))
    start = _today() + timedelta(days=3)

    response = step(
        cadre,
        referral["id"],
        "hired",
        steps_at={"referred": ago(days=5), "interviewed": ago(days=3)},
        occurred_at=ago(days=1),
        start_date=start.isoformat(),
        note="下周一上岗",
    )

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["state"] == "hired"
    steps = [(e["to_state"], e["from_state"]) for e in body["events"]]
    assert steps == [
        ("recommended", None),
        ("referred", "recommended"),
        ("interviewed", "referred"),
        ("hired", "interviewed"),
    ]
    days = [(_today() - _local(e["occurred_at"]).astimezone(CHINA_TZ).date()).days for e in body["events"]]
    assert days == [6, 5, 3, 1]
    assert body["events"][-1]["note"] == "下周一上岗" and body["events"][1]["note"] is None
    (job,) = cadre.get(f"/api/v1/employments?laborer_id={laborer}").get_json()["items"]
    assert job["start_date"] == start.isoformat() and job["referral_id"] == referral["id"]


def test_a_new_referral_can_be_recorded_straight_as_a_hire(as_role, county, opening):
    cadre = as_role("cadre")
    response = cadre.post(
        "/api/v1/referrals",
        json={
            "laborer_id": county["east"][0].id,
            "opening_id": opening.id,
            "to": "hired",
            "steps_at": {"recommended": ago(days=4), "referred": None, "interviewed": ago(days=2)},
        },
    )
    assert response.status_code == 201, response.get_json()["errors"]
    body = response.get_json()
    assert body["state"] == "hired" and len(body["events"]) == 4
    db.session.expire_all()
    assert db.session.get(Opening, opening.id).remaining_headcount == opening.headcount - 1


def test_a_skip_must_name_the_steps_between_and_their_dates_are_checked(as_role, county, opening):
    cadre = as_role("cadre")
    referral = refer(cadre, county["east"][0].id, opening.id, occurred_at=ago(days=6))

    # Without steps_at a skip is still refused as before: a slip must not record a hire.
    plain = step(cadre, referral["id"], "hired")
    assert plain.status_code == 409 and plain.get_json()["errors"][0]["code"] == "illegal_transition"

    missing = step(cadre, referral["id"], "hired", steps_at={"referred": None})
    assert missing.status_code == 422
    (error,) = missing.get_json()["errors"]
    assert error["field"] == "steps_at.interviewed" and error["code"] == "required" and "已面试" in error["zh"]

    out_of_order = step(cadre, referral["id"], "hired", steps_at={"referred": ago(days=2), "interviewed": ago(days=4)})
    assert out_of_order.status_code == 422
    errors = {e["field"]: e["code"] for e in out_of_order.get_json()["errors"]}
    assert errors == {"steps_at.interviewed": "before_previous_step"}

    wrong = step(cadre, referral["id"], "interviewed", steps_at={"referred": None, "hired": None})
    assert wrong.status_code == 422
    assert [e["field"] for e in wrong.get_json()["errors"]] == ["steps_at.hired"]

    early = step(
        cadre,
        referral["id"],
        "hired",
        steps_at={"referred": None, "interviewed": None},
        start_date=(_today() - timedelta(days=1)).isoformat(),
    )
    assert early.status_code == 422
    (error,) = early.get_json()["errors"]
    assert (error["field"], error["code"]) == ("start_date", "before_hire")
    assert "上岗日期" in error["zh"] and "start_date" in error["en"]

    not_a_hire = step(
        cadre, referral["id"], "interviewed", steps_at={"referred": None}, start_date=_today().isoformat()
    )
    assert not_a_hire.status_code == 422 and not_a_hire.get_json()["errors"][0]["field"] == "start_date"

    after = cadre.get(f"/api/v1/referrals/{referral['id']}").get_json()
    assert after["state"] == "recommended" and len(after["events"]) == 1


def _undo(api, referral_id: int):
    return api.post(f"/api/v1/referrals/{referral_id}/undo")


def test_undo_of_a_hire_gives_the_place_back_and_revives_the_other_referrals(as_role, county, opening):
    cadre = as_role("cadre")
    laborer = county["east"][0].id
    waiting = refer(cadre, laborer, make_opening().id)
    hired = referral_in(cadre, "hired", laborer, opening.id)
    assert cadre.get(f"/api/v1/referrals/{waiting['id']}").get_json()["state"] == "obsolete"

    response = _undo(cadre, hired["id"])

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["state"] == "interviewed" and [e["to_state"] for e in body["events"]][-1] == "interviewed"
    assert cadre.get(f"/api/v1/referrals/{waiting['id']}").get_json()["state"] == "recommended"
    assert cadre.get(f"/api/v1/employments?laborer_id={laborer}").get_json()["items"] == []
    db.session.expire_all()
    assert db.session.get(Opening, opening.id).remaining_headcount == opening.headcount
    assert cadre.get(f"/api/v1/laborers/{laborer}").get_json()["employment_status"] == "unemployed"
    audit = db.session.execute(
        sa.select(AuditEvent).where(
            AuditEvent.entity_type == "referrals", AuditEvent.entity_id == hired["id"], AuditEvent.action == "undo"
        )
    ).scalar_one()
    assert audit.changes["state"] == {"from": "hired", "to": "interviewed"}
    assert audit.actor_id is not None
    # The next undo takes back the interview, one step at a time.
    assert _undo(cadre, hired["id"]).get_json()["state"] == "referred"


def test_undo_is_refused_a_day_after_the_step_was_recorded_and_for_the_first_step(as_role, county, opening):
    cadre = as_role("cadre")
    referral = referral_in(cadre, "interviewed", county["east"][0].id, opening.id)
    last = db.session.get(ReferralEvent, referral["events"][-1]["id"])
    last.created_at = datetime.now(UTC) - timedelta(days=1, minutes=1)
    db.session.commit()

    late = _undo(cadre, referral["id"])

    assert late.status_code == 409
    (error,) = late.get_json()["errors"]
    assert error["code"] == "too_late" and "一天内" in error["zh"] and "within a day" in error["en"]
    assert cadre.get(f"/api/v1/referrals/{referral['id']}").get_json()["state"] == "interviewed"

    first = refer(cadre, county["east"][1].id, opening.id)
    refused = _undo(cadre, first["id"])
    assert refused.status_code == 409 and refused.get_json()["errors"][0]["code"] == "first_step"


def test_undo_of_a_leaving_reopens_the_employment_while_its_place_is_free(as_role, county):
    cadre = as_role("cadre")
    east_a, east_b = county["east"]
    post = make_opening(headcount=1)
    referral = referral_in(cadre, "left", east_a.id, post.id)
    db.session.expire_all()
    assert db.session.get(Opening, post.id).remaining_headcount == 1

    reopened = _undo(cadre, referral["id"])

    assert reopened.status_code == 200, reopened.get_json()
    assert reopened.get_json()["state"] == "hired"
    (job,) = cadre.get(f"/api/v1/employments?laborer_id={east_a.id}").get_json()["items"]
    assert job["current"] is True and job["end_reason"] is None
    db.session.expire_all()
    assert db.session.get(Opening, post.id).remaining_headcount == 0

    # Left again, and the place taken by someone else: the leaving can no longer be undone.
    assert step(cadre, referral["id"], "left").status_code == 200
    referral_in(cadre, "hired", east_b.id, post.id)
    refused = _undo(cadre, referral["id"])
    assert refused.status_code == 409 and refused.get_json()["errors"][0]["code"] == "no_places_left"
    assert cadre.get(f"/api/v1/referrals/{referral['id']}").get_json()["state"] == "left"


def test_undo_keeps_to_scope(as_role, county, opening):
    referral = referral_in(as_role("cadre"), "referred", county["east"][0].id, opening.id)
    assert _undo(as_role("manager"), referral["id"]).status_code == 403


# --- history at its dates -------------------------------------------------------------------------------------


def _back_dated_hire(api, laborer_id: int, opening_id: int, days_ago: int):
    """Recommended, referred and interviewed the day before, hired `days_ago` days ago (steps one by one, as a
    county loading its history would send them)."""
    referral = refer(api, laborer_id, opening_id, occurred_at=ago(days=days_ago + 1))
    for to in ("referred", "interviewed"):
        assert step(api, referral["id"], to, occurred_at=ago(days=days_ago + 1)).status_code == 200
    response = step(api, referral["id"], "hired", occurred_at=ago(days=days_ago))
    response.referral_id = referral["id"]
    return response


def test_a_back_dated_public_welfare_hire_is_refused_while_the_laborer_was_away_as_a_migrant(as_role, county):
    cadre = as_role("cadre")
    laborer = county["east"][0].id
    away_from = (_today() - timedelta(days=60)).isoformat()
    created = cadre.post(
        "/api/v1/employments",
        json={"laborer_id": laborer, "kind": "migrant", "start_date": away_from, "full_time": False},
    )
    assert created.status_code == 201, created.get_json()
    ended = cadre.post(
        f"/api/v1/employments/{created.get_json()['id']}/end",
        json={"end_date": (_today() - timedelta(days=20)).isoformat(), "reason_code": "family_care"},
    )
    assert ended.status_code == 200, ended.get_json()
    post = make_opening(kind="public_welfare", title="护林员")

    refused = _back_dated_hire(cadre, laborer, post.id, days_ago=30)

    assert refused.status_code == 409, refused.get_json()
    (error,) = refused.get_json()["errors"]
    assert error["code"] == "migrant_then" and "外出务工" in error["zh"] and "migrant" in error["en"]
    assert cadre.get(f"/api/v1/employments?laborer_id={laborer}&kind=public_welfare").get_json()["items"] == []
    # After the migrant job ended (on its end date: the same-day rule) the post may be taken.
    later = step(cadre, refused.referral_id, "hired", occurred_at=ago(days=20))
    assert later.status_code == 200, later.get_json()


def test_a_back_dated_hire_finds_no_place_on_a_day_the_post_was_full(as_role, county):
    cadre = as_role("cadre")
    east_a, east_b = county["east"]
    post = make_opening(headcount=1)
    first = _back_dated_hire(cadre, east_a.id, post.id, days_ago=40)
    assert first.status_code == 200, first.get_json()
    job = cadre.get(f"/api/v1/employments?laborer_id={east_a.id}").get_json()["items"][0]
    left = cadre.post(
        f"/api/v1/employments/{job['id']}/end",
        json={"end_date": (_today() - timedelta(days=10)).isoformat(), "reason_code": "health"},
    )
    assert left.status_code == 200, left.get_json()
    db.session.expire_all()
    assert db.session.get(Opening, post.id).remaining_headcount == 1  # free now, but not 30 days ago

    refused = _back_dated_hire(cadre, east_b.id, post.id, days_ago=30)

    assert refused.status_code == 409, refused.get_json()
    (error,) = refused.get_json()["errors"]
    assert error["code"] == "no_places_then" and error["field"] == "occurred_at"
    assert "1 人在岗" in error["zh"] and "1 places" in error["en"]
    # Taking the place on the day the first holder left is a handover, not two people at once.
    handed_over = step(cadre, refused.referral_id, "hired", occurred_at=ago(days=10))
    assert handed_over.status_code == 200, handed_over.get_json()
    held = db.session.execute(sa.select(sa.func.count()).where(Employment.opening_id == post.id)).scalar()
    assert held == 2


def test_ending_one_full_time_job_and_starting_another_the_same_day_is_one_rule_for_hire_and_report(as_role, county):
    cadre = as_role("cadre")
    laborer = county["east"][0].id
    switch = _today() - timedelta(days=15)
    created = cadre.post(
        "/api/v1/employments",
        json={"laborer_id": laborer, "kind": "migrant", "start_date": (switch - timedelta(days=60)).isoformat()},
    ).get_json()
    cadre.post(
        f"/api/v1/employments/{created['id']}/end", json={"end_date": switch.isoformat(), "reason_code": "too_far"}
    )
    # A full-time job beginning a day before the other ended is two places at once: refused.
    overlapping = cadre.post(
        "/api/v1/employments",
        json={"laborer_id": laborer, "kind": "local_enterprise", "start_date": (switch - timedelta(1)).isoformat()},
    )
    assert overlapping.status_code == 409
    assert overlapping.get_json()["errors"][0]["code"] == "already_employed_full_time"

    same_day = cadre.post(
        "/api/v1/employments",
        json={"laborer_id": laborer, "kind": "local_enterprise", "start_date": switch.isoformat()},
    )

    assert same_day.status_code == 201, same_day.get_json()
    report = as_role("bureau").get(f"/api/v1/consistency?as_of={_today().isoformat()}").get_json()
    assert report["counts"]["two_places"] == 0, report["items"]

"""Employments: what a hire starts and a leaver ends, one full-time job and one public-welfare post per household."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from jobmatch.extensions import db
from jobmatch.placements.lifecycle import CHINA_TZ
from jobmatch.placements.models import Employment
from jobmatch.posts.models import Opening
from tests.placements.conftest import ago, make_opening, refer, referral_in, step


def _today() -> date:
    return datetime.now(CHINA_TZ).date()


def _laborer(api, laborer_id: int) -> dict:
    return api.get(f"/api/v1/laborers/{laborer_id}").get_json()


def _remaining(opening_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Opening, opening_id).remaining_headcount


def _employments(api, query: str) -> list[dict]:
    response = api.get("/api/v1/employments" + query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def test_a_hire_starts_an_employment_on_the_hire_date_with_the_openings_wage(as_role, county, opening):
    cadre = as_role("cadre")
    laborer = county["east"][0].id
    referral = refer(cadre, laborer, opening.id, occurred_at=ago(days=10))
    for to, days in (("referred", 9), ("interviewed", 8)):
        step(cadre, referral["id"], to, occurred_at=ago(days=days))
    # 07:30 in China is 23:30 UTC the day before: the employment starts on the Chinese date.
    hired_at = (datetime.now(CHINA_TZ) - timedelta(days=3)).replace(hour=7, minute=30, second=0, microsecond=0)
    response = step(cadre, referral["id"], "hired", occurred_at=hired_at.isoformat())
    assert response.status_code == 200, response.get_json()

    (job,) = _employments(cadre, f"?laborer_id={laborer}")
    assert job["start_date"] == hired_at.date().isoformat()
    assert (job["kind"], job["full_time"], job["current"]) == ("local_enterprise", True, True)
    assert (job["opening_id"], job["referral_id"], job["employer_id"]) == (
        opening.id,
        referral["id"],
        opening.employer_id,
    )
    assert (job["wage"], job["wage_unit"]) == (2800.0, "month")
    assert _laborer(cadre, laborer)["employment_status"] == "local_enterprise"
    assert _remaining(opening.id) == opening.headcount - 1


def test_left_ends_the_employment_gives_the_place_back_and_resets_the_status(as_role, county, opening):
    cadre = as_role("cadre")
    laborer = county["east"][0].id
    referral = refer(cadre, laborer, opening.id, occurred_at=ago(days=30))
    for to, days in (("referred", 25), ("interviewed", 22), ("hired", 20)):
        step(cadre, referral["id"], to, occurred_at=ago(days=days))
    response = step(cadre, referral["id"], "left", occurred_at=ago(days=2), note="家中老人生病")
    assert response.status_code == 200

    (job,) = _employments(cadre, f"?laborer_id={laborer}")
    assert job["end_date"] == (datetime.now(CHINA_TZ) - timedelta(days=2)).date().isoformat()
    assert (job["end_reason"], job["end_note"], job["current"]) == ("family_care", "家中老人生病", False)
    assert _laborer(cadre, laborer)["employment_status"] == "unemployed"
    assert _remaining(opening.id) == opening.headcount


def test_ending_an_employment_records_the_left_step_of_its_referral(as_role, county, opening):
    cadre = as_role("cadre")
    referral = referral_in(cadre, "hired", county["east"][0].id, opening.id)
    (job,) = _employments(cadre, f"?laborer_id={county['east'][0].id}")
    url = f"/api/v1/employments/{job['id']}/end"

    assert cadre.post(url, json={"end_date": _today().isoformat()}).status_code == 422  # no reason
    future = cadre.post(url, json={"end_date": (_today() + timedelta(days=1)).isoformat(), "reason_code": "health"})
    assert future.status_code == 422 and future.get_json()["errors"][0]["code"] == "in_future"
    early = cadre.post(url, json={"end_date": (_today() - timedelta(days=1)).isoformat(), "reason_code": "health"})
    assert early.status_code == 422 and early.get_json()["errors"][0]["code"] == "before_start"

    ended = cadre.post(url, json={"end_date": _today().isoformat(), "reason_code": "health", "note": "腰疼"})
    assert ended.status_code == 200, ended.get_json()
    assert (ended.get_json()["end_date"], ended.get_json()["end_reason"]) == (_today().isoformat(), "health")
    after = cadre.get(f"/api/v1/referrals/{referral['id']}").get_json()
    assert after["state"] == "left" and after["reason_code"] == "health"
    assert after["events"][-1]["note"] == "腰疼"
    again = cadre.post(url, json={"end_date": _today().isoformat(), "reason_code": "health"})
    assert again.status_code == 409 and again.get_json()["errors"][0]["code"] == "already_ended"


def test_a_laborer_has_one_full_time_job_at_a_time(as_role, county, opening):
    cadre = as_role("cadre")
    laborer = county["east"][0].id
    referral_in(cadre, "hired", laborer, opening.id)
    (current,) = _employments(cadre, f"?laborer_id={laborer}")
    other = make_opening(title="包装工")
    # The hire elsewhere made this one obsolete; a new referral is needed to try the second job.
    second = referral_in(cadre, "interviewed", laborer, other.id)

    response = step(cadre, second["id"], "hired")

    assert response.status_code == 409
    problem = response.get_json()
    assert problem["errors"][0]["code"] == "already_employed_full_time"
    assert f"#{current['id']}" in problem["errors"][0]["zh"] and problem["current_employment_id"] == current["id"]
    assert cadre.get(f"/api/v1/referrals/{second['id']}").get_json()["state"] == "interviewed"
    assert _remaining(other.id) == other.headcount  # nothing changed
    assert len(_employments(cadre, f"?laborer_id={laborer}")) == 1


def test_a_part_time_post_may_come_with_a_full_time_job(as_role, county, opening):
    cadre = as_role("cadre")
    laborer = county["east"][0].id
    referral_in(cadre, "hired", laborer, make_opening(kind="public_welfare", title="村级保洁员").id)
    referral_in(cadre, "hired", laborer, opening.id)
    jobs = _employments(cadre, f"?laborer_id={laborer}&current=true")
    assert sorted((j["kind"], j["full_time"]) for j in jobs) == [("local_enterprise", True), ("public_welfare", False)]
    assert _laborer(cadre, laborer)["employment_status"] == "local_enterprise"  # full-time work shows first


def test_one_public_welfare_post_per_household_at_a_time(as_role, county):
    cadre = as_role("cadre")
    east_a, east_b = county["east"]
    first = referral_in(cadre, "hired", east_a.id, make_opening(kind="public_welfare", title="护林员").id)
    second = referral_in(cadre, "interviewed", east_b.id, make_opening(kind="public_welfare", title="保洁员").id)

    refused = step(cadre, second["id"], "hired")
    assert refused.status_code == 409
    error = refused.get_json()["errors"][0]
    assert error["code"] == "household_has_public_welfare_post" and "东甲" in error["zh"] and "一户一岗" in error["zh"]

    assert step(cadre, first["id"], "left", reason_code="health").status_code == 200
    assert step(cadre, second["id"], "hired").status_code == 200


def test_work_found_without_a_referral_is_recorded_and_follows_the_same_rules(as_role, county, opening):
    cadre = as_role("cadre")
    laborer = county["east"][0].id
    waiting = refer(cadre, laborer, opening.id)
    start = (_today() - timedelta(days=10)).isoformat()
    body = {"laborer_id": laborer, "kind": "migrant", "start_date": start, "site_name": "廣東省東莞市"}

    created = cadre.post("/api/v1/employments", json=body | {"wage": 4500, "wage_unit": "month"})

    assert created.status_code == 201, created.get_json()
    assert created.get_json()["site_name"] == "广东省东莞市"
    assert _laborer(cadre, laborer)["employment_status"] == "migrant"
    assert cadre.get(f"/api/v1/referrals/{waiting['id']}").get_json()["state"] == "obsolete"
    again = cadre.post("/api/v1/employments", json=body)
    assert again.status_code == 409 and again.get_json()["current_employment_id"] == created.get_json()["id"]
    workshop = cadre.post("/api/v1/employments", json=body | {"kind": "workshop", "laborer_id": county["east"][1].id})
    assert workshop.status_code == 422 and workshop.get_json()["errors"][0]["code"] == "needs_referral"
    future = body | {"laborer_id": county["east"][1].id, "start_date": (_today() + timedelta(days=3)).isoformat()}
    assert cadre.post("/api/v1/employments", json=future).status_code == 422


def test_employments_are_listed_within_scope_with_filters(as_role, county, opening):
    bureau = as_role("bureau")
    referral_in(bureau, "hired", county["east"][0].id, opening.id)
    west_job = db.session.execute(sa.select(Employment).where(Employment.laborer_id == county["west"].id)).scalar_one()

    assert len(_employments(bureau, "")) == 2
    assert [j["laborer_name"] for j in _employments(as_role("cadre"), "")] == ["东甲"]
    manager = as_role("manager")
    assert [j["id"] for j in _employments(manager, "")] == [west_job.id]
    assert manager.get(f"/api/v1/employments/{west_job.id}").get_json()["workshop_name"] == "城西服装车间"
    assert [j["laborer_name"] for j in _employments(bureau, "?kind=workshop")] == ["西丙"]
    assert [j["laborer_name"] for j in _employments(bureau, f"?opening_id={opening.id}")] == ["东甲"]
    assert _employments(bureau, "?current=false") == []
    assert manager.post(f"/api/v1/employments/{west_job.id}/end", json={}).status_code == 403

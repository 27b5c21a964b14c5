"""Alerts that run themselves once a day across workers, and close themselves when the cause is gone."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import sqlalchemy as sa

from jobmatch.extensions import db
from jobmatch.monitoring import schedule, service
from jobmatch.monitoring.models import Alert, AlertEvent, AlertKind, AlertRun, AlertStatus
from tests.placements.conftest import referral_in
from workshops.models import EmploymentInterruption
from workshops.settings import today as china_today


def _runs() -> list[AlertRun]:
    db.session.expire_all()
    return list(db.session.execute(sa.select(AlertRun)).scalars())


def _alerts(kind: AlertKind) -> list[Alert]:
    db.session.expire_all()
    return list(db.session.execute(sa.select(Alert).where(Alert.kind == kind).order_by(Alert.id)).scalars())


def _idle_alert(town) -> Alert:
    (alert,) = [a for a in _alerts(AlertKind.no_one_employed) if a.household_id == town["idle"].household_id]
    return alert


def _other_alert(town) -> Alert:
    (alert,) = [a for a in _alerts(AlertKind.no_one_employed) if a.household_id == town["m1"].household_id]
    return alert


def test_the_daily_run_happens_once_with_two_workers(town, make_app):
    workers = [make_app(), make_app()]
    barrier = threading.Barrier(len(workers))
    results: list = [None] * len(workers)

    def work(i: int) -> None:
        barrier.wait()
        results[i] = schedule.tick(workers[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r is not None for r in results) == 1
    (run,) = _runs()
    assert run.day == china_today() and run.trigger == "schedule" and run.finished_at is not None
    # Each cause raised once (H-EAST-4 never employed, H-EAST-2 since May): no copy from the other worker.
    households = [a.household_id for a in _alerts(AlertKind.no_one_employed)]
    assert sorted(households) == sorted({town["idle"].household_id, town["m1"].household_id})
    assert run.raised["361125"]["no_one_employed"] == 2
    # Later checks the same day do nothing.
    assert schedule.tick(workers[0]) is None and len(_runs()) == 1


def test_a_worker_starts_the_schedule_with_its_first_request(town, make_app):
    worker = make_app(ALERT_SCHEDULE=True, ALERT_SCHEDULE_CHECK_S=3600)
    try:
        worker.test_client().get("/healthz")
        thread = worker.extensions["alert_schedule"]
        started = [t for t in thread.values() if isinstance(t, threading.Thread)]
        assert len(started) == 1
        # The thread checks at once: wait for today's run (bounded), then it sleeps until the next check.
        for _ in range(600):
            if _runs():
                break
            threading.Event().wait(0.1)
        assert [r.day for r in _runs()] == [china_today()]
    finally:
        schedule.stop(worker)


def test_the_bureau_sees_the_runs_with_its_countys_counts(town, as_role):
    service.run_daily("cli")
    body = as_role("bureau").get("/api/v1/alerts/runs").get_json()
    assert body[0]["day"] == china_today().isoformat() and body[0]["trigger"] == "cli"
    assert body[0]["raised"]["no_one_employed"] == 2


def test_a_hire_closes_no_one_employed_at_once_and_says_why(town, as_role):
    service.run_daily("cli")
    alert, other = _idle_alert(town), _other_alert(town)
    assert alert.status == other.status == AlertStatus.open
    cadre = as_role("cadre")
    referral_in(cadre, "hired", town["idle"].id, town["openings"][1].id)
    alert, other = _idle_alert(town), _other_alert(town)
    assert alert.status == AlertStatus.resolved
    assert other.status == AlertStatus.open  # another household's alert stays
    closing = alert.events[-1]
    assert "家中已有成员就业" in closing.note and "a member is in work" in closing.note
    assert china_today().isoformat() in closing.note
    assert closing.created_by_id == town["users"]["cadre"].id


def test_a_self_found_job_closes_it_too(town, as_role):
    service.run_daily("cli")
    response = as_role("cadre").post(
        "/api/v1/employments",
        json={"laborer_id": town["idle"].id, "kind": "migrant", "start_date": china_today().isoformat()},
    )
    assert response.status_code == 201, response.get_json()
    assert _idle_alert(town).status == AlertStatus.resolved


def _long_absence(town) -> tuple[Alert, date]:
    """w1 absent five working days up to three days ago: a long-absence alert."""
    w1, job = town["w1"], town["w1_job"]
    last_absent = china_today() - timedelta(days=3)
    db.session.add(
        EmploymentInterruption(
            laborer_id=w1.id,
            village_id=w1.household.village_id,
            employment_id=job.id,
            workshop_id=town["workshop"].id,
            first_absent_day=last_absent - timedelta(days=6),
            last_absent_day=last_absent,
            absent_days=5,
        )
    )
    db.session.commit()
    service.run(china_today())
    db.session.commit()
    (alert,) = _alerts(AlertKind.long_absence)
    return alert, last_absent


def _save_day(as_role, town, day: date, status: str):
    saved = as_role("manager").post(
        f"/api/v1/workshops/{town['workshop'].id}/attendance?date={day.isoformat()}",
        json={"entries": [{"laborer_id": town["w1"].id, "status": status}], "reason": "补记"},
    )
    assert saved.status_code == 200, saved.get_json()


def test_a_return_to_work_closes_a_long_absence(town, as_role):
    alert, last_absent = _long_absence(town)
    back = last_absent + timedelta(days=1)
    _save_day(as_role, town, back, "present")
    (alert,) = _alerts(AlertKind.long_absence)
    assert alert.status == AlertStatus.resolved
    note = db.session.execute(
        sa.select(AlertEvent.note).where(AlertEvent.alert_id == alert.id).order_by(AlertEvent.id.desc())
    ).scalar()
    assert f"{back.isoformat()} 已返岗" in note


def test_another_absent_day_does_not_close_it(town, as_role):
    alert, last_absent = _long_absence(town)
    _save_day(as_role, town, last_absent + timedelta(days=1), "absent")
    (alert,) = _alerts(AlertKind.long_absence)
    assert alert.status == AlertStatus.open

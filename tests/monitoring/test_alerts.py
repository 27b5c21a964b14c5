"""Each alert rule: raised, not raised twice, resolved only with a note; the cadre sees their villages' alerts."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from jobmatch.extensions import db
from jobmatch.monitoring import service
from jobmatch.monitoring.models import Alert, AlertKind, AlertStatus
from jobmatch.placements.models import Employment
from tests.monitoring.conftest import TODAY
from workshops.models import EmploymentInterruption


def _signal(town) -> EmploymentInterruption:
    signal = EmploymentInterruption(
        laborer_id=town["w1"].id,
        village_id=town["w1"].household.village_id,
        employment_id=town["w1_job"].id,
        workshop_id=town["workshop"].id,
        first_absent_day=date(2026, 5, 20),
        last_absent_day=date(2026, 5, 26),
        absent_days=5,
    )
    db.session.add(signal)
    db.session.commit()
    return signal


def _alerts() -> list[Alert]:
    return list(db.session.execute(sa.select(Alert).order_by(Alert.id)).scalars())


def _run(today=TODAY) -> dict:
    made = service.run(today)
    db.session.commit()
    return made


def test_each_rule_raises_its_alert_once(town):
    signal = _signal(town)
    made = _run()
    assert made == {"no_one_employed": 1, "employment_ended": 1, "long_absence": 1, "monitored_lost_work": 1}
    by_kind = {a.kind: a for a in _alerts()}
    # H-EAST-4: willing, never employed, registered 2026-01-01 (H-EAST-2's migrant came home only 11 days ago).
    idle = by_kind[AlertKind.no_one_employed]
    assert idle.household_id == town["idle"].household_id and idle.since == date(2026, 1, 1)
    assert idle.detail["days_without_work"] == 151
    ended = by_kind[AlertKind.employment_ended]
    assert (ended.laborer_id, ended.since) == (town["m1"].id, date(2026, 5, 20))
    lost = by_kind[AlertKind.monitored_lost_work]
    assert lost.household_id == town["m1"].household_id and lost.village_id == town["m1"].household.village_id
    absence = by_kind[AlertKind.long_absence]
    assert absence.laborer_id == town["w1"].id and absence.detail["absent_days"] == 5
    db.session.refresh(signal)
    assert signal.consumed_at is not None
    assert all(a.status == AlertStatus.open and len(a.events) == 1 for a in _alerts())

    # A second run raises nothing.
    assert sum(_run().values()) == 0
    assert len(_alerts()) == 4


def test_no_one_employed_waits_the_configured_days(town):
    # H-EAST-2: nobody employed since 05-21; 30 days later it is due.
    assert not [a for a in _alerts() if a.household_id == town["m1"].household_id]
    _run(date(2026, 6, 19))
    assert not [
        a for a in _alerts() if a.kind == AlertKind.no_one_employed and a.household_id == town["m1"].household_id
    ]
    _run(date(2026, 6, 20))
    due = [a for a in _alerts() if a.kind == AlertKind.no_one_employed and a.household_id == town["m1"].household_id]
    assert len(due) == 1 and due[0].since == date(2026, 5, 21)


def test_thresholds_are_settings(town, app):
    app.config["ALERT_NO_ONE_EMPLOYED_DAYS"] = 500
    app.config["ALERT_ENDED_LOOKBACK_DAYS"] = 5
    made = _run()
    assert made["no_one_employed"] == 0  # H-EAST-4 has waited 151 days, not 500
    assert made["employment_ended"] == 0 and made["monitored_lost_work"] == 0  # m1 left 12 days ago


def test_old_endings_are_history_not_alerts(town):
    made = _run(date(2026, 7, 15))  # m1 left 56 days before
    assert made["employment_ended"] == 0 and made["monitored_lost_work"] == 0


def test_follow_up_and_resolve_with_a_note(town, as_role):
    _run()
    cadre = as_role("cadre")
    listed = cadre.get("/api/v1/alerts").get_json()
    kinds = [a["kind"] for a in listed["items"]]
    # The cadre's village only (城东): not w1's long absence in 城西; the most urgent first.
    assert kinds == ["monitored_lost_work", "no_one_employed", "employment_ended"]
    alert_id = listed["items"][0]["id"]

    refused = cadre.post(f"/api/v1/alerts/{alert_id}/transitions", json={"to": "resolved"})
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["field"] == "note"
    blank = cadre.post(f"/api/v1/alerts/{alert_id}/transitions", json={"to": "resolved", "note": "  "})
    assert blank.status_code == 422

    following = cadre.post(f"/api/v1/alerts/{alert_id}/transitions", json={"to": "following_up", "note": "已电话联系"})
    assert following.status_code == 200, following.get_json()
    assert following.get_json()["status"] == "following_up"
    resolved = cadre.post(
        f"/api/v1/alerts/{alert_id}/transitions", json={"to": "resolved", "note": "已推荐到本村帮扶车间"}
    )
    assert resolved.status_code == 200
    body = resolved.get_json()
    assert body["status"] == "resolved" and body["resolved_at"]
    assert [(e["to_status"], e["note"]) for e in body["events"]] == [
        ("open", None),
        ("following_up", "已电话联系"),
        ("resolved", "已推荐到本村帮扶车间"),
    ]
    again = cadre.post(f"/api/v1/alerts/{alert_id}/transitions", json={"to": "following_up"})
    assert again.status_code == 409

    # Resolved causes are not raised again.
    assert sum(_run().values()) == 0
    assert cadre.get("/api/v1/alerts?status=resolved").get_json()["pagination"]["total"] == 1
    assert cadre.get("/api/v1/alerts?status=open&kind=employment_ended").get_json()["pagination"]["total"] == 1


def test_scope(town, as_role):
    _signal(town)
    _run()
    west = db.session.execute(sa.select(Alert).where(Alert.kind == AlertKind.long_absence)).scalar_one()
    cadre = as_role("cadre")
    assert cadre.get(f"/api/v1/alerts/{west.id}").status_code == 404
    assert cadre.post(f"/api/v1/alerts/{west.id}/transitions", json={"to": "following_up"}).status_code == 404
    bureau = as_role("bureau")
    assert bureau.get("/api/v1/alerts").get_json()["pagination"]["total"] == 4
    assert bureau.get(f"/api/v1/alerts?region={town['village'].code}").get_json()["pagination"]["total"] == 3
    assert bureau.get(f"/api/v1/alerts/{west.id}").status_code == 200
    assert as_role("manager").get("/api/v1/alerts").status_code == 403


def test_flask_alerts_run_is_idempotent(town, runner):
    first = runner.invoke(args=["alerts", "run", "--as-of", TODAY.isoformat()])
    assert first.exit_code == 0, first.output
    assert "alerts raised: 3" in first.output
    second = runner.invoke(args=["alerts", "run", "--as-of", TODAY.isoformat()])
    assert "alerts raised: 0" in second.output
    assert len(_alerts()) == 3


def test_ending_an_employment_raises_its_alert_at_once(town, as_role):
    from workshops.settings import today

    east_a = town["east"][0]
    job = db.session.execute(sa.select(Employment).where(Employment.laborer_id == east_a.id)).scalar_one()
    ended = as_role("cadre").post(
        f"/api/v1/employments/{job.id}/end", json={"end_date": today().isoformat(), "reason_code": "health"}
    )
    assert ended.status_code == 200, ended.get_json()
    raised = [(a.kind, a.laborer_id) for a in _alerts()]
    assert raised == [(AlertKind.employment_ended, east_a.id)]
    assert as_role("cadre").get("/api/v1/alerts").get_json()["items"][0]["detail"]["end_reason"] == "health"

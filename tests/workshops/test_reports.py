"""Monthly summaries, the .xlsx sheet, stipends, anomalies and long-absence signals."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from openpyxl import load_workbook

from jobmatch.accounts.models import AuditEvent
from jobmatch.extensions import db
from jobmatch.monitoring.models import Alert, AlertKind
from jobmatch.placements.models import Employment
from jobmatch.vocab import EmploymentKind, WageUnit
from tests.workshops.conftest import TODAY, employ, entries, hire, sheet_url
from workshops import absences
from workshops.models import Attendance, AttendanceKind, EmploymentInterruption

# Working days of early April 2026 before "today" (15 April), Monday to Saturday.
APRIL_DAYS = [date(2026, 4, d) for d in (1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 13, 14)]


def _log_days(manager, shop, workers, days, **entry) -> None:
    for day in days:
        response = manager.post(sheet_url(shop, day), json=entries(workers, **entry) | {"reason": "补记"})
        assert response.status_code == 200, response.get_json()


def _db_totals(workshop_id: int) -> tuple[Decimal, Decimal, int]:
    """Days, hours and pieces of April straight from the attendance table."""
    rows = db.session.execute(
        sa.select(Attendance.status, Attendance.hours, Attendance.pieces).where(
            Attendance.workshop_id == workshop_id, Attendance.day.between(date(2026, 4, 1), date(2026, 4, 30))
        )
    ).all()
    weights = {"present": Decimal(1), "half_day": Decimal("0.5"), "home_piecework": Decimal(1)}
    days = sum((weights.get(s, Decimal(0)) for s, _, _ in rows), Decimal(0))
    hours = sum((h or Decimal(0) for _, h, _ in rows), Decimal(0))
    pieces = sum(p or 0 for _, _, p in rows)
    return days, hours, pieces


def test_the_month_summary_counts_days_hours_pieces_wages_and_households(as_role, county, shop):
    manager = as_role("manager")
    poor = hire(shop, 2, wage="0.5", unit=WageUnit.piece)
    watched = hire(shop, 1, category="unstable", prefix="监", wage="100", unit=WageUnit.day)
    _log_days(manager, shop, poor + watched, APRIL_DAYS[:10], hours=8, pieces=200)
    _log_days(manager, shop, watched, APRIL_DAYS[10:], status="half_day", hours=4)
    summary = manager.get(f"/api/v1/workshops/{shop.id}/attendance/summary?month=2026-04").json
    workers = {w["laborer_name"]: w for w in summary["workers"]}
    assert workers[poor[0].name]["days"] == 10 and workers[poor[0].name]["pieces"] == 2000
    assert workers[poor[0].name]["estimated_wage"] == 1000.0
    assert workers[watched[0].name]["days"] == 11 and workers[watched[0].name]["hours"] == 88
    assert workers[watched[0].name]["estimated_wage"] == 1100.0
    assert workers[poor[0].name]["months_in_a_row"] == 1
    totals = summary["totals"]
    assert totals["workers"] == 3 and totals["from_out_of_poverty"] == 2 and totals["from_monitored"] == 1
    days, hours, pieces = _db_totals(shop.id)
    assert (Decimal(str(totals["days"])), Decimal(str(totals["hours"])), totals["pieces"]) == (days, hours, pieces)
    assert totals["estimated_wages"] == 3100.0


def test_the_xlsx_sheet_opens_and_its_totals_match_the_database(as_role, county, shop):
    manager = as_role("manager")
    workers = hire(shop, 4, wage="0.8", unit=WageUnit.piece) + [county["west"]]
    _log_days(manager, shop, workers, APRIL_DAYS[:6], hours=7.5, pieces=150)
    _log_days(manager, shop, workers[:2], APRIL_DAYS[6:8], status="absent")
    _log_days(manager, shop, workers[2:], APRIL_DAYS[6:8], status="half_day", hours=4, pieces=60)
    response = manager.get(f"/api/v1/workshops/{shop.id}/attendance/export?month=2026-04")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    sheet = book["考勤表"]
    assert sheet["A1"].value == "城西服装车间 2026年4月 考勤表"
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[2]
    assert header[:4] == ("序号", "姓名", "身份证号", "户类别")
    assert header[4:8] == ("1", "2", "3", "4") and len(header) == 4 + 30 + 5
    assert header[-5:] == ("出勤天数", "工时（小时）", "计件数", "估算工资（元）", "本人签字")
    lines = [r for r in rows[3:] if isinstance(r[0], int)]
    assert len(lines) == 5
    assert all("*" in line[2] for line in lines), "ID numbers are masked"
    total = next(r for r in rows if r[0] == "合计")
    days, hours, pieces = _db_totals(shop.id)
    assert (Decimal(str(total[-5])), Decimal(str(total[-4])), total[-3]) == (days, hours, pieces)
    assert sum(line[-5] for line in lines) == total[-5]
    wages = Decimal("0.8") * sum(p for line in lines if line[1] != "西丙" for p in [line[-3]])
    assert Decimal(str(total[-2])) == wages
    text = [str(r[0]) for r in rows if r and r[0]]
    assert any(line.startswith("车间负责人（签字）") for line in text)
    assert any(line.startswith("县人社局审核（签字）") for line in text)
    summary = dict(book["汇总"].iter_rows(values_only=True))
    assert summary["车间名称"] == "城西服装车间" and Decimal(str(summary["出勤天数合计"])) == days
    export = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "export")).scalar_one()
    assert export.changes == {"month": "2026-04", "rows": 5}


def test_public_welfare_attendance_is_kept_by_the_villages_cadre(as_role, county):
    cadre = as_role("cadre")
    holder = county["east"][0]
    employ(holder, None, kind=EmploymentKind.public_welfare, wage="700", unit=WageUnit.month)
    outsider = county["west"]
    employ(outsider, None, kind=EmploymentKind.public_welfare)
    sheet = cadre.get("/api/v1/public-welfare/attendance").json
    assert [e["laborer_name"] for e in sheet["entries"]] == [holder.name]
    url = f"/api/v1/public-welfare/attendance?date={TODAY}"
    assert cadre.post(url, json=entries([holder])).status_code == 200
    refused = cadre.post(url, json=entries([outsider]))
    assert refused.status_code == 409 and refused.json["errors"][0]["code"] == "not_employed"
    assert as_role("bureau").post(url, json=entries([holder])).status_code == 403
    assert db.session.execute(sa.select(Attendance.kind)).scalars().all() == [AttendanceKind.public_welfare]


def test_public_welfare_shortfall_is_flagged_and_the_stipend_reduced(app, as_role, county):
    cadre = as_role("cadre")
    holder, steady = county["east"]
    employ(holder, None, kind=EmploymentKind.public_welfare, wage="700", unit=WageUnit.month)
    employ(steady, None, kind=EmploymentKind.public_welfare)
    for day in APRIL_DAYS[:5]:
        body = {"entries": [{"laborer_id": holder.id}, {"laborer_id": steady.id}], "reason": "补记"}
        assert cadre.post(f"/api/v1/public-welfare/attendance?date={day}", json=body).status_code == 200
    for day in APRIL_DAYS[5:9]:
        body = {"entries": [{"laborer_id": holder.id, "status": "absent"}, {"laborer_id": steady.id}], "reason": "补"}
        assert cadre.post(f"/api/v1/public-welfare/attendance?date={day}", json=body).status_code == 200
    holders = {
        h["laborer_name"]: h
        for h in cadre.get("/api/v1/public-welfare/attendance/summary?month=2026-04").json["holders"]
    }
    short = holders[holder.name]
    assert (short["days"], short["min_days"], short["shortfall"], short["flagged"]) == (5, 8, 3, True)
    # 700 a month over 8 days: 87.50 off for each of the 3 missing days.
    assert (short["stipend_base"], short["deductions"], short["stipend"]) == (700, 262.5, 437.5)
    full = holders[steady.name]
    assert (full["days"], full["flagged"], full["stipend"]) == (9, False, 700)

    app.config.update(PUBLIC_WELFARE_DEDUCTION_PER_SHORT_DAY_CNY="50", PUBLIC_WELFARE_DEDUCTION_PER_ABSENCE_CNY="10")
    short = cadre.get("/api/v1/public-welfare/attendance/summary?month=2026-04").json["holders"]
    short = next(h for h in short if h["laborer_id"] == holder.id)
    assert (short["deductions"], short["stipend"]) == (190, 510)


def test_the_county_summary_lists_every_workshop_of_the_county(as_role, county, shop, other_shop):
    manager = as_role("manager")
    _log_days(manager, shop, [county["west"]], APRIL_DAYS[:3], pieces=10)
    summary = as_role("bureau").get("/api/v1/attendance/summary?month=2026-04").json
    rows = {w["workshop_name"]: w for w in summary["workshops"]}
    assert rows["城西服装车间"]["days"] == 3 and rows["城西服装车间"]["pieces"] == 30
    assert rows["城东竹编车间"]["days"] == 0
    assert as_role("manager").get("/api/v1/attendance/summary").status_code == 403


def test_anomalies_find_copied_patterns_over_capacity_and_days_without_employment(app, as_role, county, shop):
    app.config["LATE_EDIT_CLUSTER_MIN_EDITS"] = 100  # these late entries are not the point here
    manager = as_role("manager")
    shop.capacity = 4
    db.session.commit()
    copies = hire(shop, 5, wage="1", unit=WageUnit.piece)
    _log_days(manager, shop, copies, APRIL_DAYS[:2], hours=8, pieces=300)
    # Employment later corrected to start after a day that was already recorded.
    late_start = hire(shop, 1, prefix="迟")[0]
    _log_days(manager, shop, [late_start], APRIL_DAYS[:1])
    row = db.session.execute(sa.select(Employment).where(Employment.laborer_id == late_start.id)).scalar_one()
    row.start_date = date(2026, 4, 2)
    db.session.commit()
    report = manager.get(f"/api/v1/workshops/{shop.id}/attendance/anomalies?month=2026-04").json
    kinds = sorted(a["kind"] for a in report["anomalies"])
    assert kinds == ["attendance_without_employment", "identical_patterns", "over_capacity", "over_capacity"]
    copied = next(a for a in report["anomalies"] if a["kind"] == "identical_patterns")
    assert copied["laborer_ids"] == sorted(w.id for w in copies)
    assert copied["zh"] == "5 名工人本月考勤、工时和计件完全相同"
    assert copied["en"] == "5 workers have exactly the same attendance, hours and pieces this month"


def test_many_late_edits_just_before_an_export_are_reported(app, as_role, county, shop):
    app.config["LATE_EDIT_CLUSTER_MIN_EDITS"] = 6
    manager = as_role("manager")
    workers = hire(shop, 3)
    _log_days(manager, shop, workers, APRIL_DAYS[:2])
    manager.get(f"/api/v1/workshops/{shop.id}/attendance/export?month=2026-04")
    report = manager.get(f"/api/v1/workshops/{shop.id}/attendance/anomalies?month=2026-04").json
    assert [a["kind"] for a in report["anomalies"]] == ["late_edits_before_claim"]
    assert report["anomalies"][0]["count"] == 6


def test_five_working_days_absent_raise_one_interruption_signal_for_the_village(as_role, county, shop):
    manager = as_role("manager")
    west = county["west"]
    others = hire(shop, 2)
    _log_days(manager, shop, others + [west], APRIL_DAYS[:2])
    for day in APRIL_DAYS[2:6]:
        body = entries(others) | {"reason": "补记"}
        body["entries"].append({"laborer_id": west.id, "status": "absent"})
        manager.post(sheet_url(shop, day), json=body)
    assert db.session.execute(sa.select(EmploymentInterruption)).first() is None, "4 days are not yet long"
    for day in APRIL_DAYS[6:8]:
        body = entries(others) | {"reason": "补记"}
        body["entries"].append({"laborer_id": west.id, "status": "leave" if day == APRIL_DAYS[7] else "absent"})
        manager.post(sheet_url(shop, day), json=body)
    db.session.expire_all()
    signal = db.session.execute(sa.select(EmploymentInterruption)).scalar_one()
    assert (signal.laborer_id, signal.village_id, signal.workshop_id) == (west.id, county["other"].id, shop.id)
    assert (signal.first_absent_day, signal.last_absent_day, signal.absent_days) == (
        APRIL_DAYS[2],
        APRIL_DAYS[7],
        6,
    )
    # The save turned the signal into an alert for the village's cadres at once.
    assert absences.pending_signals() == []
    alert = db.session.execute(sa.select(Alert).where(Alert.kind == AlertKind.long_absence)).scalar_one()
    # raised on the save that made the fifth day; the run going on later does not raise another
    assert (alert.laborer_id, alert.village_id, alert.detail["absent_days"]) == (west.id, county["other"].id, 5)
    # The bureau (and the village's cadre) see it; the cadre of another village does not.
    listed = as_role("bureau").get("/api/v1/employment-interruptions").json["items"]
    assert [(s["laborer_name"], s["absent_days"]) for s in listed] == [("西丙", 6)]
    assert as_role("cadre").get("/api/v1/employment-interruptions").json["items"] == []


def test_days_without_a_sheet_do_not_break_or_make_a_run(as_role, county, shop):
    manager = as_role("manager")
    west = county["west"]
    spread = [TODAY - timedelta(days=d) for d in (14, 10, 7, 3, 1)]
    for day in spread:
        manager.post(sheet_url(shop, day), json=entries([west], status="absent", reason="补记"))
    db.session.expire_all()
    signal = db.session.execute(sa.select(EmploymentInterruption)).scalar_one()
    assert signal.absent_days == 5 and signal.first_absent_day == spread[0]


def test_piece_work_without_piece_counts_is_not_a_zero_wage(as_role, county, shop, client):
    manager = as_role("manager")
    counted, uncounted = hire(shop, 2, wage="0.5", unit=WageUnit.piece)
    _log_days(manager, shop, [counted], APRIL_DAYS[:3], pieces=100)
    _log_days(manager, shop, [uncounted], APRIL_DAYS[:3])
    summary = manager.get(f"/api/v1/workshops/{shop.id}/attendance/summary?month=2026-04").json
    workers = {w["laborer_name"]: w for w in summary["workers"]}
    assert workers[counted.name]["estimated_wage"] == 150.0 and workers[counted.name]["pieces_missing"] is False
    assert workers[uncounted.name]["estimated_wage"] is None and workers[uncounted.name]["pieces_missing"] is True
    # The manager's month page says so instead of ¥0.00.
    from tests.workshops.test_pages import _login

    _login(client, "manager")
    page = client.get(f"/workshops/{shop.id}/attendance/month?month=2026-04").get_data(as_text=True)
    row = page[page.index(uncounted.name) :].split("</tr>")[0]
    assert "未填件数" in row and "0.00" not in row

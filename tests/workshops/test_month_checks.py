"""The month before it closes: days nobody recorded are flagged; the .xlsx sheet prints on A4."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook

from jobmatch.vocab import WageUnit
from tests.workshops.conftest import TODAY, entries, hire, sheet_url
from tests.workshops.test_pages import _login

ANOMALIES = "/api/v1/workshops/{}/attendance/anomalies?month=2026-04"


def _keep(manager, shop, workers, day) -> None:
    response = manager.post(sheet_url(shop, day), json=entries(workers) | {"reason": "补记"})
    assert response.status_code == 200, response.get_json()


def _april(*days: int) -> list[date]:
    return [date(2026, 4, d) for d in days]


def test_working_days_without_a_mark_are_flagged_with_the_day_and_the_names(app, as_role, client, county, shop):
    manager = as_role("manager")
    west = county["west"]
    pair = hire(shop, 2)
    newcomer = hire(shop, 1, prefix="新", start=date(2026, 4, 10))[0]
    everyone = [west, *pair]
    # 1–14 April is Wednesday to Tuesday; the 5th and 12th are Sundays (the default rest day).
    for day in _april(1, 2, 3, 4, 6, 7, 9, 10, 11, 13, 14):
        _keep(manager, shop, everyone + ([newcomer] if day >= date(2026, 4, 10) else []), day)
    # The 8th: nobody recorded. The 9th: the newcomer was not hired yet, so nobody is missing.
    # Sunday the 12th: the workshop worked and kept a sheet, but forgot one worker.
    _keep(manager, shop, [west, *pair], date(2026, 4, 12))

    report = manager.get(ANOMALIES.format(shop.id)).json
    flagged = {d["date"]: d for d in report["unrecorded_days"]}
    assert sorted(flagged) == ["2026-04-08", "2026-04-12"], "Sunday the 5th rests; today (15th) is not over"
    assert flagged["2026-04-08"]["whole_day"] is True
    assert set(flagged["2026-04-08"]["laborer_ids"]) == {w.id for w in everyone}
    assert flagged["2026-04-12"]["whole_day"] is False and flagged["2026-04-12"]["laborer_ids"] == [newcomer.id]
    assert flagged["2026-04-12"]["zh"] == f"2026-04-12 {newcomer.name} 没有考勤记录"
    assert flagged["2026-04-12"]["en"] == f"2026-04-12: no attendance for {newcomer.name}"
    assert report["count"] == len(report["anomalies"]) + 2

    # The manager's month page counts them under 需核查, with the day, the names and a link to fill it in.
    _login(client, "manager")
    page = client.get(f"/workshops/{shop.id}/attendance/month?month=2026-04").get_data(as_text=True)
    assert f"需核查（{report['count']}）" in page
    assert "2026-04-08 整天没有考勤记录（3 人）" in page and all(w.name in page for w in everyone)
    assert f"/workshops/{shop.id}/attendance?date=2026-04-08" in page
    assert f'data-date="2026-04-12">2026-04-12 {newcomer.name} 没有考勤记录' in page

    # A workshop that works every day: Sunday the 5th is a working day too.
    app.config["REST_WEEKDAY"] = 0
    again = {d["date"] for d in manager.get(ANOMALIES.format(shop.id)).json["unrecorded_days"]}
    assert again == {"2026-04-05", "2026-04-08", "2026-04-12"}


def test_a_worker_recorded_at_another_workshop_that_day_is_not_flagged_here(
    as_role, admin_api, county, shop, other_shop
):
    from tests.workshops.conftest import employ

    west = county["west"]
    employ(west, other_shop, full_time=False)
    manager = as_role("manager")
    days = [d for d in _april(*range(1, 15)) if d.isoweekday() != 7]
    for day in days:
        if day == date(2026, 4, 7):
            assert (
                admin_api.post(sheet_url(other_shop, day), json=entries([west]) | {"reason": "补记"}).status_code == 200
            )
        else:
            _keep(manager, shop, [west], day)
    assert manager.get(ANOMALIES.format(shop.id)).json["unrecorded_days"] == []


def test_a_month_kept_every_day_has_nothing_to_check(as_role, county, shop):
    manager = as_role("manager")
    for day in _april(*range(1, TODAY.day)):
        if day.isoweekday() != 7:
            _keep(manager, shop, [county["west"]], day)
    report = manager.get(ANOMALIES.format(shop.id)).json
    assert report["unrecorded_days"] == [] and report["count"] == len(report["anomalies"])


def test_the_xlsx_sheet_prints_on_a4_landscape_with_header_rows_on_every_page(as_role, county, shop):
    manager = as_role("manager")
    counted, uncounted = hire(shop, 2, wage="0.5", unit=WageUnit.piece)
    for day in _april(1, 2):
        body = {"entries": [{"laborer_id": counted.id, "status": "present", "pieces": 80}]}
        body["entries"].append({"laborer_id": uncounted.id, "status": "present"})
        assert manager.post(sheet_url(shop, day), json=body | {"reason": "补记"}).status_code == 200
    response = manager.get(f"/api/v1/workshops/{shop.id}/attendance/export?month=2026-04")
    sheet = load_workbook(io.BytesIO(response.data))["考勤表"]
    setup = sheet.page_setup
    assert str(setup.paperSize) == "9", "A4"
    assert setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert (int(setup.fitToWidth), int(setup.fitToHeight)) == (1, 0), "one page wide, as many tall as needed"
    header = next(i for i, row in enumerate(sheet.iter_rows(values_only=True), start=1) if row[0] == "序号")
    assert sheet.print_title_rows.replace("$", "") == f"1:{header}"
    rows = {row[1]: row for row in sheet.iter_rows(min_row=header + 1, values_only=True)}
    wage = [cell.value for cell in sheet[header]].index("估算工资（元）")
    assert rows[counted.name][wage] == 80.0
    assert rows[uncounted.name][wage] == "未填件数"

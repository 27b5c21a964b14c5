"""A bureau officer imports a roster through the page: check, read the summary, confirm."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from jobmatch.extensions import db
from jobmatch.people.models import Laborer
from tests.browser.conftest import fits_the_screen, log_in, screenshot
from tests.rosters.conftest import LABORER_HEADERS, person, xlsx_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _count() -> int:
    db.session.commit()  # end this thread's read, to see what the server's thread wrote
    return db.session.execute(sa.select(sa.func.count()).select_from(Laborer)).scalar_one()


@pytest.mark.parametrize("screen", ["page", "phone"])
def test_an_officer_checks_a_roster_reads_the_refused_row_by_its_column_then_confirms(screen, county, request):
    page = request.getfixturevalue(screen)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)
    log_in(page, "bureau")
    page.goto("/rosters")
    assert page.locator("details.roster-columns").count() == 4
    page.locator("details.roster-columns[data-kind=laborers] summary").click()
    assert page.locator("a[href='/api/v1/rosters/laborers/template']").is_visible()

    rows = [LABORER_HEADERS, person(91), person(93, 就业意愿="随便", 劳动能力=""), person(95, 就业意愿="省内县外")]
    before = _count()
    page.set_input_files(
        "input[name=file]", files=[{"name": "名册.xlsx", "mimeType": XLSX, "buffer": xlsx_bytes(rows)}]
    )
    page.click("#roster-form button[type=submit]")
    page.locator("#roster-result:not([hidden])").wait_for()
    assert "新增 2" in page.text_content("#roster-counts") and "拒绝 1" in page.text_content("#roster-counts")
    refused = page.locator("#roster-rejected tr")
    assert refused.count() == 2, "both errors of the bad row"
    cells = [refused.nth(i).locator("td").all_inner_texts() for i in range(2)]
    assert {c[2] for c in cells} == {"就业意愿", "劳动能力"} and all(c[0] == "3" for c in cells)
    assert "随便" in " ".join(c[3] for c in cells)
    assert _count() == before, "a check writes nothing"
    confirm = page.locator("#roster-confirm")
    assert confirm.is_visible() and "确认导入 2 行" in confirm.inner_text()
    assert fits_the_screen(page)
    screenshot(page, f"roster-import-checked-{screen}")

    confirm.click()
    page.locator("#roster-status:text-is('已导入')").wait_for()
    assert _count() == before + 2
    assert not confirm.is_visible()
    assert console == []
    screenshot(page, f"roster-import-done-{screen}")


@pytest.mark.parametrize("screen", ["page", "phone"])
def test_a_large_roster_is_checked_in_the_background_and_the_page_keeps_it_after_a_reload(
    screen, county, request, app, monkeypatch
):
    monkeypatch.setitem(app.config, "ROSTER_BACKGROUND_ROWS", 2)
    page = request.getfixturevalue(screen)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)
    log_in(page, "bureau")
    page.goto("/rosters")
    rows = [LABORER_HEADERS, person(81), person(83, 就业意愿="随便"), person(85)]
    before = _count()
    page.set_input_files(
        "input[name=file]", files=[{"name": "名册.xlsx", "mimeType": XLSX, "buffer": xlsx_bytes(rows)}]
    )
    page.click("#roster-form button[type=submit]")
    page.wait_for_url("**/rosters?job=*")
    page.reload()
    page.locator("#roster-result:not([hidden])").wait_for()
    assert "100%" in page.text_content("#roster-job-card .job-percent")
    assert "新增 2" in page.text_content("#roster-counts") and "拒绝 1" in page.text_content("#roster-counts")
    assert page.locator("#roster-rejected tr").count() == 1
    assert _count() == before, "a check writes nothing"
    assert fits_the_screen(page)
    screenshot(page, f"roster-import-background-{screen}")

    page.click("#roster-job-card button[type=submit]")
    page.locator("#roster-status:text-is('已导入')").wait_for()
    assert "导入 名册.xlsx" in page.text_content("#roster-job-card")
    assert _count() == before + 2
    assert console == []

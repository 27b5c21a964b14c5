"""The bureau's day in the browser at 1280 px and 360 px: tasks, a workshop, employers, subsidies, months, checks."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from jobmatch.extensions import db
from jobmatch.placements import subsidies
from jobmatch.posts import service as posts
from jobmatch.posts.models import Employer
from jobmatch.vocab import EmploymentStatus
from tests import factories
from tests.browser.conftest import fits_the_screen, log_in, pick, screenshot
from tests.bureau.conftest import china_today, migrant_work
from tests.placements.conftest import _quick_password_hashes  # noqa: F401
from workshops.models import AttendanceClosure


def _errors_of(page) -> list[str]:
    """Script and style errors in the console; a refused form (409, 422) is the page's answer, not an error."""
    errors: list[str] = []

    def seen(message) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource: the server responded"):
            errors.append(message.text)

    page.on("console", seen)
    return errors


@pytest.fixture
def busy_county(county) -> dict:
    """Subsidies due (one lapsing), a workshop awaiting certification, a finding for the consistency report."""
    east_a, east_b = county["east"]
    migrant_work(east_a, days_ago=120)
    migrant_work(east_b, days_ago=(china_today() - subsidies.add_months(china_today(), -3)).days + 350)
    factories.household(code="H-EAST-2")
    recorded = factories.laborer(household_code="H-EAST-2", name="东丁", sequence=17)
    recorded.employment_status = EmploymentStatus.local_enterprise  # yet nobody in the household works
    db.session.commit()
    return county


@pytest.mark.parametrize("device", ["page", "phone"])
def test_the_bureau_walks_its_pages(request, busy_county, device):
    tab = request.getfixturevalue(device)
    name = "desktop" if device == "page" else "phone"
    console = _errors_of(tab)
    shop = busy_county["workshop"]

    log_in(tab, "bureau")
    assert tab.url.endswith("/bureau")
    assert tab.locator("[data-task=due] .n").inner_text() == "2"
    assert tab.locator("[data-task=lapsing] .n").inner_text() == "1"
    assert tab.locator("[data-task=applied] .n").inner_text() == "1"
    screenshot(tab, f"bureau-today-{name}")

    tab.click("#applied a:has-text('城西服装车间')")
    tab.wait_for_load_state()
    assert "现有 1 人，至少需要 5 人" in tab.text_content("#certification")
    tab.click("text=认定为帮扶车间")
    tab.wait_for_load_state()
    assert "不符合帮扶车间认定条件" in tab.text_content(".refusal")
    assert "西丙" in tab.text_content("#workers")
    screenshot(tab, f"bureau-workshop-refused-{name}")
    if name == "phone":
        assert fits_the_screen(tab)

    tab.goto("/subsidies?tab=lapsing")
    claim = tab.locator("li.claim").first
    assert "东乙" in claim.inner_text()
    claim.locator("summary").click()
    assert "外出务工" in claim.locator(".evidence").inner_text()
    screenshot(tab, f"bureau-subsidies-{name}")
    claim.locator("button[type=submit]").click()
    tab.wait_for_load_state()
    assert "已登记申领：东乙" in tab.text_content(".flash")
    tab.click(".subsidy-tabs >> text=已申领未发放")
    tab.wait_for_load_state()
    assert "东乙" in tab.text_content("ol.claims")
    if name == "phone":
        assert fits_the_screen(tab)

    month = (china_today().replace(day=1) - timedelta(days=1)).replace(day=1).strftime("%Y-%m")
    tab.goto(f"/attendance/months?month={month}")
    assert "1 名工人本月无考勤" in tab.text_content(f"tr[data-workshop='{shop.id}']")
    screenshot(tab, f"bureau-months-{name}")
    tab.click("form.close-form button[type=submit]")
    tab.wait_for_load_state()
    assert "全县考勤已关账" in tab.text_content(".flash")
    closure_id = db.session.execute(sa.select(AttendanceClosure.id)).scalar_one()
    # Reopening without a reason: the error under the field.
    tab.click(f"li[data-closure='{closure_id}'] button[type=submit]")
    tab.wait_for_load_state()
    assert tab.text_content(f"#reason-{closure_id}-error") == "重新开放须填写原因"
    tab.fill(f"#reason-{closure_id}", "补记漏记的考勤")
    tab.click(f"li[data-closure='{closure_id}'] button[type=submit]")
    tab.wait_for_load_state()
    assert "已重新开放" in tab.text_content(".flash")
    if name == "phone":
        assert fits_the_screen(tab)

    tab.goto("/consistency")
    assert "登记为已就业但家中无人在岗" in tab.text_content("table.findings")
    screenshot(tab, f"bureau-consistency-{name}")
    tab.click("table.findings a:has-text('东丁')")
    tab.wait_for_load_state()
    assert "东丁" in tab.text_content("h1")
    assert console == []


def test_an_employer_form_error_shows_under_its_field_with_the_rest_kept(phone, county):
    log_in(phone, "bureau")
    phone.goto("/employers")
    phone.click("text=登记用工主体")
    phone.wait_for_load_state()
    phone.fill("#name", "横峰电子厂")
    phone.fill("#credit_code", "12345")
    phone.fill("#contact_name", "李经理")
    phone.click("form.employer-form button[type=submit]")
    phone.wait_for_load_state()
    assert phone.locator(".field:has(#credit_code) .field-error").inner_text() == "统一社会信用代码无效"
    assert phone.locator(".field-error").count() == 1
    assert phone.input_value("#name") == "横峰电子厂" and phone.input_value("#contact_name") == "李经理"
    assert fits_the_screen(phone)
    screenshot(phone, "bureau-employer-error-phone")
    assert db.session.execute(sa.select(sa.func.count(Employer.id))).scalar_one() == 0

    phone.fill("#credit_code", "")
    phone.click("form.employer-form button[type=submit]")
    phone.wait_for_load_state()
    assert "用工主体已保存：横峰电子厂" in phone.text_content(".flash")
    screenshot(phone, "bureau-employer-phone")


def test_a_post_identical_to_an_open_one_asks_before_saving(page, county):
    employer = posts.save_employer({"name": "横峰服装厂", "kind": "enterprise", "region_code": factories.VILLAGE_CODE})
    posts.save_opening(
        {"kind": "enterprise", "title": "缝纫工", "employer_id": employer.id, "region_code": factories.VILLAGE_CODE}
        | {"headcount": 2}
    )
    log_in(page, "bureau")
    page.goto("/openings/new?kind=enterprise")
    page.fill("#title", "缝纫工")
    pick(page, "employer_id", "服装", "横峰服装厂")
    pick(page, "region_code", "城东", "城东村")
    page.fill("#headcount", "3")
    page.click("form.opening-form button.big[type=submit]")
    page.wait_for_load_state()
    assert "已有相同的在招岗位" in page.text_content(".duplicate-warning")
    assert page.input_value("#headcount") == "3"
    screenshot(page, "bureau-duplicate-post-desktop")
    page.click(".duplicate-warning button:has-text('仍然保存')")
    page.wait_for_load_state()
    assert "岗位已保存：缝纫工" in page.text_content(".flash")

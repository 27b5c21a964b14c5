"""The administrator's day in the browser (home, accounts, skill dictionary, ranker, audit trail) and the
bureau's batch proposal, at 1280 px and on a 360-px phone, with screenshots."""

from __future__ import annotations

import pytest

from jobmatch.accounts import service
from jobmatch.jobs.models import Job
from jobmatch.matches.models import SkillSynonym
from jobmatch.placements.models import Referral
from jobmatch.posts import service as posts
from tests import factories
from tests.browser.conftest import fits_the_screen, log_in, screenshot
from tests.placements.conftest import _quick_password_hashes  # noqa: F401

SIZES = ["desktop", "phone"]


@pytest.fixture(params=SIZES)
def screen(request, page, phone):
    """The same walk at 1280 px and at 360 px."""
    return request.param, page if request.param == "desktop" else phone


def _errors_of(page) -> list[str]:
    """Console errors (a refused script or style shows up here); a form sent back with 422 is not one."""
    errors: list[str] = []

    def seen(message) -> None:
        if message.type == "error" and "status of 422" not in message.text:
            errors.append(message.text)

    page.on("console", seen)
    return errors


def test_the_admin_walks_home_accounts_dictionary_ranker_and_audit(screen, county, app, tmp_path, monkeypatch):
    size, page = screen
    monkeypatch.setitem(app.config, "MODELS_DIR", str(tmp_path))
    console = _errors_of(page)
    log_in(page, "admin")
    assert "系统状态" in page.text_content("main")
    assert page.locator("ul.health li.ok").count() >= 3
    assert fits_the_screen(page)
    screenshot(page, f"admin-home-{size}")

    # A new cadre: the village picked by typing its pinyin initials; a short password is refused under its field.
    page.goto("/admin/users")
    page.fill("#name", "zhao-cadre")
    page.select_option("#role", "cadre")
    page.fill("input[data-filter-for=regions]", "cdc")
    shown = page.eval_on_selector_all("#regions option", "options => options.filter(o => !o.hidden).map(o => o.text)")
    assert shown == ["城东村"]
    page.select_option("#regions", factories.VILLAGE_CODE)
    page.fill("#password", "short")
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()
    error = page.locator(".field.has-error:has(#password) .field-error")
    assert error.is_visible() and "10" in error.inner_text()
    assert page.input_value("#name") == "zhao-cadre"
    assert page.eval_on_selector("#regions", "s => [...s.selectedOptions].map(o => o.text)") == ["城东村"]
    screenshot(page, f"admin-user-field-error-{size}")
    page.fill("#password", "long-enough-password")
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()
    assert "已创建账号 zhao-cadre" in page.text_content(".flash")
    assert [r.name for r in service.user_by_name("zhao-cadre").regions] == ["城东村"]

    # The skill dictionary: find the skill, add a way of writing it, see the phrase map to it.
    page.goto("/admin/skills?q=缝纫")
    page.click("tr:has-text('sewing') >> text=添加写法")
    page.wait_for_load_state()
    page.fill("#synonym", "踩洋车")
    page.click("#add button[type=submit]")
    page.wait_for_load_state()
    assert "已添加：踩洋车 → 缝纫工" in page.text_content(".flash")
    page.fill("input[name=phrase]", "踩洋车")
    page.press("input[name=phrase]", "Enter")
    page.wait_for_load_state()
    assert page.locator("ol.readings li").first.inner_text().startswith("缝纫工")
    assert SkillSynonym.query.one().skill_code == "sewing"
    assert fits_the_screen(page)
    screenshot(page, f"admin-skills-{size}")

    # The ranker: the prior serves; training with no outcomes ends in a failure the page explains.
    page.goto("/admin/ranker")
    assert "当前服务" in page.text_content(".model-card")
    page.click("text=用最新结果训练新模型")
    page.wait_for_load_state()
    assert "尚无推荐结果记录，无法训练" in page.text_content(".job-error")
    assert Job.query.one().state == "failed"
    assert fits_the_screen(page)
    screenshot(page, f"admin-ranker-{size}")

    page.goto("/admin/audit")
    page.select_option("#actor_id", label="admin (admin)")
    page.click("form.filters-form button[type=submit]")
    page.wait_for_load_state()
    assert "账号 #" in page.text_content("table.audit")
    details = page.locator("details.changes").first
    details.locator("summary").click()
    assert details.locator("dl").is_visible()
    assert fits_the_screen(page)
    screenshot(page, f"admin-audit-{size}")
    assert console == []


def test_the_bureau_reviews_a_batch_proposal_and_confirms_the_ticked_lines(screen, county):
    size, page = screen
    employer = posts.save_employer({"name": "横峰服装厂", "kind": "enterprise", "region_code": factories.VILLAGE_CODE})
    posts.save_opening(
        {
            "code": "GWHF01",
            "kind": "enterprise",
            "title": "横峰缝纫工",
            "employer_id": employer.id,
            "region_code": factories.VILLAGE_CODE,
            "required_skills": ["缝纫"],
            "headcount": 5,
        }
    )
    console = _errors_of(page)
    log_in(page, "bureau")
    page.goto("/proposals")
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#region-error").inner_text() == "请选择本县或其中一个乡镇"
    page.select_option("#region", county["county"].code)
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()
    boxes = page.locator("table.proposal input[name=line]")
    assert boxes.count() >= 2
    assert "100%" in page.text_content(".job-percent")
    screenshot(page, f"bureau-proposal-{size}")
    boxes.nth(1).uncheck()
    page.click("text=确认勾选的推荐")
    page.wait_for_load_state()
    # The confirmation ran as a background job (at once in tests); the page shows its end.
    assert f"已确认：生成 {boxes.count() - 1} 条推荐" in page.text_content("p.ok")
    assert Referral.query.count() == boxes.count() - 1
    assert fits_the_screen(page)
    screenshot(page, f"bureau-proposal-confirmed-{size}")
    assert console == []

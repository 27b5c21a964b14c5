"""The county bureau's day: post a public-welfare post with the skill picker, fix a form error, read the dashboard."""

from __future__ import annotations

import sqlalchemy as sa

from jobmatch.extensions import db
from jobmatch.posts.models import Opening
from tests.browser.conftest import fits_the_screen, log_in, pick, screenshot
from tests.placements.conftest import _quick_password_hashes, make_opening  # noqa: F401

CHART_BOXES = ("types", "rate", "households", "fill_kind", "fill_township", "map")


def _errors_of(page) -> list[str]:
    """Messages the browser console reported as errors (a refused script or style shows up here)."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return errors


def test_bureau_posts_a_public_welfare_post_with_the_skill_picker(page, county):
    console = _errors_of(page)
    log_in(page, "bureau")
    page.goto("/openings")
    page.click("text=发布岗位")
    page.click("a:has-text('公益性岗位')")
    page.fill("#title", "村级缝补员")
    pick(page, "region_code", "cdc", "城东村")
    page.fill("#headcount", "3")

    page.fill("#required_skills-typing", "做衣服")
    suggestion = page.locator(".suggestions .suggestion", has_text="缝纫工").first
    suggestion.wait_for()
    suggestion.click()
    assert page.locator(".chips .chip-label").all_inner_texts() == ["缝纫工"]
    assert page.input_value("#required_skills-typing") == ""
    screenshot(page, "bureau-opening-form-desktop")

    page.click("form.opening-form button[type=submit]")
    page.wait_for_load_state()
    assert "岗位已保存：村级缝补员" in page.text_content(".flash")
    assert "缝纫工" in page.text_content("dl.facts")
    post = db.session.execute(sa.select(Opening)).scalar_one()
    assert (post.kind.value, post.required_skills_raw, post.headcount) == ("public_welfare", ["缝纫工"], 3)

    page.click("header nav >> text=岗位")
    page.wait_for_load_state()
    row = page.locator(f"tr[data-opening='{post.id}']")
    assert "村级缝补员" in row.inner_text()
    assert "已招 0 / 共 3 人" in row.inner_text() and "还差 3 人" in row.inner_text()
    assert console == []
    screenshot(page, "bureau-openings-desktop")


def test_a_field_error_appears_next_to_the_field_and_nothing_typed_is_lost(phone, county):
    log_in(phone, "bureau")
    phone.goto("/openings/new?kind=public_welfare")
    phone.fill("#title", "护林员")
    pick(phone, "region_code", "城东", "城东村")
    phone.fill("#headcount", "1")
    phone.fill("#age_min", "50")
    phone.fill("#age_max", "30")
    phone.fill("#required_skills-typing", "巡山")
    phone.press("#required_skills-typing", "Enter")
    phone.click("form.opening-form button[type=submit]")
    phone.wait_for_load_state()

    error = phone.locator(".field:has(#age_max) .field-error")
    assert error.inner_text() == "最高年龄不能小于最低年龄"
    assert phone.locator(".field-error").count() == 1
    assert phone.input_value("#age_min") == "50" and phone.input_value("#title") == "护林员"
    assert phone.locator(".chips .chip-label").all_inner_texts() == ["巡山"]
    assert fits_the_screen(phone)
    screenshot(phone, "bureau-opening-error-phone")
    assert db.session.execute(sa.select(sa.func.count(Opening.id))).scalar_one() == 0


def _charts_drawn(page) -> dict[str, bool]:
    """Each chart box: does it hold what ECharts draws (a canvas or an svg)?"""
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('[data-chart]')].map(
            box => [box.dataset.chart, !!box.querySelector('canvas, svg') && box.offsetHeight > 0]))"""
    )


def test_the_dashboard_on_a_phone_and_a_desktop(page, phone, county):
    first = make_opening(headcount=4)
    first.remaining_headcount = 1
    make_opening(kind="public_welfare", headcount=2)
    db.session.commit()
    for device, name in ((page, "desktop"), (phone, "phone")):
        console = _errors_of(device)
        log_in(device, "bureau")
        device.goto("/dashboard")
        device.wait_for_selector(".chart-canvas.ready canvas")
        assert "横峰县就业看板" in device.text_content("h1")
        assert _charts_drawn(device) == dict.fromkeys(CHART_BOXES, True)
        # The tables wait behind their switch; the tiles show the county's figures.
        assert not device.is_visible("#chart-fill_kind table")
        assert "50.0%" in device.text_content(".tiles")  # 3 of 6 places filled
        assert console == []
        if name == "phone":
            assert fits_the_screen(device)
        device.wait_for_timeout(1200)  # the charts' opening animation
        screenshot(device, f"bureau-dashboard-{name}")

        device.click("#chart-fill_kind summary")
        assert device.is_visible("#chart-fill_kind table")
        assert not device.is_visible("#chart-fill_kind .chart-canvas")
        row = device.locator("#chart-fill_kind tr[data-kind=enterprise]").inner_text()
        assert row.split() == ["企业岗位", "1", "4", "3", "75.0%"]
        device.click("#chart-fill_kind summary")
        assert device.is_visible("#chart-fill_kind .chart-canvas canvas")

"""The posting form's pickers in the browser, at 1280 px and on a 360-px phone: a village found by its pinyin
initials, a new employer registered inline, one error under its field with everything else kept, then saved."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from jobmatch.extensions import db
from jobmatch.posts import service as posts
from jobmatch.posts.models import Employer, Opening
from tests import factories
from tests.browser.conftest import fits_the_screen, log_in, pick, screenshot
from tests.placements.conftest import _quick_password_hashes  # noqa: F401

NEW_NAME = "横峰竹木加工厂"


@pytest.fixture(params=["desktop", "phone"])
def screen(request, page, phone):
    return request.param, page if request.param == "desktop" else phone


def _console_errors(page) -> list[str]:
    """Console errors (a refused script or style shows up here); a form sent back with 422 is not one."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "status of 422" not in m.text else None)
    return errors


def test_a_post_with_a_village_by_pinyin_and_a_new_employer_made_inline(screen, county):
    size, page = screen
    posts.save_employer({"name": "横峰服装厂", "kind": "enterprise", "region_code": factories.VILLAGE_CODE})
    console = _console_errors(page)
    log_in(page, "bureau")
    page.goto("/openings/new?kind=enterprise")
    page.fill("#title", "竹编工")

    # The employer: the county's matches as one types, and "new" for a name it does not have.
    page.fill("#employer_id-search", "横峰")
    page.locator("#employer_id-list .suggestion", has_text="横峰服装厂").wait_for()
    assert not page.is_visible("#employer_id") and not page.is_visible("#new-employer")
    page.fill("#employer_id-search", NEW_NAME)
    page.locator("#employer_id-list .pick-new .suggestion", has_text=f"新建用工主体：{NEW_NAME}").click()
    assert page.is_visible("#new-employer") and page.input_value("#employer_name") == NEW_NAME
    page.select_option("#employer_kind", "cooperative")
    page.fill("#employer_contact_name", "王社长")

    # The village: pinyin initials list it under its township; picking it fills the folded coordinates.
    page.fill("#region_code-search", "cdc")
    assert page.locator("#region_code-list li").all_inner_texts() == ["岑阳镇", "城东村"]
    page.press("#region_code-search", "Enter")
    assert page.input_value("#region_code-search") == "岑阳镇 · 城东村"
    assert (page.input_value("#latitude"), page.input_value("#longitude")) == ("28.43", "117.62")
    assert not page.is_visible("#latitude") and "取自城东村" in page.text_content("details.coords summary")

    page.fill("#headcount", "4")
    page.fill("#age_min", "50")
    page.fill("#age_max", "30")
    if size == "phone":
        assert fits_the_screen(page)
    screenshot(page, f"bureau-post-pickers-{size}")
    page.click("form.opening-form button.big[type=submit]")
    page.wait_for_load_state()

    # One error, under its field; the employer to register, the village and everything else kept; nothing saved.
    assert page.locator(".field-error").all_inner_texts() == ["最高年龄不能小于最低年龄"]
    assert page.locator(".field:has(#age_max) .field-error").is_visible()
    assert page.input_value("#employer_id-search") == NEW_NAME and page.is_visible("#new-employer")
    assert (page.input_value("#employer_kind"), page.input_value("#employer_contact_name")) == ("cooperative", "王社长")
    assert page.input_value("#region_code-search") == "岑阳镇 · 城东村" and page.input_value("#title") == "竹编工"
    assert db.session.execute(sa.select(sa.func.count(Employer.id))).scalar_one() == 1
    if size == "phone":
        assert fits_the_screen(page)
    screenshot(page, f"bureau-post-pickers-error-{size}")

    page.fill("#age_max", "55")
    page.click("form.opening-form button.big[type=submit]")
    page.wait_for_load_state()
    assert "岗位已保存：竹编工" in page.text_content(".flash")
    post = db.session.execute(sa.select(Opening)).scalar_one()
    assert (post.employer.name, post.employer.kind.value, post.region.code) == (
        NEW_NAME,
        "cooperative",
        factories.VILLAGE_CODE,
    )
    assert (post.latitude, post.longitude, post.age_max) == (28.43, 117.62, 55)
    assert console == []


def test_a_site_outside_the_county_takes_the_coordinates_of_a_place_earlier_posts_used(page, county):
    mine = {"county_code": factories.COUNTY_CODE}
    employer = posts.save_employer({"name": "宁波电器有限公司", "kind": "enterprise"} | mine)
    far = {"site_name": "浙江省宁波市", "latitude": 29.868, "longitude": 121.544} | mine
    posts.save_opening({"kind": "enterprise", "title": "装配工", "headcount": 9, "employer_id": employer.id} | far)
    log_in(page, "bureau")
    page.goto("/openings/new?kind=public_welfare")
    page.fill("#title", "保洁员")
    page.fill("#headcount", "1")
    pick(page, "region_code", "cdc", "城东村")
    assert page.input_value("#latitude") == "28.43"

    page.check("input[name=site_mode][value=address]")
    assert not page.is_visible("#region_code-search") and page.is_visible("#latitude")
    assert page.input_value("#latitude") == ""  # the village's coordinates went with it
    page.fill("#site_name", "浙江省宁波市")
    assert (page.input_value("#latitude"), page.input_value("#longitude")) == ("29.868", "121.544")
    assert "取自浙江省宁波市" in page.text_content("details.coords summary")
    page.fill("#longitude", "121.55")  # moved by hand: kept, and said so
    assert "已手动填写" in page.text_content("details.coords summary")
    page.click("form.opening-form button.big[type=submit]")
    page.wait_for_load_state()
    assert "岗位已保存：保洁员" in page.text_content(".flash")
    post = db.session.execute(sa.select(Opening).where(Opening.title == "保洁员")).scalar_one()
    assert (post.region_id, post.site_name, post.latitude, post.longitude) == (None, "浙江省宁波市", 29.868, 121.55)

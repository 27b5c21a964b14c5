"""The village cadre's day in a browser: find a laborer, look at their matches, refer, record the outcome; register
a laborer and see a wrong ID number refused next to its field. On a 360-px phone and on a desktop."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from jobmatch.extensions import db
from jobmatch.people.models import Laborer
from jobmatch.placements.models import Employment, Referral
from tests import factories
from tests.browser.conftest import fits_the_screen, log_in, screenshot
from tests.cadre.conftest import sewing_post


def _loaded(page) -> None:
    page.wait_for_load_state()


@pytest.mark.parametrize("device", ["phone", "page"])
def test_a_cadre_finds_a_laborer_refers_them_and_records_the_hire(device, request, county):
    page = request.getfixturevalue(device)
    width = "phone" if device == "phone" else "desktop"
    post = sewing_post()
    log_in(page, "cadre")

    page.goto("/villages")
    assert "城东村" in page.text_content("main") and "城西村" not in page.text_content("main")
    assert fits_the_screen(page)

    page.click("header nav >> text=劳动力")
    _loaded(page)
    page.fill("input[name=q]", "东甲")
    page.click(".searchbar button")
    _loaded(page)
    rows = page.locator("table.laborers tbody tr")
    assert rows.count() == 1 and "东甲" in rows.first.text_content()
    assert fits_the_screen(page)

    page.click("table.laborers >> text=东甲")
    _loaded(page)
    assert "东甲" in page.text_content("h1")
    assert "会踩缝纫机、养猪" in page.text_content("main")
    assert fits_the_screen(page)

    page.click("text=匹配岗位")
    _loaded(page)
    match = page.locator(f"#opening-{post.id}")
    assert "缝纫工" in match.text_content() and "技能匹配" in match.text_content()
    assert "3 / 3 人" in match.text_content()
    assert fits_the_screen(page)
    screenshot(page, f"cadre-matches-{width}")

    match.locator("button", has_text="推荐").click()
    _loaded(page)
    assert "已推荐到「缝纫工」" in page.text_content(".flash")
    referral_id = db.session.execute(sa.select(Referral.id)).scalar_one()
    card = page.locator(f"#referral-{referral_id}")
    assert "缝纫工" in card.text_content() and "拟推荐" in card.text_content()
    assert fits_the_screen(page)

    for to, shown in (("referred", "已推荐"), ("interviewed", "已面试"), ("hired", "已录用")):
        card = page.locator(f"#referral-{referral_id}")
        card.locator("select[name$=-to]").select_option(to)
        card.locator("button", has_text="记录进展").click()
        _loaded(page)
        assert f"已记录：{shown}" in page.text_content(".flash")
        assert shown in page.locator(f"#referral-{referral_id} .state").text_content()
    assert "本地企业" in page.text_content("#current-employment")
    assert fits_the_screen(page)
    screenshot(page, f"cadre-profile-{width}")
    db.session.expire_all()
    job = db.session.execute(sa.select(Employment).where(Employment.referral_id == referral_id)).scalar_one()
    assert job.laborer_id == county["east"][0].id and job.end_date is None


def test_a_wrong_id_check_digit_is_shown_next_to_the_id_field_and_nothing_typed_is_lost(phone, county):
    log_in(phone, "cadre")
    phone.goto("/laborers")
    phone.click("text=登记劳动力")
    _loaded(phone)
    assert fits_the_screen(phone)
    good = factories.id_number(factories.years_ago(38), 26)
    wrong = good[:-1] + ("1" if good[-1] == "0" else "0")
    phone.fill("#household_code", "HEAST1")
    phone.fill("#name", "李桂兰")
    phone.fill("#id_number", wrong)
    phone.fill("#phone", "13700001111")
    # The skill box takes phrases as chips (a separator ends one); the plain field behind it is what is sent.
    phone.fill("#skills-typing", "缝纫、做饭")
    phone.select_option("#labor_capacity", "normal")
    phone.select_option("#willingness", "village")
    phone.check("#needs_flexible_hours")
    phone.click("button:has-text('保存')")
    _loaded(phone)

    id_field = phone.locator(".field:has(#id_number)")
    assert id_field.locator(".field-error").text_content() == "身份证号校验位错误，请核对"
    assert phone.locator(".field-error").count() == 1
    assert phone.input_value("#name") == "李桂兰"
    assert phone.input_value("#skills") == "缝纫，做饭"
    assert phone.locator("ul.chips li").count() == 2
    assert phone.input_value("#willingness") == "village"
    assert phone.is_checked("#needs_flexible_hours")
    assert fits_the_screen(phone)
    screenshot(phone, "cadre-laborer-form-error-phone")
    assert db.session.execute(sa.select(sa.func.count(Laborer.id))).scalar_one() == 3

    phone.fill("#id_number", good)
    phone.click("button:has-text('保存')")
    _loaded(phone)
    assert "已保存 李桂兰 的信息" in phone.text_content(".flash")
    assert "李桂兰" in phone.text_content("h1")


def test_households_and_the_full_id_number_on_request(page, county):
    log_in(page, "cadre")
    page.goto("/households")
    page.click("text=HEAST1")
    _loaded(page)
    assert "东甲" in page.text_content("main") and "无人就业" in page.text_content("main")
    page.click("text=东乙")
    _loaded(page)
    assert page.text_content("[data-personal=phone]") == "139****2222"
    page.click("#reveal")
    expect(page.locator("[data-personal=phone]")).to_have_text("13911112222")
    assert page.text_content("[data-personal=id_number]") == county["east"][1].id_number


@pytest.mark.parametrize("path", ["/villages", "/laborers", "/households", "/laborers/new"])
def test_the_cadres_lists_fit_a_phone(phone, county, path):
    log_in(phone, "cadre")
    phone.goto(path)
    assert phone.locator("h1").count() == 1
    assert fits_the_screen(phone), path
    screenshot(phone, "cadre" + path.replace("/", "-") + "-phone")


def test_declining_without_a_reason_is_refused_next_to_the_reason_field(phone, county):
    from jobmatch.placements import service as placements

    referral = placements.create_referral({"laborer_id": county["east"][0].id, "opening_id": sewing_post().id})
    log_in(phone, "cadre")
    phone.goto(f"/laborers/{county['east'][0].id}")
    card = phone.locator(f"#referral-{referral.id}")
    reason = card.locator(".field:has(select[name$=-reason_code])")
    assert not reason.is_visible()  # the first step offered (已推荐) takes no reason
    card.locator("select[name$=-to]").select_option("declined")
    assert reason.is_visible()
    card.locator("button", has_text="记录进展").click()
    _loaded(phone)
    assert reason.locator(".field-error").text_content() == "请选择原因"
    assert "未能记录" in phone.text_content(".flash")
    assert "拟推荐" in card.locator(".state").text_content()
    card.locator("select[name$=-reason_code]").select_option("family_care")
    card.locator("button", has_text="记录进展").click()
    _loaded(phone)
    assert "本人放弃" in phone.locator(f"#referral-{referral.id} .state").text_content()
    assert "照顾家庭" in phone.text_content(f"#referral-{referral.id} .steps")
    assert fits_the_screen(phone)

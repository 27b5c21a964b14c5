"""The cards page on a phone: everyone's card with its QR code, print all, revoke after asking, reissue."""

from __future__ import annotations

from tests.browser.conftest import fits_the_screen, log_in, screenshot
from tests.workshops.conftest import hire, today  # noqa: F401  (every test's "today")
from workshops import codes

# Every card image on the screen has loaded and is a picture (not a broken image).
QR_SHOWN = """() => {
  const shown = [...document.querySelectorAll('img.id-card-qr')]
    .filter(i => i.getBoundingClientRect().top < innerHeight);
  return shown.length > 0 && shown.every(i => i.complete && i.naturalWidth > 0);
}"""


def test_a_manager_prints_revokes_and_reissues_cards_on_a_phone(phone, county):
    shop, west = county["workshop"], county["west"]
    others = hire(shop, 3)
    for laborer in (west, *others):
        codes.ensure_code(laborer)
    log_in(phone, "manager")
    phone.goto(f"/workshops/{shop.id}/cards")
    assert "城西服装车间 就业码卡片" in phone.text_content("h1")
    phone.wait_for_function(QR_SHOWN)
    assert phone.locator("li.id-card").count() == 4
    assert fits_the_screen(phone)
    screenshot(phone, "cards-workshop-phone")
    # The PDF opens in a new tab: the browser context sees its answer.
    with phone.context.expect_event("response", lambda r: r.url.endswith("/cards.pdf")) as printed:
        phone.click("text=打印全部卡片 (PDF)")
    assert printed.value.status == 200 and printed.value.header_value("content-type") == "application/pdf"

    card = phone.locator(f"#card-{west.id}")
    card.locator("text=作废").click()
    phone.wait_for_load_state()
    assert "确认作废" in phone.text_content("main") and fits_the_screen(phone)
    screenshot(phone, "cards-revoke-confirm-phone")
    phone.click("text=确认作废")
    phone.wait_for_load_state()
    assert "已作废，扫码不再签到" in phone.text_content(".flash")
    assert "已作废" in card.text_content() and card.locator("img").count() == 0

    card.locator("button:has-text('补发')").click()
    phone.wait_for_load_state()
    assert "旧卡作废" in phone.text_content(".flash")
    assert card.locator("img.id-card-qr").count() == 1
    phone.wait_for_function(QR_SHOWN)
    assert fits_the_screen(phone)
    screenshot(phone, "cards-reissued-phone")


def test_a_cadre_sees_the_villages_cards_on_a_phone(phone, county):
    log_in(phone, "cadre")
    phone.goto("/villages")
    phone.click("text=就业码卡片")
    phone.wait_for_load_state()
    assert "城东村 就业码卡片" in phone.text_content("h1")
    assert phone.locator("li.id-card").count() == 2
    assert phone.locator("text=未发卡：打印时发卡").count() == 2
    assert fits_the_screen(phone)
    screenshot(phone, "cards-village-phone")


def test_the_month_page_shows_the_days_not_recorded_on_a_phone(phone, county):
    log_in(phone, "manager")
    phone.goto(f"/workshops/{county['workshop'].id}/attendance/month?month=2026-04")
    days = phone.locator("#unrecorded li")
    # 1–14 April less two Sundays: every working day before today, nothing kept yet.
    assert days.count() == 12
    assert "西丙" in days.first.text_content() and "补记" in days.first.text_content()
    assert "需核查（12）" in phone.text_content("main")
    assert fits_the_screen(phone)
    screenshot(phone, "month-unrecorded-days-phone")

"""A cadre reads the pages in English by the header's switch, keeps English from page to page, and switches back."""

from __future__ import annotations

from tests.browser.conftest import fits_the_screen, log_in, screenshot
from tests.rosters.conftest import LABORER_HEADERS, person, xlsx_bytes
from tests.test_page_languages import CJK


def test_a_cadre_switches_to_english_and_back(phone, county):
    log_in(phone, "cadre")
    phone.goto("/monitoring/alerts")
    assert phone.text_content("h1").startswith("预警")

    phone.click("header a.lang")
    phone.wait_for_load_state()
    assert phone.url.endswith("/monitoring/alerts"), "the switch stays on the page"
    assert phone.get_attribute("html", "lang") == "en"
    assert phone.text_content("h1").startswith("Alerts")
    assert "No alerts" in phone.text_content("main")
    assert not CJK.search(phone.text_content("main"))

    # The next page, reached through the menu, is English too, and so is what its script writes.
    phone.click("nav.menu >> text=Import")
    phone.wait_for_load_state()
    assert phone.text_content("h1") == "Import a roster"
    assert not CJK.search(phone.text_content("main"))
    assert fits_the_screen(phone)
    roster = xlsx_bytes([LABORER_HEADERS, person(21)])
    phone.set_input_files("input[name=file]", {"name": "roster.xlsx", "mimeType": "application/zip", "buffer": roster})
    phone.click("button[data-dry-run=true]")
    phone.wait_for_selector("#roster-result:not([hidden])")
    assert phone.text_content("#roster-status") == "Dry run finished; nothing written"
    assert phone.text_content("#roster-counts") == "Created 1 · updated 0 · unchanged 0 · rejected 0"
    screenshot(phone, "cadre-roster-english-phone")

    phone.click("header a.lang")
    phone.wait_for_load_state()
    assert phone.get_attribute("html", "lang") == "zh-CN"
    assert phone.text_content("h1") == "导入名册"
    assert "退出" in phone.text_content("header")

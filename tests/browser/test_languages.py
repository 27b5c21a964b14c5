"""A cadre reads the pages in English by the header's switch, keeps English from page to page, and switches back."""

from __future__ import annotations

from tests.browser.conftest import fits_the_screen, log_in, screenshot
from tests.rosters.conftest import LABORER_HEADERS, person, xlsx_bytes
from tests.test_page_languages import CJK


def _english_part(page) -> str:
    """The main text without what is Chinese on purpose (marked lang="zh-CN": a roster's own column names)."""
    return page.evaluate(
        """() => { const main = document.querySelector("main").cloneNode(true);
                   main.querySelectorAll('[lang="zh-CN"]').forEach((e) => e.remove());
                   return main.textContent; }"""
    )


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
    assert not CJK.search(_english_part(phone))

    # The next page, reached through the menu, is English too, and so is what its script writes.
    phone.click("nav.menu >> text=Import")
    phone.wait_for_load_state()
    assert phone.text_content("h1") == "Import a roster"
    assert not CJK.search(_english_part(phone))
    assert fits_the_screen(phone)
    roster = xlsx_bytes([LABORER_HEADERS, person(21)])
    phone.set_input_files("input[name=file]", {"name": "roster.xlsx", "mimeType": "application/zip", "buffer": roster})
    phone.click("#roster-form button[type=submit]")  # the check: nothing is written before the confirmation
    phone.wait_for_selector("#roster-result:not([hidden])")
    assert phone.text_content("#roster-status") == (
        "Checked; nothing is written yet: read the rows below, then confirm the import"
    )
    assert phone.text_content("#roster-counts") == "New 1 · changed 0 · unchanged 0 · refused 0"
    assert not CJK.search(_english_part(phone))
    screenshot(phone, "cadre-roster-english-phone")

    phone.click("header a.lang")
    phone.wait_for_load_state()
    assert phone.get_attribute("html", "lang") == "zh-CN"
    assert phone.text_content("h1") == "导入名册"
    assert "退出" in phone.text_content("header")

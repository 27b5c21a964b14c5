"""The workshop manager's day sheet in a hill village: marks made without signal are kept on the phone,
survive a reload and the browser closing, and are saved once when the signal returns."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from playwright.sync_api import expect

from jobmatch.accounts.models import IdempotentRequest
from jobmatch.extensions import db
from jobmatch.placements.models import Employment
from tests.accounts.conftest import PASSWORD
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, TIMEOUT_MS, fits_the_screen, log_in, screenshot
from tests.workshops.conftest import TODAY, employ, today  # noqa: F401  (every test's "today")
from workshops.models import Attendance, AttendanceChange

API_SAVE = "**/api/v1/workshops/*/attendance*"
MARKS = {"west": "absent", "east_a": "leave", "east_b": "half_day"}


def _workers(county) -> dict:
    east_a, east_b = county["east"]
    for laborer in (east_a, east_b):
        employ(laborer, county["workshop"])
    return {"west": county["west"], "east_a": east_a, "east_b": east_b}


def _open_sheet(page) -> str:
    """Today's sheet, online, until the phone keeps it for use without signal."""
    page.goto("/attendance")
    page.wait_for_selector("html[data-offline-ready]")
    return page.url


def _mark(page, workers: dict) -> None:
    for name, status in MARKS.items():
        page.click(f"label[for=s-{workers[name].id}-{status}]")


def _banner(page) -> str:
    return page.text_content("#offline-banner") or ""


def _marked(page, workers: dict) -> bool:
    return all(page.is_checked(f"#s-{workers[name].id}-{status}") for name, status in MARKS.items())


def _saved() -> list[tuple[int, str]]:
    db.session.expire_all()
    rows = db.session.execute(sa.select(Attendance.laborer_id, Attendance.status).where(Attendance.day == TODAY))
    return sorted((row.laborer_id, row.status.value) for row in rows)


def _expected(workers: dict) -> list[tuple[int, str]]:
    return sorted((workers[name].id, status) for name, status in MARKS.items())


def _changes() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(AttendanceChange))


def test_marks_made_offline_survive_a_reload_and_are_saved_once_when_the_signal_returns(phone, county):
    workers = _workers(county)
    context = phone.context
    log_in(phone, "manager")
    sheet = _open_sheet(phone)

    context.set_offline(True)
    _mark(phone, workers)
    phone.click("button:has-text('保存考勤')")
    expect(phone.locator("#offline-banner")).to_contain_text("未同步 3 条")
    assert "离线" in _banner(phone)
    assert _saved() == []

    # Still without signal: the page comes from the phone, with the marks and the count.
    phone.reload()
    expect(phone.locator("#offline-banner")).to_contain_text("未同步 3 条")
    assert "城西服装车间" in phone.text_content("h1")
    assert _marked(phone, workers)
    assert fits_the_screen(phone)
    screenshot(phone, "offline-sheet-unsynced-phone")

    # The signal returns, but the first answer is lost on the way back: the save arrived, the phone does not know.
    sent: list[dict] = []

    def lose_the_first_answer(route):
        sent.append(route.request.all_headers())
        response = route.fetch()
        if len(sent) == 1:
            assert response.status == 200
            route.abort("internetdisconnected")
        else:
            route.fulfill(response=response)

    context.route(API_SAVE, lose_the_first_answer)
    with phone.expect_event("requestfailed", predicate=lambda request: "/api/v1/" in request.url):
        context.set_offline(False)
    expect(phone.locator("#offline-banner")).not_to_contain_text("离线")
    expect(phone.locator("#offline-banner")).to_contain_text("未同步 3 条")
    assert len(sent) == 1
    assert _saved() == _expected(workers)
    assert _changes() == 3

    # Sent again (the next time the phone sees the signal): the same key, so the server answers what it did.
    with phone.expect_navigation():
        phone.evaluate("window.dispatchEvent(new Event('online'))")
    phone.wait_for_selector(".flash.synced")
    assert "已同步 3 条" in phone.text_content(".flash.synced")
    assert phone.is_hidden("#offline-banner")
    assert len(sent) == 2
    assert sent[0]["idempotency-key"] == sent[1]["idempotency-key"]
    assert _saved() == _expected(workers)
    assert _changes() == 3  # one history entry per worker: the resend changed nothing
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IdempotentRequest)) == 1
    assert _marked(phone, workers)
    assert phone.url == f"{sheet}?date={TODAY.isoformat()}"
    screenshot(phone, "offline-sheet-synced-phone")

    # Logging out takes the kept pages (workers' names) off the phone.
    assert phone.evaluate("caches.keys()")
    with phone.expect_navigation():
        phone.click("header button:has-text('退出')")
    assert phone.evaluate("caches.keys()") == []


def test_marks_kept_when_the_browser_closes_without_signal(browser, live_server, county, tmp_path):
    """The phone dies with the marks unsent: the next start, still without signal, opens the sheet with them."""
    workers = _workers(county)
    profile = tmp_path / "phone"

    def start():
        context = browser.browser_type.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            base_url=live_server,
            viewport=PHONE,
            is_mobile=True,
            has_touch=True,
            locale="zh-CN",
        )
        context.set_default_timeout(TIMEOUT_MS)
        return context

    context = start()
    page = context.pages[0] if context.pages else context.new_page()
    log_in(page, "manager")
    sheet = _open_sheet(page)
    context.set_offline(True)
    _mark(page, workers)  # marks only, the save not pressed yet
    expect(page.locator("#offline-banner")).to_contain_text("3 人有修改")
    context.close()

    context = start()
    try:
        context.set_offline(True)
        page = context.pages[0] if context.pages else context.new_page()
        page.goto(sheet)
        expect(page.locator("#offline-banner")).to_contain_text("3 人有修改")
        assert _marked(page, workers)
        page.click("button:has-text('保存考勤')")
        expect(page.locator("#offline-banner")).to_contain_text("未同步 3 条")
        screenshot(page, "offline-sheet-after-restart-phone")

        # With signal again: the browser's restart ended the login, so the page asks for it and keeps the marks.
        context.set_offline(False)
        expect(page.locator("#offline-banner")).to_contain_text("请重新登录")
        assert _saved() == []
        page.click("#offline-banner a:has-text('请重新登录')")
        page.fill("input[name=name]", "manager")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector(".flash.synced")
        assert "已同步 3 条" in page.text_content(".flash.synced")
        assert _saved() == _expected(workers)
        assert _changes() == 3
    finally:
        context.close()


def test_a_save_refused_when_the_signal_returns_stays_on_the_phone_with_the_reason(phone, county):
    """While the phone had no signal, the bureau recorded that 西丙 left the workshop yesterday: the kept save
    is refused, nothing is written, and the banner names the worker and why; the marks stay on the sheet."""
    workers = _workers(county)
    context = phone.context
    log_in(phone, "manager")
    _open_sheet(phone)
    context.set_offline(True)
    _mark(phone, workers)
    phone.click("button:has-text('保存考勤')")
    expect(phone.locator("#offline-banner")).to_contain_text("未同步 3 条")

    employment = db.session.scalar(sa.select(Employment).where(Employment.laborer_id == workers["west"].id))
    employment.end_date = TODAY - timedelta(days=1)
    db.session.commit()

    context.set_offline(False)
    expect(phone.locator("#offline-banner")).to_contain_text("西丙：该劳动力当天不在本车间就业")
    expect(phone.locator("#offline-banner")).to_contain_text("未同步 3 条")
    assert _saved() == []
    assert _marked(phone, workers)
    screenshot(phone, "offline-sheet-refused-phone")


def test_the_sheet_can_be_installed_on_the_home_screen(phone, county):
    log_in(phone, "manager")
    _open_sheet(phone)
    cdp = phone.context.new_cdp_session(phone)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    # A test's browser context is a private window, where nothing installs; the page itself has nothing wrong.
    assert [e["errorId"] for e in errors if e["errorId"] != "in-incognito"] == []
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == []


def test_without_javascript_the_sheet_saves_as_before(browser, live_server, county):
    context = browser.new_context(
        base_url=live_server, viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN", java_script_enabled=False
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        log_in(page, "manager")
        page.goto("/attendance")
        assert page.is_hidden("#offline-banner")
        west = county["west"]
        page.click(f"label[for=s-{west.id}-absent]")
        with page.expect_navigation():
            page.click("button:has-text('保存考勤')")
        assert "已保存" in page.text_content(".flash.success")
        assert _saved() == [(west.id, "absent")]
    finally:
        context.close()

"""The workshop manager's day on a phone: today's sheet, one tap, save, the month."""

from __future__ import annotations

import sqlalchemy as sa

from jobmatch.extensions import db
from tests.browser.conftest import fits_the_screen, log_in, screenshot
from tests.workshops.conftest import TODAY, today  # noqa: F401  (every test's "today")
from workshops.models import Attendance


def test_a_manager_marks_a_worker_absent_on_a_phone_and_sees_it_saved(phone, county):
    west = county["west"]
    log_in(phone, "manager")
    phone.goto("/attendance")
    assert "城西服装车间" in phone.text_content("h1")
    assert "（今天）" in phone.text_content(".tally")
    assert fits_the_screen(phone)
    screenshot(phone, "manager-sheet-phone")

    phone.click(f"label[for=s-{west.id}-absent]")
    phone.click("text=保存考勤")
    # The page sends the sheet and then shows it again as saved.
    phone.wait_for_selector(".flash.success")
    assert "已保存" in phone.text_content(".flash.success")
    assert phone.is_checked(f"#s-{west.id}-absent")
    db.session.expire_all()
    saved = db.session.execute(sa.select(Attendance.laborer_id, Attendance.day, Attendance.status)).all()
    assert [(row.laborer_id, row.day, row.status.value) for row in saved] == [(west.id, TODAY, "absent")]

    phone.click("text=月汇总")
    phone.wait_for_load_state()
    assert "西丙" in phone.text_content("main")
    screenshot(phone, "manager-month-phone")

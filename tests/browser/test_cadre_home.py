"""The cadre's day on a 360-px phone: log in, land on the to-do home, open an alert, log a phone call from the card
and see its last contact change; find a laborer by pinyin initials from the laborers list."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa

from jobmatch.extensions import db
from jobmatch.monitoring.models import Alert, AlertKind, Contact, ContactMethod
from jobmatch.people.models import Household
from tests import factories
from tests.browser.conftest import fits_the_screen, log_in, screenshot
from workshops.settings import today as china_today


def _an_open_alert() -> int:
    east = db.session.execute(sa.select(Household).where(Household.code == "HEAST1")).scalar_one()
    alert = Alert(
        kind=AlertKind.no_one_employed,
        cause_key=f"no_one_employed:h{east.id}:browser",
        household_id=east.id,
        village_id=east.village_id,
        since=date(2026, 11, 2),
        detail={"days_without_work": 34},
        status_since=datetime.now(UTC),
    )
    db.session.add(alert)
    db.session.commit()
    return alert.id


def test_a_cadre_lands_on_the_home_opens_an_alert_and_logs_a_call_from_the_card(phone, county):
    alert_id = _an_open_alert()
    log_in(phone, "cadre")
    phone.wait_for_load_state()
    assert phone.url.endswith("/")
    assert "今日待办" in phone.text_content("h1")
    assert "1 条预警待处理" in " ".join(phone.text_content(".todo-counts").split())
    assert fits_the_screen(phone)
    screenshot(phone, "cadre-home-phone")

    phone.click("#todo-alerts .todo-list a")
    phone.wait_for_load_state()
    card = phone.locator(f"#alert-{alert_id}")
    assert "从未联系" in card.locator(".last-contact").text_content()
    card.locator("summary", has_text="记录联系").click()
    assert card.locator("input[name=method][value=phone]").is_checked()
    card.locator("textarea[name=note]").fill("电话联系户主，下周一去车间面试")
    assert fits_the_screen(phone)
    screenshot(phone, "cadre-alert-contact-form-phone")
    card.locator("button", has_text="保存联系记录").click()
    phone.wait_for_load_state()

    card = phone.locator(f"#alert-{alert_id}")
    last = " ".join(card.locator(".last-contact").text_content().split())
    assert "电话 · cadre" in last and "从未联系" not in last
    assert phone.url.endswith(f"#alert-{alert_id}")
    contact = db.session.execute(sa.select(Contact)).scalar_one()
    assert contact.method == ContactMethod.phone and contact.contacted_on == china_today()
    assert fits_the_screen(phone)
    screenshot(phone, "cadre-alert-last-contact-phone")


def test_a_cadre_finds_a_laborer_by_pinyin_initials_on_a_phone(phone, county):
    factories.laborer(household_code="H-EAST-1", name="覃平", sequence=31)
    db.session.commit()
    log_in(phone, "cadre")
    for typed in ("tp", "tan ping", "覃 平"):
        phone.goto("/laborers")
        phone.fill("input[name=q]", typed)
        phone.click(".searchbar button")
        phone.wait_for_load_state()
        rows = phone.locator("table.laborers tbody tr")
        assert rows.count() == 1 and "覃平" in rows.first.text_content(), typed
    assert fits_the_screen(phone)
    screenshot(phone, "cadre-pinyin-search-phone")

"""The referral flow on a 360-px phone: from the to-do home's "no one employed" alert to a recorded hire in one
form with its confirmation, the alert closed by the hire, and the step undone; the skill box as chips with the
dictionary skill each phrase maps to, Enter taking the highlighted suggestion (laborer and opening forms)."""

from __future__ import annotations

import sqlalchemy as sa
from playwright.sync_api import expect

from jobmatch.extensions import db
from jobmatch.monitoring import service as monitoring
from jobmatch.monitoring.models import Alert, AlertKind, AlertStatus
from jobmatch.placements.lifecycle import next_working_day
from jobmatch.placements.models import Employment, Referral
from jobmatch.vocab import ReferralState
from tests.browser.conftest import fits_the_screen, log_in, screenshot
from tests.cadre.conftest import sewing_post
from tests.monitoring.conftest import TODAY, town  # noqa: F401  (the county with a household nobody works in)
from workshops.settings import today as china_today


class Taps:
    """Counts the taps a person makes (clicks on links, buttons and choices; typing is not a tap)."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def __call__(self, locator) -> None:
        locator.click()
        self.count += 1


def test_from_an_alert_to_a_confirmed_hire_in_one_form_then_undone(phone, town):  # noqa: F811
    idle = town["idle"]
    post = sewing_post(title="车缝工")
    monitoring.run(TODAY)
    db.session.commit()
    (alert,) = db.session.execute(
        sa.select(Alert).where(Alert.household_id == idle.household_id, Alert.kind == AlertKind.no_one_employed)
    ).scalars()
    log_in(phone, "cadre")
    tap = Taps(phone)

    # The cadre's day starts at the to-do home: the alert is a line there, one tap from its card.
    phone.goto("/")
    expect(phone.get_by_role("heading", name="今日待办")).to_be_visible()
    tap(phone.locator(f"#todo-alerts a[href$='#alert-{alert.id}']"))
    phone.wait_for_load_state()
    card = phone.locator(f"#alert-{alert.id}")
    expect(card).to_be_visible()
    screenshot(phone, "referral-flow-1-alert-phone")
    tap(card.get_by_role("link", name="找岗位"))
    phone.wait_for_load_state()
    assert phone.url.endswith(f"/laborers/{idle.id}/matches")
    assert fits_the_screen(phone)
    match = phone.locator(f"#opening-{post.id}")
    # The one form is on the card too: the steps towards a hire as choices.
    expect(match.get_by_role("radio", name="已录用")).to_be_visible()
    screenshot(phone, "referral-flow-2-matches-phone")

    tap(match.get_by_role("link", name="车缝工"))
    phone.wait_for_load_state()
    assert phone.url.endswith(f"/laborers/{idle.id}/posts/{post.id}")
    assert "尚未推荐到这个岗位" in phone.text_content("#post-referral")
    form = phone.locator("form.outcome")
    tap(form.get_by_text("已录用", exact=True))
    # Only the days of the steps recorded are offered; reasons belong to other outcomes.
    for name in ("recommended_on", "referred_on", "interviewed_on", "hired_on"):
        expect(form.locator(f"[data-day={name}]")).to_be_visible()
    expect(form.locator("[data-day=ended_on]")).to_be_hidden()
    expect(form.locator(".reason-field")).to_be_hidden()
    assert fits_the_screen(phone)
    screenshot(phone, "referral-flow-3-post-phone")
    tap(form.get_by_role("button", name="记录"))
    phone.wait_for_load_state()

    # The confirmation: what will be recorded, and the start date (the next working day, editable).
    expect(phone.get_by_role("heading", name="确认录用")).to_be_visible()
    start = phone.locator("input[name=start_date]")
    assert start.input_value() == next_working_day(china_today()).isoformat()
    assert [s.strip() for s in phone.locator("ol.steps strong").all_inner_texts()] == [
        "拟推荐",
        "已推荐",
        "已面试",
        "已录用",
    ]
    assert db.session.execute(sa.select(Referral).where(Referral.laborer_id == idle.id)).first() is None
    screenshot(phone, "referral-flow-4-confirm-phone")
    start.fill(china_today().isoformat())  # the laborer starts today
    tap(phone.get_by_role("button", name="确认录用"))
    phone.wait_for_load_state()

    expect(phone.locator(".flash")).to_contain_text("已记录：已录用")
    expect(phone.locator("#post-referral")).to_contain_text("在岗")
    screenshot(phone, "referral-flow-5-hired-phone")
    # Home's alert line → the card's 找岗位 → the post → 已录用 → 记录 → 确认录用.
    assert tap.count == 6
    db.session.expire_all()
    job = db.session.execute(sa.select(Employment).where(Employment.laborer_id == idle.id)).scalar_one()
    assert job.start_date == china_today() and job.opening_id == post.id

    # The hire closed the alert: gone from the open ones and from the home, resolved with why.
    phone.goto("/monitoring/alerts?status=open")
    expect(phone.locator(f"#alert-{alert.id}")).to_have_count(0)
    phone.goto("/")
    expect(phone.locator(f"#todo-alerts a[href$='#alert-{alert.id}']")).to_have_count(0)
    assert db.session.get(Alert, alert.id).status == AlertStatus.resolved
    screenshot(phone, "referral-flow-6-inbox-after-phone")

    # A slip: the step is undone with its own button.
    phone.goto(f"/laborers/{idle.id}/posts/{post.id}")
    phone.get_by_role("button", name="撤销上一步（已录用）").click()
    phone.wait_for_load_state()
    expect(phone.locator(".flash")).to_contain_text("已撤销：已录用")
    expect(phone.locator("#post-referral .state")).to_have_text("已面试")
    screenshot(phone, "referral-flow-7-undone-phone")
    db.session.expire_all()
    referral = db.session.execute(sa.select(Referral).where(Referral.laborer_id == idle.id)).scalar_one()
    assert referral.state == ReferralState.interviewed
    assert db.session.execute(sa.select(Employment).where(Employment.laborer_id == idle.id)).first() is None


def _suggestions_shown(page, first_text: str) -> None:
    expect(page.locator(".suggestions li.active")).to_contain_text(first_text)


def test_the_skill_box_shows_the_dictionary_skill_and_enter_takes_the_highlighted_one(phone, county):
    log_in(phone, "cadre")
    phone.goto("/laborers/new")
    typing = phone.locator("#skills-typing")
    expect(typing).to_be_visible()
    expect(phone.locator("textarea[name=skills]")).to_be_hidden()

    typing.fill("会踩缝纫机")
    _suggestions_shown(phone, "会踩缝纫机 → 缝纫工")
    screenshot(phone, "skill-chips-1-suggestions-phone")
    typing.press("Enter")
    chips = phone.locator("ul.chips li")
    expect(chips).to_have_count(1)
    expect(chips.first).to_contain_text("会踩缝纫机")
    expect(chips.first).to_contain_text("→ 缝纫工")

    # The arrow moves the highlight; Enter takes that suggestion (the dictionary's name, not the typed words).
    typing.fill("开叉车")
    _suggestions_shown(phone, "开叉车 → 叉车司机")
    typing.press("ArrowDown")
    expect(phone.locator(".suggestions li.active")).to_contain_text("小车司机")
    typing.press("Enter")
    expect(chips).to_have_count(2)
    expect(chips.nth(1)).to_contain_text("小车司机")
    assert phone.locator("textarea[name=skills]").input_value() == "会踩缝纫机，小车司机"
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(phone, "skill-chips-2-chosen-phone")


def test_enter_on_the_opening_form_takes_the_highlighted_suggestion(phone, county):
    log_in(phone, "bureau")
    phone.goto("/openings/new?kind=enterprise")
    typing = phone.locator("#required_skills-typing")
    typing.fill("踩衣车")
    _suggestions_shown(phone, "缝纫工")
    typing.press("Enter")
    chips = phone.locator("ul.chips li")
    expect(chips).to_have_count(1)
    expect(chips.first).to_contain_text("缝纫工")
    assert phone.locator("input[name=required_skills]").input_value() == "缝纫工"

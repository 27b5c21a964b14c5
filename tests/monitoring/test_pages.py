"""The cadre's alert inbox and the bureau's indicator page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import sqlalchemy as sa

from jobmatch.extensions import db
from jobmatch.monitoring import service
from jobmatch.monitoring.models import Alert, AlertKind, AlertStatus
from jobmatch.monitoring.views import INBOX_PER_PAGE
from jobmatch.people.models import Household
from tests.accounts.conftest import PASSWORD
from tests.monitoring.conftest import TODAY


def _login(make_app, name):
    client = make_app(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False).test_client()
    assert client.post("/login", data={"name": name, "password": PASSWORD}).status_code == 302
    return client


def test_cadre_inbox_follow_up_and_resolve(town, make_app):
    service.run(TODAY)
    db.session.commit()
    client = _login(make_app, "cadre")
    page = client.get("/monitoring/alerts").get_data(as_text=True)
    assert "监测户最后一名就业人员离岗" in page and "就业结束" in page
    assert page.index("监测户最后一名就业人员离岗") < page.index("就业结束")
    alert = db.session.execute(sa.select(Alert).order_by(Alert.id)).scalars().first()
    refused = client.post(f"/monitoring/alerts/{alert.id}/transition", data={"to": "resolved"}, follow_redirects=True)
    assert "须填写处理说明" in refused.get_data(as_text=True)
    client.post(f"/monitoring/alerts/{alert.id}/transition", data={"to": "resolved", "note": "已安排公益岗"})
    db.session.expire_all()
    assert db.session.get(Alert, alert.id).status == AlertStatus.resolved


def test_bureau_indicator_page_with_trend(town, make_app):
    client = _login(make_app, "bureau")
    response = client.get("/monitoring/indicators")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "就业指标" in page and "月度趋势" in page and "外出务工" in page
    assert client.get("/monitoring/indicators?region=110101000000").status_code == 404


def test_an_alert_card_shows_the_household_what_the_rule_saw_and_a_way_to_matches(town, make_app):
    idle_household = db.session.get(Household, town["idle"].household_id)
    idle_household.head_name = "闲户主"
    db.session.commit()
    service.run(TODAY)
    db.session.commit()
    page = _login(make_app, "cadre").get("/monitoring/alerts").get_data(as_text=True)
    (alert,) = db.session.execute(
        sa.select(Alert).where(Alert.household_id == idle_household.id, Alert.kind == "no_one_employed")
    ).scalars()
    card = page[page.index(f'id="alert-{alert.id}"') :].split('<li class="alert-card')[0]
    assert "户主 闲户主" in card and f'href="/households/{idle_household.id}"' in card
    assert "城东村" in card and "低风险" in card
    assert "无人就业天数" in card and f"<dd>{alert.detail['days_without_work']}</dd>" in card
    # The willing member without work gets one tap to their matches.
    assert "闲丁" in card and f'href="/laborers/{town["idle"].id}/matches"' in card and "找岗位" in card


def _many_alerts(town, n: int) -> list[Alert]:
    """`n` open alerts on the cadre's households (employment-ended, one a day back from TODAY)."""
    household = db.session.get(Household, town["idle"].household_id)
    alerts = [
        Alert(
            kind=AlertKind.employment_ended,
            status=AlertStatus.open,
            cause_key=f"employment_ended:paging{i}",
            household_id=household.id,
            village_id=household.village_id,
            since=TODAY - timedelta(days=i // 2),  # pairs share a day: the id decides between them
            detail={},
            status_since=datetime(2026, 6, 1, tzinfo=UTC),
        )
        for i in range(n)
    ]
    db.session.add_all(alerts)
    db.session.commit()
    return alerts


def _card_ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<li class="alert-card[^"]*" id="alert-(\d+)"', page)]


def test_the_inbox_comes_in_pages_that_follow_one_another_without_gaps_or_repeats(town, make_app):
    made = _many_alerts(town, 2 * INBOX_PER_PAGE + 3)
    client = _login(make_app, "cadre")
    first = client.get("/monitoring/alerts").get_data(as_text=True)
    seen = _card_ids(first)
    assert len(seen) == INBOX_PER_PAGE and f"共 {len(made)} 条" in first and 'rel="prev"' not in first
    page = first
    while 'rel="next"' in page:
        link = unescape(re.search(r'<a href="(\?[^"]+)" rel="next">', page).group(1))
        page = client.get("/monitoring/alerts" + link).get_data(as_text=True)
        assert 'rel="prev"' in page
        seen += _card_ids(page)
    assert len(seen) == len(set(seen)) == len(made)
    expected = db.session.execute(service.alerts({})).scalars().all()
    assert seen == [a.id for a in expected]


def test_a_follow_up_from_a_later_page_returns_to_that_page_and_a_bad_cursor_starts_over(town, make_app):
    _many_alerts(town, 25)
    client = _login(make_app, "cadre")
    first = client.get("/monitoring/alerts?status=open").get_data(as_text=True)
    link = unescape(re.search(r'<a href="(\?[^"]+)" rel="next">', first).group(1))
    assert "status=open" in link
    second = client.get("/monitoring/alerts" + link).get_data(as_text=True)
    alert_id = _card_ids(second)[0]
    moved = client.post(
        f"/monitoring/alerts/{alert_id}/transition" + link, data={"to": "following_up", "note": "已电话联系"}
    )
    assert moved.status_code == 302
    location = unescape(moved.headers["Location"])
    assert "status=open" in location and "cursor=" in location and location.endswith(f"#alert-{alert_id}")
    assert db.session.get(Alert, alert_id).status == AlertStatus.following_up
    again = client.get("/monitoring/alerts?cursor=not-a-cursor")
    assert again.status_code == 200 and _card_ids(again.get_data(as_text=True)) == _card_ids(
        client.get("/monitoring/alerts").get_data(as_text=True)
    )

"""The cadre's alert inbox and the bureau's indicator page."""

from __future__ import annotations

import sqlalchemy as sa

from jobmatch.extensions import db
from jobmatch.monitoring import service
from jobmatch.monitoring.models import Alert, AlertStatus
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
    from jobmatch.people.models import Household

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

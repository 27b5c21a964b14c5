"""Each role's pages read wholly in English after the switch, and stay Chinese without it.

"Wholly" means: once the names that come from the data (people, places, workshops, notes) are taken out,
no Chinese character is left in what the user reads — the header, the main part, the tab title, and the
placeholders and labels of the inputs. The one Chinese word an English page keeps on purpose is the
switch back, "中文", written in its own language.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from jobmatch.accounts.models import AuditEvent, User
from jobmatch.extensions import db
from jobmatch.monitoring import service as monitoring
from jobmatch.monitoring.models import AlertEvent
from jobmatch.people.models import Household, Laborer, Region
from tests.accounts.conftest import PASSWORD, as_role, county  # noqa: F401  (fixtures for these tests)
from tests.monitoring.conftest import TODAY as MONITORING_DAY
from tests.monitoring.conftest import town  # noqa: F401
from tests.placements.conftest import _quick_password_hashes  # noqa: F401
from tests.workshops.conftest import TODAY, today  # noqa: F401  (every test's "today": 15 April 2026)
from workshops.models import Workshop

# Chinese characters and the full-width punctuation that comes with them (，。：「」（）).
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]+")
SHOWN_ATTRIBUTES = re.compile(r'\s(?:placeholder|aria-label|title|alt)="([^"]*)"')


def visible_text(page: str) -> str:
    """What a reader sees of a page: its tab title, header and main part, with input hints; no markup."""
    shown = " ".join(re.findall(r"<title>(.*?)</title>", page, flags=re.S)) + " ".join(
        re.findall(r"<header\b.*?</header>|<main\b.*?</main>", page, flags=re.S)
    )
    shown = re.sub(r"<script\b.*?</script>", " ", shown, flags=re.S)
    shown = re.sub(r'<a class="lang"[^>]*>.*?</a>', " ", shown, flags=re.S)
    # Text marked as Chinese on purpose (lang="zh-CN"): the words a Chinese roster must carry, as it writes them.
    shown = re.sub(r'<(span|strong) lang="zh-CN">.*?</\1>', " ", shown, flags=re.S)
    hints = " ".join(SHOWN_ATTRIBUTES.findall(shown))
    return html.unescape(re.sub(r"<[^>]+>", " ", shown) + " " + hints)


def data_names() -> set[str]:
    """The names the pages show from the database: people, places, workshops, households, notes."""
    queries = (
        sa.select(Region.name),
        sa.select(Laborer.name),
        sa.select(Workshop.name),
        sa.select(Household.code),
        sa.select(User.display_name),
        sa.select(AlertEvent.note),
    )
    names = {name for query in queries for name in db.session.execute(query).scalars() if name}
    # The audit trail shows what was recorded: the values are data too.
    for changes in db.session.execute(sa.select(AuditEvent.changes)).scalars():
        names.update(_strings(changes))
    return names


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def chinese_left(page: str) -> list[str]:
    """Each Chinese character left once the data's names are taken out, with a little context."""
    text = visible_text(page)
    for name in sorted(data_names(), key=len, reverse=True):
        text = text.replace(name, " ")
    text = re.sub(r"\s+", " ", text)
    return [text[max(0, m.start() - 20) : m.end() + 20] for m in CJK.finditer(text)]


def assert_english(page: str) -> None:
    assert '<html lang="en">' in page
    left = chinese_left(page)
    assert not left, f"Chinese left on an English page: {left}"


def _client(make_app, name: str | None, english: bool):
    client = make_app(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False).test_client()
    if english:
        assert client.get("/lang/en").status_code == 302
    if name:
        assert client.post("/login", data={"name": name, "password": PASSWORD}).status_code == 302
    return client


def test_the_helper_finds_chinese_outside_the_data(app):
    page = '<title>x</title><header><a class="lang" href="/lang/zh">中文</a></header><main><p>Saved 已保存</p></main>'
    assert chinese_left(page) and "已保存" in chinese_left(page)[0]
    assert chinese_left('<main><input placeholder="小时"></main>')
    assert not chinese_left(page.replace("已保存", ""))


# (role, path, Chinese the page shows, its English)
PAGES = [
    (None, "/login", "登录名", "Login name"),
    ("cadre", "/rosters", "导入名册", "Import a roster"),
    ("bureau", "/monitoring/indicators", "有意愿劳动力就业率", "Employment rate of laborers willing to work"),
    ("manager", "/workshops/{shop}/attendance", "保存考勤", "Save attendance"),
    ("manager", "/workshops/{shop}/attendance/month?month=2026-04", "估算工资", "Estimated wages"),
    ("admin", "/admin/users", "账号管理", "Accounts"),
    ("admin", "/admin/tokens", "访问令牌", "API tokens"),
    ("admin", "/admin/audit", "操作留痕", "Audit trail"),
    ("admin", "/", "系统状态", "System health"),
    ("admin", "/admin/ranker", "用最新结果训练新模型", "Train a new model on the latest outcomes"),
    ("bureau", "/proposals", "生成建议", "Make a proposal"),
]


@pytest.mark.parametrize(("name", "path", "zh", "en"), PAGES, ids=[p[1] for p in PAGES])
def test_each_roles_pages_in_english_and_chinese(make_app, county, name, path, zh, en):  # noqa: F811
    path = path.format(shop=county["workshop"].id)
    db.session.add(AuditEvent(action="reveal", entity_type="laborers", entity_id=1))
    db.session.commit()

    english = _client(make_app, name, english=True).get(path)
    assert english.status_code == 200
    page = english.get_data(as_text=True)
    assert en in page
    assert_english(page)

    chinese = _client(make_app, name, english=False).get(path).get_data(as_text=True)
    assert '<html lang="zh-CN">' in chinese
    assert zh in chinese and en not in chinese


def test_the_alert_inbox_in_english(make_app, town):  # noqa: F811
    monitoring.run(MONITORING_DAY)
    db.session.commit()
    client = _client(make_app, "cadre", english=True)
    page = client.get("/monitoring/alerts").get_data(as_text=True)
    assert "Monitored household lost its last worker" in page and "Employment ended" in page
    assert "since May 20, 2026" in page
    assert_english(page)

    alert_id = re.search(r"/monitoring/alerts/(\d+)/transition", page).group(1)
    refused = client.post(f"/monitoring/alerts/{alert_id}/transition", data={"to": "resolved"}, follow_redirects=True)
    refusal = refused.get_data(as_text=True)
    assert "须填写处理说明" not in refusal and "note" in refusal.lower()
    assert_english(refusal)

    client.post(f"/monitoring/alerts/{alert_id}/transition", data={"to": "following_up", "note": "电话联系了家属"})
    assert_english(client.get("/monitoring/alerts").get_data(as_text=True))


def test_a_refused_save_shows_the_services_message_in_english(make_app, county):  # noqa: F811
    west = county["west"].id
    url = f"/workshops/{county['workshop'].id}/attendance"
    yesterday = date(2026, 4, 14).isoformat()
    client = _client(make_app, "manager", english=True)
    response = client.post(url, data={"date": yesterday, "laborer": str(west), f"status-{west}": "absent"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert_english(page)
    assert "reason" in page.lower()
    saved = client.post(url, data={"date": yesterday, "laborer": str(west), f"status-{west}": "absent", "reason": "x"})
    assert saved.status_code == 302
    assert "Saved: 1 changed, 0 unchanged" in client.get(saved.headers["Location"]).get_data(as_text=True)


def test_dates_follow_the_language(make_app, county):  # noqa: F811
    url = f"/workshops/{county['workshop'].id}/attendance?date=2026-04-15"
    assert "2026年4月15日" in _client(make_app, "manager", english=False).get(url).get_data(as_text=True)
    assert "Apr 15, 2026" in _client(make_app, "manager", english=True).get(url).get_data(as_text=True)
    # The date picker keeps the ISO date whatever the language.
    assert 'value="2026-04-15"' in _client(make_app, "manager", english=True).get(url).get_data(as_text=True)


def test_audit_times_are_beijing_time_in_the_readers_language(make_app, county):  # noqa: F811
    moment = datetime(2026, 4, 15, 2, 30, tzinfo=UTC)  # 10:30 in Beijing
    db.session.add(AuditEvent(occurred_at=moment, action="reveal", entity_type="laborers", entity_id=1))
    db.session.commit()
    chinese = _client(make_app, "admin", english=False).get("/admin/audit").get_data(as_text=True)
    english = _client(make_app, "admin", english=True).get("/admin/audit").get_data(as_text=True)
    assert "2026年4月15日 10:30:00" in chinese
    assert "Apr 15, 2026, 10:30:00\u202fAM" in english or "Apr 15, 2026, 10:30:00 AM" in english


def test_error_pages_follow_the_language(make_app, county):  # noqa: F811
    english = _client(make_app, "manager", english=True).get("/admin/users")
    assert english.status_code == 403
    assert "Forbidden" in english.get_data(as_text=True)
    assert_english(english.get_data(as_text=True))
    chinese = _client(make_app, "manager", english=False).get("/admin/users").get_data(as_text=True)
    assert "无权进行此操作" in chinese and "Forbidden" not in chinese


def test_the_login_pages_messages_follow_the_language(make_app, county):  # noqa: F811
    client = _client(make_app, None, english=True)
    asked = client.get("/monitoring/alerts", follow_redirects=True).get_data(as_text=True)
    assert "Please log in" in asked
    assert_english(asked)
    empty = client.post("/login", data={"name": "", "password": ""}).get_data(as_text=True)
    assert "This field is required." in empty
    assert_english(empty)
    wrong = client.post("/login", data={"name": "cadre", "password": "wrong-password"}).get_data(as_text=True)
    assert "Wrong login name or password" in wrong

    chinese = _client(make_app, None, english=False)
    assert "请先登录" in chinese.get("/monitoring/alerts", follow_redirects=True).get_data(as_text=True)
    assert "该字段是必填字段" in chinese.post("/login", data={"name": "", "password": ""}).get_data(as_text=True)


def test_the_month_pages_findings_follow_the_language(make_app, county):  # noqa: F811
    shop = county["workshop"]
    shop.capacity = 0
    db.session.commit()
    url = f"/workshops/{shop.id}/attendance"
    west = county["west"].id
    client = _client(make_app, "manager", english=True)
    client.post(url, data={"date": TODAY.isoformat(), "laborer": str(west), f"status-{west}": "present"})
    page = client.get(f"{url}/month?month=2026-04").get_data(as_text=True)
    assert "2026-04-15: 1 on site, more than the workshop&#39;s capacity of 0" in page
    assert_english(page)
    chinese = _client(make_app, "manager", english=False).get(f"{url}/month?month=2026-04").get_data(as_text=True)
    assert "2026-04-15 在岗 1 人，超过车间容量 0 人" in chinese

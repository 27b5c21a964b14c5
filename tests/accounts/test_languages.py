"""Chinese by default, English by the switch, kept in a cookie."""

from __future__ import annotations

from tests.accounts.test_login import _login


def test_pages_are_chinese_until_english_is_chosen(client, county):
    _login(client, "cadre")
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    assert "退出" in page and "预警" in page

    switched = client.get("/lang/en?next=/monitoring/alerts")
    assert switched.status_code == 302 and switched.headers["Location"] == "/monitoring/alerts"
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Log out" in page and "Alerts" in page and "退出" not in page

    client.get("/lang/zh")
    assert "退出" in client.get("/").get_data(as_text=True)


def test_the_switch_ignores_unknown_languages_and_foreign_targets(client, county):
    response = client.get("/lang/xx?next=https://evil.example/")
    assert response.headers["Location"] == "/"
    assert "lang=" not in response.headers.get("Set-Cookie", "")


def test_the_menu_follows_the_role(client, county):
    _login(client, "manager")
    page = client.get("/").get_data(as_text=True)
    assert "考勤" in page and "预警" not in page and "账号" not in page

"""The menu of the page shell: what each role sees, in the order of their daily work."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, g, url_for
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class MenuItem:
    endpoint: str
    label: object  # a lazy string: translated when the page is drawn
    roles: frozenset[str]


ALL_STAFF = frozenset({"admin", "bureau", "cadre"})
MENU = (
    MenuItem("bureau.today", _l("今日"), frozenset({"bureau"})),
    MenuItem("cadre_day.home", _l("待办"), frozenset({"cadre"})),
    MenuItem("cadre_pages.villages", _l("我的村"), frozenset({"cadre"})),
    MenuItem("cadre_pages.laborers", _l("劳动力"), ALL_STAFF),
    MenuItem("bureau_pages.openings", _l("岗位"), frozenset({"admin", "bureau", "cadre"})),
    MenuItem("bureau_pages.workshops", _l("车间"), frozenset({"admin", "bureau"})),
    MenuItem("bureau.employers", _l("用工主体"), frozenset({"admin", "bureau"})),
    MenuItem("bureau.subsidies", _l("补贴"), frozenset({"admin", "bureau"})),
    MenuItem("bureau.months", _l("关账"), frozenset({"admin", "bureau"})),
    MenuItem("bureau_pages.dashboard", _l("看板"), frozenset({"admin", "bureau"})),
    MenuItem("monitoring_pages.inbox", _l("预警"), ALL_STAFF),
    MenuItem("monitoring_pages.indicator_page", _l("指标"), frozenset({"admin", "bureau"})),
    MenuItem("bureau.consistency_report", _l("核查"), frozenset({"admin", "bureau"})),
    MenuItem("workshop_pages.home", _l("考勤"), frozenset({"admin", "bureau", "manager"})),
    MenuItem("roster_pages.upload", _l("导入"), ALL_STAFF),
    MenuItem("proposal_pages.proposals", _l("批量推荐"), frozenset({"admin", "bureau"})),
    MenuItem("accounts.users", _l("账号"), frozenset({"admin"})),
    MenuItem("accounts.api_tokens", _l("令牌"), frozenset({"admin"})),
    MenuItem("admin_pages.skills", _l("技能词典"), frozenset({"admin"})),
    MenuItem("admin_pages.ranker", _l("排序模型"), frozenset({"admin"})),
    MenuItem("accounts.audit_events", _l("留痕"), frozenset({"admin"})),
)


def menu_for(role: str) -> list[tuple[str, object, str]]:
    """(url, label, endpoint) of the pages this role may open."""
    views = current_app.view_functions
    return [
        (url_for(item.endpoint), item.label, item.endpoint)
        for item in MENU
        if role in item.roles and item.endpoint in views
    ]


def init_app(app: Flask) -> None:
    @app.context_processor
    def _menu() -> dict:
        user = g.get("user")
        return {"menu": menu_for(user.role.value) if user is not None else []}

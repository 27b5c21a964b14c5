"""The audit trail as a person reads it: names instead of ids, action and record words, filters, folded details."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from jobmatch.accounts.models import User
from jobmatch.errors import Collector
from jobmatch.extensions import db
from workshops.settings import CHINA_TZ

ACTIONS = {
    "create": _l("新建"),
    "update": _l("修改"),
    "reveal": _l("查看完整信息"),
    "login": _l("登录"),
    "revoke": _l("吊销"),
    "issue": _l("发放"),
    "export": _l("导出"),
    "import": _l("导入"),
    "close": _l("关账"),
    "reopen": _l("重新开账"),
}
RECORDS = {
    "laborers": _l("劳动力"),
    "households": _l("户"),
    "regions": _l("行政区划"),
    "employers": _l("用工主体"),
    "openings": _l("岗位"),
    "workshops": _l("帮扶车间"),
    "referrals": _l("推荐"),
    "employments": _l("就业记录"),
    "attendance": _l("考勤"),
    "attendance_closures": _l("考勤月结"),
    "alerts": _l("预警"),
    "subsidy_claims": _l("补贴申领"),
    "users": _l("账号"),
    "api_tokens": _l("访问令牌"),
    "employment_codes": _l("就业码"),
    "employment_interruptions": _l("就业中断"),
    "county_match_settings": _l("匹配设置"),
    "skill_synonyms": _l("技能同义词"),
}
# A value longer than this is cut in the folded details (the full record stays in the database).
VALUE_CHARS = 120


def parse_filters(args) -> tuple[dict, dict[str, str]]:
    """The filters from the query string, and a message per field that could not be read (nothing raised)."""
    errors = Collector()
    filters: dict = {"entity_type": args.get("entity_type") or None, "action": args.get("action") or None}
    for name, zh, en in (
        ("entity_id", "记录编号须为整数", "a record number is a whole number"),
        ("actor_id", "请从列表中选择操作人", "choose a person from the list"),
    ):
        raw = (args.get(name) or "").strip()
        filters[name] = None
        if raw:
            if raw.isdigit() and len(raw) <= 12:
                filters[name] = int(raw)
            else:
                errors.add(name, "not_a_number", zh, en)
    for name in ("since", "until"):
        raw = (args.get(name) or "").strip()
        filters[name] = None
        if raw:
            try:
                filters[name] = date.fromisoformat(raw)
            except ValueError:
                errors.add(name, "not_a_date", "日期格式应为 2026-04-01", "a date looks like 2026-04-01")
    if filters["since"] and filters["until"] and filters["until"] < filters["since"]:
        errors.add("until", "before_start", "结束日期早于开始日期", "the end date is before the start date")
    return filters, {e.field: e for e in errors.errors}


def search_arguments(filters: dict) -> dict:
    """audit.search's arguments: Beijing dates become UTC moments (until includes its whole day)."""

    def moment(day: date | None, days_after: int = 0) -> datetime | None:
        return datetime.combine(day + timedelta(days=days_after), time(), CHINA_TZ) if day else None

    return {
        "entity_type": filters["entity_type"],
        "entity_id": filters["entity_id"],
        "actor_id": filters["actor_id"],
        "action": filters["action"],
        "since": moment(filters["since"]),
        "until": moment(filters["until"], 1),
    }


def people() -> list[User]:
    return db.session.scalars(sa.select(User).order_by(User.name)).all()


def names(events) -> dict[int, str]:
    ids = {e.actor_id for e in events if e.actor_id}
    if not ids:
        return {}
    return {
        uid: display or name
        for uid, name, display in db.session.execute(
            sa.select(User.id, User.name, User.display_name).where(User.id.in_(ids))
        )
    }


def details(changes: dict | None) -> list[tuple[str, str]]:
    """Each changed field with its value as short text (JSON for nested values)."""
    out = []
    for key, value in (changes or {}).items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        out.append((key, shown if len(shown) <= VALUE_CHARS else shown[: VALUE_CHARS - 1] + "…"))
    return out

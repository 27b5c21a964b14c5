"""The administrator's lists: the audit trail (newest first), the accounts, the API tokens and the skill dictionary,
with their filters, rows and columns."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from jobmatch.accounts import audit
from jobmatch.accounts import service as account_service
from jobmatch.accounts.forms import ROLE_LABELS
from jobmatch.accounts.models import ApiToken
from jobmatch.admin import audit_trail
from jobmatch.admin import skills as skill_page
from jobmatch.listings import Column, Listing, register
from jobmatch.modelbase import utcnow
from workshops.settings import CHINA_TZ


def audit_filters(values) -> dict:
    """The page's filters; a field that cannot be read finds nothing (the page shows why under the field)."""
    filters, errors = audit_trail.parse_filters(values)
    return filters | {"errors": errors}


def audit_query(filters: dict) -> sa.Select:
    if filters["errors"]:
        return audit.search(entity_id=-1)
    return audit.search(**audit_trail.search_arguments(filters))


def audit_context(rows: list, filters: dict) -> dict:
    return {"names": audit_trail.names(rows)}


def _details(event, c: dict) -> str:
    return "；".join(f"{key}: {value}" for key, value in audit_trail.details(event.changes))


AUDIT = register(
    Listing(
        name="audit",
        title=_l("操作留痕"),
        path="/admin/audit/export.xlsx",
        page="accounts.audit_events",
        roles=("admin",),
        filters=audit_filters,
        source=audit_query,
        context=audit_context,
        columns=(
            Column(_l("时间（北京时间）"), lambda e, c: e.occurred_at.astimezone(CHINA_TZ), width=17),
            Column(_l("操作人"), lambda e, c: c["names"].get(e.actor_id, e.actor_id) if e.actor_id else _l("系统")),
            Column(_l("动作"), lambda e, c: audit_trail.ACTIONS.get(e.action, e.action), width=10),
            Column(_l("记录类型"), lambda e, c: audit_trail.RECORDS.get(e.entity_type, e.entity_type), width=12),
            Column(_l("记录编号"), lambda e, c: e.entity_id, width=10),
            Column(_l("内容"), _details, width=60),
            Column(_l("来源"), lambda e, c: e.remote_addr or "", width=15),
        ),
    )
)


def _scope(user, c: dict) -> str:
    return "、".join([r.name for r in user.regions] + [w.name for w in user.workshops])


def _last_login(user, c: dict):
    return user.last_login_at.astimezone(CHINA_TZ) if user.last_login_at else ""


USERS = register(
    Listing(
        name="users",
        title=_l("账号管理"),
        path="/admin/users/export.xlsx",
        page="accounts.users",
        roles=("admin",),
        filters=lambda values: {},
        source=lambda filters: account_service.list_users(),
        columns=(
            Column(_l("登录名"), lambda u, c: u.name),
            Column(_l("姓名"), lambda u, c: u.display_name or ""),
            Column(_l("角色"), lambda u, c: ROLE_LABELS[u.role.value], width=10),
            Column(_l("范围"), _scope, width=40),
            Column(_l("状态"), lambda u, c: _l("启用") if u.active else _l("停用"), width=8),
            Column(_l("最近登录"), _last_login, width=17),
        ),
    )
)


def tokens_query(filters: dict) -> sa.Select:
    """Every API token, the newest first, with its user (the secret itself is never stored, only its hash)."""
    return account_service.list_tokens().options(joinedload(ApiToken.user))


TOKEN_STATES = {"revoked": _l("已吊销"), "expired": _l("已过期"), "live": _l("有效")}


def token_state(token: ApiToken, now) -> str:
    if token.revoked_at:
        return TOKEN_STATES["revoked"]
    return TOKEN_STATES["expired" if token.expires_at <= now else "live"]


def _time(moment):
    return moment.astimezone(CHINA_TZ) if moment else ""


TOKENS = register(
    Listing(
        name="tokens",
        title=_l("访问令牌"),
        path="/admin/tokens/export.xlsx",
        page="accounts.api_tokens",
        roles=("admin",),
        filters=lambda values: {},
        source=tokens_query,
        context=lambda rows, filters: {"now": utcnow()},
        columns=(
            Column(_l("编号"), lambda t, c: t.id, width=8),
            Column(_l("用户"), lambda t, c: t.user.name),
            Column(_l("用途"), lambda t, c: t.label, width=24),
            Column(_l("创建（北京时间）"), lambda t, c: _time(t.created_at), width=17),
            Column(_l("到期（北京时间）"), lambda t, c: _time(t.expires_at), width=17),
            Column(_l("最近使用（北京时间）"), lambda t, c: _time(t.last_used_at), width=17),
            Column(_l("状态"), lambda t, c: token_state(t, c["now"]), width=8),
        ),
    )
)


SKILLS = register(
    Listing(
        name="skills",
        title=_l("技能词典"),
        path="/admin/skills/export.xlsx",
        page="admin_pages.skills",
        roles=("admin",),
        filters=lambda values: {"q": (values.get("q") or "").strip()},
        source=lambda filters: skill_page.dictionary_rows(filters["q"]),
        columns=(
            Column(_l("类别"), lambda r, c: r["category_name"], width=16),
            Column(_l("技能"), lambda r, c: r["name"], width=20),
            Column(_l("代码"), lambda r, c: r["code"], width=16),
            Column(_l("写法"), lambda r, c: "、".join(r["synonyms"]), width=60),
            Column(_l("管理员添加的写法"), lambda r, c: "、".join(r["added"]), width=30),
        ),
    )
)

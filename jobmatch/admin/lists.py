"""The administrator's lists: the audit trail (newest first) and the accounts, with their filters, rows and columns."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from jobmatch.accounts import audit
from jobmatch.accounts import service as account_service
from jobmatch.accounts.forms import ROLE_LABELS
from jobmatch.admin import audit_trail
from jobmatch.listings import Column, Listing, register
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

"""The alert inbox as a list: its filter, its rows (most urgent first) and what its cards and export show.

The inbox page (monitoring/views.py) and its export (listings/views.py) start here with the same filter.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, load_only

from jobmatch import labels
from jobmatch.extensions import db
from jobmatch.listings import Column, Listing, register
from jobmatch.monitoring import contacts, service
from jobmatch.monitoring.models import Alert, AlertKind, AlertStatus
from jobmatch.people.models import Household, Laborer

FOLLOWERS = ("admin", "bureau", "cadre")

# The words the pages use, translated when drawn (the API answers with models.KIND_ZH / STATUS_ZH).
KIND_LABELS = {
    AlertKind.no_one_employed: _l("有就业意愿的家庭无人就业"),
    AlertKind.employment_ended: _l("就业结束"),
    AlertKind.long_absence: _l("长期缺勤（就业中断）"),
    AlertKind.monitored_lost_work: _l("监测户最后一名就业人员离岗"),
}
STATUS_LABELS = {
    AlertStatus.open: _l("待处理"),
    AlertStatus.following_up: _l("跟进中"),
    AlertStatus.resolved: _l("已解决"),
}


def alert_filters(values) -> dict:
    status = values.get("status") or None
    return {"status": status if status in {s.value for s in AlertStatus} else None}


def alerts_query(filters: dict) -> sa.Select:
    return service.alerts({"status": filters["status"]})


def alert_context(rows: list[Alert], filters: dict) -> dict:
    """The households of a set of alerts with their village, their members, names and last contacts."""
    household_ids = {a.household_id for a in rows}
    households = {
        h.id: h
        for h in db.session.execute(
            sa.select(Household).where(Household.id.in_(household_ids)).options(joinedload(Household.village))
        ).scalars()
    }
    members: dict[int, list[Laborer]] = {}
    # What the cards show of each member: not their ID numbers and phones, which would be decrypted for nothing.
    shown = load_only(
        Laborer.household_id, Laborer.name, Laborer.birth_date, Laborer.employment_status, Laborer.willingness
    )
    for laborer in db.session.execute(
        sa.select(Laborer).where(Laborer.household_id.in_(household_ids)).order_by(Laborer.id).options(shown)
    ).scalars():
        members.setdefault(laborer.household_id, []).append(laborer)
    return {
        "households": households,
        "members": members,
        "laborers": {m.id: m.name for group in members.values() for m in group},
        "last_contacts": contacts.last_of_households(household_ids),
    }


def _household(get):
    def value(alert: Alert, c: dict):
        household = c["households"].get(alert.household_id)
        return get(household) if household is not None else ""

    return value


def _detail(alert: Alert, c: dict) -> str:
    detail = alert.detail or {}
    parts = []
    if "days_without_work" in detail:
        parts.append(f"{_l('无人就业天数')} {detail['days_without_work']}")
    if "absent_days" in detail:
        parts.append(f"{_l('连续缺勤（工作日）')} {detail['absent_days']}")
    if "last_absent_day" in detail:
        parts.append(f"{_l('最后缺勤日')} {detail['last_absent_day']}")
    return "；".join(parts)


def _last_contact(alert: Alert, c: dict):
    found = c["last_contacts"].get(alert.household_id)
    return found.contacted_on if found else None


ALERTS = register(
    Listing(
        name="alerts",
        title=_l("预警"),
        path="/monitoring/alerts/export.xlsx",
        page="monitoring_pages.inbox",
        roles=FOLLOWERS,
        filters=alert_filters,
        source=alerts_query,
        context=alert_context,
        columns=(
            Column(_l("预警类型"), lambda a, c: KIND_LABELS[a.kind], width=24),
            Column(_l("状态"), lambda a, c: STATUS_LABELS[a.status], width=8),
            Column(_l("自"), lambda a, c: a.since, width=12),
            Column(_l("户编号"), _household(lambda h: h.code), width=18),
            Column(_l("户主"), _household(lambda h: h.head_name or ""), width=10),
            Column(_l("村"), _household(lambda h: h.village.name)),
            Column(_l("户类别"), _household(lambda h: labels.CATEGORY[h.category]), width=14),
            Column(_l("风险"), _household(lambda h: labels.RISK[h.risk_level] if h.risk_level else ""), width=8),
            Column(_l("涉及劳动力"), lambda a, c: c["laborers"].get(a.laborer_id, "") if a.laborer_id else ""),
            Column(_l("详情"), _detail, width=30),
            Column(_l("最近联系"), _last_contact, width=12),
        ),
    )
)

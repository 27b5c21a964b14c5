"""The bureau's lists of posts and workshops, and the dashboard's tables: filters, rows and columns.

The pages (posts/views.py) and their exports (listings/views.py) start here with the same filters.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload

from jobmatch import labels
from jobmatch.errors import Problem
from jobmatch.listings import PERCENT, Column, Listing, Sheet, register
from jobmatch.monitoring import indicators
from jobmatch.posts import forms, queries
from jobmatch.posts.models import Opening
from jobmatch.vocab import CertificationStatus, OpeningKind, OpeningStatus
from workshops import service as workshop_service
from workshops.api import workshops_query
from workshops.models import Workshop

READERS = ("admin", "bureau", "cadre")
BUREAU = ("admin", "bureau")
CERTIFICATION_LABELS = {
    CertificationStatus.applied.value: _l("申请认定中"),
    CertificationStatus.certified.value: _l("已认定"),
    CertificationStatus.suspended.value: _l("暂停认定"),
}


def choice(values, name: str, allowed) -> str | None:
    value = values.get(name) or None
    return value if value in allowed else None


def region_code(values, name: str = "region") -> str | None:
    value = (values.get(name) or "").strip()
    return value if len(value) == 12 and value.isdigit() else None


def _query_text(values) -> str | None:
    return (values.get("q") or "").strip()[:64] or None


# --- openings ---------------------------------------------------------------------------------------------------


def opening_filters(values) -> dict:
    return {
        "q": _query_text(values),
        "kind": choice(values, "kind", {k.value for k in OpeningKind}),
        "status": choice(values, "status", {s.value for s in OpeningStatus}),
        "region": region_code(values),
    }


def openings_query(filters: dict) -> sa.Select:
    """The openings of the list, newest first."""
    query = queries.openings(filters).order_by(None).order_by(Opening.id.desc())
    return query.options(joinedload(Opening.employer))


def opening_context(rows: list, filters: dict) -> dict:
    return {"posted_by": queries.posted_by(rows)}


OPENINGS = register(
    Listing(
        name="openings",
        title=_l("岗位"),
        path="/openings/export.xlsx",
        page="bureau_pages.openings",
        roles=READERS,
        filters=opening_filters,
        source=openings_query,
        context=opening_context,
        columns=(
            Column(_l("岗位编号"), lambda o, c: o.code, width=16),
            Column(_l("岗位"), lambda o, c: o.title, width=20),
            Column(_l("岗位类型"), lambda o, c: forms.KIND_LABELS[o.kind.value], width=12),
            Column(_l("地点"), lambda o, c: o.region.name if o.region else (o.site_name or "")),
            Column(_l("招聘人数"), lambda o, c: o.headcount, width=8),
            Column(_l("已招"), lambda o, c: o.headcount - o.remaining_headcount, width=8),
            Column(_l("还差"), lambda o, c: o.remaining_headcount, width=8),
            Column(_l("截止日期"), lambda o, c: o.deadline or _l("长期"), width=12),
            Column(_l("用工单位"), lambda o, c: c["posted_by"].get(o.id, ""), width=24),
            Column(_l("状态"), lambda o, c: forms.STATUS_LABELS[o.status.value], width=8),
        ),
    )
)


# --- workshops --------------------------------------------------------------------------------------------------


def workshop_filters(values) -> dict:
    return {
        "q": _query_text(values),
        "certification_status": choice(values, "certification_status", {c.value for c in CertificationStatus}),
    }


def workshops_list_query(filters: dict) -> sa.Select:
    return workshops_query(filters).options(joinedload(Workshop.village))


def workshop_context(rows: list, filters: dict) -> dict:
    return {"workforce": workshop_service.workforce([w.id for w in rows])}


def _workers(key: str):
    return lambda w, c: c["workforce"][w.id][key]


WORKSHOPS = register(
    Listing(
        name="workshops",
        title=_l("帮扶车间"),
        path="/workshops/export.xlsx",
        page="bureau_pages.workshops",
        roles=BUREAU,
        filters=workshop_filters,
        source=workshops_list_query,
        context=workshop_context,
        columns=(
            Column(_l("车间"), lambda w, c: w.name, width=24),
            Column(_l("村"), lambda w, c: w.village.name),
            Column(_l("产品"), lambda w, c: w.products or "", width=20),
            Column(_l("认定状态"), lambda w, c: CERTIFICATION_LABELS[w.certification_status.value], width=12),
            Column(_l("认定日期"), lambda w, c: w.certified_on, width=12),
            Column(_l("容量"), lambda w, c: w.capacity, width=8),
            Column(_l("在岗"), _workers("current"), width=8),
            Column(_l("脱贫户劳动力"), _workers("out_of_poverty"), width=12),
            Column(_l("监测户劳动力"), _workers("monitored"), width=12),
        ),
    )
)


# --- dashboard --------------------------------------------------------------------------------------------------


def dashboard_filters(values) -> dict:
    return {"region": region_code(values) or indicators.home_region_code(current_user)}


def _by_type(kind: str):
    return lambda row, c: row["by_type"][kind]


def _figure(key: str):
    return lambda row, c: row[key]


def dashboard_sheets(filters: dict) -> list[Sheet]:
    """The dashboard's tables: each child division with the total, the posts by kind, the villages' points."""
    if filters["region"] is None:
        return []
    try:
        region = indicators.region_for(filters["region"])
    except Problem:
        abort(404)
    board = indicators.dashboard(region)
    total = dict(board["total"], name=str(_l("合计")), code=region.code)
    level = _l("乡镇") if region.level.value == "county" else _l("村")
    divisions = [
        Column(level, lambda row, c: row["name"]),
        Column(_l("区划代码"), lambda row, c: row["code"], width=15),
        Column(_l("劳动力"), _figure("laborers"), width=8),
        *(Column(labels.WORK_TYPE[kind], _by_type(kind), width=10) for kind in indicators.TYPES),
        Column(_l("有意愿劳动力"), _figure("willing"), width=10),
        Column(_l("其中已就业"), _figure("willing_employed"), width=10),
        Column(_l("有意愿劳动力就业率"), _figure("willing_employment_rate"), width=10, number_format=PERCENT),
        Column(_l("有就业意愿的户"), _figure("households_with_willing"), width=10),
        Column(_l("其中无人就业"), _figure("households_willing_none_employed"), width=10),
        Column(_l("30 天未联系"), _figure("households_willing_not_contacted"), width=10),
        Column(_l("招聘中岗位"), _figure("openings"), width=10),
        Column(_l("招聘人数"), _figure("openings_headcount"), width=10),
        Column(_l("已招"), _figure("openings_filled"), width=8),
        Column(_l("岗位满员率"), _figure("openings_fill_rate"), width=10, number_format=PERCENT),
    ]
    kinds = [
        Column(_l("岗位类型"), lambda row, c: forms.KIND_LABELS[row["kind"]], width=14),
        Column(_l("招聘中岗位"), _figure("openings"), width=10),
        Column(_l("招聘人数"), _figure("headcount"), width=10),
        Column(_l("已招"), _figure("filled"), width=8),
        Column(_l("满员率"), _figure("fill_rate"), width=10, number_format=PERCENT),
    ]
    villages = [
        Column(_l("村"), lambda row, c: row["name"]),
        Column(_l("区划代码"), lambda row, c: row["code"], width=15),
        Column(_l("经度"), lambda row, c: row["longitude"], width=10),
        Column(_l("纬度"), lambda row, c: row["latitude"], width=10),
        Column(_l("有意愿但无人就业的户"), _figure("households_willing_none_employed"), width=12),
        *(
            Column(label, (lambda kind: lambda row, c: row["openings"][kind])(value), width=10)
            for value, label in forms.KIND_LABELS.items()
        ),
    ]
    return [
        Sheet(_l("按%(level)s", level=level), divisions, [[*board["children"], total]]),
        Sheet(_l("按岗位类型"), kinds, [board["by_kind"]]),
        Sheet(_l("各村"), villages, [board["villages"]]),
    ]


DASHBOARD = register(
    Listing(
        name="dashboard",
        title=_l("就业看板"),
        path="/dashboard/export.xlsx",
        page="bureau_pages.dashboard",
        roles=BUREAU,
        filters=dashboard_filters,
        sheets=dashboard_sheets,
    )
)

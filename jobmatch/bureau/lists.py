"""The bureau's lists (employers, subsidies, attendance months, the consistency report): filters, rows, columns.

The pages (bureau/views.py) and their exports (listings/views.py) start here with the same filters. The
subsidies export is what the finance office needs: each claim with the laborer's ID number, the amount,
the payee, the dates and the employment and attendance behind it.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from jobmatch import dates, labels
from jobmatch.accounts.scope import restrict
from jobmatch.bureau import forms, queries
from jobmatch.extensions import db
from jobmatch.i18n import current_language
from jobmatch.listings import Column, Listing, register
from jobmatch.monitoring import consistency
from jobmatch.people.models import Household, Laborer
from jobmatch.placements import queries as claim_queries
from jobmatch.placements import service as placements
from jobmatch.placements.models import Employment, SubsidyClaim
from jobmatch.posts import queries as post_queries
from jobmatch.posts.models import Employer
from jobmatch.vocab import EmployerKind, SubsidyPayee

BUREAU = ("admin", "bureau")
SUBSIDY_TABS = ("due", "lapsing", "claimed", "paid")
DUE_TABS = ("due", "lapsing")


def _said(zh: str, en: str) -> str:
    return zh if current_language() == "zh" else en


# --- employers --------------------------------------------------------------------------------------------------


def employer_filters(values) -> dict:
    kind = values.get("kind")
    return {
        "q": (values.get("q") or "").strip()[:64] or None,
        "kind": kind if kind in {k.value for k in EmployerKind} else None,
    }


def employers_query(filters: dict) -> sa.Select:
    return post_queries.employers(filters).options(joinedload(Employer.region))


EMPLOYERS = register(
    Listing(
        name="employers",
        title=_l("用工主体"),
        path="/employers/export.xlsx",
        page="bureau.employers",
        roles=BUREAU,
        filters=employer_filters,
        source=employers_query,
        columns=(
            Column(_l("名称"), lambda e, c: e.name, width=28),
            Column(_l("类型"), lambda e, c: forms.EMPLOYER_KIND_LABELS[e.kind.value], width=14),
            Column(_l("统一社会信用代码"), lambda e, c: e.credit_code or "", width=21),
            Column(_l("所在村"), lambda e, c: e.region.name if e.region else ""),
            Column(_l("地址"), lambda e, c: e.address or "", width=24),
            Column(_l("联系人"), lambda e, c: e.contact_name or "", width=10),
            Column(_l("联系电话"), lambda e, c: e.contact_phone, personal="phone"),
        ),
    )
)


# --- subsidies --------------------------------------------------------------------------------------------------


def subsidy_filters(values) -> dict:
    tab = values.get("tab")
    rule_code = values.get("rule_code")
    return {
        "tab": tab if tab in SUBSIDY_TABS else "due",
        "rule_code": rule_code if rule_code in placements.subsidy_rules() else None,
    }


def due_items(due: list[dict], tab: str) -> list[dict]:
    """The due tab lists every due claim; the lapsing tab those lapsing soon."""
    return due if tab == "due" else [item for item in due if item["lapsing_soon"]]


def claims_query(filters: dict) -> sa.Select:
    return claim_queries.subsidy_claims({"paid": filters["tab"] == "paid", "rule_code": filters["rule_code"]}).options(
        joinedload(SubsidyClaim.employment).joinedload(Employment.workshop),
        joinedload(SubsidyClaim.employment).joinedload(Employment.employer),
    )


def subsidy_source(filters: dict) -> sa.Select | list:
    """Due claims are worked out by the rules (a list); claims made are rows."""
    if filters["tab"] in DUE_TABS:
        return due_items(placements.due_claims({"rule_code": filters["rule_code"]}), filters["tab"])
    return claims_query(filters)


def subsidy_context(rows: list, filters: dict) -> dict:
    """The attendance behind each row's employment, the rules' names and (for due claims) the ID numbers."""
    due = filters["tab"] in DUE_TABS
    employment_ids = [item["employment_id"] if due else item.employment_id for item in rows]
    out = {"days": queries.attendance_days(employment_ids), "rules": placements.subsidy_rules()}
    if due:
        ids = {item["laborer_id"] for item in rows}
        query = restrict(sa.select(Laborer.id, Laborer.id_number).where(Laborer.id.in_(ids)), Laborer)
        out["id_numbers"] = dict(db.session.execute(query).all()) if ids else {}
    return out


def _rule_name(code: str, c: dict) -> str:
    rule = c["rules"].get(code)
    return _said(rule.name_zh, rule.name_en) if rule else code


def _is_due(filters: dict) -> bool:
    return filters["tab"] in DUE_TABS


def _is_claim(filters: dict) -> bool:
    return filters["tab"] not in DUE_TABS


def _place(job: Employment) -> str:
    if job.workshop is not None:
        return job.workshop.name
    return job.employer.name if job.employer is not None else (job.site_name or "")


def _due_id_number(item: dict, c: dict) -> str | None:
    return c["id_numbers"].get(item["laborer_id"])


PAYEES = {SubsidyPayee.laborer.value: _l("本人"), SubsidyPayee.employer.value: _l("用工单位")}


SUBSIDIES = register(
    Listing(
        name="subsidies",
        title=_l("就业补贴"),
        path="/subsidies/export.xlsx",
        page="bureau.subsidies",
        roles=BUREAU,
        filters=subsidy_filters,
        source=subsidy_source,
        context=subsidy_context,
        columns=(
            # Due claims (worked out by the rules).
            Column(_l("姓名"), lambda i, c: i["laborer_name"], shown=_is_due, width=10),
            Column(_l("身份证号"), _due_id_number, personal="id", shown=_is_due, width=21),
            Column(_l("补贴项目"), lambda i, c: _rule_name(i["rule_code"], c), shown=_is_due, width=20),
            Column(_l("金额（元）"), lambda i, c: i["amount_cny"], shown=_is_due, width=10),
            Column(_l("发放对象"), lambda i, c: PAYEES[i["payee"]], shown=_is_due, width=10),
            Column(_l("用工单位"), lambda i, c: i["employer_name"] or "", shown=_is_due, width=24),
            Column(_l("可申领日期"), lambda i, c: i["due_on"], shown=_is_due, width=12),
            Column(_l("申领截止日期"), lambda i, c: i["lapses_on"], shown=_is_due, width=12),
            Column(_l("剩余天数"), lambda i, c: i["days_left"], shown=_is_due, width=8),
            Column(_l("就业类型"), lambda i, c: labels.EMPLOYMENT_KIND[i["evidence"]["kind"]], shown=_is_due),
            Column(
                _l("就业单位"),
                lambda i, c: i["evidence"]["workshop_name"] or i["employer_name"] or "",
                shown=_is_due,
                width=24,
            ),
            Column(_l("就业开始"), lambda i, c: i["evidence"]["start_date"], shown=_is_due, width=12),
            Column(_l("就业结束"), lambda i, c: i["evidence"]["end_date"], shown=_is_due, width=12),
            Column(_l("连续就业月数"), lambda i, c: i["evidence"]["months_employed"], shown=_is_due, width=10),
            Column(_l("出勤天数"), lambda i, c: c["days"].get(i["employment_id"]), shown=_is_due, width=8),
            # Claims made (claimed, paid).
            Column(_l("姓名"), lambda s, c: s.laborer.name, shown=_is_claim, width=10),
            Column(_l("身份证号"), lambda s, c: s.laborer.id_number, personal="id", shown=_is_claim, width=21),
            Column(_l("补贴项目"), lambda s, c: _rule_name(s.rule_code, c), shown=_is_claim, width=20),
            Column(_l("金额（元）"), lambda s, c: s.amount, shown=_is_claim, width=10),
            Column(_l("发放对象"), lambda s, c: PAYEES[s.payee.value], shown=_is_claim, width=10),
            Column(_l("申领日期"), lambda s, c: s.claimed_on, shown=_is_claim, width=12),
            Column(_l("发放日期"), lambda s, c: s.paid_on, shown=lambda f: f["tab"] == "paid", width=12),
            Column(_l("就业类型"), lambda s, c: labels.EMPLOYMENT_KIND[s.employment.kind], shown=_is_claim),
            Column(_l("就业单位"), lambda s, c: _place(s.employment), shown=_is_claim, width=24),
            Column(_l("就业开始"), lambda s, c: s.employment.start_date, shown=_is_claim, width=12),
            Column(_l("就业结束"), lambda s, c: s.employment.end_date, shown=_is_claim, width=12),
            Column(_l("出勤天数"), lambda s, c: c["days"].get(s.employment_id), shown=_is_claim, width=8),
        ),
    )
)


# --- attendance months ------------------------------------------------------------------------------------------


def month_filters(values) -> dict:
    raw = values.get("month")
    try:
        month = dates.parse_month(raw) if raw else queries.previous_month()
    except ValueError:
        month = queries.previous_month()
    return {"month": month}


def month_rows(filters: dict) -> list[dict]:
    return queries.month_overview(filters["month"])["rows"]


def _closed(row: dict, c: dict) -> str:
    closure = row["closure"]
    if closure is None:
        return _("未关账")
    return _("已关账（全县）") if closure.workshop_id is None else _("已关账")


MONTHS = register(
    Listing(
        name="months",
        title=_l("考勤月份关账"),
        path="/attendance/months/export.xlsx",
        page="bureau.months",
        roles=BUREAU,
        filters=month_filters,
        source=month_rows,
        context=lambda rows, filters: {"month": filters["month"].strftime("%Y-%m")},
        columns=(
            Column(_l("月份"), lambda r, c: c["month"], width=8),
            Column(_l("车间"), lambda r, c: r["workshop"].name, width=24),
            Column(_l("村"), lambda r, c: r["workshop"].village.name),
            Column(_l("在岗工人"), lambda r, c: r["gaps"]["workers"], width=8),
            Column(_l("出勤天数"), lambda r, c: float(r["totals"].days), width=8),
            Column(_l("本月无考勤的工人"), lambda r, c: r["gaps"]["workers_without_days"], width=10),
            Column(_l("没有考勤表的工作日"), lambda r, c: r["gaps"]["weekdays_without_sheet"], width=10),
            Column(_l("状态"), _closed, width=12),
        ),
    )
)


# --- consistency ------------------------------------------------------------------------------------------------


def consistency_filters(values) -> dict:
    check = values.get("check")
    return {"check": check if check in consistency.CHECKS else None}


def findings(filters: dict) -> list[dict]:
    return [f for f in consistency.report()["items"] if filters["check"] in (None, f["check"])]


def finding_context(rows: list, filters: dict) -> dict:
    """The laborers' names and the households' codes the findings name (within the caller's scope)."""
    household_ids = {f["household_id"] for f in rows}
    codes = {}
    if household_ids:
        query = restrict(sa.select(Household.id, Household.code).where(Household.id.in_(household_ids)), Household)
        codes = dict(db.session.execute(query).all())
    return {"names": queries.laborer_names({f["laborer_id"] for f in rows if f["laborer_id"]}), "codes": codes}


def finding_detail(finding: dict) -> str:
    """What the page says under 详情, as one line."""
    detail = finding["detail"]
    parts = []
    if detail.get("kinds"):
        kinds = " + ".join(str(labels.EMPLOYMENT_KIND.get(k, k)) for k in detail["kinds"])
        parts.append(kinds + " · " + _("自 %(day)s 起重叠", day=_day(detail["from"])))
    if detail.get("laborer_ids"):
        parts.append(_("登记为已就业的成员 %(n)s 人", n=len(detail["laborer_ids"])))
    if detail.get("headcount") is not None:
        parts.append(_("%(day)s 在岗 %(held)s 人，名额 %(headcount)s", **_over(detail)))
    return "；".join(parts)


def _day(value) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _over(detail: dict) -> dict:
    return {"day": _day(detail["day"]), "held": detail["held"], "headcount": detail["headcount"]}


CONSISTENCY = register(
    Listing(
        name="consistency",
        title=_l("数据一致性检查"),
        path="/consistency/export.xlsx",
        page="bureau.consistency_report",
        roles=BUREAU,
        filters=consistency_filters,
        source=findings,
        context=finding_context,
        columns=(
            Column(_l("问题"), lambda f, c: _said(f["zh"], f["en"]), width=30),
            Column(_l("劳动力"), lambda f, c: c["names"].get(f["laborer_id"], "") if f["laborer_id"] else "", width=10),
            Column(_l("户编号"), lambda f, c: c["codes"].get(f["household_id"], ""), width=18),
            Column(_l("详情"), lambda f, c: finding_detail(f), width=40),
        ),
    )
)

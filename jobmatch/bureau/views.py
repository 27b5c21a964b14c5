"""The county bureau's pages: today's tasks, workshops and employers, subsidies, attendance months, consistency.

Thin views over the services the API uses: workshops.service (registry and certification),
posts.service (employers), placements.service (subsidy claims), workshops.attendance (closing a month)
and monitoring.consistency. A refusal comes back with each error under its field and what was typed kept.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from jobmatch import dates, labels, pickers
from jobmatch.accounts.scope import get_in_scope
from jobmatch.accounts.views import roles_required
from jobmatch.api.common import mask_phone
from jobmatch.bureau import forms, lists, queries
from jobmatch.errors import Problem
from jobmatch.extensions import db
from jobmatch.geo import PROVINCES
from jobmatch.i18n import current_language
from jobmatch.listings.pages import keyset_page
from jobmatch.monitoring import consistency
from jobmatch.placements import service as placements
from jobmatch.placements.models import SubsidyClaim
from jobmatch.posts import queries as post_queries
from jobmatch.posts import service as posts
from jobmatch.posts.forms import KIND_LABELS, STATUS_LABELS
from jobmatch.posts.models import Employer, Opening
from jobmatch.vocab import CertificationStatus
from workshops import attendance, settings
from workshops import service as workshop_service
from workshops.api import _closing_county
from workshops.models import AttendanceClosure, Workshop
from workshops.views import STATUS_BUTTONS

bp = Blueprint("bureau", __name__)

BUREAU = ("admin", "bureau")
PER_PAGE = 20
# The employer type-ahead: what it searches for is a name (the column holds 128 characters), and a phone shows
# a screenful of matches.
EMPLOYER_QUERY_CHARS = 128
EMPLOYER_MATCHES = 20


def _page() -> int:
    raw = request.args.get("page", "1")
    return max(int(raw), 1) if raw.isdigit() else 1


def _in_scope(model: type, ident: int, en: str, zh: str):
    try:
        return get_in_scope(model, ident, en, zh)
    except Problem:
        abort(404)


def _refusal(problem: Problem, form) -> list[str]:
    """The service's refusal: field errors under their fields, the rest (or its title) above the form."""
    db.session.rollback()
    language = current_language()
    general = form.add_service_errors(problem.errors, language)
    if not problem.errors:
        general = [problem.title_zh if language == "zh" else problem.title_en]
    return general


def _expired(form) -> list[str]:
    return [_("页面已过期，请刷新后重试")] if "csrf_token" in form.errors else []


# --- today --------------------------------------------------------------------------------------------


@bp.get("/bureau")
@roles_required(*BUREAU)
def today():
    """Today's tasks / 今日待办"""
    return render_template("bureau/today.html", tasks=queries.today_tasks(), today=settings.today())


# --- workshops ----------------------------------------------------------------------------------------


def _workshop(workshop_id: int) -> Workshop:
    return _in_scope(Workshop, workshop_id, "Workshop", "帮扶车间")


def _workshop_choices(form: forms.WorkshopForm) -> None:
    form.operator_id.choices = pickers.employer_choices(_("（无）"))
    form.village_code.choices = pickers.village_choices(_("（请选择）"))


def _save_workshop(form: forms.WorkshopForm, workshop: Workshop | None):
    general: list[str] = []
    if form.validate_on_submit():
        try:
            saved = workshop_service.save_workshop(form.service_data(), workshop)
        except Problem as problem:
            general = _refusal(problem, form)
        else:
            flash(_("车间已保存：%(name)s", name=saved.name), "success")
            return redirect(url_for("bureau.workshop", workshop_id=saved.id))
    else:
        general = _expired(form)
    status = 422 if request.method == "POST" else 200
    return render_template("bureau/workshop_form.html", form=form, workshop=workshop, general=general), status


@bp.route("/workshops/new", methods=["GET", "POST"])
@roles_required(*BUREAU)
def new_workshop():
    """Register a workshop / 登记帮扶车间"""
    form = forms.WorkshopForm()
    _workshop_choices(form)
    return _save_workshop(form, None)


@bp.route("/workshops/<int:workshop_id>/edit", methods=["GET", "POST"])
@roles_required(*BUREAU)
def edit_workshop(workshop_id: int):
    """Edit a workshop / 修改帮扶车间"""
    workshop = _workshop(workshop_id)
    form = (
        forms.WorkshopForm() if request.method == "POST" else forms.WorkshopForm(data=forms.workshop_initial(workshop))
    )
    _workshop_choices(form)
    return _save_workshop(form, workshop)


def _render_workshop(workshop: Workshop, refusal: list[str] | None = None, status: int = 200):
    return render_template(
        "bureau/workshop.html",
        workshop=workshop,
        info=queries.workshop_page(workshop),
        refusal=refusal or [],
        certification=forms.CERTIFICATION_LABELS,
        wage_modes=forms.WAGE_MODE_LABELS,
        kinds=KIND_LABELS,
        statuses=STATUS_LABELS,
        categories=labels.CATEGORY,
        status_labels=dict(STATUS_BUTTONS),
    ), status


@bp.get("/workshops/<int:workshop_id>")
@roles_required(*BUREAU)
def workshop(workshop_id: int):
    """A workshop / 帮扶车间详情"""
    return _render_workshop(_workshop(workshop_id))


@bp.post("/workshops/<int:workshop_id>/certification")
@roles_required(*BUREAU)
def certify_workshop(workshop_id: int):
    """Certify or suspend a workshop / 认定或暂停认定帮扶车间"""
    workshop = _workshop(workshop_id)
    form = forms.CertificationForm()
    wanted = form.status.data
    if not form.validate_on_submit() or wanted not in (CertificationStatus.certified, CertificationStatus.suspended):
        return _render_workshop(workshop, _expired(form) or [_("请选择认定或暂停认定")], 422)
    try:
        workshop_service.save_workshop({"certification_status": wanted}, workshop)
    except Problem as problem:
        db.session.rollback()
        language = current_language()
        title = problem.title_zh if language == "zh" else problem.title_en
        reasons = [e.zh if language == "zh" else e.en for e in problem.errors]
        return _render_workshop(_workshop(workshop_id), [title, *reasons], problem.status)
    if wanted == CertificationStatus.certified:
        flash(_("已认定为帮扶车间：%(name)s", name=workshop.name), "success")
    else:
        flash(_("已暂停认定：%(name)s", name=workshop.name), "success")
    return redirect(url_for("bureau.workshop", workshop_id=workshop.id))


# --- employers ----------------------------------------------------------------------------------------


def _employer(employer_id: int) -> Employer:
    return _in_scope(Employer, employer_id, "Employer", "用工主体")


@bp.get("/employers")
@roles_required(*BUREAU)
def employers():
    """Employers / 用工主体"""
    filters = lists.employer_filters(request.args)
    page = keyset_page(lists.employers_query(filters), PER_PAGE)
    return render_template("bureau/employers.html", page=page, filters=filters, kinds=forms.EMPLOYER_KIND_LABELS)


@bp.get("/employers/search")
@roles_required(*BUREAU)
def search_employers():
    """Employers by name for the pickers / 按名称查找用工主体 (JSON)"""
    q = (request.args.get("q") or "")[:EMPLOYER_QUERY_CHARS]
    rows, exact = post_queries.employer_search(q, EMPLOYER_MATCHES)
    items = [{"id": row.id, "name": row.name, "hint": _employer_hint(row)} for row in rows]
    return jsonify(items=items, exact=exact)


def _employer_hint(row) -> str:
    """What tells two employers of like names apart: the kind, and the village or the address."""
    parts = (forms.EMPLOYER_KIND_LABELS[row.kind.value], row.village or row.address)
    return " · ".join(str(part) for part in parts if part)


@bp.get("/employers/<int:employer_id>")
@roles_required(*BUREAU)
def employer(employer_id: int):
    """An employer / 用工主体详情"""
    found = _employer(employer_id)
    openings = db.session.execute(
        post_queries.openings({"employer_id": found.id}).order_by(None).order_by(Opening.id.desc())
    ).scalars()
    operated = db.session.execute(
        sa.select(Workshop).where(Workshop.operator_id == found.id).order_by(Workshop.name)
    ).scalars()
    return render_template(
        "bureau/employer.html",
        employer=found,
        phone=mask_phone(found.contact_phone),
        openings=list(openings),
        workshops=list(operated),
        kinds=forms.EMPLOYER_KIND_LABELS,
        opening_kinds=KIND_LABELS,
        statuses=STATUS_LABELS,
    )


def _save_employer(form: forms.EmployerForm, found: Employer | None):
    general: list[str] = []
    if form.validate_on_submit():
        try:
            saved = posts.save_employer(form.service_data(found), found)
        except Problem as problem:
            general = _refusal(problem, form)
        else:
            flash(_("用工主体已保存：%(name)s", name=saved.name), "success")
            return redirect(url_for("bureau.employer", employer_id=saved.id))
    else:
        general = _expired(form)
    status = 422 if request.method == "POST" else 200
    phone = mask_phone(found.contact_phone) if found else None
    return render_template("bureau/employer_form.html", form=form, employer=found, general=general, phone=phone), status


@bp.route("/employers/new", methods=["GET", "POST"])
@roles_required(*BUREAU)
def new_employer():
    """Register an employer / 登记用工主体"""
    form = forms.EmployerForm()
    form.region_code.choices = pickers.village_choices(_("（不填）"))
    return _save_employer(form, None)


@bp.route("/employers/<int:employer_id>/edit", methods=["GET", "POST"])
@roles_required(*BUREAU)
def edit_employer(employer_id: int):
    """Edit an employer / 修改用工主体"""
    found = _employer(employer_id)
    form = forms.EmployerForm() if request.method == "POST" else forms.EmployerForm(data=forms.employer_initial(found))
    form.region_code.choices = pickers.village_choices(_("（不填）"))
    return _save_employer(form, found)


# --- subsidies ----------------------------------------------------------------------------------------


def _render_subsidies(tab: str, row_errors: dict | None = None, typed: dict | None = None, status: int = 200):
    """A tab of the subsidies page; `row_errors` and `typed` keep a refused row's message and input."""
    rules = placements.subsidy_rules()
    # A refused form posts to another address: the filter comes from the page's query string, not the form.
    filters = lists.subsidy_filters(request.values if request.method == "GET" else request.args) | {"tab": tab}
    rule_code = filters["rule_code"]
    if tab in lists.DUE_TABS:
        # The page of due claims and both tabs' counts come from one statement.
        page = placements.due_claims_page({"rule_code": rule_code, "lapsing_soon": tab == "lapsing"}, _page(), PER_PAGE)
        counts = page["counts"]
        evidence_ids = [item["employment_id"] for item in page["items"]]
    else:
        counts = placements.due_claim_counts({"rule_code": rule_code})
        page = keyset_page(lists.claims_query(filters), PER_PAGE)
        evidence_ids = [claim.employment_id for claim in page["items"]]
    return render_template(
        "bureau/subsidies.html",
        tab=tab,
        tabs=lists.SUBSIDY_TABS,
        page=page,
        counts=counts,
        rules=rules,
        rule_code=rule_code,
        days=queries.attendance_days(evidence_ids),
        row_errors=row_errors or {},
        typed=typed or {},
        kinds=labels.EMPLOYMENT_KIND,
        provinces=PROVINCES,
        today=settings.today(),
    ), status


@bp.get("/subsidies")
@roles_required(*BUREAU)
def subsidies():
    """Employment subsidies / 就业补贴"""
    return _render_subsidies(lists.subsidy_filters(request.args)["tab"])[0]


@bp.post("/subsidies/claims")
@roles_required(*BUREAU)
def record_claim():
    """Record a due subsidy as claimed / 登记补贴申领"""
    form = forms.ClaimForm()
    tab = request.args.get("tab") if request.args.get("tab") in ("due", "lapsing") else "due"
    key = f"{form.employment_id.data}:{form.rule_code.data}"
    typed = {key: request.form.get("claimed_on", "")}
    if not form.validate_on_submit():
        errors = form.claimed_on.errors or _expired(form) or [_("请重新选择要申领的补贴")]
        return _render_subsidies(tab, {key: list(errors)}, typed, 422)
    employment_id = int(form.employment_id.data) if (form.employment_id.data or "").isdigit() else 0
    data = {"employment_id": employment_id, "rule_code": form.rule_code.data or "", "claimed_on": form.claimed_on.data}
    try:
        claim = placements.record_claim(data)
    except Problem as problem:
        db.session.rollback()
        language = current_language()
        messages = [e.zh if language == "zh" else e.en for e in problem.errors] or [
            problem.title_zh if language == "zh" else problem.title_en
        ]
        return _render_subsidies(tab, {key: messages}, typed, problem.status)
    flash(_("已登记申领：%(name)s %(amount)s 元", name=claim.laborer.name, amount=claim.amount), "success")
    return redirect(url_for("bureau.subsidies", tab=tab))


@bp.post("/subsidies/claims/<int:claim_id>/paid")
@roles_required(*BUREAU)
def mark_paid(claim_id: int):
    """Record a claim as paid out / 登记补贴已发放"""
    claim = _in_scope(SubsidyClaim, claim_id, "Subsidy claim", "补贴申领")
    form = forms.PaidForm()
    key = str(claim.id)
    typed = {key: request.form.get("paid_on", "")}
    if not form.validate_on_submit():
        return _render_subsidies("claimed", {key: list(form.paid_on.errors or _expired(form))}, typed, 422)
    try:
        placements.mark_claim_paid(claim.id, form.paid_on.data)
    except Problem as problem:
        db.session.rollback()
        language = current_language()
        messages = [e.zh if language == "zh" else e.en for e in problem.errors]
        return _render_subsidies("claimed", {key: messages}, typed, problem.status)
    flash(_("已登记发放：%(name)s", name=claim.laborer.name), "success")
    return redirect(url_for("bureau.subsidies", tab="claimed"))


# --- attendance months --------------------------------------------------------------------------------


def _render_months(month: date, close_form=None, reopen_form=None, reopen_id=None, general=None, status=200):
    return render_template(
        "bureau/months.html",
        month=month,
        overview=queries.month_overview(month),
        close_form=close_form or forms.CloseMonthForm(month=month.strftime("%Y-%m")),
        reopen_form=reopen_form or forms.ReopenForm(),
        reopen_id=reopen_id,
        counties=queries.counties(),
        chosen_county=request.form.get("county_code") if request.method == "POST" else None,
        general=general or [],
        previous=queries.previous_month(month),
        following=None if month >= queries.previous_month() else _next_month(month),
    ), status


def _next_month(month: date) -> date:
    return date(month.year + 1, 1, 1) if month.month == 12 else date(month.year, month.month + 1, 1)


@bp.get("/attendance/months")
@roles_required(*BUREAU)
def months():
    """Attendance months: close and reopen / 考勤月份关账"""
    return _render_months(lists.month_filters(request.args)["month"])[0]


@bp.post("/attendance/months/close")
@roles_required(*BUREAU)
def close_month():
    """Close a month for the county or one workshop / 考勤月份关账"""
    form = forms.CloseMonthForm()
    try:
        month = dates.parse_month((form.month.data or "").strip())
    except ValueError:
        form.month.errors = [_("须为年月，如 2026-03")]
        return _render_months(queries.previous_month(), close_form=form, status=422)
    if not form.validate_on_submit():
        return _render_months(month, close_form=form, general=_expired(form), status=422)
    workshop = _workshop(int(form.workshop_id.data)) if (form.workshop_id.data or "").isdigit() else None
    try:
        county = _closing_county(request.form.get("county_code") or None, workshop)
        attendance.close_month(month, county, workshop, form.note.data)
    except Problem as problem:
        general = _refusal(problem, form)
        if workshop is not None:
            general = [workshop.name + "：" + "；".join(form.month.errors + general)]
            form.month.errors = []
        return _render_months(month, close_form=form, general=general, status=problem.status)
    if workshop is None:
        flash(_("%(month)s 全县考勤已关账", month=month.strftime("%Y-%m")), "success")
    else:
        flash(_("%(month)s %(name)s 考勤已关账", month=month.strftime("%Y-%m"), name=workshop.name), "success")
    return redirect(url_for("bureau.months", month=month.strftime("%Y-%m")))


@bp.post("/attendance/months/closures/<int:closure_id>/reopen")
@roles_required(*BUREAU)
def reopen_month(closure_id: int):
    """Reopen a closed month, with a reason / 重新开放已关账月份"""
    closure = _in_scope(AttendanceClosure, closure_id, "Closed month", "已关账月份")
    month = closure.month
    form = forms.ReopenForm()
    if not form.validate_on_submit():
        return _render_months(month, reopen_form=form, reopen_id=closure.id, general=_expired(form), status=422)
    try:
        attendance.reopen_month(closure, form.reason.data)
    except Problem as problem:
        general = _refusal(problem, form)
        return _render_months(month, reopen_form=form, reopen_id=closure_id, general=general, status=problem.status)
    flash(_("%(month)s 已重新开放，原因已记录", month=month.strftime("%Y-%m")), "success")
    return redirect(url_for("bureau.months", month=month.strftime("%Y-%m")))


# --- consistency --------------------------------------------------------------------------------------


@bp.get("/consistency")
@roles_required(*BUREAU)
def consistency_report():
    """Consistency report / 数据一致性检查"""
    filters = lists.consistency_filters(request.args)
    check = filters["check"]
    result = consistency.report()
    items = [f for f in result["items"] if check is None or f["check"] == check]
    names = queries.laborer_names({f["laborer_id"] for f in items if f["laborer_id"]})
    return render_template(
        "bureau/consistency.html",
        report=result,
        items=items,
        check=check,
        checks=consistency.CHECKS,
        names=names,
        kinds=labels.EMPLOYMENT_KIND,
    )

"""The village cadre's pages: villages, households, laborers, their matches, referrals and outcomes.

Admins and bureau officers use the same pages within their county. Each view reads the request, calls the
service the API calls (people, matches, placements, monitoring) and shows the answer, or the service's field
errors next to the fields, in the page's language. Scope is the API's: another village's records are 404.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from jobmatch import crud, labels, text
from jobmatch.accounts.scope import get_in_scope
from jobmatch.accounts.views import roles_required
from jobmatch.api.common import mask_id_number, mask_phone
from jobmatch.cadre.forms import LaborerForm, ReferForm, StepForm, attach_errors
from jobmatch.errors import NotFound, Problem
from jobmatch.extensions import db
from jobmatch.geo import DIVISION_CODE
from jobmatch.i18n import current_language
from jobmatch.matches import service as matches_service
from jobmatch.monitoring import contacts, indicators
from jobmatch.monitoring import goal as household_goal
from jobmatch.people import queries as people_queries
from jobmatch.people import service as people
from jobmatch.people.models import Household, Laborer
from jobmatch.placements import lifecycle
from jobmatch.placements import queries as placement_queries
from jobmatch.placements import service as placements
from jobmatch.placements.models import Referral, ReferralEvent
from jobmatch.vocab import EmploymentStatus, HouseholdCategory, OpeningKind, RegionLevel, RiskLevel, Willingness
from workshops.settings import today as china_today

bp = Blueprint("cadre_pages", __name__)

STAFF = ("admin", "bureau", "cadre")
PAGE_SIZE = 20
MATCH_LIMIT = 10
MAX_QUERY_CHARS = 64
# A search holding six digits or more is an ID number (or part of one): it travels in a POST body, never in a
# URL, where browser history, proxies and access logs would keep it.
NUMBER_QUERY = re.compile(r"\d{6,}")


@bp.context_processor
def _helpers() -> dict:
    return {
        "labels": labels,
        "mask_id": mask_id_number,
        "mask_phone": mask_phone,
        "age_of": lambda laborer: people.age_on(laborer.birth_date, china_today()),
        "said": lambda item: item["zh"] if current_language() == "zh" else item["en"],
    }


def _in_scope(model: type, ident: int, what_en: str, what_zh: str):
    try:
        return get_in_scope(model, ident, what_en, what_zh)
    except NotFound:
        abort(404)


def _page_number() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


def _coded(name: str, enum: type) -> str | None:
    """A filter from the query string (or a search form's body) if it is one of the enum's values (anything else is
    ignored)."""
    value = request.values.get(name) or None
    return value if value in enum.__members__ else None


def _month_arg(name: str) -> str | None:
    """A month filter (YYYY-MM) from the query string; anything else is ignored."""
    value = (request.args.get(name) or "").strip()
    return value if household_goal.MONTH.match(value) else None


def _village_arg() -> str | None:
    code = text.normalize_digits(request.values.get("village") or "")
    return code if DIVISION_CODE.match(code) else None


def _villages() -> list:
    """The villages this user may see, for the filters."""
    return db.session.execute(people_queries.regions({"level": RegionLevel.village.value})).scalars().all()


# --- villages ----------------------------------------------------------------------------------------------------


@bp.get("/villages")
@roles_required(*STAFF)
def villages():
    """My villages / 我的村"""
    q = (request.args.get("q") or "")[:MAX_QUERY_CHARS]
    page = crud.page_of(people_queries.regions({"level": RegionLevel.village.value, "q": q}), _page_number(), PAGE_SIZE)
    today = china_today()
    counts = {village.id: indicators.compute(village.code, today) for village in page["items"]}
    ids = [village.id for village in page["items"]]
    return render_template(
        "cadre/villages.html",
        page=page,
        counts=counts,
        goals=household_goal.counts_by_village(ids, today),
        contact_ages=contacts.willing_households(ids, today),
        month=today.strftime("%Y-%m"),
        q=q,
        today=today,
    )


# --- households ----------------------------------------------------------------------------------------------------


@bp.get("/households")
@roles_required(*STAFF)
def households():
    """Households / 农户"""
    filters = {
        "q": (request.args.get("q") or "")[:MAX_QUERY_CHARS],
        "region": _village_arg(),
        "category": _coded("category", HouseholdCategory),
        "risk_level": _coded("risk_level", RiskLevel),
        "goal": _coded("goal", household_goal.Goal),
        "lost_month": _month_arg("lost_month"),
    }
    today = china_today()
    query = people_queries.households(filters).options(selectinload(Household.laborers))
    query = household_goal.filtered(query, filters["goal"], filters["lost_month"], today)
    page = crud.page_of(query, _page_number(), PAGE_SIZE)
    ids = [h.id for h in page["items"]]
    goals = household_goal.of_households(ids, today)
    lost = household_goal.lost_last_worker(filters["lost_month"]) if filters["lost_month"] else {}
    last_contacts = contacts.last_of_households(ids)
    return render_template(
        "cadre/households.html",
        page=page,
        filters=filters,
        villages=_villages(),
        goals=goals,
        lost=lost,
        last_contacts=last_contacts,
        today=today,
    )


@bp.get("/households/<int:household_id>")
@roles_required(*STAFF)
def household(household_id: int):
    """A household and its members / 农户详情"""
    found = _in_scope(Household, household_id, "Household", "农户")
    members = db.session.execute(people_queries.laborers({"household_code": found.code})).scalars().all()
    goal = household_goal.of_households([found.id], china_today())[found.id]
    return render_template("cadre/household.html", household=found, members=members, goal=goal)


# --- laborers ----------------------------------------------------------------------------------------------------


def _number_query(q: str) -> bool:
    return bool(NUMBER_QUERY.search(text.normalize_digits(q)))


@bp.route("/laborers", methods=["GET", "POST"])
@roles_required(*STAFF)
def laborers():
    """Laborers / 劳动力"""
    filters = {
        "q": (request.values.get("q") or "")[:MAX_QUERY_CHARS],
        "region": _village_arg(),
        "employment_status": _coded("employment_status", EmploymentStatus),
        "willingness": _coded("willingness", Willingness),
    }
    by_number = _number_query(filters["q"])
    if request.method == "GET" and by_number:
        # An ID number in an address (a link, an old bookmark) is not searched: the form sends it in the body.
        flash(_("按身份证号查找请在搜索框中输入：号码不会出现在网址中。"))
        return redirect(url_for("cadre_pages.laborers"))
    if request.method == "POST" and not by_number:
        # A name search keeps an address of its own (the back button, a bookmark).
        kept = {"q": filters["q"], "village": filters["region"]}
        kept |= {"employment_status": filters["employment_status"], "willingness": filters["willingness"]}
        return redirect(url_for("cadre_pages.laborers", **{k: v for k, v in kept.items() if v}), 303)
    page = crud.page_of(people_queries.laborers(filters), _page_number(), PAGE_SIZE)
    return render_template("cadre/laborers.html", page=page, filters=filters, by_number=by_number, villages=_villages())


def _profile(laborer_id: int, step_forms: dict[int, StepForm] | None = None, status: int = 200):
    """The profile page; `step_forms` holds forms that came back with errors, keyed by referral id."""
    laborer = _in_scope(Laborer, laborer_id, "Laborer", "劳动力")
    referrals = (
        db.session.execute(
            placement_queries.referrals({"laborer_id": laborer.id}).options(
                selectinload(Referral.events).joinedload(ReferralEvent.recorded_by)
            )
        )
        .scalars()
        .unique()
        .all()
    )
    employments = db.session.execute(placement_queries.employments({"laborer_id": laborer.id})).scalars().all()
    forms = dict(step_forms or {})
    today = china_today()
    for referral in referrals:
        allowed = lifecycle.allowed_next(referral.state)
        if not allowed:
            continue
        form = forms.get(referral.id) or StepForm(prefix=f"r{referral.id}", formdata=None, occurred_on=today)
        # Offer only the steps the lifecycle allows now.
        form.to.choices = labels.choices(labels.STATE, only=allowed)
        forms[referral.id] = form
    return render_template(
        "cadre/laborer.html",
        laborer=laborer,
        referrals=referrals,
        employments=employments,
        current=[job for job in employments if job.end_date is None],
        step_forms=forms,
        reason_steps=[s.value for s in lifecycle.REASON_ALLOWED],
        today=today,
    ), status


@bp.get("/laborers/<int:laborer_id>")
@roles_required(*STAFF)
def laborer(laborer_id: int):
    """A laborer's profile / 劳动力档案"""
    return _profile(laborer_id)


def _laborer_form_page(form: LaborerForm, laborer: Laborer | None, errors: list[str], status: int = 200):
    if laborer is None:
        form.id_number.description = _("18 位；出生日期和性别由身份证号得出")
    else:
        # The stored values are never shown in full: a blank field keeps them.
        form.id_number.description = _("留空则不变；出生日期和性别由身份证号得出")
        form.phone.description = _("留空则不变")
    return render_template("cadre/laborer_form.html", form=form, laborer=laborer, errors=errors), status


def _save_laborer(form: LaborerForm, laborer: Laborer | None):
    """Save through the service the API uses; on refusal, the same page with every error next to its field."""
    if not form.validate_on_submit():
        return _laborer_form_page(form, laborer, [], 400)
    try:
        saved = people.save_laborer(form.service_data(editing=laborer is not None), laborer)
    except Problem as problem:
        db.session.rollback()
        fields = {name: name for name in form._fields}
        others = attach_errors(form, problem, fields, current_language())
        flash(_("未能保存，请按提示修改"), "error")
        return _laborer_form_page(form, laborer, others, problem.status)
    flash(_("已保存 %(name)s 的信息", name=saved.name), "success")
    return redirect(url_for("cadre_pages.laborer", laborer_id=saved.id))


@bp.route("/laborers/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def new_laborer():
    """Register a laborer / 登记劳动力"""
    if request.method == "POST":
        return _save_laborer(LaborerForm(), None)
    form = LaborerForm(formdata=None, household_code=request.args.get("household", "")[:32])
    return _laborer_form_page(form, None, [])


@bp.route("/laborers/<int:laborer_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF)
def edit_laborer(laborer_id: int):
    """Edit a laborer / 修改劳动力信息"""
    found = _in_scope(Laborer, laborer_id, "Laborer", "劳动力")
    if request.method == "POST":
        return _save_laborer(LaborerForm(), found)
    form = LaborerForm(
        formdata=None,
        household_code=found.household.code,
        name=found.name,
        relation_to_head=found.relation_to_head,
        skills="、".join(found.skills_raw or []),
        labor_capacity=found.labor_capacity.value,
        willingness=found.willingness.value,
        needs_flexible_hours=found.needs_flexible_hours,
        home_based_only=found.home_based_only,
        registered_on=found.registered_on,
    )
    return _laborer_form_page(form, found, [])


# --- matches and referrals -------------------------------------------------------------------------------------


@bp.get("/laborers/<int:laborer_id>/matches")
@roles_required(*STAFF)
def matches(laborer_id: int):
    """The openings that suit a laborer / 为劳动力匹配岗位"""
    found = _in_scope(Laborer, laborer_id, "Laborer", "劳动力")
    kind = _coded("kind", OpeningKind)
    result = matches_service.matches_for_laborer(found, MATCH_LIMIT, kind)
    open_referrals = {
        r.opening_id: r
        for r in db.session.execute(placement_queries.referrals({"laborer_id": found.id})).scalars()
        if r.state in lifecycle.OPEN_STATES
    }
    return render_template(
        "cadre/matches.html",
        laborer=found,
        result=result,
        kind=kind,
        open_referrals=open_referrals,
        form=ReferForm(formdata=None),
    )


@bp.post("/laborers/<int:laborer_id>/referrals")
@roles_required(*STAFF)
def refer(laborer_id: int):
    """Refer a laborer to an opening / 推荐"""
    found = _in_scope(Laborer, laborer_id, "Laborer", "劳动力")
    form = ReferForm()
    back = url_for("cadre_pages.matches", laborer_id=found.id, kind=form.kind.data or None)
    if not form.validate_on_submit():
        flash(_("页面已过期，请刷新后重试"), "error")
        return redirect(back)
    try:
        referral = placements.create_referral(
            {"laborer_id": found.id, "opening_id": form.opening_id.data, "score": form.score.data}
        )
    except Problem as problem:
        language = current_language()
        messages = [e.zh if language == "zh" else e.en for e in problem.errors]
        for message in messages or [problem.title_zh if language == "zh" else problem.title_en]:
            flash(message, "error")
        return redirect(back)
    flash(_("已推荐到「%(title)s」", title=referral.opening.title), "success")
    return redirect(url_for("cadre_pages.laborer", laborer_id=found.id, _anchor=f"referral-{referral.id}"))


@bp.post("/referrals/<int:referral_id>/transitions")
@roles_required(*STAFF)
def record_step(referral_id: int):
    """Record a referral's next step / 记录推荐进展"""
    referral = _in_scope(Referral, referral_id, "Referral", "推荐")
    laborer_id, previous = referral.laborer_id, referral.state_since
    form = StepForm(prefix=f"r{referral.id}")
    if not form.validate_on_submit():
        return _profile(laborer_id, {referral.id: form}, 400)
    try:
        placements.transition(referral.id, form.service_data(previous, china_today()))
    except Problem as problem:
        others = attach_errors(form, problem, StepForm.FIELDS, current_language())
        if others:
            form.to.errors = [*form.to.errors, *others]
        flash(_("未能记录，请按提示修改"), "error")
        return _profile(laborer_id, {referral.id: form}, problem.status)
    flash(_("已记录：%(state)s", state=labels.STATE[lifecycle.ReferralState(form.to.data)]), "success")
    return redirect(url_for("cadre_pages.laborer", laborer_id=laborer_id, _anchor=f"referral-{referral.id}"))

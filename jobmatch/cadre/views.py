"""The village cadre's pages: villages, households, laborers, their matches, referrals and outcomes.

Admins and bureau officers use the same pages within their county. Each view reads the request, calls the
service the API calls (people, matches, placements, monitoring) and shows the answer, or the service's field
errors next to the fields, in the page's language. Scope is the API's: another village's records are 404.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy.orm import selectinload

from jobmatch import labels, pickers
from jobmatch.accounts.scope import get_in_scope
from jobmatch.accounts.views import roles_required
from jobmatch.api.common import mask_id_number, mask_phone
from jobmatch.cadre import lists
from jobmatch.cadre.forms import (
    STEP_DAY_FIELDS,
    LaborerForm,
    OutcomeForm,
    ReferForm,
    StepForm,
    attach_errors,
    day_field_of,
)
from jobmatch.errors import NotFound, Problem
from jobmatch.extensions import db
from jobmatch.i18n import current_language
from jobmatch.listings.pages import keyset_page
from jobmatch.matches import service as matches_service
from jobmatch.modelbase import utcnow
from jobmatch.monitoring import goal as household_goal
from jobmatch.people import queries as people_queries
from jobmatch.people import service as people
from jobmatch.people.models import Household, Laborer
from jobmatch.placements import lifecycle
from jobmatch.placements import queries as placement_queries
from jobmatch.placements import service as placements
from jobmatch.placements.models import Employment, Referral, ReferralEvent
from jobmatch.posts.models import Opening
from jobmatch.vocab import (
    OpeningKind,
    ReferralState,
)
from workshops.settings import today as china_today

bp = Blueprint("cadre_pages", __name__)

STAFF = ("admin", "bureau", "cadre")
PAGE_SIZE = 20
MATCH_LIMIT = 10


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


def _coded(name: str, enum: type) -> str | None:
    """A filter from the query string (or a search form's body) if it is one of the enum's values (anything else is
    ignored)."""
    value = request.values.get(name) or None
    return value if value in enum.__members__ else None


def _villages(chosen: str | None = None) -> list[dict]:
    """The villages this user may see, by township with their search keys, for the filters (past a few thousand,
    an administrator's, the townships by county)."""
    return pickers.filter_groups(chosen)


# --- villages ----------------------------------------------------------------------------------------------------


@bp.get("/villages")
@roles_required(*STAFF)
def villages():
    """My villages / 我的村"""
    filters = lists.village_filters(request.args)
    page = keyset_page(lists.villages_query(filters), PAGE_SIZE)
    today = china_today()
    return render_template(
        "cadre/villages.html",
        page=page,
        month=today.strftime("%Y-%m"),
        q=filters["q"],
        **lists.village_context(page["items"], filters),
    )


# --- households ----------------------------------------------------------------------------------------------------


@bp.get("/households")
@roles_required(*STAFF)
def households():
    """Households / 农户"""
    filters = lists.household_filters(request.args)
    page = keyset_page(lists.households_query(filters), PAGE_SIZE)
    return render_template(
        "cadre/households.html",
        page=page,
        filters=filters,
        villages=_villages(filters["region"]),
        **lists.household_context(page["items"], filters),
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


@bp.route("/laborers", methods=["GET", "POST"])
@roles_required(*STAFF)
def laborers():
    """Laborers / 劳动力"""
    filters = lists.laborer_filters(request.values)
    by_number = lists.number_query(filters["q"])
    if request.method == "GET" and by_number:
        # An ID number in an address (a link, an old bookmark) is not searched: the form sends it in the body.
        flash(_("按身份证号查找请在搜索框中输入：号码不会出现在网址中。"))
        return redirect(url_for("cadre_pages.laborers"))
    if request.method == "POST" and not by_number:
        # A name search keeps an address of its own (the back button, a bookmark).
        kept = {"q": filters["q"], "village": filters["region"]}
        kept |= {"employment_status": filters["employment_status"], "willingness": filters["willingness"]}
        return redirect(url_for("cadre_pages.laborers", **{k: v for k, v in kept.items() if v}), 303)
    page = keyset_page(lists.laborers_query(filters), PAGE_SIZE)
    return render_template(
        "cadre/laborers.html", page=page, filters=filters, by_number=by_number, villages=_villages(filters["region"])
    )


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
        undoable={r.id for r in referrals if _undoable(r)},
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
    outcome = OutcomeForm(formdata=None)
    outcome.offer(None, forward_only=True)
    return render_template(
        "cadre/matches.html",
        laborer=found,
        result=result,
        kind=kind,
        open_referrals=open_referrals,
        form=ReferForm(formdata=None),
        outcome=outcome,
        day_fields=_day_fields(),
        today=china_today(),
        reason_steps=[s.value for s in lifecycle.REASON_ALLOWED],
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


# --- one post for one laborer: read it, record the outcome in one form, confirm a hire, undo a step ------------


def _day_fields() -> dict[str, list[str]]:
    """For each outcome, the day fields of the steps it records from a new referral (the page's script shows
    those; without it every day field is shown and the others are ignored)."""
    out = {}
    for state in ReferralState:
        path = lifecycle.path_to(ReferralState.recommended, state) or []
        out[state.value] = [day_field_of(s) for s in [ReferralState.recommended, *path]]
    return out


def _open_referral(laborer: Laborer, opening: Opening) -> Referral | None:
    return db.session.execute(
        placement_queries.referrals({"laborer_id": laborer.id})
        .where(Referral.opening_id == opening.id, Referral.state.in_(lifecycle.OPEN_STATES))
        .options(selectinload(Referral.events).joinedload(ReferralEvent.recorded_by))
    ).scalar_one_or_none()


def _undoable(referral: Referral | None) -> bool:
    """The last step may still be undone here (the service has the last word)."""
    if referral is None or len(referral.events) < 2:
        return False
    last = referral.events[-1]
    if last.to_state == ReferralState.obsolete:
        return False
    recorded = lifecycle.as_aware(last.created_at)
    return utcnow() - recorded <= lifecycle.UNDO_WINDOW


def _post_page(laborer: Laborer, opening: Opening, form: OutcomeForm | None = None, status: int = 200, errors=()):
    referral = _open_referral(laborer, opening)
    held = db.session.execute(
        sa.select(Employment).where(
            Employment.laborer_id == laborer.id, Employment.opening_id == opening.id, Employment.end_date.is_(None)
        )
    ).scalar_one_or_none()
    if form is None:
        form = OutcomeForm(formdata=None)
    form.offer(referral.state if referral else None)
    state = referral.state if referral else None
    day_fields = {}
    for choice in form.to.choices:
        path = form_path(state, ReferralState(choice.value))
        day_fields[choice.value] = [day_field_of(s) for s in path]
    return render_template(
        "cadre/post.html",
        laborer=laborer,
        opening=opening,
        referral=referral,
        held=held,
        form=form,
        day_fields=day_fields,
        reason_steps=[s.value for s in lifecycle.REASON_ALLOWED],
        undoable=_undoable(referral),
        errors=list(errors),
        today=china_today(),
    ), status


def form_path(state: ReferralState | None, to: ReferralState) -> list[ReferralState]:
    if state is None:
        return [ReferralState.recommended, *(lifecycle.path_to(ReferralState.recommended, to) or [])]
    return lifecycle.path_to(state, to) or [to]


@bp.get("/laborers/<int:laborer_id>/posts/<int:opening_id>")
@roles_required(*STAFF)
def post(laborer_id: int, opening_id: int):
    """A post, read before referring, with the laborer's referral to it / 岗位详情与推荐进展"""
    found = _in_scope(Laborer, laborer_id, "Laborer", "劳动力")
    opening = _in_scope(Opening, opening_id, "Opening", "岗位")
    return _post_page(found, opening)


def _confirm_page(laborer, opening, referral, form: OutcomeForm, steps: list, status: int = 200, errors=()):
    return render_template(
        "cadre/confirm_hire.html",
        laborer=laborer,
        opening=opening,
        referral=referral,
        form=form,
        steps=steps,
        day_names=list(STEP_DAY_FIELDS.values()) + ["ended_on"],
        errors=list(errors),
    ), status


@bp.post("/laborers/<int:laborer_id>/posts/<int:opening_id>/outcome")
@roles_required(*STAFF)
def record_outcome(laborer_id: int, opening_id: int):
    """Record where a referral stands now, the steps between included / 记录推荐结果"""
    found = _in_scope(Laborer, laborer_id, "Laborer", "劳动力")
    opening = _in_scope(Opening, opening_id, "Opening", "岗位")
    referral = _open_referral(found, opening)
    state = referral.state if referral else None
    form = OutcomeForm()
    form.offer(state)
    if not form.validate_on_submit():
        return _post_page(found, opening, form, 400)
    today = china_today()
    to = ReferralState(form.to.data)
    path = form.path(state)
    if to == ReferralState.hired and form.confirm.data != "yes":
        # Before 已录用: what will be recorded, and the day work starts (default: the next working day).
        hired_day = form.hired_on.data or today
        if form.start_date.data is None:
            form.start_date.data = lifecycle.next_working_day(hired_day)
        steps = [(s, getattr(form, day_field_of(s)).data or today) for s in path]
        return _confirm_page(found, opening, referral, form, steps)
    data = form.service_data(state, referral.state_since if referral else None, today)
    try:
        if referral is None:
            saved = placements.create_referral({"laborer_id": found.id, "opening_id": opening.id} | data)
        else:
            saved = placements.transition(referral.id, data)
    except Problem as problem:
        db.session.rollback()
        language = current_language()
        others = attach_errors(form, problem, form.field_map(state), language)
        flash(_("未能记录，请按提示修改"), "error")
        if to == ReferralState.hired and form.start_date.errors:
            steps = [(s, getattr(form, day_field_of(s)).data or today) for s in path]
            return _confirm_page(found, opening, referral, form, steps, problem.status, others)
        return _post_page(found, opening, form, problem.status, others)
    if referral is None and to == ReferralState.recommended:
        # A plain 推荐 from a match card, as before: on to the laborer's referrals.
        flash(_("已推荐到「%(title)s」", title=opening.title), "success")
        return redirect(url_for("cadre_pages.laborer", laborer_id=found.id, _anchor=f"referral-{saved.id}"))
    flash(_("已记录：%(state)s", state=labels.STATE[to]), "success")
    return redirect(url_for("cadre_pages.post", laborer_id=found.id, opening_id=opening.id))


@bp.post("/referrals/<int:referral_id>/undo")
@roles_required(*STAFF)
def undo_step(referral_id: int):
    """Undo a referral's last step (within a day, audited) / 撤销上一步"""
    referral = _in_scope(Referral, referral_id, "Referral", "推荐")
    laborer_id, opening_id = referral.laborer_id, referral.opening_id
    if not FlaskForm().validate_on_submit():
        flash(_("页面已过期，请刷新后重试"), "error")
    else:
        try:
            undone = referral.events[-1].to_state
            placements.undo_last_step(referral.id)
            flash(_("已撤销：%(state)s", state=labels.STATE[undone]), "success")
        except Problem as problem:
            db.session.rollback()
            language = current_language()
            for error in problem.errors:
                flash(error.zh if language == "zh" else error.en, "error")
    if request.form.get("back") == "profile":
        return redirect(url_for("cadre_pages.laborer", laborer_id=laborer_id, _anchor=f"referral-{referral_id}"))
    return redirect(url_for("cadre_pages.post", laborer_id=laborer_id, opening_id=opening_id))

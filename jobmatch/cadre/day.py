"""The cadre's day: the to-do home a cadre lands on, and the contact log's forms (household, laborer, alert card).

Each view reads the form, calls the monitoring service the API calls, and answers with a redirect back to
where the cadre was, or the form again with each error under its field and everything typed kept.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from jobmatch import labels
from jobmatch.accounts.scope import get_in_scope
from jobmatch.accounts.views import roles_required
from jobmatch.cadre.forms import attach_errors
from jobmatch.errors import NotFound, Problem
from jobmatch.extensions import db
from jobmatch.i18n import current_language
from jobmatch.monitoring import contacts, todo
from jobmatch.monitoring.models import ContactMethod
from jobmatch.monitoring.views import KIND_LABELS
from jobmatch.people.models import Household, Laborer
from jobmatch.security import is_safe_next
from workshops.settings import today as china_today

bp = Blueprint("cadre_day", __name__)

STAFF = ("admin", "bureau", "cadre")
METHOD_LABELS = {ContactMethod.phone: _l("电话"), ContactMethod.visit: _l("走访"), ContactMethod.other: _l("其他")}


class ContactForm(FlaskForm):
    """One call or visit. Every rule is the service's: the fields only carry what was typed."""

    method = RadioField(_l("联系方式"), choices=labels.choices(METHOD_LABELS), default="phone", validate_choice=False)
    contacted_on = StringField(_l("联系日期"), description=_l("留空为今天"), render_kw={"type": "date"})
    laborer_id = SelectField(_l("联系的成员"), choices=[], validate_choice=False)
    note = TextAreaField(_l("情况记录"), render_kw={"rows": 2, "maxlength": contacts.MAX_NOTE_CHARS})
    next = HiddenField()

    FIELDS = {"method": "method", "contacted_on": "contacted_on", "note": "note", "laborer_id": "laborer_id"}


def contact_form(household: Household, members: list[Laborer], laborer: Laborer | None = None, **kw) -> ContactForm:
    """An empty form for a household's contact (today, by phone), the member chosen if given."""
    form = ContactForm(formdata=None, contacted_on=china_today().isoformat(), **kw)
    _member_choices(form, members, laborer)
    return form


def _member_choices(form: ContactForm, members: list[Laborer], laborer: Laborer | None) -> None:
    form.laborer_id.choices = [SelectChoice("", _("全户")), *(SelectChoice(str(m.id), m.name) for m in members)]
    if laborer is not None:
        form.laborer_id.data = str(laborer.id)


def _members(household: Household) -> list[Laborer]:
    return sorted(household.laborers, key=lambda m: m.id)


def _in_scope(model: type, ident: int, what_en: str, what_zh: str):
    try:
        return get_in_scope(model, ident, what_en, what_zh)
    except NotFound:
        abort(404)


def _save_contact(household: Household, laborer: Laborer | None):
    form = ContactForm()
    members = _members(household)
    _member_choices(form, members, None)
    back = form.next.data if is_safe_next(form.next.data) else None
    if not form.validate_on_submit():
        flash(_("页面已过期，请刷新后重试"), "error")
        return redirect(back or url_for("cadre_pages.household", household_id=household.id))
    if laborer is None and form.laborer_id.data:
        # A member chosen on a household's form: one of this household's, or a field error.
        chosen = next((m for m in members if str(m.id) == form.laborer_id.data), None)
        if chosen is None:
            form.laborer_id.errors = [_("请从本户成员中选择")]
            return _form_page(form, household, laborer, [])
        laborer = chosen
    data = {"method": form.method.data, "contacted_on": form.contacted_on.data, "note": form.note.data}
    try:
        contacts.record(household, laborer, data, current_user.id)
    except Problem as problem:
        db.session.rollback()
        others = attach_errors(form, problem, ContactForm.FIELDS, current_language())
        return _form_page(form, household, laborer, others, problem.status)
    flash(_("已记录联系：%(name)s", name=laborer.name if laborer else household.head_name or household.code), "success")
    return redirect(back or url_for("cadre_pages.household", household_id=household.id, _anchor="contacts"))


def _form_page(form: ContactForm, household: Household, laborer: Laborer | None, others: list[str], status: int = 400):
    flash(_("未能记录，请按提示修改"), "error")
    return render_template(
        "cadre/contact_form.html", form=form, household=household, laborer=laborer, errors=others, labels=labels
    ), status


@bp.post("/households/<int:household_id>/contacts")
@roles_required(*STAFF)
def record_household_contact(household_id: int):
    """Record a call or visit to a household / 记录联系"""
    return _save_contact(_in_scope(Household, household_id, "Household", "农户"), None)


@bp.post("/laborers/<int:laborer_id>/contacts")
@roles_required(*STAFF)
def record_laborer_contact(laborer_id: int):
    """Record a call or visit to a laborer / 记录联系"""
    laborer = _in_scope(Laborer, laborer_id, "Laborer", "劳动力")
    return _save_contact(laborer.household, laborer)


@bp.get("/today")
@roles_required(*STAFF)
def home():
    """Today's tasks / 今日待办"""
    today = china_today()
    return render_template(
        "cadre/home.html", day=todo.cadre_day(today), today=today, labels=labels, kind_labels=KIND_LABELS
    )


@bp.app_context_processor
def _contact_helpers() -> dict:
    """For the household, laborer and alert pages: a blank contact form, and the log of a household or laborer."""

    def new_contact_form(
        household: Household, laborer: Laborer | None = None, next: str | None = None, members: list | None = None
    ):
        # A page that has the members at hand passes them (the inbox: one query for every card).
        return contact_form(
            household, members if members is not None else _members(household), laborer, next=next or ""
        )

    def contact_log(household_id: int | None = None, laborer_id: int | None = None, limit: int = 50):
        query = contacts.listed(household_id=household_id, laborer_id=laborer_id).limit(limit)
        return db.session.execute(query).scalars().all()

    return {"new_contact_form": new_contact_form, "contact_log": contact_log, "contact_methods": METHOD_LABELS}

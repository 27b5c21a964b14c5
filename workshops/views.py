"""The workshop manager's phone pages: today's sheet, the month, the export, check-in by employment code."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import Length, Optional

from jobmatch import dates
from jobmatch.accounts.scope import get_in_scope, restrict
from jobmatch.accounts.views import roles_required
from jobmatch.errors import Collector, Problem
from jobmatch.extensions import db
from jobmatch.i18n import message
from jobmatch.people.models import Laborer, Region
from jobmatch.placements.models import Employment
from jobmatch.vocab import RegionLevel
from workshops import attendance, cards, codes, reports, settings
from workshops.models import AttendanceStatus, Workshop

bp = Blueprint("workshop_pages", __name__)

READERS = ("admin", "bureau", "manager")
KEEPERS = ("admin", "manager")
# A village's cards: its cadre and the bureau (and admins).
VILLAGE_STAFF = ("admin", "bureau", "cadre")
CARD_KEEPERS = ("admin", "bureau", "cadre", "manager")
# Where a card's reissue or revoke returns to: the workshop's or the village's cards page.
CARDS_PAGE = re.compile(r"(workshop|village)-(\d{1,12})")
# The buttons on a worker's line, the common choices first, in the page's language.
STATUS_BUTTONS = [
    (AttendanceStatus.present.value, _l("出勤")),
    (AttendanceStatus.half_day.value, _l("半天")),
    (AttendanceStatus.home_piecework.value, _l("居家计件")),
    (AttendanceStatus.leave.value, _l("请假")),
    (AttendanceStatus.absent.value, _l("缺勤")),
]


class SheetForm(FlaskForm):
    """The day's sheet: the workers' choices come as status-<id>, hours-<id>, pieces-<id>."""

    date = HiddenField()
    reason = StringField(_l("补记或修改原因"), validators=[Optional(), Length(max=attendance.MAX_REASON_CHARS)])


class CheckInForm(FlaskForm):
    code = StringField(_l("就业码"), validators=[Length(max=256)])


class CardForm(FlaskForm):
    """Reissue or revoke a card; `back` names the cards page to return to (workshop-<id> or village-<id>)."""

    back = HiddenField()


def _workshop(workshop_id: int) -> Workshop:
    try:
        return get_in_scope(Workshop, workshop_id, "Workshop", "帮扶车间")
    except Problem:
        abort(404)


def _day(raw: str | None) -> date:
    try:
        return dates.parse_day(raw) if raw else settings.today()
    except ValueError:
        return settings.today()


def _month(raw: str | None) -> date:
    try:
        return dates.parse_month(raw) if raw else settings.today().replace(day=1)
    except ValueError:
        return settings.today().replace(day=1)


@bp.get("/attendance")
@roles_required(*READERS)
def home():
    """Attendance / 考勤"""
    workshops = db.session.execute(restrict(sa.select(Workshop).order_by(Workshop.name), Workshop)).scalars().all()
    if len(workshops) == 1:
        return redirect(url_for("workshop_pages.sheet", workshop_id=workshops[0].id))
    return render_template("workshops/home.html", workshops=workshops)


@bp.get("/workshops/<int:workshop_id>/attendance")
@roles_required(*READERS)
def sheet(workshop_id: int):
    """The day's attendance sheet / 日考勤"""
    workshop = _workshop(workshop_id)
    day = _day(request.args.get("date"))
    return _render_sheet(workshop, day, SheetForm(date=day.isoformat()))


def _render_sheet(workshop: Workshop, day: date, form: SheetForm, submitted: dict | None = None, status: int = 200):
    data = attendance.workshop_sheet(workshop, day)
    if submitted:
        # A refused save shows what was typed, not what is stored: nothing the manager entered is lost.
        for entry in data["entries"]:
            entry.update(submitted.get(entry["laborer_id"], {}))
    can_edit = data["editable"] and current_user.role.value in KEEPERS
    worked = sum(1 for e in data["entries"] if e["status"] in ("present", "half_day", "home_piecework"))
    return render_template(
        "workshops/sheet.html",
        workshop=workshop,
        sheet=data,
        form=form,
        can_edit=can_edit,
        worked=worked,
        buttons=STATUS_BUTTONS,
        previous=day - timedelta(days=1),
        following=day + timedelta(days=1) if day < settings.today() else None,
        offline_scope=SERVICE_WORKER_SCOPE,
    ), status


@bp.post("/workshops/<int:workshop_id>/attendance")
@roles_required(*KEEPERS)
def save_sheet(workshop_id: int):
    """Save the day's attendance / 保存日考勤"""
    workshop = _workshop(workshop_id)
    form = SheetForm()
    day = _day(form.date.data)
    if not form.validate_on_submit():
        return _render_sheet(workshop, day, form, status=400)
    entries, submitted, errors = _entries_from_form()
    try:
        errors.raise_if_any()
        result = attendance.save_workshop_sheet(workshop, day, entries, form.reason.data)
    except Problem as problem:
        # A missing reason is one error for the sheet, shown at the reason box, not one per worker.
        reason_errors = [e for e in problem.errors if e.code == "reason_required"]
        if reason_errors:
            form.reason.errors = [message(reason_errors[0])]
        for error in problem.errors:
            if error.code != "reason_required":
                flash(_who(error.field, entries) + message(error), "error")
        return _render_sheet(workshop, day, form, submitted, status=problem.status)
    changed = result.created + result.updated
    saved = _("已保存：%(changed)s 人有变化，%(unchanged)s 人未变", changed=changed, unchanged=result.unchanged)
    flash(saved, "success")
    return redirect(url_for("workshop_pages.sheet", workshop_id=workshop.id, date=day.isoformat()))


def _entries_from_form() -> tuple[list[dict], dict[int, dict], Collector]:
    """Each worker's line of the form as an API entry; unreadable numbers are field errors."""
    entries, submitted, errors = [], {}, Collector()
    for i, raw_id in enumerate(request.form.getlist("laborer")):
        if not raw_id.isdigit():
            continue
        laborer_id = int(raw_id)
        status = request.form.get(f"status-{laborer_id}", AttendanceStatus.present.value)
        if status not in AttendanceStatus.__members__:
            status = AttendanceStatus.present.value
        entry: dict = {"laborer_id": laborer_id, "status": status, "hours": None, "pieces": None}
        for key, kind in (("hours", float), ("pieces", int)):
            raw = (request.form.get(f"{key}-{laborer_id}") or "").strip()
            if raw:
                try:
                    entry[key] = kind(raw)
                except ValueError:
                    errors.add(f"entries.{i}.{key}", "not_number", "须为数字", "must be a number")
        note = request.form.get(f"note-{laborer_id}")
        entry["note"] = note or None
        entries.append(entry)
        submitted[laborer_id] = {k: v for k, v in entry.items() if k != "laborer_id"}
    return entries, submitted, errors


def _who(field: str, entries: list[dict]) -> str:
    """`entries.3.hours` → the worker's name, so the manager knows which line to fix."""
    parts = field.split(".")
    if len(parts) >= 2 and parts[0] == "entries" and parts[1].isdigit() and int(parts[1]) < len(entries):
        laborer = db.session.get(Laborer, entries[int(parts[1])]["laborer_id"])
        return _("%(name)s：", name=laborer.name) if laborer else ""
    return ""


# The day sheet's service worker: a static file, served under /workshops/ so that it may keep the workshop
# pages for use without signal (a script's scope is at most its own folder, unless this header widens it).
SERVICE_WORKER_FILE = "js/sheet-sw.js"
SERVICE_WORKER_SCOPE = "/workshops/"


@bp.get("/workshops/sheet-sw.js")
def service_worker():
    """The day sheet's offline script / 考勤离线脚本"""
    script = (Path(current_app.static_folder) / SERVICE_WORKER_FILE).read_bytes()
    response = current_app.response_class(script, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = SERVICE_WORKER_SCOPE
    return response


@bp.get("/workshops/<int:workshop_id>/attendance/manifest.webmanifest")
@roles_required(*READERS)
def manifest(workshop_id: int):
    """The day sheet as an app on the phone's home screen / 考勤应用清单"""
    workshop = _workshop(workshop_id)
    start = url_for("workshop_pages.sheet", workshop_id=workshop.id)
    response = jsonify(
        {
            "name": _("%(workshop)s 考勤", workshop=workshop.name),
            "short_name": _("考勤"),
            "id": start,
            "start_url": start,
            "scope": SERVICE_WORKER_SCOPE,
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#0b6bcb",
            "icons": [{"src": url_for("static", filename="favicon.svg"), "sizes": "any", "type": "image/svg+xml"}],
        }
    )
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/workshops/<int:workshop_id>/attendance/month")
@roles_required(*READERS)
def month(workshop_id: int):
    """The month's summary and export / 月考勤汇总"""
    workshop = _workshop(workshop_id)
    first = _month(request.args.get("month"))
    summary = reports.workshop_summary(workshop, first)
    found = reports.anomalies(workshop, first)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = attendance.month_end(first) + timedelta(days=1)
    return render_template(
        "workshops/month.html",
        workshop=workshop,
        summary=summary,
        anomalies=found["anomalies"],
        unrecorded=found["unrecorded_days"],
        checks=found["count"],
        first=first,
        previous=previous,
        following=following if following <= settings.today() else None,
    )


@bp.get("/workshops/<int:workshop_id>/check-in")
@roles_required(*KEEPERS)
def check_in(workshop_id: int):
    """Check in by employment code / 扫码签到"""
    workshop = _workshop(workshop_id)
    code = request.args.get("code", "")
    laborer = codes.laborer_for_code(code) if code else None
    return render_template(
        "workshops/check_in.html", workshop=workshop, form=CheckInForm(code=code), laborer=laborer, code=code
    )


@bp.post("/workshops/<int:workshop_id>/check-in")
@roles_required(*KEEPERS)
def do_check_in(workshop_id: int):
    """Record a check-in / 确认签到"""
    workshop = _workshop(workshop_id)
    form = CheckInForm()
    if not form.validate_on_submit():
        return redirect(url_for("workshop_pages.check_in", workshop_id=workshop.id))
    laborer = codes.laborer_for_code(form.code.data or "")
    if laborer is None:
        flash(_("就业码无效或已作废"), "error")
        return redirect(url_for("workshop_pages.check_in", workshop_id=workshop.id))
    try:
        attendance.check_in(workshop, laborer)
        flash(_("%(name)s 今日已签到", name=laborer.name), "success")
    except Problem as problem:
        for error in problem.errors:
            flash(_("%(name)s：", name=laborer.name) + message(error), "error")
    return redirect(url_for("workshop_pages.check_in", workshop_id=workshop.id))


@bp.get("/scan")
@roles_required(*KEEPERS)
def scan():
    """Where a card's QR code leads: the manager's own workshop, ready to check the worker in / 扫码"""
    code = request.args.get("code", "")
    workshops = db.session.execute(restrict(sa.select(Workshop.id), Workshop).limit(2)).scalars().all()
    if len(workshops) != 1:
        # An administrator sees every workshop: the worker's current one is the place to check in.
        laborer = codes.laborer_for_code(code)
        today = settings.today()
        workshops = (
            db.session.execute(
                sa.select(Employment.workshop_id).where(
                    Employment.laborer_id == laborer.id,
                    Employment.workshop_id.is_not(None),
                    Employment.start_date <= today,
                    sa.or_(Employment.end_date.is_(None), Employment.end_date >= today),
                )
            )
            .scalars()
            .all()
            if laborer
            else []
        )
    if not workshops:
        abort(404)
    return redirect(url_for("workshop_pages.check_in", workshop_id=workshops[0], code=code))


# --- employment cards to print ---------------------------------------------------------------


def _village(region_id: int) -> Region:
    try:
        region = get_in_scope(Region, region_id, "Village", "行政村")
    except Problem:
        abort(404)
    # A cadre's scope includes their township and county: only a village has cards.
    if region.level != RegionLevel.village:
        abort(404)
    return region


def _part(laborers: list) -> list:
    """The part of a long list that 打印 asked for (parts of cards.PRINT_PART people; the first by default)."""
    part = request.form.get("part", 0, type=int)
    if part < 0 or part * cards.PRINT_PART >= max(len(laborers), 1):
        part = 0
    return laborers[part * cards.PRINT_PART : (part + 1) * cards.PRINT_PART]


def _pdf(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"inline; filename={filename}"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/workshops/<int:workshop_id>/cards")
@roles_required(*READERS)
def workshop_cards(workshop_id: int):
    """A workshop's employment cards to print / 车间就业码卡片"""
    workshop = _workshop(workshop_id)
    return render_template(
        "workshops/cards.html",
        title=_("%(place)s 就业码卡片", place=workshop.name),
        lines=cards.lines(cards.workshop_laborers(workshop)),
        pdf_url=url_for("workshop_pages.workshop_cards_pdf", workshop_id=workshop.id),
        back=f"workshop-{workshop.id}",
        workshop=workshop,
        form=CardForm(),
        part_size=cards.PRINT_PART,
    )


@bp.post("/workshops/<int:workshop_id>/cards.pdf")
@roles_required(*READERS)
def workshop_cards_pdf(workshop_id: int):
    """Print all of a workshop's cards (A4, 10 a page; issues whoever has none a code) / 打印车间全部卡片"""
    workshop = _workshop(workshop_id)
    if not CardForm().validate_on_submit():
        return redirect(url_for("workshop_pages.workshop_cards", workshop_id=workshop.id))
    body, _count = cards.sheet(_part(cards.workshop_laborers(workshop)), f"{workshop.name} 就业码", workshop)
    return _pdf(body, f"cards-workshop-{workshop.id}.pdf")


@bp.get("/villages/<int:region_id>/cards")
@roles_required(*VILLAGE_STAFF)
def village_cards(region_id: int):
    """A village's employment cards to print / 本村就业码卡片"""
    village = _village(region_id)
    return render_template(
        "workshops/cards.html",
        title=_("%(place)s 就业码卡片", place=village.name),
        lines=cards.lines(cards.village_laborers(village)),
        pdf_url=url_for("workshop_pages.village_cards_pdf", region_id=village.id),
        back=f"village-{village.id}",
        workshop=None,
        form=CardForm(),
        part_size=cards.PRINT_PART,
    )


@bp.post("/villages/<int:region_id>/cards.pdf")
@roles_required(*VILLAGE_STAFF)
def village_cards_pdf(region_id: int):
    """Print all of a village's cards (A4, 10 a page; issues whoever has none a code) / 打印本村全部卡片"""
    village = _village(region_id)
    if not CardForm().validate_on_submit():
        return redirect(url_for("workshop_pages.village_cards", region_id=village.id))
    body, _count = cards.sheet(_part(cards.village_laborers(village)), f"{village.name} 就业码")
    return _pdf(body, f"cards-village-{village.id}.pdf")


def _card_laborer(laborer_id: int) -> Laborer:
    try:
        return get_in_scope(Laborer, laborer_id, "Laborer", "劳动力")
    except Problem:
        abort(404)


def _back(raw: str | None) -> str:
    """The cards page named by the form (only those two kinds of page: never an address from outside)."""
    found = CARDS_PAGE.fullmatch(raw or "")
    if found and found.group(1) == "workshop":
        return url_for("workshop_pages.workshop_cards", workshop_id=int(found.group(2)))
    if found:
        return url_for("workshop_pages.village_cards", region_id=int(found.group(2)))
    return url_for("workshop_pages.home")


@bp.post("/laborers/<int:laborer_id>/card/reissue")
@roles_required(*CARD_KEEPERS)
def reissue_card(laborer_id: int):
    """Reissue a card: the old QR code stops working / 补发就业码卡片"""
    laborer = _card_laborer(laborer_id)
    form = CardForm()
    if form.validate_on_submit():
        row = codes.reissue_code(laborer)
        flash(
            _("已为 %(name)s 补发新卡（%(code)s），旧卡作废", name=laborer.name, code=codes.display_code(row.code)),
            "success",
        )
    return redirect(_back(form.back.data) + f"#card-{laborer.id}")


@bp.route("/laborers/<int:laborer_id>/card/revoke", methods=["GET", "POST"])
@roles_required(*CARD_KEEPERS)
def revoke_card(laborer_id: int):
    """Revoke a card after confirming / 作废就业码卡片"""
    laborer = _card_laborer(laborer_id)
    form = CardForm(back=request.args.get("back"))
    if form.validate_on_submit():
        if codes.revoke_code(laborer) is not None:
            flash(_("%(name)s 的就业码已作废，扫码不再签到", name=laborer.name), "success")
        return redirect(_back(form.back.data) + f"#card-{laborer.id}")
    line = cards.lines([laborer])[0]
    return render_template(
        "workshops/card_revoke.html", laborer=laborer, line=line, form=form, back=_back(form.back.data)
    )

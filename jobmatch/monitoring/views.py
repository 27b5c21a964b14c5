"""Pages: the cadre's alert inbox (most urgent first) and the bureau's indicator page with the monthly trend."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload, load_only, selectinload

from jobmatch import labels
from jobmatch.accounts.scope import get_in_scope, restrict
from jobmatch.accounts.views import roles_required
from jobmatch.crud import page_of
from jobmatch.errors import Problem
from jobmatch.extensions import db
from jobmatch.i18n import message
from jobmatch.monitoring import contacts, indicators, service
from jobmatch.monitoring.models import Alert, AlertKind, AlertStatus
from jobmatch.people.models import Household, Laborer, Region
from jobmatch.people.service import age_on
from jobmatch.vocab import RegionLevel
from workshops.settings import today as china_today

bp = Blueprint("monitoring_pages", __name__)

FOLLOWERS = ("admin", "bureau", "cadre")
BUREAU = ("admin", "bureau")
TREND_MONTHS = 6
# Alert cards per page of the inbox: each carries a contact form and the household's members.
INBOX_PER_PAGE = 20

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


def _inbox_page(status: str | None, cursor: str | None) -> dict:
    """A page of the inbox: the first, or the one after `cursor` (keyset, so a page deep in the list costs what
    the first does, and an alert resolved meanwhile never pushes another off the page)."""
    query = service.alerts({"status": status}).options(selectinload(Alert.events))
    if cursor:
        try:
            return page_of(query, 1, INBOX_PER_PAGE, cursor)
        except Problem:
            pass  # a cursor from another list or edited by hand: start from the top
    return page_of(query, 1, INBOX_PER_PAGE)


@bp.get("/monitoring/alerts")
@roles_required(*FOLLOWERS)
def inbox():
    """Alerts / 预警"""
    status = request.args.get("status") or None
    if status not in (None, *(s.value for s in AlertStatus)):
        status = None
    cursor = request.args.get("cursor") or None
    page = _inbox_page(status, cursor)
    alerts = page["items"]
    household_ids = {a.household_id for a in alerts}
    households = {
        h.id: h
        for h in db.session.execute(
            sa.select(Household).where(Household.id.in_(household_ids)).options(joinedload(Household.village))
        )
        .scalars()
        .all()
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
    laborers = {m.id: m.name for group in members.values() for m in group}
    today = china_today()
    return render_template(
        "monitoring/inbox.html",
        alerts=alerts,
        pagination=page["pagination"],
        cursor=cursor if page["pagination"]["page"] is None else None,
        households=households,
        members=members,
        laborers=laborers,
        age_of=lambda laborer: age_on(laborer.birth_date, today),
        labels=labels,
        kind_labels=KIND_LABELS,
        status_labels=STATUS_LABELS,
        allowed=service.ALLOWED_NEXT,
        status=status,
        last_run=next(iter(service.latest_runs(1)), None),
        last_contacts=contacts.last_of_households(household_ids),
    )


@bp.post("/monitoring/alerts/<int:alert_id>/transition")
@roles_required(*FOLLOWERS)
def transition(alert_id: int):
    try:
        get_in_scope(Alert, alert_id, "Alert", "预警")
    except Problem:
        abort(404)
    try:
        service.transition(alert_id, {"to": request.form.get("to", ""), "note": request.form.get("note")})
        flash(_("已更新预警"), "ok")
    except (Problem, ValueError) as exc:
        db.session.rollback()
        errors = getattr(exc, "errors", None) or []
        for error in errors:
            flash(message(error), "error")
        if not errors:
            flash(_("无法更新该预警"), "error")
    # Back to the page the card was on.
    status, cursor = request.args.get("status") or None, request.args.get("cursor") or None
    return redirect(url_for("monitoring_pages.inbox", status=status, cursor=cursor, _anchor=f"alert-{alert_id}"))


def _month_ends(today: date, months: int) -> list[date]:
    ends = [today]
    first = today.replace(day=1)
    for _month in range(months - 1):
        ends.append(first - timedelta(days=1))
        first = (first - timedelta(days=1)).replace(day=1)
    return list(reversed(ends))


@bp.get("/monitoring/indicators")
@roles_required(*BUREAU)
def indicator_page():
    """Indicators / 就业指标"""
    code = request.args.get("region") or ""
    if not code:
        counties = [r for r in current_user.regions if r.level == RegionLevel.county]
        county = counties[0] if counties else None
        if county is None:
            county = db.session.execute(
                restrict(sa.select(Region).where(Region.level == RegionLevel.county).order_by(Region.code), Region)
            ).scalar()
        if county is None:
            return render_template("monitoring/indicators.html", region=None)
        code = county.code
    try:
        region = indicators.region_for(code)
    except Problem:
        abort(404)
    today = china_today()
    current = indicators.compute(region.code, today)
    trend = [(end, indicators.compute(region.code, end)) for end in _month_ends(today, TREND_MONTHS)]
    children = db.session.execute(
        restrict(sa.select(Region).where(Region.parent_id == region.id).order_by(Region.code), Region)
    ).scalars()
    return render_template(
        "monitoring/indicators.html",
        region=region,
        current=current,
        trend=trend,
        children=list(children),
        type_labels=labels.WORK_TYPE,
    )

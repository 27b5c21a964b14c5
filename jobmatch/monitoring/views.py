"""Pages: the cadre's alert inbox (most urgent first) and the bureau's indicator page with the monthly trend."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from jobmatch import labels
from jobmatch.accounts.scope import get_in_scope, restrict
from jobmatch.accounts.views import roles_required
from jobmatch.errors import Problem
from jobmatch.extensions import db
from jobmatch.i18n import message
from jobmatch.listings.pages import PLACE_ARGS, keyset_page
from jobmatch.monitoring import indicators, lists, service
from jobmatch.monitoring.models import Alert
from jobmatch.people.models import Region
from jobmatch.people.service import age_on
from jobmatch.vocab import RegionLevel
from workshops.settings import today as china_today

bp = Blueprint("monitoring_pages", __name__)

FOLLOWERS = ("admin", "bureau", "cadre")
BUREAU = ("admin", "bureau")
TREND_MONTHS = 6
# Alert cards per page of the inbox (most urgent first; 下一页 goes on by keyset): each carries a contact form and
# the household's members.
INBOX_PER_PAGE = 20

# The words the pages use (kept with the inbox's list, which its export shares).
KIND_LABELS = lists.KIND_LABELS
STATUS_LABELS = lists.STATUS_LABELS


@bp.get("/monitoring/alerts")
@roles_required(*FOLLOWERS)
def inbox():
    """Alerts / 预警"""
    filters = lists.alert_filters(request.args)
    page = keyset_page(lists.alerts_query(filters).options(selectinload(Alert.events)), INBOX_PER_PAGE)
    alerts = page["items"]
    found = lists.alert_context(alerts, filters)
    today = china_today()
    return render_template(
        "monitoring/inbox.html",
        alerts=alerts,
        page=page,
        # Where the page is in the list, for the cards' forms to come back to it.
        place={name: request.args[name] for name in PLACE_ARGS if request.args.get(name)},
        households=found["households"],
        members=found["members"],
        laborers=found["laborers"],
        age_of=lambda laborer: age_on(laborer.birth_date, today),
        labels=labels,
        kind_labels=KIND_LABELS,
        status_labels=STATUS_LABELS,
        allowed=service.ALLOWED_NEXT,
        status=filters["status"],
        last_run=next(iter(service.latest_runs(1)), None),
        last_contacts=found["last_contacts"],
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
    back = {name: request.args[name] for name in ("status", *PLACE_ARGS) if request.args.get(name)}
    return redirect(url_for("monitoring_pages.inbox", **back, _anchor=f"alert-{alert_id}"))


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

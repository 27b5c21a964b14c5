"""The county bureau's pages: openings (list, details, the form), workshops, and the indicator dashboard.

Cadres see their county's openings read-only; the form, the workshops and the dashboard are the bureau's
(and admins'). Everything goes through the services and scope the API uses.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from jobmatch import labels, pickers
from jobmatch.accounts.scope import get_in_scope, restrict
from jobmatch.accounts.views import roles_required
from jobmatch.errors import Problem
from jobmatch.extensions import db
from jobmatch.i18n import current_language
from jobmatch.listings.pages import keyset_page
from jobmatch.matches import service as matches
from jobmatch.monitoring import indicators
from jobmatch.people.models import Laborer, Region
from jobmatch.posts import forms, lists, queries, service
from jobmatch.posts.models import Opening
from jobmatch.vocab import OpeningKind, OpeningStatus, RegionLevel

bp = Blueprint("bureau_pages", __name__)

READERS = ("admin", "bureau", "cadre")
BUREAU = ("admin", "bureau")
PER_PAGE = 20
BEST_LABORERS = 10


@bp.get("/openings")
@roles_required(*READERS)
def openings():
    """Openings / 岗位"""
    filters = lists.opening_filters(request.args)
    page = keyset_page(lists.openings_query(filters), PER_PAGE)
    return render_template(
        "posts/openings.html",
        page=page,
        filters=filters,
        townships=queries.townships(),
        labels=forms,
        can_edit=current_user.role.value in BUREAU,
        **lists.opening_context(page["items"], filters),
    )


def _opening(opening_id: int) -> Opening:
    try:
        return get_in_scope(Opening, opening_id, "Opening", "岗位")
    except Problem:
        abort(404)


@bp.get("/openings/<int:opening_id>")
@roles_required(*READERS)
def opening(opening_id: int):
    """An opening / 岗位详情"""
    post = _opening(opening_id)
    best = None
    if post.status == OpeningStatus.open and post.remaining_headcount > 0:
        best = matches.matches_for_opening(post, BEST_LABORERS, restrict(sa.select(Laborer), Laborer))
    return render_template(
        "posts/opening.html",
        opening=post,
        posted_by=queries.posted_by([post]).get(post.id),
        referrals=queries.referral_count(post),
        best=best,
        labels=forms,
        can_edit=current_user.role.value in BUREAU,
    )


def _form_choices(form: forms.OpeningForm) -> None:
    blank = _("（请选择）")
    form.employer_id.choices = pickers.employer_choices(blank, new=_("＋ 新建用工主体（在下面填写）"))
    form.workshop_id.choices = [SelectChoice("", blank)] + [
        SelectChoice(str(i), name) for i, name in queries.workshop_choices()
    ]
    form.region_code.choices = pickers.village_choices(blank)


def _save(form: forms.OpeningForm, post: Opening | None):
    """Validate and save through the service; on refusal the form comes back with every error at its field."""
    general: list[str] = []
    duplicates: list[Opening] = []
    new_employer = form.new_employer()
    if form.validate_on_submit() and not form.confirm_duplicate.data and new_employer is None:
        duplicates = service.open_duplicates(form.service_data(post), post)
    if duplicates:
        pass  # the form comes back with the warning; the "save anyway" button sends confirm_duplicate
    elif form.validate_on_submit():
        try:
            if new_employer is None:
                saved = service.save_opening(form.service_data(post), post)
            else:
                saved = service.save_opening_with_new_employer(form.service_data(post), new_employer, post)
        except Problem as problem:
            db.session.rollback()
            general = form.add_service_errors(problem.errors, current_language()) or (
                [] if problem.errors else [problem.title_zh if current_language() == "zh" else problem.title_en]
            )
        else:
            flash(_("岗位已保存：%(title)s", title=saved.title), "success")
            return redirect(url_for("bureau_pages.opening", opening_id=saved.id))
    elif "csrf_token" in form.errors:
        general = [_("页面已过期，请刷新后重试")]
    return render_template(
        "posts/opening_form.html",
        form=form,
        opening=post,
        general=general,
        labels=forms,
        duplicates=duplicates,
        known_sites=pickers.known_sites(),
    ), 422 if request.method == "POST" and not duplicates else 200


@bp.route("/openings/new", methods=["GET", "POST"])
@roles_required(*BUREAU)
def new_opening():
    """Post an opening / 发布岗位"""
    form = forms.OpeningForm()
    kind = form.kind.data if request.method == "POST" else request.args.get("kind")
    if kind not in {k.value for k in OpeningKind}:
        # The kind is chosen first: it decides which fields follow.
        return render_template("posts/choose_kind.html", labels=forms)
    form.kind.data = kind
    _form_choices(form)
    return _save(form, None)


@bp.route("/openings/<int:opening_id>/edit", methods=["GET", "POST"])
@roles_required(*BUREAU)
def edit_opening(opening_id: int):
    """Edit an opening / 修改岗位"""
    post = _opening(opening_id)
    form = forms.OpeningForm() if request.method == "POST" else forms.OpeningForm(data=forms.initial(post))
    form.kind.data = post.kind.value
    _form_choices(form)
    return _save(form, post)


@bp.get("/workshops")
@roles_required(*BUREAU)
def workshops():
    """Workshops / 帮扶车间"""
    filters = lists.workshop_filters(request.args)
    page = keyset_page(lists.workshops_list_query(filters), PER_PAGE)
    return render_template(
        "posts/workshops.html",
        page=page,
        filters=filters,
        certification=lists.CERTIFICATION_LABELS,
        **lists.workshop_context(page["items"], filters),
    )


@bp.get("/dashboard")
@roles_required(*BUREAU)
def dashboard():
    """Indicator dashboard / 就业看板"""
    code = lists.dashboard_filters(request.args)["region"]
    if code is None:
        return render_template("posts/dashboard.html", board=None)
    try:
        region = indicators.region_for(code)
    except Problem:
        abort(404)
    choices = db.session.execute(
        restrict(
            sa.select(Region.code, Region.name, Region.level)
            .where(Region.level.in_([RegionLevel.county, RegionLevel.township]))
            .order_by(Region.code),
            Region,
        )
    ).all()
    board = indicators.dashboard(region)
    return render_template(
        "posts/dashboard.html",
        board=board,
        charts=_charts(board),
        region=region,
        choices=choices,
        labels=forms,
        type_labels=labels.WORK_TYPE,
    )


def _percent(ratio: float | None) -> float | None:
    return None if ratio is None else round(ratio * 100, 1)


def _charts(board: dict) -> dict:
    """What static/js/dashboard.js draws, with the words in the page's language (the tables show the same numbers)."""
    names = [row["name"] for row in board["children"]]
    kinds = [forms.KIND_LABELS[k.value] for k in OpeningKind]
    scatter = [
        {
            "name": str(forms.KIND_LABELS[kind.value]),
            "points": [
                [round(o["longitude"], 4), round(o["latitude"], 4), o["title"]]
                for o in board["openings"]
                if o["kind"] == kind.value
            ],
        }
        for kind in OpeningKind
    ]
    villages = {
        "name": _("村（圆越大，有意愿但无人就业的户越多）"),
        "villages": True,
        "points": [
            [round(v["longitude"], 4), round(v["latitude"], 4), v["name"], v["households_willing_none_employed"]]
            for v in board["villages"]
            if v["latitude"] is not None and v["longitude"] is not None
        ],
    }
    return {
        "types": {
            "kind": "pie",
            "names": [str(labels.WORK_TYPE[t]) for t in indicators.TYPES],
            "values": [board["total"]["by_type"][t] for t in indicators.TYPES],
        },
        "rate": {
            "kind": "bar",
            "names": names,
            "values": [_percent(row["willing_employment_rate"]) for row in board["children"]],
            "percent": True,
        },
        "households": {
            "kind": "bar",
            "names": names,
            "values": [row["households_willing_none_employed"] for row in board["children"]],
        },
        "fill_kind": {
            "kind": "bar",
            "names": [str(k) for k in kinds],
            "values": [_percent(row["fill_rate"]) for row in board["by_kind"]],
            "percent": True,
        },
        "fill_township": {
            "kind": "bar",
            "names": names,
            "values": [_percent(row["openings_fill_rate"]) for row in board["children"]],
            "percent": True,
        },
        "map": {
            "kind": "scatter",
            "series": [*scatter, villages],
            "x": _("经度"),
            "y": _("纬度"),
            "households": _("无人就业的户"),
        },
    }

"""The roster page: download a template, check a file, read what it would do, then confirm; export a roster.

Files of more than 2,000 rows are checked, imported and exported in the background (rosters/jobs.py):
the page then shows the job's progress bar, also after a reload, and its summary or file at the end.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from jobmatch.accounts.views import roles_required
from jobmatch.errors import Problem
from jobmatch.i18n import message
from jobmatch.rosters import exports, template
from jobmatch.rosters import jobs as roster_jobs
from jobmatch.rosters.api import EXPORTS, IMPORTERS, export_response
from jobmatch.rosters.reader import MAX_FILE_BYTES

bp = Blueprint("roster_pages", __name__)

EXPORT_FORMATS = ("xlsx", "csv")


def _export_kinds() -> list[str]:
    return [k for k in EXPORTS if k not in exports.LISTING_ROLES or current_user.role in exports.LISTING_ROLES[k]]


def _page(job=None, export_kind: str = "", export_format: str = "xlsx", export_errors: dict | None = None, status=200):
    kinds = [kind for kind, roles in IMPORTERS.items() if current_user.role in roles]
    return (
        render_template(
            "rosters/upload.html",
            max_mb=MAX_FILE_BYTES // (1024 * 1024),
            kinds=kinds,
            columns={kind: template.page_columns(kind) for kind in kinds},
            job=job,
            background_rows=roster_jobs.background_rows(),
            form=FlaskForm(),
            export_kinds=_export_kinds(),
            export_kind=export_kind,
            export_format=export_format,
            export_errors=export_errors or {},
        ),
        status,
    )


@bp.get("/rosters")
@roles_required("admin", "bureau", "cadre")
def upload():
    """Import a roster / 导入名册"""
    return _page(roster_jobs.roster_job(request.args.get("job", type=int)))


@bp.post("/rosters/<int:job_id>/commit")
@roles_required("admin", "bureau", "cadre")
def commit_import(job_id: int):
    """Import the file a background check read / 确认导入已检查的文件"""
    check = roster_jobs.roster_job(job_id)
    if not FlaskForm().validate_on_submit():
        flash(_("页面已过期，请重新提交"), "error")
        return redirect(url_for("roster_pages.upload", job=check.id))
    if current_user.role not in IMPORTERS.get((check.params or {}).get("kind"), ()):
        abort(403)
    try:
        job = roster_jobs.start_commit(check)
    except Problem as problem:
        for error in problem.errors:
            flash(message(error), "error")
        return redirect(url_for("roster_pages.upload", job=check.id))
    return redirect(url_for("roster_pages.upload", job=job.id))


@bp.post("/rosters/export")
@roles_required("admin", "bureau", "cadre")
def export():
    """Export a roster: the file at once, or a background job for more than 2,000 rows / 导出名册"""
    kind, fmt = request.form.get("kind", ""), request.form.get("format", "xlsx")
    if not FlaskForm().validate_on_submit():
        return _page(
            export_kind=kind, export_format=fmt, export_errors={"kind": _("页面已过期，请重新提交")}, status=400
        )
    errors = {}
    if kind not in _export_kinds():
        errors["kind"] = _("请选择要导出的名册")
    if fmt not in EXPORT_FORMATS:
        errors["format"] = _("请选择 .xlsx 或 .csv")
    if errors:
        return _page(export_kind=kind, export_format=fmt, export_errors=errors, status=422)
    if roster_jobs.in_background(exports.count_rows(kind)):
        job = roster_jobs.start_export(kind, fmt)
        return redirect(url_for("roster_pages.upload", job=job.id))
    masked = current_user.role not in exports.FULL_NUMBER_ROLES
    return export_response(exports.export_roster(kind, fmt, masked), kind, fmt)

"""The 导出 Excel route of every list page: the page's filters and scope, the whole list, one .xlsx.

One view serves every listing; each gets its own address beside its page (/laborers/export.xlsx for
/laborers) and the page's roles. A list longer than background.EXPORT_IN_REQUEST_ROWS is written by a
background job instead: the request answers with the job's page (a progress bar, then the job's file at
/jobs/<id>/files/export). Every export is recorded in the audit trail with its row count, whether numbers
were masked, and its filters.
"""

from __future__ import annotations

from functools import partial
from urllib.parse import quote

import sqlalchemy as sa
from flask import Blueprint, Flask, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from jobmatch import crud
from jobmatch.accounts.views import roles_required
from jobmatch.extensions import db
from jobmatch.i18n import current_language
from jobmatch.jobs import runner
from jobmatch.listings import Listing, background, load_all, pages, workbook
from jobmatch.rosters.exports import FULL_NUMBER_ROLES
from workshops.settings import today as china_today


def _attachment(body: bytes, name: str, title: str) -> Response:
    day = china_today().isoformat()
    response = Response(body, mimetype=workbook.XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = (
        f"attachment; filename={name}-{day}.xlsx; filename*=UTF-8''{quote(f'{title}-{day}.xlsx')}"
    )
    return response


def export(listing: Listing, **view_args):
    """Export a list as on its page / 导出"""
    filters = listing.filters(request.args, **view_args)
    refusal = listing.refuse(filters) if listing.refuse else None
    if refusal:
        flash(refusal)
        return redirect(url_for(listing.page))
    masked = current_user.role not in FULL_NUMBER_ROLES
    source = listing.source(filters) if listing.source is not None else None
    if isinstance(source, sa.Select):
        rows = crud.count_up_to(source, background.EXPORT_IN_REQUEST_ROWS)
        if rows > background.EXPORT_IN_REQUEST_ROWS:
            job = background.start(listing.name, export_args(), view_args, current_language(), masked)
            return redirect(url_for("exports.job", job_id=job.id))
    body, count = workbook.write(listing.sheets_for(filters, source), masked)
    background.record(listing.name, filters, count, masked)
    db.session.commit()
    return _attachment(body, listing.name, str(listing.title))


def _export_job(job_id: int):
    job = runner.visible(job_id)
    if job.kind != background.EXPORT_JOB:
        abort(404)
    return job


@login_required
def job(job_id: int):
    """An export running in the background, then its file / 导出进度"""
    return render_template("listings/job.html", job=_export_job(job_id), listings=load_all())


def export_args() -> dict:
    """The page's query-string arguments without its place in the list: the export's filters."""
    return {k: v for k, v in request.args.items() if k not in pages.PLACE_ARGS}


def init_app(app: Flask) -> None:
    """Make each listing's export route, and the pages of background exports."""
    bp = Blueprint("exports", __name__)
    for listing in load_all().values():
        view = roles_required(*listing.roles)(partial(export, listing))
        view.__name__ = listing.name
        view.__doc__ = f"Export the {listing.name} list as on its page / 按页面筛选导出"
        bp.add_url_rule(listing.path, listing.name, view)
    bp.add_url_rule("/exports/<int:job_id>", "job", job)
    app.register_blueprint(bp)
    # A global, so the macros imported without the page's context (pager, export_button) see it.
    app.jinja_env.globals["export_args"] = export_args

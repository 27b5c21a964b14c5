"""Batch proposal pages (bureau, admin): choose a region, run with progress, review, untick, confirm."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from jobmatch import labels
from jobmatch.accounts.views import roles_required
from jobmatch.api.common import mask_id_number
from jobmatch.errors import Problem
from jobmatch.i18n import message
from jobmatch.jobs import runner
from jobmatch.people.service import age_on
from jobmatch.proposals import service
from workshops.settings import today as china_today

bp = Blueprint("proposal_pages", __name__)


def _page(job=None, region: str = "", region_error: str | None = None, status: int = 200):
    return (
        render_template(
            "proposals/proposals.html",
            regions=service.regions(),
            region=region,
            region_error=region_error,
            job=job,
            confirming=service.confirmation(job) if job is not None else None,
            lines=service.review(job) if job is not None and job.state == "done" else [],
            form=FlaskForm(),
            labels=labels,
            mask_id=mask_id_number,
            age_of=lambda laborer: age_on(laborer.birth_date, china_today()),
        ),
        status,
    )


@bp.get("/proposals")
@roles_required("admin", "bureau")
def proposals():
    """Batch proposals / 批量推荐建议"""
    job_id = request.args.get("job", type=int)
    job = runner.visible(job_id) if job_id else runner.latest(service.PROPOSAL_JOB)
    return _page(job, region=(job.params or {}).get("region", "") if job else "")


@bp.post("/proposals")
@roles_required("admin", "bureau")
def start_proposal():
    """Run a batch proposal in the background / 后台生成批量推荐建议"""
    region = request.form.get("region", "")
    if not FlaskForm().validate_on_submit():
        return _page(region=region, region_error=_("页面已过期，请重新提交"), status=400)
    try:
        job = service.start(region)
    except Problem as problem:
        return _page(region=region, region_error=" ".join(message(e) for e in problem.errors), status=422)
    return redirect(url_for("proposal_pages.proposals", job=job.id))


@bp.post("/proposals/<int:job_id>/confirm")
@roles_required("admin", "bureau")
def confirm_proposal(job_id: int):
    """Confirm the ticked lines as referrals in the background / 后台确认勾选的推荐"""
    job = runner.visible(job_id)
    if FlaskForm().validate_on_submit():
        ticked = {int(v) for v in request.form.getlist("line") if v.isdigit()}
        try:
            service.start_confirm(job, ticked)
        except Problem as problem:
            for error in problem.errors:
                flash(message(error), "error")
    return redirect(url_for("proposal_pages.proposals", job=job.id))

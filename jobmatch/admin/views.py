"""The administrator's pages: the ranker (cards, training, promotion, rollback) and the skill dictionary."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from jobmatch.accounts.forms import ROLE_LABELS
from jobmatch.accounts.views import roles_required
from jobmatch.admin import home
from jobmatch.admin import ranker as ranker_page
from jobmatch.admin import skills as skill_page
from jobmatch.admin.forms import ButtonForm, PromoteForm, SynonymForm
from jobmatch.errors import Problem
from jobmatch.i18n import message
from jobmatch.jobs import runner
from jobmatch.matches import synonyms, training

bp = Blueprint("admin_pages", __name__, url_prefix="/admin")


def home_page():
    """The administrator's home: accounts and system health (drawn by site.index for admins)."""
    return render_template(
        "admin/home.html",
        accounts=home.accounts(),
        health=home.health(),
        jobs=home.recent_jobs(),
        role_labels=ROLE_LABELS,
    )


@bp.get("/ranker")
@roles_required("admin")
def ranker():
    """Ranker / 排序模型"""
    job = runner.visible(request.args.get("job", type=int)) if request.args.get("job") else None
    job = job or runner.latest(ranker_page.TRAIN_JOB)
    new_version = (job.result or {}).get("version") if job is not None and job.state == "done" else None
    return render_template(
        "admin/ranker.html",
        job=job,
        view=ranker_page.cards(new_version),
        new_version=new_version,
        button=ButtonForm(),
        promote_form=PromoteForm(),
    )


@bp.post("/ranker/train")
@roles_required("admin")
def train():
    """Train a ranker in the background / 后台训练排序模型"""
    if not ButtonForm().validate_on_submit():
        return redirect(url_for("admin_pages.ranker"))
    job = ranker_page.start_training()
    return redirect(url_for("admin_pages.ranker", job=job.id))


@bp.post("/ranker/promote")
@roles_required("admin")
def promote():
    """Serve a trained version / 启用排序模型"""
    form = PromoteForm()
    if form.validate_on_submit():
        try:
            training.promote(form.version.data)
            flash(_("已启用模型 %(version)s", version=form.version.data), "success")
        except Problem as problem:
            for error in problem.errors:
                flash(message(error), "error")
    return redirect(url_for("admin_pages.ranker"))


@bp.post("/ranker/rollback")
@roles_required("admin")
def rollback():
    """Serve the previous version again / 回退排序模型"""
    if ButtonForm().validate_on_submit():
        state = training.rollback()
        flash(_("已回退，现在服务的是 %(version)s", version=state["serving"] or _("先验模型")), "success")
    return redirect(url_for("admin_pages.ranker"))


@bp.route("/skills", methods=["GET", "POST"])
@roles_required("admin")
def skills():
    """Skill dictionary / 技能词典"""
    synonyms.sync()
    form = SynonymForm()
    form.skill_code.choices = skill_page.grouped_choices()
    q = (request.args.get("q") or "").strip()
    phrase = (request.args.get("phrase") or "").strip()
    if request.method == "GET" and request.args.get("skill"):
        form.skill_code.data = request.args["skill"]
    if form.validate_on_submit():
        try:
            row = synonyms.add({"skill_code": form.skill_code.data, "synonym": form.synonym.data})
            flash(
                _("已添加：%(synonym)s → %(skill)s", synonym=row.synonym, skill=skill_page.name_of(row.skill_code)),
                "success",
            )
            return redirect(url_for("admin_pages.skills", q=q or None, phrase=phrase or None))
        except Problem as problem:
            for error in problem.errors:
                field = getattr(form, error.field, None)
                if field is not None:
                    field.errors = [*field.errors, message(error)]
                else:
                    flash(message(error), "error")
    return render_template(
        "admin/skills.html",
        form=form,
        q=q,
        phrase=phrase,
        found=skill_page.search(q) if q else None,
        categories=None if q else skill_page.by_category(),
        mapped=skill_page.reading(phrase) if phrase else None,
        added=skill_page.added(),
    )

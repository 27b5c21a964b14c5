"""The job status the progress bar polls (JSON, with the login cookie), and job words for every page."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from jobmatch.i18n import message
from jobmatch.jobs import api, runner

bp = Blueprint("jobs", __name__)

STATE_LABELS = {"queued": _l("排队中"), "running": _l("运行中"), "done": _l("已完成"), "failed": _l("失败")}


@bp.app_context_processor
def _job_words() -> dict:
    def job_title(kind: str) -> str:
        known = runner.KINDS.get(kind)
        return message({"zh": known.title_zh, "en": known.title_en}) if known else kind

    return {"job_states": STATE_LABELS, "job_title": job_title}


@bp.get("/jobs/<int:job_id>/status")
@login_required
def job_status(job_id: int):
    """A background job's progress / 后台任务进度"""
    return jsonify(runner.status(runner.visible(job_id), message))


@bp.get("/jobs/<int:job_id>/files/<name>")
@login_required
def job_file(job_id: int, name: str):
    """Download a file a background job made / 下载后台任务生成的文件"""
    return api.download(runner.visible(job_id), name)

"""JSON API for background jobs: how far a job is, how it ended, and the files it made."""

from __future__ import annotations

from urllib.parse import quote

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, DateTime, Dict, Integer, List, Nested, String
from flask import Response, url_for

from jobmatch.api.auth import token_auth
from jobmatch.errors import NotFound
from jobmatch.jobs import runner
from jobmatch.jobs.models import FAILED, Job

bp = APIBlueprint("jobs_api", __name__, url_prefix="/api/v1", tag="Jobs · 后台任务")


class Words(Schema):
    zh = String()
    en = String()


class JobFileOut(Schema):
    name = String(metadata={"description": "report (an import's rows and reasons) or export / 文件用途"})
    filename = String()
    size = Integer(metadata={"description": "bytes"})
    url = String(metadata={"description": "GET it to download the file (kept for a day) / 下载地址"})


class JobOut(Schema):
    id = Integer()
    url = String(metadata={"description": "this job in the API: GET it until `finished` / 任务地址"})
    kind = String(metadata={"description": "train_ranker, batch_proposal, roster_import, roster_export, …"})
    title = Nested(Words)
    state = String(metadata={"description": "queued, running, done or failed / 状态"})
    done = Integer()
    total = Integer()
    percent = Integer()
    finished = Boolean()
    message = Nested(Words, metadata={"description": "what the job is doing now / 当前进度说明"})
    error = Nested(Words, allow_none=True, metadata={"description": "why it failed (state failed) / 失败原因"})
    result = Dict(
        allow_none=True,
        metadata={
            "description": "what the job made, once done; train_ranker: `version` and `card`, the new model's "
            "card (not promoted) / 任务结果，训练完成后为新模型说明"
        },
    )
    files = List(Nested(JobFileOut))
    created_at = DateTime()
    started_at = DateTime(allow_none=True)
    finished_at = DateTime(allow_none=True)
    heartbeat_at = DateTime(
        allow_none=True, metadata={"description": "last sign of life of its worker / 最近一次进度时间"}
    )


# A started job's answer: 202 with the job, and where to follow it.
STARTED = {"Location": String(metadata={"description": "the job's URL: GET it for progress and the result"})}


def job_out(job: Job) -> dict:
    """A job as the API answers it (the same for every kind)."""
    known = runner.KINDS.get(job.kind)
    return {
        "id": job.id,
        "url": url_for("jobs_api.get_job", job_id=job.id),
        "kind": job.kind,
        "title": {"zh": known.title_zh, "en": known.title_en} if known else {"zh": job.kind, "en": job.kind},
        "state": job.state,
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "finished": job.finished,
        "message": {"zh": job.message_zh, "en": job.message_en},
        "error": {"zh": job.error_zh, "en": job.error_en} if job.state == FAILED else None,
        "result": job.result if job.finished else None,
        "files": [
            {
                "name": f.name,
                "filename": f.filename,
                "size": f.size,
                "url": url_for("jobs_api.get_job_file", job_id=job.id, name=f.name),
            }
            for f in runner.files_of(job)
            if f.name in runner.DOWNLOADS
        ],
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "heartbeat_at": job.heartbeat_at,
    }


def started(job: Job) -> tuple[dict, int, dict]:
    """The answer to a request that started a job: 202, the job, and its URL in Location."""
    body = job_out(job)
    return body, 202, {"Location": body["url"]}


@bp.get("/jobs/<int:job_id>")
@bp.auth_required(token_auth)
@bp.output(JobOut)
def get_job(job_id: int):
    """A background job: progress, and at the end its result or why it failed / 后台任务进度与结果"""
    return job_out(runner.visible(job_id))


@bp.get("/jobs/<int:job_id>/files/<name>")
@bp.auth_required(token_auth)
@bp.doc(responses={200: {"description": "the file (.xlsx or .csv) / 任务生成的文件"}, 404: {"description": "none"}})
def get_job_file(job_id: int, name: str):
    """Download a file a job made (an export, an import's report) / 下载后台任务生成的文件"""
    return download(runner.visible(job_id), name)


def download(job: Job, name: str) -> Response:
    """A job's file as an attachment (reports and exports only: an uploaded roster is not handed back)."""
    if name not in runner.DOWNLOADS:
        raise NotFound("File", "文件")
    row, data = runner.read_file(job, name)
    response = Response(data, mimetype=row.mimetype)
    ascii_name = f"job-{job.id}-{name}.{row.filename.rsplit('.', 1)[-1]}"
    response.headers["Content-Disposition"] = (
        f"attachment; filename={ascii_name}; filename*=UTF-8''{quote(row.filename)}"
    )
    return response

"""JSON API for roster imports (dry run, commit, report) and exports."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import quote

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, String
from apiflask.validators import OneOf
from flask import Response, g, request, stream_with_context

from jobmatch.api.auth import PEOPLE_EDITORS, REGISTRY_EDITORS, token_auth
from jobmatch.errors import FieldError, Problem, ValidationFailed
from jobmatch.jobs.api import STARTED, JobOut, started
from jobmatch.rosters import exports, service, template
from jobmatch.rosters import jobs as roster_jobs
from jobmatch.rosters.reader import MAX_FILE_BYTES, too_large

bp = APIBlueprint("rosters_api", __name__, url_prefix="/api/v1", tag="Rosters · 名册导入导出")

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KINDS = ("laborers", "households", "employers", "openings")
# Who may import each roster: the roles that may create its records through the API.
IMPORTERS = {
    "laborers": PEOPLE_EDITORS,
    "households": PEOPLE_EDITORS,
    "employers": REGISTRY_EDITORS,
    "openings": REGISTRY_EDITORS,
}


class ImportQuery(Schema):
    dry_run = Boolean(load_default=True, metadata={"description": "check only, write nothing / 只检查不写入"})
    report = String(load_default="json", validate=OneOf(["json", "xlsx"]))
    digest = String(
        load_default=None,
        metadata={
            "description": "the SHA-256 the dry run gave (`digest`): a commit of another file is refused / "
            "检查时的文件摘要，文件不同则拒绝导入"
        },
    )
    stream = Boolean(
        load_default=False,
        metadata={
            "description": "report=json only: answer as NDJSON, a line {done, total} after every batch and the "
            "result last ({result} or {problem}) / 逐批返回进度"
        },
    )
    background = Boolean(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "run as a background job: 202 and the job in Location (its result the summary, its "
            "file `report` the .xlsx report); default: when the file has more than 2,000 rows / "
            "后台任务（默认超过 2,000 行时）"
        },
    )


# The multipart body around the file (boundaries, the file name) is small; the file itself is capped.
UPLOAD_OVERHEAD_BYTES = 64 * 1024
MAX_UPLOAD_BYTES = MAX_FILE_BYTES + UPLOAD_OVERHEAD_BYTES
NDJSON_MIMETYPE = "application/x-ndjson"


@bp.before_request
def roster_upload_limit() -> None:
    """Roster uploads may be larger than other bodies (also when the page's CSRF check reads the form first);
    a larger one is refused from its Content-Length, before any of it is read."""
    if request.endpoint == "rosters_api.import_roster":
        request.max_content_length = MAX_UPLOAD_BYTES
        if request.content_length is not None and request.content_length > MAX_UPLOAD_BYTES:
            raise too_large()


class ExportQuery(Schema):
    format = String(load_default="xlsx", validate=OneOf(["xlsx", "csv"]))


def _attachment(body: bytes, mimetype: str, filename: str, chinese: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename={filename}; filename*=UTF-8''{quote(chinese)}"
    return response


EXPORTS = (*KINDS, "referrals", "employments")


def _kind(kind: str, kinds: tuple[str, ...] = KINDS) -> str:
    if kind not in kinds:
        raise ValidationFailed([FieldError("kind", "unknown", "未知名册类型", "unknown roster kind")])
    return kind


@bp.post("/rosters/<kind>/import")
@bp.auth_required(token_auth, roles=PEOPLE_EDITORS)
@bp.input(ImportQuery, location="query", arg_name="query")
@bp.doc(
    responses={
        200: {"description": "每行结果 JSON，或 report=xlsx 时的报告 .xlsx"},
        202: {
            "description": "a large file (or background=true): checked or imported by a background job; GET the "
            "job in Location (`result.summary`, the report in `files`) / 大文件在后台处理",
            "headers": {"Location": {"description": "the job's URL", "schema": {"type": "string"}}},
        },
    }
)
def import_roster(kind: str, query: dict):
    """Import a roster file (multipart field `file`): dry run by default, every row's fate; more than 2,000
    rows run in the background (202) / 导入名册"""
    kind = _kind(kind)
    if g.user.role not in IMPORTERS[kind]:
        raise Problem(403, "Forbidden", "无权导入该名册")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed([FieldError("file", "required", "请选择要导入的文件", "choose a file to import")])
    data = upload.read()
    # Read here, also for a background job: a file that cannot be read is refused at once (422).
    result = service.read_import(kind, data, upload.filename, dry_run=query["dry_run"])
    if not query["dry_run"]:
        service.check_digest(result, query["digest"])
    background = query["background"]
    if background or (background is None and roster_jobs.in_background(len(result.table.rows))):
        return started(roster_jobs.start_import(result, data, upload.filename))
    if query["stream"] and query["report"] == "json":
        response = Response(stream_with_context(_progress_lines(result)), mimetype=NDJSON_MIMETYPE)
        response.headers["X-Accel-Buffering"] = "no"  # a proxy must pass each line on as it comes
        return response
    service.run_import(result, digest=query["digest"])
    if query["report"] == "xlsx":
        body = service.report_workbook(result)
        return _attachment(body, XLSX_MIMETYPE, f"{kind}-import-report.xlsx", "导入结果.xlsx")
    return result.summary()


def _progress_lines(result: service.ImportResult) -> Iterator[str]:
    """The import's progress as NDJSON: {done, total} after reading and after each batch, then the result."""
    total = len(result.table.rows)
    yield json.dumps({"done": 0, "total": total}) + "\n"
    try:
        for done in service.import_batches(result):
            yield json.dumps({"done": done, "total": total}) + "\n"
    except Problem as problem:
        # The answer has begun (200): a batch that fails ends the stream with the problem instead.
        body = {"status": problem.status, "title": problem.title_en, "title_zh": problem.title_zh}
        body["errors"] = [e.as_dict() for e in problem.errors]
        yield json.dumps({"problem": body, "done": len(result.fates), "total": total}, ensure_ascii=False) + "\n"
        return
    yield json.dumps({"result": result.summary()}, ensure_ascii=False) + "\n"


@bp.get("/rosters/<kind>/template")
@bp.auth_required(token_auth, roles=PEOPLE_EDITORS)
@bp.doc(
    responses={
        200: {"description": "名册模板 .xlsx：表头、示例行、填写说明"},
        422: {"description": "未知名册类型 / unknown roster kind"},
    }
)
def roster_template(kind: str):
    """The blank roster to fill: headers as the import reads them, an example row, a notes sheet / 下载名册模板"""
    kind = _kind(kind)
    if g.user.role not in IMPORTERS[kind]:
        raise Problem(403, "Forbidden", "无权导入该名册")
    body = template.template_workbook(kind)
    return _attachment(body, XLSX_MIMETYPE, f"{kind}-template.xlsx", f"{template.TITLES[kind]}名册模板.xlsx")


@bp.get("/rosters/<kind>/export")
@bp.auth_required(token_auth)
@bp.input(ExportQuery, location="query", arg_name="query")
@bp.doc(responses={200: {"description": "名册 .xlsx 或 .csv"}})
def export_roster(kind: str, query: dict):
    """Export a roster within your scope, within this request (for more than 2,000 rows `POST` the same path
    to export in the background); ID numbers masked unless your role may see them / 导出名册"""
    kind = _kind(kind, EXPORTS)
    masked = g.user.role not in exports.FULL_NUMBER_ROLES
    fmt = query["format"]
    body = exports.export_roster(kind, fmt, masked)
    return export_response(body, kind, fmt)


def export_response(body: bytes, kind: str, fmt: str) -> Response:
    """An export as an attachment: an ASCII file name, and the Chinese one for browsers that read it."""
    return _attachment(body, roster_jobs.export_mimetype(fmt), f"{kind}.{fmt}", roster_jobs.export_filename(kind, fmt))


@bp.post("/rosters/<kind>/export")
@bp.auth_required(token_auth)
@bp.input(ExportQuery, location="query", arg_name="query")
@bp.output(JobOut, status_code=202, headers=STARTED, description="the export started: follow the job at Location")
def start_export(kind: str, query: dict):
    """Export a roster in the background: the job's `files` hold the file when it is done / 后台导出名册"""
    return started(roster_jobs.start_export(_kind(kind, EXPORTS), query["format"]))

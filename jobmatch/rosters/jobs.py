"""Large roster imports and exports as background jobs, with progress; small ones stay within the request.

A file of more than ROSTER_BACKGROUND_ROWS rows (2,000 unless configured) is checked, imported or
exported by a background job: the upload is kept for the job (sealed with the data key, removed after
a day), and the page follows the job's progress bar, also after a reload. A commit from the page imports
the very file its check read, kept with the check's job, so nothing is uploaded twice. Smaller files
are answered within the request (a few seconds at most), as before.
"""

from __future__ import annotations

from flask import current_app, g

from jobmatch.accounts.scope import current_scope
from jobmatch.errors import Conflict, FieldError, NotFound
from jobmatch.extensions import db
from jobmatch.jobs import runner
from jobmatch.jobs.models import DONE, FAILED, Job
from jobmatch.rosters import exports, service

IMPORT_JOB = "roster_import"
EXPORT_JOB = "roster_export"
# Files with more rows than this are checked, imported and exported in the background.
BACKGROUND_ROWS = 2_000
# Rows of each list (refused, changed, notices) a background import keeps for its page; the report has all.
SHOWN_ROWS = 500
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv; charset=utf-8"
REPORT_NAME = "导入结果.xlsx"


def background_rows() -> int:
    return int(current_app.config.get("ROSTER_BACKGROUND_ROWS", BACKGROUND_ROWS))


def in_background(rows: int) -> bool:
    return rows > background_rows()


def _county_id() -> int | None:
    """The county a user's roster job belongs to (its bureau may follow it), when the scope has exactly one."""
    counties = current_scope().county_ids
    return next(iter(counties)) if len(counties) == 1 else None


# --- imports --------------------------------------------------------------------------------------------


def start_import(result: service.ImportResult, data: bytes, filename: str) -> Job:
    """Check or import a file (already read, so an unreadable one was refused at once) in the background."""
    job = Job(
        kind=IMPORT_JOB,
        params={"kind": result.kind, "dry_run": result.dry_run, "filename": filename, "digest": result.digest},
        county_id=_county_id(),
        message_zh="排队等待",
        message_en="Waiting in the queue",
    )
    return _start_with_source(job, data, filename)


def _start_with_source(job: Job, data: bytes, filename: str) -> Job:
    db.session.add(job)
    db.session.flush()
    runner.save_file(job.id, "source", filename, _mimetype(filename), data)
    return runner.enqueue(job)


def start_commit(check: Job) -> Job:
    """Import the file a finished check read (kept with that check's job), as its page confirms."""
    params = check.params or {}
    if check.kind != IMPORT_JOB or not params.get("dry_run") or check.state != DONE:
        raise Conflict([FieldError("job", "not_checked", "请先检查文件", "check the file first")])
    if (check.result or {}).get("commit_job"):
        raise Conflict([FieldError("job", "already_imported", "这个文件已确认导入", "this file was already imported")])
    if runner.file_of(check, "source") is None:
        raise Conflict(
            [FieldError("file", "file_gone", "文件已过期，请重新检查", "the checked file has expired: check it again")]
        )
    job = runner.start(
        IMPORT_JOB,
        {**params, "dry_run": False, "source_job": check.id},
        check.county_id,
    )
    check = db.session.get(Job, check.id)
    check.result = {**(check.result or {}), "commit_job": job.id}
    db.session.commit()
    return job


@runner.register(IMPORT_JOB, "导入名册", "Roster import")
def import_job(params: dict, progress: runner.Progress) -> dict:
    """Check or import the kept file batch by batch; the summary for the page and the full report as a file."""
    source = db.session.get(Job, params.get("source_job") or progress.job_id)
    _, data = runner.read_file(source, "source")
    dry_run = bool(params["dry_run"])
    zh, en = ("已检查", "checked") if dry_run else ("已导入", "imported")

    def report(done: int, total: int) -> None:
        progress(done, total, f"{zh} {done:,} / {total:,} 行", f"{done:,} / {total:,} rows {en}")

    result = service.import_roster(
        params["kind"], data, params["filename"], dry_run=dry_run, progress=report, digest=params.get("digest")
    )
    rows = len(result.table.rows)
    progress(rows, rows, "正在生成报告", "Writing the report")
    runner.save_file(progress.job_id, "report", REPORT_NAME, XLSX_MIMETYPE, service.report_workbook(result))
    if not dry_run:
        runner.remove_file(source, "source")  # imported: the upload is no longer needed
    return {"summary": shown(result.summary()), "importable": result.counts["created"] + result.counts["updated"]}


def shown(summary: dict) -> dict:
    """The summary with each list cut to SHOWN_ROWS rows (`shown_only` says so): a job's result stays small."""
    cut = {name: summary[name][:SHOWN_ROWS] for name in ("rejected", "updated", "notices")}
    more = any(len(summary[name]) > SHOWN_ROWS for name in cut)
    return summary | cut | {"shown_only": more}


# --- exports --------------------------------------------------------------------------------------------


def start_export(kind: str, fmt: str) -> Job:
    """Export a roster within the current user's scope in the background."""
    exports.check_role(kind)
    masked = g.user.role not in exports.FULL_NUMBER_ROLES
    return runner.start(EXPORT_JOB, {"kind": kind, "format": fmt, "masked": masked}, _county_id())


@runner.register(EXPORT_JOB, "导出名册", "Roster export")
def export_job(params: dict, progress: runner.Progress) -> dict:
    kind, fmt = params["kind"], params["format"]

    def report(done: int, total: int) -> None:
        progress(done, total, f"已导出 {done:,} / {total:,} 行", f"{done:,} / {total:,} rows exported")

    body, rows = exports.export_file(kind, fmt, params["masked"], progress=report)
    runner.save_file(progress.job_id, "export", export_filename(kind, fmt), export_mimetype(fmt), body)
    return {"kind": kind, "format": fmt, "rows": rows}


def export_filename(kind: str, fmt: str) -> str:
    return f"{exports.SHEET_TITLES[kind]}.{fmt}"


def export_mimetype(fmt: str) -> str:
    return XLSX_MIMETYPE if fmt == "xlsx" else CSV_MIMETYPE


def _mimetype(filename: str) -> str:
    return CSV_MIMETYPE if filename.lower().endswith(".csv") else XLSX_MIMETYPE


def roster_job(job_id: int | None) -> Job | None:
    """The roster job a page shows: the one asked for, or the user's latest that has not finished."""
    if job_id:
        job = runner.visible(job_id)
        if job.kind not in (IMPORT_JOB, EXPORT_JOB):
            raise NotFound("Job", "任务")
        return job
    job = runner.latest(IMPORT_JOB, EXPORT_JOB)
    return job if job is not None and job.state not in (DONE, FAILED) else None

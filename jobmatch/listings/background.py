"""Long exports as background jobs: past EXPORT_IN_REQUEST_ROWS rows an export is written by the job runner.

The request that asks counts the list (no further than the threshold), and either writes the file at once
or starts a job with the page's query string, the page's language and whether numbers are masked. The job
reads the list in keyset chunks as the request would (acting as the user who asked, so in their scope),
reports its progress per chunk, and keeps the file as the job's "export" (jobs.runner.save_file: in the
database, sealed with the data key, removed by the jobs' sweep after a day), which the job's page offers at
/jobs/<id>/files/export to the user who asked.
"""

from __future__ import annotations

from datetime import date

from werkzeug.datastructures import MultiDict

from jobmatch import crud
from jobmatch.accounts import audit
from jobmatch.i18n import speaking
from jobmatch.jobs import runner
from jobmatch.listings import load_all, workbook
from workshops.settings import today as china_today

EXPORT_JOB = "export_list"
# A list longer than this is exported by a background job (a request would hold a worker for tens of seconds).
EXPORT_IN_REQUEST_ROWS = 10_000
# The job's file, as jobs.runner.DOWNLOADS names it.
EXPORT_FILE = "export"
# The job counts its list exactly (a province's laborers: 1.5 million) for its progress bar.
COUNT_AT_MOST = 100_000_000


def start(name: str, args: dict, view_args: dict, language: str, masked: bool):
    """Start the export of a listing as the current user; the job as it stands (in tests: done)."""
    params = {"listing": name, "args": args, "view_args": view_args, "language": language, "masked": masked}
    return runner.start(EXPORT_JOB, params)


def record(name: str, filters: dict, rows: int, masked: bool) -> None:
    """The export in the audit trail: its rows, whether numbers were masked, its filters (never a search text)."""
    shown = {
        key: value.isoformat() if isinstance(value, date) else value
        for key, value in filters.items()
        if key != "q" and isinstance(value, (str, int, date)) and value != ""
    }
    audit.record("export", name, 0, {"rows": rows, "format": "xlsx", "masked": masked, "filters": shown})


@runner.register(EXPORT_JOB, "导出 Excel", "Export to Excel")
def export_job(params: dict, progress: runner.Progress) -> dict:
    """Write a listing's export with the page's filters, chunk by chunk, and keep it as the job's file."""
    listing = load_all()[params["listing"]]
    with speaking(params["language"]):
        filters = listing.filters(MultiDict(params["args"]), **params["view_args"])
        source = listing.source(filters)
        # Counted once, exactly, so the progress bar can say how far the file is.
        total = len(source) if isinstance(source, list) else crud.count_up_to(source, COUNT_AT_MOST)

        def written(count: int) -> None:
            progress(count, max(total, count, 1), "正在写入", "Writing")

        progress(0, max(total, 1), "正在读取", "Reading")
        body, count = workbook.write(listing.sheets_for(filters, source), params["masked"], written)
        title = str(listing.title)
    record(listing.name, filters, count, params["masked"])
    filename = f"{title}-{china_today().isoformat()}.xlsx"
    runner.save_file(progress.job_id, EXPORT_FILE, filename, workbook.XLSX_MIMETYPE, body)  # commits the record too
    return {"listing": listing.name, "title": title, "rows": count}

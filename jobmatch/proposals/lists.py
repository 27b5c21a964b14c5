"""A batch proposal's table as a list: the lines the review page shows, in its order, for the export."""

from __future__ import annotations

from flask import abort
from flask_babel import lazy_gettext as _l

from jobmatch import labels
from jobmatch.jobs import runner
from jobmatch.listings import PERCENT, Column, Listing, register
from jobmatch.people.service import age_on
from jobmatch.proposals import service
from workshops.settings import today as china_today


def proposal_filters(values, job_id: int) -> dict:
    return {"job_id": job_id}


def proposal_lines(filters: dict) -> list[dict]:
    """The job's lines within the caller's scope (another's job, or another kind of job, is not found)."""
    job = runner.visible(filters["job_id"])
    if job.kind != service.PROPOSAL_JOB:
        abort(404)
    return service.review(job) if job.state == "done" else []


def _today(rows: list, filters: dict) -> dict:
    return {"today": china_today()}


YES_NO = {True: _l("是"), False: _l("否")}

PROPOSALS = register(
    Listing(
        name="proposals",
        title=_l("批量推荐建议"),
        path="/proposals/<int:job_id>/export.xlsx",
        page="proposal_pages.proposals",
        roles=("admin", "bureau"),
        filters=proposal_filters,
        source=proposal_lines,
        context=_today,
        columns=(
            Column(_l("行号"), lambda x, c: x["line"] + 1, width=6),
            Column(_l("劳动力"), lambda x, c: x["laborer"].name, width=10),
            Column(_l("身份证号"), lambda x, c: x["laborer"].id_number, personal="id", width=21),
            Column(_l("年龄"), lambda x, c: age_on(x["laborer"].birth_date, c["today"]), width=6),
            Column(_l("村"), lambda x, c: x["laborer"].household.village.name),
            Column(_l("岗位编号"), lambda x, c: x["opening"].code if x["opening"] else "", width=16),
            Column(_l("岗位"), lambda x, c: x["opening"].title if x["opening"] else "", width=20),
            Column(_l("稳定就业概率"), lambda x, c: x["chance"], width=10, number_format=PERCENT),
            Column(_l("家中无人就业"), lambda x, c: YES_NO[bool(x["household_without_work"])], width=10),
            Column(_l("户类别"), lambda x, c: labels.CATEGORY[x["laborer"].household.category], width=14),
            Column(_l("风险"), lambda x, c: labels.RISK.get(x["laborer"].household.risk_level, ""), width=8),
            Column(_l("距离（公里）"), lambda x, c: x["distance_km"], width=10),
        ),
    )
)

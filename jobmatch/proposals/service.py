"""Batch proposals as background jobs: which regions may be chosen, the run, the review and the confirmation."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from jobmatch import geo
from jobmatch.accounts.scope import county_of, current_scope, restrict
from jobmatch.errors import Conflict, FieldError, Problem, ValidationFailed
from jobmatch.extensions import db
from jobmatch.jobs import runner
from jobmatch.jobs.models import DONE, FAILED, Job
from jobmatch.matches import assignment
from jobmatch.people.models import Household, Laborer, Region
from jobmatch.placements import service as placements
from jobmatch.posts.models import Opening
from jobmatch.vocab import RegionLevel

PROPOSAL_JOB = "batch_proposal"
CONFIRM_JOB = "confirm_proposal"
CONFIRM_NOTE = "批量推荐确认"


def regions() -> list[tuple[Region, list[Region]]]:
    """The counties in the user's scope, each with its townships (a proposal is for one of them)."""
    counties = db.session.scalars(
        restrict(sa.select(Region).where(Region.level == RegionLevel.county), Region).order_by(Region.code)
    ).all()
    townships = db.session.scalars(
        restrict(sa.select(Region).where(Region.level == RegionLevel.township), Region).order_by(Region.code)
    ).all()
    by_county: dict[int, list[Region]] = {c.id: [] for c in counties}
    for township in townships:
        if township.parent_id in by_county:
            by_county[township.parent_id].append(township)
    return [(c, by_county[c.id]) for c in counties]


def start(region_code: str | None) -> Job:
    """Start a proposal for a township or county of the user's scope."""
    allowed = {r.code: r for county, towns in regions() for r in (county, *towns)}
    region = allowed.get((region_code or "").strip())
    if region is None:
        raise ValidationFailed(
            [
                FieldError(
                    "region", "unknown_region", "请选择本县或其中一个乡镇", "choose your county or one of its townships"
                )
            ]
        )
    county = county_of(region)
    return runner.start(
        PROPOSAL_JOB, {"region": region.code, "region_name": region.name}, county.id if county else None
    )


@runner.register(PROPOSAL_JOB, "批量推荐建议", "Batch proposal")
def proposal_job(params: dict, progress: runner.Progress) -> dict:
    """Run the exact assignment for the region and keep each line's ids and figures (names are read when shown)."""
    zh, en = "正在为每位劳动力查找合适岗位", "Finding posts for each laborer"
    progress(0, 1, zh, en)
    proposal = assignment.propose(params["region"], progress=lambda n, total: progress(n, total, zh, en))
    lines = [
        {
            "laborer_id": item["laborer_id"],
            "opening_id": item["opening_id"],
            "chance": item["chance"],
            "household_without_work": item["household_without_work"],
        }
        for item in proposal["items"]
    ]
    distances = _distances(lines)
    for line in lines:
        line["distance_km"] = distances.get((line["laborer_id"], line["opening_id"]))
    return {
        "region": params["region"],
        "region_name": params.get("region_name", ""),
        "model_version": proposal["model_version"],
        "summary": proposal["summary"]["exact"] | {"laborers": proposal["summary"]["laborers"]},
        "lines": lines,
        "confirmed": None,
    }


def _distances(lines: list[dict]) -> dict[tuple[int, int], float]:
    """Commute of each line in km: the laborer's own coordinates or their village's, to the post's site."""
    laborer_ids = {line["laborer_id"] for line in lines}
    opening_ids = {line["opening_id"] for line in lines}
    homes = {
        lid: (lat if lat is not None else vlat, lon if lon is not None else vlon)
        for lid, lat, lon, vlat, vlon in db.session.execute(
            sa.select(Laborer.id, Laborer.latitude, Laborer.longitude, Region.latitude, Region.longitude)
            .join(Household, Laborer.household_id == Household.id)
            .join(Region, Household.village_id == Region.id)
            .where(Laborer.id.in_(laborer_ids))
        )
    }
    sites = {
        oid: (lat, lon)
        for oid, lat, lon in db.session.execute(
            sa.select(Opening.id, Opening.latitude, Opening.longitude).where(Opening.id.in_(opening_ids))
        )
    }
    out = {}
    for line in lines:
        home, site = homes.get(line["laborer_id"]), sites.get(line["opening_id"])
        if home and site and None not in home and None not in site:
            out[(line["laborer_id"], line["opening_id"])] = round(geo.haversine_km(*home, *site), 1)
    return out


def review(job: Job) -> list[dict]:
    """The proposal's lines with the laborer (in the user's scope, as LaborerOut masks them) and the post."""
    lines = (job.result or {}).get("lines", [])
    wanted = {x["laborer_id"] for x in lines}
    # Who is in scope is read on its own (one pass over the scope's laborers): combined with a long list of
    # ids in one statement, SQLite plans the scope's subqueries badly (4x slower on the demo county).
    if not current_scope().everything:
        wanted &= set(db.session.scalars(restrict(sa.select(Laborer.id), Laborer)))
    laborers = {
        lab.id: lab
        for lab in db.session.scalars(
            sa.select(Laborer)
            .where(Laborer.id.in_(wanted))
            .options(selectinload(Laborer.household).selectinload(Household.village))
        )
    }
    openings = {
        o.id: o for o in db.session.scalars(sa.select(Opening).where(Opening.id.in_({x["opening_id"] for x in lines})))
    }
    out = []
    for number, line in enumerate(lines):
        laborer = laborers.get(line["laborer_id"])
        if laborer is None:  # out of this user's scope now: not shown, never confirmed
            continue
        out.append({**line, "line": number, "laborer": laborer, "opening": openings.get(line["opening_id"])})
    return out


def confirmation(job: Job) -> Job | None:
    """The job confirming this proposal (the latest one), if one was started."""
    if job.kind != PROPOSAL_JOB:
        return None
    candidates = db.session.scalars(
        sa.select(Job)
        .where(Job.kind == CONFIRM_JOB, Job.county_id.is_not_distinct_from(job.county_id))
        .order_by(Job.id.desc())
    )
    found = next((c for c in candidates if (c.params or {}).get("proposal") == job.id), None)
    return runner.checked(found) if found is not None else None


def start_confirm(job: Job, ticked: set[int]) -> Job:
    """Start confirming the ticked lines in the background (a county-wide proposal has some 1,800 lines)."""
    if job.kind != PROPOSAL_JOB or job.state != DONE:
        raise Conflict([FieldError("job", "not_ready", "这份建议还没有完成", "the proposal has not finished")])
    underway = confirmation(job)
    if (job.result or {}).get("confirmed") or (underway is not None and underway.state != FAILED):
        raise Conflict(
            [FieldError("job", "already_confirmed", "这份建议已确认过", "the proposal was already confirmed")]
        )
    if not ticked:
        raise ValidationFailed([FieldError("lines", "none_ticked", "请至少勾选一行", "tick at least one line")])
    return runner.start(CONFIRM_JOB, {"proposal": job.id, "lines": sorted(ticked)}, job.county_id)


@runner.register(CONFIRM_JOB, "确认批量推荐", "Confirm a batch proposal")
def confirm_job(params: dict, progress: runner.Progress) -> dict:
    """Confirm the ticked lines of a proposal as referrals, reporting each hundred lines."""
    proposal = db.session.get(Job, params["proposal"])
    if proposal is None:
        raise Conflict([FieldError("job", "not_ready", "这份建议还没有完成", "the proposal has not finished")])
    confirmed = confirm(proposal, set(params["lines"]), progress)
    return {"proposal": proposal.id, "created": len(confirmed["created"]), "refused": len(confirmed["refused"])}


def confirm(job: Job, ticked: set[int], progress: runner.Progress | None = None) -> dict:
    """Make a referral for each ticked line (each checked as a single referral is); the others stay proposals."""
    if job.kind != PROPOSAL_JOB or job.state != DONE:
        raise Conflict([FieldError("job", "not_ready", "这份建议还没有完成", "the proposal has not finished")])
    result = dict(job.result or {})
    if result.get("confirmed"):
        raise Conflict(
            [FieldError("job", "already_confirmed", "这份建议已确认过", "the proposal was already confirmed")]
        )
    if not ticked:
        raise ValidationFailed([FieldError("lines", "none_ticked", "请至少勾选一行", "tick at least one line")])
    shown = {line["line"]: line for line in review(job)}
    created, refused = [], []
    numbers = sorted(ticked)
    zh, en = "正在生成推荐", "Making the referrals"
    for done, number in enumerate(numbers):
        if progress is not None:
            progress(done, len(numbers), zh, en)
        line = shown.get(number)
        if line is None:
            continue
        try:
            referral = placements.create_referral(
                {
                    "laborer_id": line["laborer_id"],
                    "opening_id": line["opening_id"],
                    "score": line["chance"],
                    "note": CONFIRM_NOTE,
                }
            )
            created.append({"line": number, "referral_id": referral.id})
        except Problem as problem:
            refused.append(
                {
                    "line": number,
                    "zh": "；".join(e.zh for e in problem.errors) or problem.title_zh,
                    "en": "; ".join(e.en for e in problem.errors) or problem.title_en,
                }
            )
    result["confirmed"] = {"created": created, "refused": refused}
    job = db.session.get(Job, job.id)
    job.result = result
    db.session.commit()
    return result["confirmed"]

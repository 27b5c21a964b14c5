"""Consistency checks run before a province report is filed: records that cannot all be true.

- `status_without_work`: a household recorded as helped into work (a member's employment
  status is not "unemployed") while nobody in it has an open employment;
- `migrant_on_public_welfare`: a migrant worker who holds a public-welfare post at the same time;
- `two_places`: a worker with two full-time employments that overlap in time;
- `over_places`: a post held by more people than its places on some day (history loaded with past dates).

"Working on a day" and "overlap" are jobmatch.placements.history's rule, the one the hire check applies: an
employment covers its start date up to, not including, its end date, so a job ended on the day the next one
began is a change of job, not two places at once.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from jobmatch.accounts.scope import restrict
from jobmatch.extensions import db
from jobmatch.people.models import Household, Laborer, Region
from jobmatch.people.queries import in_region
from jobmatch.placements import history
from jobmatch.placements.history import FAR_FUTURE
from jobmatch.placements.models import Employment
from jobmatch.posts.models import Opening
from jobmatch.vocab import EmploymentKind, EmploymentStatus
from workshops.settings import today as china_today

CHECKS = {
    "status_without_work": ("登记为已就业但家中无人在岗", "recorded as in work, but nobody in the household works"),
    "migrant_on_public_welfare": (
        "外出务工人员同时占用公益性岗位",
        "a migrant worker also holds a public-welfare post",
    ),
    "two_places": ("同一人同时在两处全职就业", "one worker in two full-time jobs at once"),
    "over_places": ("岗位在岗人数超过名额", "a post held by more people than its places"),
}


def _laborers_in(code: str | None) -> sa.Select:
    query = sa.select(Laborer.id).join(Household, Household.id == Laborer.household_id)
    if code:
        query = query.join(Region, Region.id == Household.village_id).where(in_region(code))
    return restrict(query, Laborer)


def _finding(check: str, household_id: int, laborer_id: int | None, detail: dict) -> dict:
    zh, en = CHECKS[check]
    return {"check": check, "zh": zh, "en": en, "household_id": household_id, "laborer_id": laborer_id} | {
        "detail": detail
    }


def report(code: str | None = None, today: date | None = None) -> dict:
    """Every finding in the division (and the caller's scope), with counts per check."""
    today = today or china_today()
    laborers = _laborers_in(code)
    findings: list[dict] = []

    # 1. Recorded as in work, nobody working.
    working = set(
        db.session.execute(
            sa.select(Laborer.household_id)
            .join(Employment, Employment.laborer_id == Laborer.id)
            .where(
                Laborer.id.in_(laborers),
                history.employed_on(today),
            )
        ).scalars()
    )
    recorded: dict[int, list[int]] = {}
    for laborer_id, household_id in db.session.execute(
        sa.select(Laborer.id, Laborer.household_id)
        .where(Laborer.id.in_(laborers), Laborer.employment_status != EmploymentStatus.unemployed)
        .order_by(Laborer.id)
    ):
        recorded.setdefault(household_id, []).append(laborer_id)
    for household_id, members in sorted(recorded.items()):
        if household_id not in working:
            findings.append(_finding("status_without_work", household_id, members[0], {"laborer_ids": members}))

    # 2 and 3. Employments of one laborer that overlap in time.
    a, b = aliased(Employment), aliased(Employment)
    overlapping = (
        sa.select(a, b, Laborer.household_id)
        .join(b, sa.and_(b.laborer_id == a.laborer_id, b.id > a.id))
        .join(Laborer, Laborer.id == a.laborer_id)
        .where(
            a.laborer_id.in_(laborers),
            history.overlap(a, b),
        )
        .order_by(a.laborer_id, a.id, b.id)
    )
    pair_kinds = {EmploymentKind.migrant, EmploymentKind.public_welfare}
    for first, second, household_id in db.session.execute(overlapping):
        detail = {
            "employment_ids": [first.id, second.id],
            "kinds": [first.kind.value, second.kind.value],
            "from": max(first.start_date, second.start_date),
            "until": min(first.end_date or FAR_FUTURE, second.end_date or FAR_FUTURE)
            if first.end_date or second.end_date
            else None,
        }
        if {first.kind, second.kind} == pair_kinds:
            findings.append(_finding("migrant_on_public_welfare", household_id, first.laborer_id, detail))
        elif first.full_time and second.full_time:
            findings.append(_finding("two_places", household_id, first.laborer_id, detail))

    # 4. A post held by more people than its places on some day: the hire that made one too many is the finding.
    held = db.session.execute(
        sa.select(
            Employment.id,
            Employment.opening_id,
            Employment.laborer_id,
            Employment.start_date,
            Employment.end_date,
            Opening.headcount,
            Laborer.household_id,
            Laborer.id.in_(laborers).label("in_scope"),
        )
        .join(Opening, Opening.id == Employment.opening_id)
        .join(Laborer, Laborer.id == Employment.laborer_id)
        .where(Employment.opening_id.in_(sa.select(Employment.opening_id).where(Employment.laborer_id.in_(laborers))))
        .order_by(Employment.opening_id, Employment.start_date, Employment.id)
    ).all()
    by_opening: dict[int, list] = {}
    for row in held:
        by_opening.setdefault(row.opening_id, []).append(row)
    for opening_id, rows in by_opening.items():
        for row in rows:
            day = row.start_date
            holders = [r for r in rows if history.covers(r.start_date, r.end_date, day)]
            if len(holders) > row.headcount and row.in_scope:
                detail = {
                    "opening_id": opening_id,
                    "day": day,
                    "held": len(holders),
                    "headcount": row.headcount,
                    "employment_ids": [r.id for r in holders],
                }
                findings.append(_finding("over_places", row.household_id, row.laborer_id, detail))
                break  # one finding per post: the first day it was over

    counts = dict.fromkeys(CHECKS, 0)
    for finding in findings:
        counts[finding["check"]] += 1
    return {"region": code, "as_of": today, "counts": counts, "total": len(findings), "items": findings}

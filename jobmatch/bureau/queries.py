"""What the bureau's pages read: the day's tasks, a workshop's page, a month before closing, claim evidence.

Every query is kept to the caller's scope (jobmatch.accounts.scope); the rules stay in the services
these functions call (subsidies in placements.service, certification in workshops.service, closing in
workshops.attendance).
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from jobmatch.accounts.models import User, workshop_managers
from jobmatch.accounts.scope import restrict
from jobmatch.extensions import db
from jobmatch.people.models import Household, Laborer, Region
from jobmatch.placements import service as placements
from jobmatch.placements.models import Employment
from jobmatch.posts.models import Opening
from jobmatch.vocab import CertificationStatus, OpeningStatus, RegionLevel
from workshops import attendance, reports, settings
from workshops import service as workshop_service
from workshops.models import DAYS_WORKED, Attendance, AttendanceClosure, Workshop

TASK_LIST_LENGTH = 5


def previous_month(today: date | None = None) -> date:
    """The first day of last month: the month the bureau closes now."""
    first = (today or settings.today()).replace(day=1)
    return date(first.year - 1, 12, 1) if first.month == 1 else date(first.year, first.month - 1, 1)


def _scoped_workshops() -> list[Workshop]:
    query = restrict(sa.select(Workshop).options(joinedload(Workshop.village)).order_by(Workshop.name), Workshop)
    return list(db.session.execute(query).scalars())


def closed_workshop_ids(month: date, workshops: list) -> dict[int, AttendanceClosure]:
    """Workshop id → the closure that locks its month (its own, or its county's); `workshops`: Workshops or rows
    with their id and village_id."""
    closures = list(db.session.execute(attendance.closures_query(month)).scalars())
    county_wide = {c.county_id: c for c in closures if c.workshop_id is None}
    own = {c.workshop_id: c for c in closures if c.workshop_id is not None}
    counties = attendance.workshop_county_ids(workshops) if county_wide else {}
    out = {}
    for workshop in workshops:
        closure = own.get(workshop.id) or county_wide.get(counties.get(workshop.id))
        if closure is not None:
            out[workshop.id] = closure
    return out


def past_deadline_openings() -> sa.Select:
    return restrict(
        sa.select(Opening)
        .where(Opening.status == OpeningStatus.open, Opening.deadline < settings.today())
        .order_by(Opening.deadline),
        Opening,
    )


def today_tasks() -> dict:
    """The bureau's tasks for today, each with what to open."""
    lapsing = placements.due_claims_page({"lapsing_soon": True}, 1, TASK_LIST_LENGTH)
    applied = restrict(
        sa.select(Workshop).where(Workshop.certification_status == CertificationStatus.applied).order_by(Workshop.id),
        Workshop,
    )
    month = previous_month()
    # Only how many are open is shown: ids and villages, not the workshops (a province has thousands).
    workshops = db.session.execute(restrict(sa.select(Workshop.id, Workshop.village_id), Workshop)).all()
    closed = closed_workshop_ids(month, workshops)
    past = past_deadline_openings()
    count = sa.select(sa.func.count()).select_from
    return {
        "due": lapsing["counts"]["due"],
        "due_amount": lapsing["counts"]["amount"],
        "lapsing": lapsing["counts"]["lapsing"],
        "lapsing_items": lapsing["items"],
        "applied": db.session.execute(count(applied.subquery())).scalar_one(),
        "applied_items": list(db.session.execute(applied.limit(TASK_LIST_LENGTH)).scalars()),
        "month": month,
        "months_open": [w for w in workshops if w.id not in closed],
        "workshops": len(workshops),
        "past_deadline": db.session.execute(count(past.subquery())).scalar_one(),
        "past_deadline_items": list(db.session.execute(past.limit(TASK_LIST_LENGTH)).scalars()),
    }


def _current(day: date) -> sa.ColumnElement[bool]:
    return sa.and_(Employment.start_date <= day, sa.or_(Employment.end_date.is_(None), Employment.end_date >= day))


def workshop_page(workshop: Workshop) -> dict:
    """Everything the workshop's page shows: certification checks, posts, workers today, the month, managers."""
    today = settings.today()
    month = today.replace(day=1)
    minimum = int(settings.setting("CERTIFICATION_MIN_WORKERS"))
    certifying = workshop_service.certifying_workers(workshop.id)
    workers = db.session.execute(
        restrict(
            sa.select(Employment, Household.category, Attendance.status)
            .join(Laborer, Laborer.id == Employment.laborer_id)
            .join(Household, Household.id == Laborer.household_id)
            .outerjoin(
                Attendance,
                sa.and_(
                    Attendance.employment_id == Employment.id,
                    Attendance.workshop_id == workshop.id,
                    Attendance.day == today,
                ),
            )
            .options(joinedload(Employment.laborer))
            .where(Employment.workshop_id == workshop.id, _current(today))
            .order_by(Employment.start_date, Employment.id),
            Employment,
        )
    ).all()
    posts = db.session.execute(
        restrict(sa.select(Opening).where(Opening.workshop_id == workshop.id).order_by(Opening.id.desc()), Opening)
    ).scalars()
    managers = db.session.execute(
        sa.select(User)
        .join(workshop_managers, workshop_managers.c.user_id == User.id)
        .where(workshop_managers.c.workshop_id == workshop.id)
        .order_by(User.name)
    ).scalars()
    totals = reports.workshop_months(month, [workshop.id]).get(workshop.id) or reports.WorkshopMonth(workshop.id)
    return {
        "checks": {
            "minimum": minimum,
            "certifying": certifying,
            "passes": certifying >= minimum,
            "workforce": workshop_service.workforce([workshop.id])[workshop.id],
        },
        "workers": workers,
        "recorded_today": sum(1 for _, _, status in workers if status is not None),
        "posts": list(posts),
        "managers": list(managers),
        "month": month,
        "month_totals": totals,
        "month_closed": attendance.is_closed(workshop, month),
        "month_gaps": attendance.month_gaps(month, [workshop.id])[workshop.id],
    }


def month_overview(month: date) -> dict:
    """Each workshop of the scope in a month: totals, what is missing, and whether it is closed."""
    workshops = _scoped_workshops()
    ids = [w.id for w in workshops]
    totals = reports.workshop_months(month, ids)
    gaps = attendance.month_gaps(month, ids)
    closed = closed_workshop_ids(month, workshops)
    rows = [
        {
            "workshop": w,
            "totals": totals.get(w.id) or reports.WorkshopMonth(w.id),
            "gaps": gaps[w.id],
            "closure": closed.get(w.id),
        }
        for w in workshops
    ]
    closures = list(
        db.session.execute(attendance.closures_query(month).options(joinedload(AttendanceClosure.county))).scalars()
    )
    names = {w.id: w.name for w in workshops}
    return {
        "rows": rows,
        "closures": closures,
        "names": names,
        "missing": sum(1 for row in rows if row["closure"] is None and _has_gaps(row["gaps"])),
    }


def counties() -> list[tuple[str, str]]:
    """(code, name) of the counties in scope: an admin picks the county a month is closed for."""
    query = restrict(sa.select(Region.code, Region.name).where(Region.level == RegionLevel.county), Region)
    return [tuple(row) for row in db.session.execute(query.order_by(Region.code))]


def _has_gaps(gaps: dict) -> bool:
    return bool(gaps["workers_without_days"] or gaps["weekdays_without_sheet"])


def attendance_days(employment_ids: list[int]) -> dict[int, float]:
    """Days worked recorded on each employment's attendance (the evidence behind a claim)."""
    if not employment_ids:
        return {}
    weight = sa.case(*((Attendance.status == status, value) for status, value in DAYS_WORKED.items()), else_=0.0)
    rows = db.session.execute(
        restrict(
            sa.select(Attendance.employment_id, sa.func.sum(weight))
            .where(Attendance.employment_id.in_(employment_ids))
            .group_by(Attendance.employment_id),
            Attendance,
        )
    ).all()
    return {employment_id: float(days or 0) for employment_id, days in rows}


def laborer_names(ids: set[int]) -> dict[int, str]:
    """Names of these laborers that the caller may see."""
    if not ids:
        return {}
    query = restrict(sa.select(Laborer.id, Laborer.name).where(Laborer.id.in_(ids)), Laborer)
    return dict(db.session.execute(query).all())

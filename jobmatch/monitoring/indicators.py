"""Employment indicators for a county, township or village, counted from the records.

Every figure comes from the same few reads (laborers with their household, the
employments open on the day, openings), so the figures agree with each other:
the laborers by type sum to the laborer total, and the willing employed plus the
willing unemployed are the willing laborers.

A laborer is *employed* on a day when an employment of theirs has started and not
ended before it (end_date is the last day worked). One with several employments
counts once, under the first kind in TYPE_ORDER, full-time work first.
"""

from __future__ import annotations

from datetime import date
from statistics import median

import sqlalchemy as sa

from jobmatch.accounts.scope import restrict
from jobmatch.errors import FieldError, ValidationFailed
from jobmatch.extensions import db
from jobmatch.geo import division_prefix
from jobmatch.people.models import Household, Laborer, Region
from jobmatch.placements.models import Employment
from jobmatch.posts.models import Opening
from jobmatch.vocab import MONITORED_CATEGORIES, EmploymentKind, HouseholdCategory, OpeningStatus, Willingness
from workshops.settings import today as china_today

# The kinds in the order a laborer with several employments is counted under.
TYPE_ORDER: tuple[EmploymentKind, ...] = (
    EmploymentKind.workshop,
    EmploymentKind.public_welfare,
    EmploymentKind.local_enterprise,
    EmploymentKind.migrant,
    EmploymentKind.self_employed,
)
UNEMPLOYED_WILLING = "unemployed_willing"
NOT_WILLING = "not_willing"
TYPES: tuple[str, ...] = (*(k.value for k in TYPE_ORDER), UNEMPLOYED_WILLING, NOT_WILLING)
TYPE_ZH = {
    "workshop": "帮扶车间",
    "public_welfare": "公益性岗位",
    "local_enterprise": "本地企业",
    "migrant": "外出务工",
    "self_employed": "自主就业",
    UNEMPLOYED_WILLING: "有意愿未就业",
    NOT_WILLING: "无就业意愿",
}


def region_for(code: str) -> Region:
    """The region a 12-digit code names (within the caller's scope), or a 422."""
    region = db.session.execute(restrict(sa.select(Region).where(Region.code == code), Region)).scalar_one_or_none()
    if region is None:
        raise ValidationFailed(
            [FieldError("region", "unknown_region", "找不到该区划代码", "no region with this code in your scope")]
        )
    return region


def open_on(day: date) -> sa.ColumnElement[bool]:
    """Employments open on `day`."""
    return sa.and_(Employment.start_date <= day, sa.or_(Employment.end_date.is_(None), Employment.end_date >= day))


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def compute(code: str, today: date | None = None) -> dict:
    """The indicators of the division `code` on `today` (default: today in China)."""
    today = today or china_today()
    prefix = division_prefix(code)
    in_division = Region.code.startswith(prefix, autoescape=True)

    laborers = db.session.execute(
        restrict(
            sa.select(Laborer.id, Laborer.household_id, Laborer.willingness, Laborer.registered_on, Household.category)
            .join(Household, Household.id == Laborer.household_id)
            .join(Region, Region.id == Household.village_id)
            .where(in_division),
            Laborer,
        )
    ).all()
    ids = sa.select(Laborer.id).join(Household, Household.id == Laborer.household_id)
    ids = restrict(ids.join(Region, Region.id == Household.village_id).where(in_division), Laborer)

    # Current work: one kind per laborer.
    current: dict[int, list[tuple[bool, EmploymentKind]]] = {}
    for laborer_id, kind, full_time in db.session.execute(
        sa.select(Employment.laborer_id, Employment.kind, Employment.full_time).where(
            Employment.laborer_id.in_(ids), open_on(today)
        )
    ):
        current.setdefault(laborer_id, []).append((full_time, kind))
    kind_of = {
        laborer_id: min(jobs, key=lambda j: (not j[0], TYPE_ORDER.index(j[1])))[1]
        for laborer_id, jobs in current.items()
    }

    # First placement: the earliest employment (left out when it predates registration, e.g. migrated history).
    first_start: dict[int, date] = {}
    for laborer_id, start in db.session.execute(
        sa.select(Employment.laborer_id, Employment.start_date).where(Employment.laborer_id.in_(ids))
    ):
        if laborer_id not in first_start or start < first_start[laborer_id]:
            first_start[laborer_id] = start

    by_type = dict.fromkeys(TYPES, 0)
    willing = willing_employed = 0
    households_willing: set[int] = set()
    households_employed: set[int] = set()
    absorbed = {"out_of_poverty": 0, "monitored": 0, "other": 0}
    days_to_placement: list[int] = []
    for laborer_id, household_id, willingness, registered_on, category in laborers:
        kind = kind_of.get(laborer_id)
        is_willing = willingness != Willingness.none
        if kind is not None:
            by_type[kind.value] += 1
            households_employed.add(household_id)
        elif is_willing:
            by_type[UNEMPLOYED_WILLING] += 1
        else:
            by_type[NOT_WILLING] += 1
        if is_willing:
            willing += 1
            households_willing.add(household_id)
            willing_employed += kind is not None
        if kind == EmploymentKind.workshop:
            if category == HouseholdCategory.out_of_poverty:
                absorbed["out_of_poverty"] += 1
            elif category in MONITORED_CATEGORIES:
                absorbed["monitored"] += 1
            else:
                absorbed["other"] += 1
        start = first_start.get(laborer_id)
        if start is not None and registered_on is not None and start >= registered_on:
            days_to_placement.append((start - registered_on).days)

    workshop_workers = by_type[EmploymentKind.workshop.value]
    households_without_work = households_willing - households_employed

    # Openings whose site lies in the division (or, for sites far away, posted by the division's county).
    site = sa.func.coalesce(Opening.region_id, Opening.county_id)
    headcount, remaining, openings = db.session.execute(
        restrict(
            sa.select(
                sa.func.coalesce(sa.func.sum(Opening.headcount), 0),
                sa.func.coalesce(sa.func.sum(Opening.remaining_headcount), 0),
                sa.func.count(Opening.id),
            )
            .join(Region, Region.id == site)
            .where(in_division, Opening.status == OpeningStatus.open),
            Opening,
        )
    ).one()
    filled = int(headcount) - int(remaining)

    return {
        "region": code,
        "as_of": today,
        "laborers": len(laborers),
        "by_type": by_type,
        "employed": len(kind_of),
        "willing": willing,
        "willing_employed": willing_employed,
        "willing_employment_rate": _ratio(willing_employed, willing),
        "households": len({row.household_id for row in laborers}),
        "households_with_willing": len(households_willing),
        "households_willing_none_employed": len(households_without_work),
        "openings": int(openings),
        "openings_headcount": int(headcount),
        "openings_filled": filled,
        "openings_fill_rate": _ratio(filled, int(headcount)),
        "placed_laborers": len(days_to_placement),
        "median_days_to_placement": median(days_to_placement) if days_to_placement else None,
        "workshop_workers": workshop_workers,
        "workshop_absorption": absorbed,
        "workshop_absorption_rate": _ratio(absorbed["out_of_poverty"] + absorbed["monitored"], workshop_workers),
    }


def workbook(region: Region, got: dict) -> bytes:
    """The indicators as an .xlsx sheet (no personal data: counts only)."""
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "就业指标"
    rows = [
        ("区域 Region", f"{region.name}（{region.code}）"),
        ("日期 As of", got["as_of"].isoformat()),
        ("劳动力 Laborers", got["laborers"]),
        *((f"　{TYPE_ZH[k]} {k}", n) for k, n in got["by_type"].items()),
        ("有意愿劳动力 Willing", got["willing"]),
        ("其中就业 Willing employed", got["willing_employed"]),
        ("有意愿劳动力就业率 Willing employment rate", got["willing_employment_rate"]),
        ("有意愿的家庭 Households with willing members", got["households_with_willing"]),
        ("其中无人就业 … with no one employed", got["households_willing_none_employed"]),
        ("岗位数 Openings", got["openings"]),
        ("岗位人数 Headcount", got["openings_headcount"]),
        ("已招 Filled", got["openings_filled"]),
        ("满员率 Fill rate", got["openings_fill_rate"]),
        ("登记到首次就业天数中位数 Median days to placement", got["median_days_to_placement"]),
        ("车间务工 Workshop workers", got["workshop_workers"]),
        ("其中脱贫户 Out of poverty", got["workshop_absorption"]["out_of_poverty"]),
        ("其中监测户 Monitored", got["workshop_absorption"]["monitored"]),
    ]
    for row in rows:
        sheet.append(list(row))
    sheet.column_dimensions["A"].width = 48
    sheet.column_dimensions["B"].width = 24
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

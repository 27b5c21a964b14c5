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

from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import median

import sqlalchemy as sa

from jobmatch import sheets
from jobmatch.accounts.scope import restrict
from jobmatch.errors import FieldError, ValidationFailed
from jobmatch.extensions import db
from jobmatch.geo import division_prefix
from jobmatch.monitoring.models import Contact
from jobmatch.people.models import Household, Laborer, Region
from jobmatch.people.queries import codes_within
from jobmatch.placements.models import Employment
from jobmatch.posts.models import Opening
from jobmatch.vocab import (
    MONITORED_CATEGORIES,
    EmploymentKind,
    HouseholdCategory,
    OpeningKind,
    OpeningStatus,
    RegionLevel,
    Willingness,
)
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


def home_region_code(user) -> str | None:
    """The division a user's indicators open on: their county, else the first county in their scope."""
    counties = [r for r in user.regions if r.level == RegionLevel.county]
    if counties:
        return counties[0].code
    query = sa.select(Region.code).where(Region.level == RegionLevel.county).order_by(Region.code).limit(1)
    return db.session.execute(restrict(query, Region)).scalar()


def open_on(day: date) -> sa.ColumnElement[bool]:
    """Employments open on `day`."""
    return sa.and_(Employment.start_date <= day, sa.or_(Employment.end_date.is_(None), Employment.end_date >= day))


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass
class Records:
    """What the indicators of a division are counted from, read once (and split by child divisions)."""

    # (id, household_id, willingness, registered_on, category, village_code) per laborer.
    laborers: list
    # Each currently employed laborer's kind of work, and every laborer's first day of work.
    kind_of: dict[int, EmploymentKind]
    first_start: dict[int, date]
    # (site_code, kind, headcount, remaining_headcount, local, latitude, longitude, title) per open opening.
    openings: list
    # Each contacted household's last call or visit (the contact log).
    last_contact: dict[int, date] = field(default_factory=dict)


# A household with someone willing to work should hear from its cadre at least this often.
CONTACT_DUE_DAYS = 30


def read(code: str, today: date) -> Records:
    """The laborers, their work and the open openings of the division `code` (within the caller's scope)."""
    prefix = division_prefix(code)
    return _read(codes_within([prefix]), today, below_county=len(prefix) > COUNTY_DIGITS)


# A county's code prefix (its code is these digits and six zeros).
COUNTY_DIGITS = 6


def _read(in_division: sa.ColumnElement[bool], today: date, below_county: bool = False) -> Records:
    """The records of the regions `in_division` selects (one division, or several read together).

    `below_county`: the divisions are townships or villages. An opening's site is then its own region: one
    posted for a far site (no region) is sited at its county, whose code no township or village prefix starts,
    so the openings come by their region's index instead of a pass over every open opening.
    """

    laborers = db.session.execute(
        restrict(
            sa.select(
                Laborer.id,
                Laborer.household_id,
                Laborer.willingness,
                Laborer.registered_on,
                Household.category,
                Region.code.label("village_code"),
            )
            .join(Household, Household.id == Laborer.household_id)
            .join(Region, Region.id == Household.village_id)
            .where(in_division),
            Laborer,
        )
    ).all()
    ids = sa.select(Laborer.id).join(Household, Household.id == Laborer.household_id)
    ids = restrict(ids.join(Region, Region.id == Household.village_id).where(in_division), Laborer)

    # One read of the laborers' employments gives the current work (one kind per laborer) and the first
    # placement (left out below when it predates registration, e.g. migrated history).
    current: dict[int, list[tuple[bool, EmploymentKind]]] = {}
    first_start: dict[int, date] = {}
    for laborer_id, kind, full_time, start, end in db.session.execute(
        sa.select(
            Employment.laborer_id, Employment.kind, Employment.full_time, Employment.start_date, Employment.end_date
        ).where(Employment.laborer_id.in_(ids))
    ):
        if start <= today and (end is None or end >= today):  # as open_on(today)
            current.setdefault(laborer_id, []).append((full_time, kind))
        if laborer_id not in first_start or start < first_start[laborer_id]:
            first_start[laborer_id] = start
    kind_of = {
        laborer_id: min(jobs, key=lambda j: (not j[0], TYPE_ORDER.index(j[1])))[1]
        for laborer_id, jobs in current.items()
    }

    # Openings whose site lies in the division (or, for sites far away, posted by the division's county).
    site = Opening.region_id if below_county else sa.func.coalesce(Opening.region_id, Opening.county_id)
    openings = db.session.execute(
        restrict(
            sa.select(
                Region.code.label("site_code"),
                Opening.kind,
                Opening.headcount,
                Opening.remaining_headcount,
                Opening.region_id.is_not(None).label("local"),
                Opening.latitude,
                Opening.longitude,
                Opening.title,
            )
            .join(Region, Region.id == site)
            .where(in_division, Opening.status == OpeningStatus.open)
            .order_by(Opening.id),
            Opening,
        )
    ).all()
    last_contact = dict(
        db.session.execute(
            sa.select(Contact.household_id, sa.func.max(Contact.contacted_on))
            .join(Region, Region.id == Contact.village_id)
            .where(in_division)
            .group_by(Contact.household_id)
        ).all()
    )
    return Records(laborers, kind_of, first_start, openings, last_contact)


def summarise(code: str, today: date, records: Records) -> dict:
    """The indicators of `code` from its records (every figure from the same rows, so they agree)."""
    laborers, kind_of, first_start = records.laborers, records.kind_of, records.first_start
    by_type = dict.fromkeys(TYPES, 0)
    employed = willing = willing_employed = 0
    households_willing: set[int] = set()
    households_employed: set[int] = set()
    absorbed = {"out_of_poverty": 0, "monitored": 0, "other": 0}
    days_to_placement: list[int] = []
    for laborer_id, household_id, willingness, registered_on, category, _village in laborers:
        kind = kind_of.get(laborer_id)
        is_willing = willingness != Willingness.none
        if kind is not None:
            employed += 1
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
    contact_due = today - timedelta(days=CONTACT_DUE_DAYS)
    not_contacted = [
        h for h in households_willing if records.last_contact.get(h) is None or records.last_contact[h] < contact_due
    ]
    headcount = sum(o.headcount for o in records.openings)
    filled = headcount - sum(o.remaining_headcount for o in records.openings)

    return {
        "region": code,
        "as_of": today,
        "laborers": len(laborers),
        "by_type": by_type,
        "employed": employed,
        "willing": willing,
        "willing_employed": willing_employed,
        "willing_employment_rate": _ratio(willing_employed, willing),
        "households": len({row.household_id for row in laborers}),
        "households_with_willing": len(households_willing),
        "households_willing_none_employed": len(households_without_work),
        "households_willing_not_contacted": len(not_contacted),
        "openings": len(records.openings),
        "openings_headcount": headcount,
        "openings_filled": filled,
        "openings_fill_rate": _ratio(filled, headcount),
        "placed_laborers": len(days_to_placement),
        "median_days_to_placement": median(days_to_placement) if days_to_placement else None,
        "workshop_workers": workshop_workers,
        "workshop_absorption": absorbed,
        "workshop_absorption_rate": _ratio(absorbed["out_of_poverty"] + absorbed["monitored"], workshop_workers),
    }


def compute(code: str, today: date | None = None) -> dict:
    """The indicators of the division `code` on `today` (default: today in China)."""
    today = today or china_today()
    return summarise(code, today, read(code, today))


# Up to this many divisions are read together, by their own codes; past it, one read of each county serves
# them all (a village costs about a thirtieth of its county to read).
SEPARATE_READS_UP_TO = 30


def compute_many(codes: list[str], today: date | None = None) -> dict[str, dict]:
    """The indicators of several divisions on `today`, each equal to `compute(code)` (a list of villages)."""
    today = today or china_today()
    if not codes:
        return {}
    if len(codes) <= SEPARATE_READS_UP_TO:
        # One read of the divisions together (a page of villages: four statements, not four per village).
        prefixes = [division_prefix(code) for code in codes]
        below_county = all(len(p) > COUNTY_DIGITS for p in prefixes)
        records = _read(codes_within(prefixes), today, below_county)
        parts = _split(records, prefixes)
        return {code: summarise(code, today, parts[prefix]) for code, prefix in zip(codes, prefixes, strict=True)}
    by_county: dict[str, list[str]] = {}
    for code in codes:
        by_county.setdefault(code[:6], []).append(code)
    out = {}
    for county, group in by_county.items():
        parts = _split(read(county.ljust(12, "0"), today), [division_prefix(code) for code in group])
        out |= {code: summarise(code, today, parts[division_prefix(code)]) for code in group}
    return out


def _split(records: Records, prefixes: list[str]) -> dict[str, Records]:
    """The records of each division named by its prefix, in one pass over the rows."""
    laborers: dict[str, list] = {p: [] for p in prefixes}
    openings: dict[str, list] = {p: [] for p in prefixes}
    for length in {len(p) for p in prefixes}:
        for row in records.laborers:
            bucket = laborers.get(row[5][:length])
            if bucket is not None:
                bucket.append(row)
        for row in records.openings:
            bucket = openings.get(row[0][:length])
            if bucket is not None:
                bucket.append(row)
    return {
        p: Records(laborers[p], records.kind_of, records.first_start, openings[p], records.last_contact)
        for p in prefixes
    }


def dashboard(region: Region, today: date | None = None) -> dict:
    """The dashboard's figures: the division's indicators, the same per child division (townships of a county,
    villages of a township), the fill rate per kind of opening, and the points of a map-like scatter.

    One read of the records serves every figure; each child's row equals `compute(child.code)`.
    """
    today = today or china_today()
    records = read(region.code, today)
    children = db.session.execute(
        restrict(sa.select(Region).where(Region.parent_id == region.id).order_by(Region.code), Region)
    ).scalars().all() or [region]  # a village: its own row
    parts = _split(records, [division_prefix(child.code) for child in children])
    rows = [
        {"code": child.code, "name": child.name} | summarise(child.code, today, parts[division_prefix(child.code)])
        for child in children
    ]

    by_kind = []
    for kind in OpeningKind:
        posts = [o for o in records.openings if o.kind == kind]
        headcount = sum(o.headcount for o in posts)
        filled = headcount - sum(o.remaining_headcount for o in posts)
        by_kind.append(
            {
                "kind": kind.value,
                "openings": len(posts),
                "headcount": headcount,
                "filled": filled,
                "fill_rate": _ratio(filled, headcount),
            }
        )

    # Villages with their households that want work and have none, and the open posts sited in the division.
    willing: dict[str, set[int]] = {}
    employed: dict[str, set[int]] = {}
    for laborer_id, household_id, willingness, _registered, _category, village_code in records.laborers:
        if laborer_id in records.kind_of:
            employed.setdefault(village_code, set()).add(household_id)
        if willingness != Willingness.none:
            willing.setdefault(village_code, set()).add(household_id)
    posts_at: dict[str, dict[str, int]] = {}
    for o in records.openings:
        if o.local:
            counts = posts_at.setdefault(o.site_code, dict.fromkeys((k.value for k in OpeningKind), 0))
            counts[o.kind.value] += 1
    villages = db.session.execute(
        restrict(
            sa.select(Region.code, Region.name, Region.latitude, Region.longitude)
            .where(Region.level == RegionLevel.village, Region.code.startswith(division_prefix(region.code)))
            .order_by(Region.code),
            Region,
        )
    ).all()
    empty_counts = dict.fromkeys((k.value for k in OpeningKind), 0)
    village_points = [
        {
            "code": v.code,
            "name": v.name,
            "latitude": v.latitude,
            "longitude": v.longitude,
            "households_with_willing": len(willing.get(v.code, ())),
            "households_willing_none_employed": len(willing.get(v.code, set()) - employed.get(v.code, set())),
            "openings": posts_at.get(v.code, empty_counts),
        }
        for v in villages
    ]
    opening_points = [
        {
            "kind": o.kind.value,
            "title": o.title,
            "latitude": o.latitude,
            "longitude": o.longitude,
            "remaining": o.remaining_headcount,
        }
        for o in records.openings
        if o.local
    ]
    return {
        "region": region.code,
        "as_of": today,
        "total": summarise(region.code, today, records),
        "children": rows,
        "by_kind": by_kind,
        "villages": village_points,
        "openings": opening_points,
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
        ("30 天未联系 … not contacted in 30 days", got["households_willing_not_contacted"]),
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
        sheet.append(sheets.row(row))
    sheet.column_dimensions["A"].width = 48
    sheet.column_dimensions["B"].width = 24
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

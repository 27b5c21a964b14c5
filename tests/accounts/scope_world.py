"""Two neighbouring counties for scope tests: county A (the `county` fixture's 横峰县) and county B.

Every name in county B contains 弋阳 and every division code begins 361126, so a page or answer that
shows anything of county B can be caught by looking for those words.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from jobmatch.extensions import db
from jobmatch.jobs.models import Job
from jobmatch.monitoring.models import Alert, AlertKind
from jobmatch.people import service as people
from jobmatch.placements import service as placements
from jobmatch.placements.models import Employment
from jobmatch.posts import service as posts
from jobmatch.vocab import EmploymentKind
from tests import factories
from workshops import codes
from workshops.service import save_workshop

B_COUNTY = "361126000000"
B_TOWNSHIP = "361126100000"
B_VILLAGE = "361126100201"
# What any trace of county B looks like in a page, an answer or an export.
B_MARKERS = ("弋阳", "361126", "YYH0001", "GWYY")


def build_county_b(county: dict) -> dict:
    """County B next to county A (a few km away), with one of every kind of record.

    A's laborers are willing to work in the province, so the matching engine finds B's posts for them
    and B's laborers for A's posts: only the scope keeps them apart.
    """
    b_county = people.save_region(
        {"code": B_COUNTY, "name": "弋阳县", "level": "county", "latitude": 28.40, "longitude": 117.45}
    )
    b_township = people.save_region(
        {"code": B_TOWNSHIP, "name": "弋阳镇", "level": "township", "parent_code": B_COUNTY}
        | {"latitude": 28.41, "longitude": 117.50}
    )
    b_village = people.save_region(
        {"code": B_VILLAGE, "name": "弋阳村", "level": "village", "parent_code": B_TOWNSHIP}
        | {"latitude": 28.42, "longitude": 117.58}
    )
    household = people.save_household(
        {"code": "YYH0001", "village_code": B_VILLAGE, "category": "unstable", "head_name": "弋阳户主"}
    )
    laborer = people.save_laborer(
        factories.laborer_data(
            household_code="YYH0001", name="弋阳李秀", sequence=71, willingness="province", skills=["缝纫"]
        )
    )
    employer = posts.save_employer({"name": "弋阳鞋厂", "kind": "enterprise", "region_code": B_VILLAGE})
    workshop = save_workshop(
        {"name": "弋阳鞋业车间", "village_code": B_VILLAGE, "capacity": 30, "wage_mode": "piece"}
        | {"operator_id": employer.id}
    )
    opening = posts.save_opening(
        {
            "code": "GWYY01",
            "kind": "enterprise",
            "title": "弋阳缝纫工",
            "employer_id": employer.id,
            "region_code": B_VILLAGE,
            "required_skills": ["缝纫"],
            "headcount": 5,
            "organised_transfer": True,
        }
    )
    welfare = posts.save_opening(
        {"code": "GWYY02", "kind": "public_welfare", "title": "弋阳保洁员", "region_code": B_VILLAGE, "headcount": 2}
    )
    # A laborer of B working at B's workshop (employed: the engine leaves them out of B's matches).
    worker = people.save_laborer(
        factories.laborer_data(household_code="YYH0001", name="弋阳王工", sequence=73, willingness="province")
    )
    employment = Employment(
        laborer_id=worker.id,
        kind=EmploymentKind.workshop,
        workshop_id=workshop.id,
        start_date=date.today() - timedelta(days=30),
    )
    db.session.add(employment)
    db.session.add(
        Alert(
            kind=AlertKind.no_one_employed,
            cause_key=f"no_one_employed:h{household.id}:test",
            household_id=household.id,
            laborer_id=laborer.id,
            village_id=b_village.id,
            since=date.today(),
            detail={},
            status_since=datetime.now(UTC),
        )
    )
    db.session.commit()
    referral = placements.create_referral({"laborer_id": laborer.id, "opening_id": opening.id})
    code = codes.ensure_code(worker).code
    # A finished batch proposal of B's bureau (a background job): its progress and lines are B's.
    job = Job(
        kind="batch_proposal",
        state="done",
        county_id=b_county.id,
        params={"region": B_COUNTY, "region_name": "弋阳县"},
        result={
            "region": B_COUNTY,
            "region_name": "弋阳县",
            "lines": [{"laborer_id": laborer.id, "opening_id": opening.id}],
        },
        message_zh="弋阳县批量推荐完成",
        message_en="弋阳县 proposal done",
    )
    db.session.add(job)
    db.session.commit()
    return {
        "county": b_county,
        "township": b_township,
        "village": b_village,
        "household": household,
        "laborer": laborer,
        "worker": worker,
        "employer": employer,
        "workshop": workshop,
        "opening": opening,
        "welfare": welfare,
        "employment": employment,
        "referral": referral,
        "alert": db.session.scalars(db.select(Alert).where(Alert.village_id == b_village.id)).one(),
        "code": code,
        "job": job,
    }


def build_county_a_extras(county: dict) -> dict:
    """County A's own posts and a laborer willing to travel, so that matches are not empty."""
    a_laborer = county["east"][0]
    people.save_laborer({"willingness": "province", "skills": ["缝纫"]}, a_laborer)
    employer = posts.save_employer({"name": "横峰服装厂", "kind": "enterprise", "region_code": factories.VILLAGE_CODE})
    opening = posts.save_opening(
        {
            "code": "GWHF01",
            "kind": "enterprise",
            "title": "横峰缝纫工",
            "employer_id": employer.id,
            "region_code": factories.VILLAGE_CODE,
            "required_skills": ["缝纫"],
            "headcount": 5,
        }
    )
    workshop_opening = posts.save_opening(
        {
            "code": "GWHF02",
            "kind": "workshop",
            "title": "城西车间缝纫工",
            "workshop_id": county["workshop"].id,
            "region_code": factories.OTHER_VILLAGE_CODE,
            "headcount": 3,
        }
    )
    referral = placements.create_referral({"laborer_id": a_laborer.id, "opening_id": opening.id})
    code = codes.ensure_code(county["west"]).code
    return {
        "laborer": a_laborer,
        "employer": employer,
        "opening": opening,
        "workshop_opening": workshop_opening,
        "referral": referral,
        "code": code,
    }


@pytest.fixture
def two_counties(county) -> dict:
    extras = build_county_a_extras(county)
    return {"a": county | extras, "b": build_county_b(county)}


def body_text(response) -> str:
    """What a user could read in an answer: its text, or every cell of a workbook."""
    data = response.get_data()
    if data[:2] == b"PK":
        workbook = load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join(
            str(value)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
    if response.mimetype in ("application/pdf", "image/png"):
        return ""
    return data.decode("utf-8", errors="replace")


def traces_of_b(text: str) -> list[str]:
    return [marker for marker in B_MARKERS if marker in text]

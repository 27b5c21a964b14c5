"""Small helpers that make valid rows with one call."""

from __future__ import annotations

from datetime import date

from stdnum.cn import ric

from jobmatch.people import service as people
from jobmatch.people.models import Household, Laborer, Region

COUNTY_CODE = "361125000000"
TOWNSHIP_CODE = "361125100000"
VILLAGE_CODE = "361125100201"
OTHER_VILLAGE_CODE = "361125100202"


def id_number(birth: date, sequence: int = 1, area: str = "362325") -> str:
    """A valid resident ID number for a birth date (odd sequence: male, even: female)."""
    body = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


def years_ago(years: int, today: date | None = None) -> date:
    today = today or date.today()
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def region_tree() -> dict[str, Region]:
    """A county with one township and two villages, with coordinates."""
    county = people.save_region(
        {"code": COUNTY_CODE, "name": "横峰县", "level": "county", "latitude": 28.41, "longitude": 117.60}
    )
    township = people.save_region(
        {
            "code": TOWNSHIP_CODE,
            "name": "岑阳镇",
            "level": "township",
            "parent_code": COUNTY_CODE,
            "latitude": 28.42,
            "longitude": 117.61,
        }
    )
    village = people.save_region(
        {
            "code": VILLAGE_CODE,
            "name": "城东村",
            "level": "village",
            "parent_code": TOWNSHIP_CODE,
            "latitude": 28.43,
            "longitude": 117.62,
        }
    )
    other = people.save_region(
        {
            "code": OTHER_VILLAGE_CODE,
            "name": "城西村",
            "level": "village",
            "parent_code": TOWNSHIP_CODE,
            "latitude": 28.40,
            "longitude": 117.58,
        }
    )
    return {"county": county, "township": township, "village": village, "other": other}


def household(code: str = "3611251002010001", village_code: str = VILLAGE_CODE, **kw) -> Household:
    return people.save_household({"code": code, "village_code": village_code, "category": "out_of_poverty"} | kw)


def laborer_data(household_code: str = "3611251002010001", age: int = 45, sequence: int = 2, **kw) -> dict:
    return {
        "name": "王秀英",
        "id_number": id_number(years_ago(age), sequence),
        "household_code": household_code,
        "phone": "13812345678",
        "skills": ["会踩缝纫机", "养猪"],
        "labor_capacity": "normal",
        "willingness": "county",
    } | kw


def laborer(**kw) -> Laborer:
    return people.save_laborer(laborer_data(**kw))

"""Resident ID numbers (身份证号, GB 11643): checks that real rosters pass.

An ID number keeps the area code of the place and time it was *first issued*, not of the
birth date: Hengfeng county's code became 361125 in 2000 (before: 362325), so a person born
in 1975 who first registered after 2000 carries 361125 beside a 1975 birth date, and one who
registered before carries 362325 for life. python-stdnum's `cn.ric.validate` refuses the first
(it ties the area code to the birth year). Here an area code is valid if it exists or ever
existed in the dated division table that python-stdnum ships (`stdnum/cn/loc.dat`), whatever
the birth date; the check digit and the birth date are checked as before.

No Flask, no database: the people service turns the errors into field errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

from jobmatch.vocab import Sex

__all__ = [
    "InvalidChecksum",
    "InvalidFormat",
    "InvalidLength",
    "UnknownArea",
    "InvalidBirthDate",
    "IdNumber",
    "parse",
    "area_names",
    "area_in_county",
]


class UnknownArea(InvalidComponent):
    """The first six digits are not a division code that exists or existed."""


class InvalidBirthDate(InvalidComponent):
    """Digits 7–14 are not a calendar date."""


@dataclass(frozen=True)
class IdNumber:
    number: str
    birth_date: date
    sex: Sex
    area_code: str


# "[2000-]横峰县", "[-2000]横峰县", "[1983-2001]郊区,[2002-]青山湖区", "东城区"
_DATED_NAME = re.compile(r"^(?:\[(?P<start>\d*)-(?P<end>\d*)\])?(?P<name>.+)$")
# A county that becomes a district or a city keeps its place: 新建县 (360122) → 新建区 (360112).
_KIND_SUFFIXES = ("自治县", "自治旗", "县", "市", "区", "旗", "地区")


@lru_cache(maxsize=8192)
def area_names(area_code: str) -> frozenset[str]:
    """Every name the division with this 6-digit code has had (empty: the code never existed)."""
    if len(area_code) != 6 or not area_code.isdigit():
        return frozenset()
    info = numdb.get("cn/loc").info(area_code)
    names: set[str] = set()
    for _part, props in info:
        for entry in props.get("county", "").split(","):
            match = _DATED_NAME.match(entry.strip())
            if match:
                names.add(match.group("name"))
    return frozenset(names)


def _stem(name: str) -> str:
    for suffix in _KIND_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def area_in_county(area_code: str, county_code: str) -> bool:
    """Whether an ID number's area code is (or was) the county with this division code.

    True for the county's own code and for any earlier code of the same place in the same
    province (362325 and 361125 are both Hengfeng); False for another place.
    """
    area, county = area_code[:6], county_code[:6]
    if area == county:
        return True
    if area[:2] != county[:2]:
        return False
    ours = {_stem(n) for n in area_names(county)}
    return bool(ours & {_stem(n) for n in area_names(area)})


def parse(raw: str) -> IdNumber:
    """Check an 18-character ID number; raise a stdnum ValidationError subclass if it is wrong."""
    number = ric.compact(raw)
    if len(number) != 18:
        raise InvalidLength()
    if not number[:-1].isdigit():
        raise InvalidFormat()
    if number[-1] != ric.calc_check_digit(number):
        raise InvalidChecksum()
    try:
        birth = ric.get_birth_date(number)
    except InvalidComponent as exc:
        raise InvalidBirthDate() from exc
    if not area_names(number[:6]):
        raise UnknownArea()
    sex = Sex.male if int(number[16]) % 2 else Sex.female
    return IdNumber(number=number, birth_date=birth, sex=sex, area_code=number[:6])

"""Rules for regions, households and laborers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from jobmatch import crud, idnumbers, text
from jobmatch.accounts import audit
from jobmatch.accounts.scope import restrict
from jobmatch.crypto import blind_index
from jobmatch.errors import Collector, Conflict, FieldError
from jobmatch.extensions import db
from jobmatch.fields import clean_phone, clean_text, copy_plain
from jobmatch.geo import DIVISION_CODE, check_coordinates, division_prefix
from jobmatch.matches.codes import laborer_skill_codes
from jobmatch.people.models import Household, Laborer, Region
from jobmatch.vocab import RegionLevel, Sex

WORKING_AGE_MIN = 16
WORKING_AGE_MAX = 75

PARENT_LEVEL = {RegionLevel.township: RegionLevel.county, RegionLevel.village: RegionLevel.township}


def age_on(birth_date: date, day: date) -> int:
    """Whole years of age on a day."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


# --- regions -----------------------------------------------------------------


def region_by_code(code: str, scoped: bool = False) -> Region | None:
    """A region by its code; scoped=True looks only inside what the current user may see."""
    query = sa.select(Region).where(Region.code == code)
    if scoped:
        query = restrict(query, Region)
    return db.session.execute(query).scalar_one_or_none()


def resolve_region(data: dict, errors: Collector, key: str, *, level: RegionLevel | None = None) -> Region | None:
    """Look up a division code given in `key`; unknown codes are field errors."""
    code = text.normalize_digits(str(data[key]))
    region = region_by_code(code, scoped=True) if DIVISION_CODE.match(code) else None
    if region is None:
        errors.add(key, "unknown_region", f"区划代码 {code} 不存在", f"no region with code {code}")
        return None
    if level is not None and region.level != level:
        errors.add(
            key,
            "wrong_level",
            f"{code} 不是{ {'village': '行政村', 'township': '乡镇', 'county': '县'}[level] }",
            f"{code} is not a {level.value}",
        )
        return None
    return region


def _clean_region(data: dict, errors: Collector, obj: Region | None) -> dict:
    out: dict = {}
    if "code" in data:
        code = text.normalize_digits(str(data["code"]))
        if not DIVISION_CODE.match(code):
            errors.add("code", "invalid_code", "区划代码须为 12 位数字", "division code must be 12 digits")
        else:
            out["code"] = code
    clean_text(data, errors, "name", out, max_length=64)
    copy_plain(data, out, "level", "latitude", "longitude")
    if data.get("parent_code"):
        parent = resolve_region(data, errors, "parent_code")
        if parent is not None:
            out["parent_id"] = parent.id
    return out


def _check_region(state: dict, errors: Collector, obj: Region | None) -> None:
    parent = db.session.get(Region, state["parent_id"]) if state.get("parent_id") else None
    level = state.get("level")
    if level in PARENT_LEVEL:
        if parent is None:
            errors.add("parent_code", "required", "乡镇和村须填写上级区划", "townships and villages need a parent")
        elif parent.level != PARENT_LEVEL[level]:
            errors.add(
                "parent_code", "wrong_level", "上级区划层级不对", f"a {level} must sit in a {PARENT_LEVEL[level]}"
            )
        elif state.get("code") and not state["code"].startswith(division_prefix(parent.code)):
            errors.add("code", "outside_parent", "区划代码与上级不符", "code does not lie inside the parent's code")
    elif level == RegionLevel.county and parent is not None:
        errors.add("parent_code", "not_allowed", "县级区划没有上级", "a county has no parent here")
    check_coordinates(errors, state.get("latitude"), state.get("longitude"))
    if state.get("code") and (obj is None or obj.code != state["code"]) and region_by_code(state["code"]):
        raise Conflict([FieldError("code", "duplicate", "区划代码已存在", "a region with this code exists")])


def save_region(data: dict, obj: Region | None = None) -> Region:
    return crud.save(Region, obj, data, _clean_region, _check_region, ("code", "name", "level"))


# --- look-ups made ahead for a batch of rows ------------------------------------


@dataclass
class Prefetched:
    """Answers to the rules' look-ups, fetched for a whole batch of rows at once (roster imports).

    Each map answers exactly the keys it holds, with what a query would have returned at the
    batch's start (None: no such record); any other key is still queried. The rules stay the
    same, only where their answers come from changes.
    """

    households: dict[str, Household | None] = field(default_factory=dict)
    households_in_scope: dict[str, Household | None] = field(default_factory=dict)
    # By the ID number's blind index.
    laborers: dict[str, Laborer | None] = field(default_factory=dict)


_prefetched: ContextVar[Prefetched | None] = ContextVar("prefetched", default=None)


@contextmanager
def prefetched(answers: Prefetched) -> Iterator[None]:
    """Let the rules use `answers` instead of one query per row, inside the block."""
    token = _prefetched.set(answers)
    try:
        yield
    finally:
        _prefetched.reset(token)


def prefetch_households(codes: set[str], prefetch: Prefetched) -> None:
    """Households by code, in and out of the current scope (two queries)."""
    for scoped, answers in ((False, prefetch.households), (True, prefetch.households_in_scope)):
        query = sa.select(Household).where(Household.code.in_(codes))
        if scoped:
            query = restrict(query, Household)
        answers.update(dict.fromkeys(codes))
        answers.update({h.code: h for h in db.session.execute(query).scalars()})


def prefetch_laborers(numbers: set[str], prefetch: Prefetched) -> dict[str, Laborer]:
    """Laborers by ID number (one query by blind index); returns those found, by the number as given."""
    by_index = {blind_index(n): n for n in numbers}
    found = {
        lab.id_number_index: lab
        for lab in db.session.execute(sa.select(Laborer).where(Laborer.id_number_index.in_(by_index))).scalars()
    }
    prefetch.laborers.update({index: found.get(index) for index in by_index})
    return {by_index[index]: lab for index, lab in found.items()}


# --- households -------------------------------------------------------------


def household_by_code(code: str, scoped: bool = False) -> Household | None:
    answers = _prefetched.get()
    if answers is not None:
        known = answers.households_in_scope if scoped else answers.households
        if code in known:
            return known[code]
    query = sa.select(Household).where(Household.code == code)
    if scoped:
        query = restrict(query, Household)
    return db.session.execute(query).scalar_one_or_none()


def _clean_household(data: dict, errors: Collector, obj: Household | None) -> dict:
    out: dict = {}
    if "code" in data:
        code = text.normalize_digits(str(data["code"] or ""))
        if not code:
            errors.add("code", "required", "户编号不能为空", "household code must not be blank")
        elif len(code) > 32:
            errors.add("code", "too_long", "户编号不能超过 32 位", "household code must be at most 32 characters")
        else:
            out["code"] = code
    if "village_code" in data:
        village = resolve_region(data, errors, "village_code", level=RegionLevel.village)
        if village is not None:
            out["village_id"] = village.id
    clean_text(data, errors, "head_name", out, max_length=64, optional=True)
    copy_plain(data, out, "category", "risk_level")
    return out


def _check_household(state: dict, errors: Collector, obj: Household | None) -> None:
    if state.get("code") and (obj is None or obj.code != state["code"]) and household_by_code(state["code"]):
        raise Conflict([FieldError("code", "duplicate", "户编号已存在", "a household with this code exists")])


def save_household(
    data: dict, obj: Household | None = None, *, commit: bool = True, deferred: list | None = None
) -> Household:
    return crud.save(
        Household,
        obj,
        data,
        _clean_household,
        _check_household,
        ("code", "village_code", "category"),
        commit=commit,
        deferred=deferred,
    )


# --- laborers -----------------------------------------------------------------


def parse_id_number(raw: str, errors: Collector, today: date | None = None) -> tuple[str, date, Sex] | None:
    """Validate a resident ID number; return it with the birth date and sex it encodes.

    Any area code that exists or existed is accepted whatever the birth date (see jobmatch.idnumbers).
    """
    today = today or date.today()
    try:
        parsed = idnumbers.parse(text.normalize_digits(str(raw)))
    except idnumbers.InvalidLength:
        errors.add("id_number", "invalid_length", "身份证号应为 18 位", "ID number must have 18 characters")
        return None
    except idnumbers.InvalidFormat:
        errors.add("id_number", "invalid_format", "身份证号前 17 位须为数字", "the first 17 characters must be digits")
        return None
    except idnumbers.InvalidChecksum:
        errors.add("id_number", "invalid_checksum", "身份证号校验位错误，请核对", "ID number check digit is wrong")
        return None
    except idnumbers.InvalidBirthDate:
        errors.add("id_number", "invalid_birth_date", "身份证号中的出生日期无效", "the birth date is not a date")
        return None
    except idnumbers.UnknownArea:
        errors.add(
            "id_number",
            "unknown_area",
            "身份证号前 6 位不是现有或曾有的行政区划代码",
            "the first 6 digits are not a division code that exists or existed",
        )
        return None
    number, birth = parsed.number, parsed.birth_date
    if birth > today:
        errors.add(
            "id_number",
            "future_birth_date",
            "身份证号中的出生日期在未来",
            "birth date in the ID number lies in the future",
        )
        return None
    age = age_on(birth, today)
    if not WORKING_AGE_MIN <= age <= WORKING_AGE_MAX:
        errors.add(
            "id_number",
            "outside_working_age",
            f"年龄 {age} 岁，不在劳动年龄 {WORKING_AGE_MIN}–{WORKING_AGE_MAX} 岁之内",
            f"age {age} is outside working age {WORKING_AGE_MIN}–{WORKING_AGE_MAX}",
        )
        return None
    return number, birth, parsed.sex


def laborer_by_id_number(number: str) -> Laborer | None:
    index = blind_index(number)
    answers = _prefetched.get()
    if answers is not None and index in answers.laborers:
        return answers.laborers[index]
    return db.session.execute(sa.select(Laborer).where(Laborer.id_number_index == index)).scalar_one_or_none()


def laborer_notices(laborer: Laborer) -> list[FieldError]:
    """What a cadre should check but may keep: an ID number issued outside the laborer's county."""
    village = laborer.household.village if laborer.household is not None else None
    return id_number_notices(laborer.id_number, village.code if village is not None else None)


def id_number_notices(number: str | None, village_code: str | None) -> list[FieldError]:
    """An ID number issued outside the county of the village: a notice, never a refusal.

    People move and marry across counties; an earlier code of the same county (362325 for Hengfeng,
    now 361125) is not outside it.
    """
    if not number or village_code is None or idnumbers.area_in_county(number[:6], village_code[:6]):
        return []
    return [
        FieldError(
            "id_number",
            "area_outside_county",
            "身份证号的地区码不属于本县，请核对是否外县迁入",
            "the ID number was issued outside this county: check whether the person moved in",
        )
    ]


def _clean_laborer(data: dict, errors: Collector, obj: Laborer | None) -> dict:
    out: dict = {}
    clean_text(data, errors, "name", out, max_length=64)
    clean_text(data, errors, "relation_to_head", out, max_length=16, optional=True)
    clean_text(data, errors, "health_note", out, max_length=500, optional=True)
    if "id_number" in data:
        parsed = parse_id_number(data["id_number"] or "", errors)
        if parsed:
            out["id_number"], out["birth_date"], out["sex"] = parsed
    if "household_code" in data:
        household = household_by_code(text.normalize_digits(str(data["household_code"])), scoped=True)
        if household is None:
            errors.add("household_code", "unknown_household", "户编号不存在", "no household with this code")
        else:
            out["household_id"] = household.id
    clean_phone(data, errors, "phone", out)
    if "skills" in data:
        raw = text.split_skills(data["skills"])
        out["skills_raw"] = raw
        out["skills"] = text.normalize_skills(raw)
        out["skill_codes"] = laborer_skill_codes(raw)
    copy_plain(
        data,
        out,
        "labor_capacity",
        "willingness",
        "employment_status",
        "needs_flexible_hours",
        "home_based_only",
        "latitude",
        "longitude",
        "registered_on",
    )
    return out


def _check_laborer(state: dict, errors: Collector, obj: Laborer | None) -> None:
    check_coordinates(errors, state.get("latitude"), state.get("longitude"))
    if state.get("registered_on") and state["registered_on"] > date.today():
        errors.add("registered_on", "in_future", "登记日期不能在未来", "registration date cannot be in the future")
    number = state.get("id_number")
    if number and not errors.has("id_number") and (obj is None or obj.id_number != number):
        existing = laborer_by_id_number(number)
        if existing is not None:
            raise Conflict(
                [FieldError("id_number", "duplicate", "该身份证号已登记", "a laborer with this ID number exists")],
                "Duplicate laborer",
                "劳动力重复登记",
            )


def save_laborer(
    data: dict, obj: Laborer | None = None, *, commit: bool = True, deferred: list | None = None
) -> Laborer:
    return crud.save(
        Laborer,
        obj,
        data,
        _clean_laborer,
        _check_laborer,
        ("name", "id_number", "household_code", "labor_capacity", "willingness"),
        commit=commit,
        deferred=deferred,
    )


def reveal_laborer(laborer: Laborer) -> Laborer:
    """Record that the current user saw this laborer's full personal data, then return it."""
    audit.record("reveal", "laborers", laborer.id, {"fields": ["id_number", "phone", "health_note"]})
    db.session.commit()
    return laborer

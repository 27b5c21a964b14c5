"""Rules for employers and openings (SPEC §4)."""

from __future__ import annotations

import secrets
from contextlib import nullcontext
from datetime import date
from functools import partial

import sqlalchemy as sa
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError

from jobmatch import crud, text
from jobmatch.accounts.scope import county_of, current_scope, restrict
from jobmatch.errors import Collector, Conflict, FieldError, Problem, ValidationFailed
from jobmatch.extensions import db
from jobmatch.fields import clean_phone, clean_text, copy_plain, require_positive
from jobmatch.geo import check_coordinates
from jobmatch.matches.codes import opening_skill_codes
from jobmatch.people.models import Region
from jobmatch.people.service import WORKING_AGE_MAX, WORKING_AGE_MIN, region_by_code, resolve_region
from jobmatch.placements.models import Employment
from jobmatch.posts.models import Employer, Opening
from jobmatch.vocab import OpeningKind, OpeningStatus, RegionLevel
from workshops.models import Workshop

# Public-welfare posts take laborers up to 60, extendable per post to 65 (SPEC §5.1).
PUBLIC_WELFARE_AGE_MAX_DEFAULT = 60
PUBLIC_WELFARE_AGE_MAX_EXTENDED = 65
OPENING_CODE_MAX_LENGTH = 32
# How the errors of an employer registered with its first post are named, beside the post's own.
NEW_EMPLOYER = "employer."


def _clean_employer(data: dict, errors: Collector, obj: Employer | None) -> dict:
    out: dict = {}
    clean_text(data, errors, "name", out, max_length=128)
    clean_text(data, errors, "address", out, max_length=255, optional=True)
    clean_text(data, errors, "contact_name", out, max_length=64, optional=True)
    clean_phone(data, errors, "contact_phone", out)
    copy_plain(data, out, "kind")
    if data.get("credit_code"):
        try:
            out["credit_code"] = uscc.validate(text.normalize_digits(data["credit_code"]))
        except StdnumError:
            errors.add(
                "credit_code",
                "invalid_credit_code",
                "统一社会信用代码无效",
                "unified social credit code is not valid",
            )
    elif "credit_code" in data:
        out["credit_code"] = None
    _clean_site_and_county(data, errors, obj, out)
    return out


def _clean_site_and_county(data: dict, errors: Collector, obj, out: dict) -> None:
    """The site's region, and the county bureau that owns the record (from the site or the user)."""
    region = None
    if "region_code" in data:
        out["region_id"] = None
        if data["region_code"]:
            region = resolve_region(data, errors, "region_code")
            if region is not None:
                out["region_id"] = region.id
    if data.get("county_code"):
        county = resolve_region(data, errors, "county_code", level=RegionLevel.county)
        if county is not None:
            out["county_id"] = county.id
    elif region is not None:
        county = county_of(region)
        out["county_id"] = county.id if county else None
    elif obj is None:
        counties = current_scope().county_ids
        if len(counties) == 1:
            out["county_id"] = next(iter(counties))
        elif not errors.has("region_code"):
            errors.add(
                "county_code",
                "required",
                "请填写所属县的区划代码",
                "give county_code: the county bureau this record belongs to",
            )


def _check_employer(state: dict, errors: Collector, obj: Employer | None) -> None:
    """Employers have no rules across fields; the credit code is unique in the table."""


def save_employer(
    data: dict, obj: Employer | None = None, *, commit: bool = True, deferred: list | None = None
) -> Employer:
    return crud.save(
        Employer, obj, data, _clean_employer, _check_employer, ("name", "kind"), commit=commit, deferred=deferred
    )


def new_opening_code() -> str:
    """A post code for an opening posted without one: GW and 10 upper-case hex digits (40 random bits)."""
    return f"GW{secrets.token_hex(5).upper()}"


def opening_by_code(code: str) -> Opening | None:
    return db.session.execute(sa.select(Opening).where(Opening.code == code)).scalar_one_or_none()


def _clean_opening(data: dict, errors: Collector, obj: Opening | None) -> dict:
    out: dict = {}
    if "code" in data:
        # Written as households' codes are: full-width folded, spaces and hyphens dropped, upper case.
        code = text.normalize_digits(str(data["code"] or ""))
        if not code:
            errors.add("code", "required", "岗位编号不能为空", "the post code must not be blank")
        elif len(code) > OPENING_CODE_MAX_LENGTH:
            errors.add(
                "code",
                "too_long",
                f"岗位编号不能超过 {OPENING_CODE_MAX_LENGTH} 位",
                f"the post code must be at most {OPENING_CODE_MAX_LENGTH} characters",
            )
        else:
            out["code"] = code
    clean_text(data, errors, "title", out, max_length=128)
    clean_text(data, errors, "site_name", out, max_length=128, optional=True)
    clean_text(data, errors, "description", out, max_length=4000, optional=True)
    copy_plain(
        data,
        out,
        "kind",
        "latitude",
        "longitude",
        "age_min",
        "age_max",
        "headcount",
        "wage_min",
        "wage_max",
        "wage_unit",
        "working_pattern",
        "physical_intensity",
        "shuttle",
        "organised_transfer",
        "accommodation",
        "deadline",
        "status",
    )
    if "required_skills" in data:
        raw = text.split_skills(data["required_skills"])
        out["required_skills_raw"] = raw
        out["required_skills"] = text.normalize_skills(raw)
        out["required_skill_codes"] = opening_skill_codes(out["required_skills"])
    _clean_site_and_county(data, errors, obj, out)
    for key, model, zh in (("employer_id", Employer, "用工主体"), ("workshop_id", Workshop, "帮扶车间")):
        if data.get(key) is not None:
            if db.session.execute(restrict(sa.select(model.id).where(model.id == data[key]), model)).first() is None:
                errors.add(key, "not_found", f"{zh}不存在", f"no such {key.removesuffix('_id')}")
            else:
                out[key] = data[key]
        elif key in data:
            out[key] = None
    if "remaining_headcount" in data:
        errors.add(
            "remaining_headcount",
            "read_only",
            "剩余名额由系统计算（招聘人数减去在岗人数），不能直接填写；请修改招聘人数",
            "remaining places are computed (headcount less the people hired now) and cannot be set; change headcount",
        )
    return out


def hold_places(opening: Opening) -> int:
    """Hold the opening's row until commit and count the people it employs now (its places taken).

    The row is held first (an UPDATE: SQLite's write lock, PostgreSQL's row lock), so no hire can take a place
    between the count and the write of the new headcount; a hire waits on the same row (placements/service.py).
    """
    db.session.execute(
        sa.update(Opening)
        .where(Opening.id == opening.id)
        .values(headcount=Opening.headcount, updated_at=Opening.updated_at)
        .execution_options(synchronize_session=False)
    )
    return db.session.execute(
        sa.select(sa.func.count())
        .select_from(Employment)
        .where(Employment.opening_id == opening.id, Employment.end_date.is_(None))
    ).scalar_one()


def _check_opening(state: dict, errors: Collector, obj: Opening | None, hired: int | None = None) -> dict:
    """The rules across fields; `hired` (the people employed now) is given when the headcount is set or changed."""
    code = state.get("code")
    if code and (obj is None or obj.code != code) and opening_by_code(code) is not None:
        raise Conflict([FieldError("code", "duplicate", "岗位编号已存在", "an opening with this post code exists")])
    kind = state.get("kind")
    if kind == OpeningKind.workshop and not state.get("workshop_id"):
        errors.add("workshop_id", "required", "车间岗位须指定帮扶车间", "a workshop post needs its workshop")
    if kind == OpeningKind.enterprise and not state.get("employer_id"):
        errors.add("employer_id", "required", "企业岗位须指定用工主体", "an enterprise vacancy needs its employer")

    age_min, age_max = state.get("age_min"), state.get("age_max")
    if age_min is not None and age_min < WORKING_AGE_MIN:
        errors.add(
            "age_min",
            "out_of_range",
            f"最低年龄不能小于 {WORKING_AGE_MIN}",
            f"age_min must be at least {WORKING_AGE_MIN}",
        )
    limit = PUBLIC_WELFARE_AGE_MAX_EXTENDED if kind == OpeningKind.public_welfare else WORKING_AGE_MAX
    if age_max is not None and age_max > limit:
        errors.add("age_max", "out_of_range", f"最高年龄不能大于 {limit}", f"age_max must be at most {limit}")
    if age_min is not None and age_max is not None and age_max < age_min:
        errors.add("age_max", "range_reversed", "最高年龄不能小于最低年龄", "age_max must not be below age_min")

    derived: dict = {}
    require_positive(state, errors, "headcount")
    headcount = state.get("headcount")
    if hired is not None and isinstance(headcount, int) and not errors.has("headcount"):
        if headcount < hired:
            errors.add(
                "headcount",
                "below_hired",
                f"招聘人数不能少于目前在岗的 {hired} 人",
                f"headcount cannot be below the {hired} people employed in this post now",
            )
        else:
            # Places left are derived, never written by a client: the headcount less the people hired now.
            derived["remaining_headcount"] = headcount - hired

    wage_min, wage_max = state.get("wage_min"), state.get("wage_max")
    if wage_min is not None and wage_min < 0:
        errors.add("wage_min", "out_of_range", "工资不能为负", "wage cannot be negative")
    if wage_min is not None and wage_max is not None and wage_max < wage_min:
        errors.add("wage_max", "range_reversed", "最高工资不能低于最低工资", "wage_max must not be below wage_min")

    deadline = state.get("deadline")
    if obj is None and deadline is not None and deadline < date.today():
        errors.add("deadline", "in_past", "截止日期已过", "the deadline has already passed")

    # The site: coordinates given, or taken from the region.
    check_coordinates(errors, state.get("latitude"), state.get("longitude"))
    if state.get("latitude") is None and not errors.has("latitude") and not errors.has("longitude"):
        region = db.session.get(Region, state["region_id"]) if state.get("region_id") else None
        if region is not None and region.latitude is not None:
            derived |= {"latitude": region.latitude, "longitude": region.longitude}
        elif region is not None:
            errors.add(
                "latitude",
                "coordinates_required",
                "所选地点还没有存坐标，请填写经纬度",
                "the chosen region has no coordinates yet: give latitude and longitude",
            )
        elif state.get("site_name") and not errors.has("region_code"):
            # A named place outside the county: no village to take its position from.
            errors.add(
                "latitude",
                "coordinates_required",
                "不在村里的工作地点须填写经纬度",
                "a site outside the villages needs its latitude and longitude",
            )
        elif not errors.has("region_code"):
            errors.add(
                "region_code",
                "site_required",
                "请填写工作地点：区划代码或经纬度",
                "give the site: a region code or coordinates",
            )
    return derived


def save_opening(
    data: dict, obj: Opening | None = None, *, commit: bool = True, deferred: list | None = None
) -> Opening:
    defaults = {}
    if obj is None and data.get("kind") == OpeningKind.public_welfare and "age_max" not in data:
        defaults["age_max"] = PUBLIC_WELFARE_AGE_MAX_DEFAULT
    if obj is None and not data.get("code"):
        defaults["code"] = new_opening_code()
    # A new headcount is judged against the people hired now, counted while the row is held.
    hired = 0 if obj is None else None
    if obj is not None and data.get("headcount") not in (None, obj.headcount):
        hired = hold_places(obj)
    return crud.save(
        Opening,
        obj,
        data,
        _clean_opening,
        partial(_check_opening, hired=hired),
        ("kind", "title", "headcount"),
        defaults,
        commit=commit,
        deferred=deferred,
    )


def _county_code_of_site(data: dict) -> str | None:
    """The county of an opening's site: the one given, or the county its region lies in (None: the user's)."""
    if data.get("county_code"):
        return data["county_code"]
    code = text.normalize_digits(str(data.get("region_code") or ""))
    region = region_by_code(code, scoped=True) if code else None
    county = county_of(region) if region is not None else None
    return county.code if county is not None else None


def _named_in_scope(name: str) -> bool:
    query = restrict(sa.select(Employer.id).where(Employer.name == name), Employer).limit(1)
    return db.session.execute(query).first() is not None


def save_opening_with_new_employer(data: dict, employer: dict, obj: Opening | None = None) -> Opening:
    """Register an employer and save the opening it posts, in one transaction: both are written or neither.

    The employer belongs to the county of the opening's site (else the user's). Every error of the two comes
    back at once, the employer's named `employer.<field>`. A name already in scope is refused: the post
    belongs to that employer, not to a second copy of it.
    """
    errors: list[FieldError] = []
    name = text.normalize(employer.get("name"))
    if name and _named_in_scope(name):
        errors.append(
            FieldError(
                f"{NEW_EMPLOYER}name",
                "duplicate",
                "已有同名的用工主体，请从列表中选择",
                "an employer of this name exists: pick it from the list",
            )
        )
    county = _county_code_of_site(data)
    if county and not employer.get("county_code"):
        employer = employer | {"county_code": county}
    made: Employer | None = None
    try:
        try:
            # Once something is wrong, the rest is only checked: nothing is written.
            with crud.checking() if errors else nullcontext():
                made = save_employer(employer, commit=False)
        except ValidationFailed as problem:
            errors += [FieldError(f"{NEW_EMPLOYER}{e.field}", e.code, e.zh, e.en) for e in problem.errors]
        try:
            with crud.checking() if errors else nullcontext():
                saved = save_opening(data | {"employer_id": made.id if made else None}, obj, commit=False)
        except ValidationFailed as problem:
            # Without its employer the post would be told it needs one: the employer's own errors say why.
            errors += [e for e in problem.errors if made is not None or e.field != "employer_id"]
        if errors:
            raise ValidationFailed(errors)
    except Problem:
        db.session.rollback()
        raise
    db.session.commit()
    return saved


def open_duplicates(data: dict, obj: Opening | None = None) -> list[Opening]:
    """Open posts in scope that look the same as `data`: same employer (or workshop), title and site.

    The site is the village when one is given, otherwise the site name. A warning before saving, not a rule:
    a bureau may post the same work twice on purpose (a second shift, a second intake).
    """
    title = text.normalize_optional(data.get("title") or "")
    if not title:
        return []
    query = restrict(sa.select(Opening), Opening).where(
        Opening.status == OpeningStatus.open, Opening.title == title, Opening.kind == data.get("kind")
    )
    if obj is not None:
        query = query.where(Opening.id != obj.id)
    for column, key in ((Opening.employer_id, "employer_id"), (Opening.workshop_id, "workshop_id")):
        value = data.get(key)
        query = query.where(column.is_(None) if value is None else column == value)
    if data.get("region_code"):
        village = sa.select(Region.id).where(Region.code == data["region_code"]).scalar_subquery()
        query = query.where(Opening.region_id == village)
    else:
        site_name = text.normalize_optional(data.get("site_name") or "")
        query = query.where(Opening.region_id.is_(None), Opening.site_name == site_name)
    return list(db.session.execute(query.order_by(Opening.id).limit(5)).scalars())

"""Match queries for the API and pages: the engine's answer, turned into explained results."""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any, NamedTuple

import numpy as np
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from jobmatch.accounts.scope import current_scope, restrict
from jobmatch.extensions import db
from jobmatch.matches.index import OPEN_REFERRAL_STATES, index, wage_per_month
from jobmatch.matching import catalogue as cat
from jobmatch.matching import engine, ranker, rules
from jobmatch.matching import skills as skill_engine
from jobmatch.matching.features import FEATURE_NAMES
from jobmatch.ops import metrics
from jobmatch.people.models import Laborer, Region
from jobmatch.placements.models import Employment, Referral
from jobmatch.posts.models import Opening
from jobmatch.prepared import Prepared, in_list

MAX_LIMIT = 50
# How a post the laborer already holds or is referred to is marked (not offered again as a new match).
MARK_WORDS = {
    "held": ("本人现在就在这个岗位工作", "the laborer works in this post now"),
    "referred": ("已推荐到这个岗位，尚未有结果", "already referred to this post, no outcome yet"),
}
_COLUMN = {name: i for i, name in enumerate(FEATURE_NAMES)}
# A short list: fewer results than asked for, or fewer than this when the laborer asked for more.
SHORT_LIST = 3
WAGE_UNIT_ZH = {"month": "月", "day": "日", "piece": "件"}
WAGE_UNIT_EN = {"month": "month", "day": "day", "piece": "piece"}


def models_dir() -> Path:
    return Path(current_app.config["MODELS_DIR"])


def serving_model() -> ranker.Model:
    """The promoted ranker, loaded once per process and reloaded when another is promoted.

    The serving file is read again only when its modification time changes (a stat per match).
    """
    directory = models_dir()
    try:
        seen = (directory / ranker.SERVING_FILE).stat()
        stamp = (seen.st_mtime_ns, seen.st_size)
    except FileNotFoundError:
        stamp = None
    cache = current_app.extensions.setdefault("ranker_cache", {})
    if "model" in cache and cache.get("stamp") == stamp:
        return cache["model"]
    version = ranker.serving_state(directory)["serving"] or ranker.PRIOR_VERSION
    if cache.get("version") != version:
        cache["model"] = ranker.serving_model(directory)
        cache["version"] = version
        metrics.ranker_serving(cache["model"].version)
    cache["stamp"] = stamp
    return cache["model"]


# --- the caller's scope, as a mask over the engine's candidate rows -----------------------------------


def visible_openings(catalogue: cat.Catalogue) -> engine.Visible | None:
    """The catalogue's opening rows the current user may see (None: every row).

    scope.condition(Opening) read from the index's own columns (the post's county bureau, its workshop),
    no query: a manager sees their workshop's posts, anyone else their counties' (tests/matches compare).
    """
    scope = current_scope()
    if scope.everything:
        return None
    t = catalogue.openings.table
    if scope.workshop_ids:
        workshops = np.fromiter(scope.workshop_ids, dtype=np.int64)
        return lambda rows: np.isin(t.workshop[rows], workshops)
    counties = np.fromiter(scope.county_ids, dtype=np.int64)
    return lambda rows: np.isin(t.owner[rows], counties)


def visible_laborers(catalogue: cat.Catalogue) -> engine.Visible | None:
    """The catalogue's laborer rows the current user may see (None: every row)."""
    scope = current_scope()
    if scope.everything:
        return None
    t = catalogue.laborers.table
    if not scope.village_ids and not scope.workshop_ids:
        # A bureau: its counties' laborers, whose villages' codes begin with the county's 6 digits.
        counties = np.array([int(p) for p in scope.county_prefixes], dtype=np.int32)
        return lambda rows: np.isin(t.county[rows], counties)
    ids = np.fromiter(db.session.scalars(restrict(sa.select(Laborer.id), Laborer)), dtype=np.int64)
    return lambda rows: np.isin(t.id[rows], ids)


# --- laborer → openings ------------------------------------------------------------------------------


def laborer_query(laborer: Laborer | Asking, catalogue: cat.Catalogue) -> engine.LaborerQuery:
    """The engine's view of a laborer, from the index row (kept current) and their written skills."""
    t = catalogue.laborers.table
    row = t.row_of[laborer.id]
    today = date.today().toordinal()
    return engine.LaborerQuery(
        lat=float(t.lat[row]),
        lon=float(t.lon[row]),
        county=int(t.county[row]),
        province=int(t.province[row]),
        age=int((today - t.birth_ordinal[row]) // engine.DAYS_PER_YEAR),
        capacity=int(t.capacity[row]),
        willingness=int(t.willingness[row]),
        needs_flexible=bool(t.needs_flexible[row]),
        home_only=bool(t.home_only[row]),
        category=int(t.category[row]),
        risk=int(t.risk[row]),
        household_employed=bool(t.household_employed[row]),
        household_public_welfare=bool(t.household_public_welfare[row]) and not bool(t.employed[row]),
        past_referrals=int(t.past_referrals[row]),
        past_hires=int(t.past_hires[row]),
        skills=_profile(_skills_key(laborer.skills_raw or laborer.skills), skill_engine.dictionary()),
        village_radius_km=float(catalogue.village_radius_km(int(t.county[row]))),
    )


def _skills_key(skills: str | list[str] | None) -> str | tuple[str, ...]:
    return skills if isinstance(skills, str) else tuple(skills or ())


@functools.lru_cache(maxsize=4096)  # about 6 KB each: at most ~25 MB per worker
def _profile(skills: str | tuple[str, ...], dictionary: skill_engine.SkillDictionary) -> skill_engine.LaborerSkills:
    """A laborer's written skills scored against the dictionary, kept per process (many share the same words)."""
    return skill_engine.profile_skills(skills, dictionary)


class Asking(NamedTuple):
    """What a laborer's matches read of them: an ORM Laborer serves as well."""

    id: int
    skills_raw: str | None
    skills: list[str] | None

    @staticmethod
    def columns() -> tuple:
        return (Laborer.id, Laborer.skills_raw, Laborer.skills)


def matches_for_laborer(
    laborer: Laborer | Asking, limit: int, kind: str | None = None, *, as_rows: bool = False
) -> dict:
    """The openings where this laborer is most likely to be hired and still working 90 days later.

    Each opening is the ORM object (the pages), or with `as_rows` the API's answer for it already made
    (OpeningOut's fields, read in one prepared statement; `opening_answer` gives it).
    """
    catalogue = index().current()
    if laborer.id not in catalogue.laborers.table.row_of:
        catalogue = index().current(force=True)  # registered a moment ago
    query = laborer_query(laborer, catalogue)
    kinds = {cat.KIND[kind]} if kind else None
    t = catalogue.openings.table
    marks = laborer_marks(laborer.id)
    exclude = np.asarray([t.row_of[i] for i in marks if i in t.row_of], dtype=np.intp)
    found = engine.match_laborer(
        catalogue,
        query,
        serving_model(),
        date.today().toordinal(),
        limit,
        kinds,
        visible=visible_openings(catalogue),
        exclude=exclude,
    )
    # Posts in many lists draw many referrals soon: each showing counts toward the post's congestion.
    catalogue.note_shown(found.rows)
    ids = [int(t.id[r]) for r in found.rows]
    similar = [[int(t.id[r]) for r in rows] for rows in found.similar] or [[] for _ in ids]
    if as_rows:
        openings = _opening_rows([*ids, *marks])
    else:
        found_openings = sa.select(Opening).options(joinedload(Opening.region)).where(Opening.id.in_([*ids, *marks]))
        openings = {o.id: o for o in db.session.scalars(found_openings)}
    items = []
    for rank, (opening_id, chance, features, distance, like) in enumerate(
        zip(ids, found.chance, found.features, found.distance_km, similar, strict=True), start=1
    ):
        opening = openings[opening_id]
        fit = skill_engine.skill_fit(query.skills, _required(opening))
        items.append(
            {
                "rank": rank,
                "score": round(float(chance), 4),
                "opening": opening,
                "reasons": reasons(features, distance, query.age, opening, fit, query.needs_flexible),
                "similar_posts": len(like),
                "similar_opening_ids": like,
            }
        )
    return {
        "laborer_id": laborer.id,
        "model_version": serving_model().version,
        "candidates": found.candidates,
        "items": items,
        "marked": [
            {"opening": openings[i], "mark": mark, "zh": MARK_WORDS[mark][0], "en": MARK_WORDS[mark][1]}
            for i, mark in marks.items()
            if i in openings and (kind is None or openings[i].kind.value == kind)
        ],
        "shortfall": shortfall(len(items), limit, _laborer_exclusions(query, found), _radius_words(query)),
    }


def _marks_statement(dialect) -> sa.Select:
    laborer = sa.bindparam("laborer_id", type_=sa.BigInteger())
    held = sa.select(Employment.opening_id, sa.literal("held").label("mark")).where(
        Employment.laborer_id == laborer, Employment.end_date.is_(None), Employment.opening_id.is_not(None)
    )
    referred = sa.select(Referral.opening_id, sa.literal("referred").label("mark")).where(
        Referral.laborer_id == laborer, sa.or_(*(Referral.state == state for state in OPEN_REFERRAL_STATES))
    )
    return sa.union_all(held, referred)


_MARKS = Prepared(_marks_statement)


class OpeningRow(SimpleNamespace):
    """An opening read as a row: the attributes the reasons read, and `answer`, what OpeningOut makes of it."""


def _opening_rows_statement(dialect) -> sa.Select:
    from jobmatch.posts.api import _OPENING_COLUMNS

    return (
        sa.select(*_OPENING_COLUMNS, Opening.required_skill_codes)
        .outerjoin(Region, Opening.region_id == Region.id)
        .where(in_list(Opening.id, "ids", dialect))
    )


_OPENING_ROWS = Prepared(_opening_rows_statement)


def _opening_rows(ids: list[int]) -> dict[int, OpeningRow]:
    from jobmatch.posts.api import OPENING_FIELDS, _opening_item

    out = {}
    for row in _OPENING_ROWS.rows({"ids": ids}):
        out[row[0]] = OpeningRow(**dict(zip(OPENING_FIELDS, row, strict=False)), required_skill_codes=row[-1])
        out[row[0]].answer = _opening_item(row)
    return out


def opening_answer(opening: Opening | OpeningRow) -> Any:
    return opening.answer if isinstance(opening, OpeningRow) else opening


def laborer_marks(laborer_id: int) -> dict[int, str]:
    """Posts the laborer holds now ("held") or has an open referral for ("referred"), by opening id."""
    marks: dict[int, str] = {}
    for opening_id, mark in _MARKS.rows({"laborer_id": laborer_id}):
        if marks.get(opening_id) != "held":  # holding the post says more than being referred to it
            marks[opening_id] = mark
    return marks


def _radius_words(query: engine.LaborerQuery) -> dict[str, tuple[str, str]]:
    """For a laborer who will only work near the village, the radius rule names the radius in force."""
    if query.willingness != cat.WILLINGNESS["village"]:
        return {}
    return {"radius": rules.radius_reason(query.village_radius_km)}


def _laborer_exclusions(query: engine.LaborerQuery, found: engine.Matches) -> dict[str, int]:
    """The rules that cut, or why there was nothing to cut from."""
    if query.willingness == cat.WILLINGNESS["none"]:
        return {"willingness": 1}
    if query.capacity == cat.CAPACITY["none"]:
        return {"capacity": 1}
    if not found.candidates:
        return {"nothing_near": 1}
    return found.excluded


def _required(opening: Opening) -> list[skill_engine.RequiredSkill]:
    codes = opening.required_skill_codes or [None] * len(opening.required_skills)
    return [
        skill_engine.RequiredSkill(text, code, 1.0 if code else 0.0)
        for text, code in zip(opening.required_skills, codes, strict=False)
    ]


def shortfall(
    found: int, limit: int, excluded: dict[str, int], words: dict[str, tuple[str, str]] | None = None
) -> dict | None:
    """Why fewer results came back than asked for, and what would widen the search.

    `words` replaces a rule's general reason with one naming this query's figures (the village radius).
    """
    if found >= limit:
        return None
    reason = rules.REASONS | (words or {})
    cut = sorted(((n, name) for name, n in excluded.items() if n), reverse=True)
    why = [{"rule": name, "excluded": n, "zh": reason[name][0], "en": reason[name][1]} for n, name in cut]
    widen = [{"zh": rules.WIDEN[name][0], "en": rules.WIDEN[name][1]} for _, name in cut if name in rules.WIDEN]
    return {"found": found, "asked": limit, "why": why, "widen": widen[:2]}


# --- explanations ------------------------------------------------------------------------------------


def reasons(features: np.ndarray, distance_km: float, age: int, opening: Opening, fit, needs_flexible: bool) -> list:
    """What a cadre can read aloud: skill, distance, age, hours, household priority, pay."""
    out = []
    if not skill_engine.specific_requirements(_required(opening)):
        # No skill asked for, or only general labour (普工, 杂工, 力工): open to everyone.
        out.append(_reason("skill", "岗位无特定技能要求", "no particular skill required"))
    elif fit.pairs and any(p.laborer_skill for p in fit.pairs):
        out.append(_reason("skill", "技能匹配：" + fit.explain("zh"), "skill match: " + fit.explain("en")))
    else:
        need = "、".join(opening.required_skills)
        out.append(_reason("skill", f"岗位要求{need}，本人暂无相应技能", f"needs {need}; no matching skill yet"))
    if opening.working_pattern.value == "home_piecework":
        out.append(_reason("distance", "可居家加工，无需通勤", "home piecework: no commute"))
    elif opening.organised_transfer and distance_km > rules.COUNTY_BORDER_KM:
        out.append(
            _reason(
                "distance",
                f"距离约 {distance_km:.0f} 公里，统一组织输出" + ("，提供住宿" if opening.accommodation else ""),
                f"about {distance_km:.0f} km away, with organised transfer"
                + (" and lodging" if opening.accommodation else ""),
            )
        )
    else:
        shuttle_zh, shuttle_en = ("，有接送班车", ", shuttle bus") if opening.shuttle else ("", "")
        out.append(
            _reason(
                "distance", f"距离约 {distance_km:.1f} 公里{shuttle_zh}", f"about {distance_km:.1f} km away{shuttle_en}"
            )
        )
    out.append(
        _reason(
            "age",
            f"{age} 岁，岗位要求 {opening.age_min}–{opening.age_max} 岁",
            f"age {age}; the post takes {opening.age_min}–{opening.age_max}",
        )
    )
    if needs_flexible:
        if features[_COLUMN["flexible_fit"]] > 0:
            out.append(_reason("hours", "工时灵活，便于照顾家庭", "flexible hours, fits caring duties"))
        else:
            out.append(_reason("hours", "全职岗位，需照顾家庭者请先商量", "full-time: check caring duties first"))
    if features[_COLUMN["no_one_employed"]] > 0:
        out.append(_reason("household", "家中尚无人就业，优先推荐", "no one in the household works yet: priority"))
    if features[_COLUMN["monitored_household"]] > 0:
        out.append(_reason("household", "防返贫监测户", "household under relapse monitoring"))
    wage = _wage_text(opening)
    if wage:
        out.append(_reason("wage", *wage))
    return out


def _reason(kind: str, zh: str, en: str) -> dict:
    return {"kind": kind, "zh": zh, "en": en}


def _wage_text(opening: Opening) -> tuple[str, str] | None:
    values = [f"{float(v):g}" for v in (opening.wage_min, opening.wage_max) if v is not None]
    if not values:
        return None
    amount = "–".join(dict.fromkeys(values))
    unit = opening.wage_unit.value
    return f"工资 {amount} 元/{WAGE_UNIT_ZH[unit]}", f"pays {amount} CNY per {WAGE_UNIT_EN[unit]}"


# --- opening → laborers ------------------------------------------------------------------------------


def opening_query(opening: Opening, catalogue: cat.Catalogue) -> engine.OpeningQuery:
    t = catalogue.openings.table
    row = t.row_of[opening.id]
    return engine.OpeningQuery(
        lat=float(t.lat[row]),
        lon=float(t.lon[row]),
        county=int(t.county[row]),
        province=int(t.province[row]),
        kind=int(t.kind[row]),
        age_min=int(t.age_min[row]),
        age_max=int(t.age_max[row]),
        intensity=int(t.intensity[row]),
        pattern=int(t.pattern[row]),
        transfer=bool(t.transfer[row]),
        wage_month=wage_per_month(opening.wage_min, opening.wage_max, opening.wage_unit.value),
        remaining=int(t.remaining[row]),
        deadline=int(t.deadline[row]),
        is_open=bool(t.is_open[row]),
        skill_rows=t.skills[row].copy(),
    )


def matches_for_opening(opening: Opening, limit: int, visible: sa.Select | None = None) -> dict:
    """The laborers (among those the caller may see) most likely to be hired here and stay."""
    visible = restrict(sa.select(Laborer), Laborer) if visible is None else visible
    catalogue = index().current()
    if opening.id not in catalogue.openings.table.row_of:
        catalogue = index().current(force=True)  # posted a moment ago
    query = opening_query(opening, catalogue)
    t = catalogue.laborers.table
    referred = list(
        db.session.scalars(
            sa.select(Referral.laborer_id).where(
                Referral.opening_id == opening.id, Referral.state.in_(OPEN_REFERRAL_STATES)
            )
        )
    )
    exclude = np.asarray([t.row_of[i] for i in referred if i in t.row_of], dtype=np.intp)
    # The engine keeps to the caller's scope; more than needed are asked for in case the catalogue
    # has not yet caught up with a laborer who moved out of it.
    found = engine.match_opening(
        catalogue,
        query,
        serving_model(),
        date.today().toordinal(),
        max(limit * 5, 50),
        visible=visible_laborers(catalogue),
        exclude=exclude,
    )
    ids = [int(t.id[r]) for r in found.rows]
    # The first `limit` are read; the rest only if some of those left the caller's scope meanwhile.
    allowed = {lab.id: lab for lab in db.session.scalars(visible.where(Laborer.id.in_(ids[:limit])))}
    if len(allowed) < limit and len(ids) > limit:
        allowed |= {lab.id: lab for lab in db.session.scalars(visible.where(Laborer.id.in_(ids[limit:])))}
    items = []
    for laborer_id, chance, features, distance in zip(
        ids, found.chance, found.features, found.distance_km, strict=True
    ):
        laborer = allowed.get(laborer_id)
        if laborer is None:
            continue
        row = t.row_of[laborer_id]
        age = int((date.today().toordinal() - t.birth_ordinal[row]) // engine.DAYS_PER_YEAR)
        fit = skill_engine.skill_fit(
            _profile(_skills_key(laborer.skills_raw or laborer.skills), skill_engine.dictionary()), _required(opening)
        )
        items.append(
            {
                "rank": len(items) + 1,
                "score": round(float(chance), 4),
                "laborer": laborer,
                "reasons": reasons(features, distance, age, opening, fit, bool(t.needs_flexible[row])),
            }
        )
        if len(items) == limit:
            break
    return {
        "opening_id": opening.id,
        "model_version": serving_model().version,
        "candidates": found.candidates,
        "items": items,
        "marked": [
            {"laborer": laborer, "mark": "referred", "zh": MARK_WORDS["referred"][0], "en": MARK_WORDS["referred"][1]}
            for laborer in db.session.scalars(visible.where(Laborer.id.in_(referred)).order_by(Laborer.id))
        ]
        if referred
        else [],
        "shortfall": shortfall(len(items), limit, found.excluded),
    }

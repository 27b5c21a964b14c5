"""JSON API: matches for a laborer or an opening, skill normalisation, and the ranker's model cards."""

from __future__ import annotations

import sqlalchemy as sa
from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Dict, Float, List, Nested, String
from apiflask.validators import Length, Range, Regexp
from flask import current_app

from jobmatch.accounts.scope import current_scope, get_in_scope, restrict, scope_kind, scope_values
from jobmatch.admin import ranker as ranker_page
from jobmatch.api.auth import ADMINS, PEOPLE_EDITORS, REGISTRY_EDITORS, token_auth
from jobmatch.api.common import Integer, PageQuery, coded, page_schema
from jobmatch.crud import page_of
from jobmatch.errors import NotFound
from jobmatch.idempotency import idempotent
from jobmatch.jobs.api import STARTED, JobOut, started
from jobmatch.matches import assignment, service, settings, synonyms, training
from jobmatch.matches.index import index
from jobmatch.matching import rules
from jobmatch.matching import skills as skill_engine
from jobmatch.people import queries as people_queries
from jobmatch.people.api import LaborerOut
from jobmatch.people.models import Laborer, Region
from jobmatch.posts.api import OpeningOut
from jobmatch.posts.models import Opening
from jobmatch.prepared import Shapes
from jobmatch.vocab import OpeningKind

bp = APIBlueprint("matches_api", __name__, url_prefix="/api/v1", tag="Matching · 岗位匹配")

ALL_ROLES = ["admin", "bureau", "cadre", "manager"]


class MatchQuery(Schema):
    limit = Integer(load_default=10, validate=Range(min=1, max=service.MAX_LIMIT))
    kind = coded(OpeningKind)


class OpeningMatchQuery(Schema):
    limit = Integer(load_default=10, validate=Range(min=1, max=service.MAX_LIMIT))


class Reason(Schema):
    kind = String(metadata={"description": "skill, distance, age, hours, household, wage"})
    zh = String()
    en = String()


class Shortfall(Schema):
    found = Integer()
    asked = Integer()
    why = List(Dict(), metadata={"description": "rules that excluded candidates, most first"})
    widen = List(Dict(), metadata={"description": "what would widen the search"})


class OpeningMatch(Schema):
    rank = Integer()
    score = Float(metadata={"description": "chance of a hire that lasts 90 days (0–1)"})
    opening = Nested(OpeningOut)
    reasons = List(Nested(Reason))
    similar_posts = Integer(
        metadata={"description": "near-duplicates this entry stands for: same employer or workshop, same title, nearby"}
    )
    similar_opening_ids = List(Integer())


class MarkedOpening(Schema):
    opening = Nested(OpeningOut)
    mark = String(metadata={"description": "held (the laborer works there now) or referred (an open referral)"})
    zh = String()
    en = String()


class LaborerMatch(Schema):
    rank = Integer()
    score = Float()
    laborer = Nested(LaborerOut)
    reasons = List(Nested(Reason))


class MarkedLaborer(Schema):
    laborer = Nested(LaborerOut)
    mark = String(metadata={"description": "referred: an open referral to this post, not offered again"})
    zh = String()
    en = String()


class LaborerMatches(Schema):
    laborer_id = Integer()
    model_version = String()
    candidates = Integer()
    items = List(Nested(OpeningMatch))
    marked = List(
        Nested(MarkedOpening), metadata={"description": "posts the laborer holds or is referred to: not offered again"}
    )
    shortfall = Nested(Shortfall, allow_none=True)


class OpeningMatches(Schema):
    opening_id = Integer()
    model_version = String()
    candidates = Integer()
    items = List(Nested(LaborerMatch))
    marked = List(Nested(MarkedLaborer), metadata={"description": "laborers already referred to the post"})
    shortfall = Nested(Shortfall, allow_none=True)


@bp.get("/laborers/<int:laborer_id>/matches")
@bp.auth_required(token_auth, roles=PEOPLE_EDITORS)
@bp.input(MatchQuery, location="query", arg_name="query")
@bp.output(LaborerMatches)
def laborer_matches(laborer_id: int, query: dict):
    """The openings that suit this laborer, with reasons / 为劳动力匹配岗位"""
    scope = current_scope()
    rows = _LABORER.rows((scope_kind(scope),), scope_values(scope) | {"laborer_id": laborer_id})
    if not rows:
        raise NotFound("Laborer", "劳动力")
    found = service.matches_for_laborer(service.Asking(*rows[0]), query["limit"], query.get("kind"), as_rows=True)
    # Written as LaborerMatches would write it (tests/matches compare the two), without a schema per opening.
    for entry in (*found["items"], *found["marked"]):
        entry["opening"] = service.opening_answer(entry["opening"])
    return current_app.json.response(found | {"candidates": int(found["candidates"])})


# What a laborer's matches need of them (service.Asking), read in one prepared statement within the scope.
_LABORER = Shapes(lambda dialect, kind: people_queries.one_laborer(dialect, kind, service.Asking.columns()))


@bp.get("/openings/<int:opening_id>/matches")
@bp.auth_required(token_auth, roles=PEOPLE_EDITORS)
@bp.input(OpeningMatchQuery, location="query", arg_name="query")
@bp.output(OpeningMatches)
def opening_matches(opening_id: int, query: dict):
    """The laborers who suit this opening (within your scope), with reasons / 为岗位匹配劳动力"""
    opening = get_in_scope(Opening, opening_id, "Opening", "岗位")
    return service.matches_for_opening(opening, query["limit"], restrict(sa.select(Laborer), Laborer))


class MatchSettingsIn(Schema):
    village_radius_km = Float(
        required=True,
        validate=Range(min=rules.MIN_VILLAGE_RADIUS_KM, max=rules.MAX_VILLAGE_RADIUS_KM),
        metadata={"description": "how far work near home reaches for laborers willing to work near the village, km"},
    )


class MatchSettingsOut(Schema):
    region_id = Integer()
    region_code = String()
    region_name = String()
    village_radius_km = Float()
    default_village_radius_km = Float()
    is_default = Boolean()


@bp.get("/regions/<int:region_id>/match-settings")
@bp.auth_required(token_auth, roles=PEOPLE_EDITORS)
@bp.output(MatchSettingsOut)
def match_settings(region_id: int):
    """A county's matching settings: the village radius / 县级匹配设置（本村就业半径）"""
    return settings.county_settings(get_in_scope(Region, region_id, "Region", "行政区划"))


@bp.patch("/regions/<int:region_id>/match-settings")
@bp.auth_required(token_auth, roles=REGISTRY_EDITORS)
@idempotent
@bp.input(MatchSettingsIn, arg_name="data")
@bp.output(MatchSettingsOut)
def set_match_settings(region_id: int, data: dict):
    """Set a county's village radius (its bureau or an admin) / 设置本县本村就业半径"""
    county = get_in_scope(Region, region_id, "Region", "行政区划")
    out = settings.set_village_radius(county, data["village_radius_km"])
    if index().catalogue is not None:
        index().current(force=True)  # this worker applies it now; the others at their next catch-up
    return out


class NormalizeQuery(Schema):
    q = String(required=True, validate=Length(min=1, max=64))
    limit = Integer(load_default=5, validate=Range(min=1, max=20))


class SkillOut(Schema):
    code = String()
    name = String()
    category = String()
    category_name = String()
    score = Float()


class SkillsOut(Schema):
    q = String()
    items = List(Nested(SkillOut))


@bp.get("/skills/normalize")
@bp.auth_required(token_auth, roles=ALL_ROLES)
@bp.input(NormalizeQuery, location="query", arg_name="query")
@bp.output(SkillsOut)
def normalize_skill(query: dict):
    """Canonical skills for free text, with scores / 技能标准化"""
    synonyms.sync()
    return {"q": query["q"], "items": skill_engine.normalize_skill(query["q"], query["limit"])}


class SynonymIn(Schema):
    skill_code = String(required=True, metadata={"example": "sewing"})
    synonym = String(required=True, metadata={"example": "踩衣车"})


class SynonymOut(Schema):
    id = Integer()
    skill_code = String()
    synonym = String()
    created_by_id = Integer(allow_none=True)


@bp.post("/skills/synonyms")
@bp.auth_required(token_auth, roles=ADMINS)
@idempotent
@bp.input(SynonymIn, arg_name="data")
@bp.output(SynonymOut, status_code=201)
def add_synonym(data: dict):
    """Add a synonym to the skill dictionary / 添加技能同义词"""
    return synonyms.add(data)


@bp.get("/skills/synonyms")
@bp.auth_required(token_auth, roles=["admin", "bureau"])
@bp.input(PageQuery, location="query", arg_name="query")
@bp.output(page_schema(SynonymOut, "SynonymPage"))
def list_synonyms(query: dict):
    """Synonyms added by admins / 已添加的技能同义词"""
    return page_of(synonyms.listing(), query["page"], query["per_page"], query.get("cursor"))


class AssignmentIn(Schema):
    region = String(required=True, validate=Length(equal=12), metadata={"description": "township or county code"})


class AssignmentItem(Schema):
    laborer_id = Integer()
    laborer_name = String()
    village = String()
    household_code = String()
    household_without_work = Boolean()
    opening_id = Integer()
    opening_title = String()
    chance = Float()


class AssignmentOut(Schema):
    region = String()
    model_version = String()
    summary = Dict()
    items = List(Nested(AssignmentItem))


@bp.post("/assignments")
@bp.auth_required(token_auth, roles=PEOPLE_EDITORS)
@bp.input(AssignmentIn, arg_name="data")
@bp.output(AssignmentOut)
def propose_assignment(data: dict):
    """Propose one opening per unemployed willing laborer of a region, to confirm one by one / 批量分配建议"""
    return assignment.propose(data["region"])


class RankerOut(Schema):
    serving = String(allow_none=True)
    history = List(String())
    card = Dict()
    versions = List(String())


class PromoteIn(Schema):
    version = String(
        required=True,
        validate=[Length(min=1, max=64), Regexp(training.VERSION_PATTERN, error="Not a valid version.")],
        metadata={"description": "a saved version, e.g. 20260301-083000 / 模型版本", "example": "20260301-083000"},
    )


@bp.get("/ranker")
@bp.auth_required(token_auth, roles=["admin", "bureau"])
@bp.output(RankerOut)
def ranker_status():
    """The serving ranker's model card and the saved versions / 排序模型说明"""
    return training.status()


@bp.post("/ranker/train")
@bp.auth_required(token_auth, roles=ADMINS)
@bp.output(JobOut, status_code=202, headers=STARTED, description="training started: follow the job at Location")
def ranker_train():
    """Train a ranker from recorded outcomes in the background (not promoted); `GET` the job in Location for
    progress and, at the end, the new model's card (`result.card`) / 后台训练排序模型"""
    return started(ranker_page.start_training())


@bp.post("/ranker/promote")
@bp.auth_required(token_auth, roles=ADMINS)
@bp.input(PromoteIn, arg_name="data")
@bp.output(RankerOut)
def ranker_promote(data: dict):
    """Serve a trained version if it beats the serving one / 启用排序模型"""
    training.promote(data["version"])
    return training.status()


@bp.post("/ranker/rollback")
@bp.auth_required(token_auth, roles=ADMINS)
@bp.output(RankerOut)
def ranker_rollback():
    """Serve the previous version again / 回退排序模型"""
    training.rollback()
    return training.status()

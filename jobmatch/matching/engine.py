"""Matching: which openings suit this laborer, and which laborers suit this opening.

Pure engine code: arrays in, arrays out. Two stages, so the cost follows the candidates:

1. candidates from the spatial index (and, for people who would leave the county, posts with
   organised transfer), cut by the hard rules, scored by the prior's cheap linear formula;
2. the best RERANK_LIMIT of those re-scored by the serving model; congestion (few places
   left, many open referrals) lowers the rank so the same few posts are not pushed to everyone.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from jobmatch.geo import EARTH_RADIUS_KM
from jobmatch.matching import features as feature_engine
from jobmatch.matching import rules
from jobmatch.matching import skills as skill_engine
from jobmatch.matching.catalogue import PATTERN, WILLINGNESS, Catalogue, haversine_km
from jobmatch.matching.ranker import Model, PriorModel

RERANK_LIMIT = 500
# Candidates given full features, chosen by the prior's two strongest terms (skill fit and distance):
# past this many, the rest rarely reach the top ten, and computing every feature for them costs more
# than the whole query may.
SHORTLIST = 5_000
PRIOR_SKILL_WEIGHT = 2.0
PRIOR_DISTANCE_WEIGHT = 0.5
# Laborers willing to work anywhere in the province are considered within this distance of a post
# without organised transfer (further than any daily commute; they would move for it).
FAR_SEARCH_KM = 300.0
DAYS_PER_YEAR = 365.2425
PATTERN_HOME = PATTERN["home_piecework"]
# Rank = chance × places / (places + this × open referrals): a post with 1 place and 3 open
# referrals ranks at 1 / (1 + 0.5 × 3) = 40 % of its chance.
CONGESTION_WEIGHT = 0.5
# Fair share, as France's inclusion-employment platform reads it: referrals made in the last
# FAIR_SHARE_DAYS (index) per place left. A post with 2 places that drew 8 referrals this month ranks at
# 2 / (2 + 0.25 × 8) = 50 % of its chance, on top of its open referrals.
FAIR_SHARE_WEIGHT = 0.25
# A post shown in many lists lately (`shown`, decaying) will draw referrals soon: each showing counts as
# this much of a referral, so 3 places shown in 150 lists rank at 3 / (3 + 0.02 × 150) = 50 % of their chance.
# On the demo county (bench/list_share.py) 0.02 halves the share of all top-10 slots the 10 most-shown posts
# take (22.5 % → 10.8 %) for a mean chance of the listed posts of 0.614 instead of 0.636; 0.05 gives 8.5 %
# for 0.598.
EXPOSURE_WEIGHT = 0.02
# Posts of the same employer or workshop with the same title within this distance of a better-ranked
# one are one entry of a list ("N similar posts"): a county's 8 identical 缝纫工 posts fill one line, not eight.
DUPLICATE_KM = 3.0
# A household with no one in work ranks as if its member's chance were this much higher.
PRIORITY_BOOST = 0.2
_PRIOR = PriorModel()
# Which of the given candidate rows the caller may see (a boolean mask over them): the caller's scope.
Visible = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class LaborerQuery:
    """One laborer as the engine sees them (no name, no ID number, no sex)."""

    lat: float
    lon: float
    county: int
    province: int
    age: int
    capacity: int
    willingness: int
    needs_flexible: bool
    home_only: bool
    category: int
    risk: int
    household_employed: bool
    household_public_welfare: bool
    past_referrals: int
    past_hires: int
    skills: skill_engine.LaborerSkills
    # How far "work near home" reaches in the laborer's county (`Catalogue.village_radius_km`).
    village_radius_km: float = rules.VILLAGE_RADIUS_KM


@dataclass(frozen=True)
class OpeningQuery:
    """One opening as the engine sees it."""

    lat: float
    lon: float
    county: int
    province: int
    kind: int
    age_min: int
    age_max: int
    intensity: int
    pattern: int
    transfer: bool
    wage_month: float
    remaining: int
    deadline: int
    is_open: bool
    skill_rows: np.ndarray  # dictionary rows of its required skills (padded)


@dataclass
class Matches:
    """Rows of the other side, best first, with the chance of lasting work and the features behind it."""

    rows: np.ndarray
    chance: np.ndarray
    rank_score: np.ndarray
    features: np.ndarray
    distance_km: np.ndarray
    candidates: int
    excluded: dict[str, int]
    # Per result (laborer → openings): rows of the near-duplicate posts it stands for, best first.
    similar: list[np.ndarray] = field(default_factory=list)


def _top(score: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest scores, best first."""
    if len(score) <= k:
        return np.argsort(-score, kind="stable")
    part = np.argpartition(-score, k - 1)[:k]
    return part[np.argsort(-score[part], kind="stable")]


def _score(model: Model, feats: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """Two stages: the prior's linear score for all, the serving model for the best few."""
    first = _top(_PRIOR.predict(feats), max(limit, RERANK_LIMIT))
    if first.size == 0:
        return first, np.zeros(0)
    chance = model.predict(feats[first])
    return first, chance


def opening_candidates(catalogue: Catalogue, q: LaborerQuery) -> np.ndarray:
    """Rows of openings the laborer could reach: nearby ones, plus organised transfer for those who would leave."""
    table = catalogue.openings
    if q.willingness == WILLINGNESS["none"] or q.capacity == 0:
        return np.zeros(0, dtype=np.intp)
    if q.willingness == WILLINGNESS["anywhere"]:
        return np.arange(table.table.size)
    if q.willingness == WILLINGNESS["village"]:
        # Posts a little beyond the radius are candidates too, so the radius rule can say how many it cut.
        return table.within(q.lat, q.lon, max(q.village_radius_km, rules.VILLAGE_SEARCH_KM))
    if q.willingness == WILLINGNESS["county"]:
        # The county's own posts, and those just across its border.
        return _union(table.table.size, table.within(q.lat, q.lon, rules.COUNTY_BORDER_KM), _flags(table, q.county))
    rows = table.within(q.lat, q.lon, rules.PROVINCE_SEARCH_KM)
    if q.willingness >= WILLINGNESS["province"]:
        rows = _union(table.table.size, rows, table.table.transfer)
    return rows


def _flags(table, county: int) -> np.ndarray:
    flags = np.zeros(table.table.size, dtype=bool)
    flags[table.in_county(county)] = True
    return flags


def _union(size: int, rows: np.ndarray, flags: np.ndarray) -> np.ndarray:
    """Rows in `rows` or flagged, in row order (a mask: linear, unlike set operations)."""
    mask = flags.copy()
    mask[rows] = True
    return np.flatnonzero(mask)


def congestion(
    remaining: np.ndarray, open_referrals: np.ndarray, recent_referrals: np.ndarray, shown: np.ndarray | float = 0.0
) -> np.ndarray:
    """The share of its chance a post keeps in the ranking: less, the more referrals (made, or to be expected
    from the lists it is in) it has per place left."""
    places = np.maximum(np.asarray(remaining, dtype=np.float64), 1.0)
    pressure = (
        CONGESTION_WEIGHT * np.asarray(open_referrals)
        + FAIR_SHARE_WEIGHT * np.asarray(recent_referrals)
        + EXPOSURE_WEIGHT * np.asarray(shown, dtype=np.float64)
    )
    return places / (places + pressure)


def collapse_near_duplicates(
    groups: np.ndarray, lat: np.ndarray, lon: np.ndarray, limit: int, km: float = DUPLICATE_KM
) -> tuple[list[int], list[list[int]]]:
    """Entries of a ranked list (positions, best first) with the near-duplicates each stands for.

    A post joins the first kept post of its group (same employer or workshop, same title; 0 is no group)
    within `km`; the others are kept until there are `limit`. Posts ranked below the last kept one still
    join their group's entry, so its count says how many similar posts there are.
    """
    kept: list[int] = []
    similar: list[list[int]] = []
    by_group: dict[int, list[int]] = {}
    for i, group in enumerate(groups.tolist()):
        entry = None
        if group:
            for k in by_group.get(group, ()):
                if _km(lat[kept[k]], lon[kept[k]], lat[i], lon[i]) <= km:
                    entry = k
                    break
        if entry is not None:
            similar[entry].append(i)
        elif len(kept) < limit:
            if group:
                by_group.setdefault(group, []).append(len(kept))
            kept.append(i)
            similar.append([])
    return kept, similar


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two points (scalars: cheaper than numpy for one pair)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(a, 1.0)))


def match_laborer(
    catalogue: Catalogue,
    q: LaborerQuery,
    model: Model,
    today: int,
    limit: int = 10,
    kinds: set[int] | None = None,
    visible: Visible | None = None,
    exclude: np.ndarray | None = None,
    collapse: bool = True,
) -> Matches:
    """The openings most likely to give this laborer work that lasts, near-duplicates collapsed.

    Only the `visible` rows are considered, if given (the caller's scope). `exclude` holds opening rows
    not to offer as new matches (posts the laborer holds or is referred to); `collapse=False` keeps
    near-duplicates apart (a batch assignment fills each post's own places).
    """
    t = catalogue.openings.table
    rows = opening_candidates(catalogue, q)
    if visible is not None:
        rows = rows[visible(rows)]
    if kinds is not None:
        rows = rows[np.isin(t.kind[rows], list(kinds))]
    if exclude is not None and len(exclude):
        rows = rows[~np.isin(rows, exclude)]
    # Rules that need no distance first: they are cheap and cut the rows the distance is computed for.
    masks = rules.rule_masks(
        age=q.age,
        capacity=q.capacity,
        category=q.category,
        household_public_welfare=q.household_public_welfare,
        home_only=q.home_only,
        radius_ok=True,
        kind=t.kind[rows],
        age_min=t.age_min[rows],
        age_max=t.age_max[rows],
        intensity=t.intensity[rows],
        pattern=t.pattern[rows],
        remaining=t.remaining[rows],
        deadline=t.deadline[rows],
        is_open=t.is_open[rows],
        today=today,
    )
    candidates = len(rows)
    ok = rules.combine(masks, candidates)
    excluded = rules.explain_exclusions(masks, candidates)
    rows = rows[ok]
    distance = haversine_km(q.lat, q.lon, t.lat[rows], t.lon[rows])
    radius_ok = rules.within_radius(
        q.willingness,
        q.county,
        q.province,
        distance,
        t.county[rows],
        t.province[rows],
        t.transfer[rows],
        q.village_radius_km,
    )
    excluded["radius"] = int(np.count_nonzero(~radius_ok))
    rows, distance = rows[radius_ok], distance[radius_ok]
    fit = skill_engine.fit_many(q.skills, t.skills[rows])
    if len(rows) > SHORTLIST:
        keep = _top(PRIOR_SKILL_WEIGHT * fit - PRIOR_DISTANCE_WEIGHT * np.log1p(distance), SHORTLIST)
        rows, distance, fit = rows[keep], distance[keep], fit[keep]
    required, missing = feature_engine.skill_counts(q.skills.credit, t.skills[rows])
    feats = feature_engine.compute(
        feature_engine.PairInputs(
            skill_fit=fit,
            distance_km=distance,
            age=q.age,
            willingness=q.willingness,
            capacity=q.capacity,
            needs_flexible=q.needs_flexible,
            category=q.category,
            risk=q.risk,
            household_employed=q.household_employed,
            past_referrals=q.past_referrals,
            past_hires=q.past_hires,
            kind=t.kind[rows],
            age_min=t.age_min[rows],
            age_max=t.age_max[rows],
            intensity=t.intensity[rows],
            pattern=t.pattern[rows],
            transfer=t.transfer[rows],
            wage_month=t.wage_month[rows],
            skills_required=required,
            skills_missing=missing,
        )
    )
    first, chance = _score(model, feats, limit)
    top = rows[first]
    rank = chance * congestion(t.remaining[top], t.open_referrals[top], t.recent_referrals[top], t.shown[top])
    order = np.argsort(-rank, kind="stable")
    ranked = rows[first[order]]
    groups = t.group[ranked] if collapse else np.zeros(len(ranked), dtype=np.int64)
    kept, similar = collapse_near_duplicates(groups, t.lat[ranked], t.lon[ranked], limit)
    best = order[kept]
    pick = first[best]
    return Matches(
        rows[pick],
        chance[best],
        rank[best],
        feats[pick],
        distance[pick],
        candidates,
        excluded,
        [ranked[np.asarray(s, dtype=np.intp)] for s in similar],
    )


def laborer_skill_fit(catalogue: Catalogue, rows: np.ndarray, skill_rows: np.ndarray) -> np.ndarray:
    """Mean fit of many laborers to one opening's required skills, from their stored canonical readings."""
    return laborer_skill_terms(catalogue, rows, skill_rows)[0]


def laborer_skill_terms(
    catalogue: Catalogue, rows: np.ndarray, skill_rows: np.ndarray
) -> tuple[np.ndarray, int, np.ndarray]:
    """Many laborers against one opening's required skills: mean fit, how many skills the post requires,
    and how many of them each laborer lacks (credit below features.SKILL_HELD_CREDIT)."""
    t = catalogue.laborers.table
    required = skill_rows[skill_rows != skill_engine.NO_REQUIREMENT]
    if required.size == 0:
        return np.full(len(rows), skill_engine.NO_REQUIREMENT_FIT, dtype=np.float32), 0, np.zeros(len(rows))
    credit = skill_engine.dictionary().credit
    codes, scores = t.skill_codes[rows], t.skill_scores[rows]
    known = codes >= 0
    total = np.zeros(len(rows), dtype=np.float32)
    missing = np.zeros(len(rows), dtype=np.int32)
    for r in required:
        if r < 0:
            missing += 1  # a requirement outside the dictionary: no credit at this stage
            continue
        gathered = np.where(known, credit[np.where(known, codes, 0), r] * scores, 0.0).max(axis=1)
        total += gathered
        missing += gathered < feature_engine.SKILL_HELD_CREDIT
    return total / len(required), int(required.size), missing


def laborer_candidates(catalogue: Catalogue, o: OpeningQuery, today: int) -> np.ndarray:
    """Rows of laborers who could take the post: cheap whole-table tests first (not in work, willing,
    strong enough, of age), then reach: those near the site, and those who would travel further —
    anywhere for posts with organised transfer, within FAR_SEARCH_KM otherwise."""
    table = catalogue.laborers
    t = table.table
    oldest = today - int((o.age_max + 1) * DAYS_PER_YEAR)
    youngest = today - int(o.age_min * DAYS_PER_YEAR)
    able = (
        ~t.employed
        & (t.willingness > 0)
        & (rules.MAX_INTENSITY_FOR_CAPACITY[t.capacity] >= o.intensity)
        & (t.birth_ordinal > oldest)
        & (t.birth_ordinal <= youngest)
    )
    if o.pattern != PATTERN_HOME:
        able &= ~t.home_only
    reach = np.zeros(t.size, dtype=bool)
    reach[table.within(o.lat, o.lon, rules.COUNTY_SEARCH_KM)] = True
    if o.transfer:
        reach |= t.willingness >= WILLINGNESS["province"]
    else:
        wide = np.zeros(t.size, dtype=bool)
        wide[table.within(o.lat, o.lon, FAR_SEARCH_KM)] = True
        reach |= wide & (t.willingness >= WILLINGNESS["province"])
    return np.flatnonzero(able & reach)


def match_opening(
    catalogue: Catalogue,
    o: OpeningQuery,
    model: Model,
    today: int,
    limit: int = 10,
    visible: Visible | None = None,
    exclude: np.ndarray | None = None,
) -> Matches:
    """The laborers most likely to be hired here and stay, priority households first among equals.

    Only the `visible` rows are considered, if given (the caller's scope). `exclude` holds laborer rows
    not to offer as new matches (those already referred to the post).
    """
    t = catalogue.laborers.table
    rows = laborer_candidates(catalogue, o, today)
    if visible is not None:
        rows = rows[visible(rows)]
    if exclude is not None and len(exclude):
        rows = rows[~np.isin(rows, exclude)]
    distance = haversine_km(o.lat, o.lon, t.lat[rows], t.lon[rows])
    radius_ok = rules.within_radius(
        t.willingness[rows],
        t.county[rows],
        t.province[rows],
        distance,
        o.county,
        o.province,
        o.transfer,
        catalogue.village_radius_km(t.county[rows]),
    )
    ages = ((today - t.birth_ordinal[rows]) // DAYS_PER_YEAR).astype(np.int16)
    masks = rules.rule_masks(
        age=ages,
        capacity=t.capacity[rows],
        category=t.category[rows],
        household_public_welfare=t.household_public_welfare[rows],
        home_only=t.home_only[rows],
        radius_ok=radius_ok,
        kind=o.kind,
        age_min=o.age_min,
        age_max=o.age_max,
        intensity=o.intensity,
        pattern=o.pattern,
        remaining=o.remaining,
        deadline=o.deadline,
        is_open=o.is_open,
        today=today,
    )
    ok = rules.combine(masks, len(rows))
    excluded = rules.explain_exclusions(masks, len(rows))
    rows, distance, ages = rows[ok], distance[ok], ages[ok]
    fit, required, missing = laborer_skill_terms(catalogue, rows, o.skill_rows)
    if len(rows) > SHORTLIST:
        rough = PRIOR_SKILL_WEIGHT * fit - PRIOR_DISTANCE_WEIGHT * np.log1p(distance)
        keep = _top(rough, SHORTLIST)
        rows, distance, ages, fit, missing = rows[keep], distance[keep], ages[keep], fit[keep], missing[keep]
    feats = feature_engine.compute(
        feature_engine.PairInputs(
            skill_fit=fit,
            distance_km=distance,
            age=ages,
            willingness=t.willingness[rows],
            capacity=t.capacity[rows],
            needs_flexible=t.needs_flexible[rows],
            category=t.category[rows],
            risk=t.risk[rows],
            household_employed=t.household_employed[rows],
            past_referrals=t.past_referrals[rows],
            past_hires=t.past_hires[rows],
            kind=o.kind,
            age_min=o.age_min,
            age_max=o.age_max,
            intensity=o.intensity,
            pattern=o.pattern,
            transfer=o.transfer,
            wage_month=o.wage_month,
            skills_required=required,
            skills_missing=missing,
        )
    )
    first, chance = _score(model, feats, limit)
    # Among laborers as likely to stay, households where no one works yet come first.
    priority = 1.0 + PRIORITY_BOOST * (~t.household_employed[rows[first]])
    rank = chance * priority
    best = _top(rank, limit)
    pick = first[best]
    return Matches(rows[pick], chance[best], rank[best], feats[pick], distance[pick], int(ok.size), excluded)

"""Matching: which openings suit this laborer, and which laborers suit this opening.

Pure engine code: arrays in, arrays out. Two stages, so the cost follows the candidates:

1. candidates from the spatial index (and, for people who would leave the county, posts with
   organised transfer), cut by the hard rules, scored by the prior's cheap linear formula;
2. the best RERANK_LIMIT of those re-scored by the serving model; congestion (few places
   left, many open referrals) lowers the rank so the same few posts are not pushed to everyone.

Stage 1 keeps at most SHORTLIST candidates, the best by skill fit and distance (`rough`). Where the
candidates are many (a laborer who would go anywhere, an opening against the province), the hard rules
run over whole columns (no per-row copies) and the shortlist is found without measuring every distance
or fit: the rows whose skills the query's skills reach come from the code postings, and the rest, whose
fit is one value per kind of row, from the spatial blocks nearest first, until no farther row could still
make the shortlist. The result is the one the exhaustive computation gives (`exhaustive=True`, kept as
the reference the tests and the benchmark compare with): the same rows in the same order.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from jobmatch.geo import EARTH_RADIUS_KM
from jobmatch.matching import catalogue as cat
from jobmatch.matching import features as feature_engine
from jobmatch.matching import rules
from jobmatch.matching import skills as skill_engine
from jobmatch.matching.catalogue import PATTERN, WILLINGNESS, Catalogue, SpatialTable, haversine_km
from jobmatch.matching.ranker import Model, PriorModel

RERANK_LIMIT = 500
# Candidates given full features, chosen by the prior's two strongest terms (skill fit and distance):
# past this many, the rest rarely reach the top ten, and computing every feature for them costs more
# than the whole query may.
SHORTLIST = 5_000
PRIOR_SKILL_WEIGHT = 2.0
PRIOR_DISTANCE_WEIGHT = 0.5
# Rough scores are compared with this much room, so rounding never leaves out a row that belongs.
ROUGH_SLACK = 1e-9
# Each round of `_best_near` reads lower in rough score than the last by what the rows read so far
# suggest plus this (a factor e^0.1 ≈ 1.1 in distance), and by at most MAX_ROUND_STEP (e² ≈ 7.4): a first
# guess that was too high costs a few thin rings, not the province.
ROUND_STEP = 0.05
MAX_ROUND_STEP = 1.0
# Laborers willing to work anywhere in the province are considered within this distance of a post
# without organised transfer (further than any daily commute; they would move for it).
FAR_SEARCH_KM = 300.0
DAYS_PER_YEAR = 365.2425
# Births in the last days of a post's age range whose whole-year age is read one by one (`_age_rule`).
AGE_CHECK_DAYS = 8
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
    """Indices of the k highest scores, best first; equal scores in index order."""
    if len(score) <= k:
        return np.argsort(-score, kind="stable")
    part = _best_part(-score, k)
    return part[np.argsort(-score[part], kind="stable")]


def _best_part(cost: np.ndarray, k: int, rows: np.ndarray | None = None) -> np.ndarray:
    """Indices of the k lowest costs (len(cost) > k), in index order within each value; among equal costs
    at the cut, the lowest `rows` (index, if None) are kept."""
    kth = np.partition(cost, k - 1)[k - 1]
    if np.isnan(kth):  # fewer than k real scores (rows without coordinates)
        rank = np.lexsort((np.arange(len(cost)) if rows is None else rows, cost))
        return np.sort(rank[:k])
    better = np.flatnonzero(cost < kth)
    tied = np.flatnonzero(cost == kth)
    if rows is not None:
        tied = tied[np.argsort(rows[tied], kind="stable")]
    return np.concatenate([better, tied[: k - len(better)]])


def _rough(fit: np.ndarray, distance: np.ndarray) -> np.ndarray:
    """The prior's two strongest terms, skill fit and distance: what picks the SHORTLIST."""
    return PRIOR_SKILL_WEIGHT * fit - PRIOR_DISTANCE_WEIGHT * np.log1p(distance)


def _shortlist(rows: np.ndarray, fit: np.ndarray, distance: np.ndarray) -> np.ndarray:
    """Positions of the SHORTLIST best rows by rough score, best first; equal scores in row order (so the
    order of `rows` does not matter)."""
    cost = -_rough(fit, distance)
    part = _best_part(cost, SHORTLIST, rows) if len(rows) > SHORTLIST else np.arange(len(rows))
    part = part[np.argsort(cost[part], kind="stable")]
    ranked = cost[part]
    tied = np.flatnonzero(ranked[1:] == ranked[:-1])
    if tied.size:  # equal scores (rare): in row order
        part = part[np.lexsort((rows[part], ranked))]
    return part


def _kth_best(scores: np.ndarray, k: int) -> float:
    """The k-th highest score (-inf when there are fewer, or it is not a number)."""
    if len(scores) < k:
        return -math.inf
    kth = float(np.partition(scores, len(scores) - k)[len(scores) - k])
    return -math.inf if math.isnan(kth) else kth


@dataclass(frozen=True)
class Rest:
    """Rows whose fit is one value: those holding no skill code (`blank`: True), those holding one (False),
    or every row (None)."""

    fit: float
    blank: bool | None = None


def _best_near(
    table: SpatialTable,
    lat: float,
    lon: float,
    eligible: np.ndarray,
    measured: np.ndarray,
    fit_of: Callable[[np.ndarray], np.ndarray],
    fit_cap: float,
    rest: list[Rest],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Eligible rows (a mask over the table) among which are all that make the SHORTLIST, with their
    distances and fits: (rows, distance, fit), rows in no particular order.

    `measured` are eligible rows whose fit varies (`fit_of(rows)`, at most `fit_cap`); every eligible row
    outside the spatial blocks must be among them. Every other eligible row's fit is that of its `rest`
    class. No row scores more than its fit at its block's nearest distance, so rows are read in rounds,
    best possible score first: each round reads what could score at least a threshold (measured rows one
    by one, their fit computed once their cap could reach it; the rest block by block); once the
    SHORTLIST-th best score read is at least the threshold, nothing left unread could make the shortlist.
    """
    t = table.table
    blocks, postings = table.index()
    near = np.maximum(table.bounds(lat, lon, blocks)[0], 0.0)
    inside = measured < blocks.rows
    outside = measured[~inside]  # appended since the blocks were built: read at once
    fit = fit_of(outside)
    distance = haversine_km(lat, lon, t.lat[outside], t.lon[outside])
    found = [(outside, distance, fit)]
    scores = [_rough(fit, distance)]
    one = measured[inside]
    one_near = near[blocks.block_of[one]]
    one_best = _rough(np.float32(fit_cap), one_near) + ROUGH_SLACK  # until the fit is known
    one_fit = np.zeros(len(one), dtype=np.float32)
    one_known = np.zeros(len(one), dtype=bool)
    one_read = np.zeros(len(one), dtype=bool)
    unread = eligible[: blocks.rows].copy()
    unread[one] = False
    best_block = [_rough(np.float32(c.fit), near) + ROUGH_SLACK for c in rest]
    blank = postings.blank
    eligible_share = np.count_nonzero(unread) / max(blocks.rows, 1)
    blank_share = np.count_nonzero(blank) / max(len(blank), 1)
    shares = [eligible_share * (1.0 if c.blank is None else blank_share if c.blank else 1 - blank_share) for c in rest]
    threshold = _first_threshold(one_best, rest, shares, near, blocks.rows)
    lowest = min([float(b.min()) for b in [one_best, *best_block] if b.size], default=-math.inf)
    above = math.inf
    while True:
        reach = ~one_read & (one_best >= threshold)
        fresh = np.flatnonzero(reach & ~one_known)
        if fresh.size:
            one_fit[fresh] = fit_of(one[fresh])
            one_best[fresh] = _rough(one_fit[fresh], one_near[fresh]) + ROUGH_SLACK
            one_known[fresh] = True
            reach = ~one_read & (one_best >= threshold)
        one_read |= reach
        rows, fit = one[reach], one_fit[reach]
        distance = haversine_km(lat, lon, t.lat[rows], t.lon[rows])
        found.append((rows, distance, fit))
        scores.append(_rough(fit, distance))
        for c, best in zip(rest, best_block, strict=True):
            rows = blocks.rows_of(np.flatnonzero((best >= threshold) & (best < above)), c.blank)
            rows = rows[unread[rows]]
            fit = np.full(len(rows), c.fit, dtype=np.float32)
            distance = haversine_km(lat, lon, t.lat[rows], t.lon[rows])
            found.append((rows, distance, fit))
            scores.append(_rough(fit, distance))
        every = np.concatenate(scores)
        scores = [every]
        floor = _kth_best(every, SHORTLIST)
        if floor >= threshold or threshold == -math.inf:
            break
        # The next round reads down to the SHORTLIST-th best score so far, or, while fewer than SHORTLIST
        # have been read, as far again as the rows read so far suggest (in a plane, rows within a distance
        # grow with its square: score -0.5·log(distance), rows ~ e^(-4·score)).
        above = threshold
        step = math.log(SHORTLIST / max(np.count_nonzero(every >= threshold), 1)) / 4 + ROUND_STEP
        threshold = max(floor, threshold - min(step, MAX_ROUND_STEP))
        if threshold < lowest:
            threshold = -math.inf
    rows, distance, fit = (np.concatenate(parts) for parts in zip(*found, strict=True))
    return rows, distance, fit


def _first_threshold(best_one: np.ndarray, rest: list[Rest], shares: list[float], near: np.ndarray, rows: int) -> float:
    """A first threshold: what the nearest blocks holding about SHORTLIST / 2 eligible rows of a rest class
    would score (blocks are of about equal size, and eligible rows often denser near the point than over
    the table); with no rest rows, the SHORTLIST-th best cap of the measured rows (-inf: read everything)."""
    threshold = -math.inf
    for c, share in zip(rest, shares, strict=True):
        blocks = math.ceil(SHORTLIST / 2 * len(near) / max(share * rows, 1e-9))
        if share > 0 and blocks < len(near):
            threshold = max(threshold, float(_rough(np.float32(c.fit), np.partition(near, blocks)[blocks])))
    if threshold == -math.inf and len(best_one) >= SHORTLIST:
        threshold = float(np.partition(best_one, len(best_one) - SHORTLIST)[len(best_one) - SHORTLIST])
    return threshold


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


def _openings_every(catalogue: Catalogue, q: LaborerQuery, today: int, kinds, visible, exclude):
    """Every candidate opening measured: (rows, distance, fit, eligible, candidates, excluded), rows ascending."""
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
    return rows, distance, fit, len(rows), candidates, excluded


def _openings_far(catalogue: Catalogue, q: LaborerQuery, today: int, kinds, visible, exclude):
    """`_openings_every` for a laborer who would leave the county (willingness province or anywhere), whose
    candidates are most of the table: the rules over whole columns, then `_best_near` for the shortlist."""
    table = catalogue.openings
    t = table.table
    if q.willingness == WILLINGNESS["anywhere"]:
        reach = np.ones(t.size, dtype=bool)
    else:
        # Posts with organised transfer are candidates wherever they are: no need to measure them.
        reach = table.within_mask(q.lat, q.lon, rules.PROVINCE_SEARCH_KM, among=~t.transfer) | t.transfer
    if visible is not None:
        rows = np.flatnonzero(reach)
        reach[rows[~visible(rows)]] = False
    if kinds is not None:
        reach &= rules.one_of(t.kind, sorted(kinds))
    if exclude is not None and len(exclude):
        reach[exclude] = False
    masks = rules.rule_masks(
        age=q.age,
        capacity=q.capacity,
        category=q.category,
        household_public_welfare=q.household_public_welfare,
        home_only=q.home_only,
        radius_ok=True,
        kind=t.kind,
        age_min=t.age_min,
        age_max=t.age_max,
        intensity=t.intensity,
        pattern=t.pattern,
        remaining=t.remaining,
        deadline=t.deadline,
        is_open=t.is_open,
        today=today,
    )
    ok, candidates, excluded = _apply(reach, masks)
    if q.willingness == WILLINGNESS["province"]:
        # Posts in the province, with organised transfer, or within reach of the county border.
        radius_ok = (t.province == q.province) | t.transfer
        near, _ = table.near(q.lat, q.lon, rules.COUNTY_BORDER_KM, among=ok & ~radius_ok)
        radius_ok[near] = True
        excluded["radius"] = int(np.count_nonzero(ok & ~radius_ok))
        ok &= radius_ok
    eligible = int(np.count_nonzero(ok))
    if eligible <= SHORTLIST:
        rows = np.flatnonzero(ok)
        distance = haversine_km(q.lat, q.lon, t.lat[rows], t.lon[rows])
        return rows, distance, skill_engine.fit_many(q.skills, t.skills[rows]), eligible, candidates, excluded
    # Posts asking for a skill this laborer has some credit for: their fit is measured. Every other post's
    # fit is 0, or NO_REQUIREMENT_FIT if it asks for no particular skill.
    _, postings = table.index()
    known = _marked(ok, postings.holding(np.flatnonzero(q.skills.credit != 0)), table.loose())
    rows, distance, fit = _best_near(
        table,
        q.lat,
        q.lon,
        ok,
        known,
        lambda rows: skill_engine.fit_many(q.skills, t.skills[rows]),
        # A mean of credits, or NO_REQUIREMENT_FIT for a post that asks for nothing (possible for a loose row).
        max(float(q.skills.credit.max(initial=0.0)), skill_engine.NO_REQUIREMENT_FIT),
        [Rest(skill_engine.NO_REQUIREMENT_FIT, blank=True), Rest(0.0, blank=False)],
    )
    return rows, distance, fit, eligible, candidates, excluded


def _marked(among: np.ndarray, *rows: np.ndarray) -> np.ndarray:
    """The rows given (with repeats, in any order) that are in `among` (a mask), ascending, once each."""
    mask = np.zeros(len(among), dtype=bool)
    for part in rows:
        mask[part] = True
    return np.flatnonzero(mask & among)


def _apply(candidates: np.ndarray, masks: dict[str, np.ndarray]) -> tuple[np.ndarray, int, dict[str, int]]:
    """Rules over a whole table: the candidates (a mask) that pass every rule, how many candidates there
    were, and how many each rule dropped (as `rules.explain_exclusions` counts them)."""
    total = int(np.count_nonzero(candidates))
    everyone = total == len(candidates)
    ok = candidates.copy()
    excluded = {}
    for name, mask in masks.items():
        if np.ndim(mask) == 0:
            excluded[name] = 0 if mask else total
            if not mask:
                ok[:] = False
            continue
        excluded[name] = total - int(np.count_nonzero(mask if everyone else candidates & mask))
        ok &= mask
    return ok, total, excluded


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
    exhaustive: bool = False,
) -> Matches:
    """The openings most likely to give this laborer work that lasts, near-duplicates collapsed.

    Only the `visible` rows are considered, if given (the caller's scope). `exclude` holds opening rows
    not to offer as new matches (posts the laborer holds or is referred to); `collapse=False` keeps
    near-duplicates apart (a batch assignment fills each post's own places). `exhaustive` measures every
    candidate (the reference; the same result, slower for those who would leave the county).
    """
    t = catalogue.openings.table
    far = q.willingness >= WILLINGNESS["province"] and q.capacity > 0
    find = _openings_far if far and not exhaustive else _openings_every
    rows, distance, fit, eligible, candidates, excluded = find(catalogue, q, today, kinds, visible, exclude)
    if eligible > SHORTLIST:
        keep = _shortlist(rows, fit, distance)
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
    # Reading by reading (a laborer holds at most MAX_LABORER_CODES): a maximum along a short second axis
    # is several times slower than a few vector maxima.
    codes, scores = t.skill_codes[rows].T.copy(), t.skill_scores[rows].T.copy()
    known = codes >= 0
    total = np.zeros(len(rows), dtype=np.float32)
    missing = np.zeros(len(rows), dtype=np.int32)
    for r in required:
        if r < 0:
            missing += 1  # a requirement outside the dictionary: no credit at this stage
            continue
        column = np.append(credit[:, r], np.float32(0.0))  # the last cell answers for "no reading" (-1)
        gathered = None
        for held, code, score in zip(known, codes, scores, strict=True):
            # A reading no one here holds (most laborers hold one or two) counts 0 for all.
            value = np.where(held, np.take(column, code) * score, 0.0) if held.any() else np.float32(0.0)
            gathered = np.maximum(gathered, value) if gathered is not None else np.broadcast_to(value, held.shape)
        total += gathered
        missing += gathered < feature_engine.SKILL_HELD_CREDIT
    return total / len(required), int(required.size), missing


def laborer_candidates(catalogue: Catalogue, o: OpeningQuery, today: int) -> np.ndarray:
    """Rows of laborers who could take the post: cheap whole-table tests first (not in work, willing,
    strong enough, of age), then reach: those near the site, and those who would travel further —
    anywhere for posts with organised transfer, within FAR_SEARCH_KM otherwise."""
    table = catalogue.laborers
    t = table.table
    able = _able(t, o, today)
    reach = table.within_mask(o.lat, o.lon, rules.COUNTY_SEARCH_KM)
    if o.transfer:
        reach |= t.willingness >= WILLINGNESS["province"]
    else:
        reach |= table.within_mask(o.lat, o.lon, FAR_SEARCH_KM) & (t.willingness >= WILLINGNESS["province"])
    return np.flatnonzero(able & reach)


def _birth_range(o: OpeningQuery, today: int) -> tuple[int, int]:
    """Birth dates (ordinals) of those old enough and not too old for the post: (oldest excluded, youngest)."""
    return today - int((o.age_max + 1) * DAYS_PER_YEAR), today - int(o.age_min * DAYS_PER_YEAR)


def _able(t, o: OpeningQuery, today: int) -> np.ndarray:
    """Laborers not in work, willing, strong enough and of age for the post (a mask over the table)."""
    oldest, youngest = _birth_range(o, today)
    able = (
        ~t.employed
        & (t.willingness > 0)
        & rules.capacity_allows(t.capacity, o.intensity)
        & (t.birth_ordinal > oldest)
        & (t.birth_ordinal <= youngest)
    )
    if o.pattern != PATTERN_HOME:
        able &= ~t.home_only
    return able


def _whole_years(today: int, birth: np.ndarray) -> np.ndarray:
    """Age in whole years, as the age rule and the features read it."""
    return ((today - birth) // DAYS_PER_YEAR).astype(np.int16)


def _age_rule(t, o: OpeningQuery, today: int, able: np.ndarray) -> np.ndarray:
    """The age rule over the table, exact for the `able` rows (others read either way).

    Age in whole years falls as the birth date rises, and for an able laborer (born in the post's range,
    `_birth_range`) it is never above age_max and below age_min only if born in the last few days of the
    range; so the rule is one birth-date bound, found by reading the ages of those few days.
    """
    oldest, youngest = _birth_range(o, today)
    days = np.arange(youngest - AGE_CHECK_DAYS, youngest + 1, dtype=t.birth_ordinal.dtype)
    ages = _whole_years(today, days)
    ok = (ages >= o.age_min) & (ages <= o.age_max)
    oldest_ok = _whole_years(today, np.asarray([oldest + 1], dtype=days.dtype))
    if ok[0] and o.age_min <= oldest_ok[0] <= o.age_max and not np.any(np.diff(ok.astype(np.int8)) > 0):
        return t.birth_ordinal <= days[np.flatnonzero(ok)[-1]]
    # Not so (a post whose ages contradict each other): the ages of every able laborer decide.
    mask = np.zeros(t.size, dtype=bool)
    rows = np.flatnonzero(able)
    ages = _whole_years(today, t.birth_ordinal[rows])
    mask[rows] = (ages >= o.age_min) & (ages <= o.age_max)
    return mask


def _laborers_every(catalogue: Catalogue, o: OpeningQuery, today: int, visible, exclude):
    """Every candidate laborer measured: (rows, distance, fit, eligible, candidates, excluded), rows ascending."""
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
    masks = rules.rule_masks(
        age=_whole_years(today, t.birth_ordinal[rows]),
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
    rows, distance = rows[ok], distance[ok]
    fit = laborer_skill_fit(catalogue, rows, o.skill_rows)
    return rows, distance, fit, len(rows), int(ok.size), excluded


def _laborers_far(catalogue: Catalogue, o: OpeningQuery, today: int, visible, exclude):
    """`_laborers_every` without measuring every candidate: the rules over whole columns, distances only
    where a radius is in doubt, then `_best_near` for the shortlist."""
    table = catalogue.laborers
    t = table.table
    able = _able(t, o, today)
    w = t.willingness
    far = w >= WILLINGNESS["province"]
    home = able & ~far
    reach = home & table.within_mask(o.lat, o.lon, rules.COUNTY_SEARCH_KM, among=home)
    travel = able & far
    if not o.transfer:
        travel &= table.within_mask(o.lat, o.lon, max(FAR_SEARCH_KM, rules.COUNTY_SEARCH_KM), among=travel)
    reach |= travel
    if visible is not None:
        rows = np.flatnonzero(reach)
        reach[rows[~visible(rows)]] = False
    if exclude is not None and len(exclude):
        reach[exclude] = False
    # `rules.within_radius` over the table: the distance is measured only near the site, where it decides.
    radius_ok = (w >= WILLINGNESS["anywhere"]) | ((w == WILLINGNESS["province"]) & (t.province == o.province))
    if o.transfer:
        radius_ok |= far
    county = table.in_county(o.county)
    radius_ok[county[w[county] == WILLINGNESS["county"]]] = True
    widest = max(rules.COUNTY_BORDER_KM, catalogue.widest_village_radius_km())
    rows, distance = table.near(o.lat, o.lon, widest, among=reach & ~radius_ok)
    village = w[rows] == WILLINGNESS["village"]
    radius_ok[rows[village & (distance <= catalogue.village_radius_km(t.county[rows]))]] = True
    radius_ok[rows[~village & (distance <= rules.COUNTY_BORDER_KM)]] = True
    # Rules `_able` applied to every candidate already (strong enough, home-based only) are read as passed.
    masks = rules.rule_masks(
        age=o.age_min,  # read from the birth dates below
        capacity=cat.CAPACITY["skilled"],
        category=t.category,
        household_public_welfare=t.household_public_welfare,
        home_only=False,
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
    masks["age"] = _age_rule(t, o, today, able)
    ok, candidates, excluded = _apply(reach, masks)
    eligible = int(np.count_nonzero(ok))
    if eligible <= SHORTLIST:
        rows = np.flatnonzero(ok)
        distance = haversine_km(o.lat, o.lon, t.lat[rows], t.lon[rows])
        return rows, distance, laborer_skill_fit(catalogue, rows, o.skill_rows), eligible, candidates, excluded
    # Laborers holding a reading that the post's skills give credit for: their fit is measured. Every
    # other laborer's fit is 0, or NO_REQUIREMENT_FIT if the post asks for no particular skill.
    _, postings = table.index()
    required = o.skill_rows[o.skill_rows != skill_engine.NO_REQUIREMENT]
    wanted = required[required >= 0]
    credit = skill_engine.dictionary().credit
    codes = np.flatnonzero((credit[:, wanted] != 0).any(axis=1)) if wanted.size else np.zeros(0, dtype=np.intp)
    known = _marked(ok, postings.holding(codes), table.loose())
    rest = skill_engine.NO_REQUIREMENT_FIT if required.size == 0 else 0.0
    # A mean over the required skills of the best credit × score a reading earns.
    cap = float(np.abs(credit[:, wanted]).max(axis=0, initial=0.0).sum()) * table.peak / max(required.size, 1)
    rows, distance, fit = _best_near(
        table,
        o.lat,
        o.lon,
        ok,
        known,
        lambda rows: laborer_skill_fit(catalogue, rows, o.skill_rows),
        max(cap, rest),
        [Rest(rest)],
    )
    return rows, distance, fit, eligible, candidates, excluded


def match_opening(
    catalogue: Catalogue,
    o: OpeningQuery,
    model: Model,
    today: int,
    limit: int = 10,
    visible: Visible | None = None,
    exclude: np.ndarray | None = None,
    exhaustive: bool = False,
) -> Matches:
    """The laborers most likely to be hired here and stay, priority households first among equals.

    Only the `visible` rows are considered, if given (the caller's scope). `exclude` holds laborer rows
    not to offer as new matches (those already referred to the post). `exhaustive` measures every
    candidate (the reference; the same result, slower).
    """
    t = catalogue.laborers.table
    find = _laborers_every if exhaustive else _laborers_far
    rows, distance, fit, eligible, candidates, excluded = find(catalogue, o, today, visible, exclude)
    if eligible > SHORTLIST:
        keep = _shortlist(rows, fit, distance)
        rows, distance = rows[keep], distance[keep]
    ages = _whole_years(today, t.birth_ordinal[rows])
    fit, required, missing = laborer_skill_terms(catalogue, rows, o.skill_rows)
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
    return Matches(rows[pick], chance[best], rank[best], feats[pick], distance[pick], candidates, excluded)

"""Hard rules (SPEC §5.1): pairs that can never work are dropped before anything is scored.

Each rule is a vectorised test over arrays; every function takes the laborer's and the
openings' values (scalars broadcast against arrays) and returns a boolean mask. The reason a
pair was dropped is kept by `explain_exclusions`, so a cadre can be told why few posts
came back and what would widen the search.
"""

from __future__ import annotations

import numpy as np

from jobmatch.matching.catalogue import CATEGORY, INTENSITY, KIND, PATTERN, WILLINGNESS

# How far "work near home" (willingness: village) reaches, in km, unless the county sets its own radius:
# "work at the doorstep" means about 5 km in the field (India's rural employment guarantee also uses 5 km).
VILLAGE_RADIUS_KM = 5.0
# The range a county may set its village radius to.
MIN_VILLAGE_RADIUS_KM = 1.0
MAX_VILLAGE_RADIUS_KM = 30.0
# Sites just across the county line count as in the county for people living near it.
COUNTY_BORDER_KM = 30.0
# Candidate search for those who will only work near the village: wider than any village radius, so the
# posts the radius cuts are counted and the cadre is told so (for candidate search only).
VILLAGE_SEARCH_KM = 15.0
# Radius that surely holds every site of a county or a province (for candidate search only).
COUNTY_SEARCH_KM = 120.0
PROVINCE_SEARCH_KM = 600.0

# The heaviest work each capacity can take (SPEC glossary: 弱劳动力或半劳动力 → light work only).
MAX_INTENSITY_FOR_CAPACITY = np.array(
    [
        -1,  # none: no work
        INTENSITY["light"],  # weak
        INTENSITY["heavy"],  # normal
        INTENSITY["heavy"],  # skilled
    ],
    dtype=np.int8,
)

# Household categories that public-welfare posts are for (everyone but "other").
PUBLIC_WELFARE_CATEGORIES = np.array(
    [CATEGORY["out_of_poverty"], CATEGORY["unstable"], CATEGORY["marginal"], CATEGORY["sudden_hardship"]]
)

RULES = ("age", "public_welfare", "radius", "intensity", "home_based", "headcount", "deadline", "closed")

REASONS = {
    "age": ("年龄不在岗位要求范围内", "age outside the post's range"),
    "public_welfare": (
        "公益性岗位只面向脱贫户和监测户，每户限一人",
        "public-welfare posts are for out-of-poverty and monitored households, one per household",
    ),
    "radius": ("超出本人愿意的就业范围", "beyond the distance the laborer is willing to travel"),
    "intensity": ("劳动强度超出本人劳动能力", "work heavier than the laborer's capacity"),
    "home_based": ("本人只能居家就业", "the laborer can only work from home"),
    "headcount": ("岗位已招满", "no places left"),
    "deadline": ("岗位已过截止日期", "past the deadline"),
    "closed": ("岗位已关闭", "the post is closed"),
    # Not pair rules: why a laborer has no candidates at all.
    "willingness": ("本人暂无就业意愿", "the laborer has not said they want work"),
    "capacity": ("本人已丧失劳动能力", "the laborer cannot work"),
    "nothing_near": ("可到达范围内暂无在招岗位", "no open posts within reach"),
}


def radius_reason(village_radius_km: float) -> tuple[str, str]:
    """Why a post was cut for a laborer who will only work near the village, with the radius in force."""
    km = f"{village_radius_km:g}"
    return f"超出本村就业半径 {km} 公里", f"beyond the {km} km village radius"


# What a cadre can change to widen a search that came back short, by the rule that cut most.
WIDEN = {
    "nothing_near": (
        "可与本人商量扩大就业意愿范围（如县内、省内），或查看有统一组织输出的岗位",
        "ask whether the laborer would work further away (county, province) or take a post with organised transfer",
    ),
    "radius": (
        "可与本人商量扩大就业意愿范围（如县内、省内），或查看有统一组织输出的岗位",
        "ask whether the laborer would work further away (county, province) or take a post with organised transfer",
    ),
    "intensity": ("可查看轻体力或居家岗位", "look for light or home-based work"),
    "age": ("可查看年龄上限放宽至 65 岁的公益性岗位或帮扶车间", "look at public-welfare posts up to 65 and workshops"),
    "home_based": ("可查看允许居家加工的帮扶车间", "look at workshops that allow home piecework"),
    "headcount": ("已满岗位较多，可稍后再查", "many posts are full; look again later"),
}


def within_radius(
    willingness: int | np.ndarray,
    laborer_county: int | np.ndarray,
    laborer_province: int | np.ndarray,
    distance_km: np.ndarray,
    county: int | np.ndarray,
    province: int | np.ndarray,
    transfer: bool | np.ndarray,
    village_radius_km: float | np.ndarray = VILLAGE_RADIUS_KM,
) -> np.ndarray:
    """Sites the laborer is willing to reach; organised transfer opens far posts to those who would leave the county.

    `village_radius_km` is the reach of "work near home" in the laborer's county (one value or one per laborer).
    """
    w, distance, lc, lp, c, p, tr, village_km = np.broadcast_arrays(
        willingness, distance_km, laborer_county, laborer_province, county, province, transfer, village_radius_km
    )
    near_border = distance <= COUNTY_BORDER_KM
    ok = np.select(
        [
            w == WILLINGNESS["none"],
            w == WILLINGNESS["village"],
            w == WILLINGNESS["county"],
            w == WILLINGNESS["province"],
        ],
        [False, distance <= village_km, (c == lc) | near_border, (p == lp) | near_border],
        default=True,
    )
    return ok | ((w >= WILLINGNESS["province"]) & tr.astype(bool))


def capacity_allows(capacity: int | np.ndarray, intensity: int | np.ndarray) -> np.ndarray:
    """Work of this intensity is within the capacity (MAX_INTENSITY_FOR_CAPACITY), as a mask.

    For one intensity against many laborers, a comparison per capacity code rather than a lookup per row.
    """
    if np.ndim(intensity) == 0 and np.ndim(capacity) > 0:
        allowed = np.flatnonzero(MAX_INTENSITY_FOR_CAPACITY >= intensity)
        if allowed.size and allowed[-1] == len(MAX_INTENSITY_FOR_CAPACITY) - 1 and np.all(np.diff(allowed) == 1):
            return np.asarray(capacity) >= int(allowed[0])  # the strongest capacities, from one code up: one comparison
        return one_of(capacity, allowed)
    return np.asarray(intensity) <= MAX_INTENSITY_FOR_CAPACITY[np.asarray(capacity)]


def one_of(values: np.ndarray, allowed) -> np.ndarray:
    """values ∈ allowed (a few codes), as a mask: one comparison per code (np.isin builds a lookup table for
    small integer codes, a gather per row that costs ten times as much on a large table)."""
    values = np.asarray(values)
    mask = np.zeros(values.shape, dtype=bool)
    for code in np.asarray(allowed).tolist():
        mask |= values == code
    return mask


def rule_masks(
    *,
    age: int | np.ndarray,
    capacity: int | np.ndarray,
    category: int | np.ndarray,
    household_public_welfare: bool | np.ndarray,
    home_only: bool | np.ndarray,
    radius_ok: np.ndarray,
    kind: np.ndarray | int,
    age_min: np.ndarray | int,
    age_max: np.ndarray | int,
    intensity: np.ndarray | int,
    pattern: np.ndarray | int,
    remaining: np.ndarray | int,
    deadline: np.ndarray | int,
    is_open: np.ndarray | bool,
    today: int,
) -> dict[str, np.ndarray]:
    """One mask per rule: True where the pair passes it. Scalars and arrays broadcast (a rule that one
    side's single value decides is a single bool)."""
    age = _scalar(age)
    public_welfare = np.asarray(kind) == KIND["public_welfare"]
    if np.ndim(public_welfare) == 0 and not public_welfare:
        listed = True  # not a public-welfare post: who the laborer is does not matter
    elif np.ndim(category) == 0 and np.ndim(household_public_welfare) == 0:
        listed = bool(np.isin(category, PUBLIC_WELFARE_CATEGORIES)) and not household_public_welfare
    else:
        listed = one_of(category, PUBLIC_WELFARE_CATEGORIES) & ~np.asarray(household_public_welfare)
    return {
        "age": (age >= _scalar(age_min)) & (age <= _scalar(age_max)),
        "public_welfare": _either(~public_welfare, listed),
        "radius": radius_ok,
        "intensity": capacity_allows(capacity, intensity),
        "home_based": _either(~np.asarray(home_only), np.asarray(pattern) == PATTERN["home_piecework"]),
        "headcount": np.asarray(remaining) > 0,
        "deadline": np.asarray(deadline) >= today,
        "closed": np.asarray(is_open),
    }


def _scalar(value):
    """A single value as a Python number (compared with an array in the array's own type), else the array."""
    return value.item() if np.ndim(value) == 0 and hasattr(value, "item") else value


def _either(a, b):
    """a | b for masks, either of which may be a single bool (then no array is made for it)."""
    for one, other in ((a, b), (b, a)):
        if np.ndim(one) == 0:
            return np.True_ if one else np.asarray(other, dtype=bool)
    return a | b


def combine(masks: dict[str, np.ndarray], size: int) -> np.ndarray:
    """Pairs that pass every rule."""
    ok = np.ones(size, dtype=bool)
    for mask in masks.values():
        ok &= np.broadcast_to(mask, (size,))
    return ok


def explain_exclusions(masks: dict[str, np.ndarray], size: int) -> dict[str, int]:
    """How many candidates each rule dropped (a pair may fail several)."""
    return {name: int(size - np.count_nonzero(np.broadcast_to(mask, (size,)))) for name, mask in masks.items()}

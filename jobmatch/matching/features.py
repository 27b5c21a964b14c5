"""Features of a (laborer, opening) pair (SPEC §5.3), computed for many pairs at once.

Sex, ethnicity and other protected attributes are never features: nothing here reads them,
and tests/matching/test_features.py checks the names. Each feature is a column of a float32
matrix whose order is FEATURE_NAMES; models store that list and refuse another.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jobmatch.matching.catalogue import CATEGORY, KIND, PATTERN, WILLINGNESS
from jobmatch.matching.rules import COUNTY_BORDER_KM, MAX_INTENSITY_FOR_CAPACITY

FEATURE_NAMES = (
    # Hand-made terms: how the pair fits, as placement staff read it.
    "skill_fit",
    "no_skill_required",
    "skills_missing",
    "log_distance_km",
    "distance_over_tolerance",
    "age_margin",
    "flexible_fit",
    "home_based",
    "log_wage_ratio",
    "capacity_headroom",
    "strain",
    "no_one_employed",
    "monitored_household",
    "risk_level",
    "public_welfare_priority",
    "organised_transfer_far",
    "past_hire_rate",
    "workshop_post",
    # The observed fields themselves, so that a trained model can find interactions the terms above miss.
    "age",
    "capacity",
    "intensity",
    "public_welfare_post",
    "willingness",
    "needs_flexible",
    "flexible_post",
    "organised_transfer",
)

# Features whose effect the domain knows for certain, for the same person and post (+1: more is never
# worse, -1: more is never better): a trained gradient-boosting model is held to them.
MONOTONIC = {
    "skill_fit": 1,  # more of the needed skill never makes a hire less likely to last
    "skills_missing": -1,  # lacking one more required skill never helps
    "log_distance_km": -1,  # farther is never better
    "distance_over_tolerance": -1,
    "flexible_fit": 1,
    "log_wage_ratio": 1,  # more pay for the same work is never worse
    "capacity_headroom": 1,
    "strain": -1,
}

# How far people are willing to travel each day, in km, by the willingness they stated (indexed by its code).
BASE_TOLERANCE_KM = np.zeros(len(WILLINGNESS))
BASE_TOLERANCE_KM[WILLINGNESS["none"]] = 1.0
BASE_TOLERANCE_KM[WILLINGNESS["village"]] = 10.0
BASE_TOLERANCE_KM[WILLINGNESS["county"]] = 40.0
BASE_TOLERANCE_KM[WILLINGNESS["province"]] = 150.0
BASE_TOLERANCE_KM[WILLINGNESS["anywhere"]] = 400.0
# Tolerance falls by this share per year of age past TOLERANCE_AGE, down to TOLERANCE_AGE_FLOOR of itself:
# a 62-year-old goes about two thirds as far as a 45-year-old.
TOLERANCE_AGE = 45
TOLERANCE_FALL_PER_YEAR = 0.02
TOLERANCE_AGE_FLOOR = 0.4
# Carers (needing flexible hours) go half as far to a full-time post.
CARER_TOLERANCE = 0.5
# With organised transfer (shuttle to a far site, lodging there) distance matters this much less.
TRANSFER_DISTANCE_DISCOUNT = 0.25
# Monthly wage taken as the local norm (CNY): what a full-time job in a Jiangxi county pays.
LOCAL_NORM_WAGE_MONTH = 3000.0
# Monthly-equivalent for day and piece wages: days worked a month.
WORKING_DAYS_PER_MONTH = 22
# Public-welfare posts favour older laborers (from this age) and those with weak capacity.
PUBLIC_WELFARE_PRIORITY_AGE = 50
MAX_AGE_MARGIN_YEARS = 20.0
# Strain: medium and heavy work wear out a weak laborer at once, and a normal one from STRAIN_AGE on,
# fully by STRAIN_AGE + STRAIN_YEARS (heavy work at 65 is as hard as it gets; medium work half that).
STRAIN_AGE = 50
STRAIN_YEARS = 15.0
# A required skill counts as held when the laborer's credit for it reaches this (a close synonym or
# the skill itself); below it the skill is missing.
SKILL_HELD_CREDIT = 0.5

MONITORED = np.array([CATEGORY["unstable"], CATEGORY["marginal"], CATEGORY["sudden_hardship"]])


@dataclass(frozen=True)
class PairInputs:
    """Everything the features need, one entry per pair (scalars broadcast)."""

    skill_fit: np.ndarray
    distance_km: np.ndarray
    age: np.ndarray | int
    willingness: np.ndarray | int
    capacity: np.ndarray | int
    needs_flexible: np.ndarray | bool
    category: np.ndarray | int
    risk: np.ndarray | int
    household_employed: np.ndarray | bool
    past_referrals: np.ndarray | int
    past_hires: np.ndarray | int
    kind: np.ndarray | int
    age_min: np.ndarray | int
    age_max: np.ndarray | int
    intensity: np.ndarray | int
    pattern: np.ndarray | int
    transfer: np.ndarray | bool
    wage_month: np.ndarray | float
    # Required skills of the post (0: it needs no particular skill) and those of them the laborer lacks.
    skills_required: np.ndarray | int
    skills_missing: np.ndarray | int


def skill_counts(credit: np.ndarray, required: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Required skills per opening and how many of them one laborer lacks.

    `credit` is the laborer's credit per dictionary skill, `required` the openings' rows of required
    skills (openings × k; -1 a skill outside the dictionary, which no credit reaches; -2 padding).
    """
    from jobmatch.matching.skills import NO_REQUIREMENT

    required = np.atleast_2d(np.asarray(required))
    table = np.concatenate([np.asarray(credit, dtype=np.float32), np.zeros(2, dtype=np.float32)])
    counts = np.zeros(len(required), dtype=np.int64)
    missing = np.zeros(len(required), dtype=np.int64)
    # Column by column: a sum along a short second axis is several times slower than k vector adds.
    for column in required.T:
        present = column != NO_REQUIREMENT
        counts += present
        missing += present & (np.take(table, column) < SKILL_HELD_CREDIT)
    return counts, missing


def tolerance_km(willingness, age, needs_flexible, pattern) -> np.ndarray:
    """Distance the laborer will travel daily: less with age and, for full-time posts, with caring duties."""
    base = BASE_TOLERANCE_KM[np.asarray(willingness)]
    age_factor = np.clip(
        1 - TOLERANCE_FALL_PER_YEAR * np.maximum(np.asarray(age) - TOLERANCE_AGE, 0), TOLERANCE_AGE_FLOOR, 1
    )
    carer = np.asarray(needs_flexible) & (np.asarray(pattern) == PATTERN["full_time"])
    return base * age_factor * np.where(carer, CARER_TOLERANCE, 1.0)


def compute(p: PairInputs) -> np.ndarray:
    """The feature matrix (pairs × FEATURE_NAMES) as float32."""
    n = len(p.skill_fit)
    pattern = np.broadcast_to(p.pattern, (n,))
    home = pattern == PATTERN["home_piecework"]
    flexible_post = home | (pattern == PATTERN["flexible_hours"])
    transfer = np.broadcast_to(np.asarray(p.transfer, dtype=bool), (n,))
    transfer_far = transfer & (p.distance_km > COUNTY_BORDER_KM)
    # Home-based piecework has no commute; organised transfer (shuttle, lodging) makes a far site nearer.
    distance = np.where(home, 0.0, p.distance_km) * np.where(transfer_far, TRANSFER_DISTANCE_DISCOUNT, 1.0)
    tolerance = tolerance_km(p.willingness, p.age, p.needs_flexible, pattern)
    age = np.broadcast_to(np.asarray(p.age, dtype=np.float64), (n,))
    margin = np.minimum(age - p.age_min, p.age_max - age)
    needs = np.broadcast_to(p.needs_flexible, (n,))
    flexible_fit = np.where(needs, np.where(flexible_post, 1.0, -1.0), 0.0)
    wage = np.asarray(p.wage_month, dtype=np.float64)
    wage_ratio = np.where(
        np.isfinite(wage) & (wage > 0), np.log(np.where(wage > 0, wage, 1) / LOCAL_NORM_WAGE_MONTH), 0.0
    )
    capacity = np.broadcast_to(np.asarray(p.capacity), (n,))
    intensity = np.broadcast_to(np.asarray(p.intensity), (n,))
    headroom = MAX_INTENSITY_FOR_CAPACITY[capacity] - intensity
    weak = capacity <= 1
    wear = np.where(weak, 1.0, np.clip((age - STRAIN_AGE) / STRAIN_YEARS, 0, 1))
    strain = intensity / 2.0 * wear
    kind = np.broadcast_to(np.asarray(p.kind), (n,))
    public_welfare = kind == KIND["public_welfare"]
    pw_priority = public_welfare & (weak | (age >= PUBLIC_WELFARE_PRIORITY_AGE))
    required = np.broadcast_to(np.asarray(p.skills_required), (n,))
    no_requirement = required == 0
    # A post that needs no particular skill is no proof of fit: its skill fit is 0, and the flag says why.
    skill_fit = np.where(no_requirement, 0.0, p.skill_fit)
    columns = {
        "skill_fit": skill_fit,
        "no_skill_required": no_requirement,
        "skills_missing": np.broadcast_to(np.asarray(p.skills_missing), (n,)),
        "log_distance_km": np.log1p(distance),
        "distance_over_tolerance": distance / tolerance,
        "age_margin": np.clip(margin, 0, MAX_AGE_MARGIN_YEARS) / 10.0,
        "flexible_fit": flexible_fit,
        "home_based": home,
        "log_wage_ratio": wage_ratio,
        "capacity_headroom": headroom,
        "strain": strain,
        "no_one_employed": ~np.asarray(p.household_employed),
        "monitored_household": np.isin(p.category, MONITORED),
        "risk_level": np.asarray(p.risk) / 2.0,
        "public_welfare_priority": pw_priority,
        "organised_transfer_far": transfer_far,
        "past_hire_rate": past_hire_rate(p.past_referrals, p.past_hires),
        "workshop_post": kind == KIND["workshop"],
        "age": age,
        "capacity": capacity,
        "intensity": intensity,
        "public_welfare_post": public_welfare,
        "willingness": p.willingness,
        "needs_flexible": needs,
        "flexible_post": flexible_post,
        "organised_transfer": transfer,
    }
    out = np.empty((n, len(FEATURE_NAMES)), dtype=np.float32)
    for i, name in enumerate(FEATURE_NAMES):
        out[:, i] = columns[name]  # cast to float32 and broadcast as it is written
    return out


def past_hire_rate(labelled_referrals, lasting_hires) -> np.ndarray:
    """Lasting hires among the laborer's earlier referrals whose outcome was known, shrunk towards 0.

    One definition for training and serving: both count what `jobmatch.placements.outcomes`
    labels (a hire that lasted 90 days; a refusal or an early leaving as a failure), as known
    on the day the referral is made (training) or today (serving).
    """
    return np.asarray(lasting_hires, dtype=np.float64) / (np.asarray(labelled_referrals, dtype=np.float64) + 1)


def farther(features: np.ndarray, factor: float) -> np.ndarray:
    """The same pairs with every commute `factor` times as long (to check that farther is never better)."""
    out = features.astype(np.float64, copy=True)
    log_d, over = FEATURE_NAMES.index("log_distance_km"), FEATURE_NAMES.index("distance_over_tolerance")
    out[:, log_d] = np.log1p(np.expm1(out[:, log_d]) * factor)
    out[:, over] = out[:, over] * factor
    return out.astype(np.float32)

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
    "skill_fit",
    "log_distance_km",
    "distance_over_tolerance",
    "age_margin",
    "flexible_fit",
    "home_based",
    "log_wage_ratio",
    "capacity_headroom",
    "no_one_employed",
    "monitored_household",
    "risk_level",
    "public_welfare_priority",
    "organised_transfer_far",
    "past_hire_rate",
    "workshop_post",
)

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
    transfer_far = np.asarray(p.transfer) & (p.distance_km > COUNTY_BORDER_KM)
    distance = np.where(home, 0.0, p.distance_km) * np.where(transfer_far, TRANSFER_DISTANCE_DISCOUNT, 1.0)
    tolerance = tolerance_km(p.willingness, p.age, p.needs_flexible, pattern)
    age = np.asarray(p.age, dtype=np.float64)
    margin = np.minimum(age - p.age_min, p.age_max - age)
    needs = np.broadcast_to(p.needs_flexible, (n,))
    flexible_fit = np.where(needs, np.where(flexible_post, 1.0, -1.0), 0.0)
    wage = np.asarray(p.wage_month, dtype=np.float64)
    wage_ratio = np.where(
        np.isfinite(wage) & (wage > 0), np.log(np.where(wage > 0, wage, 1) / LOCAL_NORM_WAGE_MONTH), 0.0
    )
    headroom = MAX_INTENSITY_FOR_CAPACITY[np.asarray(p.capacity)] - np.asarray(p.intensity)
    public_welfare = np.asarray(p.kind) == KIND["public_welfare"]
    pw_priority = public_welfare & ((np.asarray(p.capacity) <= 1) | (age >= PUBLIC_WELFARE_PRIORITY_AGE))
    hire_rate = np.asarray(p.past_hires, dtype=np.float64) / (np.asarray(p.past_referrals, dtype=np.float64) + 1)
    columns = [
        p.skill_fit,
        np.log1p(distance),
        distance / tolerance,
        np.clip(margin, 0, MAX_AGE_MARGIN_YEARS) / 10.0,
        flexible_fit,
        home,
        wage_ratio,
        headroom,
        ~np.asarray(p.household_employed),
        np.isin(p.category, MONITORED),
        np.asarray(p.risk) / 2.0,
        pw_priority,
        transfer_far,
        hire_rate,
        np.asarray(p.kind) == KIND["workshop"],
    ]
    return np.column_stack([np.broadcast_to(np.asarray(c, dtype=np.float32), (n,)) for c in columns]).astype(np.float32)

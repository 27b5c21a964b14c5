"""A simulated county for developing the ranker: hidden interactions, noisy records, labels drawn from a true chance.

Pure numpy and the engine's own features (jobmatch/matching/features.py); no database. The truth
below is deliberately not the prior's formula: it has interactions the features only approximate
(age × distance, caring × hours, age and capacity × intensity, pay with diminishing returns,
public-welfare posts for the weakest and oldest), a hidden reliability per person and a hidden
quality per employer, and recorded skills that miss some true ones and claim some false ones.

- `county(seed)` draws laborers and posts;
- `history(county, seed)` draws 18 months of referrals as cadres make them (a noisy "skill, then
  near" habit) and their outcomes: the training set;
- `holdout_lists(county, seed)` gives, for laborers not seen in training, every candidate post
  under the hard rules with a label drawn from the true chance: what each laborer's list would
  have held, and `true_chance` as the ceiling.

Run: PYTHONPATH=. .venv/bin/python bench/simulator.py [--seed 7] [--laborers 3000] [--posts 600]
(prints NDCG@10 and top-3 precision of the prior, a trained model and the baselines).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import numpy as np

from jobmatch.matching import features as feature_engine
from jobmatch.matching import ranker
from jobmatch.matching.catalogue import CAPACITY, CATEGORY, KIND, PATTERN, WILLINGNESS
from jobmatch.matching.rules import MAX_INTENSITY_FOR_CAPACITY

SKILLS = 12  # kinds of skill in the county
COUNTY_KM = 60.0  # the county is a square this wide
START = 739000  # first day of the history (an ordinal)
HISTORY_DAYS = 540
KNOWN_AFTER_DAYS = 100  # an outcome is known this long after the referral (hire + 90 days)


@dataclass
class County:
    n: int
    m: int
    lab: dict  # laborer arrays
    post: dict  # post arrays
    true_skill: np.ndarray  # laborers × SKILLS, what they can really do
    said_skill: np.ndarray  # laborers × SKILLS, what the record says
    required: np.ndarray  # posts × SKILLS


def county(seed: int = 7, laborers: int = 3000, posts: int = 600) -> County:
    rng = np.random.default_rng(seed)
    n, m = laborers, posts
    age = np.clip(rng.normal(47, 11, n), 18, 70).round()
    sex = rng.integers(0, 2, n)  # 0 man, 1 woman: read only by the parity table
    weak = rng.random(n) < np.clip((age - 40) / 60, 0.05, 0.5)
    capacity = np.where(weak, CAPACITY["weak"], np.where(rng.random(n) < 0.2, CAPACITY["skilled"], CAPACITY["normal"]))
    # Carers: more often women of 30-55, and older people looking after grandchildren.
    carer_p = np.where((sex == 1) & (age >= 30) & (age <= 55), 0.5, 0.15)
    needs_flexible = rng.random(n) < carer_p
    willingness = rng.choice(
        [WILLINGNESS["village"], WILLINGNESS["county"], WILLINGNESS["province"]], n, p=[0.35, 0.5, 0.15]
    )
    true_skill = rng.random((n, SKILLS)) < 0.12
    # Records miss a third of true skills and claim a few false ones.
    said_skill = (true_skill & (rng.random((n, SKILLS)) > 0.33)) | (rng.random((n, SKILLS)) < 0.03)
    lab = {
        "x": rng.uniform(0, COUNTY_KM, n),
        "y": rng.uniform(0, COUNTY_KM, n),
        "age": age,
        "sex": sex,
        "capacity": capacity,
        "needs_flexible": needs_flexible,
        "willingness": willingness,
        "category": rng.choice([CATEGORY["out_of_poverty"], CATEGORY["unstable"], CATEGORY["marginal"]], n),
        "risk": rng.integers(0, 3, n),
        "household_employed": rng.random(n) < 0.4,
        "reliability": rng.normal(0, 0.6, n),  # hidden
    }
    kind = rng.choice([KIND["workshop"], KIND["public_welfare"], KIND["enterprise"]], m, p=[0.35, 0.12, 0.53])
    pattern = np.where(
        kind == KIND["workshop"],
        rng.choice([PATTERN["flexible_hours"], PATTERN["home_piecework"], PATTERN["full_time"]], m, p=[0.5, 0.3, 0.2]),
        np.where(rng.random(m) < 0.2, PATTERN["flexible_hours"], PATTERN["full_time"]),
    )
    intensity = np.where(
        kind == KIND["enterprise"],
        rng.choice([0, 1, 2], m, p=[0.3, 0.45, 0.25]),
        np.where(kind == KIND["public_welfare"], 0, rng.choice([0, 1], m, p=[0.7, 0.3])),
    )
    wage = np.where(
        kind == KIND["public_welfare"],
        700.0,
        np.where(kind == KIND["workshop"], rng.uniform(1500, 3200, m), rng.uniform(2400, 6000, m)),
    )
    n_req = np.where(kind == KIND["public_welfare"], 0, rng.choice([0, 1, 2], m, p=[0.4, 0.45, 0.15]))
    required = np.zeros((m, SKILLS), dtype=bool)
    for j in range(m):
        required[j, rng.choice(SKILLS, n_req[j], replace=False)] = True
    far = rng.random(m) < 0.08  # sites outside the county, most with organised transfer
    post = {
        "x": np.where(far, rng.uniform(150, 400, m), rng.uniform(0, COUNTY_KM, m)),
        "y": rng.uniform(0, COUNTY_KM, m),
        "kind": kind,
        "pattern": pattern,
        "intensity": intensity,
        "wage": wage,
        "transfer": far & (rng.random(m) < 0.8),
        "age_min": np.full(m, 18),
        "age_max": np.where(kind == KIND["enterprise"], rng.choice([50, 55, 60], m), 75),
        "quality": rng.normal(0, 0.4, m),  # hidden
    }
    return County(n, m, lab, post, true_skill, said_skill, required)


def _distance(c: County, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    return np.hypot(c.lab["x"][i] - c.post["x"][j], c.lab["y"][i] - c.post["y"][j])


def allowed(c: County, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """The hard rules (age range, capacity against intensity, willingness radius, home-based only)."""
    d = _distance(c, i, j)
    w = c.lab["willingness"][i]
    radius = np.where(w == WILLINGNESS["village"], 10.0, np.where(w == WILLINGNESS["county"], 70.0, 500.0))
    far_ok = (w >= WILLINGNESS["province"]) & c.post["transfer"][j]
    return (
        (c.lab["age"][i] >= c.post["age_min"][j])
        & (c.lab["age"][i] <= c.post["age_max"][j])
        & (c.post["intensity"][j] <= MAX_INTENSITY_FOR_CAPACITY[c.lab["capacity"][i]])
        & ((d <= radius) | far_ok)
    )


def true_chance(c: County, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """The hidden chance that a referral ends in a hire lasting 90 days."""
    L, P = c.lab, c.post
    d = _distance(c, i, j)
    home = P["pattern"][j] == PATTERN["home_piecework"]
    flexible = home | (P["pattern"][j] == PATTERN["flexible_hours"])
    d = np.where(home, 0.0, np.where(P["transfer"][j] & (d > 30), 8.0, d))
    age = L["age"][i]
    carer = L["needs_flexible"][i]
    # Daily travel tolerated: shorter with age (steeply after 55) and for carers in full-time work.
    tolerance = np.where(L["willingness"][i] == WILLINGNESS["village"], 8.0, 25.0)
    tolerance = tolerance * np.exp(-np.maximum(age - 45, 0) / 15) * np.where(carer & ~flexible, 0.4, 1.0)
    distance_term = -1.6 * np.log1p(np.maximum(d / tolerance - 0.5, 0) * 2)
    req = c.required[j]
    n_req = req.sum(axis=1)
    has = (c.true_skill[i] & req).sum(axis=1)
    skill_term = np.where(n_req == 0, 0.5, 1.8 * has / np.maximum(n_req, 1) - 1.0 * (n_req - has))
    hours_term = np.where(carer, np.where(flexible, 0.5, -1.4), 0.0)
    old = np.clip((age - 50) / 15, 0, 1)
    weak = L["capacity"][i] == CAPACITY["weak"]
    strain = P["intensity"][j] / 2 * np.where(weak, 1.0, old)
    strain_term = -1.8 * strain
    wage_term = 0.7 * np.tanh(np.log(P["wage"][j] / 3000) * 1.5)
    welfare = P["kind"][j] == KIND["public_welfare"]
    welfare_term = np.where(welfare, np.where(weak | (age >= 55), 1.6, -0.6), 0.0)
    workshop_term = np.where(P["kind"][j] == KIND["workshop"], 0.2 + 0.5 * old, 0.0)
    logit = (
        -0.9
        + skill_term
        + distance_term
        + hours_term
        + strain_term
        + wage_term
        + welfare_term
        + workshop_term
        + L["reliability"][i]
        + P["quality"][j]
    )
    return 1 / (1 + np.exp(-logit))


def pair_features(c: County, i: np.ndarray, j: np.ndarray, past: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """The features the engine would compute from the records (said skills, not true ones)."""
    L, P = c.lab, c.post
    req = c.required[j]
    n_req = req.sum(axis=1)
    said = (c.said_skill[i] & req).sum(axis=1)
    fit = np.where(n_req == 0, 1.0, said / np.maximum(n_req, 1))
    return feature_engine.compute(
        feature_engine.PairInputs(
            skill_fit=fit.astype(np.float32),
            distance_km=_distance(c, i, j),
            age=L["age"][i],
            willingness=L["willingness"][i],
            capacity=L["capacity"][i],
            needs_flexible=L["needs_flexible"][i],
            category=L["category"][i],
            risk=L["risk"][i],
            household_employed=L["household_employed"][i],
            past_referrals=past[0],
            past_hires=past[1],
            kind=P["kind"][j],
            age_min=P["age_min"][j],
            age_max=P["age_max"][j],
            intensity=P["intensity"][j],
            pattern=P["pattern"][j],
            transfer=P["transfer"][j],
            wage_month=P["wage"][j],
            skills_required=n_req,
            skills_missing=n_req - said,
        )
    )


def _candidates(c: County, who: int, rng, k: int | None = None) -> np.ndarray:
    j = np.arange(c.m)
    ok = allowed(c, np.full(c.m, who), j)
    j = j[ok]
    if k is not None and len(j) > k:
        j = rng.choice(j, k, replace=False)
    return j


def history(c: County, seed: int = 1, laborers: np.ndarray | None = None, per_laborer: int = 6):
    """Referrals over HISTORY_DAYS as cadres make them, with outcomes: a ranker.TrainingSet."""
    rng = np.random.default_rng(seed)
    people = np.arange(c.n) if laborers is None else laborers
    rows_i, rows_j, days = [], [], []
    for who in people:
        j = _candidates(c, who, rng)
        if len(j) == 0:
            continue
        # The cadre's habit: said skill first, then near, with plenty of noise.
        req = c.required[j]
        said = (c.said_skill[who] & req).sum(axis=1) / np.maximum(req.sum(axis=1), 1)
        habit = said - 0.02 * _distance(c, np.full(len(j), who), j) + rng.normal(0, 0.6, len(j))
        pick = j[np.argsort(-habit)[:per_laborer]]
        rows_i += [who] * len(pick)
        rows_j += list(pick)
        days += sorted(rng.integers(START, START + HISTORY_DAYS, len(pick)))
    i, j, day = np.array(rows_i), np.array(rows_j), np.array(days)
    labels = (rng.random(len(i)) < true_chance(c, i, j)).astype(np.int8)
    # Past outcomes as known on each referral's day (outcomes known KNOWN_AFTER_DAYS later).
    labelled, lasting = np.zeros(len(i)), np.zeros(len(i))
    for who in np.unique(i):
        idx = np.flatnonzero(i == who)
        for a in idx:
            known = idx[day[idx] + KNOWN_AFTER_DAYS <= day[a]]
            labelled[a], lasting[a] = len(known), labels[known].sum()
    feats = pair_features(c, i, j, (labelled, lasting))
    return ranker.TrainingSet(
        feats,
        labels,
        day,
        i,
        openings=j,
        audit={"sex": np.where(c.lab["sex"][i] == 1, "female", "male"), "age_band": _band(c.lab["age"][i])},
    )


def _band(age: np.ndarray) -> np.ndarray:
    return np.where(age < 30, "16-29", np.where(age < 45, "30-44", np.where(age < 60, "45-59", "60+")))


def holdout_lists(c: County, laborers: np.ndarray, seed: int = 2, per_list: int = 30):
    """Each laborer's candidate posts (up to per_list) with labels drawn from the true chance."""
    rng = np.random.default_rng(seed)
    rows_i, rows_j = [], []
    for who in laborers:
        j = _candidates(c, who, rng, per_list)
        rows_i += [who] * len(j)
        rows_j += list(j)
    i, j = np.array(rows_i), np.array(rows_j)
    chance = true_chance(c, i, j)
    labels = (rng.random(len(i)) < chance).astype(np.int8)
    feats = pair_features(c, i, j, (np.zeros(len(i)), np.zeros(len(i))))
    return feats, labels, i, chance


def report(seed: int = 7, laborers: int = 3000, posts: int = 600, out=print) -> dict:
    """Train on two thirds of the laborers' history; measure on the lists of the other third."""
    c = county(seed, laborers, posts)
    rng = np.random.default_rng(seed + 1)
    order = rng.permutation(c.n)
    seen, unseen = order[: 2 * c.n // 3], order[2 * c.n // 3 :]
    data = history(c, seed + 2, seen)
    model = ranker.train(data, "simulated", ranker.PriorModel())
    feats, labels, groups, chance = holdout_lists(c, unseen, seed + 3)
    scores = {
        **ranker.baseline_scores(feats),
        f"trained ({model.card_data['kind']})": model.predict(feats),
        "ceiling (true chance)": chance,
    }
    results = {name: ranker.evaluate(s, labels, groups) for name, s in scores.items()}
    out(
        f"simulated county (seed {seed}): {c.n} laborers, {c.m} posts; trained on {len(data.labels)} referrals "
        f"of {len(seen)} laborers, measured on the lists of {len(unseen)} others ({len(labels)} pairs)"
    )
    for name, m in results.items():
        out(f"  {name:<32} NDCG@10 {m['ndcg@10']:.3f}   top-3 precision {m['precision@3']:.3f}   AUC {m['auc']:.3f}")
    cal = ranker.calibration(model.predict(feats), labels)
    out(f"  calibration of the trained model: mean predicted {cal['mean_predicted']}, observed {cal['observed']}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--laborers", type=int, default=3000)
    parser.add_argument("--posts", type=int, default=600)
    args = parser.parse_args()
    report(args.seed, args.laborers, args.posts)


if __name__ == "__main__":
    main()

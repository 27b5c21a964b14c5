"""The ranker: P(a referral ends in a hire that lasts at least 90 days), from pair features.

Pure engine code (files, no Flask, no database). Two kinds of model serve:

- `PriorModel`: hand-set logistic weights, used until a trained model is promoted. Each weight
  says what placement staff expect: skill fit and a short commute matter most, a carer needs
  flexible hours, a wage above the local norm helps people stay, heavy work beyond capacity
  makes them leave.
- `TrainedModel`: a scikit-learn classifier trained from recorded outcomes, saved as
  `models/ranker-<version>.joblib` beside `models/ranker-<version>.json` (its model card:
  scikit-learn version, feature names, training window, rows, metrics against baselines).
  Loading refuses a file made by another scikit-learn version or with other features.

`models/serving.json` names the version that serves and the ones before it (for rollback).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import joblib
import numpy as np
import sklearn
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from jobmatch.matching.features import FEATURE_NAMES, MONOTONIC

PRIOR_VERSION = "prior-2"
# Hand-set weights of the prior (log-odds per unit of each feature), with the reason for each. The
# interactions people live with are in the features themselves (jobmatch/matching/features.py): the
# distance they tolerate falls with age and with caring duties unless the post is flexible or
# home-based (`distance_over_tolerance`), strain grows with intensity for weak and older laborers
# (`strain`), public-welfare posts suit the weakest and oldest (`public_welfare_priority`).
PRIOR_INTERCEPT = -1.2
PRIOR_WEIGHTS = {
    # Holding the skill the post asks for is the strongest single sign of a hire that lasts.
    "skill_fit": 2.0,
    # A post that asks for no particular skill (普工, 杂工) suits anyone, but proves no fit: it ranks
    # below a post whose skills the laborer holds, above one whose skills they lack.
    "no_skill_required": 0.9,
    # Each required skill the laborer lacks: employers reject, or the worker leaves in the first weeks.
    "skills_missing": -1.0,
    # Every doubling of the commute costs a little, even within what the person will travel.
    "log_distance_km": -0.15,
    # Beyond the distance this person tolerates (by willingness, age and caring duties), they leave.
    "distance_over_tolerance": -1.2,
    # Comfortably inside the post's age range: no borderline rejection at the interview.
    "age_margin": 0.2,
    # Carers stay where hours are flexible and leave where they are not (+1 / -1; 0 for others).
    "flexible_fit": 0.8,
    # Home-based piecework: no commute, hours around the family.
    "home_based": 0.2,
    # Pay on a log scale against the local norm: 20 % more matters as much at 2,000 as at 4,000 CNY.
    "log_wage_ratio": 0.5,
    # Work lighter than the capacity allows.
    "capacity_headroom": 0.15,
    # Medium and heavy work for weak or older laborers: health is the commonest reason to leave.
    "strain": -1.5,
    # Household priority and monitoring decide who comes first among equals (batch assignment,
    # opening lists), not the chance that a hire lasts.
    "no_one_employed": 0.0,
    "monitored_household": 0.0,
    "risk_level": 0.0,
    # Public-welfare posts (700 CNY, near home, kept for the year) are meant for, and kept by, the weakest
    # and oldest; the weight outweighs the low stipend's wage term for them.
    "public_welfare_priority": 1.2,
    # Organised transfer (shuttle, lodging) makes far work last.
    "organised_transfer_far": 0.3,
    # People whose earlier hires lasted tend to stay again.
    "past_hire_rate": 0.8,
    # Village workshops: flexible, near home, forgiving.
    "workshop_post": 0.3,
    # The observed fields are for trained models to find what the terms above miss; the prior
    # reads them only through the terms.
    "age": 0.0,
    "capacity": 0.0,
    "intensity": 0.0,
    "public_welfare_post": 0.0,
    "willingness": 0.0,
    "needs_flexible": 0.0,
    "flexible_post": 0.0,
    "organised_transfer": 0.0,
}
# Metrics are computed at these cut-offs of each laborer's list (cadres read the first ten, and
# act on the first three).
NDCG_AT = 10
PRECISION_AT = 3
# A trained model must beat the serving one, and "best skill match first, then nearest", by at least
# this much laborer-list NDCG@10 on the hold-out to be promoted.
PROMOTION_MARGIN = 0.0
# Share of the referrals, the latest, held out to measure; of the rest, the latest share calibrates.
HOLDOUT_SHARE = 0.25
CALIBRATION_SHARE = 0.2
# Fewer laborer lists than this in the hold-out (each with a lasting hire and a failure) measure nothing;
# the card then measures the lists of referrals per village and month instead, and says so.
MIN_LISTS = 30
# The scores must mean what they say: mean predicted chance within this of the observed share.
CALIBRATION_TOLERANCE = 0.05


class ModelError(RuntimeError):
    """A model file that cannot serve here (another scikit-learn version, other features, missing).

    The message is "English / 中文"; `en` and `zh` hold each half, so a page shows its own language.
    """

    def __init__(self, message: str, zh: str | None = None, en: str | None = None) -> None:
        super().__init__(message)
        english, _, chinese = message.rpartition(" / ")
        self.en = en or english or message
        self.zh = zh or chinese or message


class Model(Protocol):
    version: str

    def predict(self, features: np.ndarray) -> np.ndarray: ...


@dataclass
class PriorModel:
    """Hand-set logistic weights; serves until a trained model is promoted."""

    version: str = PRIOR_VERSION
    weights: np.ndarray = field(default_factory=lambda: np.array([PRIOR_WEIGHTS[n] for n in FEATURE_NAMES]))
    intercept: float = PRIOR_INTERCEPT

    def predict(self, features: np.ndarray) -> np.ndarray:
        z = features.astype(np.float64) @ self.weights + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def card(self) -> dict:
        return {
            "version": self.version,
            "kind": "prior",
            "feature_names": list(FEATURE_NAMES),
            "intercept": self.intercept,
            "weights": dict(zip(FEATURE_NAMES, self.weights.tolist(), strict=True)),
            "description": "hand-set logistic weights (jobmatch/matching/ranker.py); serves before training",
        }


@dataclass
class TrainedModel:
    version: str
    estimator: object
    card_data: dict

    def predict(self, features: np.ndarray) -> np.ndarray:
        # The engine's features are finite floats of the trained width: scikit-learn's input checks,
        # a large share of a match's time for a hundred rows, are skipped.
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            return self.estimator.predict_proba(features)[:, 1]

    def card(self) -> dict:
        return self.card_data


# --- metrics ---------------------------------------------------------------------------------------


def _lists(labels: np.ndarray, groups: np.ndarray):
    """Indices of each list (group) that has at least one positive and one negative."""
    order = np.argsort(groups, kind="stable")
    bounds = np.flatnonzero(np.diff(groups[order])) + 1
    for idx in np.split(order, bounds):
        rel = labels[idx]
        if idx.size and rel.min() != rel.max():
            yield idx


def ndcg_at(scores: np.ndarray, labels: np.ndarray, groups: np.ndarray, k: int = NDCG_AT) -> float:
    """Mean NDCG@k over lists (groups) that have at least one positive and one negative."""
    values = []
    for idx in _lists(labels, groups):
        rel = labels[idx]
        order = idx[np.argsort(-scores[idx], kind="stable")][:k]
        gains = labels[order] / np.log2(np.arange(2, len(order) + 2))
        ideal = np.sort(rel)[::-1][:k] / np.log2(np.arange(2, min(k, len(rel)) + 2))
        values.append(gains.sum() / ideal.sum())
    return float(np.mean(values)) if values else math.nan


def precision_at(scores: np.ndarray, labels: np.ndarray, groups: np.ndarray, k: int = PRECISION_AT) -> float:
    """Mean share of lasting hires among the first k of each list (lists with a positive and a negative)."""
    values = []
    for idx in _lists(labels, groups):
        top = idx[np.argsort(-scores[idx], kind="stable")][:k]
        values.append(labels[top].mean())
    return float(np.mean(values)) if values else math.nan


def evaluate(scores: np.ndarray, labels: np.ndarray, groups: np.ndarray) -> dict:
    """AUC over all pairs; NDCG@10 and precision of the top 3 over each laborer's list."""
    auc = roc_auc_score(labels, scores) if 0 < labels.sum() < len(labels) else math.nan
    return {
        "auc": round(float(auc), 4),
        f"ndcg@{NDCG_AT}": round(ndcg_at(scores, labels, groups), 4),
        f"precision@{PRECISION_AT}": round(precision_at(scores, labels, groups), 4),
    }


def baseline_scores(features: np.ndarray) -> dict[str, np.ndarray]:
    """The simple orders a model must beat: nearest first, best skill match first, skill then nearest."""
    column = {name: i for i, name in enumerate(FEATURE_NAMES)}
    distance = features[:, column["log_distance_km"]].astype(np.float64)
    skill = features[:, column["skill_fit"]].astype(np.float64)
    return {
        "distance_only": -distance,
        "skill_only": skill,
        # Skill fit rounded to a tenth decides; the commute breaks ties.
        "skill_then_nearest": np.round(skill, 1) * 1000.0 - distance,
        "prior": PriorModel().predict(features),
    }


def calibration(scores: np.ndarray, labels: np.ndarray) -> dict:
    """Mean predicted chance against the observed share of lasting hires."""
    predicted, observed = float(np.mean(scores)), float(np.mean(labels))
    return {
        "mean_predicted": round(predicted, 4),
        "observed": round(observed, 4),
        "gap": round(abs(predicted - observed), 4),
        "within_tolerance": abs(predicted - observed) <= CALIBRATION_TOLERANCE,
    }


def farther_is_never_better(model, features: np.ndarray) -> bool:
    """True when no pair scores higher with its commute made half as long again."""
    from jobmatch.matching.features import farther

    return bool(np.all(model.predict(farther(features, 1.5)) <= model.predict(features) + 1e-9))


def parity(scores: np.ndarray, labels: np.ndarray, lists: np.ndarray, attributes: dict[str, np.ndarray]) -> dict:
    """Per value of each attribute (sex, age band): pairs, mean score, observed share of lasting hires,
    and top-10 exposure (share of its pairs ranked in the first ten of their list).

    The attributes are read here only; they are never features.
    """
    top = np.zeros(len(scores), dtype=bool)
    for g in np.unique(lists):
        idx = np.flatnonzero(lists == g)
        top[idx[np.argsort(-scores[idx], kind="stable")][:NDCG_AT]] = True
    table: dict[str, dict] = {}
    for attribute, values in attributes.items():
        rows = {}
        for value in sorted({str(v) for v in values}):
            mask = values.astype(str) == value
            rows[value] = {
                "pairs": int(mask.sum()),
                "mean_score": round(float(scores[mask].mean()), 4),
                "observed": round(float(labels[mask].mean()), 4),
                "top10_exposure": round(float(top[mask].mean()), 4),
            }
        table[attribute] = rows
    return table


# --- training --------------------------------------------------------------------------------------


@dataclass
class TrainingSet:
    """Pair features with outcome labels, the time of each referral and its laborer (lists are per laborer)."""

    features: np.ndarray
    labels: np.ndarray
    times: np.ndarray  # referral dates as ordinals: the split is by time
    groups: np.ndarray  # the laborer of each referral: cadres read one list per laborer
    openings: np.ndarray | None = None  # the opening of each referral: lists of laborers, for parity
    # The referrals a village's cadre made in a month: the lists measured when too few laborers have
    # both a lasting hire and a failure among their later referrals (a young history).
    cadre_lists: np.ndarray | None = None
    audit: dict[str, np.ndarray] = field(default_factory=dict)  # sex, age band: parity only, never features


def time_split(data: TrainingSet, holdout_share: float) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the earlier (training) and later (hold-out) referrals."""
    order = np.argsort(data.times, kind="stable")
    cut = int(len(order) * (1 - holdout_share))
    return order[:cut], order[cut:]


class CalibratedRanker:
    """A classifier whose scores are mapped to chances by isotonic regression on a later calibration split.

    The split is by time (the latest CALIBRATION_SHARE of the rows given, in their order), so the
    chances follow the recent share of lasting hires. A trace of the raw score breaks the isotonic
    map's ties: the order within a step is the classifier's, the chance moves by at most 1e-6.
    """

    def __init__(self, base):
        self.base = base
        self.calibrator = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")

    def fit(self, features: np.ndarray, labels: np.ndarray, order: np.ndarray | None = None) -> CalibratedRanker:
        order = np.arange(len(labels)) if order is None else order
        cut = int(len(order) * (1 - CALIBRATION_SHARE))
        fit_idx, cal_idx = order[:cut], order[cut:]
        self.base.fit(features[fit_idx], labels[fit_idx])
        self.calibrator.fit(self.base.predict_proba(features[cal_idx])[:, 1], labels[cal_idx])
        return self

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        raw = self.base.predict_proba(features)[:, 1]
        chance = np.clip(self.calibrator.predict(raw) + 1e-6 * raw, 0.0, 1.0)
        return np.column_stack([1 - chance, chance])


def candidate_estimators(seed: int) -> dict[str, CalibratedRanker]:
    """Candidate kinds, each calibrated so that a score is a chance (the page shows it as a percentage)."""
    monotonic = [MONOTONIC.get(name, 0) for name in FEATURE_NAMES]
    boosting = HistGradientBoostingClassifier(
        max_iter=150,
        learning_rate=0.07,
        max_leaf_nodes=15,
        min_samples_leaf=40,
        l2_regularization=1.0,
        monotonic_cst=monotonic,
        random_state=seed,
    )
    logistic = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000, C=0.5))
    return {"gradient_boosting": CalibratedRanker(boosting), "logistic_regression": CalibratedRanker(logistic)}


@dataclass
class _Fitted:
    version: str
    estimator: object

    def predict(self, features: np.ndarray) -> np.ndarray:
        # The engine's features are finite floats of the trained width: scikit-learn's input checks,
        # a large share of a match's time for a hundred rows, are skipped.
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            return self.estimator.predict_proba(features)[:, 1]


def train(
    data: TrainingSet,
    version: str,
    serving: Model,
    holdout_share: float = HOLDOUT_SHARE,
    seed: int = 0,
    progress=None,
) -> TrainedModel:
    """Fit candidate models on earlier referrals, measure all (and the serving model) on later ones per
    laborer list; keep the one with the best NDCG@10 among those where farther is never better."""
    train_idx, hold_idx = time_split(data, holdout_share)
    if len(train_idx) < 50 or data.labels[train_idx].sum() < 3 or data.labels[hold_idx].sum() == 0:
        raise ModelError(
            "not enough recorded outcomes to train (need hires and non-hires in both periods)"
            " / 推荐结果记录不足，无法训练"
        )
    X, y = data.features, data.labels
    lists, lists_named = data.groups, "per laborer (each laborer's referrals in the hold-out, ranked by score)"
    usable = sum(1 for _ in _lists(y[hold_idx], data.groups[hold_idx]))
    if usable < MIN_LISTS and data.cadre_lists is not None:
        lists = data.cadre_lists
        lists_named = (
            f"per village and month (only {usable} laborers have both a lasting hire and a failure in the"
            f" hold-out; fewer than {MIN_LISTS})"
        )
    hold = (y[hold_idx], lists[hold_idx])
    baselines = {name: evaluate(s, *hold) for name, s in baseline_scores(X[hold_idx]).items()}
    serving_scores = serving.predict(X[hold_idx])
    serving_metrics = evaluate(serving_scores, *hold)
    fitted, metrics, rejected = {}, {}, {}
    for name, estimator in candidate_estimators(seed).items():
        if progress:
            progress(f"fitting {name}")
        estimator.fit(X[train_idx], y[train_idx], np.argsort(data.times[train_idx], kind="stable"))
        model = _Fitted(name, estimator)
        scores = model.predict(X[hold_idx])
        fitted[name] = scores
        metrics[name] = {**evaluate(scores, *hold), "calibration": calibration(scores, y[hold_idx])}
        if not farther_is_never_better(model, X[hold_idx]):
            rejected[name] = "scores rose with distance for some pairs / 部分岗位距离越远评分越高"
    eligible = [n for n in metrics if n not in rejected] or list(metrics)
    key = f"ndcg@{NDCG_AT}"
    best = max(eligible, key=lambda n: (metrics[n][key], metrics[n]["auc"]))
    # Refit the chosen kind on everything for serving; the card keeps the hold-out figures.
    final = candidate_estimators(seed)[best].fit(X, y, np.argsort(data.times, kind="stable"))
    holdout_metrics = {
        "lists": lists_named,
        "lists_measured": sum(1 for _ in _lists(*hold)),
        "model": {k: v for k, v in metrics[best].items() if k != "calibration"},
        "calibration": metrics[best]["calibration"],
        "candidates": metrics,
        "not_eligible": rejected,
        "baselines": baselines,
        "serving": {"version": serving.version, **serving_metrics},
    }
    card = {
        "version": version,
        "kind": best,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "sklearn_version": sklearn.__version__,
        "feature_names": list(FEATURE_NAMES),
        "monotonic": {n: v for n, v in MONOTONIC.items()},
        "label": "hired and still employed 90 days after the hire",
        "training_window": {
            "from": _date(data.times.min()),
            "to": _date(data.times.max()),
            "holdout_from": _date(data.times[hold_idx].min()),
        },
        "rows": {"train": int(len(train_idx)), "holdout": int(len(hold_idx)), "positives": int(y.sum())},
        "holdout_metrics": holdout_metrics,
        "promotion": promotion_verdict(holdout_metrics),
    }
    if data.audit and data.openings is not None:
        scores = _Fitted(best, final).predict(X[hold_idx])
        audit = {name: values[hold_idx] for name, values in data.audit.items()}
        card["parity"] = {
            "lists": "per opening (the laborers shown for a post); attributes are never features",
            "model": parity(scores, y[hold_idx], data.openings[hold_idx], audit),
        }
    return TrainedModel(version, final, card)


def promotion_verdict(metrics: dict) -> dict:
    """Whether the model may serve: it must beat the serving model and skill-then-nearest on laborer-list
    NDCG@10 of the same hold-out. The reasons, in Chinese and English, go on the card."""
    key = f"ndcg@{NDCG_AT}"
    mine = metrics["model"][key]
    reasons = []
    rivals = [
        (metrics["serving"]["version"], metrics["serving"][key], "the serving ranker", "当前服务模型"),
        ("skill_then_nearest", metrics["baselines"]["skill_then_nearest"][key], "skill then nearest", "技能优先再就近"),
    ]
    for name, theirs, en, zh in rivals:
        if not (isinstance(mine, float) and mine > theirs + PROMOTION_MARGIN):
            reasons.append(
                {
                    "en": f"NDCG@{NDCG_AT} {mine} does not beat {en} ({name}, {theirs}) on the hold-out",
                    "zh": f"留出集 NDCG@{NDCG_AT} {mine} 未超过{zh}（{name}，{theirs}）",
                }
            )
    return {"eligible": not reasons, "reasons": reasons}


def _date(ordinal) -> str:
    from datetime import date

    return date.fromordinal(int(ordinal)).isoformat()


# --- files -----------------------------------------------------------------------------------------


def model_paths(directory: Path, version: str) -> tuple[Path, Path]:
    return directory / f"ranker-{version}.joblib", directory / f"ranker-{version}.json"


def save(model: TrainedModel, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    blob, card = model_paths(directory, model.version)
    joblib.dump(model.estimator, blob)
    card.write_text(json.dumps(model.card_data, ensure_ascii=False, indent=2), encoding="utf-8")


def load(directory: Path, version: str) -> TrainedModel:
    """Load a saved model; refuse one made by another scikit-learn version or with other features."""
    blob, card_path = model_paths(directory, version)
    if not blob.exists() or not card_path.exists():
        raise ModelError(
            f"no ranker {version} in {directory}", zh=f"没有版本为 {version} 的排序模型", en=f"no ranker {version}"
        )
    card = json.loads(card_path.read_text(encoding="utf-8"))
    if card.get("sklearn_version") != sklearn.__version__:
        raise ModelError(
            f"ranker {version} was made with scikit-learn {card.get('sklearn_version')}, this is "
            f"{sklearn.__version__}: retrain it with `flask ranker train` "
            f"/ 模型版本与当前 scikit-learn 不符，请重新训练"
        )
    if card.get("feature_names") != list(FEATURE_NAMES):
        raise ModelError(f"ranker {version} uses other features than this code; retrain it / 特征不一致，请重新训练")
    return TrainedModel(version, joblib.load(blob), card)


SERVING_FILE = "serving.json"


def serving_state(directory: Path) -> dict:
    path = directory / SERVING_FILE
    if not path.exists():
        return {"serving": None, "history": []}
    return json.loads(path.read_text(encoding="utf-8"))


def _write_serving(directory: Path, state: dict) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / SERVING_FILE).write_text(json.dumps(state, indent=2), encoding="utf-8")


def serving_model(directory: Path) -> Model:
    """The promoted model, or the prior when none is."""
    version = serving_state(directory)["serving"]
    return load(directory, version) if version else PriorModel()


def promote(directory: Path, version: str, force: bool = False) -> dict:
    """Make `version` serve if it beat the serving model on the same later (hold-out) referrals."""
    candidate = load(directory, version)
    state = serving_state(directory)
    current = state["serving"] or PRIOR_VERSION
    if not force:
        metrics = candidate.card_data["holdout_metrics"]
        compared = metrics["serving"]
        if compared["version"] != current:
            raise ModelError(
                f"ranker {version} was measured against {compared['version']}, but {current} serves now; "
                f"train again to compare / 当前服务模型已变化，请重新训练后再比较",
                zh=f"模型 {version} 是与 {compared['version']} 比较的，而现在服务的是 {current}；请重新训练后再比较",
            )
        verdict = candidate.card_data.get("promotion") or promotion_verdict(metrics)
        if not verdict["eligible"]:
            en = "; ".join(r["en"] for r in verdict["reasons"])
            zh = "；".join(r["zh"] for r in verdict["reasons"])
            raise ModelError(
                f"ranker {version} not promoted: {en} / 新模型未启用：{zh}",
                zh=f"模型 {version} 未启用：{zh}",
                en=f"ranker {version} not promoted: {en}",
            )
    history = [v for v in state["history"] if v != version]
    if state["serving"] and state["serving"] != version:
        history.append(state["serving"])
    state = {"serving": version, "history": history}
    _write_serving(directory, state)
    return state


def rollback(directory: Path) -> dict:
    """Serve the previously promoted model again (or the prior when there was none)."""
    state = serving_state(directory)
    history = list(state["history"])
    previous = history.pop() if history else None
    state = {"serving": previous, "history": history}
    _write_serving(directory, state)
    return state

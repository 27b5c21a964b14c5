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
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from jobmatch.matching.features import FEATURE_NAMES

PRIOR_VERSION = "prior-1"
# Hand-set weights of the prior (log-odds per unit of each feature). See the module docstring.
PRIOR_INTERCEPT = -1.2
PRIOR_WEIGHTS = {
    "skill_fit": 2.0,  # the skill the post needs is the strongest single sign of a lasting hire
    "log_distance_km": -0.15,  # every doubling of the commute costs a little
    "distance_over_tolerance": -1.2,  # beyond what this person will travel, they leave
    "age_margin": 0.2,  # comfortably inside the age range
    "flexible_fit": 0.6,  # carers stay where hours are flexible, and leave where they are not
    "home_based": 0.2,
    "log_wage_ratio": 0.5,  # pay above the local norm keeps people
    "capacity_headroom": 0.25,  # work lighter than the capacity allows
    "no_one_employed": 0.0,  # priority, not a predictor: used by batch assignment, not here
    "monitored_household": 0.0,
    "risk_level": 0.0,
    "public_welfare_priority": 0.4,  # public-welfare posts suit older and weaker laborers
    "organised_transfer_far": 0.3,  # organised transfer (shuttle, lodging) makes far work last
    "past_hire_rate": 0.8,  # people who were hired before tend to be hired again
    "workshop_post": 0.3,  # village workshops: flexible, near home, forgiving
}
# Metrics are computed at this cut-off of the ranked list.
NDCG_AT = 10
# The trained model must beat the serving one on the hold-out by at least this much AUC to be promoted.
PROMOTION_MARGIN = 0.0


class ModelError(RuntimeError):
    """A model file that cannot serve here (another scikit-learn version, other features, missing)."""


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
        return self.estimator.predict_proba(features)[:, 1]

    def card(self) -> dict:
        return self.card_data


# --- metrics ---------------------------------------------------------------------------------------


def ndcg_at(scores: np.ndarray, labels: np.ndarray, groups: np.ndarray, k: int = NDCG_AT) -> float:
    """Mean NDCG@k over groups that have at least one positive and one negative."""
    values = []
    for g in np.unique(groups):
        idx = np.flatnonzero(groups == g)
        rel = labels[idx]
        if rel.min() == rel.max():
            continue
        order = idx[np.argsort(-scores[idx], kind="stable")][:k]
        gains = labels[order] / np.log2(np.arange(2, len(order) + 2))
        ideal = np.sort(rel)[::-1][:k] / np.log2(np.arange(2, min(k, len(rel)) + 2))
        values.append(gains.sum() / ideal.sum())
    return float(np.mean(values)) if values else math.nan


def evaluate(scores: np.ndarray, labels: np.ndarray, groups: np.ndarray) -> dict:
    auc = roc_auc_score(labels, scores) if 0 < labels.sum() < len(labels) else math.nan
    return {"auc": round(float(auc), 4), f"ndcg@{NDCG_AT}": round(ndcg_at(scores, labels, groups), 4)}


# --- training --------------------------------------------------------------------------------------


@dataclass
class TrainingSet:
    """Pair features with outcome labels, the time of each referral and its group for NDCG."""

    features: np.ndarray
    labels: np.ndarray
    times: np.ndarray  # referral dates as ordinals: the split is by time
    groups: np.ndarray  # the opening of each referral: NDCG ranks candidates of one opening


def time_split(data: TrainingSet, holdout_share: float) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the earlier (training) and later (hold-out) referrals."""
    order = np.argsort(data.times, kind="stable")
    cut = int(len(order) * (1 - holdout_share))
    return order[:cut], order[cut:]


def candidate_estimators(seed: int) -> dict[str, object]:
    return {
        "gradient_boosting": HistGradientBoostingClassifier(
            max_iter=200, learning_rate=0.05, max_leaf_nodes=15, l2_regularization=1.0, random_state=seed
        ),
        "logistic_regression": make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
    }


def train(
    data: TrainingSet, version: str, serving: Model, holdout_share: float = 0.25, seed: int = 0, progress=None
) -> TrainedModel:
    """Fit candidate models on earlier referrals, measure all (and the serving model) on later ones; keep the best."""
    train_idx, hold_idx = time_split(data, holdout_share)
    if len(train_idx) < 50 or data.labels[train_idx].sum() == 0 or data.labels[hold_idx].sum() == 0:
        raise ModelError("not enough recorded outcomes to train (need hires and non-hires in both periods)")
    X, y = data.features, data.labels
    hold = (y[hold_idx], data.groups[hold_idx])
    column = {name: i for i, name in enumerate(FEATURE_NAMES)}
    baselines = {
        "distance_only": evaluate(-X[hold_idx, column["log_distance_km"]], *hold),
        "skill_only": evaluate(X[hold_idx, column["skill_fit"]], *hold),
        "prior": evaluate(PriorModel().predict(X[hold_idx]), *hold),
    }
    serving_metrics = evaluate(serving.predict(X[hold_idx]), *hold)
    fitted, metrics = {}, {}
    for name, estimator in candidate_estimators(seed).items():
        if progress:
            progress(f"fitting {name}")
        estimator.fit(X[train_idx], y[train_idx])
        fitted[name] = estimator
        metrics[name] = evaluate(estimator.predict_proba(X[hold_idx])[:, 1], *hold)
    best = max(metrics, key=lambda n: (metrics[n]["auc"], metrics[n][f"ndcg@{NDCG_AT}"]))
    # Refit the chosen kind on everything for serving; the card keeps the hold-out figures.
    final = candidate_estimators(seed)[best].fit(X, y)
    card = {
        "version": version,
        "kind": best,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "sklearn_version": sklearn.__version__,
        "feature_names": list(FEATURE_NAMES),
        "label": "hired and still employed 90 days after the hire",
        "training_window": {
            "from": _date(data.times.min()),
            "to": _date(data.times.max()),
            "holdout_from": _date(data.times[hold_idx].min()),
        },
        "rows": {"train": int(len(train_idx)), "holdout": int(len(hold_idx)), "positives": int(y.sum())},
        "holdout_metrics": {
            "model": metrics[best],
            "candidates": metrics,
            "baselines": baselines,
            "serving": {"version": serving.version, **serving_metrics},
        },
    }
    return TrainedModel(version, final, card)


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
        raise ModelError(f"no ranker {version} in {directory}")
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
                f"train again to compare / 当前服务模型已变化，请重新训练后再比较"
            )
        mine, theirs = metrics["model"]["auc"], compared["auc"]
        if not mine > theirs + PROMOTION_MARGIN:
            raise ModelError(
                f"ranker {version} (AUC {mine}) does not beat {current} (AUC {theirs}) on the hold-out; not promoted"
                f" / 新模型未优于当前模型，未启用"
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

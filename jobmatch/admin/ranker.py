"""The ranker page's service: model cards side by side, training as a background job, promotion, rollback."""

from __future__ import annotations

import json

from jobmatch.jobs import runner
from jobmatch.matches import training
from jobmatch.matching import ranker

TRAIN_JOB = "train_ranker"
# Candidate cards shown beside the serving one, newest first.
CANDIDATES_SHOWN = 3
NDCG = f"ndcg@{ranker.NDCG_AT}"
PRECISION = f"precision@{ranker.PRECISION_AT}"

# What training says as it goes (training.train_and_save's progress lines), in both languages.
_STEPS = {
    "building the training set from referral outcomes": ("正在从推荐结果整理训练数据", "Building the training set"),
    "back-testing the last months": ("正在回测最近几个月", "Back-testing the last months"),
}


@runner.register(TRAIN_JOB, "训练排序模型", "Train the ranker")
def train_job(params: dict, progress: runner.Progress) -> dict:
    """Train from the recorded outcomes and save the model with its card (not promoted)."""
    total = len(ranker.candidate_estimators(0)) + 3
    step = {"done": 0}

    def report(line: str) -> None:
        zh, en = _STEPS.get(line, (None, None))
        if zh is None:
            name = line.removeprefix("fitting ")
            zh, en = f"正在拟合候选模型 {name}", f"Fitting candidate {name}"
        progress(step["done"], total, zh, en)
        step["done"] += 1

    model = training.train_and_save(progress=report)
    progress(total, total, "已保存模型说明", "Model card saved")
    return {"version": model.version, "card": model.card()}


def start_training() -> runner.Job:
    """Start training in the background as the current user (an admin)."""
    return runner.start(TRAIN_JOB, {})


def read_card(version: str) -> dict | None:
    """A saved version's model card (the JSON beside the model), or None when it cannot be read."""
    if version == ranker.PRIOR_VERSION:
        return ranker.PriorModel().card()
    _, path = ranker.model_paths(training.models_dir(), version)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def summary(card: dict, role: str) -> dict:
    """What a card says that an administrator compares: figures on the hold-out, rivals, the verdict."""
    held = card.get("holdout_metrics") or {}
    model = held.get("model") or {}
    serving = held.get("serving") or {}
    baseline = (held.get("baselines") or {}).get("skill_then_nearest") or {}
    backtest = (card.get("backtest") or {}).get("model") or {}
    return {
        "version": card.get("version"),
        "role": role,
        "kind": card.get("kind"),
        "prior": card.get("kind") == "prior",
        "created_at": card.get("created_at"),
        "window": card.get("training_window") or {},
        "rows": card.get("rows") or {},
        "ndcg": model.get(NDCG),
        "auc": model.get("auc"),
        "precision": model.get(PRECISION),
        "against": serving.get("version"),
        "against_ndcg": serving.get(NDCG),
        "baseline_ndcg": baseline.get(NDCG),
        "calibration": held.get("calibration") or {},
        "top10": (backtest.get("overall") or {}).get("in_top10"),
        "verdict": card.get("promotion"),
    }


def cards(new_version: str | None = None) -> dict:
    """The serving card, the newest candidates (and the just-trained one first), and what rollback would serve."""
    state = ranker.serving_state(training.models_dir())
    serving = state["serving"] or ranker.PRIOR_VERSION
    versions = training.status()["versions"]
    candidates = [v for v in reversed(versions) if v != serving and v not in state["history"]]
    if new_version and new_version in candidates:
        candidates.remove(new_version)
        candidates.insert(0, new_version)
    shown = []
    for version, role in [(serving, "serving"), *((v, "candidate") for v in candidates[:CANDIDATES_SHOWN])]:
        card = read_card(version)
        if card is not None:
            shown.append(summary(card, "new" if version == new_version and role == "candidate" else role))
    previous = state["history"][-1] if state["history"] else (ranker.PRIOR_VERSION if state["serving"] else None)
    return {"cards": shown, "serving": serving, "rollback_to": previous, "history": state["history"]}

"""The ranker's order is what a cadre reads: laborer lists, promotion rules, calibrated and sensible scores."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bench import simulator
from jobmatch.matching import features, ranker
from jobmatch.matching import skills as skill_engine
from jobmatch.matching.catalogue import CAPACITY, INTENSITY, KIND, PATTERN, WILLINGNESS

# The module's fitted history is made once: its tests run in one process.
pytestmark = pytest.mark.xdist_group("ranker_quality")


@pytest.fixture(scope="module")
def county():
    return simulator.county(seed=3, laborers=700, posts=160)


@pytest.fixture(scope="module")
def history(county):
    return simulator.history(county, seed=4, per_laborer=5)


@pytest.fixture(scope="module")
def trained(history):
    return ranker.train(history, "sim", ranker.PriorModel())


def pair(**kw) -> features.PairInputs:
    values = dict(
        skill_fit=np.array([1.0]),
        distance_km=np.array([5.0]),
        age=45,
        willingness=WILLINGNESS["county"],
        capacity=CAPACITY["normal"],
        needs_flexible=False,
        category=1,
        risk=0,
        household_employed=False,
        past_referrals=0,
        past_hires=0,
        kind=KIND["enterprise"],
        age_min=18,
        age_max=60,
        intensity=INTENSITY["light"],
        pattern=PATTERN["full_time"],
        transfer=False,
        wage_month=3000.0,
        skills_required=1,
        skills_missing=0,
    )
    values.update(kw)
    return features.PairInputs(**values)


def test_a_post_needing_no_skill_is_not_a_perfect_fit_and_ranks_below_one_whose_skill_the_laborer_has():
    held = features.compute(pair())
    general = features.compute(pair(skills_required=0, skills_missing=0))  # 普工: the engine's fit would say 1.0
    lacking = features.compute(pair(skill_fit=np.array([0.0]), skills_missing=1))
    column = features.FEATURE_NAMES.index
    assert general[0, column("skill_fit")] == 0.0
    assert general[0, column("no_skill_required")] == 1.0
    assert lacking[0, column("skills_missing")] == 1.0
    prior = ranker.PriorModel()
    assert prior.predict(held)[0] > prior.predict(general)[0] > prior.predict(lacking)[0]


def test_missing_skills_are_counted_from_the_laborers_credit():
    d = skill_engine.dictionary()
    sewing = skill_engine.profile_skills(["缝纫"])
    rows = np.array(
        [
            [d.index[skill_engine.map_required_skills(["缝纫工"])[0].code], -2, -2, -2],
            [d.index[skill_engine.map_required_skills(["电焊工"])[0].code], -2, -2, -2],
            [-1, -2, -2, -2],  # a skill outside the dictionary: no one holds it
            [-2, -2, -2, -2],  # no requirement
        ]
    )
    required, missing = features.skill_counts(sewing.credit, rows)
    assert required.tolist() == [1, 1, 1, 0]
    assert missing.tolist() == [0, 1, 1, 0]


def test_the_prior_respects_age_caring_capacity_and_public_welfare():
    p = ranker.PriorModel()
    near, far = np.array([3.0]), np.array([25.0])
    # Distance hurts an older laborer more than a younger one.
    young = p.predict(features.compute(pair(distance_km=near))) - p.predict(features.compute(pair(distance_km=far)))
    old = p.predict(features.compute(pair(age=60, distance_km=near))) - p.predict(
        features.compute(pair(age=60, distance_km=far))
    )
    assert old[0] > young[0]
    # A carer prefers flexible hours; heavy work is worse at 62 than at 35.
    carer_flexible = p.predict(features.compute(pair(needs_flexible=True, pattern=PATTERN["flexible_hours"])))
    carer_full = p.predict(features.compute(pair(needs_flexible=True)))
    assert carer_flexible[0] > carer_full[0]
    heavy_old = p.predict(features.compute(pair(age=58, intensity=INTENSITY["heavy"])))
    light_old = p.predict(features.compute(pair(age=58)))
    assert light_old[0] > heavy_old[0]
    # A public-welfare post comes before general labour for the weak and old, not for the young and strong.
    welfare = dict(kind=KIND["public_welfare"], wage_month=700.0, skills_required=0, age_max=75)
    general = dict(skills_required=0, wage_month=3000.0, age_max=75)
    old_weak = dict(age=63, capacity=CAPACITY["weak"])
    assert p.predict(features.compute(pair(**welfare, **old_weak))) > p.predict(
        features.compute(pair(**general, **old_weak))
    )
    assert p.predict(features.compute(pair(**welfare, age=30))) < p.predict(features.compute(pair(**general, age=30)))


def test_metrics_are_per_laborer_list_with_top_three_precision():
    labels = np.array([1, 0, 0, 0, 1, 0])
    laborers = np.array([1, 1, 1, 2, 2, 2])
    scores = np.array([0.9, 0.1, 0.2, 0.8, 0.1, 0.2])  # right for laborer 1, worst for laborer 2
    m = ranker.evaluate(scores, labels, laborers)
    assert m["ndcg@10"] == pytest.approx((1 + 1 / np.log2(4)) / 2, abs=1e-4)
    assert m["precision@3"] == pytest.approx(1 / 3, abs=1e-4)


def test_the_card_reports_laborer_list_metrics_against_every_baseline_and_calibration(trained, tmp_path):
    ranker.save(trained, tmp_path)
    card = json.loads((tmp_path / "ranker-sim.json").read_text())
    metrics = card["holdout_metrics"]
    assert "laborer" in metrics["lists"]
    assert set(metrics["baselines"]) == {"distance_only", "skill_only", "skill_then_nearest", "prior"}
    for m in (metrics["model"], *metrics["baselines"].values(), metrics["serving"]):
        assert {"auc", "ndcg@10", "precision@3"} <= set(m)
    assert set(metrics["candidates"]) == {"gradient_boosting", "logistic_regression"}
    # The kind kept is the one with the best laborer-list NDCG among those eligible.
    eligible = {k: v for k, v in metrics["candidates"].items() if k not in metrics["not_eligible"]}
    assert metrics["model"]["ndcg@10"] == max(v["ndcg@10"] for v in eligible.values())
    assert card["parity"]["model"]["sex"].keys() == {"female", "male"}
    assert {"pairs", "mean_score", "observed", "top10_exposure"} <= set(card["parity"]["model"]["age_band"]["60+"])


def test_scores_are_calibrated_chances_on_the_hold_out(county, trained):
    feats, labels, _, _ = simulator.holdout_lists(county, np.arange(county.n)[-200:], seed=9)
    scores = trained.predict(feats)
    assert abs(scores.mean() - labels.mean()) <= ranker.CALIBRATION_TOLERANCE
    assert trained.card_data["holdout_metrics"]["calibration"]["within_tolerance"]
    # Also where it matters: the pairs scored highest are hired about as often as their scores say.
    top = scores >= np.quantile(scores, 0.8)
    assert abs(scores[top].mean() - labels[top].mean()) <= 0.1


def test_farther_is_never_better_for_the_same_person_and_post(history, trained):
    feats = history.features[:500]
    for factor in (1.2, 2.0, 5.0):
        assert np.all(trained.predict(features.farther(feats, factor)) <= trained.predict(feats) + 1e-9)
    prior = ranker.PriorModel()
    assert np.all(prior.predict(features.farther(feats, 2.0)) <= prior.predict(feats))


def test_the_trained_model_and_the_prior_beat_skill_then_nearest_on_laborer_lists(trained):
    m = trained.card_data["holdout_metrics"]
    floor = m["baselines"]["skill_then_nearest"]["ndcg@10"]
    assert m["model"]["ndcg@10"] > floor
    assert m["baselines"]["prior"]["ndcg@10"] > floor


def test_promotion_is_refused_when_not_better_than_serving_or_skill_then_nearest(history, trained, tmp_path):
    ranker.save(trained, tmp_path)
    ranker.promote(tmp_path, "sim")
    assert ranker.serving_state(tmp_path)["serving"] == "sim"
    # A model that ranks worse than skill-then-nearest is refused, and the card says why in both languages.
    card = dict(trained.card_data, version="weak")
    metrics = json.loads(json.dumps(card["holdout_metrics"]))
    metrics["serving"] = {**metrics["serving"], "version": "sim", "ndcg@10": 0.1}
    metrics["model"]["ndcg@10"] = metrics["baselines"]["skill_then_nearest"]["ndcg@10"] - 0.01
    card["holdout_metrics"], card["promotion"] = metrics, ranker.promotion_verdict(metrics)
    ranker.save(ranker.TrainedModel("weak", trained.estimator, card), tmp_path)
    with pytest.raises(ranker.ModelError, match="skill then nearest") as refused:
        ranker.promote(tmp_path, "weak")
    assert "技能优先再就近" in str(refused.value)
    assert not card["promotion"]["eligible"] and card["promotion"]["reasons"][0]["zh"]
    # A model that beats skill-then-nearest but not the serving one is refused too.
    metrics["serving"]["ndcg@10"] = 0.99
    metrics["model"]["ndcg@10"] = 0.95
    card["promotion"] = ranker.promotion_verdict(metrics)
    ranker.save(ranker.TrainedModel("weak", trained.estimator, card), tmp_path)
    with pytest.raises(ranker.ModelError, match="the serving ranker"):
        ranker.promote(tmp_path, "weak")
    assert ranker.serving_state(tmp_path)["serving"] == "sim"


def test_past_hire_rate_counts_only_lasting_hires_known_on_the_day():
    from datetime import UTC, datetime, timedelta

    from jobmatch.placements import outcomes

    day = datetime(2026, 6, 1, tzinfo=UTC)
    steps = [
        (day - timedelta(days=300), day - timedelta(days=290), None, None),  # hired, still there: lasting
        (day - timedelta(days=250), day - timedelta(days=245), day - timedelta(days=200), None),  # left in 45 days
        (day - timedelta(days=100), None, None, day - timedelta(days=95)),  # rejected
        (day - timedelta(days=40), day - timedelta(days=35), None, None),  # hired 35 days ago: not known yet
        (day + timedelta(days=1), None, None, day + timedelta(days=2)),  # later: not counted
    ]
    assert outcomes.past_outcomes(steps, day) == (3, 1)
    assert outcomes.past_outcomes(steps, day - timedelta(days=150)) == (2, 1)
    assert features.past_hire_rate(3, 1) == pytest.approx(0.25)

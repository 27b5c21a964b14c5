"""The matching engine on small hand-made catalogues: hard rules, features, ranking, models."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pytest
import sklearn

from jobmatch.matching import catalogue as cat
from jobmatch.matching import engine, features, ranker, rules
from jobmatch.matching import skills as skill_engine

TODAY = date(2026, 11, 22).toordinal()
HOME = (28.41, 117.60)  # the laborer's village
COUNTY, PROVINCE = 361125, 36


def opening(
    id_,
    *,
    lat=HOME[0],
    lon=HOME[1],
    county=COUNTY,
    province=PROVINCE,
    kind="enterprise",
    age=(18, 60),
    remaining=3,
    deadline=None,
    is_open=True,
    intensity="light",
    pattern="full_time",
    transfer=False,
    wage=3000.0,
    skills=("缝纫工",),
    open_referrals=0,
) -> dict:
    d = skill_engine.dictionary()
    codes = [m.code for m in skill_engine.map_required_skills(list(skills))]
    return {
        "id": id_,
        "lat": lat,
        "lon": lon,
        "county": county,
        "province": province,
        "kind": cat.KIND[kind],
        "age_min": age[0],
        "age_max": age[1],
        "remaining": remaining,
        "deadline": deadline if deadline is not None else date.max.toordinal(),
        "is_open": is_open,
        "intensity": cat.INTENSITY[intensity],
        "pattern": cat.PATTERN[pattern],
        "transfer": transfer,
        "shuttle": False,
        "accommodation": transfer,
        "wage_month": wage,
        "open_referrals": open_referrals,
        "skills": cat.opening_skill_row(codes, d),
    }


def laborer(**kw) -> engine.LaborerQuery:
    values = dict(
        lat=HOME[0],
        lon=HOME[1],
        county=COUNTY,
        province=PROVINCE,
        age=45,
        capacity=cat.CAPACITY["normal"],
        willingness=cat.WILLINGNESS["county"],
        needs_flexible=False,
        home_only=False,
        category=cat.CATEGORY["out_of_poverty"],
        risk=0,
        household_employed=False,
        household_public_welfare=False,
        past_referrals=0,
        past_hires=0,
        skills=skill_engine.profile_skills(["会踩缝纫机"]),
    )
    values.update(kw)
    return engine.LaborerQuery(**values)


def ids(catalogue, q, **kw) -> list[int]:
    found = engine.match_laborer(catalogue, q, ranker.PriorModel(), TODAY, limit=50, **kw)
    return sorted(int(catalogue.openings.table.id[r]) for r in found.rows)


def build(*openings) -> cat.Catalogue:
    catalogue = cat.Catalogue()
    catalogue.openings.upsert(list(openings))
    return catalogue


def test_age_outside_the_range_is_dropped():
    c = build(opening(1, age=(18, 45)), opening(2, age=(18, 65)))
    assert ids(c, laborer(age=62)) == [2]


def test_public_welfare_posts_only_for_the_listed_households_and_one_per_household():
    c = build(opening(1, kind="public_welfare", age=(16, 65)), opening(2))
    assert ids(c, laborer(category=cat.CATEGORY["other"])) == [2]
    assert ids(c, laborer(category=cat.CATEGORY["unstable"])) == [1, 2]
    assert ids(c, laborer(household_public_welfare=True)) == [2]


def test_the_willingness_radius_holds_unless_organised_transfer_meets_a_willing_traveller():
    near, town, far = (28.45, 117.62), (28.30, 117.90), (29.87, 121.55)  # 4 km, 30 km, 400 km (Ningbo)
    c = build(
        opening(1, lat=near[0], lon=near[1]),
        opening(2, lat=town[0], lon=town[1]),
        opening(3, lat=far[0], lon=far[1], county=0, province=0),
        opening(4, lat=far[0], lon=far[1], county=0, province=0, transfer=True),
    )
    assert ids(c, laborer(willingness=cat.WILLINGNESS["village"])) == [1]
    assert ids(c, laborer(willingness=cat.WILLINGNESS["county"])) == [1, 2]
    assert ids(c, laborer(willingness=cat.WILLINGNESS["province"])) == [1, 2, 4]
    assert ids(c, laborer(willingness=cat.WILLINGNESS["anywhere"])) == [1, 2, 3, 4]
    assert ids(c, laborer(willingness=cat.WILLINGNESS["none"])) == []


def test_heavy_work_is_beyond_weak_capacity():
    c = build(opening(1, intensity="heavy"), opening(2, intensity="light"))
    assert ids(c, laborer(capacity=cat.CAPACITY["weak"])) == [2]
    assert ids(c, laborer(capacity=cat.CAPACITY["normal"])) == [1, 2]


def test_full_posts_closed_posts_and_past_deadlines_are_dropped():
    c = build(
        opening(1, remaining=0), opening(2, is_open=False), opening(3, deadline=TODAY - 1), opening(4, deadline=TODAY)
    )
    assert ids(c, laborer()) == [4]


def test_home_based_laborers_get_home_piecework_only():
    c = build(opening(1), opening(2, pattern="home_piecework", kind="workshop"))
    assert ids(c, laborer(home_only=True)) == [2]


def test_a_short_list_says_which_rule_cut_most():
    c = build(opening(1, age=(18, 40)), opening(2, age=(18, 40)), opening(3))
    found = engine.match_laborer(c, laborer(age=58), ranker.PriorModel(), TODAY, limit=10)
    assert len(found.rows) == 1
    assert found.excluded["age"] == 2


def test_the_matching_skill_ranks_first_and_a_closer_post_beats_a_farther_one():
    c = build(
        opening(1, skills=("电焊工",)),
        opening(2, skills=("缝纫工",)),
        opening(3, skills=("缝纫工",), lat=28.60, lon=117.70),  # about 23 km
    )
    found = engine.match_laborer(c, laborer(), ranker.PriorModel(), TODAY, limit=3)
    assert [int(c.openings.table.id[r]) for r in found.rows] == [2, 3, 1]


def test_a_carer_is_steered_to_flexible_hours():
    c = build(opening(1, pattern="full_time"), opening(2, pattern="flexible_hours"))
    found = engine.match_laborer(c, laborer(needs_flexible=True), ranker.PriorModel(), TODAY, limit=2)
    assert int(c.openings.table.id[found.rows[0]]) == 2


def test_congestion_pushes_an_oversubscribed_post_down():
    c = build(opening(1, remaining=1, open_referrals=6), opening(2, remaining=1, open_referrals=0, wage=2900.0))
    found = engine.match_laborer(c, laborer(), ranker.PriorModel(), TODAY, limit=2)
    assert int(c.openings.table.id[found.rows[0]]) == 2


def test_distance_tolerance_falls_with_age_and_caring_unless_hours_are_flexible():
    full, flexible = cat.PATTERN["full_time"], cat.PATTERN["flexible_hours"]
    county = cat.WILLINGNESS["county"]
    young = features.tolerance_km(county, 40, False, full)
    old = features.tolerance_km(county, 62, False, full)
    carer = features.tolerance_km(county, 40, True, full)
    carer_flexible = features.tolerance_km(county, 40, True, flexible)
    assert old < young and carer < young and carer_flexible == young


def test_protected_attributes_are_never_features():
    banned = ("sex", "gender", "ethnic", "nation", "birth", "religion", "name", "id_number", "phone", "health")
    for name in features.FEATURE_NAMES:
        assert not any(word in name for word in banned), name
    for field in engine.LaborerQuery.__dataclass_fields__:
        assert not any(word in field for word in ("sex", "gender", "ethnic", "id_number", "phone")), field


def _training_set(n: int = 600, seed: int = 1) -> ranker.TrainingSet:
    """Synthetic outcomes where skill fit and a short commute make hires last."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, len(features.FEATURE_NAMES))).astype(np.float32)
    skill, distance = features.FEATURE_NAMES.index("skill_fit"), features.FEATURE_NAMES.index("log_distance_km")
    logit = 4 * x[:, skill] - 3 * x[:, distance] - 0.5
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int8)
    return ranker.TrainingSet(x, y, np.arange(n) + 738000, rng.integers(0, 60, n))


def test_a_trained_model_has_a_card_and_beats_the_baselines_it_reports(tmp_path):
    model = ranker.train(_training_set(), "v1", ranker.PriorModel())
    ranker.save(model, tmp_path)
    card = json.loads((tmp_path / "ranker-v1.json").read_text())
    assert card["sklearn_version"] == sklearn.__version__
    assert card["feature_names"] == list(features.FEATURE_NAMES)
    assert card["rows"]["train"] + card["rows"]["holdout"] == 600
    metrics = card["holdout_metrics"]
    assert set(metrics["baselines"]) == {"distance_only", "skill_only", "skill_then_nearest", "prior"}
    assert metrics["model"]["auc"] > metrics["baselines"]["distance_only"]["auc"]
    assert (tmp_path / "ranker-v1.joblib").exists()


def test_promotion_needs_a_better_model_and_rollback_returns_to_the_last(tmp_path):
    good = ranker.train(_training_set(), "good", ranker.PriorModel())
    ranker.save(good, tmp_path)
    ranker.promote(tmp_path, "good")
    assert ranker.serving_model(tmp_path).version == "good"
    # A model no better than the serving one on the same later referrals (the same kind, trained on
    # less) is refused.
    worse = ranker.train(_training_set(), "worse", ranker.serving_model(tmp_path))
    ranker.save(worse, tmp_path)
    with pytest.raises(ranker.ModelError, match="not promoted"):
        ranker.promote(tmp_path, "worse")
    assert ranker.serving_state(tmp_path)["serving"] == "good"
    ranker.rollback(tmp_path)
    assert ranker.serving_model(tmp_path).version == ranker.PRIOR_VERSION


def test_a_model_from_another_scikit_learn_version_is_refused(tmp_path):
    model = ranker.train(_training_set(), "old", ranker.PriorModel())
    ranker.save(model, tmp_path)
    card_path = tmp_path / "ranker-old.json"
    card = json.loads(card_path.read_text())
    card["sklearn_version"] = "0.24.2"
    card_path.write_text(json.dumps(card))
    with pytest.raises(ranker.ModelError, match="scikit-learn 0.24.2"):
        ranker.load(tmp_path, "old")


def test_ndcg_is_one_for_a_perfect_order_and_lower_otherwise():
    labels = np.array([1, 0, 0, 1, 0])
    groups = np.zeros(5)
    assert ranker.ndcg_at(np.array([5, 1, 2, 4, 0]), labels, groups) == pytest.approx(1.0)
    assert ranker.ndcg_at(np.array([0, 5, 4, 1, 3]), labels, groups) < 0.7


def test_rows_added_after_the_tree_are_found_and_moved_rows_are_re_indexed():
    c = build(opening(1))
    assert ids(c, laborer()) == [1]
    c.openings.upsert([opening(2)])  # appended after the tree was built
    assert ids(c, laborer()) == [1, 2]
    c.openings.upsert([opening(1, lat=30.0, lon=120.0, county=330000, province=33)])  # moved far away
    assert ids(c, laborer()) == [2]
    assert ids(c, laborer(willingness=cat.WILLINGNESS["village"])) == [2]


def test_opening_to_laborers_respects_each_laborers_own_radius_and_skills():
    c = build(opening(1))
    d = skill_engine.dictionary()
    rows = []
    for i, (willing, lat, skill) in enumerate(
        [("village", 28.41, "缝纫"), ("village", 28.60, "缝纫"), ("county", 28.60, "电焊"), ("county", 28.42, "縫紉")],
        start=1,
    ):
        codes, scores = cat.laborer_skill_row(skill_engine.profile_skills([skill]), d)
        rows.append(
            {
                "id": i,
                "household_id": i,
                "lat": lat,
                "lon": 117.60,
                "county": COUNTY,
                "province": PROVINCE,
                "birth_ordinal": date(1980, 1, 1).toordinal(),
                "capacity": 2,
                "willingness": cat.WILLINGNESS[willing],
                "needs_flexible": False,
                "home_only": False,
                "category": 1,
                "risk": 0,
                "employed": False,
                "household_employed": False,
                "household_public_welfare": False,
                "past_referrals": 0,
                "past_hires": 0,
                "skill_codes": codes,
                "skill_scores": scores,
            }
        )
    c.laborers.upsert(rows)
    t = c.openings.table
    q = engine.OpeningQuery(
        lat=HOME[0],
        lon=HOME[1],
        county=COUNTY,
        province=PROVINCE,
        kind=t.kind[0],
        age_min=18,
        age_max=60,
        intensity=0,
        pattern=0,
        transfer=False,
        wage_month=3000.0,
        remaining=3,
        deadline=date.max.toordinal(),
        is_open=True,
        skill_rows=t.skills[0],
    )
    found = engine.match_opening(c, q, ranker.PriorModel(), TODAY, limit=10)
    got = [int(c.laborers.table.id[r]) for r in found.rows]
    assert 2 not in got  # lives 21 km away but will only work near the village
    assert got[:2] == [1, 4] or got[:2] == [4, 1]  # the two seamstresses first
    assert got[-1] == 3  # the welder last
    assert rules.VILLAGE_RADIUS_KM < 21

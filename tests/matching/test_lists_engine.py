"""The engine's lists: near-duplicates collapsed, excluded posts left out, congestion spreading the places,
and the village radius each county sets. Pure engine tests: no app, no database."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from jobmatch.matching import catalogue as cat
from jobmatch.matching import engine, ranker, rules
from jobmatch.matching import skills as skill_engine
from tests.matching.test_engine import COUNTY, HOME, PROVINCE, TODAY, build, laborer, opening

KM = 0.009  # about 1 km of latitude


def _match(catalogue, q, limit=10, **kw) -> engine.Matches:
    return engine.match_laborer(catalogue, q, ranker.PriorModel(), TODAY, limit=limit, **kw)


def _ids(catalogue, found) -> list[int]:
    return [int(catalogue.openings.table.id[r]) for r in found.rows]


def test_near_duplicates_collapse_into_the_best_ranked_one_with_the_rest_listed():
    c = build(
        *(opening(i, lat=HOME[0] + i * 0.2 * KM, wage=3000 + i) | {"group": 7} for i in range(1, 5)),
        opening(5, lat=HOME[0] + 8 * KM) | {"group": 7},  # same group, 8 km from the others
        opening(6) | {"group": 8},
        opening(7),  # no group: never collapsed
        opening(8),
    )
    found = _match(c, laborer())
    got = _ids(c, found)
    assert sum(i in (1, 2, 3, 4) for i in got) == 1
    entry = next(k for k, i in enumerate(got) if i in (1, 2, 3, 4))
    similar = sorted([got[entry], *(int(c.openings.table.id[r]) for r in found.similar[entry])])
    assert similar == [1, 2, 3, 4]
    assert {5, 6, 7, 8} <= set(got)
    assert all(len(found.similar[k]) == 0 for k in range(len(got)) if k != entry)
    # A batch assignment fills each post's own places: it keeps them apart.
    assert sorted(_ids(c, _match(c, laborer(), collapse=False))) == list(range(1, 9))


def test_collapsing_fills_the_list_with_other_posts_up_to_the_limit():
    c = build(
        *(opening(i, wage=4000) | {"group": 1} for i in range(1, 9)),
        *(opening(i, wage=3000) for i in range(9, 13)),
    )
    found = _match(c, laborer(), limit=5)
    got = _ids(c, found)
    assert len(got) == 5 and {9, 10, 11, 12} <= set(got)
    assert sorted(len(s) for s in found.similar) == [0, 0, 0, 0, 7]


def test_collapse_near_duplicates_counts_posts_below_the_last_entry():
    groups = np.array([3, 0, 3, 4, 3, 0])
    lat = np.array([28.0, 28.0, 28.0 + KM, 28.0, 28.0 + 10 * KM, 28.0])
    lon = np.full(6, 117.0)
    kept, similar = engine.collapse_near_duplicates(groups, lat, lon, limit=2)
    assert kept == [0, 1]
    assert similar == [[2], []]  # 4 is 10 km away: a different entry, but the list is full


def test_excluded_posts_are_not_offered():
    c = build(opening(1), opening(2), opening(3))
    found = _match(c, laborer(), exclude=np.array([c.openings.table.row_of[2]]))
    assert sorted(_ids(c, found)) == [1, 3]


def test_congestion_keeps_a_post_with_referrals_for_each_place_from_topping_every_list():
    c = build(opening(1, wage=4200, remaining=2), opening(2, wage=3600, remaining=2))
    q = laborer()
    assert _ids(c, _match(c, q))[0] == 1
    c.openings.upsert([opening(1, wage=4200, remaining=2, open_referrals=2) | {"recent_referrals": 6}])
    assert _ids(c, _match(c, q))[0] == 2
    share = engine.congestion(np.array([2]), np.array([2]), np.array([6]))
    assert share[0] == pytest.approx(2 / (2 + 0.5 * 2 + 0.25 * 6))


def test_a_post_shown_in_many_lists_lately_gives_way_to_others():
    c = build(opening(1, wage=4200, remaining=2), opening(2, wage=3600, remaining=2))
    q = laborer()
    row = c.openings.table.row_of[1]
    assert _ids(c, _match(c, q))[0] == 1
    c.note_shown(np.full(150, row))
    assert _ids(c, _match(c, q))[0] == 2
    c.openings.upsert([opening(1, wage=4200, remaining=2)])  # reloaded from the database: showings kept
    assert c.openings.table.shown[row] == 150
    c.decay_shown(0.5)
    assert c.openings.table.shown[row] == 75


def _simulate(c: cat.Catalogue, people: list[engine.LaborerQuery]) -> tuple[Counter, Counter]:
    """Each laborer in turn gets a list; the cadre refers them to its first post (an open referral)."""
    shown, referred = Counter(), Counter()
    t = c.openings.table
    for q in people:
        rows = _match(c, q).rows
        c.note_shown(rows)  # as the service does after each list
        shown.update(int(t.id[r]) for r in rows)
        if len(rows):
            top = int(rows[0])
            referred[int(t.id[top])] += 1
            t.open_referrals[top] += 1
            t.recent_referrals[top] += 1
    return shown, referred


def test_no_post_takes_more_than_a_small_share_of_all_lists(monkeypatch):
    """60 posts of 2 places near 300 laborers, each referred to the first post of their list in turn."""
    rng = np.random.default_rng(7)

    def county() -> cat.Catalogue:
        return build(
            *(
                opening(i, lat=HOME[0] + rng.uniform(-5, 5) * KM, lon=HOME[1], wage=2500 + 30 * i, remaining=2)
                for i in range(1, 61)
            )
        )

    people = [laborer(lat=HOME[0] + rng.uniform(-3, 3) * KM, age=int(rng.integers(25, 55))) for _ in range(300)]
    shown, referred = _simulate(county(), people)
    # Measured: the 10 most-shown posts take 26 % of all slots, no post draws more than 6 referrals;
    # without congestion 51 % and 40 referrals for one post of 2 places.
    assert sum(n for _, n in shown.most_common(10)) / sum(shown.values()) <= 0.33
    assert max(referred.values()) <= 8
    monkeypatch.setattr(engine, "CONGESTION_WEIGHT", 0.0)
    monkeypatch.setattr(engine, "FAIR_SHARE_WEIGHT", 0.0)
    monkeypatch.setattr(engine, "EXPOSURE_WEIGHT", 0.0)
    shown, referred = _simulate(county(), people)
    assert sum(n for _, n in shown.most_common(10)) / sum(shown.values()) > 0.45
    assert max(referred.values()) > 30


def test_the_village_radius_is_5_km_unless_the_county_sets_its_own():
    c = build(opening(1, lat=HOME[0] + 3 * KM), opening(2, lat=HOME[0] + 7 * KM), opening(3, lat=HOME[0] + 20 * KM))
    village = cat.WILLINGNESS["village"]
    assert rules.VILLAGE_RADIUS_KM == 5.0
    assert c.village_radius_km(COUNTY) == 5.0
    found = _match(c, laborer(willingness=village))
    assert _ids(c, found) == [1]
    assert found.excluded["radius"] == 1  # 7 km counted and explained; 20 km lies beyond the search
    c.set_village_radius({COUNTY: 8.0, 360000: 2.0})
    assert c.village_radius_km(COUNTY) == 8.0
    assert c.village_radius_km(np.array([COUNTY, 360000, 111111])).tolist() == [8.0, 2.0, 5.0]
    q = laborer(willingness=village, village_radius_km=c.village_radius_km(COUNTY))
    assert sorted(_ids(c, _match(c, q))) == [1, 2]
    c.set_village_radius({COUNTY: None})
    assert c.village_radius_km(COUNTY) == 5.0


def test_laborers_are_held_to_their_own_countys_radius_when_matching_an_opening():
    c = cat.Catalogue()
    c.laborers.upsert(
        [
            _laborer_row(1, county=COUNTY),
            _laborer_row(2, county=COUNTY + 1),
        ]
    )
    o = engine.OpeningQuery(
        lat=HOME[0] + 7 * KM,
        lon=HOME[1],
        county=COUNTY,
        province=PROVINCE,
        kind=cat.KIND["enterprise"],
        age_min=18,
        age_max=60,
        intensity=cat.INTENSITY["light"],
        pattern=cat.PATTERN["full_time"],
        transfer=False,
        wage_month=3000.0,
        remaining=3,
        deadline=TODAY + 30,
        is_open=True,
        skill_rows=cat.opening_skill_row([], skill_engine.dictionary()),
    )

    def found() -> list[int]:
        rows = engine.match_opening(c, o, ranker.PriorModel(), TODAY).rows
        return sorted(int(c.laborers.table.id[r]) for r in rows)

    assert found() == []
    c.set_village_radius({COUNTY + 1: 8.0})
    assert found() == [2]


def _laborer_row(id_: int, county: int) -> dict:
    return {
        "id": id_,
        "household_id": id_,
        "lat": HOME[0],
        "lon": HOME[1],
        "county": county,
        "province": PROVINCE,
        "birth_ordinal": TODAY - 40 * 365,
        "capacity": cat.CAPACITY["normal"],
        "willingness": cat.WILLINGNESS["village"],
        "needs_flexible": False,
        "home_only": False,
        "category": cat.CATEGORY["out_of_poverty"],
        "risk": 0,
        "employed": False,
        "household_employed": False,
        "household_public_welfare": False,
        "past_referrals": 0,
        "past_hires": 0,
        "skill_codes": np.full(cat.MAX_LABORER_CODES, -1),
        "skill_scores": np.zeros(cat.MAX_LABORER_CODES),
    }

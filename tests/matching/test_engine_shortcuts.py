"""The engine's shortcuts (rules over whole columns, code postings, spatial blocks read nearest first) give
exactly what measuring every candidate gives: the same rows in the same order, the same scores, the same
counts of what each rule cut. Pure engine tests on a small randomized province, with the shortlist and
the blocks made small so that every shortcut is taken."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pytest

from jobmatch.geo import EARTH_RADIUS_KM
from jobmatch.matching import catalogue as cat
from jobmatch.matching import engine, ranker, rules, spatial
from jobmatch.matching import skills as skill_engine
from tests.matching.test_engine import HOME, PROVINCE, TODAY

COUNTIES = [361121, 361122, 361123, 361124]
SEATS = [(28.41, 117.60), (28.70, 117.95), (28.05, 117.30), (28.95, 117.20)]
FAR = (31.23, 121.47)  # Shanghai, about 420 km away: another province
PHRASES = ["缝纫", "电焊", "叉车", "养猪", "种茶", "保洁", "泥瓦工", "电子厂流水线", "做饭", "采茶"]
# Distances (km) the rules and searches turn on: the village radius, the village search, the county border,
# the opening side's searches and the province search.
EDGES = [5.0, 8.0, 15.0, 30.0, 120.0, 300.0, 600.0]
AT_HOME = 3  # the first rows of each side (ids 1–3) are in the home village


def _north(lat: float, km: float) -> float:
    """The latitude `km` due north of `lat` (on the same meridian)."""
    return lat + np.degrees(km / EARTH_RADIUS_KM)


def _measured(km: float) -> float:
    """The distance the engine measures from the home village to a site `km` due north of it."""
    return float(spatial.haversine_km(*HOME, np.array([_north(HOME[0], km)]), np.array([HOME[1]]))[0])


@pytest.fixture(autouse=True)
def small(monkeypatch):
    """A shortlist, a re-ranked list and blocks small enough for a province of a few thousand rows; the
    distances the rules and searches turn on exactly those measured to the sites at the edges, so that
    some rows lie exactly on them."""
    monkeypatch.setattr(engine, "SHORTLIST", 60)
    monkeypatch.setattr(engine, "RERANK_LIMIT", 20)
    monkeypatch.setattr(spatial, "TARGET_BLOCKS", 48)
    monkeypatch.setattr(spatial, "MIN_BLOCK_ROWS", 8)
    monkeypatch.setattr(rules, "VILLAGE_SEARCH_KM", _measured(15.0))
    monkeypatch.setattr(rules, "COUNTY_BORDER_KM", _measured(30.0))
    monkeypatch.setattr(rules, "COUNTY_SEARCH_KM", _measured(120.0))
    monkeypatch.setattr(engine, "FAR_SEARCH_KM", _measured(300.0))
    monkeypatch.setattr(rules, "PROVINCE_SEARCH_KM", _measured(600.0))


def _skill_rows(rng, n: int) -> np.ndarray:
    """Openings' required skills: none for a third, a code outside the dictionary for some, else one or two."""
    d = skill_engine.dictionary()
    codes = [m.code for m in skill_engine.map_required_skills(PHRASES)]
    rows = np.full((n, cat.MAX_REQUIRED_SKILLS), skill_engine.NO_REQUIREMENT, dtype=np.intp)
    for i in range(n):
        draw = rng.random()
        if draw < 0.33:
            continue
        if draw < 0.4:
            rows[i, 0] = skill_engine.UNKNOWN_REQUIREMENT
            continue
        rows[i] = cat.opening_skill_row(list(rng.choice(codes, int(rng.integers(1, 3)), replace=False)), d)
    return rows


def _openings(rng, n: int, first_id: int = 1) -> dict[str, np.ndarray]:
    home = rng.integers(0, len(COUNTIES), n)
    seats = np.asarray(SEATS)
    far = rng.random(n) < 0.1
    lat = np.where(far, FAR[0] + rng.normal(0, 0.3, n), seats[home, 0] + rng.normal(0, 0.12, n))
    lon = np.where(far, FAR[1] + rng.normal(0, 0.3, n), seats[home, 1] + rng.normal(0, 0.12, n))
    # Sites at the distances the rules turn on, due north of the home village (and a hair either side).
    edges = rng.random(n) < 0.15
    km = rng.choice(EDGES, n) + rng.choice([-1e-9, 0.0, 1e-9], n)
    lat = np.where(edges, _north(HOME[0], km), lat)
    lon = np.where(edges, HOME[1], lon)
    lat[:AT_HOME], lon[:AT_HOME] = HOME  # posts in the home village: laborers at the edges are that far from them
    columns = {
        "id": np.arange(first_id, first_id + n),
        "lat": lat,
        "lon": lon,
        "county": np.where(far, 310101, np.asarray(COUNTIES)[home]),
        "province": np.where(far, 31, PROVINCE),
        "kind": rng.choice([0, 1, 2], n, p=[0.3, 0.2, 0.5]),
        "age_min": rng.choice([16, 18, 30], n),
        "age_max": rng.choice([45, 55, 60, 65], n),
        "remaining": rng.integers(0, 4, n),
        "deadline": np.where(rng.random(n) < 0.05, TODAY - 1, TODAY + rng.integers(0, 90, n)),
        "is_open": rng.random(n) < 0.93,
        "intensity": rng.integers(0, 3, n),
        "pattern": rng.choice([0, 1, 2], n, p=[0.6, 0.25, 0.15]),
        "transfer": far & (rng.random(n) < 0.6),
        "shuttle": rng.random(n) < 0.2,
        "accommodation": far,
        "wage_month": np.where(rng.random(n) < 0.05, np.nan, rng.uniform(1500, 6000, n)),
        "open_referrals": rng.integers(0, 4, n),
        "recent_referrals": rng.integers(0, 6, n),
        "group": np.where(rng.random(n) < 0.3, rng.integers(1, 40, n), 0),
        "shown": rng.uniform(0, 30, n).astype(np.float32),
        "skills": _skill_rows(rng, n),
    }
    # Twins: identical posts at identical sites, so that scores tie exactly.
    for i in range(0, n - 1, 37):
        for name in columns:
            if name != "id":
                columns[name][i + 1] = columns[name][i]
    return columns


def _laborers(rng, n: int, first_id: int = 1) -> dict[str, np.ndarray]:
    d = skill_engine.dictionary()
    profiles = [cat.laborer_skill_row(skill_engine.profile_skills([p]), d) for p in PHRASES]
    home = rng.integers(0, len(COUNTIES), n)
    seats = np.asarray(SEATS)
    lat = seats[home, 0] + rng.normal(0, 0.15, n)
    lon = seats[home, 1] + rng.normal(0, 0.15, n)
    edges = rng.random(n) < 0.15
    lat = np.where(edges, _north(HOME[0], rng.choice(EDGES, n) + rng.choice([-1e-9, 0.0, 1e-9], n)), lat)
    lon = np.where(edges, HOME[1], lon)
    lat[:AT_HOME], lon[:AT_HOME] = HOME  # laborers of the home village: posts at the edges are that far from them
    codes = np.full((n, cat.MAX_LABORER_CODES), -1, dtype=np.intp)
    scores = np.zeros((n, cat.MAX_LABORER_CODES), dtype=np.float32)
    for i in range(n):
        held = rng.choice(len(profiles), int(rng.integers(0, 3)), replace=False)
        if len(held):
            codes[i], scores[i] = profiles[held[0]]
        if len(held) > 1:
            codes[i, 3:], scores[i, 3:] = profiles[held[1]][0][:3], profiles[held[1]][1][:3]
    # Birthdays spread over the ages posts ask for, some on the very edge of a post's range.
    age_days = rng.uniform(15, 70, n) * engine.DAYS_PER_YEAR
    edge_age = rng.random(n) < 0.1
    age_days = np.where(edge_age, rng.choice([16, 18, 30, 46, 56, 61], n) * engine.DAYS_PER_YEAR, age_days)
    return {
        "id": np.arange(first_id, first_id + n),
        "household_id": np.arange(first_id, first_id + n) // 2,
        "lat": lat,
        "lon": lon,
        "county": np.asarray(COUNTIES)[home],
        "province": np.full(n, PROVINCE),
        "birth_ordinal": (TODAY - age_days + rng.integers(-2, 3, n)).astype(np.int32),
        "capacity": rng.choice([0, 1, 2, 3], n, p=[0.05, 0.3, 0.5, 0.15]),
        "willingness": rng.integers(0, 5, n),
        "needs_flexible": rng.random(n) < 0.25,
        "home_only": rng.random(n) < 0.05,
        "category": rng.integers(0, 5, n),
        "risk": rng.integers(0, 3, n),
        "employed": rng.random(n) < 0.3,
        "household_employed": rng.random(n) < 0.5,
        "household_public_welfare": rng.random(n) < 0.05,
        "past_referrals": rng.integers(0, 4, n),
        "past_hires": rng.integers(0, 2, n),
        "skill_codes": codes,
        "skill_scores": scores,
    }


def _province(seed: int) -> tuple[cat.Catalogue, np.random.Generator]:
    rng = np.random.default_rng(seed)
    catalogue = cat.Catalogue()
    catalogue.openings.extend(_openings(rng, 1500))
    catalogue.laborers.extend(_laborers(rng, 2500))
    catalogue.set_village_radius({county: _measured(8.0 if county == COUNTIES[1] else 5.0) for county in COUNTIES})
    return catalogue, rng


def _laborer_query(catalogue: cat.Catalogue, row: int, willingness: int, rng) -> engine.LaborerQuery:
    t = catalogue.laborers.table
    return engine.LaborerQuery(
        lat=float(t.lat[row]),
        lon=float(t.lon[row]),
        county=int(t.county[row]),
        province=int(t.province[row]),
        age=int((TODAY - t.birth_ordinal[row]) // engine.DAYS_PER_YEAR),
        capacity=int(rng.integers(0, 4)),
        willingness=willingness,
        needs_flexible=bool(t.needs_flexible[row]),
        home_only=bool(rng.random() < 0.1),
        category=int(t.category[row]),
        risk=int(t.risk[row]),
        household_employed=bool(t.household_employed[row]),
        household_public_welfare=bool(t.household_public_welfare[row]),
        past_referrals=int(t.past_referrals[row]),
        past_hires=int(t.past_hires[row]),
        skills=_profile(tuple(rng.choice(PHRASES, int(rng.integers(0, 3)), replace=False))),
        village_radius_km=float(catalogue.village_radius_km(int(t.county[row]))),
    )


@functools.cache
def _profile(phrases: tuple[str, ...]) -> skill_engine.LaborerSkills:
    return skill_engine.profile_skills(list(phrases))


def _opening_query(catalogue: cat.Catalogue, row: int) -> engine.OpeningQuery:
    t = catalogue.openings.table
    return engine.OpeningQuery(
        lat=float(t.lat[row]),
        lon=float(t.lon[row]),
        county=int(t.county[row]),
        province=int(t.province[row]),
        kind=int(t.kind[row]),
        age_min=int(t.age_min[row]),
        age_max=int(t.age_max[row]),
        intensity=int(t.intensity[row]),
        pattern=int(t.pattern[row]),
        transfer=bool(t.transfer[row]),
        wage_month=float(t.wage_month[row]),
        remaining=max(1, int(t.remaining[row])),
        deadline=int(t.deadline[row]),
        is_open=True,
        skill_rows=t.skills[row].copy(),
    )


def _same(fast: engine.Matches, every: engine.Matches) -> None:
    assert fast.rows.tolist() == every.rows.tolist()
    for name in ("chance", "rank_score", "features", "distance_km"):
        assert np.array_equal(getattr(fast, name), getattr(every, name)), name
    assert (fast.candidates, fast.excluded) == (every.candidates, every.excluded)
    assert [s.tolist() for s in fast.similar] == [s.tolist() for s in every.similar]


@pytest.fixture
def shortcuts(monkeypatch):
    """How often the shortlist was found from the blocks rather than by measuring every candidate."""
    taken = []
    best_near = engine._best_near
    monkeypatch.setattr(engine, "_best_near", lambda *a, **kw: taken.append(1) or best_near(*a, **kw))
    return taken


def _same_shortlist(fast: tuple, every: tuple) -> None:
    """The candidate stages agree: the same shortlist (rows, order, distances, fits) and the same counts."""
    shortlists = []
    for rows, distance, fit, eligible, candidates, excluded in (fast, every):
        keep = engine._shortlist(rows, fit, distance) if eligible > engine.SHORTLIST else np.arange(len(rows))
        shortlists.append((rows[keep].tolist(), distance[keep].tolist(), fit[keep].tolist(), candidates, excluded))
    assert shortlists[0] == shortlists[1]
    assert fast[3] == every[3]


def _laborer_side(catalogue, rng, queries: int, kinds=None, visible=None, exclude=None) -> None:
    model = ranker.PriorModel()
    at_home = [catalogue.laborers.table.row_of[i] for i in range(1, AT_HOME + 1)]
    for row in [*at_home[:2], *rng.integers(0, catalogue.laborers.table.size, queries)]:
        for willingness in range(5):
            q = _laborer_query(catalogue, int(row), willingness, rng)
            kw = {"kinds": kinds, "visible": visible, "exclude": exclude}
            fast = engine.match_laborer(catalogue, q, model, TODAY, limit=engine.RERANK_LIMIT, **kw)
            every = engine.match_laborer(catalogue, q, model, TODAY, limit=engine.RERANK_LIMIT, exhaustive=True, **kw)
            _same(fast, every)
            if willingness >= cat.WILLINGNESS["province"] and q.capacity:
                filters = (kinds, visible, exclude)
                _same_shortlist(
                    engine._openings_far(catalogue, q, TODAY, *filters),
                    engine._openings_every(catalogue, q, TODAY, *filters),
                )


def _opening_side(catalogue, rng, queries: int, visible=None, exclude=None) -> None:
    model = ranker.PriorModel()
    at_home = [catalogue.openings.table.row_of[i] for i in range(1, AT_HOME + 1)]
    for row in [*at_home, *rng.integers(0, catalogue.openings.table.size, queries)]:
        o = _opening_query(catalogue, int(row))
        fast = engine.match_opening(catalogue, o, model, TODAY, limit=12, visible=visible, exclude=exclude)
        _same(fast, engine.match_opening(catalogue, o, model, TODAY, 12, visible, exclude, exhaustive=True))
        _same_shortlist(
            engine._laborers_far(catalogue, o, TODAY, visible, exclude),
            engine._laborers_every(catalogue, o, TODAY, visible, exclude),
        )


def test_a_laborer_gets_the_same_list_whether_every_opening_is_measured_or_not(shortcuts):
    catalogue, rng = _province(1)
    _laborer_side(catalogue, rng, 10)
    assert len(shortcuts) >= 10  # the willing-to-travel laborers' shortlists came from the blocks


def test_an_opening_gets_the_same_list_whether_every_laborer_is_measured_or_not(shortcuts):
    catalogue, rng = _province(2)
    _opening_side(catalogue, rng, 30)
    assert len(shortcuts) >= 20


def test_scope_kinds_and_exclusions_give_the_same_lists_both_ways(shortcuts):
    catalogue, rng = _province(3)
    seen_openings = rng.random(catalogue.openings.table.size) < 0.7
    seen_laborers = rng.random(catalogue.laborers.table.size) < 0.6
    _laborer_side(
        catalogue,
        rng,
        4,
        kinds={cat.KIND["workshop"], cat.KIND["enterprise"]},
        visible=lambda rows: seen_openings[rows],
        exclude=rng.choice(catalogue.openings.table.size, 60, replace=False),
    )
    _opening_side(
        catalogue,
        rng,
        10,
        visible=lambda rows: seen_laborers[rows],
        exclude=rng.choice(catalogue.laborers.table.size, 200, replace=False),
    )
    assert shortcuts


def test_rows_added_moved_or_changed_after_the_indexes_give_the_same_lists_both_ways(monkeypatch, shortcuts):
    catalogue, rng = _province(4)
    _opening_side(catalogue, rng, 2)  # the indexes are in use
    _laborer_side(catalogue, rng, 1)
    monkeypatch.setattr(cat, "REBUILD_AFTER_APPENDS", 150)
    for table, make in ((catalogue.openings, _openings), (catalogue.laborers, _laborers)):
        t = table.table
        # New rows: past the limit (they get blocks of their own), then a few more (read directly).
        for count in (200, 100):
            new = make(rng, count, first_id=t.size + 1)
            table.upsert([{name: values[i] for name, values in new.items()} for i in range(count)])
            table.index()
        # Rows that move (and change county), and rows whose skill codes change.
        changed = make(rng, 60)
        rows = rng.choice(t.size, 60, replace=False)
        records = []
        for i, row in enumerate(rows):
            record = {name: t.data[name][row] for name in t.dtypes}
            if i % 2:
                record |= {"lat": changed["lat"][i], "lon": changed["lon"][i], "county": changed["county"][i]}
            else:
                record[table.codes] = changed[table.codes][i]
            records.append(record)
        table.upsert(records)
    blocks = catalogue.openings.blocks
    assert blocks.ordered < blocks.rows < catalogue.openings.table.size  # loaded, added in a part, read directly
    _laborer_side(catalogue, rng, 4)
    _opening_side(catalogue, rng, 10)
    # Past the limit of moved and changed rows: both indexes are built again, over every row.
    monkeypatch.setattr(cat, "REBUILD_AFTER_APPENDS", 20)
    _laborer_side(catalogue, rng, 2)
    _opening_side(catalogue, rng, 6)
    assert catalogue.openings.blocks.rows == catalogue.openings.table.size
    assert catalogue.laborers.blocks.ordered == 0


def test_blocks_bound_every_distance_and_find_what_is_within_a_radius():
    rng = np.random.default_rng(5)
    lat = np.concatenate([rng.normal(28.4, 0.4, 3000), [np.nan, 28.4, 28.4]])
    lon = np.concatenate([rng.normal(117.6, 0.4, 3000), [117.6, np.nan, 117.6]])
    table = cat.SpatialTable(cat.OPENING_COLUMNS, "skills", skill_engine.NO_REQUIREMENT)
    table.extend(_openings(rng, len(lat)) | {"lat": lat, "lon": lon})
    blocks, _ = table.index()
    assert np.array_equal(np.sort(blocks.order), np.arange(table.table.size))
    for point in [(28.4, 117.6), (28.9, 117.0), (31.0, 121.0)]:
        lower, upper = blocks.bounds(*point)
        distance = spatial.haversine_km(*point, table.table.lat, table.table.lon)
        block = blocks.block_of
        known = ~np.isnan(distance)
        assert np.all(lower[block][known] <= distance[known]) and np.all(distance[known] <= upper[block][known])
        for km in (0.5, 5.0, 30.0, 120.0, 700.0):
            assert table.within(*point, km).tolist() == np.flatnonzero(distance <= km).tolist()
            assert np.array_equal(table.within_mask(*point, km), distance <= km)


def test_a_bulk_load_is_stored_in_block_order_and_each_id_keeps_its_values():
    rng = np.random.default_rng(6)
    columns = _laborers(rng, 500)
    table = cat.SpatialTable(cat.LABORER_COLUMNS, "skill_codes", -1)
    table.extend(columns)
    blocks, _ = table.index()
    assert blocks.order.tolist() == list(range(500))  # rows are stored block after block
    for i in rng.integers(0, 500, 50):
        row = table.table.row_of[int(columns["id"][i])]
        for name, values in columns.items():
            assert np.array_equal(table.table.data[name][row], values[i])


def test_the_county_index_follows_upserts_without_sorting_the_table_again():
    catalogue, rng = _province(7)
    table = catalogue.laborers
    t = table.table
    table.in_county(COUNTIES[0])
    new = _laborers(rng, 30, first_id=t.size + 1)
    moved = [{name: t.data[name][row] for name in t.dtypes} | {"county": COUNTIES[3]} for row in range(10)]
    table.upsert([{name: values[i] for name, values in new.items()} for i in range(30)] + moved)
    assert table.by_county is not None  # kept up to date, not thrown away
    for county in [*COUNTIES, 999999]:
        assert table.in_county(county).tolist() == np.flatnonzero(t.county == county).tolist()


def test_the_age_rule_reads_one_birth_date_bound_as_the_whole_years_would():
    birth = np.arange(TODAY - 70 * 366, TODAY - 14 * 365, dtype=np.int32)
    t = cat.Columns(cat.LABORER_COLUMNS)
    t.extend(
        {name: np.zeros((len(birth), *shape), dtype=dtype) for name, (dtype, shape) in cat.LABORER_COLUMNS.items()}
        | {"id": np.arange(len(birth)), "birth_ordinal": birth}
    )
    for age_min, age_max in [(16, 60), (18, 45), (30, 65), (50, 49)]:
        o = dataclasses.replace(_opening_query(_province_of_one(), 0), age_min=age_min, age_max=age_max)
        oldest, youngest = engine._birth_range(o, TODAY)
        able = (birth > oldest) & (birth <= youngest)
        ages = engine._whole_years(TODAY, birth)
        exact = (ages >= age_min) & (ages <= age_max)
        assert np.array_equal(engine._age_rule(t, o, TODAY, able)[able], exact[able])


def _province_of_one() -> cat.Catalogue:
    catalogue = cat.Catalogue()
    catalogue.openings.extend(_openings(np.random.default_rng(8), 1))
    return catalogue


def test_postings_list_the_rows_holding_a_code_across_parts():
    matrix = np.array([[3, -2], [5, 3], [-2, -2], [-1, -2], [5, -2]])
    postings = cat.Postings.build(matrix[:3], skill_engine.NO_REQUIREMENT)
    postings = postings.append(cat.Postings.build(matrix[3:], skill_engine.NO_REQUIREMENT, first=3))
    assert sorted(postings.holding(np.array([3])).tolist()) == [0, 1]
    assert sorted(postings.holding(np.array([5, 7])).tolist()) == [1, 4]
    assert postings.blank.tolist() == [False, False, True, False, False]
    assert rules.one_of(np.array([0, 1, 2, 3], dtype=np.int8), [1, 3]).tolist() == [False, True, False, True]

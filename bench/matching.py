"""Benchmark of the matching engine at provincial scale (SPEC §9), printing figures.

A synthetic province in memory: 1.5 million laborers in ~100 counties and 200,000 openings,
skills drawn from the shipped dictionary. Measures, on this machine:
- one laborer against all openings (engine): median and p95;
- one opening against all laborers (engine): median and p95;
- build time of the spatial indexes and peak memory.

Run: .venv/bin/python bench/matching.py [--laborers N] [--openings M] [--queries Q]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from datetime import date

import numpy as np

from jobmatch.matching import catalogue as cat
from jobmatch.matching import engine, ranker
from jobmatch.matching import skills as skill_engine

# Jiangxi spans about 24.5–30.1 N, 113.6–118.5 E; counties are ~50 km across.
LAT_RANGE, LON_RANGE = (24.5, 30.1), (113.6, 118.5)
COUNTIES = 100


def province(n_laborers: int, n_openings: int, seed: int = 7) -> tuple[cat.Catalogue, np.random.Generator]:
    rng = np.random.default_rng(seed)
    d = skill_engine.dictionary()
    seats = np.column_stack([rng.uniform(*LAT_RANGE, COUNTIES), rng.uniform(*LON_RANGE, COUNTIES)])
    catalogue = cat.Catalogue()

    county = rng.integers(0, COUNTIES, n_openings)
    far = rng.random(n_openings) < 0.1  # sites in other provinces, mostly with organised transfer
    lat = np.where(far, rng.uniform(22, 32, n_openings), seats[county, 0] + rng.normal(0, 0.15, n_openings))
    lon = np.where(far, rng.uniform(112, 122, n_openings), seats[county, 1] + rng.normal(0, 0.15, n_openings))
    skills = np.full((n_openings, cat.MAX_REQUIRED_SKILLS), skill_engine.NO_REQUIREMENT, dtype=np.intp)
    k = rng.integers(0, 3, n_openings)
    for j in range(2):
        skills[:, j] = np.where(k > j, rng.integers(0, len(d), n_openings), skill_engine.NO_REQUIREMENT)
    catalogue.openings.extend(
        {
            "id": np.arange(1, n_openings + 1),
            "lat": lat,
            "lon": lon,
            "county": np.where(far, 0, 360000 + county),
            "province": np.where(far, 0, 36),
            "kind": rng.choice([0, 1, 2], n_openings, p=[0.1, 0.2, 0.7]),
            "age_min": np.full(n_openings, 18),
            "age_max": rng.choice([45, 55, 60, 65], n_openings),
            "remaining": rng.integers(0, 20, n_openings),
            "deadline": np.full(n_openings, date.max.toordinal()),
            "is_open": rng.random(n_openings) < 0.95,
            "intensity": rng.integers(0, 3, n_openings),
            "pattern": rng.choice([0, 1, 2], n_openings, p=[0.7, 0.2, 0.1]),
            "transfer": far & (rng.random(n_openings) < 0.8),
            "shuttle": rng.random(n_openings) < 0.2,
            "accommodation": far,
            "wage_month": rng.uniform(1500, 7000, n_openings),
            "open_referrals": rng.integers(0, 5, n_openings),
            "skills": skills,
        }
    )
    home = rng.integers(0, COUNTIES, n_laborers)
    codes = np.full((n_laborers, cat.MAX_LABORER_CODES), -1, dtype=np.intp)
    scores = np.zeros((n_laborers, cat.MAX_LABORER_CODES), dtype=np.float32)
    has = rng.integers(0, 3, n_laborers)
    for j in range(2):
        codes[:, j] = np.where(has > j, rng.integers(0, len(d), n_laborers), -1)
        scores[:, j] = np.where(has > j, rng.uniform(0.7, 1.0, n_laborers), 0)
    catalogue.laborers.extend(
        {
            "id": np.arange(1, n_laborers + 1),
            "household_id": np.arange(1, n_laborers + 1) // 2,
            "lat": seats[home, 0] + rng.normal(0, 0.15, n_laborers),
            "lon": seats[home, 1] + rng.normal(0, 0.15, n_laborers),
            "county": 360000 + home,
            "province": np.full(n_laborers, 36),
            "birth_ordinal": date(2026, 1, 1).toordinal() - (rng.beta(5, 3, n_laborers) * 55 + 18) * 365,
            "capacity": rng.choice([0, 1, 2, 3], n_laborers, p=[0.05, 0.28, 0.55, 0.12]),
            "willingness": rng.choice([0, 1, 2, 3, 4], n_laborers, p=[0.1, 0.3, 0.3, 0.15, 0.15]),
            "needs_flexible": rng.random(n_laborers) < 0.25,
            "home_only": rng.random(n_laborers) < 0.03,
            "category": rng.choice([0, 1, 2, 3, 4], n_laborers, p=[0.08, 0.7, 0.08, 0.1, 0.04]),
            "risk": rng.integers(0, 3, n_laborers),
            "employed": rng.random(n_laborers) < 0.5,
            "household_employed": rng.random(n_laborers) < 0.6,
            "household_public_welfare": rng.random(n_laborers) < 0.05,
            "past_referrals": rng.integers(0, 3, n_laborers),
            "past_hires": np.zeros(n_laborers),
            "skill_codes": codes,
            "skill_scores": scores,
        }
    )
    return catalogue, rng


def laborer_query(catalogue: cat.Catalogue, row: int, profiles: list) -> engine.LaborerQuery:
    t = catalogue.laborers.table
    return engine.LaborerQuery(
        lat=float(t.lat[row]),
        lon=float(t.lon[row]),
        county=int(t.county[row]),
        province=int(t.province[row]),
        age=int((date(2026, 11, 22).toordinal() - t.birth_ordinal[row]) // 365),
        capacity=max(1, int(t.capacity[row])),
        willingness=max(1, int(t.willingness[row])),
        needs_flexible=bool(t.needs_flexible[row]),
        home_only=False,
        category=int(t.category[row]),
        risk=int(t.risk[row]),
        household_employed=bool(t.household_employed[row]),
        household_public_welfare=False,
        past_referrals=0,
        past_hires=0,
        skills=profiles[row % len(profiles)],
    )


def opening_query(catalogue: cat.Catalogue, row: int) -> engine.OpeningQuery:
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


def timed(fn, items) -> list[float]:
    out = []
    for item in items:
        started = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - started) * 1000)
    return out


def report(name: str, ms: list[float]) -> None:
    ms = sorted(ms)
    p95 = ms[int(len(ms) * 0.95) - 1]
    print(f"  {name:<44} median {statistics.median(ms):7.2f} ms   p95 {p95:7.2f} ms   ({len(ms)} queries)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--laborers", type=int, default=1_500_000)
    parser.add_argument("--openings", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    started = time.perf_counter()
    catalogue, rng = province(args.laborers, args.openings)
    print(
        f"synthetic province: {args.laborers:,} laborers, {args.openings:,} openings "
        f"(built in {time.perf_counter() - started:.1f} s)"
    )
    started = time.perf_counter()
    catalogue.openings.within(28.0, 116.0, 1.0)
    catalogue.laborers.within(28.0, 116.0, 1.0)
    print(f"  BallTree build (both sides)                  {time.perf_counter() - started:.1f} s")
    phrases = ["会踩缝纫机", "电汗", "会开叉車", "养猪", "种茶", "保洁", "泥瓦工", "电子厂流水线", "无", "做饭"]
    profiles = [skill_engine.profile_skills(rng.choice(phrases, 2, replace=False).tolist()) for _ in range(50)]
    model = ranker.PriorModel()
    today = date(2026, 11, 22).toordinal()
    rows = rng.integers(0, args.laborers, args.queries)
    queries = [laborer_query(catalogue, int(r), profiles) for r in rows]
    engine.match_laborer(catalogue, queries[0], model, today)  # warm up
    report(
        "one laborer against all openings (engine)",
        timed(lambda q: engine.match_laborer(catalogue, q, model, today), queries),
    )
    by_will = {}
    for q in queries:
        by_will.setdefault(q.willingness, []).append(q)
    for level, name in [(1, "village"), (2, "county"), (3, "province"), (4, "anywhere")]:
        if by_will.get(level):
            report(
                f"  … willingness {name}",
                timed(lambda q: engine.match_laborer(catalogue, q, model, today), by_will[level]),
            )
    opening_rows = rng.integers(0, args.openings, max(50, args.queries // 4))
    oqs = [opening_query(catalogue, int(r)) for r in opening_rows]
    report(
        "one opening against all laborers (engine)",
        timed(lambda q: engine.match_opening(catalogue, q, model, today), oqs),
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory (RSS)                            {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()

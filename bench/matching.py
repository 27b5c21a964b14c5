"""Benchmark of the matching engine at provincial scale (SPEC §9), printing figures.

A synthetic province in memory: 1.5 million laborers in ~100 counties and 200,000 openings,
skills drawn from the shipped dictionary. Measures, on this machine:
- one laborer against all openings, for each willingness (village, county, province, anywhere);
- one opening against all laborers;
- build time of the indexes and peak memory.

Each query runs on the engine as it serves (`fast`) and measuring every candidate (`exhaustive=True`,
the reference), one after the other (the order alternating), and both answers are compared. Figures are
the median and p95 per case of wall time and of CPU time (time.process_time, which a busy machine
disturbs less), and the ratio exhaustive / fast of the CPU medians, all from the same run.

Run: PYTHONPATH=. .venv/bin/python bench/matching.py [--laborers N] [--openings M] [--queries Q]
     [--paths fast,exhaustive]
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
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


PATHS = {"fast": False, "exhaustive": True}


def timed(run, items, paths: list[str]) -> tuple[dict[str, tuple[list[float], list[float]]], int]:
    """Wall and CPU ms per query for each path (alternating which goes first), and how many answers differ."""
    figures = {path: ([], []) for path in paths}
    differ = 0
    for n, item in enumerate(items):
        answers = []
        for path in paths if n % 2 == 0 else paths[::-1]:
            wall, cpu = time.perf_counter(), time.process_time()
            answers.append(run(item, PATHS[path]))
            figures[path][1].append((time.process_time() - cpu) * 1000)
            figures[path][0].append((time.perf_counter() - wall) * 1000)
        differ += any(not np.array_equal(answers[0].rows, other.rows) for other in answers[1:])
    return figures, differ


def report(name: str, figures: dict[str, tuple[list[float], list[float]]], differ: int) -> None:
    print(f"  {name}")
    for path, (wall, cpu) in figures.items():
        print(
            f"    {path:<11} wall median {np.median(wall):7.2f} ms  p95 {np.percentile(wall, 95):7.2f} ms"
            f"   cpu median {np.median(cpu):7.2f} ms  p95 {np.percentile(cpu, 95):7.2f} ms   ({len(cpu)} queries)"
        )
    if "fast" in figures and "exhaustive" in figures:
        fast, every = figures["fast"][1], figures["exhaustive"][1]
        print(
            f"    exhaustive / fast: cpu median {np.median(every) / np.median(fast):.1f}×, "
            f"cpu p95 {np.percentile(every, 95) / np.percentile(fast, 95):.1f}×; answers that differ: {differ}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--laborers", type=int, default=1_500_000)
    parser.add_argument("--openings", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=100, help="queries per case")
    parser.add_argument("--paths", default="fast,exhaustive", help="fast, exhaustive or both")
    args = parser.parse_args()
    paths = args.paths.split(",")
    started = time.perf_counter()
    catalogue, rng = province(args.laborers, args.openings)
    print(
        f"synthetic province: {args.laborers:,} laborers, {args.openings:,} openings "
        f"(built in {time.perf_counter() - started:.1f} s, indexes included)"
    )
    started = time.perf_counter()
    cat.Blocks.build(catalogue.laborers.table.lat, catalogue.laborers.table.lon)
    print(f"  spatial blocks over the laborers alone      {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    catalogue.prepare()
    print(f"  prepare (county indexes, room to grow)      {time.perf_counter() - started:.1f} s")
    phrases = ["会踩缝纫机", "电汗", "会开叉車", "养猪", "种茶", "保洁", "泥瓦工", "电子厂流水线", "无", "做饭"]
    profiles = [skill_engine.profile_skills(rng.choice(phrases, 2, replace=False).tolist()) for _ in range(50)]
    model = ranker.PriorModel()
    today = date(2026, 11, 22).toordinal()
    # Queries name rows by id (a bulk load stores rows in block order, so row numbers differ between versions).
    rows = [catalogue.laborers.table.row_of[int(i)] for i in rng.integers(1, args.laborers + 1, args.queries)]
    laborers = [laborer_query(catalogue, row, profiles) for row in rows]
    for path in paths:  # warm up
        engine.match_laborer(catalogue, laborers[0], model, today, exhaustive=PATHS[path])

    def match_laborer(q, exhaustive):
        return engine.match_laborer(catalogue, q, model, today, exhaustive=exhaustive)

    def match_opening(o, exhaustive):
        return engine.match_opening(catalogue, o, model, today, exhaustive=exhaustive)

    print(f"one laborer against {args.openings:,} openings (the laborers' own places, skills and ages)")
    for level, name in [(1, "village"), (2, "county"), (3, "province"), (4, "anywhere")]:
        queries = [dataclasses.replace(q, willingness=level) for q in laborers]
        report(f"willingness {name}", *timed(match_laborer, queries, paths))
    rows = [catalogue.openings.table.row_of[int(i)] for i in rng.integers(1, args.openings + 1, args.queries)]
    openings = [opening_query(catalogue, row) for row in rows]
    print(f"one opening against {args.laborers:,} laborers")
    report("any opening", *timed(match_opening, openings, paths))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory (RSS)                           {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()

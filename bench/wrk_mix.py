"""The standard figure: the load test's mix with `wrk`, beside /healthz of the service and of a bare Flask app.

Steps: migrate the database and load the demo county if it is empty, make the load accounts and
tokens (bench/load/fixture.py), start the service under gunicorn and a bare Flask app
(bench/bare_app.py) under gunicorn with the same workers, warm the service, then in one run:

1. the busy morning's API mix (the weights of bench/load/locustfile.py: matches for a laborer, a
   village's laborers, matches for an opening, a workshop's sheet read and saved, the county's open
   openings page by page, one opening), for --seconds;
2. GET /healthz of the service, and 3. GET /healthz of the bare app, for a third of that each.

Each prints requests/s, p50/p95/p99 and errors per endpoint, and the CPU milliseconds per request of the
gunicorn workers and of the database's server processes (PostgreSQL on this machine), from /proc.
The CPU per request is the figure to compare between runs on a shared machine; requests/s move with
whatever else runs. The login form (CSRF and cookies) stays with the Locust mix (bench/load/run_load.py).

    bash scripts/bench-tools.sh                          # wrk, once (Debian package)
    .venv/bin/python bench/wrk_mix.py                    # PostgreSQL jm_load, 30 s, 16 connections
    .venv/bin/python bench/wrk_mix.py --seconds 60 --connections 32 --workers 2
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import wrkrun  # noqa: E402
from harness import BIN, DEFAULT_POSTGRES, NO_LOGIN_LIMITS, OUTPUT, ROOT, Gunicorn, log, prepare  # noqa: E402
from load import run_load  # noqa: E402

STATUSES = ["present"] * 17 + ["half_day", "leave", "absent"]
# Requests per 100 of the mix: the locustfile's people (cadres 10, managers 6, bureau 6) times their tasks' shares.
MIX = {
    "GET /laborers/{id}/matches": 33,
    "GET /laborers?region": 8,
    "GET /openings/{id}/matches": 3,
    "GET /workshops/{id}/attendance": 13,
    "POST /workshops/{id}/attendance": 13,
    "GET /openings": 23,
    "GET /openings/{id}": 7,
}


def mix(fixture: dict, count: int = 4000, seed: int = 20) -> list[dict]:
    """`count` requests of the mix in a random order, each with its person's token."""
    rng = random.Random(seed)
    bureau = fixture["bureau"]
    pages = max(1, len(bureau["opening_ids"]) // 20)

    def auth(token: str) -> dict:
        return {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def one(name: str) -> dict:
        cadre, manager = rng.choice(fixture["cadres"]), rng.choice(fixture["managers"])
        if name == "GET /laborers/{id}/matches":
            path = f"/api/v1/laborers/{rng.choice(cadre['laborer_ids'])}/matches?limit=10"
            return {"path": path, "headers": auth(cadre["token"])}
        if name == "GET /laborers?region":
            path = f"/api/v1/laborers?region={rng.choice(cadre['villages'])}&per_page=20"
            return {"path": path, "headers": auth(cadre["token"])}
        if name == "GET /openings/{id}/matches":
            path = f"/api/v1/openings/{rng.choice(bureau['opening_ids'])}/matches?limit=10"
            return {"path": path, "headers": auth(cadre["token"])}
        if name == "GET /workshops/{id}/attendance":
            return {"path": f"/api/v1/workshops/{manager['workshop_id']}/attendance", "headers": auth(manager["token"])}
        if name == "POST /workshops/{id}/attendance":
            entries = [{"laborer_id": w, "status": rng.choice(STATUSES)} for w in manager["laborer_ids"]]
            return {
                "method": "POST",
                "path": f"/api/v1/workshops/{manager['workshop_id']}/attendance",
                "headers": auth(manager["token"]) | {"Content-Type": "application/json"},
                "body": json.dumps({"entries": entries}),
            }
        if name == "GET /openings":
            page = rng.randint(1, pages)
            path = f"/api/v1/openings?region={bureau['county']}&status=open&per_page=20&page={page}"
            return {"path": path, "headers": auth(bureau["token"])}
        return {"path": f"/api/v1/openings/{rng.choice(bureau['opening_ids'])}", "headers": auth(bureau["token"])}

    names = rng.choices(list(MIX), weights=list(MIX.values()), k=count)
    return [{"name": name, "method": "GET"} | one(name) for name in names]


def healthz(count: int = 1) -> list[dict]:
    return [{"name": "GET /healthz", "method": "GET", "path": "/healthz"}] * count


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_POSTGRES, help="PostgreSQL (or sqlite:///FILE)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (each app)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker of the service")
    parser.add_argument("--seconds", type=float, default=30, help="seconds of the mix (a third for each /healthz)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (one thread each)")
    parser.add_argument("--cadres", type=int, default=30, help="cadre accounts of the fixture")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument(
        "--rate",
        type=float,
        default=0,
        help="also run the mix paced at this many requests a second in all (the p95 target: 150)",
    )
    parser.add_argument(
        "--each",
        type=float,
        default=0,
        metavar="SECONDS",
        help="also run each endpoint of the mix alone for so many seconds: its own CPU per request",
    )
    parser.add_argument(
        "--before",
        type=Path,
        help="another checkout of the service (e.g. `git worktree add /tmp/before main`): its mix runs in the "
        "same run, on the same database, for a before/after figure",
    )
    return parser.parse_args(argv)


def main() -> int:
    args = parse_args()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    instance = args.output / f"instance-{args.database_url.rsplit('/', 1)[-1]}"
    env = prepare(args.database_url, instance)
    fixture_path = args.output / "load-fixture.json"
    subprocess.run(
        [str(BIN / "python"), str(ROOT / "bench/load/fixture.py"), str(fixture_path), "--cadres", str(args.cadres)],
        env=env,
        cwd=ROOT,
        check=True,
    )
    fixture = json.loads(fixture_path.read_text())
    service = Gunicorn(env, workers=args.workers, threads=args.threads, app=NO_LOGIN_LIMITS)
    bare = Gunicorn(env, workers=args.workers, threads=1, app="bench.bare_app:app", ready_path="/healthz")
    before = None
    if args.before:
        before = Gunicorn(env, workers=args.workers, threads=args.threads, app=NO_LOGIN_LIMITS, root=args.before)
    results = {}
    with service, bare, before or contextlib.nullcontext():
        log(f"==> service {service.url}, bare Flask {bare.url}: {args.workers} workers each; warming the service")
        warm = mix(fixture, count=40 * args.workers * args.threads, seed=1)
        # Every worker builds its matching index before the clock starts (as bench/load/run_load.py does).
        run_load.warm(service, fixture, rounds=4 * args.workers * args.threads)
        wrkrun.run(service.url, warm, max(5.0, args.seconds / 6), args.connections, [])
        database = wrkrun.postgres_backends(args.database_url)
        workers = service.worker_pids()
        log(f"==> the mix, {args.seconds:g} s, {args.connections} connections ({len(database)} database processes)")
        if before is not None:
            run_load.warm(before, fixture, rounds=4 * args.workers * args.threads)
            wrkrun.run(before.url, warm, max(5.0, args.seconds / 6), args.connections, [])
            database = wrkrun.postgres_backends(args.database_url)
            log(f"==> the mix on {args.before}, {args.seconds:g} s")
            results["mix, before"] = wrkrun.run(
                before.url, mix(fixture), args.seconds, args.connections, before.worker_pids(), database
            )
        results["mix"] = wrkrun.run(service.url, mix(fixture), args.seconds, args.connections, workers, database)
        if args.rate:
            results[f"mix paced at {args.rate:g} req/s"] = wrkrun.run(
                service.url, mix(fixture, seed=3), args.seconds, args.connections, workers, database, rate=args.rate
            )
        if args.each:
            by_name: dict[str, list[dict]] = {}
            for request in mix(fixture, count=400, seed=7):
                by_name.setdefault(request["name"], []).append(request)
            for name, requests in by_name.items():
                results[f"{name} alone"] = wrkrun.run(
                    service.url, requests, args.each, args.connections, workers, database
                )
        short = max(5.0, args.seconds / 3)
        results["service /healthz"] = wrkrun.run(service.url, healthz(), short, args.connections, workers, database)
        results["bare Flask /healthz"] = wrkrun.run(bare.url, healthz(), short, args.connections, bare.worker_pids())
    log("")
    for title, result in results.items():
        log(wrkrun.table(title, result))
        log("")
    out = args.output / f"wrk-mix-{stamp}.json"
    wrkrun.dump(out, results)
    log(f"figures: {out}")
    return 1 if results["mix"]["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())

"""The hot reads against a plain Flask + psycopg baseline: CPU per request of each, and their ratio, in one run.

Starts the service and bench/baseline_app.py under gunicorn (the same workers and threads), checks that
both give the same answer to each request, then for every endpoint runs wrk on the service and on the
baseline in turn (--rounds times, alternating, so a busy moment of the shared machine falls on both) and
prints the CPU milliseconds per request of each app's workers and of PostgreSQL's server processes, and
the ratio service / baseline. The target of issue 20: within 1.5× of the baseline.

    bash scripts/bench-tools.sh                  # wrk, once
    .venv/bin/python bench/baseline.py           # PostgreSQL jm_load (loaded with the demo county if empty)
    .venv/bin/python bench/baseline.py --database-url postgresql://postgres@127.0.0.1:5432/jm_perf --seconds 8
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import wrkrun  # noqa: E402
from harness import BIN, DEFAULT_POSTGRES, NO_LOGIN_LIMITS, OUTPUT, ROOT, Client, Gunicorn, log, prepare  # noqa: E402


def endpoints(fixture: dict) -> dict[str, tuple[str, str]]:
    """Endpoint → (path, token)."""
    cadre, bureau = fixture["cadres"][0], fixture["bureau"]
    return {
        "GET /me": ("/api/v1/me", cadre["token"]),
        "GET /laborers?region": (f"/api/v1/laborers?region={cadre['villages'][0]}&per_page=20", cadre["token"]),
        "GET /openings": (
            f"/api/v1/openings?region={bureau['county']}&status=open&per_page=20&page=2",
            bureau["token"],
        ),
        "GET /openings/{id}": (f"/api/v1/openings/{bureau['opening_ids'][0]}", bureau["token"]),
    }


def same(a, b, where: str = "") -> list[str]:
    """Where two JSON answers differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{where}.{k}: only one has it" for k in set(a) ^ set(b)]
        for k in set(a) & set(b):
            out += same(a[k], b[k], f"{where}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} vs {len(b)} items"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in same(x, y, f"{where}[{i}]")]
    if isinstance(a, float) or isinstance(b, float):
        return (
            []
            if a is not None and b is not None and abs(a - b) < 1e-9
            else ([] if a == b else [f"{where}: {a!r} vs {b!r}"])
        )
    return [] if a == b else [f"{where}: {a!r} vs {b!r}"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_POSTGRES)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=6, help="seconds of wrk per endpoint, app and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    instance = args.output / f"instance-{args.database_url.rsplit('/', 1)[-1]}"
    env = prepare(args.database_url, instance)
    fixture_path = args.output / "load-fixture.json"
    subprocess.run(
        [str(BIN / "python"), str(ROOT / "bench/load/fixture.py"), str(fixture_path), "--cadres", "3"],
        env=env,
        cwd=ROOT,
        check=True,
    )
    fixture = json.loads(fixture_path.read_text())
    service = Gunicorn(env, workers=args.workers, threads=args.threads, app=NO_LOGIN_LIMITS)
    baseline = Gunicorn(
        env, workers=args.workers, threads=args.threads, app="bench.baseline_app:app", ready_path="/healthz"
    )
    figures: dict[str, dict[str, list[dict]]] = {}
    with service, baseline:
        for name, (path, token) in endpoints(fixture).items():
            ours = Client(service.url, token).request("GET", path)
            theirs = Client(baseline.url, token).request("GET", path)
            differences = same(ours[1], theirs[1])
            log(
                f"  {name}: {ours[0]} / {theirs[0]}, "
                + ("same answer" if not differences else f"DIFFERENT: {differences[:5]}")
            )
        for _ in range(args.rounds):
            for name, (path, token) in endpoints(fixture).items():
                request = [
                    {"name": name, "method": "GET", "path": path, "headers": {"Authorization": f"Bearer {token}"}}
                ]
                for label, server in (("service", service), ("baseline", baseline)):
                    database = wrkrun.postgres_backends(args.database_url)
                    result = wrkrun.run(
                        server.url, request, args.seconds, args.connections, server.worker_pids(), database
                    )
                    figures.setdefault(name, {}).setdefault(label, []).append(result)
    log("")
    head = f"{'endpoint':<22} {'service ms':>10} {'+PG ms':>7} {'baseline ms':>11} {'+PG ms':>7}"
    log(f"{head} {'ratio app':>9} {'ratio all':>9}")
    for name, runs in figures.items():

        def mean(label: str, key: str, runs: dict = runs) -> float:
            rows = runs[label]
            total = sum(r["requests"] for r in rows)
            return sum(r[key] * r["requests"] for r in rows) / max(total, 1)

        s_app, s_db = mean("service", "server_cpu_ms_per_request"), mean("service", "database_cpu_ms_per_request")
        b_app, b_db = mean("baseline", "server_cpu_ms_per_request"), mean("baseline", "database_cpu_ms_per_request")
        log(
            f"{name:<22} {s_app:>10.2f} {s_db:>7.2f} {b_app:>11.2f} {b_db:>7.2f} {s_app / b_app:>8.2f}× "
            f"{(s_app + s_db) / (b_app + b_db):>8.2f}×"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

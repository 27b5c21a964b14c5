"""Where a hot read's CPU goes: the endpoints of bench/baseline.py served in-process under cProfile.

Uses the database and fixture that bench/baseline.py prepared (bench/output/), calls each endpoint
--requests times through the WSGI test client, and prints the CPU ms per request and the functions
with the most own time. No HTTP server or load generator in the way, so the figures are the app's alone.

    .venv/bin/python bench/hot_profile.py                       # after bench/baseline.py once
    .venv/bin/python bench/hot_profile.py --only "GET /me" --top 40
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from baseline import endpoints  # noqa: E402
from harness import DEFAULT_POSTGRES, OUTPUT, app_env  # noqa: E402


def more_endpoints(fixture: dict) -> dict[str, tuple[str, str]]:
    """The mix's other reads (bench/wrk_mix.py), which the baseline does not serve."""
    cadre, bureau, manager = fixture["cadres"][0], fixture["bureau"], fixture["managers"][0]
    return {
        # A laborer in the middle of the list: most have a full list of ten.
        "GET /laborers/{id}/matches": (
            f"/api/v1/laborers/{cadre['laborer_ids'][len(cadre['laborer_ids']) // 2]}/matches?limit=10",
            cadre["token"],
        ),
        "GET /openings/{id}/matches": (f"/api/v1/openings/{bureau['opening_ids'][0]}/matches?limit=10", cadre["token"]),
        "GET /workshops/{id}/attendance": (f"/api/v1/workshops/{manager['workshop_id']}/attendance", manager["token"]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_POSTGRES)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--only", action="append", help="endpoint names as bench/baseline.py prints them")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="tottime", help="tottime or cumulative")
    parser.add_argument("--no-profile", action="store_true", help="CPU per request only")
    parser.add_argument("--baseline", action="store_true", help="profile bench/baseline_app.py instead")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    instance = args.output / f"instance-{args.database_url.rsplit('/', 1)[-1]}"
    env = app_env(args.database_url, instance)
    import os

    os.environ.update(env)
    fixture = json.loads((args.output / "load-fixture.json").read_text())

    if args.baseline:
        os.environ["DATABASE_URL"] = args.database_url
        from baseline_app import app
    else:
        from jobmatch import create_app

        app = create_app({"RATELIMIT_ENABLED": False})
    client = app.test_client()
    for name, (path, token) in (endpoints(fixture) | more_endpoints(fixture)).items():
        if args.only and name not in args.only:
            continue
        headers = {"Authorization": f"Bearer {token}"}
        for _ in range(50):
            assert client.get(path, headers=headers).status_code == 200
        profile = None if args.no_profile else cProfile.Profile()
        started = time.process_time()
        if profile:
            profile.enable()
        for _ in range(args.requests):
            client.get(path, headers=headers)
        if profile:
            profile.disable()
        used = (time.process_time() - started) * 1000 / args.requests
        print(f"\n== {name}: {used:.2f} ms CPU per request (test client{', profiled' if profile else ''})")
        if profile:
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats(args.sort).print_stats(args.top)
            print("\n".join(out.getvalue().splitlines()[6:]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Latency of `GET /api/v1/laborers/{id}/matches` through the API on the demo county, printing figures.

Loads the demo county into a fresh SQLite database in a temporary folder, trains and promotes a
ranker as `make run` does (`flask ranker train --promote`), then asks for the matches of every
laborer in turn through the app (test client: routing, token check, scope, service, engine,
JSON), after one warm-up pass over the first 50. Prints the median and p95 in ms.
Run: PYTHONPATH=. .venv/bin/python bench/matches_latency.py [--laborers 400]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from jobmatch import create_app
from jobmatch.accounts import tokens
from jobmatch.crypto import new_key
from jobmatch.extensions import db
from jobmatch.people.models import Laborer
from jobmatch.vocab import Role


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--laborers", type=int, default=400)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="jobmatch-latency-"))
    app = create_app(
        {
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'demo.sqlite3'}",
            "DATA_KEY": new_key(),
            "MODELS_DIR": str(folder / "models"),
        }
    )
    runner = app.test_cli_runner()
    with app.app_context():
        upgrade()
        runner.invoke(args=["demo", "load"])
        trained = runner.invoke(args=["ranker", "train", "--promote"])
        print(trained.stdout.strip().splitlines()[-1])
        token = tokens.issue_token(tokens.get_or_create_user("latency-admin", Role.admin), "bench")
        db.session.commit()
        ids = db.session.scalars(sa.select(Laborer.id).order_by(Laborer.id).limit(args.laborers)).all()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    for laborer_id in ids[:50]:
        client.get(f"/api/v1/laborers/{laborer_id}/matches", headers=headers)
    times = []
    for laborer_id in ids:
        started = time.perf_counter()
        response = client.get(f"/api/v1/laborers/{laborer_id}/matches", headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.get_data(as_text=True)
    times.sort()
    p95 = times[int(0.95 * (len(times) - 1))]
    median = statistics.median(times)
    print(f"matches of {len(times)} laborers through the API: median {median:.1f} ms, p95 {p95:.1f} ms")


if __name__ == "__main__":
    main()

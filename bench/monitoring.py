"""What the indicators, the dashboard, the consistency report and the alert rules cost on the demo county.

Needs a database with the demo county (`flask demo load`); uses the app's configured
database (JOBMATCH_INSTANCE / DATABASE_URL). `--alerts` also runs the rules twice
(writes alerts: the second run must raise none).

Run: PYTHONPATH=. .venv/bin/python bench/monitoring.py [--alerts]
"""

from __future__ import annotations

import argparse
import statistics
import time

import sqlalchemy as sa

from jobmatch import create_app
from jobmatch.extensions import db
from jobmatch.monitoring import consistency, indicators, service
from jobmatch.people.models import Region

DASHBOARD_RUNS = 11


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--alerts", action="store_true", help="also run the alert rules twice")
    args = parser.parse_args()
    with create_app().app_context():
        for level in ("county", "township", "village"):
            region = db.session.execute(sa.select(Region).where(Region.level == level).order_by(Region.code)).scalar()
            started = time.perf_counter()
            got = indicators.compute(region.code)
            took = time.perf_counter() - started
            assert sum(got["by_type"].values()) == got["laborers"]
            print(f"indicators {level} {region.code}: {took * 1000:.0f} ms, {got['laborers']} laborers")
        county = db.session.execute(sa.select(Region).where(Region.level == "county")).scalar()
        runs = []
        for _ in range(DASHBOARD_RUNS):
            started = time.perf_counter()
            board = indicators.dashboard(county)
            runs.append(time.perf_counter() - started)
        print(
            f"dashboard county: median {statistics.median(runs) * 1000:.0f} ms of {DASHBOARD_RUNS}, "
            f"{len(board['children'])} townships, {len(board['villages'])} villages, {len(board['openings'])} posts"
        )
        started = time.perf_counter()
        report = consistency.report(county.code)
        print(f"consistency county: {(time.perf_counter() - started) * 1000:.0f} ms, {report['counts']}")
        if args.alerts:
            for run in (1, 2):
                started = time.perf_counter()
                made = service.run()
                db.session.commit()
                print(f"alerts run {run}: {(time.perf_counter() - started) * 1000:.0f} ms, {sum(made.values())} raised")


if __name__ == "__main__":
    main()

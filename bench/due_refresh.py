"""What keeping the subsidy candidate rows costs (placements.duetable) on a province database.

Times, wall and PostgreSQL backend CPU (median of --repeat):
- `rebuild`: every row worked out again (a new deployment, a change of the rules or of a region);
- `nothing changed`: the two looks a read makes before its statement when nothing changed since the last refresh;
- `N laborers changed`: N laborers' jobs stamped as changed (as a save does), then the refresh that follows.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/jm_province \\
        PYTHONPATH=. .venv/bin/python bench/due_refresh.py [--repeat 5]

Build the database first with bench/province.py. The stamps it sets are the time of the run (a later refresh of
the app looks at those laborers again, which changes nothing).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import sqlalchemy as sa

from jobmatch import create_app
from jobmatch.extensions import db
from jobmatch.modelbase import utcnow
from jobmatch.placements import duetable, service
from jobmatch.placements.models import Employment, SubsidyDueCandidate, SubsidyDueState

TICKS = os.sysconf("SC_CLK_TCK")


def backend_cpu() -> float:
    """This session's PostgreSQL backend CPU seconds so far (None-safe: 0 on SQLite)."""
    if db.engine.dialect.name != "postgresql":
        return 0.0
    pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def timed(prepare, repeat: int) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(repeat):
        prepare()
        db.session.commit()
        cpu, start = backend_cpu(), time.perf_counter()
        duetable.refresh(list(service.subsidy_rules().values()))
        walls.append((time.perf_counter() - start) * 1000)
        cpus.append((backend_cpu() - cpu) * 1000)
    return statistics.median(walls), statistics.mean(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    app = create_app()
    with app.app_context():
        jobs = db.session.scalars(sa.select(Employment.id).order_by(Employment.id)).all()

        def forget() -> None:
            db.session.execute(sa.delete(SubsidyDueState))

        def settled() -> None:
            db.session.execute(sa.update(SubsidyDueState).values(watermark=utcnow()))

        def touch(n: int):
            def stamp() -> None:
                settled()
                chosen = jobs[:: max(1, len(jobs) // n)][:n]
                db.session.execute(sa.update(Employment).where(Employment.id.in_(chosen)).values(updated_at=utcnow()))

            return stamp

        print(f"database: {db.engine.url.database}; {len(jobs):,} employments; median of {args.repeat}")
        print(f"{'refresh':24s} {'wall ms':>8s} {'PG CPU ms':>10s}")
        for label, prepare in [
            ("rebuild", forget),
            ("nothing changed", settled),
            ("10 laborers changed", touch(10)),
            ("100 laborers changed", touch(100)),
            ("1000 laborers changed", touch(1000)),
        ]:
            wall, cpu = timed(prepare, args.repeat)
            print(f"{label:24s} {wall:8.1f} {cpu:10.1f}", flush=True)
        rows = db.session.scalar(sa.select(sa.func.count()).select_from(SubsidyDueCandidate))
        print(f"candidate rows: {rows:,}")


if __name__ == "__main__":
    main()

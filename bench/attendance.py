"""What saving a 100-worker day and building a 3,000-workshop monthly summary cost.

Builds a synthetic province on a fresh database (SQLite in a temporary folder, or
`--database-url` for PostgreSQL, whose public schema is emptied first): one county,
3,000 workshops with 10 workers each (Jiangxi: 2,888 workshops, about 28,000 workers)
and a month of 22 working days for each of them, written with bulk inserts. Then it
prints:

- the time to save one workshop's 100-worker day through the service (first save,
  the same day again, and a day where every worker changes) and through the API;
- the time to build the monthly summary of all 3,000 workshops (`reports.workshop_months`)
  and one workshop's summary and .xlsx export.

Figures only, no asserts.

    python bench/attendance.py [--workshops 3000] [--workers 10] [--database-url postgresql://...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from flask import g

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402

from jobmatch import create_app  # noqa: E402
from jobmatch.accounts import tokens  # noqa: E402
from jobmatch.crypto import new_key  # noqa: E402
from jobmatch.extensions import db  # noqa: E402
from jobmatch.people.models import Household, Laborer, Region  # noqa: E402
from jobmatch.placements.models import Employment  # noqa: E402
from jobmatch.vocab import Role  # noqa: E402
from workshops import attendance, reports, settings  # noqa: E402
from workshops.models import Attendance, Workshop  # noqa: E402

BIG_WORKSHOP_WORKERS = 100
WORKING_DAYS = 22
REPEATS = 5
INSERT_CHUNK_ROWS = 20_000
STATUS_CYCLE = ["present"] * 17 + ["half_day", "home_piecework", "leave", "absent", "present"]


def _timed(fn: Callable[[], object], repeats: int = 1) -> tuple[float, object]:
    """Median seconds over the repeats, and the last result."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _insert(table: sa.Table, rows: list[dict]) -> None:
    for start in range(0, len(rows), INSERT_CHUNK_ROWS):
        db.session.execute(table.insert(), rows[start : start + INSERT_CHUNK_ROWS])


def _working_days(month: date) -> list[date]:
    days, day = [], month
    while len(days) < WORKING_DAYS:
        if day.weekday() < 6:
            days.append(day)
        day += timedelta(days=1)
    return days


def build_province(workshops: int, workers: int, month: date) -> tuple[int, list[int]]:
    """Regions, workshops, laborers, employments and a month of attendance, written in bulk."""
    started = time.perf_counter()
    county = Region(code="369900000000", name="基准县", level="county")
    township = Region(code="369900100000", name="基准镇", level="township", parent=county)
    village = Region(code="369900100201", name="基准村", level="village", parent=township)
    db.session.add_all([county, township, village])
    db.session.flush()
    household = Household(code="BENCH-0001", village_id=village.id, category="out_of_poverty")
    db.session.add(household)
    db.session.flush()
    _insert(
        Workshop.__table__,
        [
            {"id": i + 1, "name": f"基准车间{i + 1:04d}", "village_id": village.id, "capacity": 200}
            | {"wage_mode": "piece", "flexible_hours": True, "home_piecework": False, "certification_status": "applied"}
            | _stamps()
            for i in range(workshops)
        ],
    )
    headcounts = [BIG_WORKSHOP_WORKERS] + [workers] * (workshops - 1)
    laborer_rows, employment_rows, owner = [], [], []
    for workshop_index, headcount in enumerate(headcounts):
        for _ in range(headcount):
            ident = len(laborer_rows) + 1
            laborer_rows.append(
                {
                    "id": ident,
                    "household_id": household.id,
                    "name": f"工人{ident:06d}",
                    "id_number_encrypted": f"bench-{ident:012d}",
                    "id_number_index": f"bench-{ident}",
                    "birth_date": date(1970, 1, 1),
                    "sex": "female",
                    "skills_raw": [],
                    "skills": [],
                    "labor_capacity": "normal",
                    "willingness": "village",
                    "employment_status": "workshop",
                    "needs_flexible_hours": False,
                    "home_based_only": False,
                    "registered_on": date(2025, 1, 1),
                }
                | _stamps()
            )
            employment_rows.append(
                {"id": ident, "laborer_id": ident, "kind": "workshop", "workshop_id": workshop_index + 1}
                | {"full_time": True, "start_date": date(2025, 1, 1), "wage": Decimal("0.8"), "wage_unit": "piece"}
                | _stamps()
            )
            owner.append(workshop_index + 1)
    _insert(Laborer.__table__, laborer_rows)
    _insert(Employment.__table__, employment_rows)
    rows = 0
    batch: list[dict] = []
    for day_index, day in enumerate(_working_days(month)):
        for laborer_id, workshop_id in enumerate(owner, start=1):
            status = STATUS_CYCLE[(laborer_id + day_index) % len(STATUS_CYCLE)]
            batch.append(
                {"laborer_id": laborer_id, "employment_id": laborer_id, "workshop_id": workshop_id}
                | {"kind": "workshop", "day": day, "status": status, "hours": Decimal("8.0"), "pieces": 150}
                | _stamps()
            )
            if len(batch) >= INSERT_CHUNK_ROWS:
                _insert(Attendance.__table__, batch)
                rows += len(batch)
                batch = []
    _insert(Attendance.__table__, batch)
    rows += len(batch)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # Fresh statistics, as autovacuum would gather after a month of inserts.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE"))
    print(
        f"province: {workshops:,} workshops, {len(laborer_rows):,} workers, {rows:,} attendance rows "
        f"for {month:%Y-%m} (built in {time.perf_counter() - started:.1f} s)"
    )
    big_workers = list(range(1, BIG_WORKSHOP_WORKERS + 1))
    return 1, big_workers


def _stamps() -> dict:
    from jobmatch.modelbase import utcnow

    now = utcnow()
    return {"created_at": now, "updated_at": now}


def bench_save(app, workshop_id: int, laborer_ids: list[int]) -> None:
    """One workshop's 100-worker day: first save, the same again, every worker changed; then via the API."""
    workshop = db.session.get(Workshop, workshop_id)
    today = settings.today()
    present = [{"laborer_id": i, "status": "present", "hours": 8, "pieces": 120} for i in laborer_ids]
    g.actor_id = None
    first, _ = _timed(lambda: attendance.save_workshop_sheet(workshop, today, present))
    again, _ = _timed(lambda: attendance.save_workshop_sheet(workshop, today, present), REPEATS)
    flip = {"n": 0}

    def changed() -> object:
        flip["n"] += 1
        status = "half_day" if flip["n"] % 2 else "present"
        return attendance.save_workshop_sheet(workshop, today, [e | {"status": status} for e in present])

    changing, _ = _timed(changed, REPEATS)
    sheet, _ = _timed(lambda: attendance.workshop_sheet(workshop, today), REPEATS)
    print(
        f"save a {len(laborer_ids)}-worker day (service): first {first * 1000:.0f} ms, "
        f"unchanged {again * 1000:.0f} ms, all changed {changing * 1000:.0f} ms; read the sheet {sheet * 1000:.0f} ms"
    )

    admin = tokens.get_or_create_user("bench-admin", Role.admin)
    token = tokens.issue_token(admin, "bench")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/workshops/{workshop_id}/attendance?date={today.isoformat()}"

    def post() -> object:
        flip["n"] += 1
        status = "leave" if flip["n"] % 2 else "present"
        response = client.post(url, json={"entries": [e | {"status": status} for e in present]}, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response

    api, _ = _timed(post, REPEATS)
    print(f"save a {len(laborer_ids)}-worker day (API, all changed): {api * 1000:.0f} ms")


def bench_summary(workshops: int, month: date) -> None:
    """The monthly summary of every workshop, and one workshop's summary and export."""
    seconds, totals = _timed(lambda: reports.workshop_months(month), 3)
    days = sum(t.days for t in totals.values())
    print(f"monthly summary of {len(totals):,} workshops: {seconds:.2f} s ({days:,.1f} worker-days)")
    workshop = db.session.get(Workshop, 2)
    one, _ = _timed(lambda: reports.workshop_summary(workshop, month), REPEATS)
    export, body = _timed(lambda: reports.export_workbook(workshop, month), 3)
    print(
        f"one workshop's month: summary {one * 1000:.0f} ms, .xlsx export {export * 1000:.0f} ms ({len(body):,} bytes)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workshops", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=10, help="workers per workshop (one workshop has 100)")
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (its public schema is emptied)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
        if url.startswith("postgres"):
            engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
            with engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
            engine.dispose()
        app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": url, "DATA_KEY": new_key()})
        with app.app_context():
            upgrade()
            print(f"database: {db.engine.dialect.name}")
            today = settings.today()
            last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
            workshop_id, laborer_ids = build_province(args.workshops, args.workers, last_month)
            bench_save(app, workshop_id, laborer_ids)
            bench_summary(args.workshops, last_month)
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()

"""What the bureau's own pages cost on the demo county: page time and CPU through the app (no network, no browser).

Needs a database with the demo county and its logins (`flask demo load`, `flask demo users`); uses the app's
configured database (JOBMATCH_INSTANCE / DATABASE_URL). Reads only: signs the demo bureau officer in by their
session, without a password.

For each page: the median wall time, the app's CPU per request (this process: Python, and SQLite's work, which
runs inside it) and, on PostgreSQL on this machine, the server's CPU per request (the session's backend process,
from /proc; clock ticks, so averaged over the repeats). CPU survives a busy machine better than wall time.

Run: PYTHONPATH=. .venv/bin/python bench/bureau_pages.py [--repeat 5] [--only /bureau /subsidies]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time
from pathlib import Path

import sqlalchemy as sa

from jobmatch import create_app
from jobmatch.accounts import service
from jobmatch.accounts.models import User
from jobmatch.extensions import db

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def _backend_cpu_seconds(pid: int | None) -> float:
    """utime + stime of a PostgreSQL backend (0 when it is not on this machine)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_SECOND


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per page (after one warm-up)")
    parser.add_argument("--only", nargs="*", help="these paths only (as listed)")
    args = parser.parse_args()
    app = create_app()
    with app.app_context():
        user = db.session.execute(sa.select(User).where(User.name == "demo-bureau")).scalar_one()
        session_id = service.start_session(user, "127.0.0.1").get_id()
        postgres = db.engine.dialect.name == "postgresql"
        url = db.engine.url.render_as_string(hide_password=False)
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
    listing = client.get("/workshops").get_data(as_text=True)
    workshop = re.search(r'href="/workshops/(\d+)"', listing).group(1)
    paths = [
        "/bureau",
        f"/workshops/{workshop}",
        "/employers",
        "/subsidies",
        "/subsidies?tab=lapsing",
        "/subsidies?tab=claimed",
        "/attendance/months",
        "/consistency",
        "/monitoring/alerts",
    ]
    if args.only:
        paths = [p for p in paths if p.split("?")[0] in args.only or p in args.only]
    print(f"database: {'postgresql' if postgres else 'sqlite'}; {args.repeat} requests per page")
    for path in paths:
        client.get(path)
        times, cpu, server = [], [], 0.0
        pids = _backend_pids(url) if postgres else []
        for _ in range(args.repeat):
            before = sum(_backend_cpu_seconds(pid) for pid in pids)
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            server += sum(_backend_cpu_seconds(pid) for pid in pids) - before
            assert response.status_code == 200, (path, response.status_code)
        size = len(response.get_data()) // 1000
        server_text = f"  PostgreSQL CPU {server * 1000 / args.repeat:5.0f} ms" if postgres else ""
        print(
            f"{path:26s} median {statistics.median(times):6.0f} ms  app CPU {statistics.median(cpu):5.0f} ms"
            f"{server_text}  {size:4d} KB"
        )


def _backend_pids(url: str) -> list[int]:
    """The server processes of the database's other connections: this app's (the demo database has no other
    clients while the bench runs)."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return [pid for (pid,) in rows if Path(f"/proc/{pid}").exists()]


if __name__ == "__main__":
    main()

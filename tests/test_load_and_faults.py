"""The load test and the fault scripts in their short form (a few minutes in all), as CI runs them.

Each runs the bench script in a subprocess against gunicorn on 127.0.0.1 and passes when the
script does: no failed request under load, every acknowledged write present after a fault,
clean 503s only. Speed is not asserted here (the machine may be busy); the full forms print
the figures (README, "Reliability: load and faults"). Select them with `-m load_faults`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

pytestmark = pytest.mark.load_faults

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
on_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL (TEST_DATABASE_URL)")
on_sqlite_pass = pytest.mark.skipif(bool(POSTGRES_URL), reason="run once, in the SQLite pass")


def run(script: str, *args: str, timeout: float) -> str:
    """Run a bench script with this interpreter; its output, or the test fails showing it."""
    done = subprocess.run(
        [sys.executable, str(ROOT / script), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "JOBMATCH_INSTANCE")},
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{script} {' '.join(args)} failed:\n{output[-6000:]}"
    return output


@pytest.fixture
def side_database():
    """A database of its own next to TEST_DATABASE_URL's (the suite empties that one), dropped afterwards."""
    base = make_url(POSTGRES_URL)
    name = f"{base.database}_reliability"
    admin = sa.create_engine(
        base.set(drivername="postgresql+psycopg", database="postgres"), poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@on_postgres
def test_a_busy_morning_on_gunicorn_and_postgresql_has_no_failed_request(side_database, tmp_path):
    output = run(
        "bench/load/run_load.py",
        *("--database-url", side_database, "--output", str(tmp_path)),
        *("--run-time", "30", "--users", "16", "--spawn-rate", "16", "--max-requests", "30000", "--cadres", "8"),
        timeout=900,
    )
    assert "GET /laborers/{id}/matches" in output and "POST /workshops/{id}/attendance" in output


@on_postgres
@pytest.mark.skipif(
    not shutil.which("initdb") and not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")),
    reason="initdb not installed",
)
def test_postgresql_restarted_under_load_loses_no_acknowledged_write():
    output = run("bench/faults/run_faults.py", "pg-restart", "--seconds", "6", timeout=300)
    assert "pg-restart: ok" in output


@on_postgres
def test_a_killed_worker_on_postgresql_is_replaced_and_loses_no_acknowledged_write(side_database):
    output = run(
        "bench/faults/run_faults.py", "kill-worker", "--seconds", "6", "--database-url", side_database, timeout=300
    )
    assert "kill-worker: ok" in output


@on_sqlite_pass
def test_a_killed_worker_on_sqlite_is_replaced_and_loses_no_acknowledged_write():
    output = run("bench/faults/run_faults.py", "kill-worker", "--seconds", "6", timeout=300)
    assert "kill-worker: ok" in output


@on_sqlite_pass
def test_several_workers_writing_to_sqlite_never_show_database_is_locked():
    output = run("bench/faults/run_faults.py", "sqlite-writers", "--seconds", "8", timeout=300)
    assert "sqlite-writers: ok" in output


@on_sqlite_pass
@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root")
def test_a_full_disk_under_sqlite_gives_503_keeps_reads_and_integrity():
    output = run("bench/faults/run_faults.py", "sqlite-disk-full", "--seconds", "6", timeout=300)
    assert "sqlite-disk-full: ok" in output

"""The load test and the fault scripts, run as the bench scripts they are.

Each runs the bench script in a subprocess against gunicorn on 127.0.0.1 and passes when the
script does: no failed request under load, every acknowledged write present after a fault,
clean 503s only. Speed is not asserted here (the machine may be busy); the scripts' own long
forms print the figures (README, "Reliability: load and faults"). Select them with `-m load_faults`.

`make test` runs the short form (a few seconds of load around each fault, a 10-s load test by 8 people);
CI (`CI=true`) the full one (6–8 s around each fault, a 30-s load test by 16 people and 8 cadres).
The checks are the same in both.
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

pytestmark = [pytest.mark.load_faults, pytest.mark.timeout(1500)]

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
on_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL (TEST_DATABASE_URL)")
on_sqlite_pass = pytest.mark.skipif(bool(POSTGRES_URL), reason="run once, in the SQLite pass")
FULL_FORM = os.environ.get("CI", "").lower() in ("true", "1")


def form(short: str, full: str) -> str:
    """The short form's value for `make test`, the full form's on CI."""
    return full if FULL_FORM else short


# Only a hung script meets these: on a busy machine each service start alone can take a minute.
SCRIPT_TIMEOUT_S = 1200


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
def side_database(database_url):
    """A database of its own next to the run's (the suite empties that one), dropped afterwards."""
    base = make_url(database_url)
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
    users = form("8", "16")
    output = run(
        "bench/load/run_load.py",
        *("--database-url", side_database, "--output", str(tmp_path)),
        *("--run-time", form("10", "30"), "--users", users, "--spawn-rate", users),
        *("--max-requests", "30000", "--cadres", form("4", "8")),
        timeout=SCRIPT_TIMEOUT_S,
    )
    assert "GET /laborers/{id}/matches" in output and "POST /workshops/{id}/attendance" in output


@on_postgres
@pytest.mark.skipif(
    not shutil.which("initdb") and not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")),
    reason="initdb not installed",
)
def test_postgresql_restarted_under_load_loses_no_acknowledged_write(database_url):
    output = run("bench/faults/run_faults.py", "pg-restart", "--seconds", form("3", "6"), timeout=SCRIPT_TIMEOUT_S)
    assert "pg-restart: ok" in output


@on_postgres
def test_a_killed_worker_on_postgresql_is_replaced_and_loses_no_acknowledged_write(side_database):
    output = run(
        "bench/faults/run_faults.py",
        *("kill-worker", "--seconds", form("3", "6"), "--database-url", side_database),
        timeout=SCRIPT_TIMEOUT_S,
    )
    assert "kill-worker: ok" in output


@on_sqlite_pass
def test_a_killed_worker_on_sqlite_is_replaced_and_loses_no_acknowledged_write():
    output = run("bench/faults/run_faults.py", "kill-worker", "--seconds", form("3", "6"), timeout=SCRIPT_TIMEOUT_S)
    assert "kill-worker: ok" in output


@on_sqlite_pass
def test_several_workers_writing_to_sqlite_never_show_database_is_locked():
    output = run("bench/faults/run_faults.py", "sqlite-writers", "--seconds", form("4", "8"), timeout=SCRIPT_TIMEOUT_S)
    assert "sqlite-writers: ok" in output


@on_sqlite_pass
@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root")
def test_a_full_disk_under_sqlite_gives_503_keeps_reads_and_integrity():
    """Writes go on after the disk is full until one is refused (SQLite's WAL may still hold some): that one is 503."""
    output = run(
        "bench/faults/run_faults.py",
        *("sqlite-disk-full", "--seconds", form("3", "6"), "--full-timeout", "600"),
        timeout=SCRIPT_TIMEOUT_S,
    )
    assert "sqlite-disk-full: ok" in output

"""Backups round-trip the data: SQLite through the online backup API, PostgreSQL through pg_dump/pg_restore."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from jobmatch.extensions import db
from jobmatch.ops import backup
from jobmatch.people.models import Household, Laborer
from tests import factories


def _counts(engine: sa.Engine) -> dict[str, int]:
    """Rows per table (every table the migrations made)."""
    names = sa.inspect(engine).get_table_names()
    with engine.connect() as conn:
        return {name: conn.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar_one() for name in names}


@pytest.fixture
def registry(app, regions):
    """A few rows in several tables, personal data included."""
    factories.household(code="H1001")
    factories.household(code="H1002", village_code=factories.OTHER_VILLAGE_CODE)
    person = factories.laborer(household_code="H1001", sequence=31)
    return {"laborer_id": person.id, "id_number": person.id_number}


@pytest.fixture
def sqlite_only(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite backups (this run is on PostgreSQL)")


@pytest.fixture
def postgres_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL backups (this run is on SQLite)")


def test_sqlite_backup_and_restore_round_trip(sqlite_only, registry, runner, tmp_path):
    before = _counts(db.engine)
    target = tmp_path / "nightly.sqlite3"
    made = runner.invoke(args=["backup", "create", str(target)])
    assert made.exit_code == 0, made.output
    assert target.is_file() and "backed up" in made.output
    # Work after the backup: another household, and the laborer's skills changed.
    factories.household(code="H1003")
    db.session.get(Laborer, registry["laborer_id"]).skills_raw = ["电焊"]
    db.session.commit()
    assert _counts(db.engine) != before

    refused = runner.invoke(args=["backup", "restore", str(target)], input="n\n")
    assert refused.exit_code != 0 and "not restored" in refused.output
    assert db.session.execute(sa.select(sa.func.count(Household.id))).scalar_one() == 3

    restored = runner.invoke(args=["backup", "restore", str(target), "--yes"])
    assert restored.exit_code == 0, restored.output
    db.session.remove()
    assert _counts(db.engine) == before
    person = db.session.get(Laborer, registry["laborer_id"])
    # Encrypted fields come back readable with the same data key.
    assert person.id_number == registry["id_number"] and person.skills_raw != ["电焊"]


def test_a_sqlite_backup_leaves_out_a_write_still_in_progress(sqlite_only, registry, tmp_path):
    live = Path(db.engine.url.database)
    writer = sqlite3.connect(live)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE households SET code = 'H9999' WHERE code = 'H1002'")
    try:
        info = backup.create(db.engine.url.render_as_string(hide_password=False), tmp_path / "during.sqlite3")
    finally:
        writer.rollback()
        writer.close()
    with sqlite3.connect(info.path) as copy:
        codes = sorted(r[0] for r in copy.execute("SELECT code FROM households"))
    copy.close()
    assert codes == ["H1001", "H1002"] and info.revision is not None


def test_restore_refuses_a_damaged_or_foreign_file_and_changes_nothing(sqlite_only, registry, runner, tmp_path):
    before = _counts(db.engine)
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\x07" * 4096)
    foreign = tmp_path / "foreign.sqlite3"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE notes (x)")
    conn.close()
    for path in (damaged, foreign):
        result = runner.invoke(args=["backup", "restore", str(path), "--yes"])
        assert result.exit_code != 0 and "Error" in result.output, path
    assert _counts(db.engine) == before


def test_a_backup_never_overwrites_an_existing_file(sqlite_only, registry, runner, tmp_path):
    target = tmp_path / "keep.sqlite3"
    target.write_text("an older backup")
    result = runner.invoke(args=["backup", "create", str(target)])
    assert result.exit_code != 0 and target.read_text() == "an older backup"


def test_postgres_dump_restores_into_another_database_with_the_same_rows(postgres_only, registry, runner, tmp_path):
    dump = tmp_path / "nightly.dump"
    made = runner.invoke(args=["backup", "create", str(dump)])
    assert made.exit_code == 0, made.output

    source_url = db.engine.url
    other_name = f"{source_url.database}_restore"
    admin = sa.create_engine(source_url.set(database="postgres"), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{other_name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{other_name}"'))
    other = sa.create_engine(source_url.set(database=other_name), poolclass=NullPool)
    try:
        info = backup.restore(other.url.render_as_string(hide_password=False), dump)
        assert info.tables == len(sa.inspect(db.engine).get_table_names())
        assert _counts(other) == _counts(db.engine)
        with other.connect() as conn:
            codes = conn.execute(sa.text("SELECT code FROM households ORDER BY code")).scalars().all()
        assert codes == ["H1001", "H1002"]
    finally:
        other.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{other_name}"'))
        admin.dispose()


def test_postgres_restore_through_the_command_replaces_the_data(postgres_only, registry, runner, tmp_path):
    dump = tmp_path / "nightly.dump"
    assert runner.invoke(args=["backup", "create", str(dump)]).exit_code == 0
    before = _counts(db.engine)
    factories.household(code="H1003")
    db.session.remove()
    restored = runner.invoke(args=["backup", "restore", str(dump), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert _counts(db.engine) == before


# --- who may read the files ------------------------------------------------------------------------


@pytest.fixture
def open_umask():
    """The usual umask (022), which would leave new files readable by every account on the machine."""
    import os

    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_backups_are_readable_by_their_owner_only(open_umask, registry, runner, tmp_path):
    """On either backend (pg_dump where the run is on PostgreSQL)."""
    if db.engine.dialect.name == "postgresql" and not backup.shutil.which("pg_dump"):
        pytest.skip("pg_dump not installed")
    target = tmp_path / "nightly.backup"
    made = runner.invoke(args=["backup", "create", str(target)])
    assert made.exit_code == 0, made.output
    assert _mode(target) == 0o600
    assert list(tmp_path.iterdir()) == [target]


def _failing_copy(error: BaseException):
    def copy(source, target):
        target.execute("CREATE TABLE half (x)")  # something written before the failure
        raise error

    return copy


@pytest.mark.parametrize("error", [sqlite3.OperationalError("database or disk is full"), KeyboardInterrupt()])
def test_a_failed_sqlite_backup_leaves_no_partial_file(sqlite_only, registry, tmp_path, monkeypatch, error):
    monkeypatch.setattr(backup, "_copy", _failing_copy(error))
    target = tmp_path / "nightly.sqlite3"
    with pytest.raises((backup.BackupError, KeyboardInterrupt)):
        backup.create(str(db.engine.url), target)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_postgres_dump_leaves_no_partial_file(tmp_path, monkeypatch):
    """pg_dump fails half-way (the server goes away): neither the dump nor its .partial stays."""

    def half_dump(args, env):
        Path(next(a for a in args if a.startswith("--file=")).removeprefix("--file=")).write_bytes(b"PGDMP half")
        raise backup.BackupError("pg_dump failed: connection lost")

    monkeypatch.setattr(backup, "_run", half_dump)
    monkeypatch.setattr(backup, "_pg_tool", lambda name: name)
    with pytest.raises(backup.BackupError):
        backup.create("postgresql+psycopg://jobmatch@127.0.0.1:9/jobmatch", tmp_path / "nightly.dump")
    assert list(tmp_path.iterdir()) == []


def test_the_sqlite_database_file_is_readable_by_its_owner_only(open_umask, make_app, tmp_path):
    path = tmp_path / "jobmatch.sqlite3"
    other = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    with other.app_context():
        with db.engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE t (x)"))
            conn.execute(sa.text("INSERT INTO t VALUES (1)"))
        db.engine.dispose()
    assert _mode(path) == 0o600
    for extra in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        assert not extra.exists() or _mode(extra) == 0o600


def test_an_existing_database_file_open_to_others_is_closed_at_the_next_connection(make_app, tmp_path):
    path = tmp_path / "jobmatch.sqlite3"
    sqlite3.connect(path).close()
    path.chmod(0o644)
    other = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    with other.app_context():
        db.session.execute(sa.text("SELECT 1"))
        db.session.remove()
        db.engine.dispose()
    assert _mode(path) == 0o600


def test_cli_exports_and_import_reports_are_readable_by_their_owner_only(open_umask, registry, runner, tmp_path):
    exported, earlier = tmp_path / "laborers.csv", tmp_path / "laborers.xlsx"
    earlier.write_bytes(b"an older export")
    earlier.chmod(0o644)
    for target in (exported, earlier):
        out = runner.invoke(args=["export", "laborers", str(target)])
        assert out.exit_code == 0, out.output
        assert _mode(target) == 0o600, target
    report = tmp_path / "report.xlsx"
    out = runner.invoke(args=["import", "laborers", str(exported), "--report", str(report)])
    assert out.exit_code == 0, out.output
    assert _mode(report) == 0o600

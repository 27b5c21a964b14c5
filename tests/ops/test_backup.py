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

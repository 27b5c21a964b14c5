"""Configuration, migrations and commands of the service itself."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from jobmatch import create_app
from jobmatch.accounts.models import ApiToken
from jobmatch.accounts.tokens import hash_token
from jobmatch.config import ConfigError
from jobmatch.extensions import db
from tests.conftest import DATA_KEY


def test_production_refuses_to_start_with_the_default_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"ENV_NAME": "production", "SQLALCHEMY_DATABASE_URI": "sqlite://", "DATA_KEY": DATA_KEY})


def test_production_starts_with_a_real_secret_key(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a-long-random-value-from-the-environment")
    app = create_app({"ENV_NAME": "production", "SQLALCHEMY_DATABASE_URI": "sqlite://", "DATA_KEY": DATA_KEY})
    assert app.config["SECRET_KEY"] == "a-long-random-value-from-the-environment"


def test_production_refuses_to_start_without_a_data_key(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a-long-random-value-from-the-environment")
    monkeypatch.delenv("JOBMATCH_DATA_KEY", raising=False)
    with pytest.raises(ConfigError, match="JOBMATCH_DATA_KEY"):
        create_app({"ENV_NAME": "production", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_development_keeps_its_data_key_in_the_instance_folder_not_the_database(monkeypatch, tmp_path):
    monkeypatch.delenv("JOBMATCH_DATA_KEY", raising=False)
    monkeypatch.setenv("JOBMATCH_INSTANCE", str(tmp_path))
    first = create_app({"ENV_NAME": "development", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    second = create_app({"ENV_NAME": "development", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert first.config["DATA_KEY"] == second.config["DATA_KEY"] == (tmp_path / "data.key").read_text()
    assert (tmp_path / "data.key").stat().st_mode & 0o077 == 0


def test_database_url_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://jobmatch@db.internal/jobmatch")
    app = create_app({"ENV_NAME": "testing", "DATA_KEY": DATA_KEY})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://jobmatch@db.internal/jobmatch"


def test_the_default_database_is_a_sqlite_file_under_instance(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("JOBMATCH_INSTANCE", str(tmp_path))
    app = create_app({"ENV_NAME": "testing", "DATA_KEY": DATA_KEY})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/jobmatch.sqlite3"


def test_the_migrations_match_the_models(app):
    assert _schema_diff() == []


def _schema_diff() -> list:
    with db.engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)


def _revision() -> str:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def test_migrations_downgrade_one_step_and_upgrade_again(app):
    head = _revision()
    downgrade(revision="-1")
    assert _revision() != head
    assert _schema_diff() != []  # the last revision's changes are gone
    upgrade()
    assert _revision() == head
    assert _schema_diff() == []
    downgrade(revision="base")
    assert "laborers" not in set(sa.inspect(db.engine).get_table_names())
    upgrade()
    assert _schema_diff() == []


def test_create_token_prints_a_token_that_is_stored_only_as_a_hash(runner, client):
    result = runner.invoke(args=["users", "create-token", "county-bureau", "--role", "bureau"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    stored = db.session.execute(sa.select(ApiToken)).scalar_one()
    assert stored.token_hash == hash_token(token) and token not in stored.token_hash
    response = client.get("/api/v1/laborers", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_create_token_refuses_to_change_an_existing_users_role(runner):
    runner.invoke(args=["users", "create-token", "alice", "--role", "cadre"])
    result = runner.invoke(args=["users", "create-token", "alice", "--role", "admin"])
    assert result.exit_code != 0
    assert "cadre" in result.output


def test_replacing_a_token_revokes_the_earlier_one(runner, client):
    first = runner.invoke(args=["users", "create-token", "demo-bureau", "--role", "bureau", "--label", "demo"])
    second = runner.invoke(
        args=["users", "create-token", "demo-bureau", "--role", "bureau", "--label", "demo", "--replace"]
    )
    old, new = first.output.strip(), second.output.strip()
    assert client.get("/api/v1/laborers", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    assert client.get("/api/v1/laborers", headers={"Authorization": f"Bearer {new}"}).status_code == 200


def test_the_app_remembers_which_functions_are_synchronous_within_a_bound(app):
    def view():
        return "ok"

    async def waiting_view():
        return "ok"

    assert app.ensure_sync(view) is view
    assert app.ensure_sync(view) is view  # the second time from what it remembered
    with pytest.raises(RuntimeError, match="async"):  # Flask's answer for a coroutine without its extra
        app.ensure_sync(waiting_view)
    with pytest.raises(RuntimeError, match="async"):  # each time: never remembered as synchronous
        app.ensure_sync(waiting_view)
    many = [lambda n=n: n for n in range(app.SYNC_CACHE_LIMIT + 100)]
    assert [app.ensure_sync(f)() for f in many] == list(range(len(many)))
    assert len(app._sync_forms) <= app.SYNC_CACHE_LIMIT

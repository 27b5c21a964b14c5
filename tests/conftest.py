"""Fixtures: an app on a fresh, migrated database (SQLite, or PostgreSQL via TEST_DATABASE_URL)."""

from __future__ import annotations

import logging
import os
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy.pool import NullPool

from jobmatch import create_app
from jobmatch.accounts import tokens
from jobmatch.crypto import new_key
from jobmatch.extensions import db
from jobmatch.vocab import Role
from tests import factories


def _test_database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


def _reset_postgres(url: str) -> None:
    """Start from an empty public schema on the test server."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = _test_database_url(tmp_path_factory)
    if url.startswith("postgres"):
        _reset_postgres(url)
    return url


# Everything logged during the run goes to one file, scanned for personal data at the end.
LOG_PATH = Path(tempfile.gettempdir()) / f"jobmatch-test-log-{os.getpid()}.log"
PERSONAL_DATA_IN_LOGS = re.compile(r"(?<!\d)(\d{17}[\dXx]|1[3-9]\d{9})(?!\d)")


def pytest_configure(config) -> None:
    handler = logging.FileHandler(LOG_PATH, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def pytest_sessionfinish(session, exitstatus) -> None:
    """No ID number or phone may reach a log, in any test (SPEC: personal data is never logged)."""
    logging.shutdown()
    if not LOG_PATH.exists():
        return
    leaks = [line for line in LOG_PATH.read_text(encoding="utf-8").splitlines() if PERSONAL_DATA_IN_LOGS.search(line)]
    lines = len(LOG_PATH.read_text(encoding="utf-8").splitlines())
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if leaks:
        session.exitstatus = 1
        example = PERSONAL_DATA_IN_LOGS.sub("<redacted>", leaks[0])[:80]
        if reporter:
            reporter.write_line(f"PERSONAL DATA IN LOGS: {len(leaks)} of {lines} lines, e.g. {example!r}", red=True)
    elif reporter:
        reporter.write_line(f"log scan: {lines} log lines, no ID numbers or phones")
    LOG_PATH.unlink()


# One data key for the whole run, as one deployment has one key.
DATA_KEY = new_key()


MODELS_DIR = Path(tempfile.mkdtemp(prefix="jobmatch-test-models-"))


def app_config(database_url: str, **overrides) -> dict:
    return {
        "ENV_NAME": "testing",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "DATA_KEY": DATA_KEY,
        "MODELS_DIR": str(MODELS_DIR),
    } | overrides


@pytest.fixture(scope="session")
def _migrated(database_url, tmp_path_factory):
    """Migrate the test database once per run, as production does."""
    app = create_app(app_config(database_url))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return database_url


def empty_all_tables() -> None:
    """Remove every row (the schema stays) so the next test starts fresh."""
    tables = [t for t in db.metadata.sorted_tables]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(t.name for t in tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            conn.execute(sa.text("PRAGMA foreign_keys=OFF"))
            for table in reversed(tables):
                conn.execute(table.delete())
            conn.execute(sa.text("PRAGMA foreign_keys=ON"))


class IsolatedClient(FlaskClient):
    """Runs each request in its own thread, so it gets its own app context, `g` and
    database session, as in production; the test's own app context stays apart."""

    def open(self, *args, **kwargs):
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(super().open, *args, **kwargs).result()


@pytest.fixture
def app(_migrated, tmp_path):
    app = create_app(app_config(_migrated))
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        empty_all_tables()
        db.engine.dispose()


@pytest.fixture
def make_app(_migrated, app):
    """More app instances on the test database (other workers, other settings); closed afterwards."""
    made = []

    def make(**overrides):
        other = create_app(app_config(_migrated, **overrides))
        other.test_client_class = IsolatedClient
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def token_for(name: str, role: Role, regions=(), workshops=()) -> str:
    """A token for a user of this role, scoped to the given regions or workshops."""
    user = tokens.get_or_create_user(name, role)
    # A new scope starts a new session version, as accounts.service does (workers cache scopes by it).
    user.session_version = (user.session_version or 1) + 1
    user.regions = list(regions)
    user.workshops = list(workshops)
    return tokens.issue_token(user, "test")


class ApiClient:
    """The test client with a bearer token on every request."""

    def __init__(self, client, token: str):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, url, **kw):
        return self.client.get(url, headers=self.headers, **kw)

    def post(self, url, **kw):
        return self.client.post(url, headers=self.headers, **kw)

    def patch(self, url, **kw):
        return self.client.patch(url, headers=self.headers, **kw)


@pytest.fixture
def regions(app) -> dict:
    """A county with one township and two villages."""
    return factories.region_tree()


@pytest.fixture
def api(client, regions) -> ApiClient:
    """An API client acting as the county's bureau officer."""
    return ApiClient(client, token_for("bureau-test", Role.bureau, [regions["county"]]))


@pytest.fixture
def admin_api(client) -> ApiClient:
    return ApiClient(client, token_for("admin-test", Role.admin))


@pytest.fixture(autouse=True)
def _no_json_log_handler():
    """An app made for production (or LOG_FORMAT=json) adds a JSON handler to the root logger: gone after the test."""
    yield
    from jobmatch.ops.logs import StderrHandler

    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, StderrHandler)]:
        root.removeHandler(handler)


@pytest.fixture(autouse=True)
def _shipped_skill_dictionary():
    """Synonyms added in one test must not leak into the next (the dictionary lives in the process)."""
    yield
    from jobmatch.matching import skills

    skills.use_synonyms({})

"""Fixtures: an app on a fresh, migrated database (SQLite, or PostgreSQL via TEST_DATABASE_URL)."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from werkzeug.routing import Rule

from jobmatch import create_app
from jobmatch.accounts import tokens
from jobmatch.crypto import new_key
from jobmatch.extensions import db
from jobmatch.vocab import Role
from tests import factories, logscan

# Under pytest-xdist (`make test` runs two processes) each process is a worker ("gw0", "gw1", …)
# with a database of its own: SQLite files under its own temporary folder, and on PostgreSQL a
# database named after TEST_DATABASE_URL's with the worker's name appended, made afresh and dropped at the end.
WORKER = os.environ.get("PYTEST_XDIST_WORKER")


def _postgres_engine(url: str, **kw) -> sa.Engine:
    return sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), poolclass=NullPool, **kw)


def _reset_postgres(url: str) -> None:
    """Start from an empty public schema on the test server."""
    engine = _postgres_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def _worker_database(url: str, worker: str, create: bool) -> str:
    """The worker's own database next to TEST_DATABASE_URL's: made empty (create) or dropped."""
    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = _postgres_engine(
        base.set(database="postgres").render_as_string(hide_password=False), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if create:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """The run's database: a SQLite file, or TEST_DATABASE_URL's PostgreSQL database emptied first."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")
    elif WORKER:
        yield _worker_database(url, WORKER, create=True)
        _worker_database(url, WORKER, create=False)
    else:
        _reset_postgres(url)
        yield url


def pytest_sessionstart(session) -> None:
    """PostgreSQL asked for but not answering stops the run at once, loudly (never a run that skips it)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url or WORKER:
        return
    engine = _postgres_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        reason = str(exc.orig or exc).strip().splitlines()[0]
        pytest.exit(f"TEST_DATABASE_URL is set but PostgreSQL does not answer: {reason}", returncode=3)
    finally:
        engine.dispose()


BROWSER_TESTS = Path(__file__).resolve().parent / "browser"


def _runs_on_postgres(item) -> bool:
    """A test that uses the database (the `database_url` fixture, directly or through `app`), other than the
    browser walks: those check what the pages do in Chromium, while the page and API tests run every page's
    server side on PostgreSQL too."""
    return "database_url" in getattr(item, "fixturenames", ()) and BROWSER_TESTS not in Path(item.path).parents


def pytest_collection_modifyitems(config, items) -> None:
    """On PostgreSQL, only the tests that use the database and are not browser walks: the others already ran
    in the SQLite pass that `make test` runs first. JOBMATCH_TEST_EVERYTHING=1 keeps them all."""
    if not os.environ.get("TEST_DATABASE_URL") or os.environ.get("JOBMATCH_TEST_EVERYTHING"):
        return
    left_out = [item for item in items if not _runs_on_postgres(item)]
    if not left_out:
        return
    config.hook.pytest_deselected(items=left_out)
    items[:] = [item for item in items if _runs_on_postgres(item)]
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter:
        browser = sum(BROWSER_TESTS in Path(item.path).parents for item in left_out)
        reporter.write_line(
            f"PostgreSQL pass: {len(left_out) - browser} tests that use no database and {browser} browser walks"
            " ran in the SQLite pass only"
        )


# Everything logged during the run goes to one folder (a file per process), scanned for personal data at the end
# by the process that started the run.
def pytest_configure(config) -> None:
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None:
        config.jobmatch_log_dir = Path(tempfile.mkdtemp(prefix="jobmatch-test-logs-"))
    else:
        config.jobmatch_log_dir = Path(workerinput["jobmatch_log_dir"])
    handler = logging.FileHandler(config.jobmatch_log_dir / f"{os.getpid()}.log", mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    """Each pytest-xdist worker logs into the folder of the process that started the run."""
    node.workerinput["jobmatch_log_dir"] = str(node.config.jobmatch_log_dir)


def pytest_sessionfinish(session, exitstatus) -> None:
    """No ID number or phone may reach a log, in any test (SPEC: personal data is never logged)."""
    logging.shutdown()
    if hasattr(session.config, "workerinput"):
        return
    folder: Path = session.config.jobmatch_log_dir
    lines = [
        line
        for log in sorted(folder.glob("*.log"))
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines()
    ]
    leaks = [line for line in lines if logscan.personal_data_in(line)]
    if leaks:
        session.exitstatus = 1
        examples = "; ".join(repr(logscan.redacted(line)[:160]) for line in leaks[:3])
        session.config.jobmatch_log_scan = f"PERSONAL DATA IN LOGS: {len(leaks)} of {len(lines)} lines, e.g. {examples}"
    else:
        session.config.jobmatch_log_scan = f"log scan: {len(lines)} log lines, no ID numbers or phones"
    shutil.rmtree(folder, ignore_errors=True)


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter) -> None:
    """The log scan's verdict as the run's last line but one, where a reader of the end of the output sees it."""
    verdict = getattr(terminalreporter.config, "jobmatch_log_scan", None)
    if verdict:
        terminalreporter.write_line(verdict, red=verdict.startswith("PERSONAL"))


# One data key for the whole run, as one deployment has one key.
DATA_KEY = new_key()


MODELS_DIR = Path(tempfile.mkdtemp(prefix="jobmatch-test-models-"))


def app_config(database_url: str, **overrides) -> dict:
    return {
        "ENV_NAME": "testing",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "DATA_KEY": DATA_KEY,
        "MODELS_DIR": str(MODELS_DIR),
        # Apps made as production or development would start the daily alert thread at their first request;
        # tests run the rules themselves (tests/monitoring/test_daily_run.py turns the thread on).
        "ALERT_SCHEDULE": False,
    } | overrides


@pytest.fixture(scope="session")
def _migrated(database_url, tmp_path_factory):
    """Migrate the test database once per run, as production does."""
    app = create_app(app_config(database_url))
    with app.app_context():
        upgrade()
        _reflect_tables(db.engine)
        db.engine.dispose()
    return database_url


# The migrated schema's tables, children before parents (read once, after the migration).
_TABLES: list[sa.Table] = []


def _reflect_tables(engine: sa.Engine) -> None:
    schema = sa.MetaData()
    schema.reflect(engine)
    _TABLES[:] = [t for t in reversed(schema.sorted_tables) if t.name != "alembic_version"]


def empty_all_tables() -> None:
    """Remove every row and restart every id (the schema stays) so the next test starts fresh.

    Only tables that hold rows are emptied, with DELETE: on PostgreSQL a TRUNCATE of every table
    costs about a second a test (new files for each table and index), these DELETEs a few ms.
    """
    if not _TABLES:
        _reflect_tables(db.engine)
    with db.engine.begin() as conn:
        quote = conn.dialect.identifier_preparer.quote
        holding = " UNION ALL ".join(f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM {quote(t.name)})" for t in _TABLES)
        filled = set(conn.execute(sa.text(holding)).scalars())
        for table in _TABLES:
            if table.name in filled:
                conn.execute(table.delete())
        if conn.dialect.name == "postgresql":
            conn.execute(
                sa.text(
                    "SELECT setval(format('%I.%I', schemaname, sequencename), 1, false) FROM pg_sequences"
                    " WHERE schemaname = current_schema() AND last_value IS NOT NULL"
                )
            )
        elif conn.execute(sa.text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")).first():
            conn.execute(sa.text("DELETE FROM sqlite_sequence"))


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


@pytest.fixture(scope="session", autouse=True)
def _remembered_password_hashes():
    """Argon2id with the service's parameters costs about 0.2 s of CPU a hash or a check, and the tests
    hash and check the same few passwords hundreds of times. Each password is hashed once per run for
    each set of parameters and each (hash, password) checked once: the hashes stay real Argon2id hashes
    with whatever parameters the service uses; only repeating the same work is saved."""
    hashes: dict[tuple, str] = {}
    checks: dict[tuple, bool | Exception] = {}
    real_hash, real_verify = PasswordHasher.hash, PasswordHasher.verify

    def remembered_hash(self, password, *, salt=None):
        if salt is not None:
            return real_hash(self, password, salt=salt)
        key = (self.time_cost, self.memory_cost, self.parallelism, self.hash_len, self.salt_len, self.type, password)
        if key not in hashes:
            hashes[key] = real_hash(self, password)
        return hashes[key]

    def remembered_verify(self, hash, password):
        key = (self.type, hash, password)
        if key not in checks:
            try:
                checks[key] = real_verify(self, hash, password)
            except (VerificationError, InvalidHashError) as exc:
                checks[key] = exc
        outcome = checks[key]
        if isinstance(outcome, Exception):
            raise type(outcome)(*outcome.args)
        return outcome

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(PasswordHasher, "hash", remembered_hash)
        patch.setattr(PasswordHasher, "verify", remembered_verify)
        yield


@pytest.fixture(scope="session", autouse=True)
def _remembered_url_builders():
    """Werkzeug compiles two URL builders for each of the app's ~530 routes, with `ast` and `compile`:
    about 0.5 s of CPU each time an app is made, and the tests make one (or more) per test. A builder
    depends only on the rule's parsed parts and defaults (it reaches its converters through the rule it is
    bound to), so each distinct one is compiled once per run and bound to every rule like it, exactly as
    werkzeug binds the one it compiles."""
    real_compile_builder = Rule._compile_builder
    built: dict[tuple, object] = {}

    def remembered_compile_builder(self, append_unknown=True):
        defaults = tuple(sorted((name, repr(value)) for name, value in (self.defaults or {}).items()))
        converters = tuple(sorted((name, type(c).__qualname__) for name, c in self._converters.items()))
        key = (tuple(self._trace), defaults, converters, self.rule, append_unknown)
        if key not in built:
            built[key] = real_compile_builder(self, append_unknown)
        return built[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Rule, "_compile_builder", remembered_compile_builder)
        yield


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

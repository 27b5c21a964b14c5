"""Extensions, made without an app and bound in create_app."""

from __future__ import annotations

import sqlite3
import time

import psycopg
from flask import g, has_app_context, has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import Pool

from jobmatch.ops.files import make_private

# Stable constraint names, so migrations can drop and rename them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Requests that only read: GET and HEAD (no route changes data on them).
READ_METHODS = frozenset({"GET", "HEAD"})
# Where the request's caller waits for the request's session (flask.g).
WAITING_USER = "_user_for_session"


class Session(FlaskSession):
    """The request's session; on PostgreSQL a reading request runs its statements without a transaction.

    Read committed gives each statement its own snapshot either way, so readers see the same rows;
    what changes is the cost: no BEGIN and ROLLBACK round trips, and psycopg keeps its prepared
    statements (a ROLLBACK throws them all away), so PostgreSQL plans a busy query once per
    connection instead of on every request.

    The caller a token named (jobmatch.accounts.tokens) waits in `g` until the request opens its
    session, and joins it then: a request that never opens one (most reads) pays for no session.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if has_app_context():
            waiting = g.pop(WAITING_USER, None)
            if waiting is not None:
                self.add(waiting)

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        engine = super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
        if bind is None and isinstance(engine, Engine) and reading_request() and engine.dialect.name == "postgresql":
            return _autocommit(engine)
        return engine


def reading_request() -> bool:
    return has_request_context() and request.method in READ_METHODS


def _autocommit(engine: Engine) -> Engine:
    """The engine's autocommit twin (the same pool), kept on the engine so the session sees one bind."""
    twin = engine.__dict__.get("_autocommit_twin")
    if twin is None:
        twin = engine.__dict__["_autocommit_twin"] = engine.execution_options(isolation_level="AUTOCOMMIT")
    return twin


def reading_engine(engine: Engine) -> Engine:
    """A pool of autocommit connections beside the engine's, for the prepared reads (jobmatch.prepared).

    Its connections stay in autocommit, so borrowing one costs no switch there and back, and they only
    read, so one given back has no transaction to roll back. Disposed with the engine (gunicorn disposes
    the master's before it forks).
    """
    reading = engine.__dict__.get("_reading_engine")
    if reading is None:
        reading = engine.__dict__["_reading_engine"] = create_engine(
            engine.url, isolation_level="AUTOCOMMIT", hide_parameters=True, pool_reset_on_return=None
        )
    return reading


@event.listens_for(Engine, "engine_disposed")
def _dispose_reading_engine(engine: Engine) -> None:
    reading = engine.__dict__.get("_reading_engine")
    if reading is not None:
        reading.dispose()


db = SQLAlchemy(model_class=Base, session_options={"class_": Session})
migrate = Migrate(render_as_batch=True, compare_type=True)


# How long a SQLite writer waits for another one to finish before the request fails with 503.
SQLITE_BUSY_TIMEOUT_MS = 15_000


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite, per connection: foreign keys, and several gunicorn workers writing without "database is locked".

    WAL lets readers go on while one writer writes; the busy timeout makes a writer wait its turn
    instead of failing. The driver opens a transaction only at a request's first write, so a
    request holds no read snapshot that another worker's commit could make stale. The file
    holds personal data: it is made readable by its owner only (SQLite gives its -wal and
    -shm files the same mode).
    """
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        for _, _, path in cursor.execute("PRAGMA database_list").fetchall():
            if path:
                for file in (path, f"{path}-wal", f"{path}-shm"):
                    make_private(file)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
            cursor.execute("PRAGMA journal_mode=WAL")
            # Durable at every checkpoint; a power cut may lose the last commits, never corrupt the file.
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


# A PostgreSQL connection idle for longer than this is tested before a request uses it; one back in the
# pool sooner is used as it is. Pinging on every checkout cost each request a round trip. A server that
# restarted within that time fails the statement instead: the request answers 503 and the pool drops
# every connection of the old server at once (SQLAlchemy's disconnect handling), so the next one works.
PING_AFTER_IDLE_S = 10.0


@event.listens_for(Pool, "checkin")
def _returned(dbapi_connection, connection_record) -> None:
    connection_record.info["returned_at"] = time.monotonic()


@event.listens_for(Pool, "checkout")
def _ping_idle_connections(dbapi_connection, connection_record, connection_proxy) -> None:
    """Test a PostgreSQL connection that sat idle; a dead one is replaced before the request sees it."""
    if not isinstance(dbapi_connection, psycopg.Connection):
        return
    returned = connection_record.info.get("returned_at")
    if returned is None or time.monotonic() - returned < PING_AFTER_IDLE_S:
        return  # just opened, or used a moment ago
    try:
        autocommit = dbapi_connection.autocommit
        if not autocommit:
            dbapi_connection.autocommit = True
        dbapi_connection.execute("SELECT 1").close()
        if not autocommit:
            dbapi_connection.autocommit = False
    except psycopg.Error as exc:
        raise DisconnectionError(f"an idle connection no longer answers: {type(exc).__name__}") from exc


login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = _l("请先登录")
# The message is flashed in the language of the page that asked for a login.
login_manager.localize_callback = str
login_manager.session_protection = "basic"

csrf = CSRFProtect()


def _client_ip() -> str:
    return request.remote_addr or "unknown"


# Storage comes from RATELIMIT_STORAGE_URI: Redis (shared by every worker) when REDIS_URL is set.
limiter = Limiter(key_func=_client_ip, default_limits=[])

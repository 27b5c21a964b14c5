"""Statements of the hot reads: built and compiled once per database, run as plain rows.

The API's busiest reads (a caller's token and scope, a village's laborers, a county's openings, one
opening) run on every request of every phone. Built with select() on each request, each of them paid
more for building, compiling, caching and wrapping its result than the database paid to answer it.
Here a statement is built once per shape and per database from the same tables and columns, compiled
once, and then run on the request's connection with only the values changing; each row comes back as
a tuple with the columns' own conversions (decryption, enums, dates on SQLite) applied, nothing else.

A list of ids (a cadre's villages, a bureau's counties) is one parameter: an array on PostgreSQL, a
JSON list read by json_each on SQLite. So a cadre with three villages and one with thirty share a plan.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any

import sqlalchemy as sa
from flask import g
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect

from jobmatch.extensions import db, reading_engine, reading_request

Builder = Callable[[Dialect], sa.Select]


class _Compiled:
    """A statement compiled for one database: its SQL, how to pass its values, how to read its rows."""

    __slots__ = ("sql", "names", "binds", "fixed", "types", "dialect", "results")

    def __init__(self, statement: sa.Select, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        # qmark (SQLite): the values in the order of their places; pyformat (psycopg): by name.
        self.names = tuple(compiled.positiontup) if compiled.positional else None
        self.binds = {
            name: processor
            for name, bind in compiled.binds.items()
            if (processor := bind.type._cached_bind_processor(dialect)) is not None
        }
        # Values written into the statement itself (substr(code, 1, 6)): the same on every run.
        self.fixed = {
            name: bind.value
            for name, bind in compiled.binds.items()
            if bind.value is not None and not bind.required and bind.callable is None
        }
        self.types = tuple(column.type for column in statement.selected_columns)
        self.dialect = dialect
        # The (position, conversion) of each column that has one, once the first answer tells the database's
        # type of each.
        self.results: tuple[tuple[int, Callable], ...] | None = None

    def read(self, cursor: Any) -> tuple[tuple[int, Callable], ...]:
        """The conversions of the columns that have one, learnt from the cursor's description at the first run.

        Later runs do not ask for the description: psycopg builds it anew, one object per column, at each asking.
        """
        if self.results is None:
            processors = (
                kind._cached_result_processor(self.dialect, column[1])
                for kind, column in zip(self.types, cursor.description, strict=True)
            )
            self.results = tuple((i, p) for i, p in enumerate(processors) if p is not None)
        return self.results


class Prepared:
    """One statement, built by `build(dialect)` at its first use on each database."""

    def __init__(self, build: Builder) -> None:
        self._build = build
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def _for(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(dialect.name) or _Compiled(self._build(dialect), dialect)
                self._compiled[dialect.name] = compiled
        return compiled

    def rows(self, params: dict[str, Any]) -> list[tuple]:
        """The statement's rows for these values.

        A reading request on PostgreSQL whose session holds no connection yet borrows one from a pool of
        autocommit connections for its prepared reads (each statement is its own transaction there
        anyway): the session's connection, transaction and closing cost more than the statement. A session
        that only began (the caller's user added to it) holds none. Otherwise the session's connection runs
        it, inside its transaction if it has one.
        """
        engine = db.engine
        dialect = engine.dialect
        compiled = self._for(dialect)
        if compiled.fixed:
            params = compiled.fixed | params
        for name, process in compiled.binds.items():
            if name in params:
                params[name] = process(params[name])
        values = tuple(params[name] for name in compiled.names) if compiled.names is not None else params
        events = engine.dispatch
        if (
            dialect.name == "postgresql"
            and reading_request()
            and not _session_holds_connection()
            and not (events.before_cursor_execute or events.after_cursor_execute)
        ):
            rows = self._borrowed(engine, compiled, values)
            if rows is not None:
                return rows
        connection = db.session().connection()
        events = connection.dispatch
        if events.before_cursor_execute or events.after_cursor_execute:
            # A listener on the engine (the tests' statement counters) sees the statement as any other.
            cursor = connection.exec_driver_sql(compiled.sql, values).cursor
        else:
            try:
                cursor = connection.connection.driver_connection.execute(compiled.sql, values)
            except connection.dialect.loaded_dbapi.Error:
                # Once more through SQLAlchemy, so the failure is handled as any statement's: a lost server
                # drops the pool's connections and the request answers 503 (these statements only read).
                cursor = connection.exec_driver_sql(compiled.sql, values).cursor
        conversions = compiled.read(cursor)
        rows = cursor.fetchall()
        cursor.close()
        return _converted(conversions, rows)

    @staticmethod
    def _borrowed(engine: sa.Engine, compiled: _Compiled, values: Any) -> list[tuple] | None:
        """Run on the request's connection from the reading pool (autocommit); None if that failed.

        The connection is borrowed at the request's first prepared read and kept for its others (the pool's
        check-out and check-in cost a third of a token look-up); `release()` gives it back when the request
        ends. On a failure the statement runs again through the session, where SQLAlchemy handles it as any
        statement's (a server away answers 503). A lost server empties the reading pool at once, as
        SQLAlchemy does with the session's pool, so no request meets another of its dead connections.
        """
        reading = reading_engine(engine)
        dbapi_error = engine.dialect.loaded_dbapi.Error
        borrowed = g.get(_HELD)
        if borrowed is None:
            try:
                borrowed = reading.raw_connection()
            except dbapi_error:
                return None
            setattr(g, _HELD, borrowed)
        try:
            cursor = borrowed.driver_connection.execute(compiled.sql, values)
            conversions = compiled.read(cursor)
            rows = cursor.fetchall()
            cursor.close()
        except dbapi_error as error:
            g.pop(_HELD, None)
            connection = borrowed.driver_connection
            if connection.closed or connection.broken or engine.dialect.is_disconnect(error, connection, None):
                borrowed.invalidate()
                reading.dispose()
            borrowed.close()
            return None
        return _converted(conversions, rows)


# Where a request keeps its connection of the reading pool (flask.g).
_HELD = "_prepared_connection"


def release() -> None:
    """Give the request's reading connection back to its pool (called when the request's context ends)."""
    borrowed = g.pop(_HELD, None)
    if borrowed is not None:
        borrowed.close()


def _converted(conversions: tuple[tuple[int, Callable], ...], rows: list[tuple]) -> list[tuple]:
    """The driver's rows with each column's conversion applied (decryption, enums; most columns have none)."""
    if not conversions:
        return rows
    read = []
    for row in rows:
        values = list(row)
        for i, convert in conversions:
            values[i] = convert(values[i])
        read.append(tuple(values))
    return read


def _session_holds_connection() -> bool:
    """Whether the request's session (if it has one yet) has a connection checked out (adding an object
    begins a transaction, without one).

    SQLAlchemy has no public way to ask; its SessionTransaction keeps them in `_connections`.
    """
    registry = db.session.registry
    if not registry.has():
        return False
    transaction = registry().get_transaction()
    return transaction is not None and bool(transaction._connections)


class Shapes:
    """Prepared statements by shape (the filters a request uses, the caller's kind of scope), made at first use."""

    def __init__(self, build: Callable[..., sa.Select]) -> None:
        self._build = build
        self._shapes: dict[Hashable, Prepared] = {}

    def rows(self, shape: tuple, params: dict[str, Any]) -> list[tuple]:
        prepared = self._shapes.get(shape)
        if prepared is None:
            prepared = self._shapes.setdefault(shape, Prepared(lambda dialect: self._build(dialect, *shape)))
        return prepared.rows(params)


def in_list(column: Any, name: str, dialect: Dialect, item: sa.types.TypeEngine | None = None) -> sa.ColumnElement:
    """`column IN (the list passed as parameter `name`)`, one parameter whatever the list's length."""
    item = item or sa.Integer()
    if dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam(name, type_=postgresql.ARRAY(item)))
    values = sa.func.json_each(sa.bindparam(name, type_=sa.JSON())).table_valued("value")
    return column.in_(sa.select(values.c.value))

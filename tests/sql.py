"""What SQL a block of test code makes the service run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from jobmatch.extensions import db


@contextmanager
def statements(engine: sa.Engine | None = None) -> Iterator[list[str]]:
    """The SQL statements run while the block runs, on every connection of the engine (the app's by default)."""
    engine = engine or db.engine
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)

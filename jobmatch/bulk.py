"""Many rows in one statement whose text never changes: the rows bound as one JSON array, read by PostgreSQL.

A multi-row VALUES is a new statement for every number of rows (SQLAlchemy compiles it again, psycopg parses
it again), and an executemany sends one statement per row; for a day's sheet of forty workers either cost the
app more than the database's work. Rows bound as one JSON document keep the statement's text the same
whatever their number: it is compiled once, prepared by the server, and its rows cost one `json.dumps`.

SQLite has no json_to_recordset: callers keep a portable statement for it (`is_postgresql`).
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.selectable import TableValuedAlias
from sqlalchemy.types import TypeEngine

from jobmatch.extensions import db

# A JSON null read from a row into a JSON column: the value the JSON type writes for None (not SQL NULL).
JSON_NULL = sa.literal_column("'null'::json", postgresql.JSON)


def is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def rows_of(name: str, columns: dict[str, TypeEngine]) -> TableValuedAlias:
    """`json_to_recordset(CAST(:name AS JSON)) AS name(a INTEGER, b VARCHAR, …)`: the rows bound as `document`."""
    rows = sa.cast(sa.bindparam(name, type_=sa.Text()), postgresql.JSON)
    return (
        sa.func.json_to_recordset(rows)
        .table_valued(*(sa.column(column, type_) for column, type_ in columns.items()))
        .render_derived(name=name, with_types=True)
    )


def document(rows: list[dict]) -> str:
    """The rows for `rows_of`, as JSON: decimals as strings (read back exactly as NUMERIC), JSON values as
    `json.dumps` writes them, which a JSON column keeps as they are."""
    return json.dumps(rows, default=str)

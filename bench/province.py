"""A province-size database for the figures of SPEC §9: perturbed copies of the demo county across Jiangxi.

    python bench/province.py postgresql://postgres@127.0.0.1:5432/province [--counties 60] [--openings-copies 3]

The demo county is loaded once (`flask demo load`, about 30 s), then copied in bulk SQL, one
INSERT … SELECT per table and county: each copy gets its own county code (36PPCC), its villages,
households, laborers, employers, workshops, openings, referrals and employments, moved to its own
place on a grid over the province with a little jitter. Every id of a copy is the original's plus
a fixed offset, so foreign keys are mapped by arithmetic, not by lookups. Openings are copied
`--openings-copies` times per county (a province posts more than one county's worth per county:
231k openings beside 303k laborers with the defaults). With the defaults the whole run takes a few
minutes here and prints what it built.

PostgreSQL only: a province is not served from the embedded SQLite default.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
# Jiangxi, roughly: the copies are laid on a grid inside this box.
SOUTH, NORTH, WEST, EAST = 24.8, 29.8, 114.0, 118.2
# Tables copied per county, parents before children; the rest (attendance, alerts, sessions…) stay the demo's.
TABLES = (
    "regions",
    "households",
    "laborers",
    "employers",
    "workshops",
    "openings",
    "referrals",
    "referral_events",
    "employments",
)
JITTER_DEG = 0.01


def _engine(url: str) -> sa.Engine:
    return sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))


def _create_database(url: str) -> None:
    base = sa.engine.make_url(url)
    admin = _engine(base.set(database="postgres").render_as_string(hide_password=False).replace("+psycopg", ""))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{base.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{base.database}"'))
    admin.dispose()


def _flask(url: str, *args: str) -> None:
    env = dict(os.environ, DATABASE_URL=url, FLASK_APP="wsgi")
    subprocess.run([str(ROOT / ".venv/bin/flask"), *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def _columns(conn: sa.Connection, table: str) -> list[str]:
    return list(
        conn.execute(
            sa.text(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = 'public' AND table_name = :t ORDER BY ordinal_position"
            ),
            {"t": table},
        ).scalars()
    )


def _foreign_keys(conn: sa.Connection, table: str) -> dict[str, str]:
    """Column → the table it points at."""
    rows = conn.execute(
        sa.text(
            """
            SELECT kcu.column_name, ccu.table_name
            FROM information_schema.table_constraints tc
            JOIN information_schema.key_column_usage kcu ON tc.constraint_name = kcu.constraint_name
            JOIN information_schema.constraint_column_usage ccu ON tc.constraint_name = ccu.constraint_name
            WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_name = :t
            """
        ),
        {"t": table},
    ).all()
    return dict(rows)


class Copier:
    def __init__(self, conn: sa.Connection, county_code: str, counties: int, openings_copies: int) -> None:
        self.conn = conn
        self.county = county_code  # six digits
        self.openings_copies = openings_copies
        self.span = {
            t: int(conn.execute(sa.text(f"SELECT coalesce(max(id), 0) + 1 FROM {t}")).scalar()) for t in TABLES
        }
        self.columns = {t: _columns(conn, t) for t in TABLES}
        self.fks = {t: _foreign_keys(conn, t) for t in TABLES}
        lat, lon = conn.execute(
            sa.text("SELECT avg(latitude), avg(longitude) FROM regions WHERE level = 'village'")
        ).one()
        self.centre = (float(lat), float(lon))
        self.grid = max(1, int(counties**0.5 + 0.999))

    def code6(self, k: int) -> str:
        """A county code of copy k: 36 + a made-up prefecture (50–99) + county (00–99)."""
        return f"36{50 + k // 100:02d}{k % 100:02d}"

    def shift(self, k: int) -> tuple[float, float]:
        if k == 0:
            return 0.0, 0.0  # the demo county stays where it is
        row, col = divmod(k, self.grid)
        lat = SOUTH + (NORTH - SOUTH) * (row + 0.5) / self.grid
        lon = WEST + (EAST - WEST) * (col + 0.5) / self.grid
        return lat - self.centre[0], lon - self.centre[1]

    def _offset(self, table: str, copy: int) -> int:
        return self.span[table] * copy

    def _expressions(self, table: str, k: int, copy: int) -> list[str]:
        """The SELECT list that makes copy `copy` (k: the county) of each column of `table`."""
        dlat, dlon = self.shift(k)
        code6 = self.code6(k)
        out = []
        for column in self.columns[table]:
            target = self.fks[table].get(column)
            if column == "id":
                out.append(f"id + {self._offset(table, copy)}")
            elif target in self.span:
                # Openings' copies beyond the first are referred to by nothing: parents map to copy k.
                out.append(f"{column} + {self._offset(target, k)}")
            elif column in ("latitude", "longitude"):
                delta = dlat if column == "latitude" else dlon
                out.append(f"{column} + {delta:.6f} + (random() - 0.5) * {2 * JITTER_DEG}")
            elif (table, column) == ("regions", "code"):
                out.append(f"'{code6}' || substr(code, 7)")
            elif (table, column) == ("households", "code"):
                # Codes begin with the village's code (the demo's do): the copy's county replaces the demo's.
                demo_county = f"code LIKE '{self.county}%'"
                out.append(f"CASE WHEN {demo_county} THEN '{code6}' || substr(code, 7) ELSE '{code6}-' || code END")
            elif (table, column) == ("employers", "credit_code"):
                out.append(f"substr(credit_code, 1, 2) || '{code6}' || substr(credit_code, 9)")
            elif (table, column) == ("openings", "code"):
                out.append(f"'P{k}-{copy}-' || code")
            elif (table, column) == ("laborers", "id_number_index"):
                out.append(f"md5(id_number_index || '{k}') || md5('{k}' || id_number_index)")
            else:
                out.append(column)
        return out

    def _insert(self, table: str, k: int, copy: int) -> None:
        """Copy `copy` of the demo's own rows of `table` (never of rows copied before) for county k."""
        names = ", ".join(self.columns[table])
        select = ", ".join(self._expressions(table, k, copy))
        where = f"id < {self.span[table]}"
        if table == "regions":
            where += f" AND code LIKE '{self.county}%'"
        self.conn.execute(sa.text(f"INSERT INTO {table} ({names}) SELECT {select} FROM {table} WHERE {where}"))

    def copy(self, k: int) -> None:
        for table in TABLES:
            copies = range(k * self.openings_copies, (k + 1) * self.openings_copies) if table == "openings" else (k,)
            for copy in copies:
                self._insert(table, k, copy)

    def renumber(self) -> None:
        """The demo's own openings are copy 0 of its county: make copies 1… of them in place."""
        for copy in range(1, self.openings_copies):
            self._insert("openings", 0, copy)

    def sequences(self) -> None:
        for table in TABLES:
            self.conn.execute(
                sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="PostgreSQL URL of the database to (re)create")
    parser.add_argument("--counties", type=int, default=60, help="counties in all, the demo's included (60)")
    parser.add_argument("--openings-copies", type=int, default=3, help="copies of the openings per county (3)")
    parser.add_argument("--keep", action="store_true", help="copy into the database as it is (demo already loaded)")
    args = parser.parse_args()
    if not args.url.startswith("postgresql"):
        sys.exit("province.py builds on PostgreSQL only")

    started = time.perf_counter()
    if not args.keep:
        _create_database(args.url)
        _flask(args.url, "db", "upgrade")
        _flask(args.url, "demo", "load")
        print(f"demo county loaded in {time.perf_counter() - started:.0f} s", flush=True)
    engine = _engine(args.url)
    with engine.begin() as conn:
        county = conn.execute(sa.text("SELECT code FROM regions WHERE level = 'county' ORDER BY id LIMIT 1")).scalar()
        copier = Copier(conn, county[:6], args.counties, args.openings_copies)
        copier.renumber()
    for k in range(1, args.counties):
        with engine.begin() as conn:
            copier.conn = conn
            copier.copy(k)
        if k % 10 == 0 or k == args.counties - 1:
            print(f"  {k + 1}/{args.counties} counties, {time.perf_counter() - started:.0f} s", flush=True)
    with engine.begin() as conn:
        copier.conn = conn
        copier.sequences()
        conn.execute(sa.text("ANALYZE"))
        counts = {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar() for t in TABLES}
    engine.dispose()
    print(f"province built in {time.perf_counter() - started:.0f} s:")
    for table, count in counts.items():
        print(f"  {table:16s} {count:>9,}")


if __name__ == "__main__":
    main()

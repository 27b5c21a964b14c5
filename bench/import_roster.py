"""What importing a 50,000-laborer roster costs: dry run, commit, and the re-import that changes nothing.

Builds a county on a fresh database (SQLite in a temporary folder, or `--database-url`
for PostgreSQL, whose public schema is emptied first): 100 villages and one household
per four laborers, then writes a .xlsx roster of `--rows` laborers with Chinese headers
and times, through `jobmatch.rosters.service.import_roster`:

- reading the file alone;
- the dry run (every row through the service rules, each batch rolled back);
- the commit (every row written, a commit per batch);
- the same file again (every row unchanged).

Figures only, no asserts (target: under 60 s each for 50,000 rows). Each line gives the wall-clock
time and the CPU time of this process.

    python bench/import_roster.py [--rows 50000] [--csv] [--database-url postgresql://...]
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from flask import g
from openpyxl import Workbook
from stdnum.cn import ric

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402

from jobmatch import create_app  # noqa: E402
from jobmatch.crypto import new_key  # noqa: E402
from jobmatch.extensions import db  # noqa: E402
from jobmatch.people.models import Household, Region  # noqa: E402
from jobmatch.rosters import service  # noqa: E402
from jobmatch.rosters.headers import LABORER_COLUMNS  # noqa: E402
from jobmatch.rosters.reader import read_roster  # noqa: E402
from jobmatch.vocab import HouseholdCategory, RegionLevel  # noqa: E402

COUNTY = "361125000000"
VILLAGES = 100
LABORERS_PER_HOUSEHOLD = 4
HEADERS = ["姓名", "证件号码", "户编号", "与户主关系", "劳动技能", "务工状态", "就业意愿", "联系电话", "劳动能力"]
SKILLS = ["缝纫、养猪", "电焊", "种植茶叶", "", "厨师、保洁", "竹编"]
STATUSES = ["未就业", "外出务工", "帮扶车间", "公益性岗位"]
WILLINGNESS = ["县内就业", "村内就业", "不限地域", "省内就业"]


def _household_code(i: int) -> str:
    return f"36112510{i // LABORERS_PER_HOUSEHOLD:08d}"


def _people(rows: int) -> list[tuple[str, str]]:
    """Unique (ID number, household code) pairs with valid numbers: births 1966–2000 (the area code 362325
    was retired afterwards), the sequence and then the month telling them apart."""
    out: list[tuple[str, str]] = []
    for i in range(rows):
        birth = date(1966 + (i // 1000) % 35, 1 + (i // 35_000) % 12, 1 + (i // 420_000) % 28)
        body = f"362325{birth:%Y%m%d}{i % 1000:03d}"
        out.append((body + ric.calc_check_digit(body + "0"), _household_code(i)))
    return out


def build_county(rows: int) -> None:
    county = Region(code=COUNTY, name="横峰县", level=RegionLevel.county, latitude=28.4, longitude=117.6)
    db.session.add(county)
    db.session.flush()
    town = Region(code="361125100000", name="岑阳镇", level=RegionLevel.township, parent_id=county.id)
    db.session.add(town)
    db.session.flush()
    villages = [
        Region(code=f"3611251002{v:02d}", name=f"第{v}村", level=RegionLevel.village, parent_id=town.id)
        for v in range(VILLAGES)
    ]
    db.session.add_all(villages)
    db.session.flush()
    households = (rows + LABORERS_PER_HOUSEHOLD - 1) // LABORERS_PER_HOUSEHOLD
    db.session.execute(
        sa.insert(Household),
        [
            {
                "code": f"36112510{h:08d}",
                "village_id": villages[h % VILLAGES].id,
                "category": HouseholdCategory.out_of_poverty,
                "risk_level": "low",
            }
            for h in range(households)
        ],
    )
    db.session.commit()


def roster_file(rows: int, as_csv: bool) -> tuple[bytes, str]:
    body = [HEADERS]
    for i, (number, household) in enumerate(_people(rows)):
        body.append(
            [
                f"劳动力{i}",
                number,
                household,
                "户主" if i % LABORERS_PER_HOUSEHOLD == 0 else "子女",
                SKILLS[i % len(SKILLS)],
                STATUSES[i % len(STATUSES)],
                WILLINGNESS[i % len(WILLINGNESS)],
                f"139{i:08d}",
                "普通劳动力",
            ]
        )
    if as_csv:
        import csv

        buffer = io.StringIO()
        csv.writer(buffer).writerows(body)
        return buffer.getvalue().encode("utf-8"), "roster.csv"
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("劳动力")
    for row in body:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), "roster.xlsx"


def _timed(label: str, fn):
    """Wall-clock time, and this process's CPU time (less swayed by other work on a shared machine;
    the database server's own work is not in it)."""
    start, cpu = time.perf_counter(), time.process_time()
    result = fn()
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    counts = getattr(result, "counts", None)
    print(
        f"{label:<28} {seconds:7.1f} s  (CPU {cpu_seconds:5.1f} s)   {counts if counts is not None else ''}", flush=True
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--csv", action="store_true", help="a UTF-8 .csv instead of .xlsx")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
        if url.startswith("postgres"):
            engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
            with engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
            engine.dispose()
        app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": url, "DATA_KEY": new_key()})
        with app.app_context():
            upgrade()
            g.actor_id = None
            print(f"database: {db.engine.dialect.name}, rows: {args.rows}")
            build_county(args.rows)
            data, name = roster_file(args.rows, args.csv)
            print(f"file: {name}, {len(data) / 1e6:.1f} MB")
            _timed("read file only", lambda: read_roster(data, name, LABORER_COLUMNS))
            _timed("dry run", lambda: service.import_roster("laborers", data, name, dry_run=True))
            _timed("commit", lambda: service.import_roster("laborers", data, name, dry_run=False))
            _timed("re-import (all unchanged)", lambda: service.import_roster("laborers", data, name, dry_run=False))
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()

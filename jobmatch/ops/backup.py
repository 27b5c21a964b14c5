"""Backups of the database: SQLite through its online backup API, PostgreSQL through pg_dump / pg_restore.

SQLite: `create` copies the live file page by page with `sqlite3.Connection.backup`
(consistent while the service keeps writing), into a temporary file that is checked
(`PRAGMA integrity_check`) and then renamed into place. Backups are created 0600 (owner
only) and a failed one leaves no `.partial` file behind. `restore` checks the backup
the same way and copies it over the live database with the same API, so connections
that stay open see the restored data rather than a half-written file.

PostgreSQL: `create` runs `pg_dump --format=custom`; `restore` runs
`pg_restore --clean --if-exists --no-owner --single-transaction` into the configured
database. The password travels in PGPASSWORD, never on the command line.

No Flask here: the CLI (jobmatch/cli.py) passes the database URL.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from jobmatch.ops.files import create_private, make_private

# Pages copied per step of an online SQLite backup: small steps let the service write in between.
SQLITE_PAGES_PER_STEP = 1024
PG_DUMP_TIMEOUT_S = 3600


class BackupError(RuntimeError):
    """The backup or restore cannot be done; nothing has been changed."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    size_bytes: int
    tables: int
    revision: str | None


def default_path(directory: Path, url: str) -> Path:
    """instance/backups/jobmatch-YYYYMMDD-HHMMSS.(sqlite3|dump)."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    suffix = "sqlite3" if is_sqlite(url) else "dump"
    return directory / f"jobmatch-{stamp}.{suffix}"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create(url: str, target: Path) -> BackupInfo:
    """Back the database up into target (which must not exist yet)."""
    if target.exists():
        raise BackupError(f"{target} exists; choose a new file. 目标文件已存在。")
    target.parent.mkdir(parents=True, exist_ok=True)
    if is_sqlite(url):
        return _sqlite_create(_sqlite_file(url), target)
    return _pg_create(make_url(url), target)


def restore(url: str, source: Path) -> BackupInfo:
    """Replace the database's contents with the backup in source (checked first)."""
    if not source.is_file():
        raise BackupError(f"{source} is not a file. 找不到备份文件。")
    if is_sqlite(url):
        return _sqlite_restore(source, _sqlite_file(url))
    return _pg_restore(make_url(url), source)


def describe(url: str, source: Path) -> BackupInfo:
    """Check a backup without restoring it."""
    if is_sqlite(url):
        return _sqlite_check(source)
    _pg_list(source)
    return BackupInfo(source, source.stat().st_size, _pg_table_count(source), None)


# --- SQLite --------------------------------------------------------------------------------------------


def _sqlite_file(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _sqlite_check(path: Path) -> BackupInfo:
    """An intact SQLite database made by jobmatch (it has the migrations' table)."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            revision = None
            if "alembic_version" in tables:
                row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
                revision = row[0] if row else None
        conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a readable SQLite database: {exc}. 备份文件损坏或不是数据库。") from exc
    if integrity != "ok":
        raise BackupError(f"{path} fails the integrity check: {integrity}. 备份文件未通过完整性检查。")
    if "alembic_version" not in tables:
        raise BackupError(f"{path} is not a jobmatch database (no alembic_version). 不是本系统的数据库。")
    return BackupInfo(path, path.stat().st_size, len(tables), revision)


def _copy(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    source.backup(target, pages=SQLITE_PAGES_PER_STEP)


def _sqlite_create(live: Path, target: Path) -> BackupInfo:
    if not live.is_file():
        raise BackupError(f"no database at {live}")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    create_private(partial)
    try:
        source = sqlite3.connect(f"file:{live}?mode=ro", uri=True)
        try:
            copy = sqlite3.connect(partial)
            try:
                _copy(source, copy)
                # The copy takes the live file's WAL mode; a backup is one self-contained file, and
                # checking it read-only would otherwise leave -wal and -shm files beside it.
                copy.execute("PRAGMA journal_mode=DELETE")
            finally:
                copy.close()
        finally:
            source.close()
        info = _sqlite_check(partial)
        partial.rename(target)
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"the backup failed: {exc}. 备份失败。") from exc
    except BaseException:
        # Also an interrupted copy (Ctrl-C, a full disk): nothing half-written stays behind.
        partial.unlink(missing_ok=True)
        raise
    return BackupInfo(target, info.size_bytes, info.tables, info.revision)


def _sqlite_restore(source: Path, live: Path) -> BackupInfo:
    info = _sqlite_check(source)
    live.parent.mkdir(parents=True, exist_ok=True)
    if not live.exists():
        create_private(live)
    backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    target = sqlite3.connect(live, timeout=30)
    try:
        _copy(backup, target)
    finally:
        target.close()
        backup.close()
    return info


# --- PostgreSQL ----------------------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} is not installed (Debian: apt-get install postgresql-client, the server's major version). "
            f"未安装 {name}。"
        )
    return found


def _pg_connection(url: URL) -> tuple[str, dict]:
    """A libpq URL without the password, and the environment that carries the password."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=PG_DUMP_TIMEOUT_S, check=False)
    if result.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {result.stderr.strip()[:500]}")
    return result


def _pg_create(url: URL, target: Path) -> BackupInfo:
    dsn, env = _pg_connection(url)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    # pg_dump writes into the file made here, so the dump is the owner's only from its first byte.
    create_private(partial)
    try:
        _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={partial}", f"--dbname={dsn}"], env)
        make_private(partial)
        tables = _pg_table_count(partial)
        partial.rename(target)
    except subprocess.TimeoutExpired as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump took longer than {PG_DUMP_TIMEOUT_S} s. 备份超时。") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupInfo(target, target.stat().st_size, tables, None)


def _pg_list(source: Path) -> str:
    """The dump's table of contents (pg_restore --list): refuses a file that is not a custom-format dump."""
    return _run([_pg_tool("pg_restore"), "--list", str(source)], dict(os.environ)).stdout


def _pg_table_count(source: Path) -> int:
    return sum(1 for line in _pg_list(source).splitlines() if " TABLE " in line and " TABLE DATA " not in line)


def _pg_restore(url: URL, source: Path) -> BackupInfo:
    tables = _pg_table_count(source)
    dsn, env = _pg_connection(url)
    _run(
        [
            _pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={dsn}",
            str(source),
        ],
        env,
    )
    return BackupInfo(source, source.stat().st_size, tables, None)

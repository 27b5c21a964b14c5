"""Faults under load, each printing what happened and exiting non-zero when the service misbehaved.

Writers create households through the API (each code once) and readers list them, against
gunicorn on 127.0.0.1, while the fault strikes. Afterwards every write that got a 2xx must be
in the database, and the service must be answering writes again by itself.

    pg-restart       PostgreSQL restarted under load. By default a throwaway cluster of our own
                     (initdb, a free port; the machine's server is shared with others); with
                     --system-cluster, the machine's cluster via pg_ctlcluster and --database-url.
                     During the restart writes get a clean 503 (problem+json), never a 500.
    kill-worker      A gunicorn worker killed with SIGKILL under load: gunicorn starts another;
                     only the killed worker's requests in flight may fail (connection reset).
    sqlite-writers   SQLite, several workers writing at once: no "database is locked" (no 5xx at all).
    sqlite-disk-full SQLite on a small tmpfs filled to the last byte: writes go on until one is
                     refused (however many still fit in the WAL), and that one gets 503 storage_full;
                     reads still answer, writes work again once space is freed, integrity_check ok.
    all              each of the above in turn (pg-restart with the throwaway cluster).

    .venv/bin/python bench/faults/run_faults.py all [--seconds 8]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness import LOCAL_HOST, OUTPUT, Client, Gunicorn, app_env, flask, free_port, log  # noqa: E402

COUNTY = {"code": "361125000000", "name": "横峰县", "level": "county", "latitude": 28.41, "longitude": 117.60}
TOWNSHIP = {"code": "361125100000", "name": "岑阳镇", "level": "township", "parent_code": "361125000000"}
VILLAGE = {"code": "361125100201", "name": "城东村", "level": "village", "parent_code": "361125100000"}
RECOVERY_TIMEOUT_S = 60


# --- load while the fault strikes ------------------------------------------------------------------


@dataclass
class Outcomes:
    """What the writers and readers saw."""

    acknowledged: list[str] = field(default_factory=list)
    write_status: Counter = field(default_factory=Counter)
    read_status: Counter = field(default_factory=Counter)
    problem_codes: Counter = field(default_factory=Counter)
    lock = threading.Lock()

    def note(self, kind: Counter, status: int | str, body=None) -> None:
        with self.lock:
            kind[status] += 1
            if isinstance(status, int) and status >= 400 and isinstance(body, dict) and body.get("code"):
                self.problem_codes[f"{status} {body['code']}"] += 1

    def summary(self) -> str:
        writes = ", ".join(f"{k}: {v}" for k, v in sorted(self.write_status.items(), key=str))
        reads = ", ".join(f"{k}: {v}" for k, v in sorted(self.read_status.items(), key=str))
        codes = ", ".join(f"{k} × {v}" for k, v in self.problem_codes.items())
        return f"writes {{{writes}}}; reads {{{reads}}}" + (f"; problems: {codes}" if codes else "")

    def server_errors(self, allowed: set[int | str]) -> dict:
        """Answers that are neither success, nor client errors, nor the allowed kinds."""
        out = {}
        for kind in (self.write_status, self.read_status):
            for status, n in kind.items():
                if status in allowed:
                    continue
                if isinstance(status, str) or status >= 500:
                    out[status] = out.get(status, 0) + n
        return out


class Load:
    """Writer and reader threads against the service, until stopped."""

    def __init__(self, url: str, token: str, writers: int = 4, readers: int = 2) -> None:
        self.url, self.token = url, token
        # Household codes are kept upper-case, letters and digits only.
        self.prefix = "F" + uuid.uuid4().hex[:8].upper()
        self.outcomes = Outcomes()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._write, args=(i,), daemon=True) for i in range(writers)]
        self.threads += [threading.Thread(target=self._read, daemon=True) for _ in range(readers)]

    def _write(self, worker: int) -> None:
        client = Client(self.url, self.token)
        n = 0
        while not self.stopping.is_set():
            n += 1
            code = f"{self.prefix}{worker:02d}{n:06d}"
            body = {"code": code, "village_code": VILLAGE["code"], "category": "out_of_poverty", "head_name": "测试"}
            try:
                status, answer = client.request("POST", "/api/v1/households", body, timeout=30)
            except OSError as exc:
                self.outcomes.note(self.outcomes.write_status, f"connection: {type(exc).__name__}")
                time.sleep(0.05)
                continue
            self.outcomes.note(self.outcomes.write_status, status, answer)
            if 200 <= status < 300:
                with self.outcomes.lock:
                    self.outcomes.acknowledged.append(code)
            elif status >= 500:
                time.sleep(0.05)

    def _read(self) -> None:
        client = Client(self.url, self.token)
        while not self.stopping.is_set():
            try:
                status, answer = client.request("GET", f"/api/v1/households?region={VILLAGE['code']}&per_page=20")
            except OSError as exc:
                self.outcomes.note(self.outcomes.read_status, f"connection: {type(exc).__name__}")
                time.sleep(0.05)
                continue
            self.outcomes.note(self.outcomes.read_status, status, answer)

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)


def wait_for_writes(url: str, token: str, timeout: float = RECOVERY_TIMEOUT_S) -> float | None:
    """Seconds until three writes in a row succeed again, or None."""
    client = Client(url, token)
    started = time.monotonic()
    good = 0
    while time.monotonic() - started < timeout:
        code = "R" + uuid.uuid4().hex[:12].upper()
        body = {"code": code, "village_code": VILLAGE["code"], "category": "other"}
        try:
            status, _ = client.request("POST", "/api/v1/households", body, timeout=10)
        except OSError:
            status = 0
        good = good + 1 if 200 <= status < 300 else 0
        if good == 3:
            return time.monotonic() - started
        time.sleep(0.1 if good else 0.25)
    return None


def missing_writes(database_url: str, prefix: str, acknowledged: list[str]) -> list[str]:
    """Acknowledged household codes that are not in the database."""
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1), poolclass=NullPool)
    with engine.connect() as conn:
        stored = set(
            conn.execute(sa.text("SELECT code FROM households WHERE code LIKE :p"), {"p": prefix + "%"}).scalars()
        )
    engine.dispose()
    return [code for code in acknowledged if code not in stored]


def check_acknowledged(database_url: str, prefix: str, acknowledged: list[str], failures: list[str]) -> None:
    """Print how many acknowledged writes are stored; a missing one, or none acknowledged, is a failure."""
    missing = missing_writes(database_url, prefix, acknowledged)
    log(f"  acknowledged writes in the database: {len(acknowledged) - len(missing)} of {len(acknowledged)}")
    if missing:
        failures.append(f"{len(missing)} acknowledged writes are missing, e.g. {missing[:3]}")
    if not acknowledged:
        failures.append("no write was acknowledged at all")


# --- a service to break -------------------------------------------------------------------------------


def seeded_service(database_url: str, instance: Path, workers: int, name: str) -> tuple[Gunicorn, str]:
    """Migrate, make an admin token, start gunicorn, and make sure the test village exists."""
    env = app_env(database_url, instance)
    flask(["db", "upgrade"], env)
    token = flask(["users", "create-token", "fault-admin", "--role", "admin", "--label", "fault", "--replace"], env)
    server = Gunicorn(env, workers=workers, log_path=OUTPUT / f"faults-{name}-gunicorn.log").start()
    client = Client(server.url, token.strip())
    for region in (COUNTY, TOWNSHIP, VILLAGE):
        status, answer = client.request("POST", "/api/v1/regions", region)
        if status not in (201, 409):
            server.stop()
            raise RuntimeError(f"could not create region {region['code']}: {status} {answer}")
    return server, token.strip()


@dataclass
class Verdict:
    name: str
    failures: list[str]

    def report(self) -> bool:
        if self.failures:
            for failure in self.failures:
                log(f"  FAIL: {failure}")
        log(f"==> {self.name}: {'FAILED' if self.failures else 'ok'}\n")
        return not self.failures


def run_under_load(
    name: str,
    database_url: str,
    instance: Path,
    fault: Callable[[Gunicorn], None],
    seconds: float,
    allowed: set[int | str],
    workers: int = 2,
    writers: int = 4,
) -> tuple[list[str], Outcomes]:
    """Load, fault at a third of the time, recovery, then the acknowledged writes checked."""
    failures: list[str] = []
    server, token = seeded_service(database_url, instance, workers, name)
    try:
        with Load(server.url, token, writers=writers) as load:
            time.sleep(seconds / 3)
            fault(server)
            recovered = wait_for_writes(server.url, token)
            time.sleep(seconds / 3)
        outcomes = load.outcomes
        log(f"  {outcomes.summary()}")
        if recovered is None:
            failures.append(f"writes did not succeed again within {RECOVERY_TIMEOUT_S} s")
        else:
            log(f"  writes answered again {recovered:.1f} s after the fault")
        bad = outcomes.server_errors(allowed)
        if bad:
            failures.append(f"answers that should not happen: {bad}")
        check_acknowledged(database_url, load.prefix, outcomes.acknowledged, failures)
    finally:
        server.stop()
    return failures, outcomes


# --- PostgreSQL restarted -----------------------------------------------------------------------------


def _as_postgres(args: list[str]) -> list[str]:
    """initdb and pg_ctl refuse to run as root: run them as the postgres user then."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    if not versions:
        raise RuntimeError(f"{name} not found: is PostgreSQL installed?")
    return str(versions[0] / name)


@contextmanager
def throwaway_cluster():
    """A PostgreSQL cluster of our own on a free port; its URL, and how to restart it."""
    folder = Path(tempfile.mkdtemp(prefix="jm-faults-pg-"))
    data = folder / "data"
    port = free_port()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    run = lambda args: subprocess.run(_as_postgres(args), check=True, capture_output=True, text=True)  # noqa: E731
    run([_pg_bin("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
    options = f"-p {port} -k {folder} -c listen_addresses={LOCAL_HOST} -c fsync=on"
    ctl = [_pg_bin("pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "server.log"), "-w"]
    run([*ctl, "start"])
    try:
        url = f"postgresql://postgres@{LOCAL_HOST}:{port}/postgres"
        yield url, lambda: run([*ctl, "-m", "fast", "restart"])
    finally:
        subprocess.run(_as_postgres([*ctl, "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def system_restart() -> None:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True, capture_output=True
    )


def pg_restart(args: argparse.Namespace) -> bool:
    log("==> pg-restart: PostgreSQL restarted while writes and reads run")
    instance = Path(tempfile.mkdtemp(prefix="jm-faults-"))

    def fault_with(restart: Callable[[], None]) -> Callable[[Gunicorn], None]:
        def fault(server: Gunicorn) -> None:
            started = time.monotonic()
            restart()
            log(f"  PostgreSQL restarted ({time.monotonic() - started:.1f} s)")

        return fault

    # 503 is the clean answer while the server is away; nothing else may reach a user.
    allowed: set[int | str] = {503}
    if args.system_cluster:
        failures, _ = run_under_load(
            "pg-restart", args.database_url, instance, fault_with(system_restart), args.seconds, allowed
        )
    else:
        with throwaway_cluster() as (url, restart):
            log(f"  throwaway cluster at {url}")
            failures, _ = run_under_load("pg-restart", url, instance, fault_with(restart), args.seconds, allowed)
    shutil.rmtree(instance, ignore_errors=True)
    return Verdict("pg-restart", failures).report()


# --- a worker killed ---------------------------------------------------------------------------------


def kill_worker(args: argparse.Namespace) -> bool:
    instance = Path(tempfile.mkdtemp(prefix="jm-faults-"))
    database_url = args.database_url or "sqlite:///" + str(instance / "faults.sqlite3")
    log(f"==> kill-worker: a gunicorn worker killed with SIGKILL under load ({database_url.split(':')[0]})")
    seen: dict[str, list[int]] = {}

    def fault(server: Gunicorn) -> None:
        before = server.worker_pids()
        victim = before[0]
        os.kill(victim, 9)
        log(f"  killed worker {victim} (workers were {before})")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            now = server.worker_pids()
            if victim not in now and len(now) == len(before):
                break
            time.sleep(0.1)
        seen["before"], seen["after"] = before, server.worker_pids()
        log(f"  workers now {seen['after']}")

    # Only requests in flight on the killed worker may fail, as a dropped connection.
    allowed = {"connection: RemoteDisconnected", "connection: ConnectionResetError", 502}
    failures, outcomes = run_under_load("kill-worker", database_url, instance, fault, args.seconds, allowed, workers=3)
    before, after = seen.get("before", []), seen.get("after", [])
    if len(after) != len(before) or set(after) == set(before):
        failures.append(f"the killed worker was not replaced: before {before}, after {after}")
    dropped = sum(n for status, n in outcomes.write_status.items() if isinstance(status, str))
    if dropped > args.writers_per_fault:
        failures.append(f"{dropped} writes lost their connection: more than the requests in flight")
    shutil.rmtree(instance, ignore_errors=True)
    return Verdict("kill-worker", failures).report()


# --- SQLite: several workers writing ----------------------------------------------------------------


def sqlite_writers(args: argparse.Namespace) -> bool:
    log("==> sqlite-writers: four gunicorn workers, eight clients writing at once on one SQLite file")
    instance = Path(tempfile.mkdtemp(prefix="jm-faults-"))
    database_url = "sqlite:///" + str(instance / "faults.sqlite3")
    failures, outcomes = run_under_load(
        "sqlite-writers",
        database_url,
        instance,
        lambda server: log(f"  {len(server.worker_pids())} workers writing"),
        args.seconds,
        allowed=set(),
        workers=4,
        writers=8,
    )
    if any("database_busy" in code for code in outcomes.problem_codes):
        failures.append("a user was told the database is busy (locked)")
    failures += integrity(database_url)
    shutil.rmtree(instance, ignore_errors=True)
    return Verdict("sqlite-writers", failures).report()


def integrity(database_url: str) -> list[str]:
    engine = sa.create_engine(database_url, poolclass=NullPool)
    with engine.connect() as conn:
        result = conn.exec_driver_sql("PRAGMA integrity_check").scalar()
    engine.dispose()
    log(f"  PRAGMA integrity_check: {result}")
    return [] if result == "ok" else [f"integrity_check says {result}"]


# --- SQLite: the disk full ---------------------------------------------------------------------------


@contextmanager
def small_disk(size_mb: int):
    """A tmpfs of size_mb (needs root and mount), removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="jm-faults-disk-"))
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(folder)], capture_output=True)
    if done.returncode != 0:
        folder.rmdir()
        raise RuntimeError(f"cannot mount a tmpfs (root needed): {done.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def fill(folder: Path) -> Path:
    """Fill the file system to the last byte; the filler's path."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 20, 1 << 16, 1 << 12, 512, 1):
            block = b"\0" * size
            try:
                while os.write(fd, block):
                    pass
            except OSError:
                continue
    finally:
        os.close(fd)
    return filler


def write_until_refused(client: Client, prefix: str, acknowledged: list[str], timeout: float):
    """Create households one by one until a write is refused; (status, answer, writes that fit).

    A full file system does not refuse the next write at once: SQLite's WAL reuses the pages it
    already holds and the database file may have free pages, so how many writes still fit is
    unknown. Each accepted write is acknowledged like any other (it must be in the database).
    """
    started = time.monotonic()
    fitted = 0
    while time.monotonic() - started < timeout:
        code = f"{prefix}{fitted + 1:06d}"
        status, answer = client.request(
            "POST", "/api/v1/households", {"code": code, "village_code": VILLAGE["code"], "category": "other"}
        )
        if not 200 <= status < 300:
            return status, answer, fitted
        acknowledged.append(code)
        fitted += 1
    return None, f"every write for {timeout:.0f} s succeeded on the full disk", fitted


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    """Poll until condition() holds; False if it never did within timeout."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def sqlite_disk_full(args: argparse.Namespace) -> bool:
    log("==> sqlite-disk-full: the SQLite database's disk fills up under writes")
    failures: list[str] = []
    probe_prefix = "P" + uuid.uuid4().hex[:8].upper()
    probed: list[str] = []
    with small_disk(args.disk_mb) as disk:
        instance = disk / "instance"
        database_url = "sqlite:///" + str(disk / "full.sqlite3")
        server, token = seeded_service(database_url, instance, workers=2, name="sqlite-disk-full")
        client = Client(server.url, token)
        try:
            with Load(server.url, token, writers=2, readers=1) as load:
                time.sleep(args.seconds / 4)
                filler = fill(disk)
                log(f"  disk filled: {shutil.disk_usage(disk).free} bytes free")
                status, answer, fitted = write_until_refused(client, probe_prefix, probed, args.full_timeout)
                write = (status, answer)
                log(f"  writes that still fitted on the full disk: {fitted}")
                # The writers under load meet the full disk too (they write all the time), then run on it a while.
                if not wait_until(lambda: load.outcomes.problem_codes.get("503 storage_full"), args.full_timeout):
                    failures.append("no writer saw 503 storage_full while the disk was full")
                time.sleep(args.seconds / 4)
                read = client.request("GET", f"/api/v1/households?region={VILLAGE['code']}&per_page=5")
                filler.unlink()
                log("  space freed")
                recovered = wait_for_writes(server.url, token)
            outcomes = load.outcomes
            log(f"  {outcomes.summary()}")
            log(f"  the first refused write on the full disk: {write[0]} {_problem(write[1])}")
            log(f"  a read on the full disk: {read[0]}")
            if write[0] != 503 or not isinstance(write[1], dict) or write[1].get("code") != "storage_full":
                failures.append(f"a write on the full disk answered {write[0]} {_problem(write[1])}, not 503")
            elif not (write[1].get("title_zh") and write[1].get("title")):
                failures.append("the 503 lacks its Chinese or English title")
            if read[0] != 200:
                failures.append(f"a read on the full disk answered {read[0]}")
            if recovered is None:
                failures.append("writes did not work again after space was freed")
            else:
                log(f"  writes answered again {recovered:.1f} s after space was freed")
            bad = outcomes.server_errors({503})
            if bad:
                failures.append(f"answers other than a clean 503: {bad}")
            check_acknowledged(database_url, load.prefix, outcomes.acknowledged, failures)
            missing = missing_writes(database_url, probe_prefix, probed)
            if missing:
                failures.append(f"{len(missing)} writes acknowledged on the full disk are missing, e.g. {missing[:3]}")
        finally:
            server.stop()
        failures += integrity(database_url)
    return Verdict("sqlite-disk-full", failures).report()


def _problem(body) -> str:
    if isinstance(body, dict):
        return f"{body.get('code', '')} «{body.get('title_zh', '')} / {body.get('title', '')}»"
    return str(body)[:120]


# --- command line ------------------------------------------------------------------------------------

FAULTS = {
    "pg-restart": pg_restart,
    "kill-worker": kill_worker,
    "sqlite-writers": sqlite_writers,
    "sqlite-disk-full": sqlite_disk_full,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fault", choices=[*FAULTS, "all"])
    parser.add_argument("--seconds", type=float, default=15, help="load around each fault")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("FAULTS_DATABASE_URL"),
        help="kill-worker (default: a SQLite file) and pg-restart --system-cluster",
    )
    parser.add_argument("--system-cluster", action="store_true", help="pg-restart: restart the machine's cluster")
    parser.add_argument("--disk-mb", type=int, default=24, help="sqlite-disk-full: size of the tmpfs")
    parser.add_argument(
        "--full-timeout",
        type=float,
        default=300,
        help="sqlite-disk-full: seconds of writes on the full disk before giving up waiting for a refused one",
    )
    args = parser.parse_args(argv)
    args.writers_per_fault = 4
    if args.system_cluster and not args.database_url:
        parser.error("--system-cluster needs --database-url")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    names = list(FAULTS) if args.fault == "all" else [args.fault]
    results = {name: FAULTS[name](args) for name in names}
    log("summary: " + ", ".join(f"{name} {'ok' if ok else 'FAILED'}" for name, ok in results.items()))
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())

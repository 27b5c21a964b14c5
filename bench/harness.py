"""What the load test and the fault scripts share: a prepared database and gunicorn on 127.0.0.1.

- `app_env()`: the environment the service and the `flask` commands run with (a database URL
  and an instance folder of their own, so a run never touches `instance/`).
- `prepare()`: migrate, load the demo county if the database is empty, train the ranker once.
- `Gunicorn`: start the service on a free local port, wait until it answers, list its workers,
  stop it.
- `Client`: a small thread-safe HTTP client (standard library) for the fault scripts.

Run the scripts with the project's virtualenv: `.venv/bin/python bench/...`.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
OUTPUT = ROOT / "bench" / "output"
LOCAL_HOST = "127.0.0.1"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/jm_load"


def log(message: str) -> None:
    print(message, flush=True)


def app_env(database_url: str, instance: Path, **extra: str) -> dict[str, str]:
    """The service's environment: its own database and instance folder (data key, ranker files)."""
    instance.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(
        FLASK_APP="wsgi",
        DATABASE_URL=database_url,
        JOBMATCH_INSTANCE=str(instance),
        JOBMATCH_MODELS_DIR=str(instance / "models"),
        JOBMATCH_ENV="development",
        PYTHONPATH=str(ROOT),
    )
    env.pop("REDIS_URL", None)
    env.update(extra)
    return env


def flask(args: list[str], env: dict[str, str]) -> str:
    """Run a `flask` command of the service; its output, or an error with it."""
    done = subprocess.run([str(BIN / "flask"), *args], env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def reset_database(database_url: str) -> None:
    """An empty database: the SQLite file removed, or PostgreSQL's public schema dropped."""
    if database_url.startswith("sqlite:///"):
        path = Path(database_url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    url = database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = sa.create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def create_database(database_url: str) -> None:
    """Create the PostgreSQL database if the server does not have it yet."""
    if not database_url.startswith("postgres"):
        return
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    url = make_url(database_url).set(drivername="postgresql+psycopg")
    admin = sa.create_engine(url.set(database="postgres"), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}).first()
        if exists is None:
            conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()


def prepare(database_url: str, instance: Path, fresh: bool = False) -> dict[str, str]:
    """Migrate, load the demo county into an empty database, train a ranker; the environment to use."""
    create_database(database_url)
    if fresh:
        reset_database(database_url)
        shutil.rmtree(instance, ignore_errors=True)
    env = app_env(database_url, instance)
    started = time.monotonic()
    flask(["db", "upgrade"], env)
    loaded = flask(["demo", "load", "--if-empty"], env).strip().splitlines()
    flask(["ranker", "train", "--promote", "--if-none"], env)
    log(f"  database ready in {time.monotonic() - started:.0f} s: {loaded[-1] if loaded else ''}")
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOCAL_HOST, 0))
        return s.getsockname()[1]


# The load test's single address stands for a county's hundreds of phones: login limits stay off there.
NO_LOGIN_LIMITS = 'jobmatch:create_app({"RATELIMIT_ENABLED": False})'


class Gunicorn:
    """The service under gunicorn on 127.0.0.1, as in production (no access log: it would cost the load test)."""

    def __init__(
        self,
        env: dict[str, str],
        workers: int = 2,
        threads: int = 1,
        app: str = "wsgi:app",
        port: int | None = None,
        log_path: Path | None = None,
        extra_args: list[str] | None = None,
        root: Path = ROOT,
        ready_path: str = "/login",
    ) -> None:
        self.root = root
        self.ready_path = ready_path
        self.env = env if root == ROOT else env | {"PYTHONPATH": str(root)}
        self.workers = workers
        self.threads = threads
        self.app = app
        self.port = port or free_port()
        self.log_path = log_path or OUTPUT / f"gunicorn-{self.port}.log"
        self.extra_args = extra_args or []
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{LOCAL_HOST}:{self.port}"

    def start(self, ready_timeout: float = 120.0) -> Gunicorn:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        args = [
            str(BIN / "gunicorn"),
            self.app,
            "--bind",
            f"{LOCAL_HOST}:{self.port}",
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--graceful-timeout",
            "10",
            *self.extra_args,
        ]
        self._log = open(self.log_path, "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(args, env=self.env, cwd=self.root, stdout=self._log, stderr=subprocess.STDOUT)
        self.wait_ready(ready_timeout)
        return self

    def wait_ready(self, timeout: float = 120.0) -> None:
        """Until /login answers 200 (no dependency on a health route)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}); see {self.log_path}")
            try:
                if Client(self.url).request("GET", self.ready_path, timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s; see {self.log_path}")

    def worker_pids(self) -> list[int]:
        """The worker processes (children of the arbiter)."""
        if self.process is None:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        self.process = None

    def __enter__(self) -> Gunicorn:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class Client:
    """A tiny HTTP client for the fault scripts: one connection per call, JSON in and out."""

    def __init__(self, base_url: str, token: str | None = None) -> None:
        host_port = base_url.removeprefix("http://")
        self.host, _, port = host_port.partition(":")
        self.port = int(port or 80)
        self.token = token

    def request(
        self, method: str, path: str, body: dict | None = None, timeout: float = 30.0
    ) -> tuple[int, dict | str | None]:
        """(status, JSON body or text); raises OSError when the connection fails."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            conn.request(method, path, body=payload, headers=headers)
            response = conn.getresponse()
            raw = response.read()
            kind = response.getheader("Content-Type", "")
        finally:
            conn.close()
        if "json" in kind:
            return response.status, json.loads(raw)
        return response.status, raw.decode(errors="replace")

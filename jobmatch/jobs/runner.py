"""Which queue carries the jobs, who runs them, and how a job reports its progress.

The queue is Huey (huey 3.5, MIT, kept since 2011): one small library whose storage is a SQLite file
(SqliteHuey, the embedded default: nothing to install, a file under instance/) or Redis (RedisHuey,
chosen when REDIS_URL is set: the Redis production already runs for shared rate limits), with the same
code for both. Celery, RQ and Dramatiq each need a broker running even on a laptop; Huey needs none.

Huey carries only "run job N". What a page reads lives in the `jobs` table (state, done/total, message,
result, error, who started it, county), so a job's progress survives a page reload, a worker restart
and any number of app servers.

The consumer is a thread in each web worker, started with the first request the worker serves (as the
daily alert schedule is): `make run` (gunicorn) and a bare `gunicorn wsgi:app` run jobs with no extra
process to start. Every consumer takes tasks off the one queue (a SQLite delete in one transaction, or a
Redis pop), so each job runs once. Tests run jobs in Huey's immediate mode: a job runs within the
request that starts it, to its end, deterministically.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app, g
from huey import MemoryHuey, RedisHuey, SqliteHuey

from jobmatch import crypto
from jobmatch.errors import NotFound, Problem
from jobmatch.extensions import db
from jobmatch.jobs.models import DONE, FAILED, QUEUED, RUNNING, Job, JobFile
from jobmatch.modelbase import utcnow

logger = logging.getLogger(__name__)

# How long an idle consumer waits before it looks at the queue again (a new job starts within this).
POLL_S = 1.0
# Progress is written when the whole percent changes or the message does: a few dozen writes per job.
MESSAGE_LENGTH = 200
# A running job whose heartbeat is older than this lost its worker (the process was killed or restarted):
# it is failed when read or by the sweep. Every kind reports progress far more often (training: each
# candidate, proposals and imports: each batch); JOBS_HEARTBEAT_LIMIT_S overrides.
HEARTBEAT_LIMIT_S = 300
# Progress that changes nothing on the page still beats the heart this often.
HEARTBEAT_EVERY_S = 15
# Each consumer fails jobs whose worker stopped, and removes old files, this often.
SWEEP_EVERY_S = 60
# Files a job read or made (uploaded rosters, exports, reports) are kept this long, then removed.
FILES_KEPT_HOURS = 24
# The files a job's reader may download (an uploaded roster is not handed back).
DOWNLOADS = frozenset({"report", "export"})


@dataclass(frozen=True)
class JobKind:
    """Work that can run in the background: run(params, progress) returns the result (a JSON object)."""

    name: str
    title_zh: str
    title_en: str
    run: Callable[[dict, Progress], dict]


KINDS: dict[str, JobKind] = {}


def register(name: str, title_zh: str, title_en: str):
    """Decorator: make a function a kind of background job."""

    def decorator(run: Callable[[dict, Progress], dict]):
        KINDS[name] = JobKind(name, title_zh, title_en, run)
        return run

    return decorator


class Progress:
    """What a running job calls to say how far it is: progress(done, total, zh, en).

    Written at once on a connection of its own (not in the job's transaction), so the page sees it while
    the job still works; at most once per whole percent or new message.
    """

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.last: tuple | None = None
        self.beat = time.monotonic()

    def __call__(self, done: int, total: int, zh: str | None = None, en: str | None = None) -> None:
        percent = int(100 * done / total) if total else 0
        key = (percent, zh, en)
        if key == self.last and time.monotonic() - self.beat < HEARTBEAT_EVERY_S:
            return
        self.last, self.beat = key, time.monotonic()
        now = utcnow()
        values = {"done": done, "total": total, "updated_at": now, "heartbeat_at": now}
        if zh is not None:
            values.update(message_zh=zh[:MESSAGE_LENGTH], message_en=(en or zh)[:MESSAGE_LENGTH])
        with db.engine.begin() as conn:
            conn.execute(sa.update(Job.__table__).where(Job.__table__.c.id == self.job_id).values(**values))


def start(kind: str, params: dict, county_id: int | None = None) -> Job:
    """Record a job for the current user and put it on the queue; the job as it stands after (immediate: done)."""
    if kind not in KINDS:
        raise KeyError(kind)
    job = Job(kind=kind, params=params, county_id=county_id, message_zh="排队等待", message_en="Waiting in the queue")
    db.session.add(job)
    return enqueue(job)


def enqueue(job: Job) -> Job:
    """Commit a new job (with whatever was added beside it) and put it on the queue."""
    db.session.commit()
    current_app.extensions["jobs"].enqueue(job.id)
    db.session.expire(job)
    return job


def visible(job_id: int) -> Job:
    """A job the current user may read: their own, any in their county for bureau staff, any for an admin."""
    job = db.session.get(Job, job_id)
    user = g.get("user")
    if job is None or user is None:
        raise NotFound("Job", "任务")
    if user.role.value == "admin" or job.created_by_id == user.id:
        return checked(job)
    scope = g.get("scope")
    if user.role.value == "bureau" and scope is not None and job.county_id in scope.county_ids:
        return checked(job)
    raise NotFound("Job", "任务")


def latest(*kinds: str) -> Job | None:
    """The current user's latest job of these kinds (a page shows it again after a reload)."""
    user = g.get("user")
    if user is None:
        return None
    job = db.session.scalars(
        sa.select(Job).where(Job.kind.in_(kinds), Job.created_by_id == user.id).order_by(Job.id.desc()).limit(1)
    ).first()
    return checked(job) if job is not None else None


# --- a worker that stopped -----------------------------------------------------------------------------


def heartbeat_limit() -> timedelta:
    return timedelta(seconds=current_app.config.get("JOBS_HEARTBEAT_LIMIT_S", HEARTBEAT_LIMIT_S))


def worker_stopped_error() -> tuple[str, str]:
    minutes = max(1, round(heartbeat_limit().total_seconds() / 60))
    return (
        f"执行任务的后台进程已停止（超过 {minutes} 分钟没有进度），请重新开始",
        f"worker stopped: no progress for over {minutes} min; start the job again",
    )


def fail_stale(job_id: int | None = None) -> int:
    """Fail running jobs (one, or all) whose heartbeat is older than the limit; how many were failed.

    One conditional UPDATE on a connection of its own: a worker that is alive and beats at the same
    moment keeps its job, and two app servers sweeping at once fail each job once.
    """
    now = utcnow()
    cutoff = now - heartbeat_limit()
    table = Job.__table__
    beat = sa.func.coalesce(table.c.heartbeat_at, table.c.started_at, table.c.created_at)
    zh, en = worker_stopped_error()
    query = sa.update(table).where(table.c.state == RUNNING, beat < cutoff)
    if job_id is not None:
        query = query.where(table.c.id == job_id)
    values = {
        "state": FAILED,
        "finished_at": now,
        "updated_at": now,
        "error_zh": zh,
        "error_en": en,
        "message_zh": "失败",
        "message_en": "Failed",
    }
    with db.engine.begin() as conn:
        failed = conn.execute(query.values(**values)).rowcount
    if failed:
        logger.warning("jobs: %s running job(s) failed: no heartbeat for %s", failed, heartbeat_limit())
    return failed


def checked(job: Job) -> Job:
    """The job as it stands, failed first if it is running and its worker stopped."""
    beat = job.heartbeat_at or job.started_at or job.created_at
    if job.state == RUNNING and beat is not None and beat < utcnow() - heartbeat_limit():
        if fail_stale(job.id):
            db.session.refresh(job)
    return job


def sweep() -> dict:
    """Fail every running job whose worker stopped, and remove files older than FILES_KEPT_HOURS."""
    failed = fail_stale()
    cutoff = utcnow() - timedelta(hours=current_app.config.get("JOBS_FILES_KEPT_HOURS", FILES_KEPT_HOURS))
    with db.engine.begin() as conn:
        removed = conn.execute(sa.delete(JobFile.__table__).where(JobFile.__table__.c.created_at < cutoff)).rowcount
    return {"failed": failed, "files_removed": removed}


# --- files ---------------------------------------------------------------------------------------------


def save_file(job_id: int, name: str, filename: str, mimetype: str, data: bytes) -> JobFile:
    """Keep a file for a job (sealed with the data key); committed."""
    row = JobFile(
        job_id=job_id, name=name, filename=filename, mimetype=mimetype, size=len(data), content=crypto.seal(data)
    )
    db.session.add(row)
    db.session.commit()
    return row


def file_of(job: Job, name: str) -> JobFile | None:
    return db.session.scalars(sa.select(JobFile).where(JobFile.job_id == job.id, JobFile.name == name)).first()


def read_file(job: Job, name: str) -> tuple[JobFile, bytes]:
    """A job's file and its bytes; 404 when it was never made or has been removed."""
    row = file_of(job, name)
    if row is None:
        raise NotFound("File", "文件")
    return row, crypto.unseal(row.content)


def remove_file(job: Job, name: str) -> None:
    """Remove a job's file now (an imported upload); committed."""
    db.session.execute(sa.delete(JobFile).where(JobFile.job_id == job.id, JobFile.name == name))
    db.session.commit()


def files_of(job: Job) -> list[JobFile]:
    """A job's files (their content is read only when one is downloaded)."""
    return list(db.session.scalars(sa.select(JobFile).where(JobFile.job_id == job.id).order_by(JobFile.id)))


def status(job: Job, message: Callable[[dict], str]) -> dict:
    """The job as the progress bar polls it; messages in the page's language through `message`."""
    return {
        "id": job.id,
        "kind": job.kind,
        "state": job.state,
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "finished": job.finished,
        "message": message({"zh": job.message_zh, "en": job.message_en}),
        "error": message({"zh": job.error_zh, "en": job.error_en}) if job.state == FAILED else None,
    }


# --- running -------------------------------------------------------------------------------------------

FAILED_UNEXPECTEDLY = (
    "任务出错，已记入日志；请重试，或告知系统管理员",
    "The job failed and was logged; try again or tell the administrator",
)


def describe(error: Exception) -> tuple[str, str]:
    """A failure in Chinese and English: the service's own messages, or a plain one for a fault."""
    if isinstance(error, Problem):
        if error.errors:
            return "；".join(e.zh for e in error.errors), "; ".join(e.en for e in error.errors)
        return error.title_zh, error.title_en
    zh, en = getattr(error, "zh", None), getattr(error, "en", None)
    if zh and en:
        return zh, en
    return FAILED_UNEXPECTEDLY


def execute(app: Flask, job_id: int) -> None:
    """Run one queued job to its end in an app context of its own, acting as the user who started it."""
    from jobmatch.accounts.models import User
    from jobmatch.accounts.scope import set_current_user

    with app.app_context():
        job = db.session.get(Job, job_id)
        if job is None or job.state != QUEUED:
            return
        kind = KINDS.get(job.kind)
        job.state, job.started_at = RUNNING, utcnow()
        job.heartbeat_at = job.started_at
        job.message_zh, job.message_en = "正在运行", "Running"
        db.session.commit()
        starter = db.session.get(User, job.created_by_id) if job.created_by_id else None
        if starter is not None:
            set_current_user(starter)
        params = dict(job.params or {})
        try:
            if kind is None:
                raise LookupError(f"no job kind {job.kind}")
            result = kind.run(params, Progress(job_id))
        except Exception as error:
            db.session.rollback()
            zh, en = describe(error)
            if (zh, en) == FAILED_UNEXPECTEDLY:
                logger.exception("job %s (%s) failed", job_id, job.kind)
            _finish(job_id, FAILED, error_zh=zh, error_en=en, message_zh="失败", message_en="Failed")
        else:
            _finish(job_id, DONE, result=result, message_zh="完成", message_en="Done")


def _finish(job_id: int, state: str, **values) -> None:
    job = db.session.get(Job, job_id)
    job.state, job.finished_at = state, utcnow()
    if state == DONE and job.total:
        job.done = job.total
    for name, value in values.items():
        setattr(job, name, value)
    db.session.commit()


# --- the queue -----------------------------------------------------------------------------------------


class Runner:
    """This app's queue (Huey) and its consumer thread."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.huey = make_huey(app)
        self.task = self.huey.task(name="jobmatch.run_job")(lambda job_id: execute(app, job_id))
        self.stop = threading.Event()
        self.threads: dict[int, threading.Thread] = {}
        self.next_sweep = 0.0

    def enqueue(self, job_id: int) -> None:
        self.task(job_id)

    def work_once(self) -> bool:
        """Take one task off the queue and run it; False when the queue was empty."""
        task = self.huey.dequeue()
        if task is None:
            return False
        self.huey.execute(task)
        return True

    def sweep_now_and_then(self) -> None:
        """Fail jobs whose worker stopped and remove old files, at most once per SWEEP_EVERY_S."""
        if time.monotonic() < self.next_sweep:
            return
        self.next_sweep = time.monotonic() + SWEEP_EVERY_S
        with self.app.app_context():
            sweep()

    def _consume(self) -> None:
        while not self.stop.is_set():
            try:
                self.sweep_now_and_then()
                if not self.work_once():
                    self.stop.wait(self.app.config.get("JOBS_POLL_S", POLL_S))
            except Exception:  # the queue unreachable for a moment: the worker keeps serving
                logger.exception("job queue: retrying in %s s", POLL_S)
                self.stop.wait(POLL_S)

    def ensure_consumer(self) -> None:
        """Start this process's consumer thread (once per process: gunicorn forks after the app is built)."""
        thread = self.threads.get(os.getpid())
        if thread is None or not thread.is_alive():
            thread = threading.Thread(target=self._consume, name="job-consumer", daemon=True)
            self.threads[os.getpid()] = thread
            thread.start()

    def shutdown(self) -> None:
        self.stop.set()
        for thread in self.threads.values():
            thread.join(timeout=30)


def make_huey(app: Flask):
    """JOBS_QUEUE: immediate (tests), memory, sqlite (default) or redis (default when REDIS_URL is set)."""
    kind = app.config["JOBS_QUEUE"]
    if kind == "immediate":
        return MemoryHuey("jobmatch", immediate=True, results=False)
    if kind == "memory":
        return MemoryHuey("jobmatch", results=False)
    if kind == "redis":
        return RedisHuey("jobmatch", url=app.config["REDIS_URL"], results=False)
    path = Path(app.config.get("JOBS_SQLITE_PATH") or Path(app.instance_path) / "jobs.sqlite3")
    return SqliteHuey("jobmatch", filename=str(path), results=False)


def init_app(app: Flask) -> None:
    app.config.setdefault(
        "JOBS_QUEUE", "immediate" if app.testing else ("redis" if app.config.get("REDIS_URL") else "sqlite")
    )
    app.config.setdefault("JOBS_CONSUMER", not app.testing and app.config["JOBS_QUEUE"] != "immediate")
    runner = Runner(app)
    app.extensions["jobs"] = runner
    if app.config["JOBS_CONSUMER"]:

        @app.before_request
        def _ensure_consumer() -> None:
            runner.ensure_consumer()


def runner_of(app: Flask) -> Runner:
    return app.extensions["jobs"]


__all__ = ["DONE", "FAILED", "QUEUED", "RUNNING", "Job", "JobFile", "Progress", "register", "start", "sweep", "visible"]

"""The alert rules run themselves once a day: a thread in each worker checks, the database decides who runs.

Every SCHEDULE_CHECK_S seconds each worker process asks whether today's run exists (one indexed read); the
first to insert today's row runs the rules (service.run_daily), every other worker and server skips. The
thread starts with the first request a worker serves, so it lives in the worker (not in a gunicorn master
that forks) and a service nobody uses stays idle. A county runs no cron.
"""

from __future__ import annotations

import logging
import os
import threading

import sqlalchemy as sa
from flask import Flask

from jobmatch.extensions import db
from jobmatch.monitoring.models import AlertRun
from workshops.settings import today as china_today

logger = logging.getLogger(__name__)

# How often a worker checks whether today's run happened (a new day starts within this many seconds).
SCHEDULE_CHECK_S = 600.0


def tick(app: Flask) -> AlertRun | None:
    """Run today's alert rules unless a run for today exists; the run, or None when there was nothing to do."""
    with app.app_context():
        today = china_today()
        if db.session.execute(sa.select(AlertRun.id).where(AlertRun.day == today)).first() is not None:
            return None
        from jobmatch.monitoring import service

        return service.run_daily("schedule", today)


def _loop(app: Flask, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            tick(app)
        except Exception:  # a failed run is retried at the next check; the worker keeps serving
            logger.exception("daily alert run failed; retrying in %s s", SCHEDULE_CHECK_S)
        stop.wait(app.config.get("ALERT_SCHEDULE_CHECK_S", SCHEDULE_CHECK_S))


def start(app: Flask) -> threading.Thread:
    """Start this process's checking thread (once per app and process)."""
    state = app.extensions.setdefault("alert_schedule", {})
    thread = state.get(os.getpid())
    if thread is None or not thread.is_alive():
        stop = state.setdefault("stop", threading.Event())
        thread = threading.Thread(target=_loop, args=(app, stop), name="alert-schedule", daemon=True)
        state[os.getpid()] = thread
        thread.start()
    return thread


def stop(app: Flask) -> None:
    """Stop the checking threads of this app (tests, shutdown)."""
    state = app.extensions.get("alert_schedule", {})
    if "stop" in state:
        state["stop"].set()
    for thread in list(state.values()):
        if isinstance(thread, threading.Thread):
            thread.join(timeout=30)


def init_app(app: Flask) -> None:
    """On in development and production unless ALERT_SCHEDULE is false; tests call `tick` or turn it on."""
    if not app.config.get("ALERT_SCHEDULE", not app.testing):
        return

    @app.before_request
    def _ensure_schedule() -> None:
        state = app.extensions.get("alert_schedule")
        if state is None or os.getpid() not in state:
            start(app)

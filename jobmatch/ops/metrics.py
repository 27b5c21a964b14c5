"""Prometheus metrics: requests by route and status, latencies, match latency, the serving ranker.

Each gunicorn worker is a process of its own. With PROMETHEUS_MULTIPROC_DIR set (an
empty directory, emptied at every start) the workers write their counts there and
/metrics adds them up across workers; without it each process counts alone, which
is right for one process (`flask run`, tests).
"""

from __future__ import annotations

import os
import time

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

# Seconds; the API aims at 30 ms per match and 100 ms at p95 under load.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter(
    "jobmatch_http_requests_total",
    "HTTP requests answered, by route rule (never the raw path) and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "jobmatch_http_request_duration_seconds",
    "Time to answer an HTTP request, by route rule.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
MATCH_LATENCY = Histogram(
    "jobmatch_match_duration_seconds",
    "Time to answer a match request: laborer → openings, or opening → laborers.",
    ["direction"],
    buckets=LATENCY_BUCKETS,
)
# 1 for the version each live worker serves (the prior until a trained ranker is promoted).
RANKER = Gauge(
    "jobmatch_ranker_serving",
    "The ranker version serving matches (1) in at least one live worker.",
    ["version"],
    multiprocess_mode="livemax",
)

# The match routes, and the direction each answers.
MATCH_ENDPOINTS = {
    "matches_api.laborer_matches": "laborer_to_openings",
    "matches_api.opening_matches": "opening_to_laborers",
}
UNMATCHED_ROUTE = "(unmatched)"

_serving_version: str | None = None


def ranker_serving(version: str) -> None:
    """Record the ranker version this process serves (called when it loads one)."""
    global _serving_version
    if version == _serving_version:
        return
    if _serving_version is not None:
        RANKER.labels(version=_serving_version).set(0)
    RANKER.labels(version=version).set(1)
    _serving_version = version


# The series each (method, route, status) answered so far writes to: asking prometheus_client for them by their
# labels on every request (a lock, the labels checked and joined) cost more than counting. Bounded by the routes.
_series: dict[tuple[str, str, int], tuple] = {}


def _series_of(method: str, route: str, status: int, endpoint: str | None) -> tuple:
    found = _series.get((method, route, status))
    if found is None:
        direction = MATCH_ENDPOINTS.get(endpoint or "") if status == 200 else None
        found = _series[(method, route, status)] = (
            REQUESTS.labels(method, route, str(status)),
            LATENCY.labels(method, route),
            MATCH_LATENCY.labels(direction) if direction else None,
        )
    return found


def _start() -> None:
    g.request_started = time.perf_counter()


def _observe(response: Response) -> Response:
    started = g.pop("request_started", None)
    if started is None:
        return response
    elapsed = time.perf_counter() - started
    rule = request.url_rule
    route = rule.rule if rule is not None else UNMATCHED_ROUTE
    requests, latency, matches = _series_of(request.method, route, response.status_code, request.endpoint)
    requests.inc()
    latency.observe(elapsed)
    if matches is not None:
        matches.observe(elapsed)
    return response


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus text format: every worker's when they share a directory."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def child_exit(server, worker) -> None:
    """gunicorn hook (gunicorn.conf.py): a worker that exits stops counting as live."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(worker.pid)


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_observe)

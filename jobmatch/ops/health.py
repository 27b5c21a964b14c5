"""Liveness (/healthz), readiness (/readyz) and Prometheus metrics (/metrics)."""

from __future__ import annotations

import ipaddress

import sqlalchemy as sa
from apiflask import APIBlueprint
from flask import Response, request

from jobmatch import datakey
from jobmatch.api.problems import problem_response
from jobmatch.extensions import db
from jobmatch.ops import metrics

bp = APIBlueprint("ops", __name__, enable_openapi=False)


@bp.get("/healthz")
def healthz():
    """Liveness: the process answers (the database is not touched)."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """Readiness: the database answers, the data key reads its data and a ranker is loaded (503 otherwise)."""
    from jobmatch.matches.service import serving_model

    checks: dict = {}
    ready = True
    try:
        db.session.execute(sa.text("SELECT 1"))
        checks["database"] = "ok"
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        checks["database"] = f"unreachable: {type(exc).__name__}"
        ready = False
    if ready:
        # A worker whose data key cannot read the stored ID numbers and phones would fail every laborer read.
        try:
            matches = datakey.status() == datakey.MATCHES
            checks["data_key"] = "ok" if matches else "does not match the data / 数据密钥与数据不匹配"
            ready = matches
        except sa.exc.SQLAlchemyError as exc:
            db.session.rollback()
            checks["data_key"] = f"not checked: {type(exc).__name__}"
            ready = False
    try:
        version = serving_model().version
        metrics.ranker_serving(version)
        checks["ranker"] = "ok"
        checks["model_version"] = version
    except Exception as exc:  # a model file that cannot load: not ready, and say why
        checks["ranker"] = f"not loaded: {type(exc).__name__}"
        ready = False
    return {"status": "ok" if ready else "unavailable", **checks}, 200 if ready else 503


def _may_read_metrics() -> bool:
    """From this machine (a scraper beside the service, not through a proxy), or with an admin's token."""
    remote = request.remote_addr or ""
    try:
        local = ipaddress.ip_address(remote).is_loopback
    except ValueError:
        local = False
    if local and "X-Forwarded-For" not in request.headers and "Forwarded" not in request.headers:
        return True
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return False
    from jobmatch.accounts.tokens import user_for_token
    from jobmatch.vocab import Role

    user = user_for_token(header.removeprefix("Bearer ").strip())
    return user is not None and user.role == Role.admin


@bp.get("/metrics")
def prometheus_metrics():
    """Prometheus metrics (text format), for local scrapers and admins."""
    if not _may_read_metrics():
        return problem_response(403, "Forbidden", "无权进行此操作")
    from jobmatch.matches.service import serving_model

    try:
        metrics.ranker_serving(serving_model().version)
    except Exception:  # the gauge keeps the last version; /readyz reports the failure
        pass
    body, content_type = metrics.exposition()
    return Response(body, content_type=content_type)

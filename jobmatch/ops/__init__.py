"""Running the service: health checks, Prometheus metrics, structured logs, backups."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from jobmatch.ops import logs, metrics
    from jobmatch.ops.health import bp

    logs.init_app(app)
    metrics.init_app(app)
    app.register_blueprint(bp)

"""Structured logs: one JSON object per line, with the request it belongs to and no personal data.

LOG_FORMAT=json (the default when JOBMATCH_ENV=production) writes every log record as
JSON to stderr and adds one line per request: method, route rule (never the path's
query string), status, duration and the caller's user id. LOG_FORMAT=text keeps the
human-readable lines (`make run`, where gunicorn's access log shows the requests).

What a line may carry is chosen here: no query strings, no request bodies, no names.
As a last guard, anything shaped like a resident ID number or a mobile phone number
is replaced before the line is written.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import time
from datetime import UTC, datetime

from flask import Flask, Response, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
# A request ID from a proxy is kept only if it looks like one (it is echoed into logs and headers).
SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Resident ID numbers (18 characters, or 15 digits for first-generation cards) and mobile
# numbers (with or without +86), also when written in groups with spaces or hyphens
# (`362325 1975 0101 777X`, `138-0013-8000`). Any run of 15 to 18 such digits goes:
# redacting a little too much is cheaper than a leak.
PERSONAL_DATA = re.compile(
    r"(?<!\d)"
    r"(?:\d(?:[ -]?\d){13,16}[ -]?[\dXx]"  # ID numbers, 15 to 18 characters
    r"|(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d){8})"  # mobile numbers
    r"(?!\d)"
)
REDACTED = "<redacted>"
FORMATS = ("json", "text")

request_logger = logging.getLogger("jobmatch.request")


def _request_fields() -> dict:
    if not has_request_context():
        return {}
    fields = {"request_id": g.get("request_id"), "method": request.method}
    if request.url_rule is not None:
        fields["route"] = request.url_rule.rule
    user = g.get("user")
    if user is not None:
        fields["user_id"] = user.id
    return fields


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON: time, level, logger, message, and the request's fields."""

    # Extra fields a record may carry (logger.info(..., extra={...})); anything else is dropped.
    EXTRA_FIELDS = ("status", "duration_ms")

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line |= _request_fields()
        for name in self.EXTRA_FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return PERSONAL_DATA.sub(REDACTED, json.dumps(line, ensure_ascii=False, default=str))


class TextFormatter(logging.Formatter):
    """A readable line for development, redacted as the JSON lines are (exception text included)."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return PERSONAL_DATA.sub(REDACTED, super().format(record))


def log_format(config: dict) -> str:
    """json in production unless told otherwise; text elsewhere."""
    chosen = (config.get("LOG_FORMAT") or "").lower()
    if chosen in FORMATS:
        return chosen
    return "json" if config.get("ENV_NAME") == "production" else "text"


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is when the record arrives (a test runner swaps it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def install_handler(fmt: str = "json") -> None:
    """One redacting handler on the root logger (not one per app made in this process), JSON or text.

    With it on the root, Flask adds no handler of its own, so every record — the app's, SQLAlchemy's,
    an exception's traceback — passes the redaction, in development as in production.
    """
    root = logging.getLogger()
    if any(isinstance(h, StderrHandler) for h in root.handlers):
        return
    handler = StderrHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root.addHandler(handler)
    # JSON lines (production) keep the INFO records (one per request); development text keeps Python's
    # default threshold, so commands such as `flask demo load` are not drowned in audit lines.
    if fmt == "json" and (root.level > logging.INFO or root.level == logging.NOTSET):
        root.setLevel(logging.INFO)


def _start() -> None:
    given = request.headers.get(REQUEST_ID_HEADER)
    # 32 random hex digits, as a UUID4's hex without its fixed version bits (and at a quarter of its cost).
    g.request_id = given if given and SAFE_REQUEST_ID.match(given) else secrets.token_hex(16)
    g.log_started = time.perf_counter()


def _finish(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id:
        response.headers[REQUEST_ID_HEADER] = request_id
    started = g.pop("log_started", None)
    if started is not None and g.get("log_requests"):
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        request_logger.info("request", extra={"status": response.status_code, "duration_ms": duration_ms})
    return response


def init_app(app: Flask) -> None:
    fmt = log_format(app.config)
    app.config["LOG_FORMAT"] = fmt
    if fmt == "json" or not app.testing:
        # Tests of text logs make their own handler; the run's log file is scanned for personal data at the end.
        install_handler(fmt)

    @app.before_request
    def _begin() -> None:
        _start()
        # The request lines replace gunicorn's access log when logs are JSON.
        g.log_requests = fmt == "json"

    app.after_request(_finish)

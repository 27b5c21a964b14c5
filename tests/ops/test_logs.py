"""Structured JSON logs: one object per line, the request's fields, and no personal data."""

from __future__ import annotations

import json
import logging

import pytest

from jobmatch.accounts import tokens
from jobmatch.ops import logs
from jobmatch.people import service as people
from jobmatch.vocab import Role
from tests import factories, logscan


@pytest.fixture
def json_app(make_app, regions):
    """An app logging as production does (JSON on stderr)."""
    return make_app(LOG_FORMAT="json")


def _json_lines(captured: str) -> list[dict]:
    return [json.loads(line) for line in captured.splitlines() if line.startswith("{")]


def test_production_logs_json_and_development_logs_text(make_app):
    assert logs.log_format({"ENV_NAME": "production"}) == "json"
    assert logs.log_format({"ENV_NAME": "development"}) == "text"
    assert logs.log_format({"ENV_NAME": "production", "LOG_FORMAT": "text"}) == "text"
    assert make_app(LOG_FORMAT="json").config["LOG_FORMAT"] == "json"


def test_each_request_is_one_json_line_without_personal_data(json_app, capsys):
    client = json_app.test_client()
    with json_app.app_context():
        user = tokens.get_or_create_user("bureau-logs", Role.bureau)
        user.regions = [people.region_by_code(factories.COUNTY_CODE)]
        token = tokens.issue_token(user, "logs")
        user_id = user.id
    headers = {"Authorization": f"Bearer {token}", "X-Request-ID": "req-42"}
    capsys.readouterr()
    household = {"code": "H-LOG-1", "village_code": factories.VILLAGE_CODE, "category": "out_of_poverty"}
    assert client.post("/api/v1/households", json=household, headers=headers).status_code == 201
    person = factories.laborer_data(household_code="HLOG1", name="王秀英", phone="13812345678")
    created = client.post("/api/v1/laborers", json=person, headers=headers)
    assert created.status_code == 201 and created.headers["X-Request-ID"] == "req-42"
    search = client.get("/api/v1/laborers?q=王秀英&per_page=5", headers=headers)
    assert search.status_code == 200
    captured = capsys.readouterr().err
    lines = _json_lines(captured)
    requests = [line for line in lines if line["logger"] == "jobmatch.request"]
    assert [(r["method"], r["route"], r["status"]) for r in requests] == [
        ("POST", "/api/v1/households", 201),
        ("POST", "/api/v1/laborers", 201),
        ("GET", "/api/v1/laborers", 200),
    ]
    for line in requests:
        assert {"time", "level", "logger", "message", "request_id", "duration_ms", "user_id"} <= set(line)
        assert line["request_id"] == "req-42" and line["user_id"] == user_id
    # Every line is JSON, and none carries the person, the search or the query string.
    assert len(lines) == len([line for line in captured.splitlines() if line.strip()])
    for secret in (person["id_number"], "13812345678", "王秀英", "q=", "per_page"):
        assert secret not in captured, secret


def test_a_request_id_from_outside_is_kept_only_if_it_looks_like_one(json_app):
    client = json_app.test_client()
    kept = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    replaced = client.get("/healthz", headers={"X-Request-ID": "<script>"})
    assert kept.headers["X-Request-ID"] == "abc-123"
    assert replaced.headers["X-Request-ID"] != "<script>" and len(replaced.headers["X-Request-ID"]) == 32


def test_the_json_formatter_redacts_anything_shaped_like_an_id_number_or_phone():
    number = factories.id_number(factories.years_ago(40), 7)
    record = logging.LogRecord(
        "jobmatch.x", logging.WARNING, __file__, 1, "lookup %s / %s", (number, "13912345678"), None
    )
    line = json.loads(logs.JsonFormatter().format(record))
    assert line["message"] == "lookup <redacted> / <redacted>" and line["level"] == "WARNING"


def _grouped_forms(number: str) -> list[str]:
    """One ID number as people write it: whole, in groups with spaces or hyphens, lower-case x."""
    return [
        number,
        f"{number[:6]} {number[6:10]} {number[10:14]} {number[14:]}",
        f"{number[:6]}-{number[6:14]}-{number[14:]}",
        number[:-1] + number[-1].lower(),
    ]


# A first-generation (15-digit) card: area, birth date as YYMMDD, sequence; and its grouped form.
FIRST_GENERATION_IDS = ("362325750101771", "362325 750101 771")
PHONES = ("13800138000", "138 0013 8000", "138-0013-8000", "+86 138 0013 8000", "+8613800138000", "86-138-0013-8000")


@pytest.fixture
def json_stderr_logger():
    """A logger writing JSON to stderr as production does, kept apart from the test run's own log file."""
    logger = logging.getLogger("jobmatch.test-redaction")
    handler = logs.StderrHandler()
    handler.setFormatter(logs.JsonFormatter())
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    yield logger
    logger.removeHandler(handler)
    logger.propagate = True


def test_every_written_form_of_an_id_number_or_phone_is_redacted_in_messages_and_exceptions(json_stderr_logger, capsys):
    number = factories.id_number(factories.years_ago(51), 7)
    secrets = [*_grouped_forms(number), *FIRST_GENERATION_IDS, *PHONES]
    capsys.readouterr()
    for secret in secrets:
        json_stderr_logger.warning("lookup %s failed", secret)
        json_stderr_logger.info(f"message built in place: {secret}.")
        try:
            raise ValueError(f"no laborer with ID number {secret}")
        except ValueError:
            json_stderr_logger.exception("import row failed")
    captured = capsys.readouterr().err
    lines = _json_lines(captured)
    assert len(lines) == 3 * len(secrets)
    for secret in secrets:
        assert secret not in captured, secret
    # Nothing of a number is left beside the mark (no "+86", no last group).
    for warning, built, failure in zip(lines[0::3], lines[1::3], lines[2::3], strict=True):
        assert warning["message"] == "lookup <redacted> failed"
        assert built["message"] == "message built in place: <redacted>."
        assert failure["exception"].endswith("ValueError: no laborer with ID number <redacted>")


def test_ordinary_numbers_in_log_lines_are_kept():
    record = logging.LogRecord(
        "jobmatch.x",
        logging.INFO,
        __file__,
        1,
        "batch %s: %s/%s rows, %s ms, on 2026-11-29 16:40",
        (3, 1500, 50000, 115.9),
        None,
    )
    line = json.loads(logs.JsonFormatter().format(record))
    assert line["message"] == "batch 3: 1500/50000 rows, 115.9 ms, on 2026-11-29 16:40"


def test_a_database_error_is_logged_without_its_sql_parameters(json_app, capsys):
    """Names and other parameters of a failed statement stay out of the error and the log."""
    import sqlalchemy as sa

    from jobmatch.extensions import db

    name, note = "王秀英", "腰椎间盘突出"
    capsys.readouterr()
    with json_app.app_context():
        try:
            db.session.execute(
                sa.text("INSERT INTO no_such_table (name, note) VALUES (:name, :note)"), {"name": name, "note": note}
            )
        except sa.exc.DBAPIError as error:
            db.session.rollback()
            logging.getLogger("jobmatch.test-database").exception("statement failed")
            assert name not in str(error) and note not in str(error)
    captured = capsys.readouterr().err
    [line] = [line for line in _json_lines(captured) if line["logger"] == "jobmatch.test-database"]
    assert "no_such_table" in line["exception"]
    assert name not in captured and note not in captured


def test_development_text_logs_are_redacted_too(capsys):
    """A development app logs readable text through the same redaction (before, only JSON was redacted)."""
    logger = logging.getLogger("jobmatch.test-text-redaction")
    root = logging.getLogger()
    before = list(root.handlers)
    logs.install_handler("text")
    (handler,) = [h for h in root.handlers if h not in before]
    assert isinstance(handler.formatter, logs.TextFormatter)
    # Moved onto a logger of its own, so the test run's log file never sees the numbers written here.
    root.removeHandler(handler)
    logger.addHandler(handler)
    logger.propagate = False
    capsys.readouterr()
    number = factories.id_number(factories.years_ago(40), 9)
    logger.warning("lookup %s failed", number)
    try:
        raise ValueError(f"no laborer with phone {PHONES[3]}")
    except ValueError:
        logger.exception("import row failed")
    captured = capsys.readouterr().err
    logger.removeHandler(handler)
    logger.propagate = True
    assert "lookup <redacted> failed" in captured and "ValueError: no laborer with phone <redacted>" in captured
    assert number not in captured and "138" not in captured


def test_the_runs_log_scan_finds_numbers_but_not_the_digits_of_a_digest():
    """The scan of every test's log lines (tests/conftest.py) fails the run on a phone or an ID number, and
    must not on the chance digits of an upload's SHA-256 in a logged query string."""
    number = factories.id_number(factories.years_ago(40), 9)
    digest = "71f2649b0db36c8804a1fd439a89ab348d438cd3d8eeda4c604f13800138000e8"
    assert logscan.personal_data_in(f"lookup {number} failed")
    assert logscan.personal_data_in('"GET /laborers?q=13800138000 HTTP/1.1" 200 -')
    assert logscan.personal_data_in("phone=13800138000&digest=ab12")
    assert not logscan.personal_data_in(f'"POST /api/v1/rosters/laborers/import?digest={digest} HTTP/1.1" 200 -')
    request_id = "ab13800138000cd" + "e" * 17  # 32 hex characters, as uuid4().hex writes a request id
    assert not logscan.personal_data_in(f"request {request_id} took 12.5 ms")
    # A task id of the job queue, whose last group happened to hold eleven digits starting 13 (a CI run's).
    assert not logscan.personal_data_in("INFO huey Executing run_job: d1cecc3e-5646-42bf-8c02-13800138000f")
    assert logscan.personal_data_in("INFO huey Executing run_job for 13800138000: d1cecc3e-5646-42bf-8c02-0f")
    assert logscan.redacted(f"{digest} {number}") == "<hex> <redacted>"

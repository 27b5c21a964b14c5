"""The workshop and attendance rules a county may tune: defaults here, app config or environment override.

Each setting is read from `app.config[NAME]`, else the environment variable `JOBMATCH_NAME`,
else the default below, so a deployment changes a rule without a code change.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from flask import current_app, has_app_context

# Attendance days are China's calendar days (UTC+8 all year, no daylight saving).
CHINA_TZ = timezone(timedelta(hours=8), "CST")

DEFAULTS: dict[str, int | Decimal | None] = {
    # Certification needs at least this many workers from out-of-poverty or monitored households.
    "CERTIFICATION_MIN_WORKERS": 5,
    # Working days in a row without work (absent or on leave) that raise an employment-interruption signal.
    "LONG_ABSENCE_WORKING_DAYS": 5,
    # Public-welfare posts: days a month a holder must work; short of it the stipend is reduced.
    "PUBLIC_WELFARE_MIN_DAYS": 8,
    # Monthly stipend in CNY when the employment records no wage.
    "PUBLIC_WELFARE_STIPEND_CNY": Decimal("700"),
    # CNY off the stipend per day short of the minimum; None: the stipend divided by the minimum days.
    "PUBLIC_WELFARE_DEDUCTION_PER_SHORT_DAY_CNY": None,
    # CNY off the stipend per day recorded absent without leave.
    "PUBLIC_WELFARE_DEDUCTION_PER_ABSENCE_CNY": Decimal("0"),
    # Working days that a monthly wage is paid for, to estimate the wage of part of a month.
    "WORKING_DAYS_PER_MONTH": 22,
    # The weekday (ISO: 1 Monday … 7 Sunday) a workshop rests unless it keeps a sheet that day; 0: none.
    # Every other past day of the month is a working day: a worker with no mark on it is flagged.
    "REST_WEEKDAY": 7,
    # Anomalies: this many workers or more with the same non-trivial month are suspicious.
    "IDENTICAL_PATTERN_MIN_WORKERS": 5,
    # Anomalies: this many late edits (after the day) made on one day form a cluster.
    "LATE_EDIT_CLUSTER_MIN_EDITS": 10,
    # Anomalies: a cluster this many days or fewer before the month's closure or first export precedes a claim.
    "CLAIM_WINDOW_DAYS": 3,
}


def setting(name: str) -> int | Decimal | None:
    """A rule's value: app config, then the JOBMATCH_<NAME> environment variable, then the default."""
    default = DEFAULTS[name]
    if has_app_context() and name in current_app.config:
        value = current_app.config[name]
    else:
        value = os.environ.get(f"JOBMATCH_{name}", default)
    if value is None or value == "":
        return None
    if isinstance(default, Decimal) or name.endswith("_CNY"):
        return Decimal(str(value))
    return int(value)


# Where people reach the service (https://jobmatch.example.gov.cn): employment cards' QR codes lead
# there. Set PUBLIC_BASE_URL in production; the address is never taken from a request's Host header,
# which whoever sends the request chooses.
DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:8000"


def public_base_url() -> str:
    """PUBLIC_BASE_URL: app config, else the environment (PUBLIC_BASE_URL, JOBMATCH_PUBLIC_BASE_URL); no trailing /."""
    value = current_app.config.get("PUBLIC_BASE_URL") if has_app_context() else None
    value = value or os.environ.get("PUBLIC_BASE_URL") or os.environ.get("JOBMATCH_PUBLIC_BASE_URL")
    return (value or DEFAULT_PUBLIC_BASE_URL).rstrip("/")


def today() -> date:
    """Today in China: attendance is recorded by China's calendar day whatever the server's time zone."""
    return datetime.now(UTC).astimezone(CHINA_TZ).date()


def china_date(moment: datetime) -> date:
    """The China calendar day of a UTC timestamp."""
    return moment.astimezone(CHINA_TZ).date()

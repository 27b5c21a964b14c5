"""Days and months as users write them (YYYY-MM-DD, YYYY-MM), within the years the service keeps.

Pure functions, no Flask. Every date, time and month that comes in is read or range-checked here:
year 0, year 10000 and the calendar's last day (9999-12-31, where "the next day" overflows)
are refused as field errors rather than reaching date arithmetic.
"""

from __future__ import annotations

import re
from datetime import date

# The service's records start with the poverty-alleviation registers and plan a few decades ahead;
# birth dates of the oldest laborers fall well after the first year.
EARLIEST_YEAR = 1900
LATEST_YEAR = 2100

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
# Anything shaped like an ISO date, time or month: a signed or long year, then a month.
_DATE_SHAPED = re.compile(r"^\s*([+-]?\d{4,})-\d{1,2}(?:-\d{1,2}(?:[T ].*)?)?\s*$")


def out_of_range(value: str) -> bool:
    """Whether text shaped like a date, time or month has a year outside the years kept."""
    found = _DATE_SHAPED.match(value)
    if found is None:
        return False
    return not EARLIEST_YEAR <= int(found.group(1)) <= LATEST_YEAR


def in_range(day: date) -> bool:
    return EARLIEST_YEAR <= day.year <= LATEST_YEAR


def parse_month(value: str) -> date:
    """The first day of a YYYY-MM month; ValueError if malformed or outside the years kept."""
    found = MONTH.match(value.strip())
    if found is None:
        raise ValueError(f"not a month (YYYY-MM): {value!r}")
    month = date(int(found.group(1)), int(found.group(2)), 1)
    if not in_range(month):
        raise ValueError(f"month outside {EARLIEST_YEAR}–{LATEST_YEAR}: {value!r}")
    return month


def parse_day(value: str) -> date:
    """A YYYY-MM-DD day; ValueError if malformed or outside the years kept."""
    day = date.fromisoformat(value.strip())
    if not in_range(day):
        raise ValueError(f"day outside {EARLIEST_YEAR}–{LATEST_YEAR}: {value!r}")
    return day

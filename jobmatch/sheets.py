"""Cells of the spreadsheets the service writes (.xlsx and .csv): text never becomes a formula.

A name or a title such as `=HYPERLINK("http://…","点击查看")` written as it is would be a live
formula in Excel or WPS, next to ID numbers (CSV / formula injection). As OWASP recommends,
text that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading
apostrophe, so the program shows it as text. Numbers, dates and text that is a plain number
(`-12.5`) stay as they are. Every writer (roster exports, the import report, attendance
sheets, indicators, the assignment CSV) passes its cells through `cell()` or `row()`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_PREFIX = "'"
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


def cell(value: Any) -> Any:
    """The value to write into one cell: formula-like text behind an apostrophe, anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return TEXT_PREFIX + value
    return value


def row(values: Iterable[Any]) -> list[Any]:
    """`cell()` for each value of a row."""
    return [cell(value) for value in values]


def unescape(value: Any) -> Any:
    """What `cell()` wrote, read back: the apostrophe in front of formula-like text removed."""
    if isinstance(value, str) and value.startswith(TEXT_PREFIX) and value[1:2] and value[1] in "=+-@\t\r":
        return value[1:]
    return value

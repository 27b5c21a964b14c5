"""What the test run's log scan counts as personal data in a log line (tests/conftest.py reads every line)."""

from __future__ import annotations

import re

# An 18-character ID number or an 11-digit mobile number, not inside a longer run of digits.
PERSONAL_DATA = re.compile(r"(?<!\d)(\d{17}[\dXx]|1[3-9]\d{9})(?!\d)")
# Digests, request ids and other hex strings of 32 characters or more (an upload's SHA-256 in a query string),
# and UUIDs written with their dashes (the job queue's task ids): their runs of digits are chance, not a
# number anybody has.
HEX_STRING = re.compile(
    r"(?<![0-9A-Za-z])(?:[0-9A-Fa-f]{32,}|[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})"
    r"(?![0-9A-Za-z])"
)


def personal_data_in(line: str) -> bool:
    """Whether a log line holds something that reads as an ID number or a phone."""
    return PERSONAL_DATA.search(HEX_STRING.sub("<hex>", line)) is not None


def redacted(line: str) -> str:
    """The line with every such number replaced, to be shown in the run's output."""
    return PERSONAL_DATA.sub("<redacted>", HEX_STRING.sub("<hex>", line))

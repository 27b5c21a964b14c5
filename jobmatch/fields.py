"""Field-level cleaning shared by every service: text, phones, references by code."""

from __future__ import annotations

import re
from typing import Any

from jobmatch import text
from jobmatch.errors import Collector

MOBILE_PHONE = re.compile(r"^1[3-9]\d{9}$")


def clean_text(data: dict, errors: Collector, key: str, out: dict, *, max_length: int, optional: bool = False) -> None:
    """Normalise a text field if it was given; blank is an error unless optional."""
    if key not in data:
        return
    value = text.normalize_optional(data[key])
    if value is None and not optional:
        errors.add(key, "required", "不能为空", "must not be blank")
        return
    if value is not None and len(value) > max_length:
        errors.add(key, "too_long", f"不能超过 {max_length} 个字", f"must be at most {max_length} characters")
        return
    out[key] = value


def clean_phone(data: dict, errors: Collector, key: str, out: dict) -> None:
    """A mainland mobile number: 11 digits starting 13–19; +86 and spaces are dropped."""
    if key not in data:
        return
    raw = data[key]
    if raw in (None, ""):
        out[key] = None
        return
    phone = text.normalize_digits(str(raw))
    phone = phone.removeprefix("+86") if phone.startswith("+86") else phone
    if not MOBILE_PHONE.match(phone):
        errors.add(
            key,
            "invalid_phone",
            "手机号须为 11 位数字，以 13–19 开头",
            "mobile phone must be 11 digits starting with 13–19",
        )
        return
    out[key] = phone


def copy_plain(data: dict, out: dict, *keys: str) -> None:
    """Fields already typed by the schema (enums, booleans, numbers) pass through."""
    for key in keys:
        if key in data:
            out[key] = data[key]


def require_positive(state: dict, errors: Collector, key: str, minimum: int = 1) -> None:
    value: Any = state.get(key)
    if value is not None and value < minimum:
        errors.add(key, "out_of_range", f"不能小于 {minimum}", f"must be at least {minimum}")

"""One check of every request's input before any view sees it: text the database cannot store, JSON too deep.

PostgreSQL refuses NUL characters in text, no UTF-8 encoder takes a lone surrogate (`"\\ud800"` in
JSON), JSON nested thousands deep exhausts the parser's stack, and integers beyond 64 bits or
NaN/Infinity fit no column. Each is refused here with a 422 naming the field, whatever the route,
so no service has to think of them and nothing is changed.
"""

from __future__ import annotations

import json
import math
from typing import Any

from flask import Flask, Response, current_app, render_template, request

from jobmatch import dates, text
from jobmatch.errors import FieldError

# Deeper than any body the API takes (an attendance sheet is 3 levels deep), far below the parser's stack.
MAX_JSON_DEPTH = 32
# The widest integer any column holds (BIGINT).
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
FORM_MIMETYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Request headers whose values are stored (idempotency keys).
STORED_HEADERS = ("Idempotency-Key",)
# The same headers as the WSGI environ names them.
_STORED_HEADER_KEYS = tuple(f"HTTP_{name.upper().replace('-', '_')}" for name in STORED_HEADERS)
# Fields holding codes (division codes, household and post codes, credit codes, ID numbers): what is
# written must be what is matched, so characters that show nothing are refused here, not dropped.
CODE_FIELDS = {"code", "id_number", "region", "village", "county", "township"}


def is_code_field(field: str) -> bool:
    """`region_code`, `entries.0.code`, `query.village`, `region_codes.2`: the last named part says."""
    parts = [p for p in field.removeprefix("query.").split(".") if not p.isdigit()]
    name = parts[-1] if parts else ""
    return name in CODE_FIELDS or name.endswith(("_code", "_codes"))


def invisible_error(field: str, value: str) -> FieldError | None:
    """A field error for zero-width or bidi control characters in a code, or None (names drop them instead)."""
    if text.has_invisible(value) and is_code_field(field):
        return FieldError(
            field,
            "invisible_character",
            "编码中不能有不可见字符（零宽字符或文字方向控制符）",
            "a code must not contain invisible characters (zero-width or bidi controls)",
        )
    return None


def character_error(field: str, value: str) -> FieldError | None:
    """A field error for text no database can store, or None."""
    if "\x00" in value:
        return FieldError(field, "nul_character", "不能包含空字符（NUL）", "must not contain NUL characters")
    if text.has_lone_surrogate(value):
        return FieldError(
            field,
            "invalid_character",
            "含有无效字符（孤立的 UTF-16 代理码位）",
            "contains an invalid character (a lone UTF-16 surrogate)",
        )
    return None


def date_error(field: str, value: str) -> FieldError | None:
    """A field error for a date, time or month outside the years the service keeps, or None."""
    if dates.out_of_range(value):
        low, high = dates.EARLIEST_YEAR, dates.LATEST_YEAR
        return FieldError(
            field,
            "date_out_of_range",
            f"日期须在 {low} 年至 {high} 年之间",
            f"must be a date between the years {low} and {high}",
        )
    return None


def printable(name: str) -> str:
    """A field name fit to show back: NUL and lone surrogates replaced by U+FFFD."""
    if "\x00" not in name and not text.has_lone_surrogate(name):
        # Every field name of a sane body: checked whole, not character by character.
        return name
    return "".join("\ufffd" if c == "\x00" or text.has_lone_surrogate(c) else c for c in name)


def value_errors(field: str, value: str) -> list[FieldError]:
    found = (character_error(field, value), invisible_error(field, value), date_error(field, value))
    return [e for e in found if e is not None]


def json_errors(document: Any) -> list[FieldError]:
    """Every unusable value in a parsed JSON document, named by its dotted path (`entries.0.note`).

    The document is what `json.loads` makes, whose values are of exactly these types: each is told by its type
    alone (a bool is not an int here), once per value of a body of hundreds of entries.
    """
    errors: list[FieldError] = []
    stack: list[tuple[Any, str, int]] = [(document, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        name = path or "body"
        if depth > MAX_JSON_DEPTH:
            errors.append(
                FieldError(
                    name,
                    "too_deep",
                    f"嵌套层数过多（最多 {MAX_JSON_DEPTH} 层）",
                    f"is nested too deep (at most {MAX_JSON_DEPTH} levels)",
                )
            )
            continue
        kind = type(value)
        if kind is dict:
            for key, item in value.items():
                if "\x00" not in key and not text.has_lone_surrogate(key):
                    # A usable key (nearly every one): its path is printable as it is.
                    stack.append((item, f"{path}.{key}" if path else key, depth + 1))
                    continue
                child = printable(f"{path}.{key}" if path else str(key))
                key_error = character_error(child, key)
                if key_error is not None:
                    errors.append(key_error)
                    continue
                stack.append((item, child, depth + 1))
        elif kind is list:
            stack.extend(
                (item, f"{path}.{index}" if path else str(index), depth + 1) for index, item in enumerate(value)
            )
        elif kind is str:
            errors.extend(value_errors(name, value))
        elif kind is int and not INT64_MIN <= value <= INT64_MAX:
            errors.append(
                FieldError(name, "out_of_range", "超出允许范围：整数过大", "out of range: the number is too large")
            )
        elif kind is float and not math.isfinite(value):
            errors.append(FieldError(name, "not_number", "须为有限数字", "must be a finite number"))
    return errors


def _body_problem() -> tuple[int, list[FieldError]] | None:
    """Parse the JSON body once to look at it; a body the parser cannot take at all is a 400."""
    raw = request.get_data(cache=True)
    if not raw:
        return None
    try:
        document = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return 400, [FieldError("body", "invalid_json", "JSON 须为 UTF-8 编码", "JSON must be encoded in UTF-8")]
    except RecursionError:
        return 400, [
            FieldError(
                "body",
                "too_deep",
                f"嵌套层数过多（最多 {MAX_JSON_DEPTH} 层）",
                f"is nested too deep (at most {MAX_JSON_DEPTH} levels)",
            )
        ]
    except ValueError:
        return None  # not JSON at all: the route's own parsing says so (400 invalid_json)
    errors = json_errors(document)
    return (422, errors) if errors else None


def _form_is_small() -> bool:
    """Forms are read here only within the usual body limit: large uploads (rosters) get their own limit later."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    return request.content_length is not None and (limit is None or request.content_length <= limit)


def _nothing_to_check() -> bool:
    """No query string, no body (neither a length nor chunks) and no stored header: most reads."""
    environ = request.environ
    return (
        not environ.get("QUERY_STRING")
        and environ.get("CONTENT_LENGTH", "0") in ("", "0")
        and "HTTP_TRANSFER_ENCODING" not in environ
        and not any(key in environ for key in _STORED_HEADER_KEYS)
    )


def hostile_input() -> tuple[int, list[FieldError]] | None:
    """What is wrong with this request's query string, form and JSON body, if anything."""
    if _nothing_to_check():
        return None
    errors: list[FieldError] = []
    for key, values in request.args.lists():
        name = printable(f"query.{key}")
        errors.extend(e for e in [character_error(name, key)] if e is not None)
        for value in values:
            errors.extend(value_errors(name, value))
    for header in STORED_HEADERS:
        value = request.headers.get(header)
        if value is not None:
            errors.extend(e for e in [character_error(header, value)] if e is not None)
    if request.mimetype in FORM_MIMETYPES and _form_is_small():
        for key, values in request.form.lists():
            name = printable(key)
            errors.extend(e for e in [character_error(name, key)] if e is not None)
            for value in values:
                errors.extend(e for e in (character_error(name, value), invisible_error(name, value)) if e)
    if request.is_json:
        found = _body_problem()
        if found is not None:
            status, body_errors = found
            if status == 400:
                return status, body_errors
            errors.extend(body_errors)
    return (422, errors) if errors else None


def refuse_hostile_input() -> Response | None:
    found = hostile_input()
    if found is None:
        return None
    status, errors = found
    from jobmatch.api.problems import HTTP_TITLES, problem_response

    title_en, title_zh = HTTP_TITLES[status]
    if request.path.startswith("/api/"):
        return problem_response(status, title_en, title_zh, errors)
    page = render_template(
        "error.html",
        status=status,
        message_zh="；".join(f"{e.field}：{e.zh}" for e in errors),
        message_en="; ".join(f"{e.field}: {e.en}" for e in errors),
    )
    return Response(page, status=status, mimetype="text/html")


def init_app(app: Flask) -> None:
    app.before_request(refuse_hostile_input)

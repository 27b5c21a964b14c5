"""The one error shape of the API: application/problem+json (RFC 9457), in Chinese and English."""

from __future__ import annotations

import logging

from apiflask import APIFlask, HTTPError
from flask import Response, current_app, g, render_template, request
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from jobmatch.errors import FieldError, Problem

PROBLEM_MIMETYPE = "application/problem+json"

# Titles for the HTTP errors the framework raises, by status.
HTTP_TITLES: dict[int, tuple[str, str]] = {
    400: ("Malformed request", "请求格式错误（如 JSON 无法解析）"),
    401: ("Authentication required", "需要登录或有效的访问令牌"),
    403: ("Forbidden", "无权进行此操作"),
    404: ("Not found", "找不到该资源"),
    405: ("Method not allowed", "不支持该请求方法"),
    409: ("Conflict", "与现有数据冲突"),
    413: ("Request body too large", "请求内容过大"),
    415: ("Unsupported media type", "请使用 JSON 格式提交"),
    422: ("Invalid input", "输入数据有误"),
    429: ("Too many requests", "请求过于频繁，请稍后再试"),
    500: ("Internal server error", "服务器内部错误"),
    503: ("Service temporarily unavailable", "服务暂时不可用，请稍后重试"),
}

log = logging.getLogger(__name__)

# What the database said, in the user's terms: (code, English title, Chinese title, seconds to wait).
STORAGE_FULL = (
    "storage_full",
    "Storage is full: nothing was saved",
    "存储空间已满，本次未保存；已有数据不受影响，请联系管理员",
    60,
)
DATABASE_BUSY = ("database_busy", "The database is busy: nothing was saved", "系统繁忙，本次未保存，请稍后重试", 1)
DATABASE_DOWN = ("database_unavailable", "The database is unavailable", "数据库暂时无法连接，请稍后重试", 2)
FULL_MARKERS = ("database or disk is full", "no space left on device", "could not extend file", "disk full")


def is_passing(error: DBAPIError) -> bool:
    """A database error that says nothing about the request: the server went away, is full or busy."""
    return isinstance(error, (OperationalError, InterfaceError)) or error.connection_invalidated


def database_trouble(error: DBAPIError) -> tuple[str, str, str, int]:
    """Which kind of passing trouble a database error is: full storage, a busy lock, or no connection."""
    message = str(error.orig).lower()
    if any(marker in message for marker in FULL_MARKERS):
        return STORAGE_FULL
    if "database is locked" in message or "database table is locked" in message:
        return DATABASE_BUSY
    return DATABASE_DOWN


# The framework's validation messages, with their code and Chinese wording.
MESSAGE_CODES: list[tuple[str, str, str]] = [
    ("Missing data for required field.", "required", "必填"),
    ("Unknown field.", "unknown_field", "未知字段"),
    ("Field may not be null.", "null", "不能为空值"),
    ("Not a valid integer.", "not_integer", "须为整数"),
    ("Not a valid number.", "not_number", "须为数字"),
    ("Not a valid string.", "not_string", "须为文字"),
    ("Not a valid boolean.", "not_boolean", "须为 true 或 false"),
    ("Not a valid date.", "not_date", "须为日期，格式 YYYY-MM-DD"),
    ("Not a valid month", "not_month", "须为年月，格式 YYYY-MM"),
    ("Not a valid version", "invalid_version", "版本号须为 1–64 个字母、数字、点、横线或下划线"),
    ("Not a valid list.", "not_list", "须为列表"),
    ("Invalid input type.", "invalid_type", "类型不正确"),
    ("Invalid JSON body.", "invalid_json", "JSON 无法解析"),
    ("Must be one of:", "not_allowed_value", "取值不在允许范围内："),
    ("Must be greater than or equal to", "out_of_range", "超出允许范围："),
    ("Must be less than or equal to", "out_of_range", "超出允许范围："),
    ("Length must be", "bad_length", "长度不符合要求："),
    ("Special numeric values", "not_number", "须为有限数字"),
]


def problem_response(
    status: int,
    title_en: str,
    title_zh: str,
    errors: list[FieldError] | None = None,
    detail: str | None = None,
    headers: dict | None = None,
    extra: dict | None = None,
) -> Response:
    """Build every API error response here, and nowhere else."""
    body: dict = {
        "type": f"https://jobmatch.local/problems/{status}",
        "title": title_en,
        "title_zh": title_zh,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = [e.as_dict() for e in errors]
    body |= extra or {}
    response = Response(current_app.json.dumps(body), status=status, mimetype=PROBLEM_MIMETYPE)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _translate(field: str, message: str) -> FieldError:
    for prefix, code, zh in MESSAGE_CODES:
        if message.startswith(prefix):
            rest = message[len(prefix) :].strip() if zh.endswith("：") else ""
            return FieldError(field, code, zh + rest, message)
    return FieldError(field, "invalid", "格式不正确：" + message, message)


def _flatten(detail: dict, prefix: str = "") -> list[FieldError]:
    """Turn the framework's nested {location: {field: [messages]}} into field errors."""
    out: list[FieldError] = []
    for key, value in detail.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            out.extend(_flatten(value, name))
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    out.extend(_flatten(item, name))
                else:
                    out.append(_translate(name, str(item)))
        else:
            out.append(_translate(name, str(value)))
    return out


def _strip_location(errors: list[FieldError]) -> list[FieldError]:
    """`json.id_number` → `id_number`; query fields keep their location prefix."""
    return [
        FieldError(e.field.removeprefix("json.").removeprefix("json"), e.code, e.zh, e.en)
        if e.field.startswith("json")
        else e
        for e in errors
    ]


def register(app: APIFlask) -> None:
    from jobmatch import prepared
    from jobmatch.api import guard
    from jobmatch.extensions import WAITING_USER, db

    guard.init_app(app)

    @app.teardown_request
    def end_reads(exc: BaseException | None) -> None:
        """The connection the request's prepared reads kept goes back to its pool, and a caller who waited for a
        session that the request never opened is forgotten (an app context that outlives its request, as in
        tests, must not hand it to a later session)."""
        prepared.release()
        g.pop(WAITING_USER, None)

    @app.teardown_appcontext
    def close_session(exc: BaseException | None) -> None:
        """End the request's session; a connection the server cut meanwhile does not turn a sent answer into a 500.

        It replaces Flask-SQLAlchemy's own teardown (which would only remove the session again).
        """
        if not db.session.registry.has():
            return
        try:
            db.session.remove()
        except DBAPIError as error:
            if not is_passing(error):
                raise
            log.warning("database connection lost while closing a session: %s", type(error.orig).__name__)
            try:
                # Close what is left by discarding its connections: none goes back to the pool mid-transaction.
                db.session.registry().invalidate()
            except DBAPIError:
                pass
            db.session.registry.clear()

    if db._teardown_session in app.teardown_appcontext_funcs:
        app.teardown_appcontext_funcs.remove(db._teardown_session)

    @app.error_processor
    def http_error(error: HTTPError) -> Response:
        status = error.status_code
        title_en, title_zh = HTTP_TITLES.get(status, (error.message or "Error", "请求失败"))
        if not request.path.startswith("/api/"):
            page = render_template("error.html", status=status, message_zh=title_zh, message_en=title_en)
            return Response(page, status=status, headers=dict(error.headers or {}), mimetype="text/html")
        errors = _strip_location(_flatten(error.detail)) if isinstance(error.detail, dict) else []
        if any(e.code == "invalid_json" for e in errors):
            status = 400
            title_en, title_zh = HTTP_TITLES[400]
        return problem_response(status, title_en, title_zh, errors, headers=dict(error.headers or {}))

    @app.errorhandler(DBAPIError)
    def database_unavailable(error: DBAPIError) -> Response:
        """The database cannot answer now (restarting, full, locked too long): 503, nothing saved."""
        if not is_passing(error):
            raise error  # a bug (a constraint the code should have checked, bad SQL): a 500, logged
        code, title_en, title_zh, retry_after = database_trouble(error)
        # The driver's first line only: the statement and its parameters may hold personal data.
        first_line = str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else ""
        log.warning("database unavailable (%s): %s: %s", code, type(error.orig).__name__, first_line[:200])
        headers = {"Retry-After": str(retry_after)}
        if not request.path.startswith("/api/"):
            return Response(f"{title_zh}\n{title_en} (503)\n", status=503, headers=headers, mimetype="text/plain")
        return problem_response(503, title_en, title_zh, headers=headers, extra={"code": code})

    @app.errorhandler(Problem)
    def domain_problem(problem: Problem) -> Response:
        return problem_response(
            problem.status, problem.title_en, problem.title_zh, problem.errors, problem.detail, extra=problem.extra
        )

"""The one error shape of the API: application/problem+json (RFC 9457), in Chinese and English."""

from __future__ import annotations

from apiflask import APIFlask, HTTPError
from flask import Response, current_app, render_template, request

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
}

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

    @app.errorhandler(Problem)
    def domain_problem(problem: Problem) -> Response:
        return problem_response(
            problem.status, problem.title_en, problem.title_zh, problem.errors, problem.detail, extra=problem.extra
        )

"""The OpenAPI document says every answer an operation can give, in the shape it is given.

APIFlask documents the success, 401, 404 (path parameters) and 422 answers by itself.
The rest are added here, where they apply to every operation alike: errors are
`application/problem+json`; an operation with a JSON body can answer 400 (malformed
JSON) and 413 (too large); one that needs a token can answer 403 (role or scope); a
write can answer 409 (duplicate or state conflict). Operations that take an
Idempotency-Key get its header parameter.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from apiflask import APIFlask
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from jobmatch.api.common import INT32_MAX
from jobmatch.api.problems import HTTP_TITLES, PROBLEM_MIMETYPE

_TEXT = {"type": "string"}

PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "title_zh", "status"],
    "properties": {
        "type": _TEXT,
        "title": _TEXT,
        "title_zh": _TEXT,
        "status": {"type": "integer"},
        "detail": _TEXT,
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "code", "zh", "en"],
                "properties": {"field": _TEXT, "code": _TEXT, "zh": _TEXT, "en": _TEXT},
            },
        },
    },
}

WRITE_METHODS = ("post", "put", "patch", "delete")


class DatabaseId(IntegerConverter):
    """`<int:…>` in routes: an ID the database can hold; a bigger number is an unknown record (404)."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > INT32_MAX:
            # Not a ValidationError: that would let the router answer 405 from a rule for other methods.
            raise NotFound()
        return number


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def operations_of(spec: dict, app: APIFlask) -> Iterator[tuple[str, dict, object]]:
    """Each operation of the document: its method, itself, and the view function that answers it."""
    for rule in app.url_map.iter_rules():
        path = spec["paths"].get(_openapi_path(rule.rule))
        if path is None:
            continue
        for method in rule.methods or ():
            operation = path.get(method.lower())
            if operation is not None:
                yield method.lower(), operation, app.view_functions[rule.endpoint]


def _problem_response(status: int) -> dict:
    title_en, title_zh = HTTP_TITLES[status]
    return {
        "description": f"{title_en} / {title_zh}",
        "content": {PROBLEM_MIMETYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def complete(spec: dict, app: APIFlask) -> dict:
    """Add the answers every operation shares, and make every error answer problem+json."""
    from jobmatch import idempotency

    spec.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for name in ("HTTPError", "ValidationError"):
        spec["components"]["schemas"].pop(name, None)
    for method, operation, view in operations_of(spec, app):
        responses = operation.setdefault("responses", {})
        extra = []
        if "requestBody" in operation:
            # Malformed JSON, too large, invalid fields, a record it names that does not exist.
            extra += [400, 413, 422, 404]
        if operation.get("security"):
            extra.append(403)
        if method in WRITE_METHODS:
            extra.append(409)
        if getattr(view, "idempotent", False):
            operation.setdefault("parameters", []).append(dict(idempotency.OPENAPI_PARAMETER))
            extra.append(422)
        if getattr(view, "rate_limited", False):
            extra.append(429)
        for status in extra:
            responses.setdefault(str(status), _problem_response(status))
        for status, response in responses.items():
            if status.startswith(("4", "5")):
                response["content"] = _problem_response(int(status))["content"]
    return spec


def register(app: APIFlask) -> None:
    # The framework's own error responses point at the Problem schema (added by `complete`).
    app.config["HTTP_ERROR_SCHEMA"] = PROBLEM_SCHEMA
    app.config["VALIDATION_ERROR_SCHEMA"] = PROBLEM_SCHEMA

    app.url_map.converters["int"] = DatabaseId

    @app.spec_processor
    def _complete(spec: dict) -> dict:
        return complete(spec, app)

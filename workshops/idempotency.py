"""Idempotency-Key for attendance saves: a retried request gets the first answer back.

Saving a sheet is already idempotent by its natural key (laborer, day, kind). The
key adds what that cannot: a retry that arrives after a newer edit replays the
first answer instead of writing its older values over the newer ones. A key is per
user; the same key with a different request body is refused (422).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

import sqlalchemy as sa
from apiflask import Schema
from flask import Response, current_app, g
from sqlalchemy.exc import IntegrityError

from jobmatch.errors import FieldError, ValidationFailed
from jobmatch.extensions import db
from workshops.models import IdempotentRequest

MAX_KEY_CHARS = 64
HEADER = "Idempotency-Key"


def _fingerprint(request_data: dict) -> str:
    encoded = json.dumps(request_data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


def _json(body: dict, status: int, replayed: bool) -> Response:
    response = Response(current_app.json.dumps(body), status=status, mimetype="application/json")
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def run(key: str | None, request_data: dict, action: Callable[[], dict], schema: type[Schema]) -> dict | Response:
    """Run the action once per (user, key); without a key, just run it."""
    if key is None:
        return action()
    key = key.strip()
    if not 1 <= len(key) <= MAX_KEY_CHARS:
        raise ValidationFailed(
            [FieldError(HEADER, "bad_length", f"长度须为 1–{MAX_KEY_CHARS}", f"must be 1–{MAX_KEY_CHARS} characters")]
        )
    user_id = g.user.id
    fingerprint = _fingerprint(request_data)
    earlier = db.session.execute(
        sa.select(IdempotentRequest).where(IdempotentRequest.user_id == user_id, IdempotentRequest.key == key)
    ).scalar_one_or_none()
    if earlier is not None:
        if earlier.request_hash != fingerprint:
            raise ValidationFailed(
                [
                    FieldError(
                        HEADER,
                        "key_reused",
                        "该幂等键已用于另一个请求",
                        "this Idempotency-Key was used for a different request",
                    )
                ]
            )
        return _json(earlier.response, earlier.status_code, replayed=True)
    body = schema().dump(action())
    db.session.add(
        IdempotentRequest(user_id=user_id, key=key, request_hash=fingerprint, status_code=200, response=body)
    )
    try:
        db.session.commit()
    except IntegrityError:
        # A concurrent retry with the same key stored its answer first; the save itself was idempotent.
        db.session.rollback()
    return _json(body, 200, replayed=False)

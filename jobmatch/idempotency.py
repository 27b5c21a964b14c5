"""Idempotency-Key on the API's writes: a retried request gets the first answer back, not a second record.

A client that is not sure its request arrived (a phone on a bad network) sends it
again with the same `Idempotency-Key` header. Keys belong to the calling user and
live for KEY_LIFETIME. For one (user, key):

- the first request runs; a 2xx answer is stored with its status code;
- the same request again (same method, path, query and JSON body) gets the stored
  answer, with `Idempotent-Replayed: true`, and changes nothing;
- another request with that key is refused (422, the `Idempotency-Key` field);
- a request that fails (4xx, or an error) stores nothing, so the key can be used
  again once the input is corrected;
- while the first request is still running, a second one waits for its answer
  (up to WAIT_FOR_FIRST), then gets 409 if it is still not done.

The key is reserved (a committed row) before the work starts, so two requests racing
with one key make one record: the unique (user, key) constraint lets only one in.

An expired key is never honoured (reads look only at keys younger than KEY_LIFETIME);
the rows themselves are deleted by a sweep that each worker runs at most once every
SWEEP_INTERVAL, through the index on created_at, never by every request.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from flask import Response, current_app, g, request
from sqlalchemy.exc import IntegrityError

from jobmatch.accounts.models import IdempotentRequest
from jobmatch.errors import Conflict, FieldError, ValidationFailed
from jobmatch.extensions import db
from jobmatch.modelbase import utcnow

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_CHARS = 64
# How long a key is remembered (a client retries within minutes; a day is generous).
KEY_LIFETIME = timedelta(hours=24)
# How often a worker deletes expired keys (a keyed write starts the sweep when it is due).
SWEEP_INTERVAL_S = 60.0
# How long a retry waits for the first request with its key to finish, and how often it looks.
WAIT_FOR_FIRST_S = 10.0
POLL_INTERVAL_S = 0.05

# The OpenAPI header parameter of every operation that takes a key.
OPENAPI_PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_CHARS},
    "description": (
        "Send the same key again to replay the first answer instead of writing twice (kept 24 h, per user); "
        "the same key with another request is 422. 幂等键：重发同一请求时返回首次结果，不会重复创建。"
    ),
}


def _key_error(code: str, zh: str, en: str) -> ValidationFailed:
    return ValidationFailed([FieldError(HEADER, code, zh, en)])


def _fingerprint() -> str:
    """What makes two requests the same: method, path, query string and the JSON body (key order ignored)."""
    raw = request.get_data(cache=True)
    try:
        body = json.dumps(json.loads(raw), sort_keys=True, ensure_ascii=False) if raw else ""
    except ValueError:
        body = raw.decode("utf-8", "replace")
    parts = [request.method, request.path, request.query_string.decode("latin-1"), body]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _replay(record: IdempotentRequest) -> Response:
    response = Response(current_app.json.dumps(record.response), status=record.status_code, mimetype="application/json")
    response.headers[REPLAYED_HEADER] = "true"
    return response


def _expired() -> sa.ColumnElement[bool]:
    return IdempotentRequest.created_at < utcnow() - KEY_LIFETIME


def _find(user_id: int, key: str) -> IdempotentRequest | None:
    """The user's live record of the key; an expired one is as good as gone, swept or not."""
    return db.session.execute(
        sa.select(IdempotentRequest).where(
            IdempotentRequest.user_id == user_id, IdempotentRequest.key == key, sa.not_(_expired())
        )
    ).scalar_one_or_none()


def sweep_expired() -> int:
    """Delete every expired key (found through the index on created_at); how many went."""
    deleted = db.session.execute(sa.delete(IdempotentRequest).where(_expired())).rowcount
    db.session.commit()
    return deleted


class _Sweeper:
    """This worker's clock for the sweep: due at start, then once every SWEEP_INTERVAL_S."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.next_at = 0.0
        self.lock = threading.Lock()

    def claim(self) -> bool:
        """True for the one caller that should sweep now."""
        now = self.clock()
        with self.lock:
            if now < self.next_at:
                return False
            self.next_at = now + SWEEP_INTERVAL_S
            return True


sweeper = _Sweeper()


def _sweep_when_due() -> None:
    if sweeper.claim():
        swept = sweep_expired()
        if swept:
            logger.info("idempotency keys expired and deleted: %d", swept)


def _earlier_answer(user_id: int, key: str, fingerprint: str) -> Response | None:
    """The stored answer for this key, waiting a while if its first request is still running."""
    deadline = time.monotonic() + WAIT_FOR_FIRST_S
    while True:
        record = _find(user_id, key)
        if record is None:
            return None
        if record.request_hash != fingerprint:
            raise _key_error(
                "key_reused", "该幂等键已用于另一个请求", "this Idempotency-Key was used for a different request"
            )
        if record.status_code is not None:
            return _replay(record)
        if time.monotonic() > deadline:
            running = FieldError(
                HEADER, "in_progress", "使用该幂等键的请求仍在处理中", "a request with this key is running"
            )
            raise Conflict([running])
        # Let the first request's commit become visible to this session.
        db.session.rollback()
        time.sleep(POLL_INTERVAL_S)


def _reserve(user_id: int, key: str, fingerprint: str) -> IdempotentRequest | Response:
    """Reserve the key (committed), or the answer of the request that holds it."""
    earlier = _earlier_answer(user_id, key, fingerprint)
    if earlier is not None:
        return earlier
    record = IdempotentRequest(user_id=user_id, key=key, request_hash=fingerprint)
    db.session.add(record)
    try:
        db.session.commit()
    except IntegrityError:
        # Another request with this key reserved it first: its answer is ours.
        db.session.rollback()
        earlier = _earlier_answer(user_id, key, fingerprint)
        if earlier is not None:
            return earlier
        # It failed and released the key in the meantime, or the row is an expired key not swept yet.
        renewed = _renew_expired(user_id, key, fingerprint)
        return renewed if renewed is not None else _reserve(user_id, key, fingerprint)
    return record


def _renew_expired(user_id: int, key: str, fingerprint: str) -> IdempotentRequest | None:
    """Take over the expired, unswept row of this key for a new request (committed), if there is one."""
    renewed = db.session.execute(
        sa.update(IdempotentRequest)
        .where(IdempotentRequest.user_id == user_id, IdempotentRequest.key == key, _expired())
        .values(request_hash=fingerprint, status_code=None, response=None, created_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return _find(user_id, key) if renewed.rowcount == 1 else None


def _release(record_id: int) -> None:
    """A failed request does not use up its key."""
    db.session.rollback()
    db.session.execute(sa.delete(IdempotentRequest).where(IdempotentRequest.id == record_id))
    db.session.commit()


def idempotent(view: Callable) -> Callable:
    """Let a write take an Idempotency-Key. Put it under the auth decorator (it needs the caller)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        key = key.strip()
        if not 1 <= len(key) <= MAX_KEY_CHARS:
            raise _key_error("bad_length", f"长度须为 1–{MAX_KEY_CHARS}", f"must be 1–{MAX_KEY_CHARS} characters")
        user_id = g.user.id
        _sweep_when_due()
        reserved = _reserve(user_id, key, _fingerprint())
        if isinstance(reserved, Response):
            return reserved
        record_id = reserved.id
        try:
            response = current_app.make_response(view(*args, **kwargs))
        except BaseException:
            _release(record_id)
            raise
        if not 200 <= response.status_code < 300 or not response.is_json:
            _release(record_id)
            return response
        # Committed with whatever the view left in the session, as one answer.
        db.session.execute(
            sa.update(IdempotentRequest)
            .where(IdempotentRequest.id == record_id)
            .values(status_code=response.status_code, response=response.get_json())
        )
        db.session.commit()
        return response

    wrapper.idempotent = True
    return wrapper

"""API tokens: random, shown once, stored as SHA-256, and valid until they expire or are revoked.

A token stops working when it is revoked, when it expires, and when its owner's password changes
or the owner is disabled (accounts.service revokes them; enabling the account again does not
revive them).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import datetime, timedelta
from itertools import chain

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.orm import joinedload, make_transient_to_detached

from jobmatch.accounts import audit
from jobmatch.accounts.models import ApiToken, User
from jobmatch.errors import Problem
from jobmatch.extensions import Session, db
from jobmatch.modelbase import utcnow
from jobmatch.vocab import Role

TOKEN_PREFIX = "jm_"
# How long a new token works unless its issuer says otherwise, and the longest it may be given.
DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 365


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def get_or_create_user(name: str, role: Role) -> User:
    user = db.session.execute(sa.select(User).where(User.name == name)).scalar_one_or_none()
    if user is None:
        user = User(name=name, role=role)
        db.session.add(user)
        db.session.flush()
    return user


def create_token(user: User, label: str, expires_in_days: int = DEFAULT_TOKEN_DAYS) -> tuple[ApiToken, str]:
    """Create a token for the user, valid for so many days; return its record and the token (only its hash is kept)."""
    if not 1 <= expires_in_days <= MAX_TOKEN_DAYS:
        raise ValueError(f"a token is valid for 1 to {MAX_TOKEN_DAYS} days, not {expires_in_days}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(days=expires_in_days)
    row = ApiToken(user_id=user.id, label=label, token_hash=hash_token(token), expires_at=expires_at)
    db.session.add(row)
    db.session.flush()
    audit.record(
        "create", "api_tokens", row.id, {"user_id": user.id, "label": label, "expires_at": expires_at.isoformat()}
    )
    db.session.commit()
    return row, token


def issue_token(user: User, label: str, expires_in_days: int = DEFAULT_TOKEN_DAYS) -> str:
    """Create a token for the user and return it (shown once)."""
    return create_token(user, label, expires_in_days)[1]


# Every API call starts by finding its token's user. A worker remembers the answer for a few
# seconds instead of asking the database each time: any change to an account or a token made
# through this worker (revoked, disabled, new password, role or scope) clears its memory at once,
# and the other workers see such a change within TOKEN_CACHE_TTL_S: a token revoked through one
# worker (or by a password change there) may still be accepted by another for up to that long.
# Expiry is checked on every call, remembered or not.
TOKEN_CACHE_TTL_S = 5.0
TOKEN_CACHE_SIZE = 4096


def user_for_token(token: str) -> User | None:
    """The active user a live token belongs to, or None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    digest = hash_token(token)
    cache = _token_cache()
    now = time.monotonic()
    hit = cache.get(digest)
    if hit is not None and now - hit[0] < TOKEN_CACHE_TTL_S and utcnow() < hit[2]:
        # The remembered user joins this request's session as if just loaded (no query).
        return db.session.merge(hit[1], load=False)
    # Token and user in one query.
    row = db.session.execute(
        sa.select(ApiToken).options(joinedload(ApiToken.user)).where(ApiToken.token_hash == digest)
    ).scalar_one_or_none()
    if row is None or row.revoked_at is not None or not row.user.active or utcnow() >= row.expires_at:
        cache.pop(digest, None)
        return None
    if len(cache) >= TOKEN_CACHE_SIZE:
        cache.clear()
    cache[digest] = (now, _detached_copy(row.user), row.expires_at)
    return row.user


def refuse(token: str) -> Problem:
    """Why a token that does not work was refused, for its caller: 401 saying expired or revoked, or just 401."""
    row = None
    if token.startswith(TOKEN_PREFIX):
        row = db.session.execute(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(token))).scalar()
    if row is not None and row.revoked_at is not None:
        return _unauthorized(
            "token_revoked",
            "The API token was revoked (by an admin, or when its owner's password changed or the owner was disabled)",
            "访问令牌已吊销（管理员吊销，或令牌所有人已改密码或被停用），请向管理员申请新令牌",
        )
    if row is not None and utcnow() >= row.expires_at:
        return _unauthorized(
            "token_expired",
            f"The API token expired at {_iso(row.expires_at)}; ask an admin for a new one",
            f"访问令牌已于 {_iso(row.expires_at)} 过期，请向管理员申请新令牌",
        )
    return _unauthorized("token_invalid", "Authentication required", "需要登录或有效的访问令牌")


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _unauthorized(code: str, title_en: str, title_zh: str) -> Problem:
    return Problem(401, title_en, title_zh, extra={"code": code})


def _token_cache() -> dict:
    return current_app.extensions.setdefault("token_cache", {})


def _detached_copy(user: User) -> User:
    """The user's columns in an object of no session, shared read-only by the worker's threads."""
    copy = User(**{attr.key: getattr(user, attr.key) for attr in sa.inspect(User).column_attrs})
    make_transient_to_detached(copy)
    return copy


@sa.event.listens_for(Session, "after_flush")
def _forget_changed_accounts(session, flush_context) -> None:
    """A written user or token: this worker asks the database again for every token."""
    changed = chain(session.new, session.dirty, session.deleted)
    if has_app_context() and any(isinstance(obj, (User, ApiToken)) for obj in changed):
        current_app.extensions.pop("token_cache", None)


def revoke_labelled(user: User, label: str) -> int:
    """Revoke the user's live tokens with this label; return how many."""
    rows = db.session.execute(
        sa.select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.label == label, ApiToken.revoked_at.is_(None))
    ).scalars()
    count = 0
    for row in rows:
        row.revoked_at = utcnow()
        count += 1
    db.session.flush()
    return count

"""API tokens: random, shown once, stored as SHA-256."""

from __future__ import annotations

import hashlib
import secrets
import time
from itertools import chain

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.orm import joinedload, make_transient_to_detached

from jobmatch.accounts import audit
from jobmatch.accounts.models import ApiToken, User
from jobmatch.extensions import Session, db
from jobmatch.modelbase import utcnow
from jobmatch.vocab import Role

TOKEN_PREFIX = "jm_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def get_or_create_user(name: str, role: Role) -> User:
    user = db.session.execute(sa.select(User).where(User.name == name)).scalar_one_or_none()
    if user is None:
        user = User(name=name, role=role)
        db.session.add(user)
        db.session.flush()
    return user


def create_token(user: User, label: str) -> tuple[ApiToken, str]:
    """Create a token for the user; return its record and the token, whose hash alone is kept."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, label=label, token_hash=hash_token(token))
    db.session.add(row)
    db.session.flush()
    audit.record("create", "api_tokens", row.id, {"user_id": user.id, "label": label})
    db.session.commit()
    return row, token


def issue_token(user: User, label: str) -> str:
    """Create a token for the user and return it (shown once)."""
    return create_token(user, label)[1]


# Every API call starts by finding its token's user. A worker remembers the answer for a few
# seconds instead of asking the database each time: any change to an account or a token made
# through this worker (revoked, disabled, new role or scope) clears its memory at once, and the
# other workers see such a change within TOKEN_CACHE_TTL_S.
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
    if hit is not None and now - hit[0] < TOKEN_CACHE_TTL_S:
        # The remembered user joins this request's session as if just loaded (no query).
        return db.session.merge(hit[1], load=False)
    # Token and user in one query.
    row = db.session.execute(
        sa.select(ApiToken).options(joinedload(ApiToken.user)).where(ApiToken.token_hash == digest)
    ).scalar_one_or_none()
    if row is None or row.revoked_at is not None or not row.user.active:
        cache.pop(digest, None)
        return None
    if len(cache) >= TOKEN_CACHE_SIZE:
        cache.clear()
    cache[digest] = (now, _detached_copy(row.user))
    return row.user


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

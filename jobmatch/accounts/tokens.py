"""API tokens: random, shown once, stored as SHA-256."""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from jobmatch.accounts import audit
from jobmatch.accounts.models import ApiToken, User
from jobmatch.extensions import db
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


def user_for_token(token: str) -> User | None:
    """The active user a live token belongs to, or None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    # Token and user in one query: every API call starts here.
    row = db.session.execute(
        sa.select(ApiToken).options(joinedload(ApiToken.user)).where(ApiToken.token_hash == hash_token(token))
    ).scalar_one_or_none()
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    return row.user


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

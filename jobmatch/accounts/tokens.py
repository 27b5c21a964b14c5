"""API tokens: random, shown once, stored as SHA-256, and valid until they expire or are revoked.

A token stops working when it is revoked, when it expires, and when its owner's password changes
or the owner is disabled (accounts.service revokes them; enabling the account again does not
revive them).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import g
from sqlalchemy.orm import aliased, make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from jobmatch.accounts import audit
from jobmatch.accounts.models import ApiToken, User, user_regions, workshop_managers
from jobmatch.accounts.scope import Scope, scope_from
from jobmatch.errors import Problem
from jobmatch.extensions import WAITING_USER, db
from jobmatch.modelbase import utcnow
from jobmatch.people.models import Region
from jobmatch.prepared import Prepared
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


def _caller_statement(dialect) -> sa.Select:
    """A token's state, its user's columns, the user's regions (with parent and grandparent) and workshops."""
    region, parent, grand = aliased(Region), aliased(Region), aliased(Region)
    return (
        sa.select(ApiToken.revoked_at, ApiToken.expires_at, *_USER_COLUMNS)
        .add_columns(region.id, region.level, region.code, parent.id, parent.level, parent.code)
        .add_columns(grand.id, grand.level, grand.code, workshop_managers.c.workshop_id)
        .select_from(ApiToken)
        .join(User, User.id == ApiToken.user_id)
        .outerjoin(user_regions, user_regions.c.user_id == User.id)
        .outerjoin(region, region.id == user_regions.c.region_id)
        .outerjoin(parent, parent.id == region.parent_id)
        .outerjoin(grand, grand.id == parent.parent_id)
        .outerjoin(workshop_managers, workshop_managers.c.user_id == User.id)
        .where(ApiToken.token_hash == sa.bindparam("token_hash", type_=sa.String()))
    )


# Every column but the password's hash: an API call never needs it (a user's hash is loaded if ever asked for).
_USER_COLUMNS = tuple(attr.class_attribute for attr in sa.inspect(User).column_attrs if attr.key != "password_hash")
_USER_CLASS = sa.inspect(User).class_manager
_CALLER = Prepared(_caller_statement)


def caller(token: str) -> tuple[User, Scope] | None:
    """The active user a live token belongs to, with their scope: one statement, asked on every call.

    Nothing is remembered between calls, so a token revoked, an account disabled or a scope changed
    by any worker counts from the next request on.
    """
    if not token.startswith(TOKEN_PREFIX):
        return None
    rows = _CALLER.rows({"token_hash": hash_token(token)})
    if not rows:
        return None
    first = rows[0]
    revoked_at, expires_at = first[0], first[1]
    values = dict(zip((c.key for c in _USER_COLUMNS), first[2 : 2 + len(_USER_COLUMNS)], strict=True))
    if revoked_at is not None or not values["active"] or utcnow() >= expires_at:
        return None
    start = 2 + len(_USER_COLUMNS)
    regions = list({row[start]: row[start : start + 9] for row in rows if row[start] is not None}.values())
    workshops = {row[start + 9] for row in rows if row[start + 9] is not None}
    return _as_loaded(values), scope_from(values["role"], regions, workshops)


def user_for_token(token: str) -> User | None:
    """The active user a live token belongs to, or None."""
    found = caller(token)
    return None if found is None else found[0]


def _as_loaded(values: dict) -> User:
    """The user as if loaded by a query into the request's session: its relationships load when asked, a change
    to it is written at the next commit.

    Most API reads never open the session (their statements are prepared: jobmatch.prepared), and opening
    one only to hold the caller cost them a tenth of their time. So until the request opens its session the
    user waits in `g`, detached, and joins the session when it is opened (extensions.Session); its columns
    are all there meanwhile. Only its relationships and the password's hash need the session: `attached`.
    """
    registry = db.session.registry
    if registry.has():
        session = registry()
        known = session.identity_map.get(identity_key(User, values["id"]))
        if known is not None:
            return known
        user = _detached(values)
        session.add(user)
        return user
    waiting = g.get(WAITING_USER)
    if waiting is not None and waiting.id == values["id"]:
        return waiting
    user = _detached(values)
    setattr(g, WAITING_USER, user)
    return user


def _detached(values: dict) -> User:
    # Made as a query's loading makes it: the values put in place, not set one by one through the
    # attribute events of User(**values) (a third of the cost of finding the caller).
    user = _USER_CLASS.new_instance()
    user.__dict__.update(values)
    make_transient_to_detached(user)
    return user


def attached(user: User) -> User:
    """The caller in the request's session, opened now if it was not (for its relationships or password)."""
    session = db.session()
    return user if user in session else session.merge(user, load=False)


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

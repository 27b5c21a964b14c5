"""Accounts: creating users, changing their role and scope, logging in and the login sessions."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from jobmatch import text
from jobmatch.accounts import audit, passwords
from jobmatch.accounts.models import ApiToken, User, UserSession
from jobmatch.errors import Collector, Conflict, FieldError, NotFound
from jobmatch.extensions import db
from jobmatch.modelbase import utcnow
from jobmatch.people.models import Region
from jobmatch.vocab import RegionLevel, Role
from workshops.models import Workshop

# The level of region that makes up each role's scope.
SCOPE_LEVEL = {Role.bureau: RegionLevel.county, Role.cadre: RegionLevel.village}


# A session's last_seen_at is written at most this often (one UPDATE a minute, not one per request).
SESSION_TOUCH_INTERVAL = timedelta(minutes=1)


def login_name(name: str | None) -> str:
    """A login name as accounts store it: the login and its per-name limit both key on this."""
    return text.normalize(name)


def user_by_name(name: str) -> User | None:
    return db.session.execute(sa.select(User).where(User.name == name)).scalar_one_or_none()


def _resolve_scope(role: Role, region_codes: list[str], workshop_ids: list[int], errors: Collector):
    """The regions or workshop a role is limited to, checked against the role."""
    regions: list[Region] = []
    workshops: list[Workshop] = []
    if role in SCOPE_LEVEL:
        level = SCOPE_LEVEL[role]
        for code in region_codes:
            region = db.session.execute(
                sa.select(Region).where(Region.code == text.normalize_digits(code))
            ).scalar_one_or_none()
            if region is None or region.level != level:
                errors.add(
                    "region_codes",
                    "wrong_region",
                    f"{code} 不是有效的{'县' if level == 'county' else '行政村'}",
                    f"{code} is not a {level.value}",
                )
            else:
                regions.append(region)
        if not region_codes:
            errors.add("region_codes", "required", "须指定管辖范围", f"a {role.value} needs {level.value} codes")
    if role == Role.manager:
        for ident in workshop_ids:
            workshop = db.session.get(Workshop, ident)
            if workshop is None:
                errors.add("workshop_ids", "not_found", "帮扶车间不存在", f"no workshop {ident}")
            else:
                workshops.append(workshop)
        if len(workshop_ids) != 1:
            errors.add("workshop_ids", "exactly_one", "车间负责人须对应一个车间", "a manager has exactly one workshop")
    return regions, workshops


def save_user(data: dict, user: User | None = None) -> User:
    """Create or change an account; a new role, scope, password or disabling ends old sessions."""
    errors = Collector()
    name = text.normalize(data.get("name", user.name if user else ""))
    if not name:
        errors.add("name", "required", "登录名不能为空", "login name is required")
    role = Role(data.get("role", user.role if user else Role.cadre))
    region_codes = data.get("region_codes", [r.code for r in user.regions] if user else [])
    workshop_ids = data.get("workshop_ids", [w.id for w in user.workshops] if user else [])
    regions, workshops = _resolve_scope(role, region_codes, workshop_ids, errors)
    password = data.get("password")
    if password is not None and len(password) < passwords.MIN_PASSWORD_LENGTH:
        errors.add(
            "password",
            "too_short",
            f"密码至少 {passwords.MIN_PASSWORD_LENGTH} 位",
            f"password must have at least {passwords.MIN_PASSWORD_LENGTH} characters",
        )
    errors.raise_if_any()
    existing = user_by_name(name)
    if existing is not None and existing is not user:
        raise Conflict([FieldError("name", "duplicate", "登录名已被使用", "login name is taken")])

    created = user is None
    if created:
        user = User(name=name, role=role)
        db.session.add(user)
    before = {
        "role": user.role.value if user.role else None,
        "scope": sorted(r.code for r in user.regions) + [f"workshop:{w.id}" for w in user.workshops],
        "active": user.active,
    }
    user.name = name
    user.role = role
    user.display_name = text.normalize_optional(data.get("display_name", user.display_name))
    user.regions = regions
    user.workshops = workshops
    if "active" in data:
        user.active = bool(data["active"])
    if password is not None:
        user.password_hash = passwords.hash_password(password)
    after = {
        "role": role.value,
        "scope": sorted(r.code for r in regions) + [f"workshop:{w.id}" for w in workshops],
        "active": user.active if user.active is not None else True,
    }
    if not created and (before != after or password is not None):
        user.session_version = (user.session_version or 1) + 1
    db.session.flush()
    changes = {k: {"from": before[k], "to": after[k]} for k in after if before[k] != after[k]}
    if password is not None:
        changes["password"] = "(changed)"
    if not created and (password is not None or (before["active"] and not after["active"])):
        # A new password or a disabled account ends the API tokens too; enabling it again does not revive them.
        revoked = _revoke_live_tokens(user)
        if revoked:
            changes["tokens_revoked"] = revoked
    audit.record("create" if created else "update", "users", user.id, changes)
    db.session.commit()
    return user


def _revoke_live_tokens(user: User) -> int:
    """Revoke every token of the user that still works; return how many."""
    rows = db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)))
    count = 0
    for row in rows:
        row.revoked_at = utcnow()
        count += 1
    db.session.flush()
    return count


def authenticate(name: str, password: str) -> User | None:
    """The active user with this name and password; the same work is done when either is wrong."""
    user = user_by_name(login_name(name))
    stored = user.password_hash if user is not None else None
    if not passwords.verify_password(stored, password) or user is None or not user.active:
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_login_at = utcnow()
    audit.record("login", "users", user.id)
    db.session.commit()
    return user


def _key_hash(session_key: str) -> str:
    return hashlib.sha256(session_key.encode()).hexdigest()


def start_session(user: User, remote_addr: str | None, previous_key: str | None = None) -> User:
    """A new login session for the user (a new random key, never one the browser brought); the user carries its key.

    The browser's earlier session, if any, ends: one browser, one session.
    """
    if previous_key:
        end_session(previous_key, "replaced", commit=False)
    # The user's sessions past their absolute age can never count again: the table keeps a week of logins.
    db.session.execute(
        sa.delete(UserSession).where(
            UserSession.user_id == user.id, UserSession.created_at < utcnow() - current_app.config["SESSION_MAX_AGE"]
        )
    )
    key = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            key_hash=_key_hash(key),
            user_id=user.id,
            session_version=user.session_version or 1,
            remote_addr=remote_addr,
        )
    )
    db.session.commit()
    user.session_key = key
    return user


def end_session(session_key: str, reason: str = "logout", commit: bool = True) -> None:
    """The session stops working at once, for every copy of its cookie."""
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.key_hash == _key_hash(session_key), UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )
    if commit:
        db.session.commit()


def load_session_user(session_key: str) -> User | None:
    """The user of a live session: not ended, not idle too long, not too old, account unchanged and active."""
    if not session_key or ":" in session_key:
        return None  # a cookie from before server-side sessions (user id and version): log in again
    # The session and its user in one query.
    row = db.session.execute(
        sa.select(UserSession)
        .options(joinedload(UserSession.user))
        .where(UserSession.key_hash == _key_hash(session_key))
    ).scalar_one_or_none()
    if row is None or row.ended_at is not None:
        return None
    now = utcnow()
    user = row.user
    config = current_app.config
    if (
        not user.active
        or user.session_version != row.session_version
        or now - row.last_seen_at >= config["SESSION_IDLE_TIMEOUT"]
        or now - row.created_at >= config["SESSION_MAX_AGE"]
    ):
        return None
    if now - row.last_seen_at >= SESSION_TOUCH_INTERVAL:
        _touch(row.id, now)
    user.session_key = session_key
    return user


def _touch(session_id: int, now) -> None:
    """Record that the session was used, on a connection of its own: it commits whatever the request does."""
    with db.engine.begin() as conn:
        conn.execute(sa.update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now))


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("User", "用户")
    return user


def list_users() -> sa.Select:
    return sa.select(User).order_by(User.name)


def get_token(token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("Token", "访问令牌")
    return token


def list_tokens() -> sa.Select:
    return sa.select(ApiToken).order_by(ApiToken.id.desc())


def revoke_token(token_id: int) -> ApiToken:
    token = get_token(token_id)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record("revoke", "api_tokens", token.id)
        db.session.commit()
    return token

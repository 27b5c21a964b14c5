"""Accounts: creating users, changing their role and scope, logging in."""

from __future__ import annotations

import sqlalchemy as sa

from jobmatch import text
from jobmatch.accounts import audit, passwords
from jobmatch.accounts.models import ApiToken, User
from jobmatch.errors import Collector, Conflict, FieldError, NotFound
from jobmatch.extensions import db
from jobmatch.modelbase import utcnow
from jobmatch.people.models import Region
from jobmatch.vocab import RegionLevel, Role
from workshops.models import Workshop

# The level of region that makes up each role's scope.
SCOPE_LEVEL = {Role.bureau: RegionLevel.county, Role.cadre: RegionLevel.village}


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
    audit.record("create" if created else "update", "users", user.id, changes)
    db.session.commit()
    return user


def authenticate(name: str, password: str) -> User | None:
    """The active user with this name and password; the same work is done when either is wrong."""
    user = user_by_name(text.normalize(name))
    stored = user.password_hash if user is not None else None
    if not passwords.verify_password(stored, password) or user is None or not user.active:
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_login_at = utcnow()
    audit.record("login", "users", user.id)
    db.session.commit()
    return user


def load_session_user(session_id: str) -> User | None:
    """The user of a session cookie if it is still valid (active, same session version)."""
    try:
        user_id, version = (int(part) for part in session_id.split(":"))
    except ValueError:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.session_version != version:
        return None
    return user


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

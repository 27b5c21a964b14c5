"""JSON API for accounts, tokens and the audit trail (admins), and `me` for everyone."""

from __future__ import annotations

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, DateTime, List, String
from apiflask.validators import Length, Range
from flask import current_app, g
from marshmallow import fields as mm

from jobmatch.accounts import audit, service, tokens
from jobmatch.api.auth import ADMINS, token_auth
from jobmatch.api.common import Integer, PageQuery, coded, page_schema
from jobmatch.crud import page_of
from jobmatch.idempotency import idempotent
from jobmatch.vocab import Role

bp = APIBlueprint("accounts_api", __name__, url_prefix="/api/v1", tag="Accounts · 账号与审计")


class UserIn(Schema):
    name = String(required=True, validate=Length(min=1, max=64))
    display_name = String(allow_none=True, validate=Length(max=64))
    role = coded(Role, required=True)
    region_codes = List(String(), metadata={"description": "bureau: one county code; cadre: village codes"})
    workshop_ids = List(Integer(), metadata={"description": "manager: the one workshop"})
    password = String(load_only=True, validate=Length(min=10, max=128))
    active = Boolean()


UserPatch = UserIn(partial=True)


class UserOut(Schema):
    id = Integer()
    name = String()
    display_name = String(allow_none=True)
    role = String()
    active = Boolean()
    region_codes = mm.Function(lambda u: u["region_codes"] if isinstance(u, dict) else [r.code for r in u.regions])
    workshop_ids = mm.Function(lambda u: u["workshop_ids"] if isinstance(u, dict) else [w.id for w in u.workshops])
    last_login_at = DateTime(allow_none=True)
    created_at = DateTime()


@bp.get("/me")
@bp.auth_required(token_auth)
@bp.output(UserOut)
def me():
    """The calling user and their scope / 当前用户"""
    user, scope = g.user, g.scope
    if user.role not in (Role.bureau, Role.cadre, Role.manager):
        return tokens.attached(user)  # its regions and workshops, read with it
    # The scope read with the token already holds the user's regions or workshop: no query again, and the
    # answer written as UserOut writes it (tests/accounts/test_me.py compares the two).
    return current_app.json.response(
        {
            "id": user.id,
            "name": user.name,
            "display_name": user.display_name,
            "role": user.role.value,
            "active": user.active,
            "region_codes": list(scope.region_codes),
            "workshop_ids": sorted(scope.workshop_ids),
            "last_login_at": _iso(user.last_login_at),
            "created_at": _iso(user.created_at),
        }
    )


def _iso(moment) -> str | None:
    return None if moment is None else moment.isoformat()


@bp.post("/users")
@bp.auth_required(token_auth, roles=ADMINS)
@idempotent
@bp.input(UserIn, arg_name="data")
@bp.output(UserOut, status_code=201)
def create_user(data: dict):
    """Create an account / 新建账号"""
    return service.save_user(data)


@bp.get("/users/<int:user_id>")
@bp.auth_required(token_auth, roles=ADMINS)
@bp.output(UserOut)
def get_user(user_id: int):
    """Get an account / 查看账号"""
    return service.get_user(user_id)


@bp.get("/users")
@bp.auth_required(token_auth, roles=ADMINS)
@bp.input(PageQuery, location="query", arg_name="query")
@bp.output(page_schema(UserOut, "UserPage"))
def list_users(query: dict):
    """List accounts / 账号列表"""
    return page_of(service.list_users(), query["page"], query["per_page"], query.get("cursor"))


@bp.patch("/users/<int:user_id>")
@bp.auth_required(token_auth, roles=ADMINS)
@bp.input(UserPatch, arg_name="data")
@bp.output(UserOut)
def update_user(user_id: int, data: dict):
    """Change role, scope, password or disable; takes effect on the user's next request / 修改账号"""
    return service.save_user(data, service.get_user(user_id))


class TokenIn(Schema):
    user_id = Integer(required=True)
    label = String(required=True, validate=Length(min=1, max=64))
    expires_in_days = Integer(
        load_default=tokens.DEFAULT_TOKEN_DAYS,
        validate=Range(min=1, max=tokens.MAX_TOKEN_DAYS),
        metadata={"description": f"days the token works (default {tokens.DEFAULT_TOKEN_DAYS}) / 有效天数"},
    )


class TokenOut(Schema):
    id = Integer()
    user_id = Integer()
    user_name = String(attribute="user.name")
    label = String()
    created_at = DateTime()
    expires_at = DateTime()
    revoked_at = DateTime(allow_none=True)


class NewTokenOut(Schema):
    id = Integer()
    user_id = Integer()
    user_name = String(attribute="user.name")
    label = String()
    created_at = DateTime()
    expires_at = DateTime()
    token = String(metadata={"description": "shown once / 仅显示一次"})


# No Idempotency-Key here: a replay would need the new token stored in the clear (tokens are kept hashed).
@bp.post("/tokens")
@bp.auth_required(token_auth, roles=ADMINS)
@bp.input(TokenIn, arg_name="data")
@bp.output(NewTokenOut, status_code=201)
def create_token(data: dict):
    """Create an API token for a user; the token is shown only in this response / 新建访问令牌"""
    row, secret = tokens.create_token(service.get_user(data["user_id"]), data["label"], data["expires_in_days"])
    return {
        "id": row.id,
        "user_id": row.user_id,
        "user": {"name": row.user.name},
        "label": row.label,
        "created_at": row.created_at,
        "expires_at": row.expires_at,
        "revoked_at": None,
        "token": secret,
    }


@bp.get("/tokens/<int:token_id>")
@bp.auth_required(token_auth, roles=ADMINS)
@bp.output(TokenOut)
def get_token(token_id: int):
    """Get a token's record (never the token) / 查看令牌记录"""
    return service.get_token(token_id)


@bp.get("/tokens")
@bp.auth_required(token_auth, roles=ADMINS)
@bp.input(PageQuery, location="query", arg_name="query")
@bp.output(page_schema(TokenOut, "TokenPage"))
def list_tokens(query: dict):
    """List tokens (never their values) / 访问令牌列表"""
    return page_of(service.list_tokens(), query["page"], query["per_page"], query.get("cursor"))


@bp.post("/tokens/<int:token_id>/revoke")
@bp.auth_required(token_auth, roles=ADMINS)
@idempotent
@bp.output(TokenOut)
def revoke_token(token_id: int):
    """Revoke a token at once / 吊销访问令牌"""
    return service.revoke_token(token_id)


class AuditQuery(PageQuery):
    entity_type = String()
    entity_id = Integer()
    actor_id = Integer()
    action = String()
    since = DateTime()
    until = DateTime()


class AuditOut(Schema):
    id = Integer()
    occurred_at = DateTime()
    actor_id = Integer(allow_none=True)
    action = String()
    entity_type = String()
    entity_id = Integer()
    changes = mm.Dict()
    remote_addr = String(allow_none=True)


@bp.get("/audit-events")
@bp.auth_required(token_auth, roles=ADMINS)
@bp.input(AuditQuery, location="query", arg_name="query")
@bp.output(page_schema(AuditOut, "AuditPage"))
def list_audit_events(query: dict):
    """Search the audit trail / 查询操作留痕"""
    filters = {k: query.get(k) for k in ("entity_type", "entity_id", "actor_id", "action", "since", "until")}
    return page_of(audit.search(**filters), query["page"], query["per_page"], query.get("cursor"))

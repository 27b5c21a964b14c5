"""Bearer-token authentication for every /api/v1 call."""

from __future__ import annotations

from apiflask import HTTPTokenAuth
from flask import g

from jobmatch.accounts.models import User
from jobmatch.accounts.tokens import user_for_token
from jobmatch.vocab import Role

token_auth = HTTPTokenAuth(scheme="Bearer", description="`flask users create-token NAME --role ROLE`")

# Roles that see full ID numbers and phones; others get masked values.
PERSONAL_DATA_ROLES = frozenset({Role.admin, Role.bureau, Role.cadre})


@token_auth.verify_token
def verify(token: str) -> User | None:
    user = user_for_token(token or "")
    if user is not None:
        g.actor_id = user.id
        g.user = user
    return user


def may_see_personal_data() -> bool:
    user = g.get("user")
    return user is not None and user.role in PERSONAL_DATA_ROLES

"""Who is calling /api/v1: a bearer token (machine clients) or a logged-in page (same-origin AJAX)."""

from __future__ import annotations

from apiflask import HTTPTokenAuth
from flask import request
from flask_login import current_user

from jobmatch.accounts import tokens
from jobmatch.accounts.models import User
from jobmatch.accounts.scope import set_current_user
from jobmatch.extensions import csrf


class TokenOrSessionAuth(HTTPTokenAuth):
    """Bearer token if given; otherwise the page's login session (the library asks only when a token is sent)."""

    def authenticate(self, auth, stored_password):
        return self.ensure_sync(self.verify_token_callback)(getattr(auth, "token", None) or "")


token_auth = TokenOrSessionAuth(
    scheme="Bearer",
    description="`flask users create-token NAME --role ROLE`, or an admin's token page",
)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@token_auth.verify_token
def verify(token: str) -> User | None:
    if token:
        found = tokens.caller(token)
        if found is None:
            # Say whether it expired or was revoked, so a machine client's operator knows what to do.
            raise tokens.refuse(token)
        set_current_user(*found)
        return found[0]
    if current_user.is_authenticated:
        # A page calling the API with its session cookie must prove it is our page.
        if request.method not in SAFE_METHODS:
            csrf.protect()
        user = current_user._get_current_object()
    else:
        user = None
    if user is not None:
        set_current_user(user)
    return user


@token_auth.get_user_roles
def roles(user: User) -> list[str]:
    return [user.role.value]


# Who may write what (reads are open to every role, within its scope).
REGISTRY_EDITORS = ["admin", "bureau"]
PEOPLE_EDITORS = ["admin", "bureau", "cadre"]
ADMINS = ["admin"]

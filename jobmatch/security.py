"""Sessions, CSRF, login limits and the security headers on every response."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Request, Response, current_app, g, redirect, request, url_for
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from jobmatch.accounts import service
from jobmatch.accounts.scope import set_current_user
from jobmatch.api.problems import problem_response
from jobmatch.extensions import csrf, limiter, login_manager

# Pages load scripts, styles and images from our own static files only.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# The API docs page (Swagger UI) starts itself with an inline script.
DOCS_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
    "script-src 'self'; style-src 'self'", "script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'"
)


# Revealing a laborer's full ID number, phone and health note: enough for a day's casework, not for
# harvesting a county's records. Counted per user (token or session), shared by workers through Redis.
REVEAL_LIMIT_PER_USER = "30 per hour"
# The API's description and its interactive page (APIFlask's endpoints).
API_DOCS_ENDPOINTS = frozenset({"openapi.spec", "openapi.docs"})


def _user_key() -> str:
    """The calling user (the limit is checked after authentication); the address if there is none."""
    user = g.get("user")
    return f"user:{user.id}" if user is not None else f"address:{request.remote_addr}"


def limit_reveals(view):
    """At most REVEAL_LIMIT_PER_USER calls per user, then 429 (put below the route's auth decorator,
    so the user is known when the call is counted)."""
    limited = limiter.limit(REVEAL_LIMIT_PER_USER, key_func=_user_key)(view)
    limited.rate_limited = True  # the OpenAPI document lists its 429
    return limited


def is_safe_next(target: str | None) -> bool:
    """Only a path on this site: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    if not target.isprintable() or any(c.isspace() for c in target):  # CR/LF would split the Location header
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, without building its signer for a request that sends no cookie.

    API clients send a bearer token and no cookie: their session is empty from the start, and an empty
    session that nothing changed writes no cookie, so neither way needs the signer (the answer still
    says `Vary: Cookie` when the session was looked at, as Flask's does).
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SecureCookieSession, response: Response) -> None:
        if not session and not session.modified:
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)


def _security_headers(response: Response) -> Response:
    docs = request.path.startswith("/api/v1/docs")
    response.headers["Content-Security-Policy"] = DOCS_CONTENT_SECURITY_POLICY if docs else CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    if not request.path.startswith("/static/"):
        # Pages and API answers may carry personal data: never keep them in a cache.
        response.headers["Cache-Control"] = "no-store"
    return response


def _page_user() -> None:
    """Pages see the logged-in user's scope, like the API does for tokens."""
    if not request.path.startswith(("/api/", "/static/")) and current_user.is_authenticated:
        set_current_user(current_user._get_current_object())


def _api_docs_for_users_only():
    """Without PUBLIC_API_DOCS (off in production), the API's description is for logged-in users and tokens."""
    if request.endpoint not in API_DOCS_ENDPOINTS or current_app.config["PUBLIC_API_DOCS"]:
        return None
    if current_user.is_authenticated:
        return None
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        from jobmatch.accounts.tokens import user_for_token

        if user_for_token(header.removeprefix("Bearer ").strip()) is not None:
            return None
    if request.endpoint == "openapi.docs":
        return redirect(url_for("accounts.login", next=request.path))
    return problem_response(
        401,
        "Log in or send an API token to read the API documentation",
        "请先登录或提供访问令牌以查看 API 文档",
        headers={"WWW-Authenticate": "Bearer"},
    )


def check_limits_in_views_only(app: Flask, extension: Limiter = limiter) -> None:
    """Drop Flask-Limiter's check before every request while no limit needs it.

    That check applies the limits of the whole app, of a blueprint and the defaults; this service's
    limits (login, reveals) sit on their views, whose decorators check them when the view is called.
    With none of the others it found nothing on every request, at a tenth of the CPU of a `/me`.
    Should one be set some day, the check stays.
    """
    manager = extension.limit_manager
    if manager.application_limits or manager.default_limits or manager._blueprint_limits or extension._meta_limits:
        return
    hooks = app.before_request_funcs.get(None, [])
    if extension._check_request_limit in hooks:
        hooks.remove(extension._check_request_limit)


def init_app(app: Flask, api_blueprints: list) -> None:
    app.session_interface = CookieSessionInterface()
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    # The limiter is one object for every app and init_app gave it a new storage: not known to be down.
    limiter._storage_dead = False
    check_limits_in_views_only(app)
    for blueprint in api_blueprints:
        # Token calls carry no cookie to forge; session calls are checked in jobmatch.api.auth.
        csrf.exempt(blueprint)

    @login_manager.user_loader
    def load_user(session_key: str):
        return service.load_session_user(session_key)

    app.before_request(_page_user)
    app.before_request(_api_docs_for_users_only)
    app.after_request(_security_headers)

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError):
        if request.path.startswith("/api/"):
            return problem_response(400, "CSRF token missing or invalid", "页面已过期或缺少安全令牌，请刷新后重试")
        from flask import render_template

        return render_template(
            "error.html",
            status=400,
            message_zh="页面已过期，请刷新后重试",
            message_en="The page expired; reload it and try again.",
        ), 400

    @app.context_processor
    def inject_user() -> dict:
        return {"user": g.get("user")}

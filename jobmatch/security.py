"""Sessions, CSRF, login limits and the security headers on every response."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, g, request
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


def is_safe_next(target: str | None) -> bool:
    """Only a path on this site: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    if not target.isprintable() or any(c.isspace() for c in target):  # CR/LF would split the Location header
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


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


def init_app(app: Flask, api_blueprints: list) -> None:
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    for blueprint in api_blueprints:
        # Token calls carry no cookie to forge; session calls are checked in jobmatch.api.auth.
        csrf.exempt(blueprint)

    @login_manager.user_loader
    def load_user(session_id: str):
        return service.load_session_user(session_id)

    app.before_request(_page_user)
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

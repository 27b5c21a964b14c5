"""Login, logout and the admin pages for users, tokens and the audit trail."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from wtforms.fields.choices import SelectChoice

from jobmatch.accounts import passwords, service, tokens
from jobmatch.accounts.forms import ROLE_LABELS, LoginForm, LogoutForm, RevokeForm, TokenForm, UserForm
from jobmatch.errors import Problem
from jobmatch.extensions import db, limiter
from jobmatch.i18n import message
from jobmatch.modelbase import utcnow
from jobmatch.security import is_safe_next

bp = Blueprint("accounts", __name__)

# Guessing passwords: a few tries per minute per address and per login name, shared by all workers.
LOGIN_LIMIT_PER_ADDRESS = "20 per minute"
LOGIN_LIMIT_PER_NAME = "5 per minute"
AUDIT_PAGE_SIZE = 50
TOKENS_PAGE_SIZE = 50


def _login_name_key() -> str:
    """The name exactly as login looks it up: every way of writing one name shares its tries."""
    return "login-name:" + service.login_name(request.form.get("name"))


def roles_required(*roles: str):
    """Pages for some roles only: others get 403 (they are logged in, so the page's existence is no secret)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role.value not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT_PER_ADDRESS, methods=["POST"])
@limiter.limit(LOGIN_LIMIT_PER_NAME, methods=["POST"], key_func=_login_name_key)
def login():
    """Log in / 登录"""
    form = LoginForm(next=request.args.get("next", ""))
    failed = False
    if form.validate_on_submit():
        user = service.authenticate(form.name.data, form.password.data)
        if user is not None:
            previous = current_user.get_id() if current_user.is_authenticated else None
            # Nothing the browser brought survives the login (no session fixation); the new key is random.
            session.clear()
            login_user(service.start_session(user, request.remote_addr, previous))
            target = form.next.data
            return redirect(target if is_safe_next(target) else url_for("site.index"))
        # One message whether the name or the password was wrong.
        failed = True
    return render_template("accounts/login.html", form=form, failed=failed)


@bp.post("/logout")
def logout():
    """Log out / 退出"""
    if LogoutForm().validate_on_submit():
        if current_user.is_authenticated:
            # Ended on the server: a copy of the cookie stops working too.
            service.end_session(current_user.get_id())
        logout_user()
        session.clear()
    return redirect(url_for("accounts.login"))


@bp.route("/admin/users", methods=["GET", "POST"])
@roles_required("admin")
def users():
    """Accounts / 账号管理"""
    form = UserForm()
    new_password = None
    if form.validate_on_submit():
        new_password = form.password.data or passwords.random_password()
        try:
            service.save_user(_user_data(form, new_password))
            flash(_("已创建账号 %(name)s", name=form.name.data), "success")
        except Problem as problem:
            _form_errors(form, problem)
            new_password = None
    page = db.paginate(service.list_users(), per_page=100, error_out=False)
    return render_template(
        "accounts/users.html",
        form=form,
        users=page.items,
        new_password=new_password,
        role_labels=ROLE_LABELS,
        **_pickers(),
    )


def _pickers() -> dict:
    """Villages by township and workshops by name for the scope fields."""
    from jobmatch.admin import pickers

    return {"region_groups": pickers.region_groups(), "workshop_options": pickers.workshop_options()}


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@roles_required("admin")
def edit_user(user_id: int):
    """Edit an account / 修改账号"""
    user = service.get_user(user_id)
    form = UserForm(obj=user)
    if request.method == "GET":
        form.regions.data = [r.code for r in user.regions]
        form.workshop_id.data = user.workshops[0].id if user.workshops else None
        form.role.data = user.role.value
    if form.validate_on_submit():
        try:
            service.save_user(_user_data(form, form.password.data or None), user)
            flash(_("已保存；该用户下次操作时生效"), "success")
            return redirect(url_for("accounts.users"))
        except Problem as problem:
            _form_errors(form, problem)
    return render_template("accounts/user_edit.html", form=form, edited=user, **_pickers())


def _user_data(form: UserForm, password: str | None) -> dict:
    codes = [c.strip() for c in form.regions.data or [] if c.strip()]
    data = {
        "name": form.name.data,
        "display_name": form.display_name.data,
        "role": form.role.data,
        "region_codes": codes,
        "workshop_ids": [form.workshop_id.data] if form.workshop_id.data else [],
        "active": form.active.data,
    }
    if password:
        data["password"] = password
    return data


def _form_errors(form, problem: Problem) -> None:
    """Show the service's field errors next to the form's fields."""
    aliases = {"workshop_ids": "workshop_id", "region_codes": "regions"}
    for error in problem.errors:
        field = getattr(form, aliases.get(error.field, error.field), None)
        if field is not None:
            field.errors = [*field.errors, message(error)]
        else:
            flash(message(error), "error")


@bp.route("/admin/tokens", methods=["GET", "POST"])
@roles_required("admin")
def api_tokens():
    """API tokens / 访问令牌"""
    form = TokenForm()
    form.user_id.choices = [
        SelectChoice(u.id, f"{u.name} ({ROLE_LABELS[u.role.value]})") for u in db.session.scalars(service.list_users())
    ]
    new_token = None
    if form.validate_on_submit():
        new_token = tokens.issue_token(service.get_user(form.user_id.data), form.label.data, form.expires_in_days.data)
    from jobmatch.admin import lists
    from jobmatch.listings.pages import keyset_page

    page = keyset_page(lists.tokens_query({}), TOKENS_PAGE_SIZE)
    return render_template(
        "accounts/tokens.html",
        form=form,
        page=page,
        tokens=page["items"],
        new_token=new_token,
        revoke_form=RevokeForm(),
        now=utcnow(),
    )


@bp.post("/admin/tokens/<int:token_id>/revoke")
@roles_required("admin")
def revoke_api_token(token_id: int):
    """Revoke a token / 吊销令牌"""
    if RevokeForm().validate_on_submit():
        service.revoke_token(token_id)
        flash(_("令牌已吊销"), "success")
    return redirect(url_for("accounts.api_tokens"))


@bp.get("/admin/audit")
@roles_required("admin")
def audit_events():
    """Audit trail / 操作留痕"""
    from jobmatch.admin import audit_trail, lists
    from jobmatch.listings.pages import keyset_page

    filters = lists.audit_filters(request.args)
    page = keyset_page(lists.audit_query(filters), AUDIT_PAGE_SIZE)
    return render_template(
        "accounts/audit.html",
        page=page,
        filters=filters,
        errors={name: message(error) for name, error in filters["errors"].items()},
        raw=request.args,
        people=audit_trail.people(),
        **lists.audit_context(page["items"], filters),
        actions=audit_trail.ACTIONS,
        records=audit_trail.RECORDS,
        details=audit_trail.details,
    )

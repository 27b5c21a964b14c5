"""The front page until the role pages arrive: what this is and where the API lives."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import redirect, render_template, url_for
from flask_login import current_user

bp = APIBlueprint("site", __name__, enable_openapi=False)


@bp.get("/")
def index():
    """Front page / 首页"""
    if current_user.is_authenticated and current_user.role.value == "bureau":
        # The bureau's day starts with its tasks.
        return redirect(url_for("bureau.today"))
    return render_template("index.html")

"""The front page until the role pages arrive: what this is and where the API lives."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import g, render_template

bp = APIBlueprint("site", __name__, enable_openapi=False)


@bp.get("/")
def index():
    """Front page / 首页"""
    user = g.get("user")
    if user is not None and user.role.value == "admin":
        from jobmatch.admin.views import home_page

        return home_page()
    return render_template("index.html")

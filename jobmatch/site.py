"""The front page until the role pages arrive: what this is and where the API lives."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import g, redirect, render_template, url_for

from jobmatch.cadre.day import home as cadre_home

bp = APIBlueprint("site", __name__, enable_openapi=False)


@bp.get("/")
def index():
    """Front page / 首页"""
    user = g.get("user")
    if user is not None and user.role.value == "admin":
        from jobmatch.admin.views import home_page

        return home_page()
    if user is not None and user.role.value == "bureau":
        # The bureau's day starts with its tasks.
        return redirect(url_for("bureau.today"))
    if user is not None and user.role.value == "cadre":
        # A cadre's day starts with what is waiting for them: the to-do home (also at /today).
        return cadre_home()
    return render_template("index.html")

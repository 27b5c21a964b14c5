"""The front page until the role pages arrive: what this is and where the API lives."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import g, redirect, render_template, url_for

bp = APIBlueprint("site", __name__, enable_openapi=False)


@bp.get("/")
def index():
    """Front page / 首页"""
    user = g.get("user")
    if user is not None and user.role.value == "cadre":
        # A cadre's day starts with what is waiting for them.
        return redirect(url_for("cadre_day.home"))
    return render_template("index.html")

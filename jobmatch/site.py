"""The front page until the role pages arrive: what this is and where the API lives."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import render_template

bp = APIBlueprint("site", __name__, enable_openapi=False)


@bp.get("/")
def index():
    """Front page / 首页"""
    return render_template("index.html")

"""The roster upload page: choose a file, see the dry run row by row, then commit."""

from __future__ import annotations

from flask import Blueprint, render_template

from jobmatch.accounts.views import roles_required
from jobmatch.rosters.reader import MAX_FILE_BYTES

bp = Blueprint("roster_pages", __name__)


@bp.get("/rosters")
@roles_required("admin", "bureau", "cadre")
def upload():
    """Import a roster / 导入名册"""
    return render_template("rosters/upload.html", max_mb=MAX_FILE_BYTES // (1024 * 1024))

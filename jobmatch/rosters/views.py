"""The roster upload page: download a template, check a file, read what it would do, then confirm."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from jobmatch.accounts.views import roles_required
from jobmatch.rosters import template
from jobmatch.rosters.api import IMPORTERS
from jobmatch.rosters.reader import MAX_FILE_BYTES

bp = Blueprint("roster_pages", __name__)


@bp.get("/rosters")
@roles_required("admin", "bureau", "cadre")
def upload():
    """Import a roster / 导入名册"""
    kinds = [kind for kind, roles in IMPORTERS.items() if current_user.role in roles]
    return render_template(
        "rosters/upload.html",
        max_mb=MAX_FILE_BYTES // (1024 * 1024),
        kinds=kinds,
        columns={kind: template.page_columns(kind) for kind in kinds},
    )

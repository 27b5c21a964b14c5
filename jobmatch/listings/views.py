"""The 导出 Excel route of every list page: the page's filters and scope, the whole list, one .xlsx.

One view serves every listing; each gets its own address beside its page (/laborers/export.xlsx for
/laborers) and the page's roles. The export is recorded in the audit trail with its row count, whether
numbers were masked, and its filters (a search text is left out: it may be an ID number).
"""

from __future__ import annotations

from datetime import date
from functools import partial
from urllib.parse import quote

from flask import Blueprint, Flask, Response, flash, redirect, request, url_for
from flask_login import current_user

from jobmatch.accounts import audit
from jobmatch.accounts.views import roles_required
from jobmatch.extensions import db
from jobmatch.listings import LISTINGS, Listing, pages, workbook
from jobmatch.rosters.exports import FULL_NUMBER_ROLES
from workshops.settings import today as china_today


def export(listing: Listing, **view_args):
    """Export a list as on its page / 导出"""
    filters = listing.filters(request.args, **view_args)
    refusal = listing.refuse(filters) if listing.refuse else None
    if refusal:
        flash(refusal)
        return redirect(url_for(listing.page))
    masked = current_user.role not in FULL_NUMBER_ROLES
    body, count = workbook.write(listing.sheets_for(filters), masked)
    shown = {k: _plain(v) for k, v in filters.items() if k != "q" and isinstance(v, (str, int, date)) and v != ""}
    audit.record("export", listing.name, 0, {"rows": count, "format": "xlsx", "masked": masked, "filters": shown})
    db.session.commit()
    day = china_today().isoformat()
    response = Response(body, mimetype=workbook.XLSX_MIMETYPE)
    chinese = f"{listing.title}-{day}.xlsx"
    response.headers["Content-Disposition"] = (
        f"attachment; filename={listing.name}-{day}.xlsx; filename*=UTF-8''{quote(chinese)}"
    )
    return response


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


def export_args() -> dict:
    """The page's query-string arguments without its place in the list: the export's filters."""
    return {k: v for k, v in request.args.items() if k not in pages.PLACE_ARGS}


def init_app(app: Flask) -> None:
    """Make each listing's export route (the listings are described beside their pages)."""
    from jobmatch.admin import lists as _admin  # noqa: F401
    from jobmatch.bureau import lists as _bureau  # noqa: F401
    from jobmatch.cadre import lists as _cadre  # noqa: F401
    from jobmatch.monitoring import lists as _monitoring  # noqa: F401
    from jobmatch.posts import lists as _posts  # noqa: F401
    from jobmatch.proposals import lists as _proposals  # noqa: F401

    bp = Blueprint("exports", __name__)
    for listing in LISTINGS.values():
        view = roles_required(*listing.roles)(partial(export, listing))
        view.__name__ = listing.name
        view.__doc__ = f"Export the {listing.name} list as on its page / 按页面筛选导出"
        bp.add_url_rule(listing.path, listing.name, view)
    app.register_blueprint(bp)
    # A global, so the macros imported without the page's context (pager, export_button) see it.
    app.jinja_env.globals["export_args"] = export_args

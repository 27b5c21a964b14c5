"""A list page's rows by keyset: 下一页 goes on after the page's last row, 上一页 back before its first.

No page is read with OFFSET, so page 500 costs what page 1 costs; each page shows the list's total from
the page's own statement (counted exactly up to crud.EXACT_TOTAL_UP_TO rows, PostgreSQL's estimate past it,
`total_is_estimate`), as the API's first page does. The page number in the address only labels the page.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import request

from jobmatch import crud
from jobmatch.errors import ValidationFailed

# The query-string arguments that say where in a list a page is (not filters: an export leaves them out).
PLACE_ARGS = ("cursor", "before", "page")


def keyset_page(query: sa.Select, per_page: int) -> dict:
    """The page the request's `cursor` (after) or `before` names, or the first page; with the list's total."""
    cursor = request.args.get("cursor") or None
    before = None if cursor else (request.args.get("before") or None)
    try:
        page = crud.page_of(query, 1, per_page, cursor, before=before, count=True, back_links=True)
    except ValidationFailed:
        # An address whose cursor was cut or edited: the list from its start, not an error page.
        page = crud.page_of(query, 1, per_page, count=True, back_links=True)
    pagination = page["pagination"]
    if pagination["page"] is None:
        number = request.args.get("page", type=int)
        pagination["page"] = number if number and number > 1 else None
    return page

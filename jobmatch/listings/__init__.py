"""The lists the pages show, each described once: the page goes through it a page at a time, its export whole.

A `Listing` says how its page reads the filters from the query string, where its rows come from (a select()
in the caller's scope, or a list computed in Python), what each column is called (in the page's language)
and how each cell is read, and which batch look-ups a set of rows needs (the counts beside each row). The
page view and the export view call the same functions with the same filters, so an export holds exactly the
rows the page would show, page after page. `pages.py` pages a select by keyset for the 上一页 / 下一页 links,
`workbook.py` writes the .xlsx, `views.py` gives each listing its 导出 Excel route.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from jobmatch import crud

# Rows read per statement when a list is exported (and the batch look-ups made per chunk).
EXPORT_CHUNK_ROWS = 2000

# A ratio (0.625) shown as a percentage (62.5%).
PERCENT = "0.0%"

Filters = dict[str, Any]
Context = dict[str, Any]


@dataclass(frozen=True)
class Column:
    """One column of an export: its header (a lazy string, so in the page's language) and its cell."""

    header: Any
    value: Callable[[Any, Context], Any]
    # "id" or "phone": masked (as the pages mask them) for roles that may not see full numbers.
    personal: str | None = None
    # Whether the column belongs to an export with these filters (a column the page shows only with a filter).
    shown: Callable[[Filters], bool] | None = None
    width: int = 14
    # How Excel shows a number (PERCENT for a ratio); text and dates have theirs.
    number_format: str | None = None


@dataclass(frozen=True)
class Sheet:
    """One table of a workbook: its rows come in chunks, each chunk with the look-ups its cells read."""

    title: Any
    columns: list[Column]
    chunks: Iterable[list]
    context: Callable[[list], Context] | None = None


@dataclass(frozen=True)
class Listing:
    """A list page and its export."""

    name: str  # the export's endpoint (exports.<name>), the file's name and the audit record's type
    title: Any  # the page's title: the sheet's name and the file's Chinese name
    path: str  # the export's address: the page's, with /export.xlsx
    page: str  # the page's endpoint
    roles: tuple[str, ...]
    filters: Callable[..., Filters]  # (request.values, **the path's arguments) → the filters, as the page reads them
    columns: tuple[Column, ...] = ()
    # Where the rows come from: a select() (paged by keyset, exported in chunks) or a list made in Python.
    source: Callable[[Filters], sa.Select | list] | None = None
    # Look-ups for a set of rows, made once per page or per chunk: (rows, filters) → what the cells read.
    context: Callable[[list, Filters], Context] | None = None
    # A report of several tables (the dashboard): (filters) → its sheets, instead of source and columns.
    sheets: Callable[[Filters], list[Sheet]] | None = None
    # A refusal before anything is read (say, an ID number in the address): (filters) → the message shown.
    refuse: Callable[[Filters], str | None] | None = None

    def columns_for(self, filters: Filters) -> list[Column]:
        return [c for c in self.columns if c.shown is None or c.shown(filters)]

    def context_for(self, rows: list, filters: Filters) -> Context:
        return self.context(rows, filters) if self.context else {}

    def sheets_for(self, filters: Filters, source: sa.Select | list | None = None) -> list[Sheet]:
        """What the export writes: the listing's one table (every row, in the page's order), or its report.

        `source` is the listing's source for these filters when the caller has it already."""
        if self.sheets is not None:
            return self.sheets(filters)
        return [
            Sheet(
                self.title,
                self.columns_for(filters),
                chunks(self.source(filters) if source is None else source),
                lambda rows: self.context_for(rows, filters),
            )
        ]


def chunks(source: sa.Select | list) -> Iterator[list]:
    """The rows of a source in chunks: a select by keyset, EXPORT_CHUNK_ROWS at a time; a list as it is."""
    if isinstance(source, sa.Select):
        yield from crud.in_chunks(source, EXPORT_CHUNK_ROWS)
    elif source:
        yield list(source)


LISTINGS: dict[str, Listing] = {}


def load_all() -> dict[str, Listing]:
    """Every listing (each is described beside its page, in its feature's lists.py)."""
    from jobmatch.admin import lists as _admin  # noqa: F401
    from jobmatch.bureau import lists as _bureau  # noqa: F401
    from jobmatch.cadre import lists as _cadre  # noqa: F401
    from jobmatch.monitoring import lists as _monitoring  # noqa: F401
    from jobmatch.posts import lists as _posts  # noqa: F401
    from jobmatch.proposals import lists as _proposals  # noqa: F401

    return LISTINGS


def register(listing: Listing) -> Listing:
    """Add a listing (its export route is made when the app is built)."""
    assert listing.name not in LISTINGS or LISTINGS[listing.name] == listing, listing.name
    LISTINGS[listing.name] = listing
    return listing

"""Writing a listing's sheets as .xlsx: a bold header row in the page's language, then one row per record.

Every text cell goes through `jobmatch.sheets` (formula-like text stays text) and is written as a string, so
Excel never turns a code into a number; dates are dates. ID numbers and phones are written in full only
for roles that may reveal a laborer's (rosters.exports.FULL_NUMBER_ROLES), masked as the pages mask them
for the others. The workbook is written in openpyxl's write-only mode, chunk by chunk, so a long list
costs memory for one chunk of records, not for the whole sheet.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from jobmatch import sheets
from jobmatch.api.common import mask_id_number, mask_phone
from jobmatch.listings import Column, Sheet

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
# Excel's limit on a sheet's name, and the characters it refuses in one.
SHEET_TITLE_CHARS = 31
SHEET_TITLE_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})
MASKERS = {"id": mask_id_number, "phone": mask_phone}


def _plain(value: Any, words: dict[int, tuple[Any, str]]) -> Any:
    """A cell's value as openpyxl writes it: numbers, dates and text (a page's word in the page's language)."""
    if value is None or isinstance(value, (int, float, Decimal, date, datetime)):
        return value
    if isinstance(value, str):
        return value
    # A lazy word (labels.STATUS[...], _l(...)): the same few objects over and over, translated once each. The
    # object is kept with its word, so a word made afresh for a cell never takes the id of one collected since.
    key = id(value)
    if key not in words:
        words[key] = (value, str(value))
    return words[key][1]


def _cell(sheet, value: Any, column: Column) -> Any:
    if isinstance(value, str):
        # A text cell stays text in Excel and WPS (an ID number never becomes 3.61E+17); formula-like text
        # gets its apostrophe.
        return sheets.cell(value)
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value.replace(tzinfo=None))
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if column.number_format and value is not None:
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = column.number_format
        return cell
    return value


def sheet_title(title: Any) -> str:
    return str(title).translate(SHEET_TITLE_FORBIDDEN)[:SHEET_TITLE_CHARS] or "Sheet"


def _value(column: Column, record: Any, context: dict, masked: bool) -> Any:
    value = column.value(record, context)
    if column.personal and masked and value:
        return MASKERS[column.personal](value)
    return value


def write(tables: Iterable[Sheet], masked: bool, progress: Callable[[int], None] | None = None) -> tuple[bytes, int]:
    """The workbook of these sheets, and how many records it holds; `progress` hears the count after each chunk."""
    book = Workbook(write_only=True)
    words: dict[int, tuple[Any, str]] = {}
    written = 0
    titles: set[str] = set()
    for table in tables:
        title = sheet_title(table.title)
        while title in titles:  # two tables of one name (say, a report's): Excel wants each name once
            title = title[: SHEET_TITLE_CHARS - 1] + "_"
        titles.add(title)
        sheet = book.create_sheet(title)
        for number, column in enumerate(table.columns, start=1):
            sheet.column_dimensions[get_column_letter(number)].width = column.width
        sheet.freeze_panes = "A2"
        header = []
        for column in table.columns:
            cell = WriteOnlyCell(sheet, value=sheets.cell(str(column.header)))
            cell.font = Font(bold=True)
            header.append(cell)
        sheet.append(header)
        for chunk in table.chunks:
            context = table.context(chunk) if table.context else {}
            for record in chunk:
                sheet.append(
                    [_cell(sheet, _plain(_value(c, record, context, masked), words), c) for c in table.columns]
                )
            written += len(chunk)
            if progress is not None:
                progress(written)
    if not titles:
        book.create_sheet("Sheet")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), written

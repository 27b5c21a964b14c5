"""Reading a roster file (.xlsx or .csv) into a header and rows, refusing hostile files with a clear message.

No Flask and no database here. Cells come back as Python values (str, int,
float, datetime, None); `UNCOMPUTED` marks a formula without a stored result.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import DefusedXmlException
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.cell_range import CellRange

from jobmatch import sheets
from jobmatch.errors import FieldError, Problem
from jobmatch.rosters.headers import Column, header_index, header_key

# A county roster of 100,000 people is about 15 MB as .xlsx and 20 MB as .csv.
MAX_FILE_BYTES = 40 * 1024 * 1024
# Uncompressed size of everything in an .xlsx, and the ratio past which it is treated as a zip bomb.
MAX_UNCOMPRESSED_BYTES = 400 * 1024 * 1024
MAX_COMPRESSION_RATIO = 150
# Read from the sheet's XML, which the streaming reader does not interpret.
MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')
FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
# The header is looked for among the first rows (titles and notes often sit above it).
HEADER_SEARCH_ROWS = 30
MIN_HEADER_MATCHES = 2


class _Uncomputed:
    def __repr__(self) -> str:
        return "UNCOMPUTED"


UNCOMPUTED = _Uncomputed()


class UnreadableRoster(Problem):
    """The file as a whole cannot be read; nothing was imported."""

    def __init__(self, code: str, zh: str, en: str):
        super().__init__(422, "Roster file cannot be read", "名册文件无法读取", [FieldError("file", code, zh, en)])


def too_large() -> UnreadableRoster:
    """The refusal of a file over MAX_FILE_BYTES (given before the file is read, wherever it can be)."""
    return UnreadableRoster(
        "too_large",
        f"文件超过 {MAX_FILE_BYTES // (1024 * 1024)} MB，请按乡镇拆分后分批导入",
        f"the file exceeds {MAX_FILE_BYTES // (1024 * 1024)} MB; split it by township and import the parts",
    )


@dataclass
class Table:
    """The header row as written and the data rows below it, each with its row number in the file."""

    headers: list[str]
    columns: list[Column | None]
    header_row: int
    rows: list[tuple[int, list]] = field(default_factory=list)


def read_roster(data: bytes, filename: str, columns: tuple[Column, ...]) -> Table:
    """Read an .xlsx or .csv roster; raise UnreadableRoster with a bilingual reason if it cannot be read."""
    if len(data) > MAX_FILE_BYTES:
        raise too_large()
    if not data.strip():
        raise UnreadableRoster("empty", "文件是空的", "the file is empty")
    suffix = Path(filename).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        raw_rows = _xlsx_rows(data)
    elif suffix in (".csv", ".txt"):
        raw_rows = _csv_rows(data)
    else:
        raise UnreadableRoster(
            "unsupported_type", "只支持 .xlsx 和 .csv 文件", "only .xlsx and .csv files can be imported"
        )
    return _table(raw_rows, columns)


def _xlsx_rows(data: bytes) -> list[list]:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise UnreadableRoster(
            "not_a_spreadsheet",
            "文件不是有效的 Excel (.xlsx) 文件，可能只是改了扩展名",
            "the file is not a valid Excel (.xlsx) workbook; it may merely have been renamed",
        )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        total = sum(i.file_size for i in infos)
        worst = max((i.file_size / max(i.compress_size, 1) for i in infos if i.file_size > 1024 * 1024), default=0)
        if total > MAX_UNCOMPRESSED_BYTES or worst > MAX_COMPRESSION_RATIO:
            raise UnreadableRoster(
                "zip_bomb",
                "文件解压后异常巨大，已拒绝读取",
                "the file expands to an abnormal size when unpacked and was refused",
            )
        if "xl/workbook.xml" not in archive.namelist():
            raise UnreadableRoster(
                "not_a_spreadsheet",
                "文件不是有效的 Excel (.xlsx) 文件",
                "the file is not a valid Excel (.xlsx) workbook",
            )
    try:
        return _xlsx_values(data)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as exc:
        if _unsafe_xml(exc):
            # openpyxl parses with defusedxml when it is installed (it is pinned): entity declarations
            # (billion laughs) and external entities (XXE) stop the parse instead of expanding or being fetched.
            raise UnreadableRoster(
                "hostile_xml",
                "Excel 文件含有实体声明等不安全内容，已拒绝读取",
                "the Excel file contains entity declarations or other unsafe XML and was refused",
            ) from exc
        raise UnreadableRoster(
            "not_a_spreadsheet", "Excel 文件已损坏，无法读取", "the Excel file is damaged and cannot be read"
        ) from exc


def _unsafe_xml(error: BaseException | None) -> bool:
    """Whether defusedxml stopped the parse (openpyxl wraps what its parser raises in its own errors)."""
    while error is not None:
        if isinstance(error, DefusedXmlException):
            return True
        error = error.__cause__ or error.__context__
    return False


def _xlsx_values(data: bytes) -> list[list]:
    """Values of the first sheet (streamed), merged cells filled from their top-left cell, formulas without
    stored results marked UNCOMPUTED."""
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            xml = archive.read(sheet._worksheet_path)
    finally:
        workbook.close()
    if FORMULA_TAG.search(xml):
        formulas = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        try:
            for r, row in enumerate(formulas.worksheets[0].iter_rows(values_only=True)):
                for c, value in enumerate(row):
                    if isinstance(value, str) and value.startswith("=") and rows[r][c] is None:
                        rows[r][c] = UNCOMPUTED
        finally:
            formulas.close()
    for ref in MERGE_REF.findall(xml):
        merged = CellRange(ref.decode())
        if merged.min_row - 1 >= len(rows):
            continue
        top_row = rows[merged.min_row - 1]
        top = top_row[merged.min_col - 1] if merged.min_col - 1 < len(top_row) else None
        for r in range(merged.min_row, min(merged.max_row, len(rows)) + 1):
            row = rows[r - 1]
            if len(row) < merged.max_col:
                row.extend([None] * (merged.max_col - len(row)))
            for c in range(merged.min_col, merged.max_col + 1):
                row[c - 1] = top
    return rows


def _csv_rows(data: bytes) -> list[list]:
    """UTF-8 (with or without BOM) or GB18030, whichever decodes; delimiter comma, tab or semicolon."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            decoded = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnreadableRoster(
            "unknown_encoding",
            "CSV 文件编码无法识别，请另存为 UTF-8 或 GBK",
            "the CSV encoding is not recognised; save it as UTF-8 or GBK",
        )
    if "\x00" in decoded:
        raise UnreadableRoster("not_a_spreadsheet", "文件不是文本 CSV", "the file is not a text CSV file")
    sample = decoded[:4096]
    delimiter = max(",\t;", key=sample.count)
    return [list(row) for row in csv.reader(io.StringIO(decoded), delimiter=delimiter)]


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _table(raw_rows: list[list], columns: tuple[Column, ...]) -> Table:
    index = header_index(columns)
    position, matched = -1, []
    for number, row in enumerate(raw_rows[:HEADER_SEARCH_ROWS]):
        found = [index.get(header_key(v)) for v in row]
        if sum(1 for m in found if m is not None) >= MIN_HEADER_MATCHES:
            position, matched = number, found
            break
    if position < 0:
        expected = "、".join(c.headers[0] for c in columns[:6])
        raise UnreadableRoster(
            "no_header",
            f"前 {HEADER_SEARCH_ROWS} 行中找不到表头（应包含 {expected} 等列）",
            f"no header row in the first {HEADER_SEARCH_ROWS} rows (expected columns such as {expected})",
        )
    seen: set[str] = set()
    unique: list[Column | None] = []
    for column in matched:
        # A column named twice is read from its first occurrence only.
        if column is not None and column.field in seen:
            unique.append(None)
            continue
        if column is not None:
            seen.add(column.field)
        unique.append(column)
    headers = ["" if v is None else str(v) for v in raw_rows[position]]
    table = Table(headers=headers, columns=unique, header_row=position + 1)
    width = len(headers)
    for offset, row in enumerate(raw_rows[position + 1 :], start=position + 2):
        if all(_blank(v) for v in row):
            continue
        # Text our own exports kept from becoming a formula ('=…) is read as it was typed.
        cells = [sheets.unescape(v) for v in row[:width]] + [None] * (width - len(row))
        table.rows.append((offset, cells))
    return table

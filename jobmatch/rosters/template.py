"""The blank roster a county downloads for each kind: the headers the import reads, one example row, and notes.

The first sheet holds the headers exactly as the import reads them (required columns in red), the
example row under them (left out by the import while it is unchanged), and text format on the columns
of codes, so Excel keeps ID numbers and credit codes as typed. The notes sheet says what each column
holds and the words it accepts: the pages' own words (`jobmatch.labels`, `vocab.LABELS_ZH`) first,
then the other spellings counties use (`headers.LABELS`). Nothing here is typed twice.
"""

from __future__ import annotations

import io
from functools import cache

from flask_babel import force_locale
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from jobmatch import sheets
from jobmatch.rosters.headers import BOOL_LABELS, COLUMNS, KEY_FIELDS, Column, accepted_words, page_words
from jobmatch.vocab import (
    EmployerKind,
    EmploymentStatus,
    HouseholdCategory,
    LaborCapacity,
    OpeningKind,
    OpeningStatus,
    PhysicalIntensity,
    RiskLevel,
    WageUnit,
    Willingness,
    WorkingPattern,
)

TITLES = {"laborers": "劳动力", "households": "农户", "employers": "用工单位", "openings": "岗位"}
TITLES_EN = {"laborers": "laborers", "households": "households", "employers": "employers", "openings": "openings"}
# The coded value the example row shows for each list.
EXAMPLE_MEMBERS = {
    Willingness: Willingness.county,
    EmploymentStatus: EmploymentStatus.unemployed,
    LaborCapacity: LaborCapacity.normal,
    HouseholdCategory: HouseholdCategory.out_of_poverty,
    RiskLevel: RiskLevel.low,
    EmployerKind: EmployerKind.enterprise,
    OpeningKind: OpeningKind.enterprise,
    WageUnit: WageUnit.month,
    WorkingPattern: WorkingPattern.full_time,
    PhysicalIntensity: PhysicalIntensity.light,
    OpeningStatus: OpeningStatus.open,
}
# Example codes with valid check digits (Hengfeng county, 361125), in the form a real one has.
EXAMPLE_ID_NUMBER = "36112519850315002X"
EXAMPLE_CREDIT_CODE = "91361125MA35ABCDEM"
EXAMPLE_BY_FIELD = {
    "household_code": "HF-0001",
    "village": "示例村",
    "village_code": "示例村",
    "region_code": "示例乡",
    "credit_code": EXAMPLE_CREDIT_CODE,
    "employer_credit_code": EXAMPLE_CREDIT_CODE,
    "registered_on": "2026-03-01",
    "deadline": "2026-12-31",
    "phone": "13912345678",
    "contact_phone": "13912345678",
    "contact_name": "李明",
}
# Columns of codes and numbers that must stay text in Excel (an 18-digit number loses its last digits).
TEXT_KINDS = ("id", "code", "phone")
TEXT_FORMAT = "@"
REQUIRED_FONT = Font(bold=True, color="C00000")
HEADER_FONT = Font(bold=True)
EXAMPLE_FONT = Font(italic=True, color="7F7F7F")
NOTES_FILL = PatternFill("solid", fgColor="F2F2F2")
WRAP = Alignment(wrap_text=True, vertical="top")


def example_value(column: Column) -> object:
    """What the example row shows in a column (blank where a real roster would often leave it blank)."""
    if column.example != "":
        return column.example
    if column.field in EXAMPLE_BY_FIELD:
        return EXAMPLE_BY_FIELD[column.field]
    if column.kind == "id":
        return EXAMPLE_ID_NUMBER
    if column.kind == "enum":
        return accepted_words(column.enum)[EXAMPLE_MEMBERS[column.enum]][0]
    if column.kind == "bool":
        return BOOL_LABELS[False]
    return ""


@cache
def _example_cells(kind: str) -> dict[str, str]:
    return {c.field: str(example_value(c)) for c in COLUMNS[kind]}


def is_example_row(kind: str, columns: list[Column | None], cells: list) -> bool:
    """Whether a row is the template's example row as downloaded (the import leaves it out).

    Cells are compared as written, so a real row differs at its first cell (cheap on a large roster).
    """
    examples = _example_cells(kind)
    for column, value in zip(columns, cells, strict=True):
        if column is None:
            continue
        if ("" if value is None else str(value)).strip() != examples.get(column.field, ""):
            return False
    return True


def allowed_values(column: Column) -> str:
    """The values a column accepts, as the notes sheet writes them: one line per coded value."""
    if column.kind == "enum":
        lines = []
        pages = page_words(column.enum)
        for member, words in accepted_words(column.enum).items():
            shown = pages[member][:1] + [w for w in pages[member][1:] if not w.isascii()]
            english = [w for w in pages[member] if w.isascii()][:1]
            others = [w for w in words if w not in shown and w not in english]
            line = "、".join(shown) + (f" ({english[0]})" if english else "")
            if others:
                line += f"；也可写 also: {'、'.join(others)}"
            lines.append(line)
        return "\n".join(lines)
    if column.kind == "bool":
        return f"{BOOL_LABELS[True]} / {BOOL_LABELS[False]} (yes / no)"
    if column.kind == "date":
        return "2026-03-01、2026/3/1、2026年3月1日"
    if column.kind == "int":
        return "整数 a whole number"
    if column.kind == "money":
        return "数字，元 a number, yuan"
    if column.kind == "float":
        return "小数 a decimal number"
    if column.kind == "skills":
        return "缝纫、养猪、电工 …"
    if column.kind in ("village", "region"):
        return "名称或 12 位区划代码 a name or 12-digit division code"
    return ""


def template_workbook(kind: str) -> bytes:
    """The .xlsx a county fills for one roster kind."""
    columns = COLUMNS[kind]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = TITLES[kind]
    sheet.append([c.headers[0] for c in columns])
    with force_locale("zh_Hans_CN"):
        sheet.append(sheets.row(example_value(c) for c in columns))
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        header = sheet.cell(row=1, column=index)
        header.font = REQUIRED_FONT if column.required else HEADER_FONT
        sheet.cell(row=2, column=index).font = EXAMPLE_FONT
        sheet.column_dimensions[letter].width = max(10, 2.2 * len(column.headers[0]) + 2)
        if column.kind in TEXT_KINDS:
            sheet.column_dimensions[letter].width = 22
            # Text format for the whole column, where the officer will type, so Excel keeps every digit of a
            # code (a column style: the file stays small and quick to write and read, however many rows).
            sheet.column_dimensions[letter].number_format = TEXT_FORMAT
            sheet.cell(row=2, column=index).number_format = TEXT_FORMAT
    sheet.freeze_panes = "A2"
    _notes(workbook.create_sheet("填写说明"), kind, columns)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _notes(sheet, kind: str, columns: tuple[Column, ...]) -> None:
    sheet.append([f"{TITLES[kind]}名册填写说明 · How to fill in the {TITLES_EN[kind]} roster"])
    sheet["A1"].font = Font(bold=True, size=13)
    for line in (
        "第 1 行是表头，请勿改动列名；红色的列新增记录时必填。Row 1 holds the headers: keep them; red columns are "
        "required for a new record.",
        "第 2 行是示例，原样保留时导入会跳过它；请从第 3 行起填写，或直接改写示例行。"
        "Row 2 is an example: left as it is, the import skips it; fill in from row 3 or overwrite it.",
        "已登记的记录按带 * 的识别列找到并更新；空白单元格保持原值不变。Records already registered are found by the "
        "column marked * and updated; blank cells keep their value.",
        "导入前先“检查文件”，核对新增、变更和拒绝的行后再确认导入。Check the file first; confirm the import only after "
        "reading the new, changed and refused rows.",
    ):
        sheet.append([line])
    sheet.append([])
    head = ["列名（表头）", "Column", "必填 Required", "说明", "Meaning", "可填的值 Accepted values"]
    sheet.append(head)
    for cell in sheet[sheet.max_row]:
        cell.font = HEADER_FONT
        cell.fill = NOTES_FILL
    key_field = KEY_FIELDS[kind]
    for column in columns:
        aliases = "、".join(column.headers[1:])
        name = column.headers[0] + (" *" if column.field == key_field else "")
        with force_locale("zh_Hans_CN"):
            values = allowed_values(column)
        sheet.append(
            sheets.row(
                [
                    name + (f"\n也可写 also: {aliases}" if aliases else ""),
                    column.en,
                    "是 yes" if column.required else "",
                    column.note,
                    column.note_en,
                    values,
                ]
            )
        )
        for cell in sheet[sheet.max_row]:
            cell.alignment = WRAP
    for letter, width in zip("ABCDEF", (24, 20, 12, 36, 36, 48), strict=True):
        sheet.column_dimensions[letter].width = width


def page_columns(kind: str) -> list[dict]:
    """The columns of a roster as the upload page lists them (the template's notes, in short)."""
    out = []
    for column in COLUMNS[kind]:
        out.append(
            {
                "header": column.headers[0],
                "aliases": "、".join(column.headers[1:]),
                "en": column.en,
                "key": column.field == KEY_FIELDS[kind],
                "required": column.required,
                "note": column.note,
                "note_en": column.note_en,
                "accepted": allowed_values(column),
            }
        )
    return out

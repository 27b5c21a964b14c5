"""Roster files made in the test, small and messy as counties' own."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook

from tests import factories
from tests.accounts.conftest import as_role, county  # noqa: F401  (fixtures)

LABORER_HEADERS = "姓名 证件号码 户编号 与户主关系 劳动技能 务工状态 就业意愿 联系电话 劳动能力".split()


def xlsx_bytes(rows: list[list], merge: list[str] = (), title_rows: int = 0) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for i in range(title_rows):
        sheet.append([f"横峰县脱贫劳动力名册（第 {i + 1} 行说明）"])
    for row in rows:
        sheet.append(row)
    for cells in merge:
        sheet.merge_cells(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def person(sequence: int, household: str = "H-EAST-1", age: int = 40, **kw) -> list:
    """One laborer row in LABORER_HEADERS order."""
    values = {
        "姓名": f"劳动力{sequence}",
        "证件号码": factories.id_number(factories.years_ago(age), sequence),
        "户编号": household,
        "与户主关系": "子女",
        "劳动技能": "缝纫、养猪",
        "务工状态": "未就业",
        "就业意愿": "县内就业",
        "联系电话": f"1391234{sequence:04d}",
        "劳动能力": "普通劳动力",
    } | kw
    return [values[h] for h in LABORER_HEADERS]


@pytest.fixture
def households(regions):
    factories.household(code="H-EAST-1")
    factories.household(code="H-WEST-1", village_code=factories.OTHER_VILLAGE_CODE)

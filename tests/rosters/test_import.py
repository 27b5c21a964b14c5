"""Importing laborers and households: every row's fate, messy files, idempotency, batches."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from jobmatch.accounts.models import AuditEvent
from jobmatch.extensions import db
from jobmatch.people import service as people
from jobmatch.people.models import Household, Laborer
from jobmatch.rosters import service
from jobmatch.rosters.reader import UnreadableRoster
from jobmatch.vocab import EmploymentStatus, HouseholdCategory, LaborCapacity, Willingness
from tests import factories
from tests.rosters.conftest import LABORER_HEADERS, csv_bytes, person, xlsx_bytes


def count(model) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def run(data: bytes, name: str = "名册.xlsx", dry_run: bool = False, kind: str = "laborers", **kw):
    return service.import_roster(kind, data, name, dry_run=dry_run, **kw)


def test_a_clean_roster_creates_every_laborer_with_coded_values(households):
    result = run(xlsx_bytes([LABORER_HEADERS, person(11), person(13)]))
    assert result.counts == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 0}
    laborer = people.laborer_by_id_number(factories.id_number(factories.years_ago(40), 11))
    assert laborer.name == "劳动力11"
    assert laborer.household.code == "HEAST1"
    assert laborer.skills_raw == ["缝纫", "养猪"]
    assert laborer.employment_status == EmploymentStatus.unemployed
    assert laborer.willingness == Willingness.county
    assert laborer.labor_capacity == LaborCapacity.normal
    assert laborer.phone == "13912340011"


def test_a_second_import_of_the_same_file_changes_nothing(households):
    data = xlsx_bytes([LABORER_HEADERS, person(11), person(13)])
    run(data)
    events = count(AuditEvent)
    stamps = db.session.execute(sa.select(Laborer.updated_at)).scalars().all()
    result = run(data)
    assert result.counts == {"created": 0, "updated": 0, "unchanged": 2, "rejected": 0}
    assert count(AuditEvent) == events
    assert db.session.execute(sa.select(Laborer.updated_at)).scalars().all() == stamps


def test_a_changed_row_is_an_update_keyed_by_id_number(households):
    run(xlsx_bytes([LABORER_HEADERS, person(11)]))
    result = run(xlsx_bytes([LABORER_HEADERS, person(11, 务工状态="外出务工")]))
    assert result.counts["updated"] == 1
    assert count(Laborer) == 1
    assert db.session.execute(sa.select(Laborer)).scalar_one().employment_status == EmploymentStatus.migrant


def test_a_dry_run_reports_every_fate_and_writes_nothing(households):
    events = count(AuditEvent)
    result = run(xlsx_bytes([LABORER_HEADERS, person(11), person(13, 证件号码="123")]), dry_run=True)
    assert [f.fate for f in result.fates] == ["created", "rejected"]
    assert count(Laborer) == 0
    assert count(AuditEvent) == events


def test_rejected_rows_name_the_field_in_chinese_and_english_and_do_not_block_good_rows(households):
    bad_id = factories.id_number(factories.years_ago(40), 13)[:-1] + "0"
    rows = [
        LABORER_HEADERS,
        person(11),
        person(13, 证件号码=bad_id if not bad_id.endswith(person(13)[1][-1]) else "36232519800101001X"),
        person(15, 户编号="NO-SUCH"),
        person(17, 就业意愿="随便"),
        person(19),
    ]
    result = run(xlsx_bytes(rows))
    assert result.counts == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 3}
    fates = {f.row: f for f in result.fates}
    assert fates[3].errors[0].field == "id_number"
    assert "校验位" in fates[3].errors[0].zh and "check digit" in fates[3].errors[0].en
    assert fates[4].errors[0].field == "household_code" and fates[4].errors[0].zh == "户编号不存在"
    assert fates[5].errors[0].field == "willingness" and "随便" in fates[5].errors[0].zh
    assert count(Laborer) == 2


def test_a_repeated_id_number_in_one_file_is_rejected_with_the_first_row(households):
    result = run(xlsx_bytes([LABORER_HEADERS, person(11), person(11, 姓名="重复")]))
    assert [f.fate for f in result.fates] == ["created", "rejected"]
    assert result.fates[1].errors[0].code == "duplicate_in_file"
    assert "第 2 行" in result.fates[1].errors[0].zh


def test_traditional_headers_in_any_order_below_a_title_with_blank_rows(households):
    headers = ["聯繫電話", "姓名", "證件號碼（必填）", "戶編號", "勞動能力", "就業意願", "勞動技能"]
    number = factories.id_number(factories.years_ago(40), 11)
    row = ["13912340011", "張三", number, "H-EAST-1", "弱勞動力", "縣內", "縫紉"]
    result = run(xlsx_bytes([headers, [], row, [None, None]], title_rows=2))
    assert result.table.header_row == 3
    assert result.counts["created"] == 1
    laborer = db.session.execute(sa.select(Laborer)).scalar_one()
    assert laborer.name == "张三"
    assert laborer.labor_capacity == LaborCapacity.weak
    assert laborer.skills == ["缝纫"]


def test_merged_household_cells_apply_to_every_row_they_span(households):
    rows = [LABORER_HEADERS, person(11), person(13, 户编号=None), person(15, 户编号=None)]
    result = run(xlsx_bytes(rows, merge=["C2:C4"]))
    assert result.counts["created"] == 3
    assert {lab.household.code for lab in db.session.execute(sa.select(Laborer)).scalars()} == {"HEAST1"}


def test_an_id_number_stored_as_a_number_that_lost_digits_is_rejected_with_that_reason(households):
    number = factories.id_number(factories.years_ago(40), 11)
    as_float = float(number[:17])  # what Excel keeps of an 18-digit number: 15 significant digits
    xlsx = run(xlsx_bytes([LABORER_HEADERS, person(11, 证件号码=as_float * 10)]))
    csv_file = run(csv_bytes([LABORER_HEADERS, person(11, 证件号码="3.62325E+17")]), name="名册.csv")
    for result in (xlsx, csv_file):
        error = result.fates[0].errors[0]
        assert (error.field, error.code) == ("id_number", "digits_lost")
        assert "科学计数法" in error.zh and "scientific notation" in error.en
    assert count(Laborer) == 0


def test_full_width_digits_in_id_numbers_and_phones_are_accepted(households):
    number = factories.id_number(factories.years_ago(40), 11)
    wide = number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    result = run(xlsx_bytes([LABORER_HEADERS, person(11, 证件号码=wide, 联系电话="１３９１２３４００１１")]))
    assert result.counts["created"] == 1
    assert people.laborer_by_id_number(number).phone == "13912340011"


def test_dates_written_as_excel_day_numbers_are_read_as_dates(households):
    headers = [*LABORER_HEADERS, "登记日期"]
    result = run(xlsx_bytes([headers, [*person(11), 45658], [*person(13), "2025年3月1日"]]))
    assert result.counts["created"] == 2
    dates = sorted(db.session.execute(sa.select(Laborer.registered_on)).scalars())
    assert dates == [date(2025, 1, 1), date(2025, 3, 1)]


def test_a_formula_without_a_computed_value_is_rejected_with_a_clear_reason(households):
    result = run(xlsx_bytes([LABORER_HEADERS, person(11, 姓名='=CONCAT("王","芳")'), person(13)]))
    assert [f.fate for f in result.fates] == ["rejected", "created"]
    assert result.fates[0].errors[0].code == "uncomputed_formula"


def _with_stored_results(data: bytes, results: dict[str, tuple[str | None, str]]) -> bytes:
    """The workbook as Excel saves it: each formula cell also holds its last computed value."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = body.decode()
                for ref, (kind, value) in results.items():
                    cell = re.search(rf'<c r="{ref}"><f>(.*?)</f><v ?/>', text)
                    typed = f' t="{kind}"' if kind else ""
                    text = text.replace(cell.group(0), f'<c r="{ref}"{typed}><f>{cell.group(1)}</f><v>{value}</v>')
                body = text.encode()
            target.writestr(item, body)
    return out.getvalue()


def test_formulas_are_read_as_the_values_excel_stored_for_them(households):
    headers = [*LABORER_HEADERS, "登记日期"]
    row = [*person(11, 姓名='=CONCAT("王","芳")', 联系电话='=TEXT(13912340011,"0")'), "=DATE(2025,3,1)"]
    name, phone = "A2", f"{chr(ord('A') + LABORER_HEADERS.index('联系电话'))}2"
    data = _with_stored_results(
        xlsx_bytes([headers, row]), {name: ("str", "王芳"), phone: ("str", "13912340011"), "J2": (None, "45717")}
    )
    result = run(data)
    assert result.counts["created"] == 1, result.summary()
    laborer = db.session.execute(sa.select(Laborer)).scalar_one()
    assert (laborer.name, laborer.phone, laborer.registered_on) == ("王芳", "13912340011", date(2025, 3, 1))


def test_a_gb18030_csv_is_read(households):
    result = run(csv_bytes([LABORER_HEADERS, person(11, 姓名="王秀英")], encoding="gb18030"), name="名册.csv")
    assert result.counts["created"] == 1
    assert db.session.execute(sa.select(Laborer.name)).scalar_one() == "王秀英"


def test_a_utf8_csv_with_bom_is_read(households):
    result = run(csv_bytes([LABORER_HEADERS, person(11)], encoding="utf-8-sig"), name="名册.csv")
    assert result.counts["created"] == 1


def test_a_text_file_renamed_xlsx_is_refused_with_a_clear_message(households):
    with pytest.raises(UnreadableRoster) as caught:
        run("姓名,证件号码\n张三,1\n".encode(), name="名册.xlsx")
    assert caught.value.errors[0].code == "not_a_spreadsheet"
    assert "改了扩展名" in caught.value.errors[0].zh


def test_a_zip_bomb_is_refused_before_it_is_unpacked(households):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (50 * 1024 * 1024))
    with pytest.raises(UnreadableRoster) as caught:
        run(buffer.getvalue())
    assert caught.value.errors[0].code == "zip_bomb"


def test_a_hundred_megabyte_file_is_refused_without_being_read(households, tmp_path):
    big = tmp_path / "名册.xlsx"
    with big.open("wb") as handle:
        handle.truncate(100 * 1024 * 1024)
    with pytest.raises(UnreadableRoster) as caught:
        service.read_file(str(big))
    assert caught.value.errors[0].code == "too_large"
    with pytest.raises(UnreadableRoster):
        run(b"x" * (41 * 1024 * 1024))


def test_a_file_without_a_header_row_is_refused(households):
    with pytest.raises(UnreadableRoster) as caught:
        run(xlsx_bytes([["a", "b"], [1, 2]]))
    assert caught.value.errors[0].code == "no_header"


def test_a_crash_mid_import_keeps_earlier_batches_and_nothing_of_the_failing_one(households, monkeypatch):
    rows = [LABORER_HEADERS] + [person(s) for s in (11, 13, 15, 17, 19)]
    data = xlsx_bytes(rows)
    real_save, calls = people.save_laborer, []

    def crashing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 4:
            raise RuntimeError("power cut")
        return real_save(*args, **kwargs)

    monkeypatch.setattr(people, "save_laborer", crashing)
    with pytest.raises(RuntimeError):
        run(data, batch_rows=2)
    assert count(Laborer) == 2  # the first batch; the second (rows 3–4) left nothing behind
    monkeypatch.setattr(people, "save_laborer", real_save)
    result = run(data, batch_rows=2)
    assert result.counts == {"created": 3, "updated": 0, "unchanged": 2, "rejected": 0}


def test_the_report_highlights_the_bad_cells(households):
    result = run(xlsx_bytes([LABORER_HEADERS, person(11), person(13, 联系电话="12345")]), dry_run=True)
    sheet = load_workbook(io.BytesIO(service.report_workbook(result))).active
    phone_column = LABORER_HEADERS.index("联系电话") + 1
    assert sheet.cell(3, phone_column).fill.fgColor.rgb.endswith("FFC7CE")
    assert sheet.cell(2, phone_column).fill.fill_type is None
    result_column = len(LABORER_HEADERS) + 1
    assert sheet.cell(2, result_column).value.startswith("新增")
    assert sheet.cell(3, result_column).value.startswith("拒绝")
    assert "手机号" in sheet.cell(3, result_column + 2).value


def test_households_import_by_village_name_or_code(regions):
    headers = ["户编号", "行政村", "户类别", "户主姓名", "风险等级"]
    rows = [
        headers,
        ["3611251002010001", "城东村", "脱贫户", "王大", "低风险"],
        ["3611251002020001", factories.OTHER_VILLAGE_CODE, "边缘易致贫户", "李二", "高"],
        ["3611251002020002", "无名村", "脱贫户", "赵三", ""],
    ]
    result = run(csv_bytes(rows), name="农户.csv", kind="households")
    assert [f.fate for f in result.fates] == ["created", "created", "rejected"]
    assert result.fates[2].errors[0].field == "village_code"
    marginal = people.household_by_code("3611251002020001")
    assert marginal.category == HouseholdCategory.marginal and marginal.village.name == "城西村"
    assert run(csv_bytes(rows), name="农户.csv", kind="households").counts["unchanged"] == 2
    assert count(Household) == 2


def test_a_sixteen_digit_household_code_stored_as_a_number_is_rejected(regions):
    rows = [["户编号", "行政村", "户类别"], [3611251002010000.0, "城东村", "脱贫户"]]
    result = run(xlsx_bytes(rows), kind="households")
    assert result.fates[0].errors[0].code == "digits_lost"


def _selects_during(action) -> int:
    statements: list[str] = []

    def count_statement(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count_statement)
    try:
        action()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count_statement)
    return len(statements)


@pytest.mark.parametrize("dry_run", [True, False])
def test_the_rules_look_ups_are_made_once_per_batch_not_once_per_row(households, dry_run):
    """Households by code and laborers by ID number are fetched for the whole batch (the 50,000-row target)."""
    few = xlsx_bytes([LABORER_HEADERS, person(11), person(13, 户编号="H-WEST-1")])
    many = xlsx_bytes([LABORER_HEADERS] + [person(s, 户编号=("H-EAST-1", "H-WEST-1")[s % 2]) for s in range(21, 61)])
    for data in (few, many):
        run(data, dry_run=True)  # the first import of a process warms caches (skill dictionary, regions)
    queries_few = _selects_during(lambda: run(few, dry_run=dry_run))
    queries_many = _selects_during(lambda: run(many, dry_run=dry_run))
    assert queries_many == queries_few, (queries_few, queries_many)
    if not dry_run:
        assert count(Laborer) == 42

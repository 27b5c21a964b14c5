"""What a county meets with its first roster: the template, errors by column, the pages' words, the summary."""

from __future__ import annotations

import io
from datetime import date, timedelta
from enum import StrEnum

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from stdnum.cn import uscc

from jobmatch import labels, vocab
from jobmatch.extensions import db
from jobmatch.people.models import Household, Laborer
from jobmatch.posts import forms as post_forms
from jobmatch.posts import service as posts
from jobmatch.posts.models import Employer, Opening
from jobmatch.rosters import service
from jobmatch.rosters.headers import COLUMNS, KEY_FIELDS, glossary_words
from jobmatch.rosters.reader import UnreadableRoster
from jobmatch.vocab import Willingness
from tests import factories
from tests.rosters.conftest import LABORER_HEADERS, person, xlsx_bytes

KINDS = ("laborers", "households", "employers", "openings")
NEXT_MONTH = (date.today() + timedelta(days=30)).isoformat()
MODELS = {"laborers": Laborer, "households": Household, "employers": Employer, "openings": Opening}


def credit_code(n: int) -> str:
    body = f"91361125MA{n:07d}"
    return body + uscc.calc_check_digit(body)


def count(model) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def upload(api, kind: str, data: bytes, query: str = "", name: str = "名册.xlsx"):
    return api.post(
        f"/api/v1/rosters/{kind}/import{query}",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


# Five rows for each kind, by the template's headers (what an officer would type).
def filled(kind: str, n: int) -> dict[str, object]:
    if kind == "laborers":
        return {
            "姓名": f"新劳动力{n}",
            "证件号码": factories.id_number(factories.years_ago(30 + n), 40 + n),
            "户编号": "H-EAST-1",
            "务工状态": "未就业",
            "就业意愿": "省内县外",
            "劳动能力": "普通劳动力",
            "联系电话": f"1380000{n:04d}",
        }
    if kind == "households":
        return {"户编号": f"HF-{n:04d}", "行政村": "城东村", "户类别": "脱贫户", "户主姓名": f"户主{n}"}
    if kind == "employers":
        return {
            "单位名称": f"合作社{n}",
            "统一社会信用代码": credit_code(100 + n),
            "单位类型": "合作社",
            "所属县": "横峰县",
        }
    return {
        "岗位编号": f"GW-T-{n}",
        "岗位名称": f"普工{n}",
        "岗位类型": "公益性岗位",
        "所在地": "城东村",
        "招聘人数": n,
        "截止日期": NEXT_MONTH,
    }


@pytest.mark.parametrize("kind", KINDS)
def test_the_template_round_trips_five_filled_rows(kind, as_role, county):
    api = as_role("bureau")
    response = api.get(f"/api/v1/rosters/{kind}/template")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    workbook = load_workbook(io.BytesIO(response.data))
    sheet, notes = workbook.worksheets
    headers = [c.value for c in sheet[1]]
    assert headers == [c.headers[0] for c in COLUMNS[kind]]
    assert any(v not in (None, "") for v in (c.value for c in sheet[2])), "an example row under the headers"
    for index, column in enumerate(COLUMNS[kind], start=1):  # a code typed in keeps every digit
        if column.kind in ("id", "code", "phone"):
            assert sheet.column_dimensions[get_column_letter(index)].number_format == "@", column.headers[0]
    assert sheet.max_row == 2, "the file holds the headers and the example, no empty formatted rows"
    notes_text = "\n".join(str(c.value) for row in notes.iter_rows() for c in row if c.value)
    for column in COLUMNS[kind]:
        assert column.headers[0] in notes_text and column.en in notes_text
    before = count(MODELS[kind])
    for n in range(1, 6):  # rows 3–7, under the example row, as an officer types them
        values = filled(kind, n)
        for index, header in enumerate(headers, start=1):
            if header in values:
                sheet.cell(row=2 + n, column=index, value=values[header])
    buffer = io.BytesIO()
    workbook.save(buffer)

    checked = upload(api, kind, buffer.getvalue())
    assert checked.status_code == 200, checked.json
    assert checked.json["counts"] == {"created": 5, "updated": 0, "unchanged": 0, "rejected": 0}, checked.json
    assert checked.json["examples_skipped"] == 1
    assert count(MODELS[kind]) == before, "a check writes nothing"
    done = upload(api, kind, buffer.getvalue(), f"?dry_run=false&digest={checked.json['digest']}")
    assert done.json["counts"]["created"] == 5, done.json
    assert count(MODELS[kind]) == before + 5


def test_a_template_can_be_downloaded_only_for_a_roster_the_role_imports(as_role, county):
    assert as_role("cadre").get("/api/v1/rosters/laborers/template").status_code == 200
    assert as_role("cadre").get("/api/v1/rosters/openings/template").status_code == 403
    assert as_role("bureau").get("/api/v1/rosters/nonsense/template").status_code == 422


def test_a_commit_of_another_file_than_the_one_checked_is_refused(as_role, county):
    api = as_role("cadre")
    checked = upload(api, "laborers", xlsx_bytes([LABORER_HEADERS, person(41)]))
    other = xlsx_bytes([LABORER_HEADERS, person(43)])
    refused = upload(api, "laborers", other, f"?dry_run=false&digest={checked.json['digest']}")
    assert refused.status_code == 409
    assert refused.json["errors"][0]["code"] == "changed_since_check"
    assert count(Laborer) == 3


def test_a_file_without_its_key_column_is_refused_with_the_headers_to_use(county):
    data = xlsx_bytes([["岗位名称", "招聘人数", "岗位类型"], ["缝纫工", 5, "企业岗位"]])
    with pytest.raises(UnreadableRoster) as refused:
        service.import_roster("openings", data, "岗位.xlsx", dry_run=True)
    error = refused.value.errors[0]
    assert "岗位编号" in error.zh and "岗位名称" in error.zh and "template" in error.en


# --- errors by the sheet's column, every one of a row ------------------------------------------------


def test_errors_name_the_sheets_column_in_chinese_and_english_not_the_api_field(county):
    header = ["岗位编号", "岗位名称", "岗位类型", "所在地", "用工人数", "最低年龄", "最高年龄"]
    data = xlsx_bytes([header, ["GW-X-1", "保洁", "公益性岗位", "城东村", "很多", 40, 70]])
    result = service.import_roster("openings", data, "岗位.xlsx", dry_run=True)
    errors = result.summary()["rejected"][0]["errors"]
    by_column = {e["column"]: e for e in errors}
    # The header as this file writes it (用工人数, an alias of 招聘人数), and its English name.
    assert by_column["用工人数"]["column_en"] == "Headcount"
    assert by_column["最高年龄"]["column_en"] == "Maximum age"
    assert result.summary()["rejected"][0]["row"] == 2
    for error in errors:
        assert "headcount" not in error["en"] and "age_max" not in error["en"], error


def test_every_error_of_a_row_is_reported_not_just_the_first(county):
    header = ["岗位编号", "岗位名称", "岗位类型", "所在地", "招聘人数", "工资下限", "工资上限", "工资单位", "最低年龄"]
    # Unreadable cells (headcount, wage unit) and rule errors (no title, wages reversed, age below 16).
    row = ["GW-X-2", "", "企业岗位", "城东村", "五个", 4000, 3000, "按年", 12]
    result = service.import_roster("openings", xlsx_bytes([header, row]), "岗位.xlsx", dry_run=True)
    columns = {e["column"] for e in result.summary()["rejected"][0]["errors"]}
    assert {"岗位名称", "招聘人数", "工资上限", "工资单位", "最低年龄"} <= columns
    # The enterprise post has no employer: that is named too, by the employer's column.
    assert "用工单位统一社会信用代码" in columns or "用工单位" in columns


def test_a_laborer_row_with_a_bad_cell_also_reports_its_missing_required_columns(county):
    row = person(45, 就业意愿="随便", 劳动能力="", 姓名="")
    result = service.import_roster("laborers", xlsx_bytes([LABORER_HEADERS, row]), "名册.xlsx", dry_run=True)
    columns = {e["column"] for e in result.summary()["rejected"][0]["errors"]}
    assert {"就业意愿", "劳动能力", "姓名"} <= columns


def test_the_cli_names_the_column_and_the_row(runner, county, tmp_path):
    path = tmp_path / "名册.xlsx"
    path.write_bytes(xlsx_bytes([LABORER_HEADERS, person(47, 就业意愿="随便")]))
    output = runner.invoke(args=["import", "laborers", str(path), "--dry-run"]).output
    assert "第 2 行" in output and "就业意愿 Willingness" in output


# --- every word a page offers is read by the import -------------------------------------------------


def _words_offered(enum: type[StrEnum]) -> list[tuple[StrEnum, str]]:
    """Each page word for this enum's members: the labels module (Chinese and English), the glossary, the
    opening form's lists."""
    from flask_babel import force_locale

    found = []
    tables = [d for d in vars(labels).values() if isinstance(d, dict) and d and all(isinstance(k, enum) for k in d)]
    values = {m.value for m in enum}
    tables += [
        {enum(k): v for k, v in d.items()}
        for name, d in vars(post_forms).items()
        if name.endswith("_LABELS") and isinstance(d, dict) and d and set(d) <= values
    ]
    for locale in ("zh_Hans_CN", "en"):
        with force_locale(locale):
            found += [(member, str(word)) for table in tables for member, word in table.items()]
    found += [(member, word) for member, word in glossary_words(enum).items()]
    return found


def _base_row(kind: str, n: int) -> dict:
    return filled(kind, n) if kind != "laborers" else filled(kind, n) | {"户编号": "H-EAST-1"}


ENUM_COLUMNS = [(kind, column) for kind in KINDS for column in COLUMNS[kind] if column.kind == "enum"]


@pytest.mark.parametrize(("kind", "column"), ENUM_COLUMNS, ids=[f"{k}-{c.field}" for k, c in ENUM_COLUMNS])
def test_every_word_a_page_offers_is_accepted_on_import(kind, column, county):
    posts.save_employer(
        {"name": "示例企业", "kind": "enterprise", "credit_code": credit_code(1), "county_code": factories.COUNTY_CODE}
    )
    words = _words_offered(column.enum)
    assert words, f"no page offers words for {column.enum.__name__}"
    header = list(dict.fromkeys([*_base_row(kind, 1), column.headers[0]]))
    if kind == "openings":
        header += ["用工单位统一社会信用代码", "帮扶车间"]
    rows, expected = [header], {}
    for n, (member, word) in enumerate(words, start=1):
        values = _base_row(kind, n) | {column.headers[0]: word}
        if kind == "openings":
            values |= {"用工单位统一社会信用代码": credit_code(1), "帮扶车间": "城西服装车间"}
        rows.append([values.get(h, "") for h in header])
        expected[n + 1] = (member, word)
    result = service.import_roster(kind, xlsx_bytes(rows), "名册.xlsx", dry_run=False)
    refused = {f.row: [e.zh for e in f.errors] for f in result.fates if f.fate == service.REJECTED}
    refused_words = {expected[row][1]: reasons for row, reasons in refused.items()}
    assert not refused_words, f"{column.headers[0]}: page words refused: {refused_words}"
    model = MODELS[kind]
    for fate in result.fates:
        record = db.session.execute(sa.select(model).where(_key_clause(kind, model, fate.key))).scalar_one()
        member, word = expected[fate.row]
        assert getattr(record, column.field) == member, f"{word} read as {getattr(record, column.field)}"


def _key_clause(kind: str, model, key: str):
    if kind == "laborers":
        from jobmatch.crypto import blind_index

        return model.id_number_index == blind_index(key)
    return getattr(model, KEY_FIELDS[kind]) == key


def test_the_willingness_the_pages_offer_is_read_in_both_languages(county):
    rows = [LABORER_HEADERS, person(51, 就业意愿="省内县外"), person(53, 就业意愿="In the province")]
    result = service.import_roster("laborers", xlsx_bytes(rows), "名册.xlsx", dry_run=False)
    assert result.counts["created"] == 2, result.summary()
    stored = db.session.execute(sa.select(Laborer.willingness).where(Laborer.name.in_(["劳动力51", "劳动力53"])))
    assert set(stored.scalars()) == {Willingness.province}


def test_the_glossary_is_walked_only_for_the_lists_it_names_wholly():
    assert glossary_words(vocab.PhysicalIntensity) == {}  # "medium" is 中风险 there, a risk level
    assert glossary_words(vocab.RiskLevel)[vocab.RiskLevel.medium] == "中风险"


# --- the summary before commit -----------------------------------------------------------------------


def test_the_summary_counts_every_fate_and_lists_each_change_old_and_new_with_personal_data_masked(county):
    service.import_roster("laborers", xlsx_bytes([LABORER_HEADERS, person(61), person(63)]), "a.xlsx", dry_run=False)
    rows = [
        LABORER_HEADERS,
        person(61, 务工状态="外出务工", 联系电话="13712345678", 户编号="H-WEST-1"),  # changed
        person(63),  # unchanged
        person(65),  # new
        person(67, 证件号码="123"),  # refused
    ]
    summary = service.import_roster("laborers", xlsx_bytes(rows), "b.xlsx", dry_run=True).summary()
    assert summary["counts"] == {"created": 1, "updated": 1, "unchanged": 1, "rejected": 1}
    assert summary["rejected"][0]["row"] == 5 and summary["rejected"][0]["errors"][0]["column"] == "证件号码"
    (updated,) = summary["updated"]
    assert updated["row"] == 2 and updated["label"].startswith("劳动力61 ")
    changes = {c["column"]: (c["old"], c["new"]) for c in updated["changes"]}
    assert changes["务工状态"] == ("未就业", "外出务工")
    assert changes["户编号"] == ("HEAST1", "HWEST1")
    old_phone, new_phone = changes["联系电话"]
    assert old_phone == "139****0061" and new_phone == "137****5678"
    assert set(changes) == {"务工状态", "户编号", "联系电话"}
    # The full ID number is nowhere in what the page shows.
    number = factories.id_number(factories.years_ago(40), 61)
    assert number not in str(summary)
    # Nothing was written: the dry run changed no one.
    laborer = db.session.execute(sa.select(Laborer).where(Laborer.name == "劳动力61")).scalar_one()
    assert laborer.phone == "13912340061"


def test_the_summary_shows_the_id_number_notices_of_new_and_changed_rows(as_role, county):
    outside = factories.id_number(factories.years_ago(35), 71, area="110101")  # issued in Beijing
    rows = [LABORER_HEADERS, person(71, 证件号码=outside), person(73)]
    response = upload(as_role("cadre"), "laborers", xlsx_bytes(rows))
    assert response.status_code == 200
    (notice,) = response.json["notices"]
    assert notice["row"] == 2 and notice["code"] == "area_outside_county"
    assert notice["column"] == "证件号码" and notice["column_en"] == "ID number"
    assert "外县" in notice["zh"] and outside not in str(response.json)
    assert response.json["counts"]["created"] == 2  # a notice never refuses


def test_the_report_names_the_columns_and_the_changes(as_role, county):
    rows = [LABORER_HEADERS, person(81, 就业意愿="随便")]
    response = upload(as_role("cadre"), "laborers", xlsx_bytes(rows), "?report=xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert "就业意愿" in row["列 / column"] and "Willingness" in row["列 / column"]


def test_a_household_change_shows_the_village_and_category_as_the_roster_writes_them(county):
    header = ["户编号", "行政村", "户类别", "户主姓名"]
    service.import_roster(
        "households", xlsx_bytes([header, ["HF-9", "城东村", "脱贫户", "王五"]]), "a.xlsx", dry_run=False
    )
    changed = xlsx_bytes([header, ["HF-9", factories.OTHER_VILLAGE_CODE, "边缘户", "王五"]])
    summary = service.import_roster("households", changed, "b.xlsx", dry_run=True).summary()
    (updated,) = summary["updated"]
    changes = {c["column"]: (c["old"], c["new"]) for c in updated["changes"]}
    assert changes == {"行政村": ("城东村", "城西村"), "户类别": ("脱贫户", "边缘易致贫户")}
    assert updated["changes"][0]["column_en"] == "Village"

"""Uploads and exports over the API and the command line: scope, masking, audit, round trips."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa
from openpyxl import load_workbook

from jobmatch.accounts.models import AuditEvent
from jobmatch.extensions import db
from jobmatch.people.models import Laborer
from jobmatch.rosters import exports, service
from tests import factories
from tests.rosters.conftest import LABORER_HEADERS, person, xlsx_bytes


def upload(client, data: bytes, query: str = "", name: str = "名册.xlsx", kind: str = "laborers"):
    return client.post(
        f"/api/v1/rosters/{kind}/import{query}",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def laborer_count() -> int:
    db.session.rollback()  # see what the requests committed
    return db.session.execute(sa.select(sa.func.count()).select_from(Laborer)).scalar_one()


def test_an_upload_is_a_dry_run_unless_asked_to_commit(as_role):
    data = xlsx_bytes([LABORER_HEADERS, person(21)])
    before = laborer_count()
    response = upload(as_role("bureau"), data)
    assert response.status_code == 200, response.json
    assert response.json["dry_run"] is True and response.json["counts"]["created"] == 1
    assert laborer_count() == before
    response = upload(as_role("bureau"), data, "?dry_run=false")
    assert response.json["counts"]["created"] == 1
    assert laborer_count() == before + 1


def test_a_cadre_cannot_import_into_another_village(as_role, county):
    west_number = factories.id_number(factories.years_ago(45), 15)  # 西丙, in the other village
    rows = [LABORER_HEADERS, person(21), person(23, 户编号="H-WEST-1"), person(15, 证件号码=west_number)]
    response = upload(as_role("cadre"), xlsx_bytes(rows), "?dry_run=false")
    body = response.json
    assert body["counts"] == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 2}
    by_row = {r["row"]: r["errors"][0] for r in body["rejected"]}
    assert by_row[3]["field"] == "household_code"
    assert by_row[4]["code"] == "out_of_scope" and by_row[4]["zh"] and by_row[4]["en"]


def test_a_workshop_manager_may_not_import(as_role):
    assert upload(as_role("manager"), xlsx_bytes([LABORER_HEADERS, person(21)])).status_code == 403


def test_the_report_downloads_as_xlsx(as_role):
    response = upload(as_role("admin"), xlsx_bytes([LABORER_HEADERS, person(21, 联系电话="1")]), "?report=xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.cell(2, len(LABORER_HEADERS) + 1).value.startswith("拒绝")


def test_an_upload_that_is_not_a_spreadsheet_is_a_clear_422(as_role):
    response = upload(as_role("admin"), b"PK not really a zip", name="名册.xlsx")
    assert response.status_code == 422
    assert response.json["errors"][0]["code"] == "not_a_spreadsheet"
    response = as_role("admin").post("/api/v1/rosters/laborers/import")
    assert response.status_code == 422


def _export(client, fmt: str) -> list[list[str]]:
    response = client.get(f"/api/v1/rosters/laborers/export?format={fmt}")
    assert response.status_code == 200
    if fmt == "csv":
        return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(response.data)).active
    return [[c if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)]


def test_exports_mask_id_numbers_for_managers_and_show_them_to_cadres(as_role, county):
    manager_rows = _export(as_role("manager"), "xlsx")
    number_column = manager_rows[0].index("证件号码")
    assert len(manager_rows) == 2  # the one worker of their workshop
    assert "*" in manager_rows[1][number_column]
    cadre_rows = _export(as_role("cadre"), "csv")
    assert len(cadre_rows) == 3  # their village's two laborers
    assert all("*" not in row[number_column] for row in cadre_rows[1:])
    db.session.rollback()
    exports_audited = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "export")).scalars().all()
    assert [e.changes["masked"] for e in exports_audited] == [True, False]
    assert all(e.actor_id is not None for e in exports_audited)


def test_an_export_imports_back_unchanged_as_xlsx_and_csv(county):
    factories.laborer(
        household_code="H-EAST-1", sequence=31, phone=None, employment_status="migrant", latitude=28.5, longitude=117.7
    )
    for fmt, name in (("xlsx", "导出.xlsx"), ("csv", "导出.csv")):
        data = exports.export_roster("laborers", fmt, masked=False)
        result = service.import_roster("laborers", data, name, dry_run=False)
        assert result.counts == {"created": 0, "updated": 0, "unchanged": 4, "rejected": 0}, result.summary()


def test_a_masked_export_does_not_import_as_changes(county):
    data = exports.export_roster("laborers", "xlsx", masked=True)
    result = service.import_roster("laborers", data, "导出.xlsx", dry_run=True)
    assert result.counts["rejected"] == 3
    assert all(f.errors[0].field == "id_number" for f in result.fates)


def test_households_round_trip(county):
    data = exports.export_roster("households", "csv", masked=False)
    result = service.import_roster("households", data, "农户.csv", dry_run=False)
    assert result.counts == {"created": 0, "updated": 0, "unchanged": 2, "rejected": 0}


def test_the_cli_imports_with_a_dry_run_first_and_exports(runner, households, tmp_path):
    source = tmp_path / "名册.xlsx"
    source.write_bytes(xlsx_bytes([LABORER_HEADERS, person(11), person(13, 证件号码="x")]))
    report = tmp_path / "report.xlsx"
    out = runner.invoke(args=["import", "laborers", str(source), "--dry-run", "--report", str(report)])
    assert out.exit_code == 0, out.output
    assert "created 1" in out.output and "rejected 1" in out.output and "第 3 行" in out.output
    assert report.exists()
    assert laborer_count() == 0
    out = runner.invoke(args=["import", "laborers", str(source)])
    assert out.exit_code == 0 and laborer_count() == 1
    target = tmp_path / "out.csv"
    out = runner.invoke(args=["export", "laborers", str(target)])
    assert out.exit_code == 0, out.output
    assert target.read_text(encoding="utf-8-sig").splitlines()[0].startswith("姓名,证件号码")


def test_the_cli_refuses_a_hundred_megabyte_file_with_a_message(runner, households, tmp_path):
    big = tmp_path / "big.csv"
    with big.open("wb") as handle:
        handle.truncate(100 * 1024 * 1024)
    out = runner.invoke(args=["import", "laborers", str(big)])
    assert out.exit_code != 0
    assert "MB" in out.output and "split it" in out.output


def test_employments_referrals_and_openings_export_within_scope_and_masked_for_managers(as_role, county):
    def rows(role: str, kind: str, fmt: str = "csv") -> list[list[str]]:
        response = as_role(role).get(f"/api/v1/rosters/{kind}/export?format={fmt}")
        assert response.status_code == 200
        return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))

    manager = rows("manager", "employments")
    assert manager[0][:3] == ["编号", "姓名", "证件号码"]
    assert len(manager) == 2 and manager[1][1] == "西丙" and "*" in manager[1][2]
    bureau = rows("bureau", "employments")
    assert len(bureau) == 2 and "*" not in bureau[1][2] and bureau[1][3] == "帮扶车间"
    assert len(rows("cadre", "employments")) == 1  # the worker lives in the other village
    assert rows("bureau", "referrals") == ["编号 姓名 证件号码 岗位编号 岗位名称 状态 状态时间 原因".split()]
    assert rows("admin", "openings")[0][1] == "岗位名称"
    assert as_role("admin").get("/api/v1/rosters/openings/export?format=xlsx").status_code == 200
    assert as_role("admin").post("/api/v1/rosters/openings/import").status_code == 422

"""Importing and exporting openings, keyed by their post code (岗位编号)."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from stdnum.cn import uscc

from jobmatch.accounts.models import AuditEvent
from jobmatch.extensions import db
from jobmatch.posts import service as posts
from jobmatch.posts.models import Opening
from jobmatch.rosters import exports, service
from jobmatch.vocab import OpeningKind, OpeningStatus, PhysicalIntensity, WageUnit, WorkingPattern
from tests import factories
from tests.rosters.conftest import csv_bytes, xlsx_bytes
from workshops.service import save_workshop

HEADERS = [
    "岗位编号",
    "岗位名称",
    "岗位类型",
    "统一社会信用代码",
    "帮扶车间",
    "所在地",
    "技能要求",
    "招聘人数",
    "工资下限",
    "工资上限",
    "工资单位",
    "工作方式",
    "劳动强度",
    "提供住宿",
    "截止日期",
]
NEXT_MONTH = (date.today() + timedelta(days=30)).isoformat()


def credit_code(n: int) -> str:
    body = f"91361125MA{n:07d}"
    return body + uscc.calc_check_digit(body)


def count(model) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def run(data: bytes, name: str = "岗位.xlsx", dry_run: bool = False):
    return service.import_roster("openings", data, name, dry_run=dry_run)


@pytest.fixture
def owners(regions) -> dict:
    """An employer with a credit code and a workshop, in the county."""
    employer = posts.save_employer(
        {
            "name": "横峰县服装有限公司",
            "kind": "enterprise",
            "credit_code": credit_code(1),
            "region_code": factories.VILLAGE_CODE,
        }
    )
    workshop = save_workshop(
        {"name": "城西竹编车间", "village_code": factories.OTHER_VILLAGE_CODE, "capacity": 40, "wage_mode": "piece"}
    )
    return {"employer": employer, "workshop": workshop}


def rows() -> list[list]:
    return [
        HEADERS,
        ["GW-2026-001", "缝纫工", "企业岗位", credit_code(1), "", "城东村", "缝纫、锁边", 5, 3000, 4500, "月"]
        + ["全日制", "轻", "是", NEXT_MONTH],
        ["GW-2026-002", "保洁员", "公益性岗位", "", "", factories.VILLAGE_CODE, "", 2, 700, "", "月"]
        + ["弹性工时", "轻", "否", ""],
        ["GW-2026-003", "手工编织", "帮扶车间岗位", "", "城西竹编车间", "城西村", "竹编", 10, "1.5", "3", "件"]
        + ["居家计件", "轻", "否", NEXT_MONTH],
    ]


def test_openings_are_created_from_chinese_words_and_found_again_by_post_code(owners):
    result = run(xlsx_bytes(rows()))
    assert result.counts == {"created": 3, "updated": 0, "unchanged": 0, "rejected": 0}, result.summary()
    by_code = {o.code: o for o in db.session.execute(sa.select(Opening)).scalars()}
    assert set(by_code) == {"GW2026001", "GW2026002", "GW2026003"}
    sewing, cleaner, weaving = by_code["GW2026001"], by_code["GW2026002"], by_code["GW2026003"]
    assert (sewing.kind, sewing.employer_id, sewing.wage_unit) == (
        OpeningKind.enterprise,
        owners["employer"].id,
        WageUnit.month,
    )
    assert sewing.required_skills_raw == ["缝纫", "锁边"] and sewing.required_skill_codes[0] is not None
    assert sewing.accommodation is True and sewing.remaining_headcount == 5
    assert (sewing.wage_min, sewing.wage_max) == (Decimal("3000"), Decimal("4500"))
    assert cleaner.kind == OpeningKind.public_welfare and cleaner.age_max == 60
    assert cleaner.working_pattern == WorkingPattern.flexible_hours and cleaner.deadline is None
    assert weaving.workshop_id == owners["workshop"].id and weaving.wage_unit == WageUnit.piece
    assert weaving.working_pattern == WorkingPattern.home_piecework
    assert weaving.physical_intensity == PhysicalIntensity.light and weaving.wage_min == Decimal("1.50")

    events = count(AuditEvent)
    again = run(xlsx_bytes(rows()))
    assert again.counts == {"created": 0, "updated": 0, "unchanged": 3, "rejected": 0}
    assert count(AuditEvent) == events and count(Opening) == 3

    changed = rows()[:2]
    changed[1][7] = 8  # 招聘人数
    result = run(csv_bytes(changed), name="岗位.csv")
    assert result.counts["updated"] == 1
    db.session.refresh(sewing)
    assert sewing.headcount == 8


def test_bad_rows_are_rejected_with_the_field_and_the_reason(owners):
    for _ in range(2):
        save_workshop({"name": "同名车间", "village_code": factories.VILLAGE_CODE, "capacity": 9, "wage_mode": "day"})
    good = rows()[1]
    data = [
        HEADERS,
        good,
        ["", *good[1:]],  # no post code
        ["GW-9", "缝纫工", "企业岗位", credit_code(9), "", "城东村", "", 5, 3000, 4500, "月", "全日制", "轻", "否", ""],
        ["GW-10", "缝纫工", "企业岗位", "", "", "城东村", "", 5, 3000, 4500, "月", "全日制", "轻", "否", ""],
        ["GW-11", "编织", "帮扶车间岗位", "", "无名车间", "城东村", "", 5, 1, 2, "件", "全日制", "轻", "否", ""],
        ["GW-15", "编织", "帮扶车间岗位", "", "同名车间", "城东村", "", 5, 1, 2, "件", "全日制", "轻", "否", ""],
        ["GW-12", "保洁", "公益性岗位", "", "", "城东村", "", 2, 700, "", "年", "全日制", "轻", "否", ""],
        ["GW-13", "保洁", "公益性岗位", "", "", "城东村", "", 2.5, 700, "", "月", "全日制", "轻", "否", ""],
        ["GW-14", "保洁", "公益性岗位", "", "", "城东村", "", 2, 700, "", "月", "全日制", "轻", "否", "2020-01-01"],
    ]
    result = run(xlsx_bytes(data))
    assert [f.fate for f in result.fates] == ["created"] + ["rejected"] * 8
    errors = {f.row: {(e.field, e.code) for e in f.errors} for f in result.fates}
    assert errors[3] == {("code", "required")}
    assert errors[4] == {("employer_credit_code", "unknown_employer")}
    assert ("employer_id", "required") in errors[5]  # the service's rule: an enterprise post needs its employer
    assert errors[6] == {("workshop_name", "unknown_workshop")}
    assert errors[7] == {("workshop_name", "ambiguous_workshop")}
    assert ("wage_unit", "unknown_value") in errors[8]
    assert errors[9] == {("headcount", "invalid_number")}
    assert errors[10] == {("deadline", "in_past")}
    for fate in result.fates[1:]:
        assert all(e.zh and e.en for e in fate.errors)
    assert count(Opening) == 1


def test_an_import_never_resets_the_places_hires_have_taken(owners):
    run(xlsx_bytes(rows()))
    sewing = posts.opening_by_code("GW2026001")
    sewing.remaining_headcount = 2  # three hired
    db.session.commit()
    data = exports.export_roster("openings", "xlsx", masked=False)
    assert run(data).counts == {"created": 0, "updated": 0, "unchanged": 3, "rejected": 0}
    with_places = [[*HEADERS, "剩余名额"], [*rows()[1], 5]]
    assert run(xlsx_bytes(with_places)).counts["unchanged"] == 1
    assert posts.opening_by_code("GW2026001").remaining_headcount == 2


def test_an_export_of_openings_imports_back_unchanged_as_xlsx_and_csv(owners):
    run(xlsx_bytes(rows()))
    far = posts.save_opening(
        {
            "kind": "enterprise",
            "title": "電子裝配",
            "employer_id": owners["employer"].id,
            "county_code": factories.COUNTY_CODE,
            "site_name": "广东省东莞市",
            "latitude": 23.02,
            "longitude": 113.75,
            "headcount": 30,
            "wage_min": Decimal("4200.50"),
            "organised_transfer": True,
            "shuttle": True,
            "status": "closed",
            "description": "包吃住，统一乘车",
        }
    )
    assert far.code.startswith("GW") and len(far.code) == 12
    for fmt, name in (("xlsx", "岗位.xlsx"), ("csv", "岗位.csv")):
        data = exports.export_roster("openings", fmt, masked=False)
        result = run(data, name=name)
        assert result.counts == {"created": 0, "updated": 0, "unchanged": 4, "rejected": 0}, result.summary()
    header = exports.export_rows("openings", masked=False)[0]
    assert header[:3] == ["岗位编号", "岗位名称", "岗位类型"] and "工资单位" in header


def test_an_exported_opening_imports_into_an_empty_database_as_the_same_post(owners):
    run(xlsx_bytes(rows()))
    data = exports.export_roster("openings", "csv", masked=False)
    before = {o.code: _comparable(o) for o in db.session.execute(sa.select(Opening)).scalars()}
    db.session.execute(sa.delete(Opening))
    db.session.commit()
    assert run(data, name="岗位.csv").counts["created"] == 3
    after = {o.code: _comparable(o) for o in db.session.execute(sa.select(Opening)).scalars()}
    assert after == before


def _comparable(opening: Opening) -> dict:
    skip = {"id", "created_at", "updated_at", "created_by_id", "updated_by_id"}
    return {c.key: getattr(opening, c.key) for c in opening.__mapper__.column_attrs if c.key not in skip}


def test_the_api_takes_shows_and_refuses_a_duplicate_post_code(api, owners):
    body = {"kind": "public_welfare", "title": "护林员", "region_code": factories.VILLAGE_CODE, "headcount": 1}
    created = api.post("/api/v1/openings", json=body | {"code": "ｈｆ-001"})
    assert created.status_code == 201, created.json
    assert created.json["code"] == "HF001"
    again = api.post("/api/v1/openings", json=body | {"code": "HF-001"})
    assert again.status_code == 409 and again.json["errors"][0]["field"] == "code"
    generated = api.post("/api/v1/openings", json=body)
    assert generated.status_code == 201 and generated.json["code"].startswith("GW")
    found = api.get("/api/v1/openings?q=hf-001").json["items"]
    assert [o["code"] for o in found] == ["HF001"]


def test_the_bureau_imports_openings_over_the_api_and_a_cadre_may_not(as_role, owners):
    data = xlsx_bytes(rows())

    def post(role: str, query: str = ""):
        return as_role(role).post(
            f"/api/v1/rosters/openings/import{query}",
            data={"file": (io.BytesIO(data), "岗位.xlsx")},
            content_type="multipart/form-data",
        )

    assert post("cadre").status_code == 403
    response = post("bureau", "?dry_run=false")
    assert response.status_code == 200, response.json
    assert response.json["counts"]["created"] == 3
    db.session.rollback()
    assert count(Opening) == 3


def test_referral_exports_name_the_opening_by_its_post_code(as_role, county, owners):
    run(xlsx_bytes(rows()))
    opening = posts.opening_by_code("GW2026002")
    referral = as_role("bureau").post(
        "/api/v1/referrals", json={"laborer_id": county["east"][0].id, "opening_id": opening.id}
    )
    assert referral.status_code == 201, referral.json
    header, lines = exports.export_rows("referrals", masked=True)
    assert [line[header.index("岗位编号")] for line in lines] == ["GW2026002"]


def test_the_cli_imports_openings(runner, owners, tmp_path):
    source = tmp_path / "岗位.csv"
    source.write_bytes(csv_bytes(rows(), encoding="gb18030"))
    out = runner.invoke(args=["import", "openings", str(source)])
    assert out.exit_code == 0, out.output
    assert "created 3" in out.output
    assert posts.opening_by_code("GW2026003").status == OpeningStatus.open


def test_the_migration_gives_every_existing_opening_a_code(app, regions):
    db.session.commit()  # no read transaction of the session may hold a lock the downgrade's DDL waits for
    downgrade(revision="0006")
    try:
        now = "2026-01-01 00:00:00"
        for title in ("护林员", "保洁员"):
            db.session.execute(
                sa.text(
                    "INSERT INTO openings (kind, title, latitude, longitude, required_skills_raw, required_skills,"
                    " age_min, age_max, headcount, remaining_headcount, wage_unit, working_pattern,"
                    " physical_intensity, shuttle, organised_transfer, accommodation, status, created_at, updated_at)"
                    " VALUES ('public_welfare', :title, 28.4, 117.6, '[]', '[]', 18, 60, 1, 1, 'month', 'full_time',"
                    " 'light', false, false, false, 'open', :now, :now)"
                ),
                {"title": title, "now": now},
            )
        db.session.commit()
    finally:
        upgrade()
    codes = db.session.execute(sa.select(Opening.code)).scalars().all()
    assert len(codes) == 2 and len(set(codes)) == 2 and all(c.startswith("GW") for c in codes)


def test_opening_rosters_may_have_traditional_headers_in_any_order_below_a_title(owners):
    headers = ["工資單位", "崗位名稱", "崗位編號（必填）", "崗位類型", "所在地", "招聘人數"]
    row = ["元/日", "採茶工", "ＧＷ－７", "公益性崗位", "城東村", "３"]
    result = run(xlsx_bytes([headers, [], row], title_rows=1))
    assert result.table.header_row == 2
    assert result.counts["created"] == 1, result.summary()
    opening = posts.opening_by_code("GW7")
    assert (opening.title, opening.kind, opening.wage_unit, opening.headcount) == (
        "采茶工",
        OpeningKind.public_welfare,
        WageUnit.day,
        3,
    )

"""Importing and exporting employers, keyed by their unified social credit code."""

from __future__ import annotations

import io

import sqlalchemy as sa
from stdnum.cn import uscc

from jobmatch.extensions import db
from jobmatch.posts.models import Employer
from jobmatch.rosters import exports, service
from jobmatch.vocab import EmployerKind
from tests import factories
from tests.rosters.conftest import csv_bytes, xlsx_bytes

HEADERS = ["单位名称", "统一社会信用代码", "单位类型", "所在地", "联系人", "联系电话"]


def credit_code(n: int) -> str:
    body = f"91361125MA{n:07d}"
    return body + uscc.calc_check_digit(body)


def test_employers_are_upserted_by_credit_code_and_round_trip(regions):
    rows = [
        HEADERS,
        ["横峰县服装有限公司", credit_code(1), "企业", "城东村", "王经理", "13812345678"],
        ["岑阳镇茶叶专业合作社", credit_code(2), "合作社", factories.TOWNSHIP_CODE, "", ""],
        ["无代码公司", "", "企业", "城东村", "", ""],
    ]
    result = service.import_roster("employers", xlsx_bytes(rows), "单位.xlsx", dry_run=False)
    assert [f.fate for f in result.fates] == ["created", "created", "rejected"]
    assert result.fates[2].errors[0].field == "credit_code"
    assert "统一社会信用代码" in result.fates[2].errors[0].zh
    coop = db.session.execute(sa.select(Employer).where(Employer.credit_code == credit_code(2))).scalar_one()
    assert coop.kind == EmployerKind.cooperative and coop.county_id is not None
    again = service.import_roster("employers", xlsx_bytes(rows), "单位.xlsx", dry_run=False)
    assert again.counts == {"created": 0, "updated": 0, "unchanged": 2, "rejected": 1}
    exported = exports.export_roster("employers", "csv", masked=False)
    back = service.import_roster("employers", exported, "单位.csv", dry_run=False)
    assert back.counts == {"created": 0, "updated": 0, "unchanged": 2, "rejected": 0}
    changed = [HEADERS, ["横峰县服装有限公司", credit_code(1), "企业", "城东村", "李经理", "13812345678"]]
    assert service.import_roster("employers", csv_bytes(changed), "x.csv", dry_run=False).counts["updated"] == 1


def test_a_cadre_may_not_import_employers(as_role):
    data = xlsx_bytes([HEADERS, ["某公司", credit_code(3), "企业", "城东村", "", ""]])
    response = as_role("cadre").post(
        "/api/v1/rosters/employers/import",
        data={"file": (io.BytesIO(data), "单位.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    response = as_role("bureau").post(
        "/api/v1/rosters/employers/import?dry_run=false",
        data={"file": (io.BytesIO(data), "单位.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200 and response.json["counts"]["created"] == 1

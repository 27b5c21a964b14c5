""".xlsx files whose XML declares entities: a billion laughs or an external entity (XXE) is refused unread."""

from __future__ import annotations

import io
import zipfile

import openpyxl.xml
import pytest
import sqlalchemy as sa

from jobmatch.extensions import db
from jobmatch.people.models import Laborer
from jobmatch.rosters import service
from jobmatch.rosters.reader import UnreadableRoster
from tests.rosters.conftest import LABORER_HEADERS, person, xlsx_bytes

LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10))
    + "]>\n"
)
SECRET = "SECRET-ON-THE-SERVER-7731"


def _rewrite(data: bytes, member: str, transform) -> bytes:
    """The same workbook with one of its XML parts changed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == member:
                content = transform(content.decode("utf-8")).encode("utf-8")
            target.writestr(info, content)
    return out.getvalue()


def _without_declaration(xml: str) -> str:
    return xml.split("?>", 1)[1] if xml.startswith("<?xml") else xml


def billion_laughs(member: str) -> bytes:
    """A roster whose XML part expands one entity into 10⁹ "lol"s (about 3 GB) if the parser allows it."""
    data = xlsx_bytes([LABORER_HEADERS, person(1)])

    def bomb(xml: str) -> str:
        body = _without_declaration(xml)
        # The entity is used inside the first text the part holds.
        return LAUGHS + body.replace("劳动力1", "劳动力1&lol9;", 1).replace("<t>姓名", "<t>&lol9;姓名", 1)

    return _rewrite(data, member, bomb)


def external_entity(member: str, secret_file) -> bytes:
    """A roster whose XML part pulls in a file from the server's disk if the parser resolves external entities."""
    data = xlsx_bytes([LABORER_HEADERS, person(1)])

    def xxe(xml: str) -> str:
        body = _without_declaration(xml)
        doctype = f'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret_file}">]>\n'
        return doctype + body.replace("劳动力1", "&xxe;", 1).replace("<t>姓名", "<t>&xxe;姓名", 1)

    return _rewrite(data, member, xxe)


MEMBERS = ["xl/worksheets/sheet1.xml", "xl/workbook.xml", "xl/styles.xml"]


def laborers() -> int:
    db.session.rollback()
    return db.session.execute(sa.select(sa.func.count()).select_from(Laborer)).scalar_one()


def test_openpyxl_reads_spreadsheets_through_defusedxml():
    assert openpyxl.xml.DEFUSEDXML, "defusedxml must be installed: openpyxl then parses every XML part with it"


@pytest.mark.parametrize("member", MEMBERS)
def test_a_billion_laughs_workbook_is_refused_as_unsafe(county, member):
    before = laborers()
    with pytest.raises(UnreadableRoster) as caught:
        service.import_roster("laborers", billion_laughs(member), "名册.xlsx", dry_run=False)
    assert caught.value.errors[0].code == "hostile_xml"
    assert caught.value.errors[0].field == "file"
    assert laborers() == before


@pytest.mark.parametrize("member", MEMBERS)
def test_an_external_entity_workbook_is_refused_and_the_file_is_never_read(county, member, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    with pytest.raises(UnreadableRoster) as caught:
        service.import_roster("laborers", external_entity(member, secret), "名册.xlsx", dry_run=True)
    assert caught.value.errors[0].code == "hostile_xml"
    assert SECRET not in str(caught.value)


def test_over_the_api_an_unsafe_workbook_is_a_422_naming_the_file(county, as_role):
    before = laborers()
    response = as_role("admin").post(
        "/api/v1/rosters/laborers/import",
        data={"file": (io.BytesIO(billion_laughs("xl/worksheets/sheet1.xml")), "名册.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    error = response.get_json()["errors"][0]
    assert (error["field"], error["code"]) == ("file", "hostile_xml")
    assert "实体" in error["zh"] and "entity" in error["en"]
    assert laborers() == before

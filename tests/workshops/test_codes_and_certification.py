"""Employment-code cards, and the rule that certifies a workshop."""

from __future__ import annotations

import io

import sqlalchemy as sa
from PIL import Image

from jobmatch.extensions import db
from tests.workshops.conftest import TODAY, hire
from workshops import codes
from workshops.models import EmploymentCode, Workshop


def test_the_code_is_opaque_and_never_the_id_number(as_role, county):
    west = county["west"]
    info = as_role("bureau").get(f"/api/v1/laborers/{west.id}/employment-code").json
    code = codes.normalize_code(info["code"])
    assert len(code) == codes.CODE_LENGTH and set(code) <= set(codes.CODE_ALPHABET)
    assert code not in west.id_number and west.id_number[-6:] not in code
    assert info["card_pdf"].endswith(f"/laborers/{west.id}/employment-code/card.pdf")
    # Asking again shows the same card until it is reissued.
    assert as_role("bureau").get(f"/api/v1/laborers/{west.id}/employment-code").json["code"] == info["code"]


def test_typed_codes_forgive_case_separators_full_width_and_misreads():
    assert codes.normalize_code("k7qd3-mzpxa") == "K7QD3MZPXA"
    assert codes.normalize_code("Ｋ７ＱＤ３ ＭＺＰＸＡ") == "K7QD3MZPXA"
    assert codes.normalize_code("O1IL0-UUUUU") == "01110VVVVV"
    assert codes.normalize_code("https://jobmatch.local/scan?code=K7QD3-MZPXA") == "K7QD3MZPXA"


def test_the_card_comes_as_png_and_pdf_without_personal_data(as_role, county):
    manager = as_role("manager")
    west = county["west"]
    png = manager.get(f"/api/v1/laborers/{west.id}/employment-code/card.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    image = Image.open(io.BytesIO(png.data))
    assert image.format == "PNG" and image.width >= 300
    pdf = manager.get(f"/api/v1/laborers/{west.id}/employment-code/card.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    for body in (png.data, pdf.data):
        assert west.id_number.encode() not in body and west.id_number[-8:].encode() not in body
    assert db.session.execute(sa.select(sa.func.count()).select_from(EmploymentCode)).scalar_one() == 1


def test_the_qr_code_leads_to_the_scan_page_with_the_code():
    payload = "http://localhost/scan?code=K7QD3-MZPXA"
    qr = codes._qr(payload)
    assert not qr.is_micro and qr.error in ("M", "Q", "H")
    assert codes.normalize_code(payload) == "K7QD3MZPXA"


def test_cards_are_only_for_laborers_in_scope(as_role, county):
    assert (
        as_role("manager").get(f"/api/v1/laborers/{county['east'][0].id}/employment-code/card.pdf").status_code == 404
    )
    assert as_role("cadre").get(f"/api/v1/laborers/{county['west'].id}/employment-code").status_code == 404
    assert db.session.execute(sa.select(EmploymentCode)).first() is None


def test_certification_needs_five_workers_from_out_of_poverty_or_monitored_households(as_role, county, shop):
    bureau = as_role("bureau")
    url = f"/api/v1/workshops/{shop.id}"
    hire(shop, 3, category="other", prefix="普")
    refused = bureau.patch(url, json={"certification_status": "certified"})
    assert refused.status_code == 409
    error = refused.json["errors"][0]
    assert (error["field"], error["code"]) == ("certification_status", "too_few_workers")
    assert "至少 5 名" in error["zh"] and "现有 1 名" in error["zh"]
    db.session.expire_all()
    assert db.session.get(Workshop, shop.id).certification_status == "applied"

    hire(shop, 2, category="marginal", prefix="边")
    hire(shop, 2, category="out_of_poverty", prefix="脱")
    certified = bureau.patch(url, json={"certification_status": "certified"})
    assert certified.status_code == 200, certified.get_json()
    assert certified.json["certification_status"] == "certified"
    assert certified.json["certified_on"] == TODAY.isoformat()


def test_the_certification_minimum_is_configurable(app, as_role, county, shop):
    app.config["CERTIFICATION_MIN_WORKERS"] = 1
    response = as_role("bureau").patch(f"/api/v1/workshops/{shop.id}", json={"certification_status": "certified"})
    assert response.status_code == 200


def test_a_new_workshop_cannot_start_certified(as_role, county):
    response = as_role("bureau").post(
        "/api/v1/workshops",
        json={
            "name": "新车间",
            "village_code": "361125100201",
            "capacity": 10,
            "wage_mode": "piece",
            "certification_status": "certified",
        },
    )
    assert response.status_code == 409


def test_the_card_leads_to_the_configured_address_whatever_host_the_request_names(app, as_role, county, monkeypatch):
    """A request's Host header is the caller's choice: a card printed from it could send workers elsewhere."""
    carried = []
    monkeypatch.setattr(codes, "card_png", lambda payload, *rest: carried.append(payload) or b"png")
    monkeypatch.setattr(codes, "card_pdf", lambda payload, *rest: carried.append(payload) or b"%PDF")
    manager, west = as_role("manager"), county["west"]
    forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    for configured, expected in ((None, "http://127.0.0.1:8000"), ("https://jobmatch.example.gov.cn/", None)):
        app.config["PUBLIC_BASE_URL"] = configured
        expected = expected or configured.rstrip("/")
        for card in ("card.png", "card.pdf"):
            url = f"/api/v1/laborers/{west.id}/employment-code/{card}"
            assert manager.client.get(url, headers=manager.headers | forged).status_code == 200
        code = db.session.execute(sa.select(EmploymentCode.code)).scalar_one()
        assert carried[-2:] == [f"{expected}/scan?code={codes.display_code(code)}"] * 2
    assert not any("evil" in payload for payload in carried)

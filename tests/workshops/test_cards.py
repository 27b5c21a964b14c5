"""Employment cards to print: the pages per workshop and per village, the A4 sheet, reissue and revoke."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from jobmatch.accounts.models import AuditEvent
from jobmatch.extensions import db
from tests.accounts.scope_world import build_county_b
from tests.workshops.conftest import hire
from tests.workshops.test_pages import _csrf, _login
from workshops import codes
from workshops.models import EmploymentCode

POPPLER = ("pdffonts", "pdfinfo", "pdftotext")
# What a printed card's code line looks like in the PDF's text.
CODE_LINE = re.compile(r"编号 ([0-9A-Z]{5}-[0-9A-Z]{5})")
A4_POINTS = (595, 842)


@pytest.fixture
def poppler():
    missing = [tool for tool in POPPLER if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (poppler-utils; scripts/test.sh installs it as root)")


def _read_pdf(data: bytes, tmp_path: Path) -> tuple[str, list[str], str]:
    """(pdfinfo, each page's text, pdffonts) of a PDF, as a person checking the printout would."""
    path = tmp_path / "cards.pdf"
    path.write_bytes(data)

    def run(*command: str) -> str:
        return subprocess.run(command, check=True, capture_output=True, text=True, timeout=60).stdout

    pages = run("pdftotext", "-enc", "UTF-8", str(path), "-").split("\f")
    return run("pdfinfo", str(path)), [page for page in pages if page.strip()], run("pdffonts", str(path))


def _fonts(pdffonts: str) -> list[dict[str, str]]:
    """pdffonts' table: name, type and whether each font is embedded."""
    rows = []
    for line in pdffonts.splitlines()[2:]:
        parts = line.split()
        # name, type words…, encoding, emb, sub, uni, object, generation
        rows.append({"name": parts[0], "type": " ".join(parts[1:-6]), "emb": parts[-5]})
    return rows


def _print(client, page: str):
    """Press 打印全部卡片 on a cards page: a form POST (printing issues the first codes)."""
    return client.post(f"{page}.pdf", data={"csrf_token": _csrf(client, page)})


def _live_codes() -> dict[int, str]:
    db.session.expire_all()
    rows = db.session.execute(sa.select(EmploymentCode).where(EmploymentCode.revoked_at.is_(None))).scalars()
    return {row.laborer_id: codes.display_code(row.code) for row in rows}


def test_a_workshops_cards_print_on_a4_ten_a_page_in_an_embedded_chinese_font(client, county, shop, tmp_path, poppler):
    workers = [county["west"], *hire(shop, 11)]
    _login(client, "manager")
    response = _print(client, f"/workshops/{shop.id}/cards")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    info, pages, fonts = _read_pdf(response.data, tmp_path)

    assert re.search(r"Pages:\s+2\b", info), info
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert (round(float(size.group(1))), round(float(size.group(2)))) == A4_POINTS
    per_page = [CODE_LINE.findall(page) for page in pages]
    assert [len(found) for found in per_page] == [10, 2]
    # Each worker's card: their name, village and live code; the first codes were issued (and audited) now.
    live = _live_codes()
    assert sorted(code for found in per_page for code in found) == sorted(live[w.id] for w in workers)
    text = "".join(pages)
    for worker in workers:
        assert text.count(worker.name) == 1
        assert worker.id_number not in text and worker.id_number[-8:] not in text
    assert text.count("城西村") == 12 and text.count("照片") == 12
    assert db.session.execute(sa.select(sa.func.count()).where(AuditEvent.action == "issue")).scalar_one() == 12

    # The Chinese font is in the file (a subset: the PDF stays small), and no font is left to the reader.
    table = _fonts(fonts)
    assert table and all(row["emb"] == "yes" for row in table), fonts
    assert any("WenQuanYi" in row["name"] or "CJK" in row["name"] for row in table), fonts
    assert len(response.data) < 200_000


def test_the_cards_page_shows_everyone_with_print_reissue_and_revoke(client, county, shop):
    workers = [county["west"], *hire(shop, 2)]
    codes.ensure_code(workers[0])
    _login(client, "manager")
    page = client.get(f"/workshops/{shop.id}/cards").get_data(as_text=True)
    assert "城西服装车间 就业码卡片" in page and "打印全部卡片" in page
    assert f'action="/workshops/{shop.id}/cards.pdf"' in page
    for worker in workers:
        assert worker.name in page and f'id="card-{worker.id}"' in page
        assert worker.id_number not in page and worker.id_number[-6:] not in page
    assert _live_codes()[workers[0].id] in page
    assert page.count("未发卡：打印时发卡") == 2, "the page itself issues nothing"
    assert f"/laborers/{workers[0].id}/card/revoke" in page and "补发" in page


def test_a_reissued_card_checks_in_and_the_old_one_no_longer_does(client, as_role, county, shop):
    west = county["west"]
    old = codes.ensure_code(west).code
    _login(client, "manager")
    url = f"/workshops/{shop.id}/cards"
    response = client.post(
        f"/laborers/{west.id}/card/reissue", data={"csrf_token": _csrf(client, url), "back": f"workshop-{shop.id}"}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{url}#card-{west.id}")
    new = _live_codes()[west.id]
    assert codes.normalize_code(new) != old
    assert "旧卡作废" in client.get(url).get_data(as_text=True)

    manager = as_role("manager")
    refused = manager.post(f"/api/v1/workshops/{shop.id}/check-in", json={"code": codes.display_code(old)})
    assert refused.status_code == 422 and refused.json["errors"][0]["code"] == "unknown_code"
    assert manager.post(f"/api/v1/workshops/{shop.id}/check-in", json={"code": new}).status_code == 200
    events = db.session.execute(sa.select(AuditEvent.action, AuditEvent.changes).order_by(AuditEvent.id)).all()
    assert [(action, changes.get("reissued")) for action, changes in events if action == "revoke"] == [("revoke", True)]
    assert [action for action, _ in events].count("issue") == 2
    assert all(old not in str(changes) and new not in str(changes) for _, changes in events), "codes stay out"


def test_revoking_asks_first_then_the_card_stops_and_is_not_printed(client, as_role, county, shop, tmp_path, poppler):
    west, other = county["west"], hire(shop, 1)[0]
    code = codes.display_code(codes.ensure_code(west).code)
    _login(client, "manager")
    confirm = client.get(f"/laborers/{west.id}/card/revoke?back=workshop-{shop.id}")
    body = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "确认作废" in body and code in body
    assert _live_codes() == {west.id: code}, "asking changes nothing"

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body).group(1)
    done = client.post(f"/laborers/{west.id}/card/revoke", data={"csrf_token": token, "back": f"workshop-{shop.id}"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/workshops/{shop.id}/cards#card-{west.id}")
    assert west.id not in _live_codes()
    page = client.get(f"/workshops/{shop.id}/cards").get_data(as_text=True)
    assert "已作废，扫码不再签到" in page and "已作废 1" in page

    manager = as_role("manager")
    check_in = manager.post(f"/api/v1/workshops/{shop.id}/check-in", json={"code": code})
    assert check_in.status_code == 422
    # The card is not silently issued again, nor printed, until someone reissues it.
    again = manager.get(f"/api/v1/laborers/{west.id}/employment-code")
    assert again.status_code == 409 and again.json["errors"][0]["code"] == "revoked"
    _, pages, _ = _read_pdf(_print(client, f"/workshops/{shop.id}/cards").data, tmp_path)
    text = "".join(pages)
    assert other.name in text and west.name not in text and len(CODE_LINE.findall(text)) == 1
    revokes = db.session.execute(sa.select(AuditEvent.changes).where(AuditEvent.action == "revoke")).scalars().all()
    assert revokes == [{"laborer_id": west.id, "reissued": False}]
    assert manager.post(f"/api/v1/laborers/{west.id}/employment-code").status_code == 201


def test_the_api_revokes_a_code_once_and_only_in_scope(as_role, county):
    west, east = county["west"], county["east"][0]
    code = codes.display_code(codes.ensure_code(west).code)
    codes.ensure_code(east)
    manager = as_role("manager")

    def revoke(laborer) -> int:
        url = f"/api/v1/laborers/{laborer.id}/employment-code"
        return manager.client.delete(url, headers=manager.headers).status_code

    assert revoke(east) == 404
    assert revoke(west) == 204
    assert revoke(west) == 204
    assert _live_codes() == {east.id: codes.display_code(codes.live_code(east.id).code)}
    count = sa.select(sa.func.count()).where(AuditEvent.action == "revoke")
    assert db.session.execute(count).scalar_one() == 1, "revoking again changes nothing"
    check_in = manager.post(f"/api/v1/workshops/{county['workshop'].id}/check-in", json={"code": code})
    assert check_in.status_code == 422


def test_a_villages_cards_are_its_cadres_and_the_bureaus(client, county, tmp_path, poppler):
    east, west = county["east"], county["west"]
    village, other = county["village"], county["other"]
    _login(client, "cadre")
    page = client.get(f"/villages/{village.id}/cards")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "城东村 就业码卡片" in body and all(w.name in body for w in east) and west.name not in body
    _, pages, _ = _read_pdf(_print(client, f"/villages/{village.id}/cards").data, tmp_path)
    assert len(pages) == 1 and len(CODE_LINE.findall(pages[0])) == 2 and west.name not in pages[0]
    # Another village, a township, a workshop's page, and a card outside the village: not the cadre's.
    assert client.get(f"/villages/{other.id}/cards").status_code == 404
    token = _csrf(client, f"/villages/{village.id}/cards")
    assert client.post(f"/villages/{other.id}/cards.pdf", data={"csrf_token": token}).status_code == 404
    assert client.get(f"/villages/{county['township'].id}/cards").status_code == 404
    assert client.get(f"/workshops/{county['workshop'].id}/cards").status_code == 403
    assert client.post(f"/laborers/{west.id}/card/reissue", data={"csrf_token": token}).status_code == 404
    assert client.get(f"/laborers/{west.id}/card/revoke").status_code == 404
    assert west.id not in _live_codes()


def test_each_role_sees_only_its_own_cards_pages(client, county, shop, other_shop):
    b = build_county_b(county)
    village, other = county["village"], county["other"]
    expected = {
        "manager": {
            f"/workshops/{shop.id}/cards": 200,
            f"/workshops/{other_shop.id}/cards": 404,
            f"POST /workshops/{other_shop.id}/cards.pdf": 404,
            f"/workshops/{b['workshop'].id}/cards": 404,
            f"/villages/{other.id}/cards": 403,
            f"/laborers/{county['east'][0].id}/card/revoke": 404,
        },
        "bureau": {
            f"/workshops/{shop.id}/cards": 200,
            f"/workshops/{other_shop.id}/cards": 200,
            f"/villages/{village.id}/cards": 200,
            f"POST /villages/{other.id}/cards.pdf": 200,
            f"/workshops/{b['workshop'].id}/cards": 404,
            f"POST /workshops/{b['workshop'].id}/cards.pdf": 404,
            f"/villages/{b['village'].id}/cards": 404,
            f"POST /villages/{b['village'].id}/cards.pdf": 404,
            f"/laborers/{b['worker'].id}/card/revoke": 404,
        },
        "admin": {
            f"/workshops/{b['workshop'].id}/cards": 200,
            f"/villages/{b['village'].id}/cards": 200,
        },
    }
    for role, pages in expected.items():
        client.post("/logout", data={"csrf_token": _csrf(client, "/login")})
        _login(client, role)
        token = _csrf(client, f"/workshops/{shop.id}/cards" if role == "manager" else "/villages")
        got = {
            url: (
                client.post(url[5:], data={"csrf_token": token}) if url.startswith("POST ") else client.get(url)
            ).status_code
            for url in pages
        }
        assert got == pages, role
        if role != "admin":
            assert "弋阳" not in client.get(f"/workshops/{shop.id}/cards").get_data(as_text=True)


def test_the_png_card_carries_the_name_under_the_code(as_role, county):
    from io import BytesIO

    from PIL import Image

    if codes.cjk_font_file() is None:
        pytest.skip("no Chinese TrueType font installed (fonts-wqy-microhei)")
    payload = "http://127.0.0.1:8000/scan?code=K7QD3-MZPXA"
    named = Image.open(BytesIO(codes.card_png(payload, "K7QD3MZPXA", "西丙"))).convert("L")
    bare = Image.open(BytesIO(codes.card_png(payload, "K7QD3MZPXA"))).convert("L")
    assert named.width == bare.width and named.height > bare.height
    band = named.crop((0, named.width, named.width, named.height - (bare.height - bare.width)))
    assert band.getextrema()[0] < 128, "the name's line has ink"
    response = as_role("manager").get(f"/api/v1/laborers/{county['west'].id}/employment-code/card.png")
    assert Image.open(BytesIO(response.data)).height == named.height


def test_a_long_list_prints_in_parts_each_a_short_request(client, county, shop, tmp_path, poppler, monkeypatch):
    from workshops import cards

    monkeypatch.setattr(cards, "PRINT_PART", 5)
    hire(shop, 11)
    _login(client, "manager")
    page = client.get(f"/workshops/{shop.id}/cards").get_data(as_text=True)
    assert "打印全部卡片" not in page
    assert [re.sub(r"\s+", " ", label) for label in re.findall(r'name="part" value="\d+"[^>]*>([^<]+)<', page)] == [
        "打印第 1–5 人 (PDF)",
        "打印第 6–10 人 (PDF)",
        "打印第 11–12 人 (PDF)",
    ]
    token = _csrf(client, f"/workshops/{shop.id}/cards")
    printed = {}
    for part in ("0", "1", "2", "99"):
        response = client.post(f"/workshops/{shop.id}/cards.pdf", data={"csrf_token": token, "part": part})
        _, pages, _ = _read_pdf(response.data, tmp_path)
        printed[part] = CODE_LINE.findall("".join(pages))
    assert [len(printed[part]) for part in ("0", "1", "2", "99")] == [5, 5, 2, 5]
    assert len(set(printed["0"] + printed["1"] + printed["2"])) == 12, "each person in one part"
    assert printed["99"] == printed["0"], "a part that does not exist prints the first"

"""The upload page: a cadre uploads through the page's session, with its CSRF token."""

from __future__ import annotations

import io
import re

from tests.accounts.conftest import PASSWORD
from tests.rosters.conftest import LABORER_HEADERS, person, xlsx_bytes


def _csrf(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def test_a_cadre_sees_the_upload_page_and_its_dry_run_works_with_the_session(client, county):
    login = client.post("/login", data={"name": "cadre", "password": PASSWORD, "csrf_token": _csrf(client, "/login")})
    assert login.status_code == 302
    page = client.get("/rosters")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # Employers and openings are not the cadre's to import (the export lists every roster in scope).
    imports = html.split('id="roster-export-title"')[0] + html.split('id="roster-templates-title"')[1]
    assert "导入名册" in html and "js/rosters.js" in html and "employers" not in imports
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)
    response = client.post(
        "/api/v1/rosters/laborers/import",
        data={"file": (io.BytesIO(xlsx_bytes([LABORER_HEADERS, person(21)])), "名册.xlsx")},
        content_type="multipart/form-data",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200, response.json
    assert response.json["counts"]["created"] == 1


def test_the_page_script_is_served(client):
    response = client.get("/static/js/rosters.js")
    response.close()
    assert response.status_code == 200

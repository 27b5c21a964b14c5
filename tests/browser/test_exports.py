"""导出 Excel in the browser at 1280 px and 360 px: the button on a filtered list gives the file of that list."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests import factories
from tests.browser.conftest import fits_the_screen, log_in, screenshot
from tests.placements.conftest import _quick_password_hashes  # noqa: F401


@pytest.mark.parametrize("device", ["page", "phone"])
def test_the_export_button_downloads_the_filtered_list(request, county, device):
    tab = request.getfixturevalue(device)
    log_in(tab, "bureau")
    tab.goto(f"/laborers?village={factories.VILLAGE_CODE}")
    button = tab.get_by_role("link", name="导出 Excel")
    assert button.is_visible() and fits_the_screen(tab)
    screenshot(tab, f"export-laborers-{'desktop' if device == 'page' else 'phone'}")
    with tab.expect_download() as started:
        button.click()
    download = started.value
    assert download.suggested_filename.endswith(".xlsx") and "劳动力" in download.suggested_filename
    book = load_workbook(io.BytesIO(Path(download.path()).read_bytes()), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("姓名", "身份证号", "年龄")
    assert sorted(row[0] for row in rows[1:]) == sorted(["东甲", "东乙"])  # the cadre's village only, as filtered

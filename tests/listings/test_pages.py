"""The list pages go 下一页 / 上一页 by keyset: the next rows, none twice, no OFFSET, the total on every page."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from jobmatch import crud
from jobmatch.extensions import db
from tests import factories
from tests.listings.conftest import NEXT_LINK, PREV_LINK, walk
from tests.pages import login

NAMES = r'<td><a href="/laborers/\d+">([^<]+)</a></td>'


@contextmanager
def offsets() -> Iterator[list]:
    """The rows each statement run in the block skips with OFFSET (0 for a statement without one)."""
    seen: list = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if "LIMIT" not in statement.upper():
            return
        found = list(re.finditer(r"\bOFFSET\s+(\?|%\(\w+\)s|\d+)", statement, re.I))
        for offset in found:
            value = offset.group(1)
            if value == "?":  # SQLite: the placeholder's position among the statement's
                value = parameters[statement[: offset.start(1)].count("?")]
            elif value.startswith("%("):
                value = parameters[value[2:-2]]
            seen.append(int(value))
        seen.extend([0] * (not found))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def _follow(client, path: str, page: str, link: re.Pattern) -> tuple[str, str]:
    found = link.search(page)
    assert found, "no link"
    url = f"{path}?{html.unescape(found.group(1))}"
    return url, client.get(url).get_data(as_text=True)


def test_the_next_link_shows_the_following_rows_without_offset_and_the_previous_link_goes_back(client, lists_county):
    login(client, "cadre")
    first = client.get("/laborers").get_data(as_text=True)
    with offsets() as skipped:
        second_url, second = _follow(client, "/laborers", first, NEXT_LINK)
        third_url, third = _follow(client, "/laborers", second, NEXT_LINK)
    pages = [re.findall(NAMES, p) for p in (first, second, third)]
    everyone, _ = walk(client, "/laborers", NAMES)
    assert pages == [everyone[0:2], everyone[2:4], everyone[4:6]]
    assert len(everyone) == len(set(everyone)) == 5  # the cadre's village: 东甲, 东乙, 东丙, 东丁, 东戊
    assert "cursor=" in second_url and "page=2" in second_url
    assert skipped and set(skipped) == {0}  # (SQLite writes OFFSET 0 after every LIMIT; PostgreSQL none at all)
    # Every page shows the list's total, counted in the page's own statement.
    assert all("共 5 条" in p for p in (first, second, third)) and "第 2 / 3 页" in second

    back_url, back = _follow(client, "/laborers", third, PREV_LINK)
    assert "before=" in back_url and re.findall(NAMES, back) == pages[1] and "第 2 / 3 页" in back
    _, start = _follow(client, "/laborers", back, PREV_LINK)
    assert re.findall(NAMES, start) == pages[0] and PREV_LINK.search(start) is None


def test_a_row_added_meanwhile_neither_repeats_a_row_nor_hides_one(client, lists_county):
    login(client, "cadre")
    first = client.get("/laborers").get_data(as_text=True)
    factories.household(code="H-EAST-0")
    factories.laborer(household_code="H-EAST-0", name="东己", sequence=23)
    url, second = _follow(client, "/laborers", first, NEXT_LINK)
    seen = re.findall(NAMES, first) + re.findall(NAMES, second)
    while NEXT_LINK.search(second):
        url, second = _follow(client, "/laborers", second, NEXT_LINK)
        seen += re.findall(NAMES, second)
    assert len(seen) == len(set(seen)) == 6 and "东己" in seen


def test_filters_stay_on_the_links_and_an_edited_cursor_gives_the_first_page(client, lists_county):
    login(client, "bureau")
    first = client.get(f"/laborers?village={factories.VILLAGE_CODE}").get_data(as_text=True)
    assert f"village={factories.VILLAGE_CODE}" in html.unescape(NEXT_LINK.search(first).group(1))
    assert f'/laborers/export.xlsx?village={factories.VILLAGE_CODE}"' in first  # the export: the filters, no place
    for cursor in ("nonsense", "WzEsMiwzXQ", "e30"):
        response = client.get(f"/laborers?cursor={cursor}&page=7")
        assert response.status_code == 200
        assert re.findall(NAMES, response.get_data(as_text=True)) == re.findall(NAMES, first)
        assert "第 1 /" in response.get_data(as_text=True)


def test_every_keyset_list_page_walks_to_its_end(client, lists_county):
    """The bureau's and the admin's lists too: households, villages, posts, employers, alerts, the audit trail."""
    login(client, "admin")
    for url, pattern in (
        ("/households", r'<td><a href="/households/\d+">([^<]+)</a></td>'),
        ("/openings", r'<tr data-opening="(\d+)">'),
        ("/employers", r'<tr data-employer="(\d+)">'),
        ("/villages", r'<li>\s*<a href="/laborers\?village=(\d+)">'),
        ("/monitoring/alerts", r'id="alert-(\d+)"'),
        ("/admin/audit", r'entity_id=\d+">[^<]*</a></td>\s*<td class="changes">'),
    ):
        keys, addresses = walk(client, url, pattern)
        assert len(addresses) >= 2, url
        assert len(keys) == len(set(keys)) or url == "/admin/audit", url


def test_past_the_exact_count_the_page_says_about_how_many(client, lists_county, monkeypatch):
    login(client, "cadre")
    monkeypatch.setattr(crud, "EXACT_TOTAL_UP_TO", 3)
    page = client.get("/laborers").get_data(as_text=True)
    if db.engine.dialect.name == "postgresql":
        assert "共约" in page
    else:  # SQLite has no estimate: the total is counted
        assert "共 5 条" in page


def test_past_a_few_thousand_villages_the_place_filter_offers_townships(client, lists_county, monkeypatch):
    """An administrator's province: the filter lists townships by county, a village chosen by a link stays."""
    from jobmatch import pickers

    login(client, "admin")
    many = client.get("/laborers").get_data(as_text=True)
    assert f'<option value="{factories.VILLAGE_CODE}"' in many
    monkeypatch.setattr(pickers, "FILTER_VILLAGES_UP_TO", 1)
    for path in ("/laborers", "/households"):
        page = client.get(path).get_data(as_text=True)
        assert f'<option value="{factories.TOWNSHIP_CODE}"' in page, path
        assert f'<option value="{factories.VILLAGE_CODE}"' not in page, path
    chosen = client.get(f"/laborers?village={factories.VILLAGE_CODE}").get_data(as_text=True)
    assert f'<option value="{factories.VILLAGE_CODE}" data-keys' in chosen
    assert re.search(rf'<option value="{factories.VILLAGE_CODE}"[^>]* selected>', chosen)
    by_township = client.get(f"/laborers?village={factories.TOWNSHIP_CODE}").get_data(as_text=True)
    assert re.search(rf'<option value="{factories.TOWNSHIP_CODE}"[^>]* selected>', by_township)

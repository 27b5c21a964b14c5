"""A county with a little of every list (laborers, households, posts, subsidies, alerts, findings, a proposal),
county B next door, small pages (so the lists run to several), and helpers to walk a page and read an export."""

from __future__ import annotations

import html
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from jobmatch.extensions import db
from jobmatch.jobs.models import Job
from jobmatch.monitoring.models import Alert, AlertKind
from jobmatch.posts import service as posts
from jobmatch.vocab import EmploymentStatus
from tests import factories
from tests.accounts.conftest import as_role, county  # noqa: F401  (fixtures for these tests)
from tests.bureau.conftest import china_today, county_b, login, migrant_work  # noqa: F401
from tests.placements.conftest import _quick_password_hashes, make_opening  # noqa: F401

SMALL_PAGE = 2
NEXT_LINK = re.compile(r'<a href="\?([^"]*)" rel="next">')
PREV_LINK = re.compile(r'<a href="\?([^"]*)" rel="prev">')


@pytest.fixture(autouse=True)
def small_pages(monkeypatch):
    """Two rows a page on every list page, so a few records make several pages."""
    from jobmatch.accounts import views as accounts
    from jobmatch.bureau import views as bureau
    from jobmatch.cadre import views as cadre
    from jobmatch.monitoring import views as monitoring
    from jobmatch.posts import views as posts_pages

    for module, name in (
        (cadre, "PAGE_SIZE"),
        (posts_pages, "PER_PAGE"),
        (bureau, "PER_PAGE"),
        (accounts, "AUDIT_PAGE_SIZE"),
        (accounts, "TOKENS_PAGE_SIZE"),
        (monitoring, "INBOX_PER_PAGE"),
    ):
        monkeypatch.setattr(module, name, SMALL_PAGE)


def _alert(household, laborer=None, kind=AlertKind.no_one_employed, days_ago: int = 3) -> Alert:
    alert = Alert(
        kind=kind,
        cause_key=f"{kind.value}:h{household.id}:{days_ago}",
        household_id=household.id,
        laborer_id=laborer.id if laborer else None,
        village_id=household.village_id,
        since=date.today() - timedelta(days=days_ago),
        detail={"days_without_work": days_ago},
        status_since=datetime.now(UTC),
    )
    db.session.add(alert)
    return alert


@pytest.fixture
def lists_county(county, county_b) -> dict:  # noqa: F811
    """County A with several rows in each list (and county B beside it, which no list may show)."""
    east_a, east_b = county["east"]
    factories.household(code="H-EAST-2")
    factories.household(code="H-EAST-3")
    extra = [
        factories.laborer(household_code="H-EAST-2", name="东丙", sequence=17),
        factories.laborer(household_code="H-EAST-2", name="东丁", sequence=19),
        factories.laborer(household_code="H-EAST-3", name="东戊", sequence=21, willingness="none"),
    ]
    for household, head in ((east_a.household, "东甲"), (extra[0].household, "东丙"), (extra[2].household, "东戊")):
        household.head_name = head
    # Recorded as in work, nobody in the household working: a finding of the consistency report.
    extra[0].employment_status = EmploymentStatus.local_enterprise
    migrant_work(east_a, days_ago=120)
    migrant_work(east_b, days_ago=120)
    employers = [
        posts.save_employer({"name": f"横峰企业{n}", "kind": "enterprise", "region_code": factories.VILLAGE_CODE})
        for n in range(3)
    ]
    openings = [make_opening(employer_id=employers[n % 3].id) for n in range(5)]
    for household, laborer, days in (
        (east_a.household, east_a, 5),
        (extra[0].household, None, 9),
        (extra[2].household, None, 2),
    ):
        _alert(household, laborer, days_ago=days)
    db.session.commit()
    return county | {"b": county_b, "extra": extra, "employers": employers, "openings": openings}


@pytest.fixture
def proposal(lists_county) -> Job:
    """A finished batch proposal of county A's bureau: two lines."""
    east_a, east_b = lists_county["east"]
    opening = lists_county["openings"][0]
    lines = [
        {"laborer_id": p.id, "opening_id": opening.id, "chance": chance, "household_without_work": True}
        | {"distance_km": 1.5}
        for p, chance in ((east_a, 0.62), (east_b, 0.41))
    ]
    job = Job(
        kind="batch_proposal",
        state="done",
        county_id=lists_county["county"].id,
        created_by_id=lists_county["users"]["bureau"].id,
        params={"region": factories.COUNTY_CODE, "region_name": "横峰县"},
        result={"region": factories.COUNTY_CODE, "region_name": "横峰县", "lines": lines, "summary": {}},
        message_zh="完成",
        message_en="done",
    )
    db.session.add(job)
    db.session.commit()
    return job


def walk(client, url: str, pattern: str) -> tuple[list[str], list[str]]:
    """Every page of a list from `url`, by its 下一页 links: the keys `pattern` finds, and the pages' addresses."""
    path = url.split("?")[0]
    keys, addresses = [], []
    while url:
        addresses.append(url)
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True)
        keys += [html.unescape(k) for k in re.findall(pattern, text)]
        found = NEXT_LINK.search(text)
        url = f"{path}?{html.unescape(found.group(1))}" if found else None
        assert len(addresses) < 50, "the pages never end"
    return keys, addresses


def workbook(response) -> dict[str, list[tuple]]:
    """An exported .xlsx: sheet title → its rows (the header first)."""
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def column(rows: list[tuple], header: str) -> list:
    """The values under a header (the first row)."""
    at = list(rows[0]).index(header)
    return [row[at] for row in rows[1:]]

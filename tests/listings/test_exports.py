"""导出 Excel on each list page: the rows the page shows for the same filters, Chinese headers, masked numbers
for roles that see masked numbers, nothing of another county, and an audit event."""

from __future__ import annotations

import html
import io
import re
from datetime import timedelta

import sqlalchemy as sa

from jobmatch.accounts.models import ApiToken, AuditEvent
from jobmatch.extensions import db
from jobmatch.listings import LISTINGS
from jobmatch.placements.models import Employment
from tests import factories
from tests.accounts.scope_world import B_COUNTY, B_VILLAGE, traces_of_b
from tests.accounts.test_personal_data import FULL_ID, MASKED_ID
from tests.listings.conftest import china_today, column, walk, workbook
from workshops.models import Attendance, AttendanceKind, AttendanceStatus

CJK = re.compile(r"[\u4e00-\u9fff]")
LAST_MONTH = (china_today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")

# (role, the page with its filters, what names a row on the page, the export's column holding the same).
CASES = [
    ("cadre", "/laborers", r'<td><a href="/laborers/\d+">([^<]+)</a></td>', "姓名"),
    ("bureau", "/laborers?willingness=county&q=东", r'<td><a href="/laborers/\d+">([^<]+)</a></td>', "姓名"),
    ("cadre", "/households", r'<td><a href="/households/\d+">([^<]+)</a></td>', "户编号"),
    ("bureau", "/households?goal=not_met", r'<td><a href="/households/\d+">([^<]+)</a></td>', "户编号"),
    ("bureau", "/villages", r'<li>\s*<a href="/laborers\?village=\d+">([^<]+)</a>', "村"),
    ("bureau", "/openings?status=open", r'<tr data-opening="\d+">\s*<td><a href="/openings/\d+">([^<]+)</a>', "岗位"),
    ("bureau", "/workshops", r'<tr data-workshop="\d+">\s*<td><a href="/workshops/\d+">([^<]+)</a>', "车间"),
    ("bureau", "/employers?q=横峰", r'<tr data-employer="\d+"><td><a href="/employers/\d+">([^<]+)</a>', "名称"),
    ("bureau", "/subsidies", r'data-claim="[^"]+">\s*<div><a href="/laborers/\d+">([^<]+)</a>', "姓名"),
    ("bureau", f"/attendance/months?month={LAST_MONTH}", r'<tr data-workshop="\d+">\s*<td><a[^>]*>([^<]+)</a>', "车间"),
    ("bureau", "/consistency", r'<tr data-check="\w+">\s*<td>([^<]+)</td>', "问题"),
    ("cadre", "/monitoring/alerts", r"户主 ([^<]+)</a>", "户主"),
    ("admin", "/admin/audit?entity_type=laborers", r'entity_id=\d+">[^<#]*#(\d+)</a>', "记录编号"),
]


def _export_url(page: str) -> str:
    path, _, query = page.partition("?")
    return f"{path}/export.xlsx" + (f"?{query}" if query else "")


def test_each_export_holds_the_rows_its_page_shows_page_after_page(lists_county, login):
    clients = {role: login(role) for role in ("admin", "bureau", "cadre")}
    for role, page, pattern, header in CASES:
        shown, addresses = walk(clients[role], page, pattern)
        (rows,) = workbook(clients[role].get(_export_url(page))).values()
        exported = [str(value) for value in column(rows, header)]
        assert shown and exported == shown, (role, page, exported, shown)
        assert len(addresses) == -(-len(shown) // 2), (page, addresses)  # two rows a page: every page walked


def test_a_proposal_and_the_dashboard_export_what_their_pages_show(lists_county, proposal, login):
    client = login("bureau")
    page = client.get(f"/proposals?job={proposal.id}").get_data(as_text=True)
    assert f"/proposals/{proposal.id}/export.xlsx" in page
    (rows,) = workbook(client.get(f"/proposals/{proposal.id}/export.xlsx")).values()
    assert column(rows, "劳动力") == ["东甲", "东乙"] and column(rows, "稳定就业概率") == [0.62, 0.41]

    board = client.get("/dashboard").get_data(as_text=True)
    total = re.search(r'<span class="n" data-key="laborers">([\d,]+)</span>', board).group(1)
    sheets = workbook(client.get(f"/dashboard/export.xlsx?region={factories.COUNTY_CODE}"))
    assert list(sheets) == ["按乡镇", "按岗位类型", "各村"]
    by_township = sheets["按乡镇"]
    assert by_township[-1][0] == "合计" and by_township[-1][2] == int(total.replace(",", ""))
    assert column(sheets["各村"], "村") == re.findall(r'<tr data-village="\d+"><td>([^<]+)</td>', board)


def test_every_export_has_chinese_headers_and_english_ones_on_an_english_page(lists_county, proposal, login):
    chinese, english = login("admin"), login("admin", "en")
    urls = [_export_url(page) for _, page, _, _ in CASES] + [
        f"/proposals/{proposal.id}/export.xlsx",
        "/dashboard/export.xlsx",
        "/subsidies/export.xlsx?tab=paid",
        "/admin/tokens/export.xlsx",
        "/admin/skills/export.xlsx",
    ]
    assert {url.split("/export")[0] for url in urls} >= {
        "/laborers", "/households", "/villages", "/openings", "/workshops", "/employers", "/subsidies",
        "/attendance/months", "/consistency", "/monitoring/alerts", "/admin/audit", f"/proposals/{proposal.id}",
        "/dashboard",
    }  # fmt: skip
    assert len(LISTINGS) == 16
    for url in urls:
        for title, rows in workbook(chinese.get(url)).items():
            assert all(CJK.search(str(h)) for h in rows[0]), (url, title, rows[0])
    for title, rows in workbook(english.get("/laborers/export.xlsx")).items():
        assert title == "Laborers" and rows[0][:3] == ("Name", "ID number", "Age")
        assert not any(CJK.search(str(h)) for h in rows[0]), rows[0]


def test_numbers_are_full_for_roles_that_may_reveal_them_and_masked_for_the_others(lists_county, login, monkeypatch):
    east_b = lists_county["east"][1]
    full = workbook(login("cadre").get("/laborers/export.xlsx?q=东乙"))["劳动力"]
    assert column(full, "身份证号") == [east_b.id_number] and column(full, "联系电话") == ["13911112222"]

    # A role outside FULL_NUMBER_ROLES gets the numbers as the pages mask them, and nothing that rebuilds one.
    from jobmatch.listings import views

    monkeypatch.setattr(views, "FULL_NUMBER_ROLES", frozenset({"admin"}))
    masked = workbook(login("cadre").get("/laborers/export.xlsx"))["劳动力"]
    cells = "\n".join(str(v) for row in masked for v in row)
    assert not FULL_ID.search(cells) and len(MASKED_ID.findall(cells)) == len(masked) - 1
    assert "139****2222" in cells and "13911112222" not in cells
    assert not {"出生日期", "性别"} & set(masked[0])
    subsidies = workbook(login("bureau").get("/subsidies/export.xlsx"))["就业补贴"]
    assert column(subsidies, "身份证号") and all(MASKED_ID.fullmatch(v) for v in column(subsidies, "身份证号"))


def test_a_manager_exports_the_month_sheet_with_masked_numbers(lists_county, login):
    """The manager's list page is the workshop's month: its button is the attendance sheet the API exports."""
    client = login("manager")
    shop = lists_county["workshop"]
    job = db.session.execute(sa.select(Employment).where(Employment.workshop_id == shop.id)).scalar_one()
    day = china_today().replace(day=1) - timedelta(days=3)
    db.session.add(
        Attendance(
            laborer_id=job.laborer_id,
            employment_id=job.id,
            workshop_id=shop.id,
            kind=AttendanceKind.workshop,
            day=day,
            status=AttendanceStatus.present,
        )
    )
    db.session.commit()
    page = client.get(f"/workshops/{shop.id}/attendance/month?month={LAST_MONTH}").get_data(as_text=True)
    link = re.search(r'href="(/api/v1/workshops/\d+/attendance/export[^"]*)"', page).group(1)
    sheets = workbook(client.get(link.replace("&amp;", "&")))
    cells = "\n".join(str(v) for rows in sheets.values() for row in rows for v in row if v is not None)
    assert "西丙" in cells and MASKED_ID.search(cells) and not FULL_ID.search(cells)


def test_no_export_holds_anything_of_another_county_whatever_the_filters(lists_county, proposal, login):
    b = lists_county["b"]
    clients = {role: login(role) for role in ("bureau", "cadre")}
    # (tests/accounts/test_scope_every_path.py walks these routes with every other filter too.)
    foreign = [{}, {"region": B_COUNTY, "village": B_VILLAGE}, {"q": "弋阳"}]
    for role, client in clients.items():
        for name, listing in LISTINGS.items():
            if role not in listing.roles or name in ("audit",):
                continue
            path = listing.path.replace("<int:job_id>", str(proposal.id))
            for query in foreign:
                response = client.get(path, query_string=query)
                if response.status_code == 404:  # the dashboard of a region outside the scope
                    assert name == "dashboard" and query.get("region") == B_COUNTY, (role, path, query)
                    continue
                text = "\n".join(str(v) for rows in workbook(response).values() for row in rows for v in row)
                assert not traces_of_b(text.replace(query.get("q", "-"), "")), (role, path, query)
    # B's region is not A's to export, nor a workshop list a cadre's.
    assert clients["bureau"].get(f"/dashboard/export.xlsx?region={B_COUNTY}").status_code == 404
    assert clients["cadre"].get("/workshops/export.xlsx").status_code == 403
    names = column(workbook(clients["bureau"].get("/laborers/export.xlsx"))["劳动力"], "姓名")
    assert b["laborer"].name not in names and "东甲" in names


def test_an_export_is_audited_without_the_search_text_and_an_id_number_never_travels_in_its_address(
    lists_county, login
):
    client = login("cadre")
    assert client.get("/laborers/export.xlsx?employment_status=unemployed&q=东").status_code == 200
    event = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == "export", AuditEvent.entity_type == "laborers")
    ).scalar_one()
    assert event.actor_id == lists_county["users"]["cadre"].id
    assert event.changes["rows"] >= 1 and event.changes["masked"] is False
    assert event.changes["filters"] == {"employment_status": "unemployed"}

    number = lists_county["east"][0].id_number
    refused = client.get(f"/laborers/export.xlsx?q={number}")
    assert refused.status_code == 302 and number not in refused.headers["Location"]
    # The page of a search by ID number (posted) offers no export: the number would land in the button's address.
    found = client.post("/laborers", data={"q": number}).get_data(as_text=True)
    assert "东甲" in found and "/laborers/export.xlsx" not in found


def test_text_that_looks_like_a_formula_stays_text(lists_county, login):
    formulas = ['=HYPERLINK("http://x","点击")', "+1+1", "@SUM(A1)"]
    for employer, formula in zip(lists_county["employers"], formulas, strict=True):
        employer.name = formula
    db.session.commit()
    (rows,) = workbook(login("bureau").get("/employers/export.xlsx")).values()
    assert {"'" + f for f in formulas} <= set(column(rows, "名称"))


def test_a_long_list_is_exported_by_a_background_job_with_the_same_rows(lists_county, login, monkeypatch):
    from jobmatch.jobs.models import JobFile
    from jobmatch.listings import background

    client = login("cadre")
    direct = workbook(client.get("/laborers/export.xlsx?employment_status=unemployed"))["劳动力"]
    monkeypatch.setattr(background, "EXPORT_IN_REQUEST_ROWS", 2)
    started = client.get("/laborers/export.xlsx?employment_status=unemployed")
    assert started.status_code == 302 and "/exports/" in started.location
    page = client.get(started.location).get_data(as_text=True)
    assert "在后台导出" in page and "下载（4 条）" in page  # (jobs run within the request in tests)
    file = re.search(r'href="(/jobs/\d+/files/export)"', page).group(1)
    assert workbook(client.get(file))["劳动力"] == direct
    # Kept with the job in the database, sealed (no worksheet to read without the data key).
    kept = db.session.execute(sa.select(JobFile)).scalar_one()
    assert kept.filename.startswith("劳动力-") and kept.filename.endswith(".xlsx") and b"worksheet" not in kept.content
    # The job and its file are the starter's: another user finds neither.
    assert login("bureau").get(file).status_code == 404
    assert login("bureau").get(started.location).status_code == 404
    events = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == "export", AuditEvent.entity_type == "laborers")
    ).scalars()
    assert [e.changes["rows"] for e in events] == [4, 4]


def test_the_admin_exports_the_accounts_as_the_page_lists_them(lists_county, login):
    admin = login("admin")
    page = admin.get("/admin/users").get_data(as_text=True)
    assert 'href="/admin/users/export.xlsx"' in page
    shown = [html.unescape(name) for name in re.findall(r'<td><a href="/admin/users/\d+">([^<]+)</a></td>', page)]
    (rows,) = workbook(admin.get("/admin/users/export.xlsx")).values()
    assert shown and [str(v) for v in column(rows, "登录名")] == shown
    assert {"县人社局", "村干部", "系统管理员"} <= set(column(rows, "角色")), rows
    assert login("bureau").get("/admin/users/export.xlsx").status_code == 403


def test_the_admin_exports_the_tokens_page_after_page_without_their_secrets(lists_county, login):
    from jobmatch.accounts import tokens

    users = lists_county["users"]
    secrets = [tokens.issue_token(users[role], f"导出测试 {role}") for role in ("bureau", "cadre", "manager")]
    tokens.revoke_labelled(users["cadre"], "导出测试 cadre")
    db.session.commit()
    admin = login("admin")
    shown, addresses = walk(admin, "/admin/tokens", r"<tr>\s*<td>(\d+)</td>")
    assert len(shown) >= 3 and len(addresses) >= 2, "two tokens a page: the rest on the next pages"
    assert 'href="/admin/tokens/export.xlsx"' in admin.get("/admin/tokens").get_data(as_text=True)
    response = admin.get("/admin/tokens/export.xlsx")
    (rows,) = workbook(response).values()
    assert [str(v) for v in column(rows, "编号")] == shown
    states = dict(zip(column(rows, "用途"), column(rows, "状态"), strict=True))
    assert states["导出测试 bureau"] == "有效" and states["导出测试 cadre"] == "已吊销"
    cells = " ".join(str(value) for row in rows for value in row)
    hashes = db.session.scalars(sa.select(ApiToken.token_hash)).all()
    assert not any(secret in cells or secret[-8:] in cells for secret in secrets)
    assert hashes and not any(token_hash[:16] in cells for token_hash in hashes)
    assert login("bureau").get("/admin/tokens/export.xlsx").status_code == 403


def test_the_admin_exports_the_skill_dictionary_or_a_search_of_it_as_the_page_lists_it(lists_county, login):
    from jobmatch.matching import skills

    admin = login("admin")
    added = admin.post("/admin/skills", data={"skill_code": skills.dictionary().skills[0].code, "synonym": "焊枪手"})
    assert added.status_code == 302
    page = admin.get("/admin/skills?q=焊").get_data(as_text=True)
    assert 'href="/admin/skills/export.xlsx?q=' in page
    shown = re.findall(r"<td><strong>([^<]+)</strong>", page)
    (rows,) = workbook(admin.get("/admin/skills/export.xlsx?q=焊")).values()
    assert shown and column(rows, "技能") == shown
    (everything,) = workbook(admin.get("/admin/skills/export.xlsx")).values()
    assert len(everything) - 1 == len(skills.dictionary().skills)
    first = everything[1]
    assert first[everything[0].index("管理员添加的写法")] == "焊枪手"
    assert login("bureau").get("/admin/skills/export.xlsx").status_code == 403


def test_a_word_made_afresh_for_each_cell_is_written_as_itself(app):
    """A column whose cell is a new lazy word each row (not one of a few constants): every cell holds its own word,
    even when a collected word's id comes round again."""
    from flask_babel import lazy_gettext as _l
    from openpyxl import load_workbook

    from jobmatch.listings import Column, Sheet
    from jobmatch.listings.workbook import write

    words = ["有效", "已吊销", "已过期"]
    rows = [words[n % 3] for n in range(3000)]
    table = Sheet("状态", [Column(_l("状态"), lambda word, c: _l(word))], [rows[:1000], rows[1000:]])
    with app.test_request_context():
        data, count = write([table], masked=False)
    book = load_workbook(io.BytesIO(data), read_only=True)
    written = [row[0] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert count == 3000 and written == rows

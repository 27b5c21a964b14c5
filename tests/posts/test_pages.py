"""The bureau's pages: openings (list, details, the form), workshops and the dashboard; who sees what."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import sqlalchemy as sa

from jobmatch.extensions import db
from jobmatch.posts.models import Opening
from tests import factories
from tests.accounts.conftest import PASSWORD
from tests.placements.conftest import make_opening
from tests.posts.conftest import OTHER_COUNTY


def _login(make_app, name: str, language: str | None = None):
    client = make_app(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False).test_client()
    assert client.post("/login", data={"name": name, "password": PASSWORD}).status_code == 302
    if language:
        client.get(f"/lang/{language}")
    return client


def _openings_count() -> int:
    return db.session.execute(sa.select(sa.func.count(Opening.id))).scalar_one()


def _post_form(**overrides) -> dict:
    """What the public-welfare form sends when filled in properly."""
    return {
        "kind": "public_welfare",
        "title": "村级保洁员",
        "region_code": factories.VILLAGE_CODE,
        "required_skills": "做衣服，打扫卫生",
        "headcount": "2",
        "age_min": "",
        "age_max": "",
        "physical_intensity": "light",
        "wage_min": "800",
        "wage_max": "",
        "wage_unit": "month",
        "working_pattern": "flexible_hours",
        "deadline": "",
    } | overrides


def test_bureau_sees_its_countys_openings_with_fill_status(county, elsewhere, make_app):
    filled_some = make_opening(headcount=3, title="电子厂普工")
    filled_some.remaining_headcount = 1
    full = make_opening(kind="public_welfare", headcount=1, title="护林员")
    full.remaining_headcount = 0
    db.session.commit()
    client = _login(make_app, "bureau")
    page = client.get("/openings").get_data(as_text=True)
    assert "电子厂普工" in page and "已招 2 / 共 3 人" in page and "还差 1 人" in page
    assert "护林员" in page and "已满员" in page
    assert "信州区保洁员" not in page
    assert f'href="/openings/{filled_some.id}"' in page and "发布岗位" in page
    # Newest first, and the filters narrow the list.
    assert page.index("护林员") < page.index("电子厂普工")
    only_welfare = client.get("/openings?kind=public_welfare").get_data(as_text=True)
    assert "护林员" in only_welfare and "电子厂普工" not in only_welfare
    by_employer = client.get("/openings?q=" + filled_some.employer.name).get_data(as_text=True)
    assert "电子厂普工" in by_employer and "护林员" not in by_employer
    elsewhere_township = client.get("/openings?region=361125200000").get_data(as_text=True)
    assert "没有符合条件的岗位" in elsewhere_township


def test_another_countys_opening_is_not_found_for_the_bureau(county, elsewhere, make_app):
    client = _login(make_app, "bureau")
    assert client.get(f"/openings/{elsewhere.id}").status_code == 404
    assert client.get(f"/openings/{elsewhere.id}/edit").status_code == 404
    assert client.post(f"/openings/{elsewhere.id}/edit", data=_post_form()).status_code == 404
    db.session.expire_all()
    assert db.session.get(Opening, elsewhere.id).title == "信州区保洁员"


def test_opening_details_show_site_wage_skills_and_referrals(county, make_app):
    post = make_opening(title="缝纫工", required_skills=["缝纫"], shuttle=True)
    client = _login(make_app, "bureau")
    page = client.get(f"/openings/{post.id}").get_data(as_text=True)
    assert "缝纫工" in page and "城东村" in page and "有班车接送" in page
    assert "2,800 – 3,600 元/月" in page and "0 次推荐" in page
    assert f'href="/openings/{post.id}/edit"' in page


def test_a_cadre_reads_openings_but_changes_nothing_and_has_no_dashboard(county, make_app):
    post = make_opening(title="电子厂普工")
    client = _login(make_app, "cadre")
    listing = client.get("/openings").get_data(as_text=True)
    assert "电子厂普工" in listing and "发布岗位" not in listing
    details = client.get(f"/openings/{post.id}").get_data(as_text=True)
    assert "电子厂普工" in details and "/edit" not in details
    for url in ("/openings/new", f"/openings/{post.id}/edit", "/workshops", "/dashboard"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/openings/{post.id}/edit", data=_post_form(title="改")).status_code == 403


def test_a_workshop_manager_gets_403(county, make_app):
    client = _login(make_app, "manager")
    for url in ("/openings", "/openings/new", "/workshops", "/dashboard"):
        assert client.get(url).status_code == 403, url


def test_the_kind_is_chosen_first(county, make_app):
    client = _login(make_app, "bureau")
    chooser = client.get("/openings/new").get_data(as_text=True)
    assert 'href="/openings/new?kind=enterprise"' in chooser and 'href="/openings/new?kind=public_welfare"' in chooser
    form = client.get("/openings/new?kind=public_welfare").get_data(as_text=True)
    assert 'name="kind" type="hidden" value="public_welfare"' in form
    assert "城东村" in form and "data-skill-picker" in form and 'name="required_skills"' in form


def test_bureau_posts_a_public_welfare_post(county, make_app):
    client = _login(make_app, "bureau")
    response = client.post("/openings/new", data=_post_form())
    assert response.status_code == 302, re.findall(
        r"(?:field-error|flash error)[^>]*>([^<]*)<", response.get_data(as_text=True)
    )
    post = db.session.execute(sa.select(Opening)).scalar_one()
    assert response.headers["Location"] == f"/openings/{post.id}"
    assert (post.kind.value, post.title, post.headcount, post.remaining_headcount) == (
        "public_welfare",
        "村级保洁员",
        2,
        2,
    )
    assert post.required_skills_raw == ["做衣服", "打扫卫生"]
    assert post.county_id == county["county"].id and post.region_id == county["village"].id
    assert (post.latitude, post.longitude) == (28.43, 117.62)  # the village's
    assert post.age_max == 60  # a public-welfare post's default
    assert float(post.wage_min) == 800 and post.wage_max is None
    listing = client.get("/openings").get_data(as_text=True)
    assert "村级保洁员" in listing and "已招 0 / 共 2 人" in listing


def _errors_by_field(page: str) -> dict[str, list[str]]:
    """field id → the inline errors the page shows under it."""
    found: dict[str, list[str]] = {}
    for field, message in re.findall(r'<div class="field-error" role="alert" id="([\w-]+)-error">([^<]*)</div>', page):
        found.setdefault(field, []).append(message)
    return found


def test_errors_appear_next_to_their_fields_and_nothing_is_saved_or_lost(county, make_app):
    client = _login(make_app, "bureau")
    response = client.post("/openings/new", data=_post_form(title="", age_min="50", age_max="30", wage_min="800"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    errors = _errors_by_field(page)
    assert errors["age_max"] == ["最高年龄不能小于最低年龄"]
    assert errors["title"] == ["必填"]
    assert set(errors) == {"age_max", "title"}
    assert _openings_count() == 0
    # What was typed is still there.
    assert 'value="50"' in page and 'value="30"' in page
    assert 'value="做衣服，打扫卫生"' in page
    assert re.search(r'name="wage_min"[^>]*value="800', page)


def test_a_number_that_is_not_a_number_is_an_error_at_its_field(county, make_app):
    client = _login(make_app, "bureau")
    page = client.post("/openings/new", data=_post_form(headcount="两个", deadline="明年")).get_data(as_text=True)
    errors = _errors_by_field(page)
    assert errors == {"headcount": ["须为整数"], "deadline": ["须为日期，如 2026-12-31"]}
    assert 'value="两个"' in page and 'value="明年"' in page
    assert _openings_count() == 0


def test_errors_in_english_on_the_english_page(county, make_app):
    client = _login(make_app, "bureau", language="en")
    page = client.post("/openings/new", data=_post_form(age_min="50", age_max="30")).get_data(as_text=True)
    assert _errors_by_field(page)["age_max"] == ["age_max must not be below age_min"]
    assert _openings_count() == 0


def test_an_enterprise_vacancy_needs_its_employer_and_a_site(county, make_app):
    client = _login(make_app, "bureau")
    page = client.post("/openings/new", data=_post_form(kind="enterprise", employer_id="", region_code="")).get_data(
        as_text=True
    )
    errors = _errors_by_field(page)
    assert errors["employer_id"] == ["企业岗位须指定用工主体"]
    assert errors["region_code"] == ["请填写工作地点：区划代码或经纬度"]
    assert _openings_count() == 0


def test_bureau_edits_and_closes_an_opening(county, make_app):
    post = make_opening(title="电子厂普工", headcount=5)
    client = _login(make_app, "bureau")
    form = client.get(f"/openings/{post.id}/edit").get_data(as_text=True)
    assert 'value="电子厂普工"' in form and f'<option selected value="{post.employer_id}">' in form
    data = _post_form(
        kind="enterprise", employer_id=str(post.employer_id), title="电子厂普工（夜班）", headcount="6", status="closed"
    )
    response = client.post(f"/openings/{post.id}/edit", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Opening, post.id)
    assert (saved.title, saved.headcount, saved.remaining_headcount, saved.status.value) == (
        "电子厂普工(夜班)",  # stored normalised (NFKC), as through the API
        6,
        6,  # nobody hired yet: every place is left
        "closed",
    )
    refused = client.post(f"/openings/{post.id}/edit", data=data | {"headcount": "0"})
    assert "不能小于 1" in _errors_by_field(refused.get_data(as_text=True))["headcount"][0]
    db.session.expire_all()
    assert db.session.get(Opening, post.id).headcount == 6


def test_workshops_page_shows_certification_capacity_and_workers(county, make_app):
    client = _login(make_app, "bureau")
    page = client.get("/workshops").get_data(as_text=True)
    workshop = county["workshop"]
    row = re.search(rf'<tr data-workshop="{workshop.id}">(.*?)</tr>', page, re.S).group(1)
    assert "城西服装车间" in row and "申请认定中" in row and "1 / 40 人" in row
    assert re.findall(r"<td>(\d+)</td>", row) == ["1", "0"]  # one worker from an out-of-poverty household
    assert f'href="/workshops/{workshop.id}/attendance"' in row
    assert "没有符合条件的车间" in client.get("/workshops?q=竹木").get_data(as_text=True)


class _Cells(HTMLParser):
    """(data-region, data-key) → the cell's text, for every table cell of the dashboard that has them."""

    def __init__(self):
        super().__init__()
        self.region = None
        self.key = None
        self.cells: dict[tuple[str, str], str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "data-region" in attrs:
            self.region = attrs["data-region"]
        if tag == "td" and "data-key" in attrs:
            self.key = attrs.get("data-value", None), attrs["data-key"]

    def handle_data(self, data):
        if self.key is not None:
            raw, key = self.key
            self.cells.setdefault((self.region, key), raw if raw is not None else data.strip())
            self.key = None


def test_dashboard_tables_show_the_indicators_api_numbers(county, make_app, as_role):
    make_opening(headcount=4).remaining_headcount = 1
    db.session.commit()
    client = _login(make_app, "bureau")
    response = client.get("/dashboard")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for box in ("types", "rate", "households", "fill_kind", "fill_township", "map"):
        assert f'data-chart="{box}"' in page
    assert 'id="dashboard-data"' in page and "vendor/echarts/echarts.min.js" in page
    parser = _Cells()
    parser.feed(page)
    api = as_role("bureau")
    checked = 0
    for code in (factories.COUNTY_CODE, factories.TOWNSHIP_CODE):
        expected = api.get(f"/api/v1/indicators?region={code}").get_json()
        for (region, key), shown in parser.cells.items():
            if region != code:
                continue
            value = expected
            for part in key.split("."):
                value = value[part]
            assert shown == ("" if value is None else str(value)), (code, key)
            checked += 1
    assert checked >= 15
    assert parser.cells[(factories.COUNTY_CODE, "openings_fill_rate")] == "0.75"


def test_dashboard_of_a_township_and_out_of_scope_regions(county, elsewhere, make_app):
    client = _login(make_app, "bureau")
    page = client.get(f"/dashboard?region={factories.TOWNSHIP_CODE}").get_data(as_text=True)
    assert "岑阳镇就业看板" in page and "城东村" in page and "城西村" in page
    assert client.get(f"/dashboard?region={OTHER_COUNTY}").status_code == 404
    admin = _login(make_app, "admin")  # sees every county: the first by code, then any other by choice
    assert "信州区就业看板" in admin.get("/dashboard").get_data(as_text=True)
    assert "横峰县就业看板" in admin.get(f"/dashboard?region={factories.COUNTY_CODE}").get_data(as_text=True)

"""The bureau's pages: today's tasks, workshops and employers, subsidies, month closing, consistency; scope kept."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from jobmatch.accounts.models import AuditEvent
from jobmatch.extensions import db
from jobmatch.people.models import Laborer
from jobmatch.placements import subsidies
from jobmatch.placements.models import SubsidyClaim
from jobmatch.posts.models import Employer, Opening
from jobmatch.vocab import CertificationStatus, EmploymentStatus
from tests import factories
from tests.accounts.scope_world import traces_of_b
from tests.bureau.conftest import china_today, migrant_work
from tests.placements.conftest import make_opening
from workshops.models import AttendanceClosure, Workshop

TRANSPORT = "transport_cross_province"


def _field_error(page: str, field: str) -> str:
    """The message shown under a field (macros.field puts it in #<field>-error)."""
    found = re.search(rf'id="{field}-error">([^<]*)<', page)
    assert found, f"no error under {field}"
    return found.group(1)


def _lapsing_days_ago() -> int:
    """A start date whose transport claim lapses within the warning window."""
    return (china_today() - subsidies.add_months(china_today(), -3)).days + 350


def _count(model, *where) -> int:
    db.session.expire_all()
    return db.session.execute(sa.select(sa.func.count()).select_from(model).where(*where)).scalar_one()


# --- today ------------------------------------------------------------------------------------------


def test_the_bureau_lands_on_todays_tasks_with_a_link_to_each(county, county_b, login):
    east_a, east_b = county["east"]
    migrant_work(east_a, days_ago=120)
    migrant_work(east_b, days_ago=_lapsing_days_ago())
    late = make_opening(title="过期缝纫工")
    late.deadline = china_today() - timedelta(days=3)
    db.session.commit()
    client = login("bureau")

    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/bureau")
    page = client.get("/bureau").get_data(as_text=True)
    tiles = dict(re.findall(r'data-task="(\w+)"><span class="n">(\d+)</span>', page))
    assert tiles == {"due": "2", "lapsing": "1", "applied": "1", "months": "1", "past_deadline": "1"}
    assert "东乙" in page and "还有" in page  # the lapsing claim, named
    assert 'href="/subsidies?tab=lapsing"' in page
    assert f'href="/workshops/{county["workshop"].id}"' in page and "城西服装车间" in page
    assert f'href="/openings/{late.id}/edit"' in page and "过期缝纫工" in page
    assert "/attendance/months?month=" in page
    assert traces_of_b(page) == [] and "弋阳" not in page


def test_other_roles_keep_their_front_page(county, login):
    assert login("cadre").get("/").status_code == 200
    assert login("cadre").get("/bureau").status_code == 403
    assert login("manager").get("/subsidies").status_code == 403


# --- workshops ----------------------------------------------------------------------------------------


def test_the_workshop_page_shows_posts_workers_month_and_managers(county, county_b, login):
    shop = county["workshop"]
    make_opening(kind="workshop", workshop_id=shop.id, title="城西车间缝纫工")
    client = login("bureau")
    listing = client.get("/workshops").get_data(as_text=True)
    assert f'href="/workshops/{shop.id}"' in listing and "登记帮扶车间" in listing
    page = client.get(f"/workshops/{shop.id}").get_data(as_text=True)
    assert "城西车间缝纫工" in page  # its post
    assert "西丙" in page and "今日在岗工人（1 人）" in page  # its worker today
    assert "manager" in page  # its manager's account
    assert "本月考勤" in page and "未关账" in page
    # The certification rule, checked before the click.
    assert "现有 1 人，至少需要 5 人" in page and "认定为帮扶车间" in page
    assert traces_of_b(page) == []
    assert client.get(f"/workshops/{county_b['workshop'].id}").status_code == 404
    assert client.get(f"/workshops/{county_b['workshop'].id}/edit").status_code == 404


def test_certification_refused_is_explained_and_granted_once_the_rule_is_met(county, login):
    shop = county["workshop"]
    client = login("bureau")
    refused = client.post(f"/workshops/{shop.id}/certification", data={"status": "certified"})
    assert refused.status_code == 409
    text = refused.get_data(as_text=True)
    assert "不符合帮扶车间认定条件" in text and "须吸纳至少 5 名脱贫户或监测对象劳动力，现有 1 名" in text
    db.session.expire_all()
    assert db.session.get(Workshop, shop.id).certification_status == CertificationStatus.applied

    factories.household(code="H-WEST-2", village_code=factories.OTHER_VILLAGE_CODE)
    from tests.workshops.conftest import employ

    for n in range(4):
        employ(
            factories.laborer(household_code="H-WEST-2", name=f"西工{n}", sequence=40 + n), shop, start=china_today()
        )
    assert "现有 5 人，至少需要 5 人" in client.get(f"/workshops/{shop.id}").get_data(as_text=True)
    granted = client.post(f"/workshops/{shop.id}/certification", data={"status": "certified"})
    assert granted.status_code == 302
    db.session.expire_all()
    assert db.session.get(Workshop, shop.id).certification_status == CertificationStatus.certified
    assert "已认定为帮扶车间" in client.get(granted.headers["Location"]).get_data(as_text=True)


def test_the_workshop_form_puts_each_error_under_its_field_and_keeps_the_rest(county, login):
    client = login("bureau")
    form = {
        "name": "城东竹编车间",
        "village_code": factories.VILLAGE_CODE,
        "products": "竹篮",
        "capacity": "0",
        "wage_mode": "day",
        "latitude": "北纬",
    }
    response = client.post("/workshops/new", data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "须为数字" in _field_error(page, "latitude")
    assert 'value="城东竹编车间"' in page and 'value="竹篮"' in page and 'value="北纬"' in page
    assert _count(Workshop) == 1

    refused = client.post("/workshops/new", data=form | {"latitude": ""}).get_data(as_text=True)
    assert _field_error(refused, "capacity")  # the service's rule, under its field
    assert 'value="城东竹编车间"' in refused and _count(Workshop) == 1

    saved = client.post("/workshops/new", data=form | {"latitude": "", "capacity": "20"})
    assert saved.status_code == 302
    made = db.session.execute(sa.select(Workshop).where(Workshop.name == "城东竹编车间")).scalar_one()
    assert made.capacity == 20 and made.certification_status == CertificationStatus.applied
    edited = client.post(f"/workshops/{made.id}/edit", data=form | {"latitude": "", "capacity": "25"})
    assert edited.status_code == 302
    db.session.expire_all()
    assert db.session.get(Workshop, made.id).capacity == 25


# --- employers ----------------------------------------------------------------------------------------


def test_employers_list_new_edit_and_details_stay_in_the_county(county, county_b, login):
    client = login("bureau")
    form = {
        "name": "横峰电子厂",
        "kind": "enterprise",
        "credit_code": "123",
        "region_code": factories.VILLAGE_CODE,
        "contact_name": "李经理",
        "contact_phone": "13900001111",
    }
    refused = client.post("/employers/new", data=form)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert _field_error(page, "credit_code") == "统一社会信用代码无效"
    assert 'value="横峰电子厂"' in page and 'value="李经理"' in page and 'value="13900001111"' in page
    assert _count(Employer) == 1  # county B's only

    saved = client.post("/employers/new", data=form | {"credit_code": ""})
    assert saved.status_code == 302
    employer = db.session.execute(sa.select(Employer).where(Employer.name == "横峰电子厂")).scalar_one()
    details = client.get(f"/employers/{employer.id}").get_data(as_text=True)
    assert "李经理" in details and "139****1111" in details and "13900001111" not in details
    edit_form = client.get(f"/employers/{employer.id}/edit").get_data(as_text=True)
    assert "13900001111" not in edit_form and "139****1111" in edit_form
    client.post(
        f"/employers/{employer.id}/edit", data=form | {"credit_code": "", "contact_phone": "", "name": "横峰电子二厂"}
    )
    db.session.expire_all()
    stored = db.session.get(Employer, employer.id)
    assert stored.name == "横峰电子二厂" and stored.contact_phone == "13900001111"

    listing = client.get("/employers").get_data(as_text=True)
    assert "横峰电子二厂" in listing and traces_of_b(listing) == []
    assert client.get(f"/employers/{county_b['employer'].id}").status_code == 404
    assert client.post(f"/employers/{county_b['employer'].id}/edit", data=form).status_code == 404


# --- subsidies ----------------------------------------------------------------------------------------


def test_subsidy_tabs_filter_due_lapsing_claimed_and_paid_with_evidence(county, county_b, login):
    east_a, east_b = county["east"]
    due = migrant_work(east_a, days_ago=120)
    lapsing = migrant_work(east_b, days_ago=_lapsing_days_ago())
    client = login("bureau")

    due_tab = client.get("/subsidies").get_data(as_text=True)
    assert "东甲" in due_tab and "东乙" in due_tab and "待申领（2）" in due_tab and "即将逾期（1）" in due_tab
    assert "跨省务工一次性交通补贴" in due_tab and "外出务工" in due_tab and "无考勤记录" in due_tab
    assert traces_of_b(due_tab) == [] and "弋阳" not in due_tab
    lapsing_tab = client.get("/subsidies?tab=lapsing").get_data(as_text=True)
    assert "东乙" in lapsing_tab and "东甲" not in lapsing_tab
    assert "东甲" not in client.get("/subsidies?rule_code=hiring_one_off").get_data(as_text=True)

    # A claim date in the future: the error under the date, the date typed kept, nothing recorded.
    future = (china_today() + timedelta(days=2)).isoformat()
    refused = client.post(
        "/subsidies/claims", data={"employment_id": due.id, "rule_code": TRANSPORT, "claimed_on": future}
    )
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "申领日期不能晚于今天" in text and f'value="{future}"' in text
    assert _count(SubsidyClaim) == 0

    recorded = client.post("/subsidies/claims", data={"employment_id": due.id, "rule_code": TRANSPORT})
    assert recorded.status_code == 302
    claim = db.session.execute(sa.select(SubsidyClaim)).scalar_one()
    assert (claim.laborer_id, claim.claimed_on, claim.paid_on) == (east_a.id, china_today(), None)
    claimed_tab = client.get("/subsidies?tab=claimed").get_data(as_text=True)
    assert "东甲" in claimed_tab and "东乙" not in claimed_tab and "登记已发放" in claimed_tab
    assert "东甲" not in client.get("/subsidies?tab=due").get_data(as_text=True)
    assert "东甲" not in client.get("/subsidies?tab=paid").get_data(as_text=True)

    early = (claim.claimed_on - timedelta(days=1)).isoformat()
    refused = client.post(f"/subsidies/claims/{claim.id}/paid", data={"paid_on": early})
    assert refused.status_code == 422 and "发放日期不能早于申领日期" in refused.get_data(as_text=True)
    assert client.post(f"/subsidies/claims/{claim.id}/paid", data={"paid_on": ""}).status_code == 302
    paid_tab = client.get("/subsidies?tab=paid").get_data(as_text=True)
    assert "东甲" in paid_tab and "发放" in paid_tab
    assert "东甲" not in client.get("/subsidies?tab=claimed").get_data(as_text=True)
    assert client.post(f"/subsidies/claims/{claim.id}/paid", data={}).status_code == 409
    assert _count(AuditEvent, AuditEvent.entity_type == "subsidy_claims", AuditEvent.action == "paid") == 1
    assert lapsing.id != due.id


# --- attendance months --------------------------------------------------------------------------------


def test_closing_shows_what_is_missing_and_reopening_needs_a_reason(county, county_b, login):
    client = login("bureau")
    month = (china_today().replace(day=1) - timedelta(days=1)).replace(day=1).strftime("%Y-%m")
    page = client.get(f"/attendance/months?month={month}").get_data(as_text=True)
    assert "城西服装车间" in page and "1 名工人本月无考勤" in page and "个工作日没有考勤表" in page
    assert traces_of_b(page) == [] and "弋阳" not in page

    this_month = china_today().strftime("%Y-%m")
    refused = client.post("/attendance/months/close", data={"month": this_month})
    assert refused.status_code == 422
    assert _field_error(refused.get_data(as_text=True), "month") == "只能关账已结束的月份"

    assert client.post("/attendance/months/close", data={"month": month, "note": "月末核对完毕"}).status_code == 302
    closure = db.session.execute(sa.select(AttendanceClosure)).scalar_one()
    assert closure.workshop_id is None and closure.note == "月末核对完毕"
    closed = client.get(f"/attendance/months?month={month}").get_data(as_text=True)
    assert "全县考勤已关账" in closed and "重新开放" in closed

    refused = client.post(f"/attendance/months/closures/{closure.id}/reopen", data={"reason": "  "})
    assert refused.status_code == 422
    assert _field_error(refused.get_data(as_text=True), "reason-" + str(closure.id)) == "重新开放须填写原因"
    assert _count(AttendanceClosure) == 1
    reopened = client.post(f"/attendance/months/closures/{closure.id}/reopen", data={"reason": "补记漏记的考勤"})
    assert reopened.status_code == 302 and _count(AttendanceClosure) == 0
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "reopen")).scalar_one()
    assert event.changes["reason"] == "补记漏记的考勤" and event.entity_type == "attendance_closures"

    shop = county["workshop"]
    assert client.post("/attendance/months/close", data={"month": month, "workshop_id": shop.id}).status_code == 302
    assert db.session.execute(sa.select(AttendanceClosure.workshop_id)).scalar_one() == shop.id
    other = county_b["workshop"]
    assert client.post("/attendance/months/close", data={"month": month, "workshop_id": other.id}).status_code == 404


# --- consistency --------------------------------------------------------------------------------------


def test_the_consistency_report_links_each_finding_to_its_record(county, county_b, login):
    east_a = county["east"][0]
    east_a.employment_status = EmploymentStatus.migrant
    db.session.get(Laborer, county_b["laborer"].id).employment_status = EmploymentStatus.migrant
    db.session.commit()
    page = login("bureau").get("/consistency").get_data(as_text=True)
    assert "登记为已就业但家中无人在岗" in page
    assert f'href="/laborers/{east_a.id}"' in page and "东甲" in page
    assert f'href="/households/{east_a.household_id}"' in page
    assert traces_of_b(page) == [] and "弋阳" not in page


# --- a post identical to an open one ------------------------------------------------------------------


def test_saving_a_post_identical_to_an_open_one_warns_first(county, login):
    client = login("bureau")
    employer = make_opening(title="先前的岗位").employer
    form = {
        "kind": "enterprise",
        "title": "电子厂普工",
        "employer_id": str(employer.id),
        "region_code": factories.VILLAGE_CODE,
        "headcount": "3",
        "physical_intensity": "light",
        "wage_unit": "month",
        "working_pattern": "full_time",
    }
    assert client.post("/openings/new", data=form).status_code == 302
    first = db.session.execute(sa.select(Opening).where(Opening.title == "电子厂普工")).scalar_one()

    warned = client.post("/openings/new", data=form | {"headcount": "4"})
    assert warned.status_code == 200
    page = warned.get_data(as_text=True)
    assert "已有相同的在招岗位" in page and f'href="/openings/{first.id}"' in page and "仍然保存" in page
    assert 'value="电子厂普工"' in page and 'value="4"' in page
    assert _count(Opening, Opening.title == "电子厂普工") == 1

    # Another site is another post; and "save anyway" saves.
    assert client.post("/openings/new", data=form | {"region_code": factories.OTHER_VILLAGE_CODE}).status_code == 302
    assert client.post("/openings/new", data=form | {"confirm_duplicate": "y"}).status_code == 302
    assert _count(Opening, Opening.title == "电子厂普工") == 3
    # Editing the post itself is not a duplicate of itself.
    assert client.post(f"/openings/{first.id}/edit", data=form | {"status": "open"}).status_code in (200, 302)


def test_an_admin_picks_the_county_whose_month_is_closed(county, county_b, login):
    client = login("admin")
    month = (china_today().replace(day=1) - timedelta(days=1)).replace(day=1).strftime("%Y-%m")
    page = client.get(f"/attendance/months?month={month}").get_data(as_text=True)
    assert 'name="county_code"' in page and "弋阳县" in page
    refused = client.post("/attendance/months/close", data={"month": month})
    assert refused.status_code == 422 and "请填写所辖县的区划代码" in refused.get_data(as_text=True)
    assert _count(AttendanceClosure) == 0
    closed = client.post("/attendance/months/close", data={"month": month, "county_code": county_b["county"].code})
    assert closed.status_code == 302
    assert db.session.execute(sa.select(AttendanceClosure.county_id)).scalar_one() == county_b["county"].id

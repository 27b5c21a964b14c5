"""Matches, referrals and their outcomes on the cadre's pages: the same services, rules and messages as the API."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from jobmatch.extensions import db
from jobmatch.people.models import Laborer
from jobmatch.placements import service as placements
from jobmatch.placements.models import Employment, Referral
from jobmatch.vocab import ReferralState
from tests.cadre.conftest import field_error
from workshops.settings import today as china_today


def _referral(laborer_id: int) -> Referral:
    db.session.expire_all()
    return db.session.execute(sa.select(Referral).where(Referral.laborer_id == laborer_id)).scalar_one()


def test_the_matches_page_lists_the_post_with_its_reasons_in_the_page_language(log_in, county, post):
    east_a = county["east"][0]
    html = log_in("cadre").get(f"/laborers/{east_a.id}/matches").get_data(as_text=True)
    assert "缝纫工" in html and "技能匹配" in html and "距离约" in html and "工资 2800–3600 元/月" in html
    assert "3 / 3 人" in html and "推荐</button>" in html
    english = log_in("cadre", language="en").get(f"/laborers/{east_a.id}/matches").get_data(as_text=True)
    assert "skill match" in english and "km away" in english and "技能匹配" not in english


def test_a_short_list_says_which_rule_cut_and_what_would_widen_it(log_in, county):
    from tests.cadre.conftest import sewing_post

    sewing_post(title="年轻普工", required_skills=[], age_max=30)
    html = log_in("cadre").get(f"/laborers/{county['east'][0].id}/matches").get_data(as_text=True)
    assert "没有找到合适的岗位" in html and "年龄不在岗位要求范围内" in html and "可以这样放宽" in html


def test_refer_creates_the_referral_and_the_profile_shows_it_in_the_history(log_in, county, post):
    east_a = county["east"][0]
    client = log_in("cadre")
    response = client.post(f"/laborers/{east_a.id}/referrals", data={"opening_id": post.id, "score": "0.4"})
    referral = _referral(east_a.id)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/laborers/{east_a.id}#referral-{referral.id}")
    assert referral.state == ReferralState.recommended and referral.score == 0.4
    html = client.get(f"/laborers/{east_a.id}").get_data(as_text=True)
    assert "已推荐到「缝纫工」" in html
    history = html[html.index(f'id="referral-{referral.id}"') :]
    assert "缝纫工" in history and "拟推荐" in history and "cadre" in history
    # The matches page now links to the referral instead of offering the button again.
    assert "已推荐（拟推荐）" in client.get(f"/laborers/{east_a.id}/matches").get_data(as_text=True)


def test_referring_twice_shows_the_services_conflict_as_a_message(log_in, county, post):
    east_a = county["east"][0]
    client = log_in("cadre")
    client.post(f"/laborers/{east_a.id}/referrals", data={"opening_id": post.id})
    again = client.post(f"/laborers/{east_a.id}/referrals", data={"opening_id": post.id}, follow_redirects=True)
    html = again.get_data(as_text=True)
    assert f"/laborers/{east_a.id}/matches" in again.request.path
    assert "该劳动力已推荐到此岗位" in html and 'class="flash error"' in html
    assert db.session.execute(sa.select(sa.func.count(Referral.id))).scalar_one() == 1


def test_a_cadre_cannot_refer_or_step_another_villages_laborer(log_in, county, post):
    west = county["west"]
    cadre = log_in("cadre")
    assert cadre.post(f"/laborers/{west.id}/referrals", data={"opening_id": post.id}).status_code == 404
    referral = placements.create_referral({"laborer_id": west.id, "opening_id": post.id})
    step = {f"r{referral.id}-to": "referred"}
    assert cadre.post(f"/referrals/{referral.id}/transitions", data=step).status_code == 404
    assert log_in("manager").post(f"/referrals/{referral.id}/transitions", data={}).status_code == 403


def _step(client, referral_id: int, to: str, **kw):
    data = {f"r{referral_id}-to": to} | {f"r{referral_id}-{k}": v for k, v in kw.items()}
    return client.post(f"/referrals/{referral_id}/transitions", data=data)


def test_interviewed_then_hired_shows_the_employment_on_the_profile(log_in, county, post):
    east_a = county["east"][0]
    client = log_in("cadre")
    client.post(f"/laborers/{east_a.id}/referrals", data={"opening_id": post.id})
    referral_id = _referral(east_a.id).id
    for to in ("referred", "interviewed", "hired"):
        response = _step(client, referral_id, to, occurred_on=china_today().isoformat())
        assert response.status_code == 302, to
    html = client.get(f"/laborers/{east_a.id}").get_data(as_text=True)
    assert "已记录：已录用" in html
    current = html[html.index('id="current-employment"') :]
    assert "本地企业" in current[: current.index("</div>")]
    for state in ("拟推荐", "已推荐", "已面试", "已录用"):
        assert state in html
    db.session.expire_all()
    job = db.session.execute(sa.select(Employment).where(Employment.laborer_id == east_a.id)).scalar_one()
    assert job.referral_id == referral_id and job.end_date is None
    assert db.session.get(Laborer, east_a.id).employment_status.value == "local_enterprise"
    # Hired: the only step left is 已离职, which needs a reason.
    assert '<option value="left">已离职</option>' in html.replace(" selected", "")


def test_a_step_without_its_reason_is_refused_next_to_the_reason_field(log_in, county, post):
    east_a = county["east"][0]
    client = log_in("cadre")
    client.post(f"/laborers/{east_a.id}/referrals", data={"opening_id": post.id})
    referral_id = _referral(east_a.id).id
    response = _step(client, referral_id, "declined", note="家里走不开")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, f"r{referral_id}-reason_code") == "请选择原因"
    assert 'value="家里走不开"' in html
    assert _referral(east_a.id).state == ReferralState.recommended
    assert _step(client, referral_id, "declined", reason_code="family_care").status_code == 302
    assert _referral(east_a.id).state == ReferralState.declined


def test_a_date_in_the_future_or_a_step_the_lifecycle_forbids_is_shown_next_to_its_field(log_in, county, post):
    east_a = county["east"][0]
    client = log_in("cadre", language="en")
    client.post(f"/laborers/{east_a.id}/referrals", data={"opening_id": post.id})
    referral_id = _referral(east_a.id).id
    tomorrow = (china_today() + timedelta(days=2)).isoformat()
    future = _step(client, referral_id, "referred", occurred_on=tomorrow)
    assert future.status_code == 422
    assert field_error(future.get_data(as_text=True), f"r{referral_id}-occurred_on") == (
        "occurred_at cannot lie in the future"
    )
    illegal = _step(client, referral_id, "hired")
    assert illegal.status_code == 409
    assert "cannot go from recommended to hired" in field_error(illegal.get_data(as_text=True), f"r{referral_id}-to")
    assert _referral(east_a.id).state == ReferralState.recommended


def test_a_step_dated_an_earlier_day_is_recorded_on_that_day(log_in, county, post):
    east_a = county["east"][0]
    referral = placements.create_referral(
        {"laborer_id": east_a.id, "opening_id": post.id, "occurred_at": placements.utcnow() - timedelta(days=5)}
    )
    day = china_today() - timedelta(days=3)
    assert _step(log_in("cadre"), referral.id, "referred", occurred_on=day.isoformat()).status_code == 302
    moved = _referral(east_a.id)
    assert placements.local_date(moved.state_since) == day

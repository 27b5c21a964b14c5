"""The referral flow in fewer taps: the post opens from a match, one form records where a referral stands now
(steps between with their days), a confirmation with the start date before 已录用, undo of the last step, and
the laborer's current post shown as held."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from jobmatch.accounts.models import AuditEvent
from jobmatch.extensions import db
from jobmatch.placements.lifecycle import CHINA_TZ, next_working_day
from jobmatch.placements.models import Employment, Referral, ReferralEvent
from jobmatch.vocab import ReferralState
from tests.cadre.conftest import field_error, sewing_post
from workshops.settings import today as china_today


def _referral(laborer_id: int) -> Referral:
    db.session.expire_all()
    return db.session.execute(sa.select(Referral).where(Referral.laborer_id == laborer_id)).scalar_one()


def _outcome(client, laborer_id: int, opening_id: int, **data):
    return client.post(f"/laborers/{laborer_id}/posts/{opening_id}/outcome", data=data)


def test_the_post_title_on_a_match_opens_the_post_with_the_outcome_form(log_in, county, post):
    east_a = county["east"][0]
    client = log_in("cadre")
    matches = client.get(f"/laborers/{east_a.id}/matches").get_data(as_text=True)
    link = f"/laborers/{east_a.id}/posts/{post.id}"
    assert f'href="{link}" class="post-link">缝纫工</a>' in matches
    # The card offers the steps towards a hire in one form; 推荐 stays one tap.
    assert f'id="o{post.id}-to-hired"' in matches and "推荐</button>" in matches

    page = client.get(link)

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "缝纫工" in html and "3 / 3 人" in html and "尚未推荐到这个岗位" in html
    for label in ("拟推荐", "已推荐", "已面试", "已录用", "未录用", "本人放弃"):
        assert label in html
    # Another county's post, or another village's laborer, is not found.
    west = county["west"]
    assert client.get(f"/laborers/{west.id}/posts/{post.id}").status_code == 404
    assert log_in("manager").get(link).status_code == 403


def test_hired_straight_from_a_match_asks_for_confirmation_with_the_next_working_day(log_in, county, post):
    east_a = county["east"][0]
    client = log_in("cadre")
    today = china_today()
    interviewed = (today - timedelta(days=2)).isoformat()

    asked = _outcome(client, east_a.id, post.id, to="hired", interviewed_on=interviewed, note="下周一上岗")

    assert asked.status_code == 200
    html = asked.get_data(as_text=True)
    assert "确认录用" in html and 'name="confirm" value="yes"' in html
    start = next_working_day(today)
    assert f'name="start_date" type="date" value="{start.isoformat()}"' in html
    assert f'name="interviewed_on" value="{interviewed}"' in html and 'value="下周一上岗"' in html
    # Nothing is recorded before the confirmation.
    assert db.session.execute(sa.select(Referral).where(Referral.laborer_id == east_a.id)).first() is None

    chosen = today + timedelta(days=7)
    confirmed = _outcome(
        client,
        east_a.id,
        post.id,
        to="hired",
        confirm="yes",
        interviewed_on=interviewed,
        start_date=chosen.isoformat(),
        note="下周一上岗",
    )

    assert confirmed.status_code == 302
    assert confirmed.headers["Location"].endswith(f"/laborers/{east_a.id}/posts/{post.id}")
    referral = _referral(east_a.id)
    assert referral.state == ReferralState.hired
    steps = [(e.to_state.value, e.occurred_at.astimezone(CHINA_TZ).date()) for e in referral.events]
    assert [s for s, _ in steps] == ["recommended", "referred", "interviewed", "hired"]
    # The steps before the interview happened with it; the hire today.
    assert [d for _, d in steps] == [today - timedelta(days=2)] * 3 + [today]
    job = db.session.execute(sa.select(Employment).where(Employment.laborer_id == east_a.id)).scalar_one()
    assert job.start_date == chosen
    shown = client.get(f"/laborers/{east_a.id}/posts/{post.id}").get_data(as_text=True)
    assert "已记录：已录用" in shown and "撤销上一步（已录用）" in shown and "在岗" in shown


def test_a_start_date_before_the_hire_is_shown_under_its_field_on_the_confirmation(log_in, county, post):
    east_a = county["east"][0]
    client = log_in("cadre", language="en")
    early = (china_today() - timedelta(days=3)).isoformat()
    response = _outcome(client, east_a.id, post.id, to="hired", confirm="yes", start_date=early, note="备注")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "start_date cannot be before the hire" in field_error(html, "start_date")
    assert f'value="{early}"' in html and 'value="备注"' in html
    assert db.session.execute(sa.select(Referral).where(Referral.laborer_id == east_a.id)).first() is None


def test_an_existing_referral_skips_to_its_current_state_and_errors_stay_under_their_fields(log_in, county, post):
    east_a = county["east"][0]
    client = log_in("cadre")
    assert _outcome(client, east_a.id, post.id, to="recommended").status_code == 302
    referral_id = _referral(east_a.id).id
    future = (china_today() + timedelta(days=3)).isoformat()

    refused = _outcome(client, east_a.id, post.id, to="rejected", referred_on=future, note="厂里没要")

    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert field_error(html, "p-referred_on") == "发生时间不能晚于现在"
    assert field_error(html, "p-reason_code") == "请选择原因"
    assert 'value="厂里没要"' in html and 'value="rejected" id="p-to-rejected"\n            checked' in html
    assert _referral(east_a.id).state == ReferralState.recommended

    done = _outcome(client, east_a.id, post.id, to="rejected", reason_code="no_skill_match")
    assert done.status_code == 302
    referral = _referral(east_a.id)
    assert referral.id == referral_id and referral.state == ReferralState.rejected
    assert [e.to_state.value for e in referral.events] == ["recommended", "referred", "rejected"]


def test_undo_has_its_own_button_is_audited_and_is_gone_after_a_day(log_in, county, post):
    east_a = county["east"][0]
    client = log_in("cadre")
    _outcome(client, east_a.id, post.id, to="recommended")
    _outcome(client, east_a.id, post.id, to="interviewed")
    referral = _referral(east_a.id)
    assert referral.state == ReferralState.interviewed

    profile = client.get(f"/laborers/{east_a.id}").get_data(as_text=True)
    assert "撤销上一步（已面试）" in profile and f'href="/laborers/{east_a.id}/posts/{post.id}"' in profile

    undone = client.post(f"/referrals/{referral.id}/undo", follow_redirects=True)

    assert undone.status_code == 200
    assert "已撤销：已面试" in undone.get_data(as_text=True)
    assert _referral(east_a.id).state == ReferralState.referred
    audit = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.action == "undo", AuditEvent.entity_id == referral.id)
    ).scalar_one()
    assert audit.changes["undone"]["to_state"] == "interviewed"

    last = (
        db.session.execute(
            sa.select(ReferralEvent).where(ReferralEvent.referral_id == referral.id).order_by(ReferralEvent.id.desc())
        )
        .scalars()
        .first()
    )
    last.created_at = datetime.now(CHINA_TZ) - timedelta(days=2)
    db.session.commit()
    page = client.get(f"/laborers/{east_a.id}/posts/{post.id}").get_data(as_text=True)
    assert "撤销上一步" not in page
    late = client.post(f"/referrals/{referral.id}/undo", follow_redirects=True).get_data(as_text=True)
    assert "只能撤销一天内记录的步骤" in late
    assert _referral(east_a.id).state == ReferralState.referred


def test_the_laborers_current_post_is_shown_as_held_not_offered(log_in, county, post):
    east_a = county["east"][0]
    client = log_in("cadre")
    other = sewing_post(title="缝纫工二")
    _outcome(client, east_a.id, post.id, to="hired", confirm="yes", start_date=china_today().isoformat())
    html = client.get(f"/laborers/{east_a.id}/matches").get_data(as_text=True)
    marked = html[html.index('id="marked-') :]
    assert 'class="badge held">在岗</span>' in marked[: marked.index("</li>")]
    assert f'id="opening-{post.id}"' not in html
    assert other.id  # another post may still be offered
    page = client.get(f"/laborers/{east_a.id}/posts/{post.id}").get_data(as_text=True)
    assert "在岗" in page
    # Held: the only outcome left is leaving it (it takes a reason).
    form = page.split("记录结果")[-1]
    assert 'name="to" value="left"' in form and 'value="hired"' not in form

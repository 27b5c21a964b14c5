"""The referral lifecycle through the API: every legal and illegal step, times, reasons, scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from jobmatch.extensions import db
from jobmatch.placements.lifecycle import ALLOWED_NEXT
from jobmatch.placements.models import Referral, ReferralEvent
from jobmatch.vocab import ReferralState
from tests import factories
from tests.placements.conftest import PATH_TO, REASONS, ago, make_opening, refer, referral_in, step

ALL_STATES = [s.value for s in ReferralState]
LEGAL = [(state.value, to.value) for state, nexts in ALLOWED_NEXT.items() for to in nexts]


def _allowed(state: str) -> list[str]:
    return [s.value for s in ALLOWED_NEXT.get(ReferralState(state), ())]


def _obsolete_referral(api, county) -> dict:
    """A referral made obsolete by a hire into another opening."""
    laborer = county["east"][0].id
    waiting = refer(api, laborer, make_opening().id)
    referral_in(api, "hired", laborer, make_opening().id)
    return api.get(f"/api/v1/referrals/{waiting['id']}").get_json()


def test_a_referral_starts_recommended_with_its_first_step_and_who_recorded_it(as_role, county, opening):
    cadre = as_role("cadre")
    referral = refer(cadre, county["east"][0].id, opening.id, note="本人愿意试试")
    assert referral["state"] == "recommended" and referral["state_zh"] == "拟推荐"
    assert referral["allowed_next"] == ["referred", "declined", "withdrawn"]
    (event,) = referral["events"]
    assert (event["from_state"], event["to_state"], event["recorded_by"]) == (None, "recommended", "cadre")
    assert referral["laborer_name"] == "东甲" and referral["opening_title"] == opening.title


@pytest.mark.parametrize(("state", "to"), LEGAL)
def test_every_legal_step_is_recorded(as_role, county, opening, state, to):
    cadre = as_role("cadre")
    referral = referral_in(cadre, state, county["east"][0].id, opening.id)
    response = step(cadre, referral["id"], to, note="电话确认")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["state"] == to
    assert [e["to_state"] for e in body["events"]] == ["recommended", *PATH_TO[state], to]
    last = body["events"][-1]
    assert (last["from_state"], last["note"], last["reason_code"]) == (state, "电话确认", REASONS.get(to))
    assert body["state_since"] == last["occurred_at"]


@pytest.mark.parametrize("state", ALL_STATES)
def test_every_illegal_step_is_refused_with_the_allowed_next_states(as_role, county, opening, state):
    cadre = as_role("cadre")
    if state == "obsolete":
        referral = _obsolete_referral(cadre, county)
    else:
        referral = referral_in(cadre, state, county["east"][0].id, opening.id)
    events_before = len(referral["events"])
    for to in ALL_STATES:
        if to in _allowed(state):
            continue
        response = step(cadre, referral["id"], to, reason_code="other" if to in REASONS else None)
        assert response.status_code == 409, (state, to, response.get_json())
        problem = response.get_json()
        assert response.mimetype == "application/problem+json"
        assert problem["allowed_next"] == _allowed(state) and problem["state"] == state
        assert problem["errors"][0]["field"] == "to" and problem["errors"][0]["code"] == "illegal_transition"
    after = cadre.get(f"/api/v1/referrals/{referral['id']}").get_json()
    assert after["state"] == state and len(after["events"]) == events_before


@pytest.mark.parametrize("to", ["rejected", "declined", "left"])
def test_rejected_declined_and_left_need_a_coded_reason(as_role, county, opening, to):
    cadre = as_role("cadre")
    state = {"rejected": "interviewed", "declined": "referred", "left": "hired"}[to]
    referral = referral_in(cadre, state, county["east"][0].id, opening.id)
    response = cadre.post(f"/api/v1/referrals/{referral['id']}/transitions", json={"to": to})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "reason_code"
    assert step(cadre, referral["id"], to, reason_code="not_a_reason").status_code == 422


def test_a_forward_step_takes_no_reason(as_role, county, opening):
    cadre = as_role("cadre")
    referral = refer(cadre, county["east"][0].id, opening.id)
    response = step(cadre, referral["id"], "referred", reason_code="too_far")
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["code"] == "not_applicable"


def test_a_step_in_the_future_is_refused(as_role, county, opening):
    cadre = as_role("cadre")
    referral = refer(cadre, county["east"][0].id, opening.id)
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    response = step(cadre, referral["id"], "referred", occurred_at=tomorrow)
    assert response.status_code == 422
    assert response.get_json()["errors"][0] == {
        "field": "occurred_at",
        "code": "in_future",
        "zh": "发生时间不能晚于现在",
        "en": "occurred_at cannot lie in the future",
    }
    future_referral = cadre.post(
        "/api/v1/referrals",
        json={"laborer_id": county["east"][1].id, "opening_id": opening.id, "occurred_at": tomorrow},
    )
    assert future_referral.status_code == 422


def test_a_step_before_the_previous_one_is_refused_and_history_in_order_is_accepted(as_role, county, opening):
    cadre = as_role("cadre")
    referral = refer(cadre, county["east"][0].id, opening.id, occurred_at=ago(days=30))
    assert step(cadre, referral["id"], "referred", occurred_at=ago(days=20)).status_code == 200
    early = step(cadre, referral["id"], "interviewed", occurred_at=ago(days=25))
    assert early.status_code == 422
    assert early.get_json()["errors"][0]["code"] == "before_previous_step"
    assert step(cadre, referral["id"], "interviewed", occurred_at=ago(days=20)).status_code == 200  # same moment


def test_a_time_without_a_zone_is_china_time(as_role, county, opening):
    cadre = as_role("cadre")
    referral = refer(cadre, county["east"][0].id, opening.id, occurred_at="2026-01-05T09:30:00")
    assert referral["events"][0]["occurred_at"].startswith("2026-01-05T01:30:00")


def test_a_hire_makes_the_laborers_other_open_referrals_obsolete(as_role, county, opening):
    cadre = as_role("cadre")
    laborer = county["east"][0].id
    waiting = refer(cadre, laborer, make_opening().id)
    interviewed = referral_in(cadre, "interviewed", laborer, make_opening().id)
    declined = referral_in(cadre, "declined", laborer, make_opening().id)
    someone_else = refer(cadre, county["east"][1].id, make_opening().id)
    hired = referral_in(cadre, "hired", laborer, opening.id)

    for other in (waiting, interviewed):
        after = cadre.get(f"/api/v1/referrals/{other['id']}").get_json()
        assert after["state"] == "obsolete" and after["allowed_next"] == []
        last = after["events"][-1]
        assert last["from_state"] == other["state"] and last["to_state"] == "obsolete"
        assert f"#{hired['id']}" in last["note"]
    assert cadre.get(f"/api/v1/referrals/{declined['id']}").get_json()["state"] == "declined"
    assert cadre.get(f"/api/v1/referrals/{someone_else['id']}").get_json()["state"] == "recommended"


def test_an_open_referral_for_the_same_pair_is_not_made_twice(as_role, county, opening):
    cadre = as_role("cadre")
    first = refer(cadre, county["east"][0].id, opening.id)
    again = cadre.post("/api/v1/referrals", json={"laborer_id": county["east"][0].id, "opening_id": opening.id})
    assert again.status_code == 409
    assert again.get_json()["errors"][0]["code"] == "duplicate_referral"
    assert again.get_json()["existing_referral_id"] == first["id"]
    assert step(cadre, first["id"], "declined").status_code == 200
    refer(cadre, county["east"][0].id, opening.id)  # a closed referral does not block a new one


def test_closed_and_filled_openings_take_no_referrals(as_role, county):
    cadre = as_role("cadre")
    closed = make_opening(status="closed")
    filled = make_opening(headcount=3)
    filled.remaining_headcount = 0  # three hired
    db.session.commit()
    for opening, code in ((closed, "opening_closed"), (filled, "opening_filled")):
        response = cadre.post("/api/v1/referrals", json={"laborer_id": county["east"][0].id, "opening_id": opening.id})
        assert response.status_code == 409
        assert response.get_json()["errors"][0]["code"] == code


def test_public_welfare_posts_are_only_for_poverty_and_monitored_households(as_role, county):
    cadre = as_role("cadre")
    factories.household(code="H-EAST-OTHER", category="other")
    other = factories.laborer(household_code="H-EAST-OTHER", sequence=31)
    post = make_opening(kind="public_welfare", title="村级保洁员")
    response = cadre.post("/api/v1/referrals", json={"laborer_id": other.id, "opening_id": post.id})
    assert response.status_code == 422
    assert response.get_json()["errors"][0] == {
        "field": "laborer_id",
        "code": "not_eligible",
        "zh": "公益性岗位仅面向脱贫户和监测户的劳动力",
        "en": "public-welfare posts are for laborers of households out of poverty or under monitoring",
    }
    refer(cadre, county["east"][0].id, post.id)


def test_a_cadre_cannot_refer_a_laborer_outside_their_villages(as_role, county, opening):
    response = as_role("cadre").post(
        "/api/v1/referrals", json={"laborer_id": county["west"].id, "opening_id": opening.id}
    )
    assert response.status_code == 404
    assert db.session.execute(sa.select(sa.func.count()).select_from(Referral)).scalar_one() == 0


def test_a_cadre_cannot_refer_to_an_opening_of_another_county(as_role, county, admin_api):
    admin_api.post("/api/v1/regions", json={"code": "361123000000", "name": "玉山县", "level": "county"})
    elsewhere = make_opening(region_code=None, county_code="361123000000", latitude=28.68, longitude=118.24)
    response = as_role("cadre").post(
        "/api/v1/referrals", json={"laborer_id": county["east"][0].id, "opening_id": elsewhere.id}
    )
    assert response.status_code == 404


def test_a_manager_cannot_refer_or_read_referrals(as_role, county, opening):
    manager = as_role("manager")
    referral = refer(as_role("bureau"), county["west"].id, opening.id)
    assert (
        manager.post("/api/v1/referrals", json={"laborer_id": county["west"].id, "opening_id": opening.id}).status_code
        == 403
    )
    assert manager.get(f"/api/v1/referrals/{referral['id']}").status_code == 403
    assert step(manager, referral["id"], "referred").status_code == 403


def test_each_role_lists_the_referrals_of_its_own_villages_with_filters(as_role, county, opening):
    bureau, cadre = as_role("bureau"), as_role("cadre")
    east = referral_in(bureau, "referred", county["east"][0].id, opening.id)
    west = refer(bureau, county["west"].id, opening.id)

    def ids(client, query: str = "") -> list[int]:
        response = client.get("/api/v1/referrals" + query)
        assert response.status_code == 200
        return sorted(item["id"] for item in response.get_json()["items"])

    assert ids(bureau) == sorted([east["id"], west["id"]])
    assert ids(cadre) == [east["id"]]
    assert cadre.get(f"/api/v1/referrals/{west['id']}").status_code == 404
    assert ids(bureau, "?state=referred") == [east["id"]]
    assert ids(bureau, f"?laborer_id={county['west'].id}") == [west["id"]]
    assert ids(bureau, f"?opening_id={opening.id}&region={factories.OTHER_VILLAGE_CODE}") == [west["id"]]
    assert ids(bureau, f"?region={factories.TOWNSHIP_CODE}") == sorted([east["id"], west["id"]])


def test_history_written_like_the_demo_county_continues_from_its_last_step(as_role, county, opening):
    """Migrated history: state and state_since equal the last event; the next step follows on from it."""
    hired_at = datetime.now(UTC) - timedelta(days=40)
    referral = Referral(
        laborer_id=county["east"][0].id, opening_id=opening.id, state=ReferralState.interviewed, state_since=hired_at
    )
    db.session.add(referral)
    db.session.flush()
    for before, state, days in (
        (None, "recommended", 50),
        ("recommended", "referred", 45),
        ("referred", "interviewed", 40),
    ):
        db.session.add(
            ReferralEvent(
                referral_id=referral.id,
                from_state=before,
                to_state=state,
                occurred_at=datetime.now(UTC) - timedelta(days=days) if days != 40 else hired_at,
            )
        )
    db.session.commit()
    cadre = as_role("cadre")
    too_early = step(cadre, referral.id, "hired", occurred_at=ago(days=41))
    assert too_early.status_code == 422
    response = step(cadre, referral.id, "hired", occurred_at=ago(days=39))
    assert response.status_code == 200
    assert [e["to_state"] for e in response.get_json()["events"]] == ["recommended", "referred", "interviewed", "hired"]


def test_every_step_is_in_the_audit_trail(as_role, county, opening, admin_api):
    cadre = as_role("cadre")
    referral = referral_in(cadre, "interviewed", county["east"][0].id, opening.id)
    events = admin_api.get(f"/api/v1/audit-events?entity_type=referrals&entity_id={referral['id']}").get_json()
    actions = sorted(e["action"] for e in events["items"])
    assert actions == ["create", "update", "update"]

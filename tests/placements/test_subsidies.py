"""Subsidy claims: the rules table, which claims are due, warnings before they lapse, one claim per person and rule."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from jobmatch import create_app
from jobmatch.accounts import service as accounts
from jobmatch.accounts import tokens
from jobmatch.accounts.models import AuditEvent
from jobmatch.config import ConfigError
from jobmatch.errors import Conflict
from jobmatch.extensions import db
from jobmatch.people import service as people
from jobmatch.placements import service, subsidies
from jobmatch.placements.lifecycle import CHINA_TZ
from jobmatch.placements.models import SubsidyClaim
from jobmatch.placements.subsidies import ClaimStatus, EmploymentFacts
from jobmatch.vocab import EmployerKind, EmploymentKind, HouseholdCategory
from tests import factories
from tests.accounts.conftest import PASSWORD
from tests.conftest import DATA_KEY, ApiClient
from tests.placements.conftest import make_opening, referral_in

HIRING = "hiring_one_off"
TRANSPORT = "transport_cross_province"


def _today() -> date:
    return datetime.now(CHINA_TZ).date()


def _migrant_work(api, laborer_id: int, days_ago: int, site: str = "广东省东莞市") -> dict:
    start = (_today() - timedelta(days=days_ago)).isoformat()
    body = {"laborer_id": laborer_id, "kind": "migrant", "start_date": start, "site_name": site}
    response = api.post("/api/v1/employments", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _due(api, query: str = "") -> list[dict]:
    response = api.get("/api/v1/subsidy-claims/due" + query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def _claim(api, employment_id: int, rule_code: str, **kw):
    return api.post("/api/v1/subsidy-claims", json={"employment_id": employment_id, "rule_code": rule_code} | kw)


def test_an_enterprise_hire_is_due_the_one_off_hiring_subsidy_with_its_evidence(as_role, county, opening):
    bureau = as_role("bureau")
    referral_in(bureau, "hired", county["east"][0].id, opening.id)
    (item,) = _due(bureau)
    assert (item["rule_code"], item["amount_cny"], item["payee"]) == (HIRING, 300.0, "employer")
    assert (item["laborer_name"], item["employer_id"]) == ("东甲", opening.employer_id)
    assert item["due_on"] == _today().isoformat()
    assert item["lapses_on"] == (_today() + timedelta(days=365)).isoformat()
    assert (item["days_left"], item["lapsing_soon"], item["warnings"]) == (365, False, [])
    assert item["evidence"]["start_date"] == _today().isoformat() and item["evidence"]["end_date"] is None
    assert item["evidence"]["kind"] == "local_enterprise"


def test_a_claim_is_recorded_once_per_person_and_rule(as_role, county, opening):
    bureau = as_role("bureau")
    referral_in(bureau, "hired", county["east"][0].id, opening.id)
    (item,) = _due(bureau)

    first = _claim(bureau, item["employment_id"], HIRING, note="第一批")
    assert first.status_code == 201, first.get_json()
    assert (first.get_json()["amount_cny"], first.get_json()["employer_id"]) == (300.0, opening.employer_id)
    again = _claim(bureau, item["employment_id"], HIRING)
    assert again.status_code == 409
    assert again.get_json()["errors"][0]["code"] == "already_claimed"
    assert again.get_json()["existing_claim_id"] == first.get_json()["id"]
    assert _due(bureau) == []
    claims = bureau.get("/api/v1/subsidy-claims").get_json()["items"]
    assert [(c["rule_code"], c["laborer_name"]) for c in claims] == [(HIRING, "东甲")]


def test_cross_province_work_is_due_the_transport_subsidy_after_three_months(as_role, county):
    cadre, bureau = as_role("cadre"), as_role("bureau")
    east_a, east_b = county["east"]
    long_enough = _migrant_work(cadre, east_a.id, days_ago=100)
    too_soon = _migrant_work(cadre, east_b.id, days_ago=30)

    (item,) = _due(bureau)
    assert (item["rule_code"], item["employment_id"], item["amount_cny"]) == (TRANSPORT, long_enough["id"], 500.0)
    assert (item["evidence"]["home_province"], item["evidence"]["work_province"]) == ("36", "44")
    assert item["evidence"]["months_employed"] == 3
    not_yet = _claim(bureau, too_soon["id"], TRANSPORT)
    assert not_yet.status_code == 422 and not_yet.get_json()["errors"][0]["code"] == "not_yet_due"
    assert _claim(bureau, long_enough["id"], TRANSPORT).status_code == 201


def test_work_in_the_home_province_gets_no_transport_subsidy(as_role, county):
    bureau = as_role("bureau")
    job = _migrant_work(as_role("cadre"), county["east"][0].id, days_ago=120, site="江西省南昌市")
    assert _due(bureau) == []
    response = _claim(bureau, job["id"], TRANSPORT)
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["code"] == "not_cross_province"


def test_households_outside_the_covered_categories_are_not_due(as_role, county):
    factories.household(code="H-EAST-OTHER", category="other")
    other = factories.laborer(household_code="H-EAST-OTHER", sequence=33)
    _migrant_work(as_role("cadre"), other.id, days_ago=120)
    assert _due(as_role("bureau")) == []


def test_a_claim_about_to_lapse_is_flagged_and_a_lapsed_one_is_gone(as_role, county):
    cadre, bureau = as_role("cadre"), as_role("bureau")
    east_a, east_b = county["east"]
    # Due 3 months after the start, lapsing 365 days after that.
    soon = _migrant_work(cadre, east_a.id, days_ago=(_today() - subsidies.add_months(_today(), -3)).days + 350)
    lapsed = _migrant_work(cadre, east_b.id, days_ago=(_today() - subsidies.add_months(_today(), -3)).days + 400)

    (item,) = _due(bureau)
    assert item["employment_id"] == soon["id"]
    assert item["lapsing_soon"] and 0 < item["days_left"] <= subsidies.LAPSE_WARNING_DAYS
    assert item["warnings"][0]["code"] == "lapsing_soon" and f"{item['days_left']} 天" in item["warnings"][0]["zh"]
    assert [i["employment_id"] for i in _due(bureau, "?lapsing_soon=true")] == [soon["id"]]
    response = _claim(bureau, lapsed["id"], TRANSPORT)
    assert response.status_code == 422 and response.get_json()["errors"][0]["code"] == "lapsed"


def test_due_claims_are_listed_within_scope_and_only_the_bureau_records_them(as_role, county):
    bureau, cadre = as_role("bureau"), as_role("cadre")
    # 西丙 lives outside the cadre's villages and works in a workshop: a part-time enterprise post comes on top.
    referral_in(bureau, "hired", county["west"].id, make_opening(working_pattern="flexible_hours").id)
    assert len(_due(bureau)) == 1 and _due(cadre) == []
    assert _due(bureau, f"?region={factories.VILLAGE_CODE}") == []
    assert _due(bureau, f"?rule_code={TRANSPORT}") == []
    employment_id = _due(bureau)[0]["employment_id"]
    assert _claim(cadre, employment_id, HIRING).status_code == 403
    assert as_role("manager").get("/api/v1/subsidy-claims/due").status_code == 403
    assert _claim(bureau, employment_id, "no_such_rule").status_code == 422


def _claimed(api, county, opening) -> dict:
    """A hiring subsidy claimed today for 东甲."""
    referral_in(api, "hired", county["east"][0].id, opening.id)
    (item,) = _due(api)
    response = _claim(api, item["employment_id"], HIRING)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _paid(api, claim_id: int, **kw):
    return api.post(f"/api/v1/subsidy-claims/{claim_id}/paid", json=kw)


def test_the_bureau_records_a_claim_as_paid_once_and_it_is_audited(as_role, county, opening):
    bureau = as_role("bureau")
    claim = _claimed(bureau, county, opening)
    assert claim["paid_on"] is None

    paid = _paid(bureau, claim["id"])
    assert paid.status_code == 200, paid.get_json()
    assert (paid.get_json()["id"], paid.get_json()["paid_on"]) == (claim["id"], _today().isoformat())
    events = db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.entity_type == "subsidy_claims", AuditEvent.action == "paid")
    ).scalars()
    assert [(e.entity_id, e.changes, e.actor_id) for e in events] == [
        (claim["id"], {"paid_on": _today().isoformat()}, county["users"]["bureau"].id)
    ]
    listed = bureau.get("/api/v1/subsidy-claims?paid=true").get_json()["items"]
    assert [(c["id"], c["paid_on"]) for c in listed] == [(claim["id"], _today().isoformat())]
    assert bureau.get("/api/v1/subsidy-claims?paid=false").get_json()["items"] == []

    again = _paid(bureau, claim["id"], paid_on=_today().isoformat())
    assert again.status_code == 409
    body = again.get_json()
    assert (body["errors"][0]["field"], body["errors"][0]["code"]) == ("paid_on", "already_paid")
    assert "不能重复登记" in body["errors"][0]["zh"] and "paid once" in body["errors"][0]["en"]
    assert body["paid_on"] == _today().isoformat() and body["title_zh"] == "该笔补贴已发放"


def test_a_retried_payment_with_its_idempotency_key_gets_the_first_answer(as_role, county, opening):
    bureau = as_role("bureau")
    claim = _claimed(bureau, county, opening)
    headers = bureau.headers | {"Idempotency-Key": "pay-claim-1"}
    first = bureau.client.post(f"/api/v1/subsidy-claims/{claim['id']}/paid", json={}, headers=headers)
    retried = bureau.client.post(f"/api/v1/subsidy-claims/{claim['id']}/paid", json={}, headers=headers)
    assert (first.status_code, retried.status_code) == (200, 200)
    assert retried.headers["Idempotent-Replayed"] == "true" and retried.get_json() == first.get_json()
    audited = sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "paid")
    assert db.session.execute(audited).scalar_one() == 1


def test_a_payment_recorded_meanwhile_by_another_clerk_is_not_recorded_again(as_role, county, opening):
    claim_id = _claimed(as_role("bureau"), county, opening)["id"]
    stale = db.session.get(SubsidyClaim, claim_id)  # read (and kept) before the other clerk's payment
    assert stale.paid_on is None
    with db.engine.begin() as other_clerk:
        other_clerk.execute(sa.update(SubsidyClaim).where(SubsidyClaim.id == claim_id).values(paid_on=_today()))
    with pytest.raises(Conflict) as refused:
        service.mark_claim_paid(claim_id)
    assert refused.value.errors[0].code == "already_paid" and refused.value.extra["paid_on"] == _today().isoformat()
    assert stale.paid_on == _today()
    assert db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "paid")).first() is None


def test_a_payment_before_the_claim_or_in_the_future_is_refused_and_changes_nothing(as_role, county, opening):
    bureau = as_role("bureau")
    claim = _claimed(bureau, county, opening)
    for paid_on, code in (
        ((_today() - timedelta(days=1)).isoformat(), "before_claim"),
        ((_today() + timedelta(days=1)).isoformat(), "in_future"),
    ):
        refused = _paid(bureau, claim["id"], paid_on=paid_on)
        assert refused.status_code == 422, refused.get_json()
        (error,) = refused.get_json()["errors"]
        assert (error["field"], error["code"]) == ("paid_on", code) and error["zh"] and error["en"]
    assert _paid(bureau, claim["id"], paid_on="2026-02-30").status_code == 422
    assert bureau.get("/api/v1/subsidy-claims?paid=true").get_json()["items"] == []
    assert db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "paid")).first() is None


def test_only_the_bureau_of_the_claims_county_records_a_payment(as_role, county, opening):
    bureau = as_role("bureau")
    claim = _claimed(bureau, county, opening)
    assert _paid(as_role("cadre"), claim["id"]).status_code == 403
    assert _paid(as_role("manager"), claim["id"]).status_code == 403
    people.save_region({"code": "361126000000", "name": "弋阳县", "level": "county"})
    elsewhere = accounts.save_user(
        {"name": "yiyang", "role": "bureau", "password": PASSWORD, "region_codes": ["361126000000"]}
    )
    other = ApiClient(as_role("bureau").client, tokens.issue_token(elsewhere, "test"))
    missing = _paid(other, claim["id"])
    assert missing.status_code == 404 and missing.get_json()["title_zh"]
    assert _paid(bureau, 999999).status_code == 404
    assert bureau.get("/api/v1/subsidy-claims?paid=true").get_json()["items"] == []


def test_the_payment_route_is_documented(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/subsidy-claims/{claim_id}/paid"]["post"]
    assert {"200", "403", "404", "409", "422"} <= set(operation["responses"])
    assert "已发放" in operation["responses"]["409"]["description"]
    assert any(p["name"] == "Idempotency-Key" for p in operation["parameters"])
    assert "paid_on" in spec["components"]["schemas"]["SubsidyClaimOut"]["properties"]


def test_the_rules_table_can_be_changed_by_configuration(make_app, county):
    app = make_app(SUBSIDY_RULES=[{"code": TRANSPORT, "amount_cny": 600}, {"code": HIRING, "enabled": False}])
    with app.app_context():
        rules = service.subsidy_rules()
    assert list(rules) == [TRANSPORT] and rules[TRANSPORT].amount_cny == Decimal("600")


# --- the rules themselves -------------------------------------------------------------------------------------------


def _facts(**kw) -> EmploymentFacts:
    values = {
        "employment_id": 1,
        "laborer_id": 1,
        "household_category": HouseholdCategory.out_of_poverty,
        "kind": EmploymentKind.migrant,
        "employer_kind": EmployerKind.enterprise,
        "home_province": "36",
        "work_province": "33",
        "start_date": date(2026, 1, 31),
        "end_date": None,
    }
    return EmploymentFacts(**(values | kw))


TRANSPORT_RULE = subsidies.rules_from_config()[TRANSPORT]
HIRING_RULE = subsidies.rules_from_config()[HIRING]


@pytest.mark.parametrize(
    ("rule", "facts", "as_of", "status"),
    [
        (TRANSPORT_RULE, _facts(), date(2026, 4, 29), ClaimStatus.not_yet_due),
        (TRANSPORT_RULE, _facts(), date(2026, 4, 30), ClaimStatus.due),  # 31 January + 3 months
        (TRANSPORT_RULE, _facts(end_date=date(2026, 4, 1)), date(2026, 5, 1), ClaimStatus.not_eligible),
        (TRANSPORT_RULE, _facts(end_date=date(2026, 4, 30)), date(2026, 5, 1), ClaimStatus.due),
        (TRANSPORT_RULE, _facts(work_province=None), date(2026, 5, 1), ClaimStatus.not_eligible),
        (TRANSPORT_RULE, _facts(), date(2027, 4, 30), ClaimStatus.due),
        (TRANSPORT_RULE, _facts(), date(2027, 5, 1), ClaimStatus.lapsed),
        (HIRING_RULE, _facts(), date(2026, 1, 31), ClaimStatus.due),
        (HIRING_RULE, _facts(employer_kind=EmployerKind.cooperative), date(2026, 2, 1), ClaimStatus.not_eligible),
        (HIRING_RULE, _facts(kind=EmploymentKind.self_employed), date(2026, 2, 1), ClaimStatus.not_eligible),
        (HIRING_RULE, _facts(household_category=HouseholdCategory.other), date(2026, 2, 1), ClaimStatus.not_eligible),
        (HIRING_RULE, _facts(household_category=HouseholdCategory.marginal), date(2026, 2, 1), ClaimStatus.due),
    ],
)
def test_assess(rule, facts, as_of, status):
    assert subsidies.assess(rule, facts, as_of).status == status


def test_calendar_months():
    assert subsidies.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert subsidies.add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert subsidies.add_months(date(2026, 5, 10), -3) == date(2026, 2, 10)
    assert subsidies.months_between(date(2026, 1, 31), date(2026, 4, 29)) == 2
    assert subsidies.months_between(date(2026, 1, 31), date(2026, 4, 30)) == 3


def test_bad_rule_settings_are_refused():
    with pytest.raises(ValueError, match="without a code"):
        subsidies.rules_from_config([{"amount_cny": 100}])
    with pytest.raises(ValueError, match="new_rule"):
        subsidies.rules_from_config([{"code": "new_rule", "amount_cny": 100}])
    with pytest.raises(ValueError):
        subsidies.rules_from_config([{"code": TRANSPORT, "employment_kinds": ["astronaut"]}])


def test_the_rules_table_comes_from_the_environment_and_bad_settings_stop_the_start(monkeypatch):
    config = {"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://", "DATA_KEY": DATA_KEY}
    monkeypatch.setenv("SUBSIDY_RULES", '[{"code": "hiring_one_off", "amount_cny": 500}]')
    assert create_app(config).config["SUBSIDY_RULES"] == [{"code": "hiring_one_off", "amount_cny": 500}]
    monkeypatch.setenv("SUBSIDY_RULES", '[{"code": "hiring_one_off", "amount": 500}]')
    with pytest.raises(ConfigError, match="SUBSIDY_RULES"):
        create_app(config)

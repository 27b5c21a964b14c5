"""The dashboard's figures: one read of the records, split by child division, agreeing with compute()."""

from __future__ import annotations

from jobmatch.monitoring import indicators
from tests import factories
from tests.monitoring.conftest import TODAY


def test_the_county_dashboard_agrees_with_the_indicators_of_each_township_and_the_county(town):
    board = indicators.dashboard(town["county"], TODAY)
    assert board["total"] == indicators.compute(factories.COUNTY_CODE, TODAY)
    assert [row["code"] for row in board["children"]] == [factories.TOWNSHIP_CODE]
    township = board["children"][0]
    assert township["name"] == "岑阳镇"
    assert {k: v for k, v in township.items() if k not in ("code", "name")} == indicators.compute(
        factories.TOWNSHIP_CODE, TODAY
    )


def test_a_township_dashboard_is_split_by_village(town):
    board = indicators.dashboard(town["township"], TODAY)
    east, west = board["children"]
    assert (east["name"], west["name"]) == ("城东村", "城西村")
    for row in (east, west):
        assert {k: v for k, v in row.items() if k not in ("code", "name")} == indicators.compute(row["code"], TODAY)
    assert east["households_willing_none_employed"] == 2 and west["households_willing_none_employed"] == 0


def test_fill_rate_by_kind_and_the_scatter_points(town):
    board = indicators.dashboard(town["county"], TODAY)
    enterprise = next(row for row in board["by_kind"] if row["kind"] == "enterprise")
    assert (enterprise["openings"], enterprise["headcount"], enterprise["filled"]) == (2, 8, 3)
    assert enterprise["fill_rate"] == 0.375
    assert all(row["openings"] == 0 and row["fill_rate"] is None for row in board["by_kind"] if row is not enterprise)
    # Both posts are sited in 城东村: two points on the scatter, and the village counts them.
    assert [(p["kind"], p["latitude"], p["longitude"]) for p in board["openings"]] == [
        ("enterprise", 28.43, 117.62),
        ("enterprise", 28.43, 117.62),
    ]
    villages = {v["name"]: v for v in board["villages"]}
    assert villages["城东村"]["openings"] == {"workshop": 0, "public_welfare": 0, "enterprise": 2}
    assert villages["城东村"]["households_willing_none_employed"] == 2
    assert (villages["城西村"]["latitude"], villages["城西村"]["longitude"]) == (28.40, 117.58)


def test_a_cadre_dashboard_counts_their_villages_only(town, as_role):
    """Scope applies as for the indicators: a cadre's township row holds only their village."""
    from jobmatch.accounts.scope import set_current_user

    set_current_user(town["users"]["cadre"])
    board = indicators.dashboard(town["county"], TODAY)
    assert board["total"]["laborers"] == 5  # 城东村's laborers only
    assert board["children"][0]["laborers"] == 5
    assert [v["name"] for v in board["villages"]] == ["城东村"]


def test_households_not_contacted_in_30_days_are_counted_from_the_contact_log(town):
    """A willing household counts until its cadre logs a call or visit, and again 30 days after the last one."""
    from datetime import timedelta

    from jobmatch.extensions import db
    from jobmatch.monitoring.models import Contact, ContactMethod

    def not_contacted() -> int:
        return indicators.compute(factories.COUNTY_CODE, TODAY)["households_willing_not_contacted"]

    before = indicators.compute(factories.COUNTY_CODE, TODAY)
    assert before["households_willing_not_contacted"] == before["households_with_willing"] > 0
    idle = town["idle"]
    household = idle.household
    cadre = town["users"]["cadre"]

    def log(days_ago: int) -> None:
        db.session.add(
            Contact(
                household_id=household.id,
                laborer_id=idle.id,
                village_id=household.village_id,
                user_id=cadre.id,
                contacted_on=TODAY - timedelta(days=days_ago),
                method=ContactMethod.phone,
            )
        )
        db.session.commit()

    log(45)
    assert not_contacted() == before["households_with_willing"]  # 45 days ago is too long
    log(3)
    assert not_contacted() == before["households_with_willing"] - 1
    board = indicators.dashboard(town["county"], TODAY)
    assert board["total"]["households_willing_not_contacted"] == not_contacted()
    assert sum(row["households_willing_not_contacted"] for row in board["children"]) == not_contacted()

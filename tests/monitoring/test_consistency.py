"""The consistency report: recorded as in work with nobody working, migrant on a public-welfare post, two places."""

from __future__ import annotations

from datetime import date

from jobmatch.extensions import db
from jobmatch.monitoring import consistency
from jobmatch.vocab import EmploymentStatus
from tests import factories
from tests.monitoring.conftest import TODAY, employ
from tests.placements.conftest import make_opening


def test_a_clean_county_has_no_findings(town):
    report = consistency.report(factories.COUNTY_CODE, TODAY)
    assert report["total"] == 0 and report["items"] == []


def test_each_check(town):
    east_a, east_b = town["east"]
    # H-EAST-2: m2 recorded as on a public-welfare post, but nobody in the household works.
    town["m2"].employment_status = EmploymentStatus.public_welfare
    # H-EAST-1: east_b recorded as migrant while east_a works: the household is in work, no finding.
    east_b.employment_status = EmploymentStatus.migrant
    # east_b: away as a migrant while holding a public-welfare post.
    away = employ(east_b, "migrant", date(2026, 1, 1), date(2026, 2, 1))
    post = employ(east_b, "public_welfare", date(2026, 1, 15), date(2026, 3, 1), full_time=False)
    # east_a: a full-time job that overlaps the current one.
    old = employ(east_a, "self_employed", date(2026, 3, 1), date(2026, 4, 15))
    db.session.commit()

    report = consistency.report(factories.COUNTY_CODE, TODAY)
    assert report["counts"] == {
        "status_without_work": 1,
        "migrant_on_public_welfare": 1,
        "two_places": 1,
        "over_places": 0,
    }
    found = {item["check"]: item for item in report["items"]}
    assert found["status_without_work"]["household_id"] == town["m2"].household_id
    assert found["status_without_work"]["detail"]["laborer_ids"] == [town["m2"].id]
    assert found["migrant_on_public_welfare"]["laborer_id"] == east_b.id
    assert sorted(found["migrant_on_public_welfare"]["detail"]["employment_ids"]) == sorted([away.id, post.id])
    assert found["two_places"]["laborer_id"] == east_a.id
    assert old.id in found["two_places"]["detail"]["employment_ids"]
    # Back-to-back jobs are not two places at once.
    assert consistency.report(factories.OTHER_VILLAGE_CODE, TODAY)["total"] == 0


def test_api_keeps_to_scope(town, as_role):
    town["m2"].employment_status = EmploymentStatus.public_welfare
    # w2 works (self-employed): their household has someone working; no finding there.
    town["w2"].employment_status = EmploymentStatus.migrant
    # In 城西 (not the cadre's village): w1 in a second full-time job during the workshop job.
    employ(town["w1"], "local_enterprise", date(2026, 5, 5), date(2026, 5, 15))
    db.session.commit()
    bureau = as_role("bureau").get(f"/api/v1/consistency?region={factories.COUNTY_CODE}&as_of={TODAY}")
    assert bureau.status_code == 200, bureau.get_json()
    assert bureau.get_json()["counts"] == {
        "status_without_work": 1,
        "migrant_on_public_welfare": 0,
        "two_places": 1,
        "over_places": 0,
    }
    cadre = as_role("cadre").get(f"/api/v1/consistency?as_of={TODAY}").get_json()
    assert cadre["counts"] == {
        "status_without_work": 1,
        "migrant_on_public_welfare": 0,
        "two_places": 0,
        "over_places": 0,
    }
    assert as_role("manager").get("/api/v1/consistency").status_code == 403


def test_dates_in_the_report_are_iso_8601(town, as_role):
    employ(town["w1"], "local_enterprise", date(2026, 5, 5), date(2026, 5, 15))
    db.session.commit()
    body = as_role("bureau").get(f"/api/v1/consistency?region={factories.COUNTY_CODE}&as_of={TODAY}").get_json()
    (finding,) = [item for item in body["items"] if item["check"] == "two_places"]
    assert finding["detail"]["from"] == "2026-05-05"
    assert finding["detail"]["until"] == "2026-05-15"


def test_a_post_held_by_more_people_than_its_places_on_some_day(town):
    """History loaded without the hire checks: a 1-place post held by two people for a fortnight."""
    post = make_opening(headcount=1)
    east_a, east_b = town["east"]
    first = employ(town["idle"], "local_enterprise", date(2026, 3, 1), date(2026, 4, 1), opening_id=post.id)
    second = employ(east_b, "local_enterprise", date(2026, 3, 15), date(2026, 5, 1), opening_id=post.id)
    # Taking the place on the day the holder left is a handover, not two at once.
    employ(town["m2"], "local_enterprise", date(2026, 5, 1), opening_id=post.id)
    db.session.commit()

    report = consistency.report(factories.COUNTY_CODE, TODAY)

    (finding,) = [item for item in report["items"] if item["check"] == "over_places"]
    assert report["counts"]["over_places"] == 1
    assert finding["laborer_id"] == east_b.id and finding["household_id"] == east_b.household_id
    assert finding["detail"]["day"] == date(2026, 3, 15) and finding["detail"]["held"] == 2
    assert sorted(finding["detail"]["employment_ids"]) == sorted([first.id, second.id])
    assert "超过名额" in finding["zh"] and "more people than its places" in finding["en"]

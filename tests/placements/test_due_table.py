"""The due list reads kept candidate rows (placements.duetable): after each kind of change a user can make, the list
is still the rule applied to every employment, one at a time (test_due_claims.reference).

Each test reads the list once (the rows are built), changes one thing, and reads again: only the laborers found
changed are worked out again, so a change the refresh does not look for leaves the list wrong and the test fails.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from jobmatch.extensions import db
from jobmatch.modelbase import utcnow
from jobmatch.people.models import Household, Laborer, Region
from jobmatch.placements import duetable, service, subsidies
from jobmatch.placements.models import Employment, SubsidyClaim, SubsidyDueCandidate, SubsidyDueState
from jobmatch.posts.models import Employer, Opening
from jobmatch.vocab import EmployerKind, HouseholdCategory
from tests.placements.test_due_claims import (
    MIGRANT,
    D,
    _claim,
    _job,
    _opening,
    _person,
    _seen,
    acting_as,
    reference,
    varied,  # noqa: F401  (a fixture)
)
from tests.sql import statements

DAYS = (D("2026-04-10"), D("2026-05-28"), D("2026-06-10"), D("2026-07-01"))


def _agrees(county) -> list[list[tuple]]:
    """The list on each of DAYS, asserted equal to the rule's, for the bureau and for the system."""
    lists = []
    for user in (county["users"]["bureau"], None):
        with acting_as(user):
            for day in DAYS:
                expected = reference(day)
                assert _seen(service.due_claims({"as_of": day})) == expected, (user, day)
                lists.append(expected)
    return lists


STAMPED = (Employment, Laborer, Household, Opening, Employer, Region)


def _settle() -> None:
    """As if every row was last changed an hour ago and the last refresh began now: only what the test changes
    next is new to the refresh, whatever duetable.OVERLAP is."""
    now = utcnow()
    for model in STAMPED:
        db.session.execute(sa.update(model).values(updated_at=now - timedelta(hours=1)))
    db.session.execute(sa.update(SubsidyDueState).values(watermark=now - duetable.OVERLAP))
    db.session.commit()


def _laborer(name: str) -> Laborer:
    return db.session.execute(sa.select(Laborer).where(Laborer.name == name)).scalar_one()


def _first_job(name: str) -> Employment:
    laborer = _laborer(name)
    return (
        db.session.execute(
            sa.select(Employment).where(Employment.laborer_id == laborer.id).order_by(Employment.start_date)
        )
        .scalars()
        .first()
    )


def _end_job_early():
    _first_job("一").end_date = D("2026-04-01")


def _leave_covered_categories():
    _laborer("一").household.category = HouseholdCategory.other


def _move_household_out_of_county():
    village = db.session.execute(sa.select(Region).where(Region.code == "361126100201")).scalar_one()
    _laborer("期").household.village_id = village.id


def _move_to_other_household():
    # Into 他's household, of a category no rule covers; only the laborer's row changes.
    _laborer("双").household_id = _laborer("他").household_id


def _employer_becomes_cooperative():
    employer = db.session.get(Employer, _first_job("后").employer_id)
    employer.kind = EmployerKind.cooperative


def _post_moves_home():
    db.session.get(Opening, _first_job("闽").opening_id).site_name = "江西省南昌市"


def _new_job():
    _job(_person("新"), MIGRANT, "2026-02-20", site="广东省深圳市")


def _job_deleted():
    db.session.delete(_first_job("双"))


def _claim_made():
    _claim(_first_job("一"), "transport_cross_province")


def _claim_withdrawn():
    db.session.execute(sa.delete(SubsidyClaim).where(SubsidyClaim.laborer_id == _laborer("付").id))


def _region_moves_province():
    # Only the region changes: no job, post or household of the laborer is stamped.
    laborer = _person("粤")
    opening = _opening(
        None, region=db.session.execute(sa.select(Region).where(Region.code == "441900000000")).scalar_one()
    )
    _job(laborer, MIGRANT, "2026-02-20", opening=opening)
    db.session.commit()
    service.due_claims({"as_of": DAYS[0]})
    _settle()
    db.session.execute(sa.select(Region).where(Region.code == "441900000000")).scalar_one().code = "361127000000"


CHANGES = {
    "a job ends before its due day": _end_job_early,
    "a household leaves the covered categories": _leave_covered_categories,
    "a household moves to another county": _move_household_out_of_county,
    "a laborer joins another household": _move_to_other_household,
    "an employer changes kind": _employer_becomes_cooperative,
    "a post's place changes": _post_moves_home,
    "a new job": _new_job,
    "a job is deleted": _job_deleted,
    "a claim is made": _claim_made,
    "a claim is withdrawn": _claim_withdrawn,
    "a region's code changes": _region_moves_province,
}


@pytest.mark.parametrize("change", list(CHANGES), ids=list(CHANGES))
def test_the_list_follows_each_change(county, varied, change):  # noqa: F811
    before = _agrees(county)
    _settle()
    CHANGES[change]()
    db.session.commit()
    after = _agrees(county)
    assert after != before, "the change should change the list"


def test_a_change_stamped_before_the_last_refresh_began_is_still_found(county, varied):  # noqa: F811
    """A transaction stamps its rows when it writes them and may commit later than a refresh that began meanwhile:
    the next refresh looks back duetable.OVERLAP, and finds the row though it is older than the last refresh."""
    before = _agrees(county)
    _settle()
    now = utcnow()
    job = _first_job("一")
    job.end_date = D("2026-04-01")
    db.session.flush()
    stamped = now - timedelta(minutes=10)
    db.session.execute(sa.update(Employment).where(Employment.id == job.id).values(updated_at=stamped))
    # The last refresh began 30 s after the row was stamped (the row's transaction committed after it) and set
    # its watermark as refresh does.
    state = db.session.get(SubsidyDueState, duetable.STATE_ID)
    state.watermark = stamped + timedelta(seconds=30) - duetable.OVERLAP
    db.session.commit()
    assert _agrees(county) != before


def test_a_read_with_nothing_changed_writes_nothing(county, varied, as_role):  # noqa: F811
    client = as_role("bureau")
    assert client.get("/api/v1/subsidy-claims/due?as_of=2026-05-28").status_code == 200
    db.session.execute(sa.update(SubsidyDueState).values(watermark=utcnow()))
    db.session.commit()
    with statements() as seen:
        response = client.get("/api/v1/subsidy-claims/due?as_of=2026-05-28")
    assert response.status_code == 200 and response.get_json()["pagination"]["total"] > 3
    written = [s for s in seen if s.split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]
    assert written == [], written
    # The token, the state, whether anything changed, the page.
    assert len(seen) == 4, seen


def test_rows_are_built_again_when_the_rules_or_the_clock_change(app, county, varied):  # noqa: F811
    before = _agrees(county)
    # Rows lost behind the refresh's back stay lost while nothing changes ...
    db.session.execute(sa.delete(SubsidyDueCandidate))
    db.session.execute(sa.update(SubsidyDueState).values(watermark=utcnow()))
    db.session.commit()
    with acting_as(None):
        assert service.due_claims({"as_of": DAYS[1]}) == []
    # ... and come back when the clock went back past the last refresh,
    db.session.execute(sa.update(SubsidyDueState).values(watermark=utcnow() + timedelta(hours=1)))
    db.session.commit()
    assert _agrees(county) == before
    # and the rows follow the rules' settings.
    app.config["SUBSIDY_RULES"] = [{"code": "transport_cross_province", "months_employed": 1}]
    try:
        assert _agrees(county) != before
    finally:
        app.config.pop("SUBSIDY_RULES")
    assert _agrees(county) == before


def test_the_rules_key_is_the_same_whatever_the_order_of_a_rules_sets():
    rules = list(subsidies.rules_from_config(None).values())
    assert duetable.rules_key(rules) == duetable.rules_key(list(reversed(rules)))
    changed = subsidies.rules_from_config([{"code": "hiring_one_off", "employment_kinds": ["migrant"]}])
    assert duetable.rules_key(list(changed.values())) != duetable.rules_key(rules)


@pytest.mark.parametrize("built", [False, True], ids=["first build", "after a change"])
def test_reads_at_once_refresh_once_and_agree(county, varied, as_role, built):  # noqa: F811
    """Four reads released together, when no row is built yet or just after a change: each answers the list the
    rule gives (one refresh works, the others wait for it and find nothing left to do)."""
    if built:
        _agrees(county)
        _end_job_early()
    db.session.commit()
    bureau = as_role("bureau")
    with acting_as(county["users"]["bureau"]):
        expected = reference(D("2026-05-28"))
    barrier = threading.Barrier(4)
    answers: list = [None] * 4

    def read(i: int) -> None:
        barrier.wait()
        answers[i] = bureau.client.get(
            "/api/v1/subsidy-claims/due?as_of=2026-05-28&per_page=100", headers=bureau.headers
        )

    threads = [threading.Thread(target=read, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [200] * 4
    seen = {
        tuple((i["rule_code"], i["laborer_id"], i["employment_id"]) for i in a.get_json()["items"]) for a in answers
    }
    assert seen == {tuple(e[:3] for e in expected)}

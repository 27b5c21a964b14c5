"""Subsidies due, found by the database: the same claims as the rule applied to every employment, one at a time.

The county below has what makes the rule hard: employments that end before or on the due day, a laborer's
second job after a gap, two due jobs of one laborer (the earliest counts), starts on the 31st (due on a shorter
month's last day), claims lapsing today and yesterday, claims made and paid, work whose province comes from the
post's region, the post's place name or the job's own, households outside the covered categories and outside
the bureau's county. `reference` is the rule applied employment by employment, as due_claims did before it
asked the database; the two must agree on every day around each start, due day, end and lapse.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from itertools import count

import pytest
import sqlalchemy as sa
from flask import g

from jobmatch.accounts import scope
from jobmatch.extensions import db
from jobmatch.geo import province_of_place
from jobmatch.people import service as people
from jobmatch.people.models import Laborer
from jobmatch.placements import service, subsidies
from jobmatch.placements.models import Employment, SubsidyClaim
from jobmatch.placements.subsidies import ClaimStatus, EmploymentFacts
from jobmatch.posts.models import Employer, Opening
from jobmatch.vocab import EmployerKind, EmploymentKind, OpeningKind, SubsidyPayee
from tests import factories

D = date.fromisoformat
MIGRANT, LOCAL, SELF, WORKSHOP = (
    EmploymentKind.migrant,
    EmploymentKind.local_enterprise,
    EmploymentKind.self_employed,
    EmploymentKind.workshop,
)
_codes = count(1)


@contextmanager
def acting_as(user):
    """Run services with this user's scope (None: the system, which sees everything)."""
    saved = {key: g.get(key) for key in ("user", "actor_id", "scope")}
    if user is None:
        g.pop("scope", None)
    else:
        scope.set_current_user(user)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                g.pop(key, None)
            else:
                setattr(g, key, value)


def _person(name: str, category: str = "out_of_poverty", village: str = factories.VILLAGE_CODE) -> Laborer:
    """A laborer in a household of their own."""
    n = next(_codes) % 400
    factories.household(code=f"H-DUE-{n}", category=category, village_code=village)
    return factories.laborer(household_code=f"H-DUE-{n}", name=name, sequence=100 + 2 * n, skills=[])


def _employer(kind: EmployerKind) -> Employer:
    employer = Employer(name=f"用工主体{next(_codes)}", kind=kind)
    db.session.add(employer)
    db.session.flush()
    return employer


def _opening(employer: Employer | None, region=None, site_name: str | None = None) -> Opening:
    opening = Opening(
        code=f"GW-DUE-{next(_codes)}",
        kind=OpeningKind.enterprise,
        title="岗位",
        employer_id=employer.id if employer else None,
        region_id=region.id if region else None,
        site_name=site_name,
        latitude=23.0,
        longitude=113.7,
        headcount=5,
        remaining_headcount=5,
    )
    db.session.add(opening)
    db.session.flush()
    return opening


def _job(laborer, kind, start, end=None, *, site=None, employer=None, opening=None, workshop=None) -> Employment:
    job = Employment(
        laborer_id=laborer.id,
        kind=kind,
        start_date=D(start),
        end_date=D(end) if end else None,
        site_name=site,
        employer_id=employer.id if employer else (opening.employer_id if opening else None),
        opening_id=opening.id if opening else None,
        workshop_id=workshop.id if workshop else None,
        full_time=False,
    )
    db.session.add(job)
    db.session.flush()
    return job


def _claim(job: Employment, rule_code: str, paid_on: str | None = None) -> None:
    db.session.add(
        SubsidyClaim(
            laborer_id=job.laborer_id,
            employment_id=job.id,
            rule_code=rule_code,
            amount=Decimal("300"),
            payee=SubsidyPayee.laborer,
            due_on=job.start_date,
            claimed_on=job.start_date,
            paid_on=D(paid_on) if paid_on else None,
        )
    )


@pytest.fixture
def varied(county) -> dict:
    """A county whose employments try every edge of the subsidy rules."""
    guangdong = people.save_region({"code": "441900000000", "name": "东莞市", "level": "county"})
    other_county = people.save_region({"code": "361126000000", "name": "弋阳县", "level": "county"})
    people.save_region({"code": "361126100000", "name": "弋江镇", "level": "township", "parent_code": "361126000000"})
    people.save_region({"code": "361126100201", "name": "外县村", "level": "village", "parent_code": "361126100000"})
    enterprise, cooperative = _employer(EmployerKind.enterprise), _employer(EmployerKind.cooperative)
    gd = "广东省东莞市"

    one = _person("一")
    _job(one, MIGRANT, "2026-02-28", site=gd)
    gap = _person("隔", "unstable", factories.OTHER_VILLAGE_CODE)
    _job(gap, MIGRANT, "2025-11-30", "2026-02-27", site=gd)  # due 28 February; ended the day before
    _job(gap, MIGRANT, "2026-03-15", site="浙江省宁波市")
    three = _person("三")
    _job(three, MIGRANT, "2025-01-31", "2025-03-10", site=gd)  # ended too soon
    _job(three, MIGRANT, "2025-05-31", "2025-12-31", site=gd)  # due 31 August 2025
    _job(three, MIGRANT, "2026-01-31", site=gd)  # due 30 April 2026; the earlier one counts while it is due
    lapsing = _person("期", "marginal")
    _job(lapsing, MIGRANT, "2025-02-28", site=gd)  # due 28 May 2025, lapses 28 May 2026
    home = _person("省")
    _job(home, MIGRANT, "2026-01-10", site="江西省南昌市")
    _job(home, MIGRANT, "2026-02-10")  # no place recorded
    paid = _person("付")
    _claim(_job(paid, LOCAL, "2026-05-01", employer=enterprise), "hiring_one_off", paid_on="2026-05-20")
    _job(_person("合"), LOCAL, "2026-05-02", employer=cooperative)
    _job(_person("无"), LOCAL, "2026-05-02")  # no employer
    by_post = _job(_person("岗"), MIGRANT, "2026-01-05", opening=_opening(enterprise, region=guangdong))
    _claim(by_post, "transport_cross_province")  # claimed, not paid: the hiring subsidy is still due
    named = _opening(None, site_name="福建省厦门市")
    _job(_person("闽"), MIGRANT, "2026-01-06", site="江西省上饶市", opening=named)  # the post's place counts
    _job(_person("空"), MIGRANT, "2026-01-07", site=gd, opening=_opening(None))  # the post names no place
    _job(_person("他", "other"), MIGRANT, "2026-01-08", site=gd)
    _job(_person("外", village="361126100201"), MIGRANT, "2026-01-09", site=gd)  # another county
    _job(_person("自", "sudden_hardship"), SELF, "2026-01-10", site=gd)
    _job(_person("满", "out_of_poverty"), MIGRANT, "2026-01-31", "2026-04-30", site=gd)  # ends on the due day
    _job(_person("后"), LOCAL, "2026-06-05", employer=enterprise)
    twins = _person("双")
    _job(twins, MIGRANT, "2026-02-02", site=gd)
    _job(twins, MIGRANT, "2026-02-02", site="上海市")
    _job(_person("坊"), WORKSHOP, "2026-02-02", workshop=county["workshop"])
    db.session.commit()
    return {"other_county": other_county}


def _facts_of_every_employment() -> list[EmploymentFacts]:
    """Each employment in scope with what the rule reads, found one relationship at a time."""
    facts = []
    jobs = db.session.execute(
        scope.restrict(sa.select(Employment).order_by(Employment.start_date, Employment.id), Employment)
    ).scalars()
    for job in jobs:
        household = job.laborer.household
        if job.opening is not None and job.opening.region is not None:
            work = job.opening.region.code[:2]
        else:
            work = province_of_place(job.opening.site_name if job.opening else job.site_name)
        facts.append(
            EmploymentFacts(
                employment_id=job.id,
                laborer_id=job.laborer_id,
                household_category=household.category,
                kind=job.kind,
                employer_kind=job.employer.kind if job.employer else None,
                home_province=household.village.code[:2],
                work_province=work,
                start_date=job.start_date,
                end_date=job.end_date,
            )
        )
    return facts


def reference(as_of: date, rule_code: str | None = None, facts: list[EmploymentFacts] | None = None) -> list[tuple]:
    """The rule applied to every employment in scope, one at a time (due_claims before it asked the database)."""
    rules = service.subsidy_rules()
    claimed = {
        (c.laborer_id, c.rule_code)
        for c in db.session.execute(scope.restrict(sa.select(SubsidyClaim), SubsidyClaim)).scalars()
    }
    best: dict[tuple, tuple] = {}
    for fact in facts if facts is not None else _facts_of_every_employment():
        for rule in rules.values():
            key = (fact.laborer_id, rule.code)
            if key in claimed or key in best or rule_code not in (None, rule.code):
                continue
            found = subsidies.assess(rule, fact, as_of)
            if found.status == ClaimStatus.due:
                last_day = min(fact.end_date or as_of, as_of)
                best[key] = (
                    rule.code,
                    fact.laborer_id,
                    fact.employment_id,
                    found.due_on,
                    found.lapses_on,
                    found.days_left,
                    found.lapsing_soon,
                    fact.home_province,
                    fact.work_province,
                    subsidies.months_between(fact.start_date, last_day),
                )
    return sorted(best.values(), key=lambda item: (item[4], item[1], item[0]))


def _seen(items: list[dict]) -> list[tuple]:
    return [
        (
            i["rule_code"],
            i["laborer_id"],
            i["employment_id"],
            i["due_on"],
            i["lapses_on"],
            i["days_left"],
            i["lapsing_soon"],
            i["evidence"]["home_province"],
            i["evidence"]["work_province"],
            i["evidence"]["months_employed"],
        )
        for i in items
    ]


def _days_that_matter(facts: list[EmploymentFacts]) -> list[date]:
    """Each side of every due day and lapse of the employments a rule covers: where the database's window of start
    dates opens and closes (the lapse warning and the rest are the rule's own, subsidies.assess)."""
    days = set()
    for rule in service.subsidy_rules().values():
        for fact in facts:
            if fact.kind in rule.employment_kinds:
                due = subsidies.due_date(rule, fact.start_date)
                lapses = subsidies.lapse_date(rule, due)
                days.update({due - timedelta(days=1), due, lapses, lapses + timedelta(days=1)})
    return sorted(days)


def test_the_database_finds_the_claims_the_rule_finds_on_every_day_that_matters(county, varied):
    with acting_as(county["users"]["bureau"]):
        facts = _facts_of_every_employment()
        days = _days_that_matter(facts)
        assert len(days) > 50, len(days)
        found = []
        for day in days:
            expected = reference(day, facts=facts)
            assert _seen(service.due_claims({"as_of": day})) == expected, day
            found.append(len(expected))
    assert sum(found) > 100 and min(found) == 0
    with acting_as(None):  # the system sees the other county's laborer too
        facts = _facts_of_every_employment()
        for day in (D("2026-04-09"), D("2026-04-10"), D("2027-04-09")):
            assert _seen(service.due_claims({"as_of": day})) == reference(day, facts=facts), day
        assert "外" in {item["laborer_name"] for item in service.due_claims({"as_of": D("2026-04-09")})}


FILTERS = [
    {"rule_code": "transport_cross_province"},
    {"rule_code": "hiring_one_off"},
    {"rule_code": "no_such_rule"},
    {"lapsing_soon": True},
    {"region": factories.OTHER_VILLAGE_CODE},
    {"region": factories.TOWNSHIP_CODE},
]


def test_filters_agree_with_the_rule(county, varied):
    other_village = set(
        db.session.scalars(sa.select(Laborer.id).where(Laborer.household.has(village_id=county["other"].id)))
    )
    found = 0
    with acting_as(county["users"]["bureau"]):
        facts = _facts_of_every_employment()
        for day in (D("2026-05-28"), D("2026-06-15"), D("2025-09-01")):
            for f in FILTERS:
                expected = reference(day, f.get("rule_code"), facts)
                if f.get("rule_code") == "no_such_rule":
                    expected = []
                if f.get("lapsing_soon"):
                    expected = [item for item in expected if item[6]]
                if f.get("region") == factories.OTHER_VILLAGE_CODE:
                    expected = [item for item in expected if item[1] in other_village]
                found += len(expected)
                assert _seen(service.due_claims(f | {"as_of": day})) == expected, (day, f)
    assert found > 20


def test_one_laborers_claims_agree_with_the_rule(county, varied):
    laborer_id = db.session.scalar(sa.select(Laborer.id).where(Laborer.name == "三"))
    with acting_as(county["users"]["bureau"]):
        for day in (D("2025-09-01"), D("2026-05-01"), D("2026-09-01")):
            expected = [item for item in reference(day) if item[1] == laborer_id]
            assert _seen(service.due_claims({"as_of": day, "laborer_id": laborer_id})) == expected


@pytest.mark.parametrize("months", [0, 1, 3, 11, 13])
@pytest.mark.parametrize("window", [0, 30, 365])
def test_claimable_starts_are_exactly_the_starts_due_and_not_lapsed(months, window):
    rule = subsidies.SubsidyRule(
        code="r",
        name_zh="r",
        name_en="r",
        amount_cny=Decimal(1),
        payee=SubsidyPayee.laborer,
        household_categories=frozenset(),
        employment_kinds=frozenset(),
        months_employed=months,
        claim_window_days=window,
    )
    one = timedelta(days=1)
    for as_of in [D("2028-02-29"), D("2028-03-30"), D("2027-02-28"), D("2026-12-31"), D("2026-01-01"), D("2026-05-31")]:
        first, last = subsidies.claimable_starts(rule, as_of)
        earliest = subsidies.add_months(as_of - timedelta(days=window), -months) - 5 * one
        starts = [earliest + k * one for k in range((subsidies.add_months(as_of, -months) + 5 * one - earliest).days)]
        claimable = []
        for start in starts:
            due = subsidies.due_date(rule, start)
            if due <= as_of <= subsidies.lapse_date(rule, due):
                claimable.append(start)
        assert claimable == [first + k * one for k in range((last - first).days + 1)], as_of


@pytest.mark.parametrize("months", [0, 1, 3, 11, 13])
def test_the_databases_calendar_months_are_the_rules(app, months):
    """Due days worked out by the database (queries.add_months) fall where subsidies.add_months puts them: the
    31st into shorter months, 29 February, year ends."""
    from jobmatch.placements import queries

    days = [D("2024-01-01") + timedelta(days=k) for k in range(0, 800, 3)]
    days += [D(d) for d in ("2024-01-31", "2024-02-29", "2025-01-31", "2025-03-31", "2025-08-31", "2025-12-31")]
    dialect = db.session.get_bind().dialect.name
    day = sa.bindparam("day", type_=sa.Date)
    statement = sa.select(queries.add_months(day, months, dialect), queries.add_days(day, 365, dialect))
    for start in days:
        due, lapses = db.session.execute(statement, {"day": start}).one()
        assert due == subsidies.add_months(start, months), start
        assert lapses == start + timedelta(days=365), start


def test_a_page_of_due_claims_and_the_tabs_counts_agree_with_the_whole_list(county, varied):
    """The subsidies page reads one page and both tabs' counts in one statement: page after page they make up
    the list, and the counts and the amount are the list's."""
    rules = service.subsidy_rules()
    pages_seen = 0
    with acting_as(county["users"]["bureau"]):
        for day in (D("2026-05-28"), D("2026-06-15"), D("2026-03-01")):
            for f in ({}, {"lapsing_soon": True}, {"rule_code": "hiring_one_off"}):
                whole = service.due_claims(f | {"as_of": day})
                everything = service.due_claims({k: v for k, v in f.items() if k != "lapsing_soon"} | {"as_of": day})
                counts = service.due_claim_counts(f | {"as_of": day})
                assert counts == {
                    "due": len(everything),
                    "lapsing": sum(item["lapsing_soon"] for item in everything),
                    "amount": sum((rules[item["rule_code"]].amount_cny for item in everything), Decimal(0)),
                }
                walked, page = [], 1
                while True:
                    found = service.due_claims_page(f | {"as_of": day}, page, 3)
                    assert found["counts"] == counts and found["pagination"]["total"] == len(whole)
                    if not found["items"]:
                        break
                    walked += found["items"]
                    page += 1
                    pages_seen += 1
                assert walked == whole, (day, f)
                assert found["pagination"]["pages"] == page - 1
    assert pages_seen > 5


def test_the_database_reads_a_place_names_province_as_the_rule_does(app):
    """queries.province_of_place against geo.province_of_place: every province's names, the two longer short
    names cut short, and names that start with no province."""
    from jobmatch.geo import PROVINCES
    from jobmatch.placements import queries

    names = [f"{short}{rest}" for short in PROVINCES.values() for rest in ("", "省某市", "市")]
    names += ["内蒙", "内蒙市", "黑龙", "黑龙潭村", "北", "京北", "", None, "Guangdong", "东莞市", "江 西省"]
    place = sa.bindparam("place", type_=sa.String)
    statement = sa.select(queries.province_of_place(place))
    for name in names:
        assert db.session.execute(statement, {"place": name}).scalar_one() == province_of_place(name), name


def test_the_due_claims_api_reads_a_page_and_its_total_in_one_statement(as_role, county, varied):
    """However many claims are due, the API's page costs the token look-up, the two looks of duetable.refresh
    (nothing changed since it last ran) and one statement (no per-row reads)."""
    from jobmatch.modelbase import utcnow
    from jobmatch.placements.models import SubsidyDueState
    from tests.sql import statements

    client = as_role("bureau")
    assert client.get("/api/v1/subsidy-claims/due?as_of=2026-05-28").status_code == 200
    db.session.execute(sa.update(SubsidyDueState).values(watermark=utcnow()))
    db.session.commit()
    seen_counts, totals = [], set()
    for per_page in (1, 50):
        with statements() as seen:
            response = client.get(f"/api/v1/subsidy-claims/due?per_page={per_page}&as_of=2026-05-28")
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert len(body["items"]) == min(per_page, body["pagination"]["total"])
        totals.add(body["pagination"]["total"])
        seen_counts.append(len(seen))
    assert len(totals) == 1 and totals.pop() > 3
    assert seen_counts == [4, 4], seen_counts

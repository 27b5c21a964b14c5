"""The demo county: one command builds a consistent county, and running it again changes nothing."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from stdnum.cn import ric

from jobmatch import demo, idnumbers
from jobmatch.extensions import db
from jobmatch.geo import division_prefix, haversine_km
from jobmatch.people.models import Household, Laborer, Region
from jobmatch.people.service import WORKING_AGE_MAX, WORKING_AGE_MIN, age_on
from jobmatch.placements.models import Employment, Referral, ReferralEvent
from jobmatch.posts.models import Employer, Opening
from jobmatch.posts.service import PUBLIC_WELFARE_AGE_MAX_EXTENDED
from jobmatch.text import normalize_skills
from jobmatch.vocab import (
    EmploymentKind,
    EmploymentStatus,
    OpeningKind,
    OpeningStatus,
    ReferralState,
    RegionLevel,
    Role,
    Sex,
    Willingness,
)
from tests.conftest import ApiClient, token_for
from workshops.models import Workshop

MOBILE = re.compile(r"^1[3-9]\d{9}$")
UNDER_WAY = {ReferralState.recommended, ReferralState.referred, ReferralState.interviewed}


def table_counts() -> dict[str, int]:
    return {
        table.name: db.session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        for table in db.metadata.sorted_tables
    }


def last_updates() -> dict[str, datetime | None]:
    return {
        table.name: db.session.execute(sa.select(sa.func.max(table.c.updated_at))).scalar_one()
        for table in db.metadata.sorted_tables
        if "updated_at" in table.c
    }


def all_of(model: type) -> list:
    return list(db.session.execute(sa.select(model).order_by(model.id)).scalars())


def check_regions() -> None:
    regions = {r.id: r for r in all_of(Region)}
    levels = Counter(r.level for r in regions.values())
    assert levels == {RegionLevel.county: 1, RegionLevel.township: 12, RegionLevel.village: 180}
    county = next(r for r in regions.values() if r.level == RegionLevel.county)
    assert (county.code, county.name, county.parent_id) == (demo.COUNTY_CODE, "横峰县", None)
    for region in regions.values():
        assert region.latitude is not None and region.longitude is not None
        if region.level == RegionLevel.county:
            continue
        parent = regions[region.parent_id]
        expected = RegionLevel.county if region.level == RegionLevel.township else RegionLevel.township
        assert parent.level == expected
        assert region.code.startswith(division_prefix(parent.code)) and len(region.code) == 12
        km = haversine_km(region.latitude, region.longitude, parent.latitude, parent.longitude)
        assert km <= (25 if region.level == RegionLevel.township else 5), region.name


def check_laborers(today: date) -> dict[int, Laborer]:
    laborers = {lab.id: lab for lab in all_of(Laborer)}
    assert 4500 <= len(laborers) <= 5500
    seen: set[str] = set()
    areas_before_2000: set[str] = set()
    for lab in laborers.values():
        assert idnumbers.parse(lab.id_number).number == lab.id_number
        assert idnumbers.area_in_county(lab.id_number[:6], "361125")
        if lab.birth_date.year < 2000:
            areas_before_2000.add(lab.id_number[:6])
        assert lab.id_number not in seen
        seen.add(lab.id_number)
        assert ric.get_birth_date(lab.id_number) == lab.birth_date
        assert lab.sex == (Sex.male if int(lab.id_number[16]) % 2 else Sex.female)
        assert WORKING_AGE_MIN <= age_on(lab.birth_date, today) <= WORKING_AGE_MAX
        assert lab.skills == normalize_skills(lab.skills_raw)
        assert lab.phone is None or MOBILE.match(lab.phone)
        assert (lab.latitude is None) == (lab.longitude is None)
        assert lab.registered_on < today
    # The cadres' spelling is kept as written and normalised beside it.
    raw = {s for lab in laborers.values() for s in lab.skills_raw}
    assert {"縫紉", "电汗", "Ａ２驾照", "会开叉車"} <= raw
    assert "缝纫" in {s for lab in laborers.values() for s in lab.skills}
    share = sum(lab.phone is not None for lab in laborers.values()) / len(laborers)
    assert 0.8 <= share <= 0.9
    # People born before Hengfeng's code changed in 2000 carry the old code or, registered late, the new one.
    assert areas_before_2000 == {"362325", "361125"}
    return laborers


def check_openings(today: date) -> dict[int, Opening]:
    openings = {o.id: o for o in all_of(Opening)}
    kinds = Counter(o.kind for o in openings.values())
    assert kinds[OpeningKind.public_welfare] == 350
    assert kinds[OpeningKind.enterprise] == 900
    assert 36 <= kinds[OpeningKind.workshop] <= 72
    for o in openings.values():
        assert WORKING_AGE_MIN <= o.age_min <= o.age_max <= WORKING_AGE_MAX
        if o.kind == OpeningKind.public_welfare:
            assert o.age_max <= PUBLIC_WELFARE_AGE_MAX_EXTENDED
            assert 700 <= o.wage_min <= o.wage_max <= 1200
        if o.kind == OpeningKind.workshop:
            assert o.workshop_id is not None and o.region_id is not None
        if o.kind == OpeningKind.enterprise:
            assert o.employer_id is not None
            assert (o.region_id is None) == (o.site_name is not None)
            if o.region_id is None and not o.site_name.startswith("江西"):
                assert o.organised_transfer and o.accommodation
        assert 0 <= o.remaining_headcount <= o.headcount and o.headcount >= 1
        assert o.wage_min is None or o.wage_max is None or o.wage_min <= o.wage_max
        assert o.required_skills == normalize_skills(o.required_skills_raw)
        if o.status == OpeningStatus.open:
            assert o.deadline is None or o.deadline >= today
    return openings


def check_referrals(now: datetime) -> list[Referral]:
    referrals = all_of(Referral)
    assert 3000 <= len(referrals) <= 4000
    events: dict[int, list[ReferralEvent]] = defaultdict(list)
    for event in db.session.execute(sa.select(ReferralEvent).order_by(ReferralEvent.occurred_at)).scalars():
        events[event.referral_id].append(event)
    for referral in referrals:
        steps = events[referral.id]
        assert steps[0].from_state is None and steps[0].to_state == ReferralState.recommended
        for before, after in zip(steps, steps[1:], strict=False):
            assert after.from_state == before.to_state
            assert after.occurred_at > before.occurred_at
        assert referral.state == steps[-1].to_state
        assert referral.state_since == steps[-1].occurred_at < now
        assert referral.reason_code == steps[-1].reason_code
        if referral.state in (ReferralState.rejected, ReferralState.declined, ReferralState.left):
            assert referral.reason_code is not None
    states = Counter(r.state for r in referrals)
    for state in (
        ReferralState.hired,
        ReferralState.left,
        ReferralState.rejected,
        ReferralState.declined,
        ReferralState.withdrawn,
    ):
        assert states[state] > 0, state
    assert sum(states[s] for s in UNDER_WAY) > 0
    return referrals


def check_employments(
    today: date, laborers: dict[int, Laborer], openings: dict[int, Opening], referrals: list[Referral]
) -> None:
    employments = all_of(Employment)
    by_referral = {e.referral_id: e for e in employments if e.referral_id is not None}
    hired = [r for r in referrals if r.state in (ReferralState.hired, ReferralState.left)]
    assert len(by_referral) == len(hired)
    for referral in hired:
        job = by_referral[referral.id]
        opening = openings[referral.opening_id]
        expected = {
            OpeningKind.workshop: EmploymentKind.workshop,
            OpeningKind.public_welfare: EmploymentKind.public_welfare,
        }.get(opening.kind, EmploymentKind.local_enterprise if opening.region_id else EmploymentKind.migrant)
        assert (job.laborer_id, job.opening_id, job.kind) == (referral.laborer_id, opening.id, expected)
        assert (job.end_date is not None) == (referral.state == ReferralState.left)
        assert job.end_date is None or job.end_reason == referral.reason_code
    left_early = [e for e in employments if e.end_date and (e.end_date - e.start_date) < timedelta(days=90)]
    assert len(left_early) >= 50
    assert len(employments) > len(by_referral)  # some found work without a referral

    open_jobs: dict[int, list[Employment]] = defaultdict(list)
    for job in employments:
        assert job.start_date < today
        assert job.end_date is None or job.start_date <= job.end_date < today
        if job.end_date is None:
            open_jobs[job.laborer_id].append(job)
    household_posts: Counter[int] = Counter()
    for lab in laborers.values():
        jobs = open_jobs.get(lab.id, [])
        assert sum(j.full_time for j in jobs) <= 1
        if jobs:
            assert lab.employment_status in {EmploymentStatus(j.kind.value) for j in jobs}
        else:
            assert lab.employment_status == EmploymentStatus.unemployed
        household_posts[lab.household_id] += sum(j.kind == EmploymentKind.public_welfare for j in jobs)
    assert max(household_posts.values()) <= 1  # one public-welfare post per household at a time

    # Places taken are places no longer remaining.
    taken = Counter(j.opening_id for jobs in open_jobs.values() for j in jobs if j.opening_id)
    for opening in openings.values():
        assert opening.remaining_headcount == opening.headcount - taken[opening.id]

    willing = [lab for lab in laborers.values() if lab.willingness != Willingness.none]
    share = sum(lab.id in open_jobs for lab in willing) / len(willing)
    assert 0.4 <= share <= 0.6


def test_demo_load_builds_a_consistent_county_and_a_second_run_changes_nothing(app, runner, client, tmp_path):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "演示县横峰县已载入" in result.stdout and "Demo county 横峰县 loaded" in result.stdout
    today, now = date.today(), datetime.now(UTC)

    counts = table_counts()
    county_id = db.session.execute(sa.select(Region.id).where(Region.code == demo.COUNTY_CODE)).scalar_one()
    for model in (Employer, Opening):
        assert set(db.session.execute(sa.select(model.county_id)).scalars()) == {county_id}
    assert counts["households"] == 3000
    assert counts["workshops"] == 36
    assert 300 <= counts["employers"] <= 340
    check_regions()
    laborers = check_laborers(today)
    openings = check_openings(today)
    referrals = check_referrals(now)
    check_employments(today, laborers, openings, referrals)
    codes = db.session.execute(sa.select(Household.code, Region.code).join(Household.village)).all()
    assert all(household.startswith(village) and len(household) == 16 for household, village in codes)
    workshops = all_of(Workshop)
    assert all(w.certified_on is not None for w in workshops if w.certification_status == "certified")
    assert sum(w.flexible_hours for w in workshops) > len(workshops) / 2

    # No personal data on the screen: neither names nor ID numbers nor phones.
    for lab in list(laborers.values())[:200]:
        assert lab.id_number not in result.output and lab.name not in result.output
        assert lab.phone is None or lab.phone not in result.output

    updated = last_updates()
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0, again.output
    assert "未做任何更改" in again.stdout and "nothing changed" in again.stdout
    db.session.expire_all()
    assert table_counts() == counts
    assert last_updates() == updated
    # The load's one audit event, and one per alert that today's run raised right after it (the inbox is
    # not empty after `make run`); the second load ran nothing again.
    assert counts["alert_runs"] == 1 and counts["alerts"] > 0
    assert counts["audit_events"] == 1 + counts["alerts"]

    # The history trains a ranker that beats ranking by distance alone, and matches come back explained.
    app.config["MODELS_DIR"] = str(tmp_path)
    trained = runner.invoke(args=["ranker", "train", "--promote"])
    assert trained.exit_code == 0, trained.output
    card_path = next(tmp_path.glob("ranker-*.json"))
    metrics = json.loads(card_path.read_text())["holdout_metrics"]
    assert metrics["model"]["ndcg@10"] > metrics["baselines"]["distance_only"]["ndcg@10"]
    assert "promoted" in trained.output
    bureau = ApiClient(client, token_for("demo-test-bureau", Role.bureau, [db.session.get(Region, county_id)]))
    for laborer_id in list(laborers)[:40]:
        body = bureau.get(f"/api/v1/laborers/{laborer_id}/matches?limit=5").get_json()
        assert body["model_version"] == card_path.stem.removeprefix("ranker-")
        assert all(item["reasons"] for item in body["items"])
        assert body["items"] or body["shortfall"]["why"]


@pytest.fixture
def small_county(monkeypatch):
    """Fewer households, employers and referrals, so a test can build the county several times."""
    for name, value in {
        "HOUSEHOLDS": 300,
        "ENTERPRISES": 40,
        "COOPERATIVES": 5,
        "VILLAGE_COLLECTIVES": 5,
        "ENTERPRISE_OPENINGS": 100,
        "PUBLIC_WELFARE_POSTS": 180,
        "REFERRALS": 300,
    }.items():
        monkeypatch.setattr(demo, name, value)


def fingerprint(plan: demo.DemoPlan) -> list:
    """Every value of every planned row, and which row each foreign key points at."""
    position = {id(row): (batch.label, i) for batch in plan.batches for i, row in enumerate(batch.rows)}
    out: list = []
    for batch in plan.batches:
        for row in batch.rows:
            columns = row.__mapper__.column_attrs
            out.append(tuple((c.key, getattr(row, c.key)) for c in columns if c.key not in ("id", "created_at")))
        out.extend((position[id(child)], attr, position[id(parent)]) for child, attr, parent in batch.links)
    return out


def test_the_same_seed_gives_the_same_county(app, small_county):
    today = date.today()
    first = fingerprint(demo.plan(seed=7, today=today))
    assert fingerprint(demo.plan(seed=7, today=today)) == first
    assert fingerprint(demo.plan(seed=8, today=today)) != first


def test_a_failed_load_leaves_nothing_behind(app, small_county):
    """The load is one transaction: a clash half-way through rolls back the rows already flushed."""
    planned = demo.plan(seed=11)
    taken = next(e.credit_code for e in planned.batches[3].rows if isinstance(e, Employer) and e.credit_code)
    db.session.add(Employer(name="已有企业", kind="enterprise", credit_code=taken))
    db.session.commit()
    before = table_counts()

    with pytest.raises(sa.exc.IntegrityError):
        demo.load(seed=11)

    assert table_counts() == before
    assert not demo.already_loaded()

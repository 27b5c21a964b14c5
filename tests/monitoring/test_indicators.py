"""Each indicator's arithmetic on the hand-made county (tests/monitoring/conftest.py), and that they agree."""

from __future__ import annotations

from jobmatch.extensions import db
from jobmatch.monitoring import indicators
from tests import factories
from tests.monitoring.conftest import TODAY
from tests.placements.conftest import make_opening
from tests.sql import statements


def test_county_indicators(town):
    got = indicators.compute(factories.COUNTY_CODE, TODAY)
    assert got["laborers"] == 8
    assert got["by_type"] == {
        "workshop": 2,
        "public_welfare": 0,
        "local_enterprise": 1,
        "migrant": 0,
        "self_employed": 1,
        "unemployed_willing": 3,
        "not_willing": 1,
    }
    assert sum(got["by_type"].values()) == got["laborers"]
    assert got["employed"] == 4
    assert got["willing"] == 6
    assert got["willing_employed"] == 3
    assert got["willing_employment_rate"] == 0.5
    assert got["households"] == 5
    assert got["households_with_willing"] == 5
    assert got["households_willing_none_employed"] == 2  # H-EAST-2 (the migrant came home) and H-EAST-4
    assert (got["openings"], got["openings_headcount"], got["openings_filled"]) == (2, 8, 3)
    assert got["openings_fill_rate"] == 0.375
    # Days from registration to first work: 9, 28, 31, 90, 120.
    assert got["placed_laborers"] == 5
    assert got["median_days_to_placement"] == 31
    assert got["workshop_workers"] == 2
    assert got["workshop_absorption"] == {"out_of_poverty": 1, "monitored": 1, "other": 0}
    assert got["workshop_absorption_rate"] == 1.0


def test_villages_add_up_to_the_township_and_the_county(town):
    county = indicators.compute(factories.COUNTY_CODE, TODAY)
    township = indicators.compute(factories.TOWNSHIP_CODE, TODAY)
    east = indicators.compute(factories.VILLAGE_CODE, TODAY)
    west = indicators.compute(factories.OTHER_VILLAGE_CODE, TODAY)
    keys = ("laborers", "employed", "willing", "willing_employed", "households", "households_willing_none_employed")
    for key in keys:
        assert county[key] == township[key] == east[key] + west[key], key
    for kind in indicators.TYPES:
        assert county["by_type"][kind] == east["by_type"][kind] + west["by_type"][kind]
    assert east["laborers"] == 5
    assert east["by_type"]["local_enterprise"] == 1 and east["by_type"]["unemployed_willing"] == 3
    assert west["by_type"]["workshop"] == 2 and west["openings"] == 0


def test_several_divisions_read_together_equal_each_read_alone(town):
    # A post at a far site is sited at its county: the county counts it, its townships and villages do not.
    make_opening(
        region_code=None, county_code=factories.COUNTY_CODE, site_name="广东省东莞市", latitude=23.02, longitude=113.75
    )
    assert indicators.compute(factories.COUNTY_CODE, TODAY)["openings"] == 3
    assert indicators.compute(factories.TOWNSHIP_CODE, TODAY)["openings"] == 2
    codes = [factories.VILLAGE_CODE, factories.OTHER_VILLAGE_CODE, factories.TOWNSHIP_CODE, factories.COUNTY_CODE]
    together = indicators.compute_many(codes, TODAY)
    assert together == {code: indicators.compute(code, TODAY) for code in codes}
    assert indicators.compute_many([], TODAY) == {}


def test_an_employment_that_ended_yesterday_no_longer_counts(town):
    before = indicators.compute(factories.COUNTY_CODE, TODAY.replace(month=5, day=15))
    assert before["by_type"]["migrant"] == 1  # m1 was away then
    before_w2 = indicators.compute(factories.COUNTY_CODE, TODAY.replace(month=5, day=9))
    assert before_w2["by_type"]["self_employed"] == 0  # w2 started on 05-10
    assert before_w2["by_type"]["not_willing"] == 2
    assert sum(before["by_type"].values()) == before["laborers"]


def test_api_and_scope(town, as_role):
    bureau = as_role("bureau").get(f"/api/v1/indicators?region={factories.COUNTY_CODE}&as_of={TODAY}")
    assert bureau.status_code == 200, bureau.get_json()
    assert bureau.get_json()["laborers"] == 8
    assert bureau.get_json()["by_type_zh"]["migrant"] == "外出务工"
    # A cadre counts only their villages, whatever division they ask for.
    cadre = as_role("cadre").get(f"/api/v1/indicators?region={factories.COUNTY_CODE}&as_of={TODAY}")
    assert cadre.get_json()["laborers"] == 5
    assert as_role("bureau").get("/api/v1/indicators?region=110101000000").status_code == 422
    assert as_role("manager").get(f"/api/v1/indicators?region={factories.COUNTY_CODE}").status_code == 403


def test_xlsx_export(town, as_role):
    import io

    from openpyxl import load_workbook

    response = as_role("bureau").get(f"/api/v1/indicators/export?region={factories.COUNTY_CODE}&as_of={TODAY}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = {row[0]: row[1] for row in sheet.iter_rows(values_only=True)}
    assert values["劳动力 Laborers"] == 8
    assert values["满员率 Fill rate"] == 0.375


def test_a_county_is_read_in_the_same_few_statements_however_many_people_it_has(town):
    """Its speed is measured by bench/ scripts; here, that a bigger county costs no statement more (none per
    laborer, household or post)."""
    with statements() as small:
        before = indicators.compute(factories.COUNTY_CODE, TODAY)
    for n in range(6):
        factories.household(code=f"H-MORE-{n}")
        factories.laborer(household_code=f"H-MORE-{n}", name=f"添{n}", sequence=41 + 2 * n, registered_on=TODAY)
        make_opening(headcount=2)
    db.session.commit()
    with statements() as big:
        after = indicators.compute(factories.COUNTY_CODE, TODAY)
    assert (after["laborers"], after["households"]) == (before["laborers"] + 6, before["households"] + 6)
    assert len(big) == len(small) <= 4


def test_divisions_asked_by_whole_codes_or_prefixes_select_the_same_regions(town):
    """Villages are asked by their whole code (the code index serves it), townships and counties by prefix."""
    import sqlalchemy as sa

    from jobmatch.geo import division_prefix
    from jobmatch.people.models import Region
    from jobmatch.people.queries import codes_within

    codes = [factories.VILLAGE_CODE, factories.OTHER_VILLAGE_CODE, factories.TOWNSHIP_CODE, factories.COUNTY_CODE]
    for chosen in ([codes[0]], codes[:2], codes[1:3], [codes[3]], codes):
        prefixes = [division_prefix(code) for code in chosen]
        expected = db.session.scalars(
            sa.select(Region.code).where(sa.or_(*(Region.code.startswith(p) for p in prefixes))).order_by(Region.code)
        ).all()
        got = db.session.scalars(sa.select(Region.code).where(codes_within(prefixes)).order_by(Region.code)).all()
        assert got == expected and expected, chosen

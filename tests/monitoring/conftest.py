"""A small hand-made county on top of the accounts county: five households, eight laborers, two openings.

Today is 2026-06-01 in every test here.

| household (village)       | category       | laborer | willing | registered | employments |
|---------------------------|----------------|---------|---------|------------|-----|
| H-EAST-1 (城东, cadre's)   | out_of_poverty | east_a  | yes     | 2026-01-01 | local_enterprise from 04-01 |
|                           |                | east_b  | yes     | 2026-01-01 | — |
| H-EAST-2 (城东)            | unstable       | m1      | yes     | 2026-01-01 | migrant 02-01 … 05-20 |
|                           |                | m2      | no      | 2026-01-01 | — |
| H-EAST-4 (城东)            | out_of_poverty | idle    | yes     | 2026-01-01 | — |
| H-WEST-1 (城西)            | out_of_poverty | west    | yes     | 2026-02-01 | workshop from 03-01 |
| H-WEST-2 (城西)            | marginal       | w1      | yes     | 2026-01-01 | workshop from 05-01 |
|                           |                | w2      | no      | 2026-05-01 | self_employed from 05-10 |
"""

from __future__ import annotations

from datetime import date

import pytest

from jobmatch.extensions import db
from jobmatch.placements.models import Employment
from jobmatch.vocab import EmploymentKind
from tests import factories
from tests.accounts.conftest import as_role, county  # noqa: F401
from tests.placements.conftest import _quick_password_hashes, make_opening  # noqa: F401

TODAY = date(2026, 6, 1)
JAN = date(2026, 1, 1)


def employ(laborer, kind, start, end=None, **kw) -> Employment:
    job = Employment(laborer_id=laborer.id, kind=EmploymentKind(kind), start_date=start, end_date=end, **kw)
    db.session.add(job)
    db.session.flush()
    return job


@pytest.fixture
def town(county) -> dict:  # noqa: F811
    other = factories.OTHER_VILLAGE_CODE
    factories.household(code="H-EAST-2", category="unstable")
    factories.household(code="H-EAST-4")
    factories.household(code="H-WEST-2", village_code=other, category="marginal")
    east_a, east_b = county["east"]
    west = county["west"]
    m1 = factories.laborer(household_code="H-EAST-2", name="监甲", sequence=21, registered_on=JAN)
    m2 = factories.laborer(household_code="H-EAST-2", name="监乙", sequence=23, willingness="none", registered_on=JAN)
    idle = factories.laborer(household_code="H-EAST-4", name="闲丁", sequence=25, registered_on=JAN)
    w1 = factories.laborer(household_code="H-WEST-2", name="边甲", sequence=27, registered_on=JAN)
    w2 = factories.laborer(
        household_code="H-WEST-2", name="边乙", sequence=29, willingness="none", registered_on=date(2026, 5, 1)
    )
    east_a.registered_on = east_b.registered_on = JAN
    west.registered_on = date(2026, 2, 1)
    employ(east_a, "local_enterprise", date(2026, 4, 1))
    ended = employ(m1, "migrant", date(2026, 2, 1), date(2026, 5, 20), site_name="广东省东莞市")
    w1_job = employ(w1, "workshop", date(2026, 5, 1), workshop_id=county["workshop"].id)
    employ(w2, "self_employed", date(2026, 5, 10))
    db.session.commit()
    first = make_opening(headcount=5)
    second = make_opening(headcount=3)
    first.remaining_headcount = 2
    db.session.commit()
    return county | {
        "m1": m1,
        "m2": m2,
        "idle": idle,
        "w1": w1,
        "w2": w2,
        "ended": ended,
        "w1_job": w1_job,
        "openings": [first, second],
    }

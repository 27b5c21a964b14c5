"""Workshops with workers, a fixed "today", and helpers to count what a request changed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from jobmatch.accounts.models import AuditEvent
from jobmatch.extensions import db
from jobmatch.people.models import Laborer
from jobmatch.people.service import household_by_code
from jobmatch.placements.models import Employment
from jobmatch.vocab import EmploymentKind, WageUnit
from tests import factories
from tests.accounts.conftest import PASSWORD, as_role, county  # noqa: F401  (fixtures for these tests)
from workshops import settings
from workshops.models import Attendance, AttendanceChange, Workshop
from workshops.service import save_workshop

# Wednesday 15 April 2026 in China: every test's "today".
TODAY = date(2026, 4, 15)
HIRED_ON = date(2026, 3, 1)


@pytest.fixture(autouse=True)
def today(monkeypatch) -> date:
    monkeypatch.setattr(settings, "today", lambda: TODAY)
    return TODAY


def employ(
    laborer: Laborer,
    workshop: Workshop | None,
    start: date = HIRED_ON,
    end: date | None = None,
    kind: EmploymentKind = EmploymentKind.workshop,
    wage: str | None = None,
    unit: WageUnit | None = None,
    full_time: bool | None = None,
) -> Employment:
    employment = Employment(
        laborer_id=laborer.id,
        kind=kind,
        # Public-welfare posts are part-time (a holder may also work in a workshop).
        full_time=kind != EmploymentKind.public_welfare if full_time is None else full_time,
        workshop_id=workshop.id if workshop else None,
        start_date=start,
        end_date=end,
        wage=Decimal(wage) if wage else None,
        wage_unit=unit,
    )
    db.session.add(employment)
    db.session.commit()
    return employment


_sequence = iter(range(100, 999))


def hire(workshop: Workshop, n: int, category: str = "out_of_poverty", prefix: str = "工", **kw) -> list[Laborer]:
    """n new laborers from one household of `category` in 城西村, employed at the workshop since 1 March."""
    code = f"H-{prefix}-{category}-{workshop.id}"
    if household_by_code(code) is None:
        factories.household(code=code, village_code=factories.OTHER_VILLAGE_CODE, category=category)
    laborers = []
    for i in range(n):
        laborer = factories.laborer(household_code=code, name=f"{prefix}{i + 1:03d}", sequence=next(_sequence))
        employ(laborer, workshop, **kw)
        laborers.append(laborer)
    return laborers


@pytest.fixture
def shop(county) -> Workshop:  # noqa: F811  (the fixture, imported above)
    """The county's workshop (城西服装车间, capacity 40, piece wages), employing 西丙 since 1 March."""
    return county["workshop"]


@pytest.fixture
def other_shop(county) -> Workshop:  # noqa: F811
    """A second workshop in the cadre's village, which the manager does not run."""
    return save_workshop(
        {"name": "城东竹编车间", "village_code": factories.VILLAGE_CODE, "capacity": 20, "wage_mode": "day"}
    )


def count(model: type, *where) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model).where(*where)).scalar_one()


def snapshot() -> tuple[int, int, int]:
    """Rows of attendance, history and audit: a refused request leaves all three as they were."""
    db.session.expire_all()
    return count(Attendance), count(AttendanceChange), count(AuditEvent)


def sheet_url(workshop: Workshop, day: date = TODAY) -> str:
    return f"/api/v1/workshops/{workshop.id}/attendance?date={day.isoformat()}"


def entries(laborers: list[Laborer], status: str = "present", **extra) -> dict:
    return {"entries": [{"laborer_id": w.id, "status": status} | extra for w in laborers]}

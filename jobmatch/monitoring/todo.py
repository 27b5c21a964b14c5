"""The cadre's to-do list for the day, read from the records in the cadre's scope.

Four lists, each with its full count and its first rows: alerts not yet resolved (most urgent first),
referrals waiting for an outcome (longest waiting first), willing laborers out of work who were never
referred, and households short of the goal (never contacted first, then the longest since a contact).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from jobmatch.accounts.scope import restrict
from jobmatch.extensions import db
from jobmatch.monitoring import goal, service
from jobmatch.monitoring.indicators import open_on
from jobmatch.monitoring.models import Alert, AlertStatus, Contact
from jobmatch.people.models import Household, Laborer
from jobmatch.placements.lifecycle import UNDER_WAY, local_date
from jobmatch.placements.models import Employment, Referral
from jobmatch.vocab import Willingness

# Rows shown per list on the home page; the count says how many there are in all.
ROWS_PER_LIST = 20


@dataclass
class Section:
    count: int
    rows: list


def _count(query: sa.Select) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())).scalar_one()


def open_alerts(limit: int = ROWS_PER_LIST) -> Section:
    """Alerts open or being followed up, the most urgent first, each with its household."""
    query = service.alerts({}).where(Alert.status != AlertStatus.resolved)
    alerts = db.session.execute(query.limit(limit)).scalars().all()
    households = {
        h.id: h
        for h in db.session.execute(
            sa.select(Household)
            .where(Household.id.in_({a.household_id for a in alerts}))
            .options(joinedload(Household.village))
        ).scalars()
    }
    return Section(_count(query), [(alert, households.get(alert.household_id)) for alert in alerts])


def waiting_referrals(today: date, limit: int = ROWS_PER_LIST) -> Section:
    """Referrals still under way (recommended, referred, interviewed), the longest waiting first, with the days."""
    query = restrict(
        sa.select(Referral)
        .where(Referral.state.in_([s.value for s in UNDER_WAY]))
        .options(joinedload(Referral.laborer), joinedload(Referral.opening))
        .order_by(Referral.state_since, Referral.id),
        Referral,
    )
    rows = db.session.execute(query.limit(limit)).scalars().all()
    return Section(_count(query), [(r, (today - local_date(r.state_since)).days) for r in rows])


def never_referred(today: date, limit: int = ROWS_PER_LIST) -> Section:
    """Laborers willing to work, out of work today, who were never referred to any post."""
    query = restrict(
        sa.select(Laborer)
        .where(
            Laborer.willingness != Willingness.none,
            ~sa.exists().where(Referral.laborer_id == Laborer.id),
            ~sa.exists().where(Employment.laborer_id == Laborer.id, open_on(today)),
        )
        .options(joinedload(Laborer.household).joinedload(Household.village))
        .order_by(Laborer.registered_on, Laborer.id),
        Laborer,
    )
    return Section(_count(query), db.session.execute(query.limit(limit)).scalars().all())


def short_of_goal(today: date, limit: int = ROWS_PER_LIST) -> Section:
    """Households with someone willing and no one in work, never contacted first, then the longest since."""
    last = (
        restrict(sa.select(Contact.household_id, sa.func.max(Contact.contacted_on).label("day")), Contact)
        .group_by(Contact.household_id)
        .subquery()
    )
    query = restrict(
        sa.select(Household, last.c.day)
        .outerjoin(last, last.c.household_id == Household.id)
        .where(goal.condition(goal.Goal.not_met, today))
        .options(joinedload(Household.village))
        .order_by(last.c.day.is_not(None), last.c.day, Household.code),
        Household,
    )
    rows = db.session.execute(query.limit(limit)).all()
    return Section(_count(query), [(h, (today - day).days if day else None) for h, day in rows])


def cadre_day(today: date) -> dict[str, Section]:
    """The four lists of the cadre's home page."""
    return {
        "alerts": open_alerts(),
        "referrals": waiting_referrals(today),
        "never_referred": never_referred(today),
        "short_of_goal": short_of_goal(today),
    }

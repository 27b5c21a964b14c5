"""The province's household goal: every household with a member able and willing to work has one in work.

One definition for the household page, the households list and the indicators: a member is *willing*
when their willingness is not "none", *in work* when an employment of theirs is open on the day
(indicators.open_on). A household with no willing member is outside the goal, neither met nor missed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

import sqlalchemy as sa

from jobmatch.extensions import db
from jobmatch.monitoring.indicators import open_on
from jobmatch.people.models import Household, Laborer
from jobmatch.placements.models import Employment
from jobmatch.vocab import Willingness


class Goal(StrEnum):
    met = "met"
    not_met = "not_met"
    no_willing = "no_willing"


@dataclass(frozen=True)
class HouseholdGoal:
    goal: Goal
    willing: int
    employed: int


def _willing_member() -> sa.Exists:
    return sa.exists().where(Laborer.household_id == Household.id, Laborer.willingness != Willingness.none)


def _member_in_work(day: date) -> sa.Exists:
    return (
        sa.exists()
        .where(Employment.laborer_id == Laborer.id, Laborer.household_id == Household.id, open_on(day))
        .correlate(Household)
    )


def condition(goal: Goal, day: date) -> sa.ColumnElement[bool]:
    """The WHERE clause of households in this state of the goal on `day`."""
    if goal == Goal.met:
        return sa.and_(_willing_member(), _member_in_work(day))
    if goal == Goal.not_met:
        return sa.and_(_willing_member(), ~_member_in_work(day))
    return ~_willing_member()


def of_households(household_ids: list[int], day: date) -> dict[int, HouseholdGoal]:
    """The goal of each household, with its count of willing members and of members in work."""
    if not household_ids:
        return {}
    willing = dict(
        db.session.execute(
            sa.select(Laborer.household_id, sa.func.count())
            .where(Laborer.household_id.in_(household_ids), Laborer.willingness != Willingness.none)
            .group_by(Laborer.household_id)
        ).all()
    )
    employed = dict(
        db.session.execute(
            sa.select(Laborer.household_id, sa.func.count(sa.distinct(Laborer.id)))
            .join(Employment, Employment.laborer_id == Laborer.id)
            .where(Laborer.household_id.in_(household_ids), open_on(day))
            .group_by(Laborer.household_id)
        ).all()
    )
    out = {}
    for household_id in household_ids:
        w, e = willing.get(household_id, 0), employed.get(household_id, 0)
        goal = Goal.no_willing if not w else (Goal.met if e else Goal.not_met)
        out[household_id] = HouseholdGoal(goal, w, e)
    return out


def counts_by_village(village_ids: list[int], day: date) -> dict[int, dict[Goal, int]]:
    """Households meeting and missing the goal in each village (the indicators' figures, village by village)."""
    out = {village_id: {Goal.met: 0, Goal.not_met: 0} for village_id in village_ids}
    if not village_ids:
        return out
    for state in (Goal.met, Goal.not_met):
        rows = db.session.execute(
            sa.select(Household.village_id, sa.func.count())
            .where(Household.village_id.in_(village_ids), condition(state, day))
            .group_by(Household.village_id)
        ).all()
        for village_id, count in rows:
            out[village_id][state] = count
    return out


def month_bounds(month: str) -> tuple[date, date]:
    """The first and last day of a month written YYYY-MM (already checked by the caller)."""
    year, number = (int(part) for part in month.split("-"))
    first = date(year, number, 1)
    following = date(year + number // 12, number % 12 + 1, 1)
    return first, following - timedelta(days=1)


def lost_last_worker(month: str) -> dict[int, date]:
    """Households whose last member in work stopped during the month (YYYY-MM), with the last day worked.

    A household loses its last worker on day d when an employment of a member ends on d and no member's
    employment is open on d + 1 (a new job starting the next day is no loss).
    """
    first, last = month_bounds(month)
    ended = db.session.execute(
        sa.select(Laborer.household_id, Employment.end_date)
        .join(Laborer, Laborer.id == Employment.laborer_id)
        .where(Employment.end_date >= first, Employment.end_date <= last)
    ).all()
    if not ended:
        return {}
    household_ids = {household_id for household_id, _day in ended}
    jobs: dict[int, list[tuple[date, date | None]]] = {}
    for household_id, start, end in db.session.execute(
        sa.select(Laborer.household_id, Employment.start_date, Employment.end_date)
        .join(Laborer, Laborer.id == Employment.laborer_id)
        .where(Laborer.household_id.in_(household_ids))
    ):
        jobs.setdefault(household_id, []).append((start, end))
    lost: dict[int, date] = {}
    for household_id, day in ended:
        after = day + timedelta(days=1)
        still = any(start <= after and (end is None or end >= after) for start, end in jobs[household_id])
        if not still and (household_id not in lost or day > lost[household_id]):
            lost[household_id] = day
    return lost


MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def filtered(query: sa.Select, goal: str | None, lost_month: str | None, day: date) -> sa.Select:
    """A households query narrowed to a state of the goal and to those that lost their last worker in a month
    (the page's and the API's filters: one meaning)."""
    if goal:
        query = query.where(condition(Goal(goal), day))
    if lost_month:
        query = query.where(Household.id.in_(list(lost_last_worker(lost_month))))
    return query

"""The province's household goal: every household with a member able and willing to work has one in work.

One definition for the household page, the households list and the indicators: a member is *willing*
when their willingness is not "none", *in work* when an employment of theirs is open on the day
(indicators.open_on). A household with no willing member is outside the goal, neither met nor missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
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

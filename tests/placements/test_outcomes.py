"""Training labels for the ranker: hired and still employed 90 days later, from referral records only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from jobmatch.extensions import db
from jobmatch.placements import outcomes
from jobmatch.placements.models import Referral, ReferralEvent
from jobmatch.vocab import OutcomeReason, ReferralState
from tests.placements.conftest import make_opening, referral_in, step

NOW = datetime.now(UTC)
REASON = {"rejected": OutcomeReason.no_skill_match, "declined": OutcomeReason.too_far, "left": OutcomeReason.health}


def _history(laborer_id: int, steps: list[tuple[str, int]]) -> int:
    """A referral written the way migrated history (and the demo county) is: its steps, days ago."""
    opening = make_opening()
    moments = [(ReferralState(state), NOW - timedelta(days=days)) for state, days in steps]
    referral = Referral(laborer_id=laborer_id, opening_id=opening.id, state=moments[-1][0], state_since=moments[-1][1])
    db.session.add(referral)
    db.session.flush()
    before = None
    for state, moment in moments:
        db.session.add(
            ReferralEvent(
                referral_id=referral.id,
                from_state=before,
                to_state=state,
                occurred_at=moment,
                reason_code=REASON.get(state.value),
            )
        )
        before = state
    db.session.commit()
    return referral.id


ON_THE_WAY = [("recommended", 300), ("referred", 298), ("interviewed", 295)]


@pytest.fixture
def histories(county) -> dict[str, int]:
    laborer = county["east"][0].id
    return {
        "stayed": _history(laborer, [*ON_THE_WAY, ("hired", 290)]),
        "stayed_then_left": _history(laborer, [*ON_THE_WAY, ("hired", 290), ("left", 150)]),
        "left_on_day_90": _history(laborer, [*ON_THE_WAY, ("hired", 290), ("left", 200)]),
        "left_early": _history(laborer, [*ON_THE_WAY, ("hired", 290), ("left", 260)]),
        "rejected": _history(laborer, [*ON_THE_WAY, ("rejected", 290)]),
        "declined": _history(laborer, [("recommended", 20), ("declined", 19)]),
        "too_recent": _history(laborer, [("recommended", 60), ("referred", 58), ("interviewed", 55), ("hired", 50)]),
        "too_recent_left": _history(
            laborer, [("recommended", 60), ("referred", 58), ("interviewed", 55), ("hired", 50), ("left", 30)]
        ),
        "withdrawn": _history(laborer, [("recommended", 100), ("withdrawn", 99)]),
        "obsolete": _history(laborer, [("recommended", 100), ("obsolete", 90)]),
        "under_way": _history(laborer, [("recommended", 10), ("referred", 9)]),
    }


def test_labels_follow_hired_and_still_employed_90_days_later(histories):
    rows = outcomes.training_rows(db.session)
    labels = {row["referral_id"]: row["label"] for row in rows}
    named = {name: labels.get(referral_id) for name, referral_id in histories.items()}
    assert named == {
        "stayed": 1,
        "stayed_then_left": 1,
        "left_on_day_90": 1,
        "left_early": 0,
        "rejected": 0,
        "declined": 0,
        "too_recent": None,  # censored: hired less than 90 days ago, whatever happened since
        "too_recent_left": None,
        "withdrawn": None,  # no outcome for this laborer and opening
        "obsolete": None,
        "under_way": None,
    }


def test_rows_carry_the_pair_and_the_referral_date_oldest_first(histories, county):
    rows = outcomes.training_rows(db.session)
    assert [r["referred_at"] for r in rows] == sorted(r["referred_at"] for r in rows)
    stayed = next(r for r in rows if r["referral_id"] == histories["stayed"])
    assert stayed["laborer_id"] == county["east"][0].id
    assert stayed["referred_at"] == NOW - timedelta(days=300)
    assert set(stayed) == {"referral_id", "laborer_id", "opening_id", "referred_at", "label"}


def test_rows_as_of_a_past_day_see_only_what_was_known_then(histories):
    until = NOW - timedelta(days=180)
    labels = {row["referral_id"]: row["label"] for row in outcomes.training_rows(db.session, until=until)}
    assert labels[histories["stayed_then_left"]] == 1  # left 150 days ago: after the cut-off
    assert labels[histories["left_early"]] == 0
    assert histories["declined"] not in labels  # made after the cut-off


def test_outcomes_recorded_through_the_api_become_labels(as_role, county, opening):
    cadre = as_role("cadre")
    laborer = county["east"][1].id
    refused = referral_in(cadre, "rejected", laborer, opening.id)
    hired = referral_in(cadre, "hired", laborer, make_opening().id)
    assert step(cadre, hired["id"], "left", reason_code="wage_too_low").status_code == 200
    later = NOW + timedelta(days=120)
    labels = {row["referral_id"]: row["label"] for row in outcomes.training_rows(db.session, until=later)}
    assert labels == {refused["id"]: 0, hired["id"]: 0}


@pytest.mark.parametrize(
    ("hired_days_ago", "left_days_ago", "refused", "expected"),
    [
        (100, None, False, 1),
        (100, 10, False, 1),
        (100, 11, False, 0),
        (89, None, False, None),
        (89, 80, False, None),
        (None, None, True, 0),
        (None, None, False, None),
    ],
)
def test_the_label_rule(hired_days_ago, left_days_ago, refused, expected):
    def moment(days):
        return None if days is None else NOW - timedelta(days=days)

    assert outcomes.label(moment(hired_days_ago), moment(left_days_ago), refused, NOW) == expected

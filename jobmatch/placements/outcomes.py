"""Training labels for the ranker, built from referral records only (SPEC §5.4); needs a session, no request.

A referral's label is 1 when it ended in a hire that lasted: the laborer was
hired and had not left 90 days after the hire (a `left` step 90 or more days
after the `hired` step counts as lasting). It is 0 when the laborer was hired
and left within 90 days, or was rejected or declined.

Left out, because the record says nothing yet, or nothing about this pair:
- referrals still under way (recommended, referred, interviewed);
- hires younger than 90 days on the cut-off day (censored) — whether or not
  the laborer has already left, so that recent hires are not all failures;
- withdrawn referrals (the cadre stopped them) and obsolete ones (the laborer
  was hired elsewhere first).

Everything is read "as of" the cut-off: steps recorded with a later
`occurred_at` are ignored, so a model trained as of a past day sees what was
known that day. `referred_at` (the first step) is the time to split on:
train on earlier referrals, test on later ones. Rejected and declined
referrals are never censored, so the latest months carry a few more zeros
than they will once their hires mature; split well before the cut-off when
that matters.

`training_rows(session)` is what `flask ranker train` calls.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from jobmatch.modelbase import utcnow
from jobmatch.placements.lifecycle import local_date
from jobmatch.placements.models import Referral, ReferralEvent
from jobmatch.vocab import ReferralState

# A hire "lasts" when the laborer is still employed this many days after it (SPEC §5.4).
LASTING_DAYS = 90
# Outcomes that end a referral without a hire and speak about this laborer and this opening.
REFUSALS = (ReferralState.rejected, ReferralState.declined)


def label(hired_at: datetime | None, left_at: datetime | None, refused: bool, until: datetime) -> int | None:
    """The label of one referral from its step times, or None when it is left out (see the module)."""
    if hired_at is not None:
        hired_on = local_date(hired_at)
        if (local_date(until) - hired_on).days < LASTING_DAYS:
            return None  # censored: too recent to know
        if left_at is None:
            return 1
        return int((local_date(left_at) - hired_on).days >= LASTING_DAYS)
    return 0 if refused else None


def _first(state: ReferralState) -> sa.ColumnElement:
    """When the referral first reached `state` (NULL if it never did)."""
    return sa.func.min(sa.case((ReferralEvent.to_state == state, ReferralEvent.occurred_at)))


def training_rows(session: Session, until: datetime | None = None) -> list[dict]:
    """One row per labelled referral, oldest first: referral_id, laborer_id, opening_id, referred_at, label.

    `until` (aware; default now) is the cut-off: only steps up to it count. Unscoped: a system task.
    """
    until = until or utcnow()
    refused = sa.func.max(sa.case((ReferralEvent.to_state.in_(REFUSALS), 1), else_=0))
    query = (
        sa.select(
            Referral.id,
            Referral.laborer_id,
            Referral.opening_id,
            sa.func.min(ReferralEvent.occurred_at).label("referred_at"),
            _first(ReferralState.hired).label("hired_at"),
            _first(ReferralState.left).label("left_at"),
            refused.label("refused"),
        )
        .join(ReferralEvent, ReferralEvent.referral_id == Referral.id)
        .where(ReferralEvent.occurred_at <= until)
        .group_by(Referral.id, Referral.laborer_id, Referral.opening_id)
    )
    rows = []
    for row in session.execute(query):
        value = label(row.hired_at, row.left_at, bool(row.refused), until)
        if value is not None:
            rows.append(
                {
                    "referral_id": row.id,
                    "laborer_id": row.laborer_id,
                    "opening_id": row.opening_id,
                    "referred_at": row.referred_at,
                    "label": value,
                }
            )
    rows.sort(key=lambda r: (r["referred_at"], r["referral_id"]))
    return rows


def referral_steps(session: Session, laborer_ids=None) -> dict[int, list[tuple]]:
    """Per laborer, each referral's step times: (referred_at, hired_at, left_at, refused_at), oldest first.

    All steps, whenever recorded: `past_outcomes` reads them as of a day. `laborer_ids` limits the laborers.
    """
    refused_at = sa.func.min(sa.case((ReferralEvent.to_state.in_(REFUSALS), ReferralEvent.occurred_at)))
    query = (
        sa.select(
            Referral.laborer_id,
            sa.func.min(ReferralEvent.occurred_at).label("referred_at"),
            _first(ReferralState.hired).label("hired_at"),
            _first(ReferralState.left).label("left_at"),
            refused_at.label("refused_at"),
        )
        .join(ReferralEvent, ReferralEvent.referral_id == Referral.id)
        .group_by(Referral.id, Referral.laborer_id)
    )
    if laborer_ids is not None:
        query = query.where(Referral.laborer_id.in_(list(laborer_ids)))
    out: dict[int, list[tuple]] = {}
    for row in session.execute(query):
        out.setdefault(row.laborer_id, []).append(
            tuple(_aware(t) for t in (row.referred_at, row.hired_at, row.left_at, row.refused_at))
        )
    for steps in out.values():
        steps.sort(key=lambda s: s[0])
    return out


def past_outcomes(steps: list[tuple], until: datetime) -> tuple[int, int]:
    """(referrals with a known outcome, lasting hires) among those made before `until`, as known then.

    The ranker's `past_hire_rate` reads these, when training (as of the day of each referral) and when
    serving (as of now), so that both mean the same.
    """
    until = _aware(until)
    labelled = lasting = 0
    for referred_at, hired_at, left_at, refused_at in steps:
        if referred_at >= until:
            continue
        value = label(
            hired_at if hired_at is not None and hired_at <= until else None,
            left_at if left_at is not None and left_at <= until else None,
            refused_at is not None and refused_at <= until,
            until,
        )
        if value is not None:
            labelled += 1
            lasting += value
    return labelled, lasting


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes (stored as UTC): make them comparable with aware ones."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment

"""Referrals, hires, employments and subsidy claims: the rules, applied in one transaction each.

Every write here runs in `in_transaction`: all of it or nothing, retried when
the database reports a serialization failure or deadlock (PostgreSQL) or a
busy single writer (SQLite). Rows that concurrent requests compete for are
claimed with conditional UPDATEs whose row counts are checked, in this order:
the laborer, the referral, the household, the opening — so two hires never
take the last place twice, nor two full-time jobs or two public-welfare posts
of one household go through at once.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import sqlite3
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import aliased

from jobmatch import text
from jobmatch.accounts import audit
from jobmatch.accounts.scope import get_in_scope, restrict
from jobmatch.crud import flush_or_conflict, page_of_items
from jobmatch.errors import Collector, Conflict, FieldError, ValidationFailed
from jobmatch.extensions import db
from jobmatch.geo import province_of_place
from jobmatch.modelbase import current_actor_id, utcnow
from jobmatch.people.models import Household, Laborer, Region
from jobmatch.placements import duetable, history, lifecycle, queries, subsidies
from jobmatch.placements.lifecycle import CHINA_TZ, as_aware, local_date, start_of_day
from jobmatch.placements.models import Employment, Referral, ReferralEvent, SubsidyClaim
from jobmatch.placements.subsidies import Assessment, ClaimStatus, EmploymentFacts, SubsidyRule
from jobmatch.posts.models import Employer, Opening
from jobmatch.vocab import (
    LABELS_ZH,
    EmploymentKind,
    HouseholdCategory,
    OpeningKind,
    OpeningStatus,
    OutcomeReason,
    ReferralState,
    SubsidyPayee,
)

T = TypeVar("T")
S = ReferralState
logger = logging.getLogger(__name__)

# Concurrent writers: how often to try, the first pause between tries (doubled each time, with jitter) and the
# longest pause (under SERIALIZABLE, twenty hires racing for one opening took up to 5 tries in the tests).
MAX_ATTEMPTS = 12
RETRY_PAUSE_SECONDS = 0.01
RETRY_PAUSE_MAX_SECONDS = 0.2
# PostgreSQL's serialization_failure and deadlock_detected: the transaction may simply be run again.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
# Work a laborer finds without a referral; workshop and public-welfare posts have headcount and go by referral.
SELF_FOUND_KINDS = frozenset({EmploymentKind.local_enterprise, EmploymentKind.migrant, EmploymentKind.self_employed})
# Public-welfare posts are for households out of poverty or under monitoring, not `other` (SPEC §4).
PUBLIC_WELFARE_HOUSEHOLDS = frozenset(HouseholdCategory) - {HouseholdCategory.other}


# --- transactions --------------------------------------------------------------------------------------------------


def _retryable(exc: DBAPIError) -> bool:
    if getattr(exc.orig, "sqlstate", None) in RETRYABLE_SQLSTATES:
        return True
    return isinstance(exc.orig, sqlite3.OperationalError) and "locked" in str(exc.orig)


def in_transaction(work: Callable[[], T]) -> T:
    """Run `work` and commit; roll back on any error; run it again when a concurrent writer got in the way."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            result = work()
            db.session.commit()
            return result
        except DBAPIError as exc:
            db.session.rollback()
            if attempt == MAX_ATTEMPTS or not _retryable(exc):
                raise
            # The database's code only: its message may quote values.
            logger.info("retrying a transaction (attempt %d): %s", attempt, getattr(exc.orig, "sqlstate", "busy"))
            pause = min(RETRY_PAUSE_SECONDS * 2 ** (attempt - 1), RETRY_PAUSE_MAX_SECONDS)
            time.sleep(pause * (1 + random.random()))
        except BaseException:
            db.session.rollback()
            raise
    raise AssertionError("unreachable")


def _claim_laborer(laborer_id: int) -> None:
    """Hold the laborer's row until commit, so their employments change one request at a time.

    An UPDATE rather than SELECT … FOR UPDATE: it also takes SQLite's write lock before anything is read.
    """
    db.session.execute(
        sa.update(Laborer)
        .where(Laborer.id == laborer_id)
        .values(updated_at=utcnow(), updated_by_id=current_actor_id())
        .execution_options(synchronize_session=False)
    )


def _claim_household(household_id: int) -> None:
    """Hold the household's row until commit (one public-welfare post per household)."""
    db.session.execute(
        sa.update(Household)
        .where(Household.id == household_id)
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


# --- descriptions for messages ---------------------------------------------------------------------------------------


def describe(employment: Employment) -> tuple[str, str]:
    """Where someone works, for messages: the employer, workshop or place, and since when (zh, en)."""
    place = (
        (employment.workshop.name if employment.workshop else None)
        or (employment.employer.name if employment.employer else None)
        or (employment.opening.title if employment.opening else None)
        or employment.site_name
        or LABELS_ZH.get(employment.kind.value, employment.kind.value)
    )
    return (
        f"{place}（就业记录 #{employment.id}，{employment.start_date:%Y-%m-%d} 起）",
        f"{place} (employment #{employment.id}, since {employment.start_date:%Y-%m-%d})",
    )


def _open_overlapping(query: sa.Select, start: date) -> sa.Select:
    """Employments covering some day from `start` on (jobmatch.placements.history: a job that ended on the day
    another began does not count)."""
    return query.where(history.overlapping_from(start))


def _held(query: sa.Select, start: date) -> Employment | None:
    return db.session.execute(_open_overlapping(query, start).order_by(Employment.start_date)).scalars().first()


def _refuse_held(held: Employment, code: str, zh: str, en: str, field: str) -> None:
    where_zh, where_en = describe(held)
    raise Conflict(
        [FieldError(field, code, f"{zh}：{where_zh}", f"{en}: {where_en}")],
        extra={"current_employment_id": held.id},
    )


def check_can_take(
    laborer: Laborer,
    kind: EmploymentKind,
    full_time: bool,
    start: date,
    field: str = "laborer_id",
    excluding: int | None = None,
) -> None:
    """One full-time job per laborer, one public-welfare post per household, no public-welfare post while away as a
    migrant worker — on every day from `start` on (a back-dated start is checked on its dates): 409 naming the job.
    `excluding`: an employment being reopened, not to be held against itself."""
    mine = sa.select(Employment).where(Employment.laborer_id == laborer.id, Employment.id != (excluding or 0))
    if full_time:
        held = _held(mine.where(Employment.full_time.is_(True)), start)
        if held is not None:
            _refuse_held(
                held,
                "already_employed_full_time",
                f"该劳动力在 {start:%Y-%m-%d} 起已有全职工作",
                f"the laborer already has a full-time job on or after {start}",
                field,
            )
    if kind == EmploymentKind.public_welfare:
        held = _held(mine.where(Employment.kind == EmploymentKind.migrant), start)
        if held is not None:
            _refuse_held(
                held,
                "migrant_then",
                f"该劳动力在 {start:%Y-%m-%d} 起外出务工，不能同时占用公益性岗位",
                f"the laborer works away as a migrant on or after {start} and cannot also hold a public-welfare post",
                field,
            )
    if kind == EmploymentKind.migrant:
        held = _held(mine.where(Employment.kind == EmploymentKind.public_welfare), start)
        if held is not None:
            _refuse_held(
                held,
                "public_welfare_then",
                f"该劳动力在 {start:%Y-%m-%d} 起占用公益性岗位，不能同时外出务工",
                f"the laborer holds a public-welfare post on or after {start} and cannot also work away as a migrant",
                field,
            )
    if kind == EmploymentKind.public_welfare:
        members = sa.select(Laborer.id).where(Laborer.household_id == laborer.household_id)
        held = _held(
            sa.select(Employment).where(
                Employment.laborer_id.in_(members),
                Employment.kind == EmploymentKind.public_welfare,
                Employment.id != (excluding or 0),
            ),
            start,
        )
        if held is not None:
            where_zh, where_en = describe(held)
            raise Conflict(
                [
                    FieldError(
                        field,
                        "household_has_public_welfare_post",
                        f"本户已有公益性岗位（一户一岗）：{held.laborer.name}，{where_zh}",
                        f"the household already holds a public-welfare post: {where_en}",
                    )
                ],
                extra={"current_employment_id": held.id},
            )


def check_places(opening: Opening, start: date, field: str) -> None:
    """A hire from `start` must find a free place on every day from then on (a back-dated hire on its dates)."""
    most, day = history.most_held_from(opening.id, start)
    if most >= opening.headcount:
        raise Conflict(
            [
                FieldError(
                    field,
                    "no_places_then",
                    f"该岗位在 {day:%Y-%m-%d} 已有 {most} 人在岗（共 {opening.headcount} 个名额），不能再录用",
                    f"on {day} the post already had {most} people in its {opening.headcount} places",
                )
            ],
            "No places left on that date",
            "该日期岗位已满员",
        )


def sync_employment_status(laborer: Laborer) -> None:
    """Set the laborer's status from their open employments, and audit the change."""
    jobs = db.session.execute(
        sa.select(Employment.kind, Employment.full_time).where(
            Employment.laborer_id == laborer.id, Employment.end_date.is_(None)
        )
    ).all()
    status = lifecycle.employment_status((kind, full_time) for kind, full_time in jobs)
    if laborer.employment_status != status:
        audit.record(
            "update",
            "laborers",
            laborer.id,
            {"employment_status": {"from": laborer.employment_status.value, "to": status.value}},
        )
        laborer.employment_status = status


# --- referrals ---------------------------------------------------------------------------------------------------


def _step_moment(data: dict, previous: datetime | None) -> tuple[datetime, datetime]:
    """The step's occurred_at (default: now, never before the previous step) and the server's now."""
    now = utcnow()
    if data.get("occurred_at") is None:
        return (max(now, previous) if previous else now), now
    return as_aware(data["occurred_at"]), now


def _record_step(
    referral: Referral,
    to: ReferralState,
    occurred_at: datetime,
    reason: OutcomeReason | None = None,
    note: str | None = None,
) -> ReferralEvent:
    """Move a referral one step, if no one else moved it meanwhile, and write the step down."""
    before = referral.state
    moved = db.session.execute(
        sa.update(Referral)
        .where(Referral.id == referral.id, Referral.state == before)
        .values(
            state=to, state_since=occurred_at, reason_code=reason, updated_at=utcnow(), updated_by_id=current_actor_id()
        )
        .execution_options(synchronize_session="evaluate")
    )
    if moved.rowcount != 1:
        raise Conflict(
            [
                FieldError(
                    "to",
                    "changed_meanwhile",
                    "该推荐刚被他人更新，请刷新后重试",
                    "someone else updated this referral just now; reload and try again",
                )
            ]
        )
    event = ReferralEvent(
        referral_id=referral.id, from_state=before, to_state=to, occurred_at=occurred_at, reason_code=reason, note=note
    )
    db.session.add(event)
    return event


def _obsolete_other_referrals(laborer_id: int, hired_referral_id: int | None, hired_at: datetime) -> None:
    """A laborer hired anywhere: their other referrals still under way become obsolete, each with its step."""
    # Locked and read afresh (PostgreSQL), so a step recorded on one of them meanwhile is seen, not overwritten.
    others = db.session.execute(
        sa.select(Referral)
        .where(
            Referral.laborer_id == laborer_id,
            Referral.state.in_(lifecycle.UNDER_WAY),
            Referral.id != (hired_referral_id or 0),
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalars()
    note = f"已在其他岗位录用（推荐 #{hired_referral_id}）" if hired_referral_id else "已另行就业"
    for other in others:
        was = other.state
        _record_step(other, S.obsolete, max(hired_at, other.state_since), note=note)
        audit.record("update", "referrals", other.id, {"state": {"from": was.value, "to": S.obsolete.value}})


def _clean_note(data: dict, errors: Collector) -> str | None:
    note = text.normalize_optional(data.get("note"))
    lifecycle.check_note(errors, note)
    return note


def create_referral(data: dict) -> Referral:
    """Propose a laborer for an opening (推荐): the first step, recommended; with `to`, the steps after it too
    (推荐 and 已录用 in one request, each step with its own occurred_at)."""
    return in_transaction(lambda: _create_with_outcome(data))


def _create_with_outcome(data: dict) -> Referral:
    to = data.get("to") or S.recommended.value
    if to == S.recommended.value:
        return _create_referral(data)
    steps_at = dict(data.get("steps_at") or {})
    first = {k: v for k, v in data.items() if k in ("laborer_id", "opening_id", "score")}
    if steps_at.get(S.recommended.value) is not None:
        first["occurred_at"] = steps_at.pop(S.recommended.value)
    else:
        # Not given: with the first later step whose time is known.
        known = [as_aware(v) for v in [*steps_at.values(), data.get("occurred_at")] if v is not None]
        if known:
            first["occurred_at"] = min(*known, utcnow())
    steps_at.pop(S.recommended.value, None)
    try:
        referral = _create_referral(first)
    except ValidationFailed as refused:
        # The first step's time is steps_at.recommended here: say so, not occurred_at (the last step's).
        refused.errors = [
            dataclasses.replace(e, field=f"steps_at.{S.recommended.value}") if e.field == "occurred_at" else e
            for e in refused.errors
        ]
        raise
    rest = {k: data.get(k) for k in ("to", "occurred_at", "reason_code", "note", "start_date")}
    _advance(referral, rest | {"steps_at": steps_at})
    return referral


def _create_referral(data: dict) -> Referral:
    laborer = get_in_scope(Laborer, data["laborer_id"], "Laborer", "劳动力")
    opening = get_in_scope(Opening, data["opening_id"], "Opening", "岗位")
    occurred_at, now = _step_moment(data, None)
    errors = Collector()
    lifecycle.check_moment(errors, occurred_at, None, now)
    note = _clean_note(data, errors)
    if opening.kind == OpeningKind.public_welfare and laborer.household.category not in PUBLIC_WELFARE_HOUSEHOLDS:
        errors.add(
            "laborer_id",
            "not_eligible",
            "公益性岗位仅面向脱贫户和监测户的劳动力",
            "public-welfare posts are for laborers of households out of poverty or under monitoring",
        )
    errors.raise_if_any()

    if opening.status != OpeningStatus.open:
        raise Conflict([FieldError("opening_id", "opening_closed", "该岗位已关闭", "the opening is closed")])
    if opening.filled:
        raise Conflict([FieldError("opening_id", "opening_filled", "该岗位已满员", "every place is taken")])
    if opening.deadline is not None and local_date(occurred_at) > opening.deadline:
        raise Conflict(
            [
                FieldError(
                    "opening_id",
                    "past_deadline",
                    f"该岗位已过截止日期（{opening.deadline:%Y-%m-%d}）",
                    f"the opening's deadline ({opening.deadline}) has passed",
                )
            ]
        )
    existing = db.session.execute(
        sa.select(Referral).where(
            Referral.laborer_id == laborer.id,
            Referral.opening_id == opening.id,
            Referral.state.in_(lifecycle.OPEN_STATES),
        )
    ).scalar_one_or_none()
    if existing is not None:
        raise Conflict(
            [
                FieldError(
                    "opening_id",
                    "duplicate_referral",
                    f"该劳动力已推荐到此岗位（推荐 #{existing.id}，{lifecycle.STATE_ZH[existing.state]}）",
                    f"the laborer already has an open referral to this opening (#{existing.id}, {existing.state})",
                )
            ],
            extra={"existing_referral_id": existing.id},
        )

    referral = Referral(
        laborer_id=laborer.id,
        opening_id=opening.id,
        state=S.recommended,
        state_since=occurred_at,
        score=data.get("score"),
        note=note,
    )
    db.session.add(referral)
    flush_or_conflict()  # the partial unique index settles a race between two identical requests
    db.session.add(ReferralEvent(referral_id=referral.id, to_state=S.recommended, occurred_at=occurred_at, note=note))
    audit.record(
        "create",
        "referrals",
        referral.id,
        {"laborer_id": laborer.id, "opening_id": opening.id, "state": S.recommended.value},
    )
    return referral


def transition(referral_id: int, data: dict) -> Referral:
    """Record the next step of a referral (and what follows from it: a hire, a leaver)."""
    return in_transaction(lambda: _transition(referral_id, data))


def _transition(referral_id: int, data: dict) -> Referral:
    referral = get_in_scope(Referral, referral_id, "Referral", "推荐")
    _advance(referral, data)
    return referral


def _advance(referral: Referral, data: dict) -> None:
    """Record the steps from the referral's state to `to`: one step, or several along the lifecycle at once
    (已推荐 straight to 已录用), each with its own occurred_at (`steps_at`, default: the last step's moment)."""
    to = ReferralState(data["to"])
    path = lifecycle.path_to(referral.state, to)
    given = data.get("steps_at") or {}
    if path is None or (len(path) > 1 and not given):
        # Several steps at once only when the caller names the steps between (steps_at), so a slip is refused.
        lifecycle.check_step(referral.state, to)  # raises, naming the allowed next states
    moment, now = _step_moment(data, referral.state_since)
    reason = OutcomeReason(data["reason_code"]) if data.get("reason_code") else None
    errors = Collector()
    between = [s.value for s in path[:-1]]
    for state in given:
        if state not in between:
            errors.add(
                f"steps_at.{state}",
                "not_on_the_way",
                f"「{lifecycle.STATE_ZH[ReferralState(state)]}」不在本次经过的中间步骤之中",
                f"{state} is not a step between {referral.state} and {to}",
            )
    for state in between:
        if state not in given:
            errors.add(
                f"steps_at.{state}",
                "required",
                f"请给出「{lifecycle.STATE_ZH[ReferralState(state)]}」的时间（null 为与其后一步同时）",
                f"give when {state} happened (null: with the step after it)",
            )
    # A step between given as null happened with the next step whose time is known (at the latest, the last).
    known: list[datetime | None] = [
        moment if state == to else (as_aware(given[state.value]) if given.get(state.value) else None) for state in path
    ]
    for i in range(len(known) - 2, -1, -1):
        if known[i] is None:
            known[i] = min(known[i + 1], now)
    moments: list[datetime] = []
    previous = referral.state_since
    for state, at in zip(path, known, strict=True):
        field = "occurred_at" if state == to else f"steps_at.{state.value}"
        if state != to and not given.get(state.value):
            at = max(at, previous)
        step_errors = Collector()
        lifecycle.check_moment(step_errors, at, previous, now)
        for error in step_errors.errors:
            errors.add(field, error.code, error.zh, error.en)
        moments.append(at)
        previous = max(previous, at)
    lifecycle.check_reason(errors, to, reason)
    note = _clean_note(data, errors)
    start = data.get("start_date")
    if start is not None and S.hired not in path:
        errors.add("start_date", "not_applicable", "只有录用时才填写上岗日期", "start_date is for hires only")
    elif start is not None:
        hired_on = local_date(moments[path.index(S.hired)])
        if start < hired_on:
            errors.add(
                "start_date",
                "before_hire",
                f"上岗日期不能早于录用日期（{hired_on:%Y-%m-%d}）",
                f"start_date cannot be before the hire ({hired_on})",
            )
        elif start > datetime.now(CHINA_TZ).date() + timedelta(days=lifecycle.MAX_START_AHEAD_DAYS):
            errors.add(
                "start_date",
                "too_far_ahead",
                f"上岗日期不能晚于 {lifecycle.MAX_START_AHEAD_DAYS} 天后",
                f"start_date can be at most {lifecycle.MAX_START_AHEAD_DAYS} days ahead",
            )
    errors.raise_if_any()

    if S.hired in path or S.left in path:
        _claim_laborer(referral.laborer_id)
    for state, at in zip(path, moments, strict=True):
        last = state == to
        was = referral.state
        _record_step(referral, state, at, reason if last else None, note if last else None)
        if state == S.hired:
            _hire(referral, at, start, field="start_date" if start is not None else "occurred_at")
        elif state == S.left:
            job = db.session.execute(
                sa.select(Employment).where(Employment.referral_id == referral.id, Employment.end_date.is_(None))
            ).scalar_one_or_none()
            if job is not None:
                _end(job, local_date(at), reason, note, field="occurred_at")
        changes = {"state": {"from": was.value, "to": state.value}, "occurred_at": at.isoformat()}
        if last and reason is not None:
            changes["reason_code"] = reason.value
        if state == S.hired and start is not None:
            changes["start_date"] = start.isoformat()
        audit.record("update", "referrals", referral.id, changes)


def undo_last_step(referral_id: int) -> Referral:
    """Take back a referral's last step, within a day of recording it (audited): the referral returns to the
    state before it; an undone hire gives its place back, removes the employment it started and revives the
    referrals it made obsolete; an undone leaving reopens the employment, if its place is still free."""
    return in_transaction(lambda: _undo_last_step(referral_id))


def _undo_refused(code: str, zh: str, en: str) -> Conflict:
    return Conflict([FieldError("step", code, zh, en)], "Step cannot be undone", "这一步不能撤销")


def _undo_last_step(referral_id: int) -> Referral:
    referral = get_in_scope(Referral, referral_id, "Referral", "推荐")
    events = list(referral.events)
    last = max(events, key=lambda e: (as_aware(e.occurred_at), e.id))
    if len(events) < 2 or last.from_state is None:
        raise _undo_refused(
            "first_step",
            "推荐是第一步，不能撤销；可记录「已撤回」",
            "the referral itself cannot be undone: withdraw it",
        )
    if last.to_state == S.obsolete:
        raise _undo_refused("system_step", "「已失效」由系统记录，不能撤销", "obsolete is the system's step")
    recorded = as_aware(last.created_at)
    if utcnow() - recorded > lifecycle.UNDO_WINDOW:
        shown = recorded.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
        raise _undo_refused(
            "too_late",
            f"只能撤销一天内记录的步骤（这一步记录于 {shown}）",
            f"only a step recorded within a day can be undone (this one was recorded at {recorded.isoformat()})",
        )
    before = [e for e in events if e.id != last.id]
    previous = max(before, key=lambda e: (as_aware(e.occurred_at), e.id))
    changes: dict = {
        "undone": {
            "event_id": last.id,
            "to_state": last.to_state.value,
            "occurred_at": as_aware(last.occurred_at).isoformat(),
        },
        "state": {"from": last.to_state.value, "to": last.from_state.value},
    }
    if last.to_state == S.hired:
        _claim_laborer(referral.laborer_id)
        changes["employment_removed"] = _unhire(referral)
    elif last.to_state == S.left:
        _claim_laborer(referral.laborer_id)
        changes["employment_reopened"] = _unleave(referral)
    moved = db.session.execute(
        sa.update(Referral)
        .where(Referral.id == referral.id, Referral.state == last.to_state)
        .values(
            state=last.from_state,
            state_since=previous.occurred_at,
            reason_code=previous.reason_code,
            updated_at=utcnow(),
            updated_by_id=current_actor_id(),
        )
        .execution_options(synchronize_session="evaluate")
    )
    if moved.rowcount != 1:
        raise _undo_refused(
            "changed_meanwhile", "该推荐刚被他人更新，请刷新后重试", "someone else updated this referral just now"
        )
    db.session.delete(last)
    db.session.flush()
    db.session.expire(referral, ["events"])
    audit.record("undo", "referrals", referral.id, changes)
    if last.to_state in (S.hired, S.left):
        sync_employment_status(referral.laborer)
        _after_work_changed(referral.laborer.household_id)
    return referral


def _unleave(referral: Referral) -> int | None:
    """Reopen the employment an undone leaving ended: its place is taken again, and the laborer must still be free
    to hold it (no full-time job or public-welfare post taken meanwhile)."""
    job = db.session.execute(
        sa.select(Employment)
        .where(Employment.referral_id == referral.id, Employment.end_date.is_not(None))
        .order_by(Employment.end_date.desc(), Employment.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if job is None:
        return None
    check_can_take(job.laborer, job.kind, job.full_time, job.start_date, field="step", excluding=job.id)
    if job.opening_id is not None:
        took = db.session.execute(
            sa.update(Opening)
            .where(Opening.id == job.opening_id, Opening.remaining_headcount > 0)
            .values(remaining_headcount=Opening.remaining_headcount - 1)
            .execution_options(synchronize_session=False)
        )
        if took.rowcount != 1:
            raise _undo_refused(
                "no_places_left",
                "该岗位名额已被他人占用，不能撤销离职",
                "the place has been taken by someone else since: the leaving cannot be undone",
            )
        db.session.refresh(referral.opening)
    job.end_date, job.end_reason, job.end_note = None, None, None
    audit.record("update", "employments", job.id, {"end_date": None, "undone_leaving": True})
    db.session.flush()
    return job.id


def _unhire(referral: Referral) -> int | None:
    """Remove the employment an undone hire started, give its place back, revive the referrals it made obsolete."""
    job = db.session.execute(
        sa.select(Employment).where(Employment.referral_id == referral.id, Employment.end_date.is_(None))
    ).scalar_one_or_none()
    if job is None:
        return None
    claimed = db.session.execute(sa.select(SubsidyClaim.id).where(SubsidyClaim.employment_id == job.id)).first()
    from workshops.models import Attendance

    attended = db.session.execute(sa.select(Attendance.id).where(Attendance.employment_id == job.id)).first()
    if claimed is not None or attended is not None:
        raise _undo_refused(
            "employment_in_use",
            "该就业已有考勤或补贴申领记录，不能撤销录用；请登记离职",
            "the employment already has attendance or a subsidy claim: record the leaving instead",
        )
    db.session.execute(
        sa.update(Opening)
        .where(Opening.id == job.opening_id, Opening.remaining_headcount < Opening.headcount)
        .values(remaining_headcount=Opening.remaining_headcount + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(referral.opening)
    note = f"已在其他岗位录用（推荐 #{referral.id}）"
    revived = db.session.execute(
        sa.select(ReferralEvent)
        .join(Referral, Referral.id == ReferralEvent.referral_id)
        .where(Referral.state == S.obsolete, ReferralEvent.to_state == S.obsolete, ReferralEvent.note == note)
    ).scalars()
    for event in revived:
        other = event.referral
        earlier = [e for e in other.events if e.id != event.id]
        if not earlier:
            continue
        back = max(earlier, key=lambda e: (as_aware(e.occurred_at), e.id))
        other.state, other.state_since, other.reason_code = event.from_state, back.occurred_at, back.reason_code
        audit.record(
            "undo",
            "referrals",
            other.id,
            {"state": {"from": S.obsolete.value, "to": event.from_state.value}, "undone": {"event_id": event.id}},
        )
        db.session.delete(event)
    audit.record("delete", "employments", job.id, {"referral_id": referral.id, "undone_hire": True})
    job_id = job.id
    db.session.delete(job)
    db.session.flush()
    return job_id


def _site_in_home_county(opening: Opening, laborer: Laborer) -> bool:
    """The opening's site lies in the laborer's home county (a site known only by coordinates is away)."""
    return opening.region is not None and opening.region.code[:6] == laborer.household.village.code[:6]


def _hire(referral: Referral, hired_at: datetime, start: date | None = None, field: str = "occurred_at") -> Employment:
    """Take a place, start the employment (on `start`, default the hire's day), and make the laborer's other
    referrals obsolete. The laborer's jobs and the post's places are checked on the days the job covers."""
    laborer, opening = referral.laborer, referral.opening
    start = start or local_date(hired_at)
    if opening.kind == OpeningKind.public_welfare:
        _claim_household(laborer.household_id)
    took = db.session.execute(
        sa.update(Opening)
        .where(Opening.id == opening.id, Opening.remaining_headcount > 0, Opening.status == OpeningStatus.open)
        .values(remaining_headcount=Opening.remaining_headcount - 1, updated_by_id=current_actor_id())
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(opening)
    if took.rowcount != 1:
        if opening.status != OpeningStatus.open:
            raise Conflict([FieldError("to", "opening_closed", "该岗位已关闭，不能录用", "the opening is closed")])
        raise Conflict(
            [
                FieldError(
                    "to",
                    "no_places_left",
                    f"该岗位名额已满（共 {opening.headcount} 人），不能再录用",
                    f"no places left: all {opening.headcount} are taken",
                )
            ],
            "No places left",
            "岗位已满员",
            extra={"remaining_headcount": 0},
        )
    kind = lifecycle.employment_kind(opening.kind, _site_in_home_county(opening, laborer))
    full_time = lifecycle.is_full_time(opening.kind, opening.working_pattern)
    check_can_take(laborer, kind, full_time, start, field)
    check_places(opening, start, field)
    job = Employment(
        laborer_id=laborer.id,
        kind=kind,
        opening_id=opening.id,
        employer_id=opening.employer_id,
        workshop_id=opening.workshop_id,
        referral_id=referral.id,
        full_time=full_time,
        start_date=start,
        # The offer's floor: what the employer committed to (the actual pay is the employer's payroll).
        wage=opening.wage_min if opening.wage_min is not None else opening.wage_max,
        wage_unit=opening.wage_unit,
    )
    db.session.add(job)
    flush_or_conflict()
    audit.record(
        "create",
        "employments",
        job.id,
        {"laborer_id": laborer.id, "kind": kind.value, "opening_id": opening.id, "start_date": start.isoformat()},
    )
    _obsolete_other_referrals(laborer.id, referral.id, hired_at)
    sync_employment_status(laborer)
    _after_work_changed(laborer.household_id)
    return job


# --- employments -------------------------------------------------------------------------------------------------


def _end(job: Employment, end_date: date, reason: OutcomeReason | None, note: str | None, field: str) -> None:
    """Close an employment; give its place back to the opening; keep the laborer's status in step."""
    if end_date < job.start_date:
        raise ValidationFailed(
            [
                FieldError(
                    field,
                    "before_start",
                    f"离职日期不能早于上岗日期（{job.start_date:%Y-%m-%d}）",
                    f"the end cannot be before the start of the employment ({job.start_date})",
                )
            ]
        )
    ended = db.session.execute(
        sa.update(Employment)
        .where(Employment.id == job.id, Employment.end_date.is_(None))
        .values(
            end_date=end_date, end_reason=reason, end_note=note, updated_at=utcnow(), updated_by_id=current_actor_id()
        )
        .execution_options(synchronize_session="evaluate")
    )
    if ended.rowcount != 1:
        raise Conflict(
            [FieldError("end_date", "already_ended", "该就业记录已结束", "the employment has already ended")]
        )
    if job.opening_id is not None:
        # Places count the people holding them now: a leaver's place is open again.
        db.session.execute(
            sa.update(Opening)
            .where(Opening.id == job.opening_id, Opening.remaining_headcount < Opening.headcount)
            .values(remaining_headcount=Opening.remaining_headcount + 1)
            .execution_options(synchronize_session=False)
        )
        opening = db.session.get(Opening, job.opening_id)
        if opening is not None:
            db.session.refresh(opening)
    audit.record(
        "update",
        "employments",
        job.id,
        {"end_date": end_date.isoformat(), "end_reason": reason.value if reason else None},
    )
    sync_employment_status(job.laborer)
    _after_work_changed(job.laborer.household_id)


def _after_work_changed(household_id: int) -> None:
    """Alerts follow a household's work at once: an ending raises "employment ended" (and a monitored
    household's last job), a start closes "no one employed"; the daily run covers the rest."""
    from jobmatch.monitoring import service as monitoring

    monitoring.after_event(household_id)


def end_employment(employment_id: int, data: dict) -> Employment:
    """End an employment (left, or the job ended); a referral that led to it records its `left` step."""
    return in_transaction(lambda: _end_employment(employment_id, data))


def _end_employment(employment_id: int, data: dict) -> Employment:
    job = get_in_scope(Employment, employment_id, "Employment", "就业记录")
    end_date: date = data["end_date"]
    reason = OutcomeReason(data["reason_code"]) if data.get("reason_code") else None
    errors = Collector()
    if job.end_date is not None:
        raise Conflict(
            [
                FieldError(
                    "end_date",
                    "already_ended",
                    f"该就业记录已于 {job.end_date:%Y-%m-%d} 结束",
                    f"the employment already ended on {job.end_date}",
                )
            ]
        )
    if end_date > datetime.now(CHINA_TZ).date():
        errors.add("end_date", "in_future", "结束日期不能晚于今天", "end_date cannot lie in the future")
    elif end_date < job.start_date:
        errors.add(
            "end_date",
            "before_start",
            f"结束日期不能早于上岗日期（{job.start_date:%Y-%m-%d}）",
            f"end_date cannot be before the start ({job.start_date})",
        )
    if reason is None:
        errors.add("reason_code", "required", "请选择离职原因", "a reason is required")
    note = _clean_note(data, errors)
    errors.raise_if_any()

    _claim_laborer(job.laborer_id)
    referral = db.session.get(Referral, job.referral_id) if job.referral_id else None
    if referral is not None and referral.state == S.hired:
        _record_step(referral, S.left, max(referral.state_since, start_of_day(end_date)), reason, note)
        audit.record("update", "referrals", referral.id, {"state": {"from": S.hired.value, "to": S.left.value}})
    _end(job, end_date, reason, note, field="end_date")
    return job


def create_employment(data: dict) -> Employment:
    """Record work a laborer found without a referral (migrant work, a local firm, their own business)."""
    return in_transaction(lambda: _create_employment(data))


def _create_employment(data: dict) -> Employment:
    laborer = get_in_scope(Laborer, data["laborer_id"], "Laborer", "劳动力")
    kind = EmploymentKind(data["kind"])
    start: date = data["start_date"]
    errors = Collector()
    if kind not in SELF_FOUND_KINDS:
        errors.add(
            "kind",
            "needs_referral",
            "帮扶车间和公益性岗位有名额限制，请通过推荐录用",
            "workshop and public-welfare posts have headcount: record them by referral",
        )
    if start > datetime.now(CHINA_TZ).date():
        errors.add("start_date", "in_future", "上岗日期不能晚于今天", "start_date cannot lie in the future")
    employer_id = data.get("employer_id")
    if employer_id is not None:
        found = db.session.execute(restrict(sa.select(Employer.id).where(Employer.id == employer_id), Employer))
        if found.first() is None:
            errors.add("employer_id", "not_found", "用工主体不存在", "no such employer")
    wage = data.get("wage")
    if wage is not None and wage < 0:
        errors.add("wage", "out_of_range", "工资不能为负", "wage cannot be negative")
    if wage is not None and not data.get("wage_unit"):
        errors.add("wage_unit", "required", "请填写工资单位", "give the wage unit")
    site_name = text.normalize_optional(data.get("site_name"))
    if site_name is not None and len(site_name) > 128:
        errors.add("site_name", "too_long", "不能超过 128 个字", "must be at most 128 characters")
    errors.raise_if_any()

    full_time = data.get("full_time", True)
    _claim_laborer(laborer.id)
    check_can_take(laborer, kind, full_time, start)
    job = Employment(
        laborer_id=laborer.id,
        kind=kind,
        employer_id=employer_id,
        full_time=full_time,
        start_date=start,
        wage=wage,
        wage_unit=data.get("wage_unit") if wage is not None else None,
        site_name=site_name,
    )
    db.session.add(job)
    flush_or_conflict()
    audit.record(
        "create",
        "employments",
        job.id,
        {"laborer_id": laborer.id, "kind": kind.value, "start_date": start.isoformat(), "full_time": full_time},
    )
    _obsolete_other_referrals(laborer.id, None, start_of_day(start))
    sync_employment_status(laborer)
    _after_work_changed(laborer.household_id)
    return job


# --- subsidy claims ------------------------------------------------------------------------------------------------


def subsidy_rules() -> dict[str, SubsidyRule]:
    """The rules table of this deployment (defaults plus the SUBSIDY_RULES setting)."""
    return subsidies.rules_from_config(current_app.config.get("SUBSIDY_RULES"))


SiteRegion = aliased(Region)
HomeVillage = aliased(Region)


def _facts_query() -> sa.Select:
    """Employments in scope with what the rules look at."""
    return restrict(
        sa.select(Employment, Household.category, HomeVillage.code, Employer.kind, SiteRegion.code, Opening.site_name)
        .join(Laborer, Employment.laborer_id == Laborer.id)
        .join(Household, Laborer.household_id == Household.id)
        .join(HomeVillage, Household.village_id == HomeVillage.id)
        .outerjoin(Employer, Employment.employer_id == Employer.id)
        .outerjoin(Opening, Employment.opening_id == Opening.id)
        .outerjoin(SiteRegion, Opening.region_id == SiteRegion.id),
        Employment,
    )


def _work_province(
    site_code: str | None, opening_id: int | None, opening_site: str | None, site_name: str | None
) -> str | None:
    """Where the work is: the post's region, else the place named on the post or, without a post, on the job."""
    if site_code:
        return site_code[:2]
    return province_of_place(opening_site if opening_id is not None else site_name)


def _facts(row) -> EmploymentFacts:
    job, category, home_code, employer_kind, site_code, opening_site = row
    return EmploymentFacts(
        employment_id=job.id,
        laborer_id=job.laborer_id,
        household_category=category,
        kind=job.kind,
        employer_kind=employer_kind,
        home_province=home_code[:2],
        work_province=_work_province(site_code, job.opening_id, opening_site, job.site_name),
        start_date=job.start_date,
        end_date=job.end_date,
    )


def _candidate_facts(row: sa.Row) -> EmploymentFacts:
    """The facts of a row of queries.due_claims."""
    return EmploymentFacts(
        employment_id=row.id,
        laborer_id=row.laborer_id,
        household_category=row.category,
        kind=row.kind,
        employer_kind=row.employer_kind,
        home_province=row.home_code[:2],
        work_province=_work_province(row.site_code, row.opening_id, row.opening_site, row.site_name),
        start_date=row.start_date,
        end_date=row.end_date,
    )


def _due_item(row: sa.Row, facts: EmploymentFacts, assessment: Assessment, as_of: date) -> dict:
    """A claim due for one employment (a row of queries.due_claims), with its evidence."""
    rule = assessment.rule
    last_day = min(facts.end_date, as_of) if facts.end_date else as_of
    warnings = []
    if assessment.lapsing_soon:
        warnings.append(
            {
                "code": "lapsing_soon",
                "zh": f"还有 {assessment.days_left} 天逾期，请尽快申领（{assessment.lapses_on:%Y-%m-%d} 截止）",
                "en": f"lapses in {assessment.days_left} days, on {assessment.lapses_on}",
            }
        )
    return {
        "rule_code": rule.code,
        "rule_name": rule.name_zh,
        "rule_name_en": rule.name_en,
        "amount_cny": rule.amount_cny,
        "payee": rule.payee.value,
        "laborer_id": row.laborer_id,
        "laborer_name": row.laborer_name,
        "employment_id": row.id,
        "employer_id": row.employer_id,
        "employer_name": row.employer_name,
        "due_on": assessment.due_on,
        "lapses_on": assessment.lapses_on,
        "days_left": assessment.days_left,
        "lapsing_soon": assessment.lapsing_soon,
        "warnings": warnings,
        "evidence": {
            "kind": row.kind.value,
            "start_date": row.start_date,
            "end_date": row.end_date,
            "months_employed": subsidies.months_between(row.start_date, last_day),
            "workshop_name": row.workshop_name,
            "home_province": facts.home_province,
            "work_province": facts.work_province,
            # Attendance sheets will back workshop employments once attendance is kept (SPEC §6).
            "attendance_days": None,
        },
    }


def _due(f: dict) -> tuple[sa.Subquery | None, dict[str, SubsidyRule], date, date]:
    """The due claims as a subquery (queries.due_claims), the rules, the day, and the first day a claim lapsing
    on is no longer flagged as lapsing soon. Brings the candidate rows up to date first (duetable.refresh)."""
    as_of: date = f.get("as_of") or datetime.now(CHINA_TZ).date()
    every_rule = subsidy_rules()
    duetable.refresh(list(every_rule.values()))
    rules = every_rule
    if f.get("rule_code"):
        rules = {code: rule for code, rule in rules.items() if code == f["rule_code"]}
    not_soon = as_of + timedelta(days=subsidies.LAPSE_WARNING_DAYS + 1)
    return queries.due_claims(list(rules.values()), as_of, f), rules, as_of, not_soon


def _due_row_item(row: sa.Row, rules: dict[str, SubsidyRule], as_of: date) -> dict:
    facts = _candidate_facts(row)
    return _due_item(row, facts, subsidies.assess(rules[row.rule_code], facts, as_of), as_of)


def due_claims(f: dict) -> list[dict]:
    """Claims that may be made now and have not been: one per laborer and rule, the most urgent first.

    The database applies the rules (queries.due_claims): of a laborer's due employments the earliest counts.
    The whole list, for exports and the rules' tests; pages read due_claims_page.
    """
    due, rules, as_of, not_soon = _due(f)
    if due is None:
        return []
    query = queries.with_details(due).order_by(*queries.due_order(due))
    if f.get("lapsing_soon"):
        query = query.where(due.c.lapses_on < not_soon)
    return [_due_row_item(row, rules, as_of) for row in db.session.execute(query)]


def due_claim_counts(f: dict) -> dict:
    """How many claims are due, how many of them lapse soon, and what they come to."""
    due, rules, _, not_soon = _due(f)
    return _due_counts(due, rules, not_soon)


def _due_counts(due: sa.Subquery | None, rules: dict[str, SubsidyRule], not_soon: date) -> dict:
    counts = {"due": 0, "lapsing": 0, "amount": Decimal(0)}
    if due is None:
        return counts
    lapsing = sa.func.sum(sa.case((due.c.lapses_on < not_soon, 1), else_=0))
    for code, n, soon in db.session.execute(
        sa.select(due.c.rule_code, sa.func.count(), lapsing).group_by(due.c.rule_code)
    ):
        counts["due"] += n
        counts["lapsing"] += int(soon or 0)
        counts["amount"] += rules[code].amount_cny * n
    return counts


def due_claims_page(f: dict, page: int, per_page: int) -> dict:
    """One page of due_claims(f) in page_of's shape, with the `counts` of due_claim_counts({…f, lapsing_soon:
    False}), read in one statement while the page has rows: the page is found among the due claims alone, and
    only its rows are joined with what a shown claim needs (queries.with_details)."""
    due, rules, as_of, not_soon = _due(f)
    if due is None:
        return page_of_items([], page, per_page) | {"counts": {"due": 0, "lapsing": 0, "amount": Decimal(0)}}
    codes = list(rules)
    soon = sa.func.sum(sa.case((due.c.lapses_on < not_soon, 1), else_=0)).over().label("all_lapsing")
    per_rule = [
        sa.func.sum(sa.case((due.c.rule_code == code, 1), else_=0)).over().label(f"all_{i}")
        for i, code in enumerate(codes)
    ]
    counted = sa.select(due, soon, *per_rule).subquery("counted")
    chosen = sa.select(counted).order_by(*queries.due_order(counted))
    if f.get("lapsing_soon"):
        chosen = chosen.where(counted.c.lapses_on < not_soon)
    shown = chosen.limit(per_page).offset((page - 1) * per_page).subquery("shown")
    rows = db.session.execute(queries.with_details(shown).order_by(*queries.due_order(shown))).all()
    if rows:
        first = rows[0]._mapping
        each = [int(first[f"all_{i}"] or 0) for i in range(len(codes))]
        counts = {
            "due": sum(each),
            "lapsing": int(first["all_lapsing"] or 0),
            "amount": sum((rules[code].amount_cny * n for code, n in zip(codes, each, strict=True)), Decimal(0)),
        }
    else:
        counts = _due_counts(due, rules, not_soon)
    total = counts["lapsing" if f.get("lapsing_soon") else "due"]
    return {
        "items": [_due_row_item(row, rules, as_of) for row in rows],
        "pagination": {"page": page, "per_page": per_page, "pages": -(-total // per_page), "total": total},
        "counts": counts,
    }


def record_claim(data: dict) -> SubsidyClaim:
    """Record that a due subsidy was claimed; a person is claimed for once per rule."""
    return in_transaction(lambda: _record_claim(data))


def _record_claim(data: dict) -> SubsidyClaim:
    job = get_in_scope(Employment, data["employment_id"], "Employment", "就业记录")
    claimed_on: date = data.get("claimed_on") or datetime.now(CHINA_TZ).date()
    errors = Collector()
    rule = subsidy_rules().get(data["rule_code"])
    if rule is None:
        errors.add("rule_code", "unknown_rule", "没有这项补贴规则", "no such subsidy rule")
    if claimed_on > datetime.now(CHINA_TZ).date():
        errors.add("claimed_on", "in_future", "申领日期不能晚于今天", "claimed_on cannot lie in the future")
    note = _clean_note(data, errors)
    errors.raise_if_any()

    earlier = db.session.execute(
        sa.select(SubsidyClaim).where(SubsidyClaim.laborer_id == job.laborer_id, SubsidyClaim.rule_code == rule.code)
    ).scalar_one_or_none()
    if earlier is not None:
        raise Conflict(
            [
                FieldError(
                    "rule_code",
                    "already_claimed",
                    f"此人的「{rule.name_zh}」已于 {earlier.claimed_on:%Y-%m-%d} 申领（#{earlier.id}），不能重复申领",
                    f"already claimed for this person under {rule.code} on {earlier.claimed_on} (#{earlier.id})",
                )
            ],
            extra={"existing_claim_id": earlier.id},
        )
    row = db.session.execute(_facts_query().where(Employment.id == job.id)).one()
    assessment = subsidies.assess(rule, _facts(row), claimed_on)
    if assessment.status != ClaimStatus.due:
        raise ValidationFailed(_not_due_errors(assessment))

    claim = SubsidyClaim(
        laborer_id=job.laborer_id,
        employment_id=job.id,
        rule_code=rule.code,
        amount=rule.amount_cny,
        payee=rule.payee,
        employer_id=job.employer_id if rule.payee == SubsidyPayee.employer else None,
        due_on=assessment.due_on,
        claimed_on=claimed_on,
        note=note,
    )
    db.session.add(claim)
    flush_or_conflict()  # the unique (laborer, rule) settles two identical requests at once
    audit.record(
        "create",
        "subsidy_claims",
        claim.id,
        {"laborer_id": job.laborer_id, "rule_code": rule.code, "amount": str(rule.amount_cny)},
    )
    return claim


def mark_claim_paid(claim_id: int, paid_on: date | None = None) -> SubsidyClaim:
    """Record that the finance office paid a claim out; a claim is paid once, not before it was claimed."""
    return in_transaction(lambda: _mark_claim_paid(claim_id, paid_on))


def _already_paid(claim: SubsidyClaim) -> Conflict:
    return Conflict(
        [
            FieldError(
                "paid_on",
                "already_paid",
                f"该笔补贴已于 {claim.paid_on:%Y-%m-%d} 发放，不能重复登记",
                f"already paid on {claim.paid_on}: a claim is paid once",
            )
        ],
        "Subsidy claim already paid",
        "该笔补贴已发放",
        extra={"paid_on": claim.paid_on.isoformat()},
    )


def _mark_claim_paid(claim_id: int, paid_on: date | None) -> SubsidyClaim:
    claim = get_in_scope(SubsidyClaim, claim_id, "Subsidy claim", "补贴申领")
    today = datetime.now(CHINA_TZ).date()
    paid_on = paid_on or today
    errors = Collector()
    if paid_on > today:
        errors.add("paid_on", "in_future", "发放日期不能晚于今天", "paid_on cannot lie in the future")
    elif paid_on < claim.claimed_on:
        errors.add(
            "paid_on",
            "before_claim",
            f"发放日期不能早于申领日期（{claim.claimed_on:%Y-%m-%d}）：尚未申领的补贴不能发放",
            f"paid_on cannot be before the claim ({claim.claimed_on}): a subsidy is paid after it is claimed",
        )
    if claim.paid_on is not None:
        raise _already_paid(claim)
    errors.raise_if_any()
    # Only if no one recorded the payment meanwhile: two clerks (or a retried request) never pay a claim twice.
    marked = db.session.execute(
        sa.update(SubsidyClaim)
        .where(SubsidyClaim.id == claim.id, SubsidyClaim.paid_on.is_(None))
        .values(paid_on=paid_on, updated_at=utcnow(), updated_by_id=current_actor_id())
        .execution_options(synchronize_session=False)
    )
    if marked.rowcount != 1:
        db.session.refresh(claim)
        raise _already_paid(claim)
    db.session.refresh(claim)
    audit.record("paid", "subsidy_claims", claim.id, {"paid_on": paid_on.isoformat()})
    return claim


def _not_due_errors(assessment: Assessment) -> list[FieldError]:
    if assessment.status == ClaimStatus.not_eligible:
        return [FieldError("employment_id", r.code, r.zh, r.en) for r in assessment.why_not]
    if assessment.status == ClaimStatus.not_yet_due:
        return [
            FieldError(
                "employment_id",
                "not_yet_due",
                f"尚未到申领时间（{assessment.due_on:%Y-%m-%d} 起可申领）",
                f"not due yet: claimable from {assessment.due_on}",
            )
        ]
    return [
        FieldError(
            "employment_id",
            "lapsed",
            f"已超过申领期限（{assessment.lapses_on:%Y-%m-%d} 截止）",
            f"the claim lapsed on {assessment.lapses_on}",
        )
    ]

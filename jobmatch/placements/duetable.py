"""Keeps subsidy_due_candidates up to date: the employments that make a subsidy claim due, worked out ahead.

Whether a claim is due reads the laborer's household (category, home village), the job (kind, dates, place)
and its employer and post. Joining all of those for a whole province on every view of the due list cost
0.65-1.2 s; the candidate rows carry what the joins give, and the list asks them alone (queries.due_claims).

The rows are brought up to date before each read, from the rows changed since the last refresh: every table
the rule reads is stamped (`updated_at`, set on each insert and update, by the ORM and by Core statements
alike), so the laborers whose jobs, household, own row, employers or posts changed since are found by index,
and their candidates are worked out again. A change of the rules themselves (the SUBSIDY_RULES setting) or of
a region, or a clock that went back, rebuilds every row. Deleted jobs take their rows with them (ON DELETE
CASCADE); claims are not kept here at all, so a claim made or withdrawn shows at once.

A transaction stamps its rows when it writes them and may commit a little later; the next refresh looks back
OVERLAP before the last one began, so such a row is not missed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa

from jobmatch.extensions import db, reading_request
from jobmatch.modelbase import UTCDateTime, utcnow
from jobmatch.people.models import Household, Laborer, Region
from jobmatch.placements import queries
from jobmatch.placements.models import Employment, SubsidyDueCandidate, SubsidyDueState
from jobmatch.placements.subsidies import SubsidyRule
from jobmatch.posts.models import Employer, Opening

OVERLAP = timedelta(seconds=60)
STATE_ID = 1
# pg_advisory_xact_lock's key: one refresh at a time across the workers (SQLite has one writer anyway).
LOCK_KEY = 0x5355_4244  # "SUBD"
# Laborers worked out again per statement (bound parameters).
CHUNK = 2000


def rules_key(rules: list[SubsidyRule]) -> str:
    """A digest of the rules' terms, the same in every process (sets written sorted)."""
    terms = [
        {
            "code": rule.code,
            "categories": sorted(str(c) for c in rule.household_categories),
            "kinds": sorted(str(k) for k in rule.employment_kinds),
            "employers": sorted(str(k) for k in rule.employer_kinds),
            "cross_province": rule.cross_province,
            "months": rule.months_employed,
            "window": rule.claim_window_days,
        }
        for rule in sorted(rules, key=lambda r: r.code)
    ]
    return hashlib.sha256(json.dumps(terms, sort_keys=True).encode()).hexdigest()


def _changes(since) -> list[sa.Select]:
    """Selects of the ids of laborers whose candidates may have changed since `since`, one per stamped table."""
    return [
        sa.select(Employment.laborer_id).where(Employment.updated_at >= since),
        sa.select(Laborer.id).where(Laborer.updated_at >= since),
        sa.select(Laborer.id)
        .join(Household, Laborer.household_id == Household.id)
        .where(Household.updated_at >= since),
        sa.select(Employment.laborer_id)
        .join(Opening, Employment.opening_id == Opening.id)
        .where(Opening.updated_at >= since),
        sa.select(Employment.laborer_id)
        .join(Employer, Employment.employer_id == Employer.id)
        .where(Employer.updated_at >= since),
    ]


def _check(conn, key: str) -> tuple[bool, bool]:
    """(anything to do, everything to redo). Two statements: the state, then whether anything changed since its
    watermark, asked with the time in the statement so that PostgreSQL plans each look-up by its `updated_at`
    index."""
    state = conn.execute(
        sa.select(SubsidyDueState.rules_key, SubsidyDueState.watermark).where(SubsidyDueState.id == STATE_ID)
    ).first()
    if state is None or state.rules_key != key or state.watermark > utcnow():
        return True, True
    # Written into the statement: a prepared statement's generic plan would not know the time is recent and
    # read each table whole.
    since = sa.bindparam("since", state.watermark, type_=UTCDateTime, literal_execute=True)
    regions = sa.select(Region.id).where(Region.updated_at >= since).exists()
    changed = sa.or_(*(change.exists() for change in _changes(since)))
    row = conn.execute(sa.select(regions.label("regions"), changed.label("changed"))).one()
    if row.regions:
        return True, True
    return bool(row.changed), False


def _lock(conn) -> None:
    """One refresh at a time: PostgreSQL's advisory lock; SQLite's write lock, which a write statement takes at
    its start (matching no row is enough), so the look under the lock sees every other refresh committed."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(LOCK_KEY)))
    else:
        conn.execute(
            sa.update(SubsidyDueState).where(SubsidyDueState.id == STATE_ID).values(rules_key=SubsidyDueState.rules_key)
        )


@contextmanager
def _transaction() -> Iterator[sa.Connection]:
    """A connection in a transaction, committed at the end.

    A reading request on PostgreSQL runs its session without a transaction (extensions.Session): each statement
    would commit on its own and others would see the rows half rebuilt, so the refresh takes a connection of its
    own. Otherwise the session's transaction: it sees what the caller wrote and not yet committed.
    """
    if reading_request() and db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            yield conn
        return
    try:
        yield db.session.connection()
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def _insert(conn, rules: list[SubsidyRule], laborers: list[int] | None) -> None:
    for rule in rules:
        conn.execute(
            sa.insert(SubsidyDueCandidate).from_select(
                list(queries.CANDIDATE_COLUMNS), queries.candidates(rule, conn.dialect.name, laborers)
            )
        )


def refresh(rules: list[SubsidyRule]) -> None:
    """Bring subsidy_due_candidates up to date for `rules` (all of them: the rows are shared by every filter).

    Costs two statements when nothing changed; otherwise works out again the rows of the laborers who changed, in
    one transaction, committed here (the caller only reads).
    """
    key = rules_key(rules)
    anything, _ = _check(db.session, key)
    if not anything:
        return
    try:
        with _transaction() as conn:
            _lock(conn)
            # Another worker may have refreshed while this one waited: look again under the lock.
            anything, everything = _check(conn, key)
            if anything:
                _apply(conn, rules, key, everything)
    except sa.exc.IntegrityError:
        # A refresh that got in first wrote the same rows (only a duplicate key can fail here): they stand.
        pass


def _apply(conn, rules: list[SubsidyRule], key: str, everything: bool) -> None:
    started = utcnow()
    state = conn.execute(sa.select(SubsidyDueState.watermark).where(SubsidyDueState.id == STATE_ID)).first()
    if everything:
        conn.execute(sa.delete(SubsidyDueCandidate))
        _insert(conn, rules, None)
    else:
        # The ids first, once: the delete and each rule's insert read the same set.
        ids = sorted(set(conn.scalars(sa.union_all(*_changes(state.watermark)))))
        for chunk in range(0, len(ids), CHUNK):
            part = ids[chunk : chunk + CHUNK]
            conn.execute(sa.delete(SubsidyDueCandidate).where(SubsidyDueCandidate.laborer_id.in_(part)))
            _insert(conn, rules, part)
    values = {"rules_key": key, "watermark": started - OVERLAP}
    if state is None:
        conn.execute(sa.insert(SubsidyDueState).values(id=STATE_ID, **values))
    else:
        conn.execute(sa.update(SubsidyDueState).where(SubsidyDueState.id == STATE_ID).values(**values))

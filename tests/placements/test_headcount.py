"""Headcount is never overfilled: concurrent hires from real threads, each with its own app context and session."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from jobmatch.extensions import db
from jobmatch.placements import service
from jobmatch.placements.models import Employment, Referral
from jobmatch.posts.models import Opening
from jobmatch.vocab import ReferralState
from tests import factories
from tests.placements.conftest import make_opening

HIRES_AT_ONCE = 20
PLACES = 5


def _interviewed(laborer_ids: list[int], opening_id: int) -> list[int]:
    """Referrals already at interview, made through the service (the test acts as the system)."""
    ids = []
    for laborer_id in laborer_ids:
        referral = service.create_referral({"laborer_id": laborer_id, "opening_id": opening_id})
        for to in ("referred", "interviewed"):
            service.transition(referral.id, {"to": to})
        ids.append(referral.id)
    return ids


def _laborers(n: int) -> list[int]:
    """n laborers of the cadre's village, five to a household."""
    ids = []
    for i in range(n):
        code = f"36112510020190{i // 5:02d}"
        if i % 5 == 0:
            factories.household(code=code)
        ids.append(factories.laborer(household_code=code, name=f"工人{i}", sequence=101 + 2 * i).id)
    return ids


def _hire_all_at_once(client, headers: dict, referral_ids: list[int]) -> list:
    """POST a hire for every referral from its own thread, all released together."""
    barrier = threading.Barrier(len(referral_ids))
    responses: list = [None] * len(referral_ids)

    def hire(i: int, referral_id: int) -> None:
        barrier.wait()
        responses[i] = client.post(
            f"/api/v1/referrals/{referral_id}/transitions", json={"to": "hired"}, headers=headers
        )

    threads = [threading.Thread(target=hire, args=(i, rid)) for i, rid in enumerate(referral_ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


def test_twenty_concurrent_hires_into_five_places_give_five_hires_and_fifteen_409s(app, as_role, county):
    opening = make_opening(headcount=PLACES)
    referral_ids = _interviewed(_laborers(HIRES_AT_ONCE), opening.id)
    bureau = as_role("bureau")

    responses = _hire_all_at_once(bureau.client, bureau.headers, referral_ids)

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: PLACES, 409: HIRES_AT_ONCE - PLACES}, [r.get_json() for r in responses]
    for refused in (r for r in responses if r.status_code == 409):
        problem = refused.get_json()
        assert refused.mimetype == "application/problem+json"
        assert problem["errors"][0]["code"] == "no_places_left"
        assert "名额已满" in problem["errors"][0]["zh"]
    db.session.expire_all()
    after = db.session.get(Opening, opening.id)
    assert after.remaining_headcount == 0 and after.filled
    states = Counter(db.session.execute(sa.select(Referral.state).where(Referral.id.in_(referral_ids))).scalars())
    assert states == {ReferralState.hired: PLACES, ReferralState.interviewed: HIRES_AT_ONCE - PLACES}
    jobs = db.session.execute(sa.select(Employment).where(Employment.opening_id == opening.id)).scalars().all()
    assert len(jobs) == PLACES
    shown = bureau.get(f"/api/v1/openings/{opening.id}").get_json()
    assert (shown["remaining_headcount"], shown["filled"]) == (0, True)


def test_the_same_referral_hired_from_several_threads_at_once_takes_one_place(app, as_role, county):
    opening = make_opening(headcount=PLACES)
    (referral_id,) = _interviewed([county["east"][0].id], opening.id)
    bureau = as_role("bureau")

    responses = _hire_all_at_once(bureau.client, bureau.headers, [referral_id] * 6)

    assert sorted(r.status_code for r in responses) == [200] + [409] * 5
    db.session.expire_all()
    assert db.session.get(Opening, opening.id).remaining_headcount == PLACES - 1
    assert (
        db.session.execute(
            sa.select(sa.func.count()).select_from(Employment).where(Employment.opening_id == opening.id)
        ).scalar_one()
        == 1
    )


def test_two_members_of_one_household_hired_at_once_into_public_welfare_posts_get_one(app, as_role, county):
    east_a, east_b = county["east"]
    posts = [make_opening(kind="public_welfare", title=title, headcount=1) for title in ("保洁员", "护林员")]
    referral_ids = [_interviewed([east_a.id], posts[0].id)[0], _interviewed([east_b.id], posts[1].id)[0]]
    bureau = as_role("bureau")

    responses = _hire_all_at_once(bureau.client, bureau.headers, referral_ids)

    assert sorted(r.status_code for r in responses) == [200, 409]
    refused = next(r for r in responses if r.status_code == 409)
    assert refused.get_json()["errors"][0]["code"] == "household_has_public_welfare_post"
    db.session.expire_all()
    assert sorted(db.session.get(Opening, p.id).remaining_headcount for p in posts) == [0, 1]


def test_serialization_failures_are_retried_until_every_hire_has_its_answer(app, as_role, county, make_app):
    """Under SERIALIZABLE, PostgreSQL refuses concurrent updates of the opening; the service tries again."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: nothing to serialize")
    opening = make_opening(headcount=PLACES)
    referral_ids = _interviewed(_laborers(HIRES_AT_ONCE), opening.id)
    strict = make_app()
    with strict.app_context():
        sa.event.listen(db.engine, "connect", _serializable)
    bureau = as_role("bureau")

    with _counting_retries() as retries:
        responses = _hire_all_at_once(strict.test_client(), bureau.headers, referral_ids)

    assert Counter(r.status_code for r in responses) == {200: PLACES, 409: HIRES_AT_ONCE - PLACES}
    assert retries, "expected PostgreSQL to report serialization failures"
    db.session.expire_all()
    assert db.session.get(Opening, opening.id).remaining_headcount == 0


def _serializable(dbapi_connection, connection_record) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE")
    dbapi_connection.commit()


@contextmanager
def _counting_retries():
    """The retry messages the service logs while the block runs."""
    seen: list[str] = []

    class Handler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "retrying" in record.getMessage():
                seen.append(record.getMessage())

    handler = Handler()
    logging.getLogger(service.__name__).addHandler(handler)
    try:
        yield seen
    finally:
        logging.getLogger(service.__name__).removeHandler(handler)


def test_a_transaction_is_run_again_after_a_serialization_failure_and_not_after_other_errors(app):
    attempts = []

    class SerializationFailure(Exception):
        sqlstate = "40001"

    def work() -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise OperationalError("UPDATE openings …", {}, SerializationFailure())
        return "done"

    assert service.in_transaction(work) == "done" and len(attempts) == 3

    def broken() -> None:
        raise OperationalError("UPDATE openings …", {}, Exception("disk full"))

    with pytest.raises(OperationalError):
        service.in_transaction(broken)

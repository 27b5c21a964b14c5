"""Headcount is never overfilled: concurrent hires from real threads, each with its own app context and session."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy.exc import OperationalError

from jobmatch.accounts import service as accounts
from jobmatch.accounts import tokens
from jobmatch.extensions import db
from jobmatch.placements import service
from jobmatch.placements.models import Employment, Referral
from jobmatch.posts.models import Opening
from jobmatch.rosters.service import import_roster
from jobmatch.vocab import ReferralState
from tests import factories
from tests.accounts.conftest import PASSWORD
from tests.conftest import ApiClient
from tests.placements.conftest import make_opening
from tests.posts.test_pages import _errors_by_field, _login, _post_form
from tests.rosters.conftest import csv_bytes

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


# --- places left are derived: headcount less the people hired now, on every write path ------------------------------


def _hire(referral_ids: list[int]) -> None:
    for referral_id in referral_ids:
        service.transition(referral_id, {"to": "hired"})


def _places(opening_id: int) -> tuple[int, int, int]:
    """(headcount, places left, people employed in the post now), as stored."""
    db.session.expire_all()
    opening = db.session.get(Opening, opening_id)
    hired = db.session.execute(
        sa.select(sa.func.count())
        .select_from(Employment)
        .where(Employment.opening_id == opening_id, Employment.end_date.is_(None))
    ).scalar_one()
    return opening.headcount, opening.remaining_headcount, hired


def _field_errors(response) -> dict:
    assert response.mimetype == "application/problem+json", response.get_data(as_text=True)
    return {e["field"]: e for e in response.get_json()["errors"]}


@pytest.mark.parametrize("remaining", [0, 1, 5, 6, -1])
def test_no_client_sets_the_places_left_of_an_opening(as_role, county, remaining):
    opening = make_opening(headcount=1)
    first, second = _interviewed([laborer.id for laborer in county["east"]], opening.id)
    _hire([first])
    bureau = as_role("bureau")

    patched = bureau.patch(f"/api/v1/openings/{opening.id}", json={"remaining_headcount": remaining})
    created = bureau.post(
        "/api/v1/openings",
        json={"kind": "public_welfare", "title": "保洁员", "headcount": 5, "remaining_headcount": remaining}
        | {"region_code": factories.VILLAGE_CODE},
    )

    for response in (patched, created):
        assert response.status_code == 422
        error = _field_errors(response)["remaining_headcount"]
        assert error["code"] == "read_only" and "招聘人数" in error["zh"] and "headcount" in error["en"]
    assert _places(opening.id) == (1, 0, 1)
    assert db.session.execute(sa.select(sa.func.count()).select_from(Opening)).scalar_one() == 1
    # so the next hire into the full post is refused
    assert bureau.post(f"/api/v1/referrals/{second}/transitions", json={"to": "hired"}).status_code == 409


def test_the_headcount_cannot_go_below_the_people_hired_now_and_places_left_follow_it(as_role, county):
    opening = make_opening(headcount=5)
    _hire(_interviewed(_laborers(3), opening.id))
    bureau = as_role("bureau")

    for headcount in (2, 1):
        refused = bureau.patch(f"/api/v1/openings/{opening.id}", json={"headcount": headcount})
        assert refused.status_code == 422
        error = _field_errors(refused)["headcount"]
        assert error["code"] == "below_hired" and "3 人" in error["zh"] and "3 people" in error["en"]
        assert _places(opening.id) == (5, 2, 3)

    for headcount, left in ((3, 0), (4, 1), (8, 5)):
        saved = bureau.patch(f"/api/v1/openings/{opening.id}", json={"headcount": headcount})
        assert saved.status_code == 200, saved.get_json()
        assert (saved.get_json()["remaining_headcount"], saved.get_json()["filled"]) == (left, left == 0)
        assert _places(opening.id) == (headcount, left, 3)
    # a title alone leaves the places as they are
    assert bureau.patch(f"/api/v1/openings/{opening.id}", json={"title": "缝纫工"}).status_code == 200
    assert _places(opening.id) == (8, 5, 3)


def test_a_leaver_and_a_new_headcount_keep_places_left_equal_to_headcount_less_hires(as_role, county):
    """The old way round: lower the headcount of a full post, a leaver gives a place back, a sixth hire gets in."""
    opening = make_opening(headcount=5)
    referral_ids = _interviewed(_laborers(6), opening.id)
    _hire(referral_ids[:5])
    bureau = as_role("bureau")

    assert bureau.patch(f"/api/v1/openings/{opening.id}", json={"headcount": 1}).status_code == 422
    service.transition(referral_ids[0], {"to": "left", "reason_code": "family_care"})
    assert _places(opening.id) == (5, 1, 4)
    assert bureau.patch(f"/api/v1/openings/{opening.id}", json={"headcount": 4}).status_code == 200
    assert _places(opening.id) == (4, 0, 4)

    refused = bureau.post(f"/api/v1/referrals/{referral_ids[5]}/transitions", json={"to": "hired"})

    assert refused.status_code == 409 and refused.get_json()["errors"][0]["code"] == "no_places_left"
    assert _places(opening.id) == (4, 0, 4)


def test_the_bureaus_page_refuses_a_headcount_below_the_people_hired_now(county, make_app):
    opening = make_opening(headcount=4, title="电子厂普工")
    _hire(_interviewed(_laborers(3), opening.id))
    client = _login(make_app, "bureau")
    form = _post_form(kind="enterprise", employer_id=str(opening.employer_id), title="电子厂普工", status="open")

    refused = client.post(f"/openings/{opening.id}/edit", data=form | {"headcount": "2"})

    assert refused.status_code == 422
    assert _errors_by_field(refused.get_data(as_text=True))["headcount"] == ["招聘人数不能少于目前在岗的 3 人"]
    assert _places(opening.id) == (4, 1, 3)
    assert client.post(f"/openings/{opening.id}/edit", data=form | {"headcount": "3"}).status_code == 302
    assert _places(opening.id) == (3, 0, 3)


def test_an_openings_roster_never_sets_places_left_nor_a_headcount_below_the_people_hired_now(county):
    opening = make_opening(headcount=4)
    _hire(_interviewed(_laborers(3), opening.id))
    headers = ["岗位编号", "岗位名称", "岗位类型", "所在地", "招聘人数", "剩余名额"]

    def run(*rows: list):
        return import_roster("openings", csv_bytes([headers, *rows]), "岗位.csv", dry_run=False)

    lowered = run([opening.code, "", "", "", 2, ""])
    assert lowered.counts["rejected"] == 1
    assert {(e.field, e.code) for e in lowered.fates[0].errors} == {("headcount", "below_hired")}
    assert _places(opening.id) == (4, 1, 3)

    raised = run([opening.code, "", "", "", 6, 6], ["GW-NEW-1", "保洁员", "公益性岗位", factories.VILLAGE_CODE, 3, 1])
    assert raised.counts == {"created": 1, "updated": 1, "unchanged": 0, "rejected": 0}, raised.summary()
    assert _places(opening.id) == (6, 3, 3)
    new = db.session.execute(sa.select(Opening).where(Opening.code == "GWNEW1")).scalar_one()
    assert (new.headcount, new.remaining_headcount) == (3, 3)


def test_two_cadres_hiring_into_the_last_place_at_the_same_moment_get_one_hire(app, as_role, county):
    opening = make_opening(headcount=3)
    referral_ids = _interviewed(_laborers(4), opening.id)
    _hire(referral_ids[:2])
    second_cadre = accounts.save_user(
        {"name": "cadre2", "role": "cadre", "password": PASSWORD, "region_codes": [factories.VILLAGE_CODE]}
    )
    cadres = [as_role("cadre"), ApiClient(app.test_client(), tokens.issue_token(second_cadre, "test"))]
    barrier = threading.Barrier(2)
    responses: list = [None, None]

    def hire(i: int) -> None:
        barrier.wait()
        responses[i] = cadres[i].post(f"/api/v1/referrals/{referral_ids[2 + i]}/transitions", json={"to": "hired"})

    threads = [threading.Thread(target=hire, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(r.status_code for r in responses) == [200, 409], [r.get_json() for r in responses]
    assert _places(opening.id) == (3, 0, 3)


def test_a_lower_headcount_and_a_hire_into_the_last_place_at_the_same_moment_never_overfill(app, as_role, county):
    """Either the hire gets the place and the headcount is refused, or the headcount wins and the hire is refused."""
    opening = make_opening(headcount=3)
    referral_ids = _interviewed(_laborers(3), opening.id)
    _hire(referral_ids[:2])
    bureau, cadre = as_role("bureau"), as_role("cadre")
    url = f"/api/v1/openings/{opening.id}"
    barrier = threading.Barrier(2)
    answers: dict = {}

    def lower() -> None:
        barrier.wait()
        answers["headcount"] = bureau.patch(url, json={"headcount": 2})

    def hire() -> None:
        barrier.wait()
        answers["hire"] = cadre.post(f"/api/v1/referrals/{referral_ids[2]}/transitions", json={"to": "hired"})

    threads = [threading.Thread(target=lower), threading.Thread(target=hire)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    outcome = (answers["headcount"].status_code, answers["hire"].status_code)
    assert outcome in {(422, 200), (200, 409)}, {k: r.get_json() for k, r in answers.items()}
    headcount, left, hired = _places(opening.id)
    assert hired <= headcount and left == headcount - hired
    assert (headcount, left, hired) == ((3, 0, 3) if outcome == (422, 200) else (2, 0, 2))


def test_the_migration_puts_right_the_places_left_that_clients_had_set(app, county):
    two_hired, none_hired, overfilled = (make_opening(headcount=n) for n in (5, 4, 3))
    laborer_ids = _laborers(4)
    _hire(_interviewed(laborer_ids[:2], two_hired.id) + _interviewed(laborer_ids[2:], overfilled.id))
    ids = two_hired.id, none_hired.id, overfilled.id
    # Reading the ids began a transaction that holds a lock on openings: end it, or the downgrade's DDL on
    # openings waits for it forever.
    db.session.commit()
    downgrade(revision="0008")
    try:
        # What PATCH remaining_headcount and a headcount below the hires used to leave behind.
        for opening_id, headcount, remaining in zip(ids, (5, 4, 1), (5, 1, 1), strict=True):
            db.session.execute(
                sa.text("UPDATE openings SET headcount = :h, remaining_headcount = :r WHERE id = :id"),
                {"h": headcount, "r": remaining, "id": opening_id},
            )
        db.session.commit()
    finally:
        upgrade()
    assert [_places(opening_id) for opening_id in ids] == [(5, 3, 2), (4, 4, 0), (1, 0, 2)]

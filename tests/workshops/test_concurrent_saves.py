"""One sheet saved several times at once: every save answers, one row per worker, one history entry per change.

Each save runs in its own thread with its own test client (its own app context and database session), all
released together by a barrier; the tests assert what is stored afterwards, never how long anything took.
"""

from __future__ import annotations

import threading
from collections import defaultdict

import pytest
import sqlalchemy as sa

from jobmatch.accounts import tokens
from jobmatch.accounts.models import AuditEvent
from jobmatch.extensions import db
from jobmatch.vocab import EmploymentKind
from tests.conftest import ApiClient
from tests.sql import statements
from tests.workshops.conftest import TODAY, count, employ, entries, hire, sheet_url
from workshops.models import Attendance, AttendanceChange

SAVES_AT_ONCE = 4
WORKERS = 10


def _at_once(app, user, url: str, bodies: list[dict]) -> list:
    """POST each body from its own thread and client, all released together; the responses in order."""
    clients = [ApiClient(app.test_client(), tokens.issue_token(user, f"thread {i}")) for i in range(len(bodies))]
    barrier = threading.Barrier(len(bodies))
    responses: list = [None] * len(bodies)

    def save(i: int) -> None:
        barrier.wait()
        responses[i] = clients[i].post(url, json=bodies[i])

    threads = [threading.Thread(target=save, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


def _history() -> dict[int, list[AttendanceChange]]:
    """Each laborer's history of the day, oldest first."""
    db.session.expire_all()
    rows = db.session.execute(sa.select(AttendanceChange).order_by(AttendanceChange.id)).scalars()
    by_laborer: dict[int, list[AttendanceChange]] = defaultdict(list)
    for row in rows:
        by_laborer[row.laborer_id].append(row)
    return by_laborer


def _assert_history_is_a_chain(history: dict[int, list[AttendanceChange]]) -> None:
    """Each change starts from what the one before it left, and changes something."""
    for changes in history.values():
        assert changes[0].before is None
        for earlier, later in zip(changes, changes[1:], strict=False):
            assert later.before == earlier.after
        assert all(change.before != change.after for change in changes)


def _attendance_audits() -> int:
    return count(AuditEvent, AuditEvent.entity_type == "attendance")


@pytest.fixture
def workers(county, shop) -> list:
    return hire(shop, WORKERS - 1) + [county["west"]]


def test_the_same_first_save_of_a_day_sent_four_times_at_once_gives_four_successes_and_one_row_each(
    app, county, shop, workers
):
    body = entries(workers)

    responses = _at_once(app, county["users"]["manager"], sheet_url(shop), [body] * SAVES_AT_ONCE)

    assert [r.status_code for r in responses] == [200] * SAVES_AT_ONCE, [r.get_json() for r in responses]
    answers = sorted((r.json["created"], r.json["updated"], r.json["unchanged"]) for r in responses)
    assert answers == [(0, 0, WORKERS)] * (SAVES_AT_ONCE - 1) + [(WORKERS, 0, 0)]
    for response in responses:
        assert [e["saved"] for e in response.json["sheet"]["entries"]] == [True] * WORKERS
    assert count(Attendance, Attendance.day == TODAY) == WORKERS
    history = _history()
    assert sorted(len(changes) for changes in history.values()) == [1] * WORKERS
    _assert_history_is_a_chain(history)
    assert _attendance_audits() == WORKERS


def test_the_same_change_sent_four_times_at_once_is_one_history_entry_per_worker_changed(app, county, shop, workers):
    manager = county["users"]["manager"]
    assert _at_once(app, manager, sheet_url(shop), [entries(workers)])[0].status_code == 200
    changed = {
        "entries": [{"laborer_id": w.id, "status": "absent" if i < 3 else "present"} for i, w in enumerate(workers)]
    }

    responses = _at_once(app, manager, sheet_url(shop), [changed] * SAVES_AT_ONCE)

    assert [r.status_code for r in responses] == [200] * SAVES_AT_ONCE
    assert sorted(r.json["updated"] for r in responses) == [0] * (SAVES_AT_ONCE - 1) + [3]
    assert count(Attendance, Attendance.day == TODAY) == WORKERS
    assert count(Attendance, Attendance.status == "absent") == 3
    history = _history()
    assert sorted(len(changes) for changes in history.values()) == [1] * (WORKERS - 3) + [2] * 3
    _assert_history_is_a_chain(history)
    assert _attendance_audits() == WORKERS + 3


def test_different_saves_of_one_day_at_once_each_start_from_what_the_one_before_left(app, county, shop, workers):
    """Four managers' phones send four versions of the day: the history tells each step, none overwritten unseen."""
    bodies = [
        {"entries": [{"laborer_id": w.id, "status": status, "note": f"第 {i} 次"} for w in workers[:5]]}
        for i, status in enumerate(("present", "half_day", "leave", "absent"))
    ]

    responses = _at_once(app, county["users"]["manager"], sheet_url(shop), bodies)

    assert [r.status_code for r in responses] == [200] * SAVES_AT_ONCE
    assert sorted(r.json["created"] for r in responses) == [0] * (SAVES_AT_ONCE - 1) + [5]
    assert count(Attendance, Attendance.day == TODAY) == 5
    history = _history()
    assert sorted(len(changes) for changes in history.values()) == [SAVES_AT_ONCE] * 5
    _assert_history_is_a_chain(history)
    db.session.expire_all()
    final = {a.laborer_id: a.note for a in db.session.execute(sa.select(Attendance)).scalars()}
    assert final == {lid: changes[-1].after["note"] for lid, changes in history.items()}


def test_a_cadres_public_welfare_day_saved_three_times_at_once_gives_one_row_and_entry_per_holder(app, county):
    holders = county["east"]
    for laborer in holders:
        employ(laborer, None, kind=EmploymentKind.public_welfare)
    url = f"/api/v1/public-welfare/attendance?date={TODAY.isoformat()}"

    responses = _at_once(app, county["users"]["cadre"], url, [entries(holders, status="half_day")] * 3)

    assert [r.status_code for r in responses] == [200] * 3, [r.get_json() for r in responses]
    assert sorted(r.json["created"] for r in responses) == [0, 0, len(holders)]
    assert count(Attendance) == len(holders)
    history = _history()
    assert sorted(len(changes) for changes in history.values()) == [1] * len(holders)


# The hold (with the closed-month check), the day as it stands (workers, saved days, other workshops, open
# long-absence alerts), one upsert of the changed days, their history, their audit events, and, when someone is
# absent or on leave, the long-absence check: however many workers the day has.
MOST_STATEMENTS_PER_SAVE = 6


def test_saving_a_day_takes_a_few_statements_whatever_the_number_of_workers(as_role, county, shop):
    shop.capacity = 200
    db.session.commit()
    many = hire(shop, 59) + [county["west"]]
    manager = as_role("manager")
    saves = [
        entries(many[:30]),  # 30 new
        {"entries": [{"laborer_id": w.id, "status": "leave" if i < 10 else "present"} for i, w in enumerate(many)]},
        entries(many),  # the same 60 again, 10 of them back to present
        entries(many),  # nothing changes
    ]
    url = sheet_url(shop)
    assert manager.get(url).status_code == 200  # the token is known from here on
    for body in saves:
        with statements() as seen:
            response = manager.post(url, json=body)
        assert response.status_code == 200, response.get_json()
        # Plus the request's own look-ups: the manager's workshops and the workshop.
        assert len(seen) <= MOST_STATEMENTS_PER_SAVE + 2, seen
        assert not [s for s in seen if s.lstrip().upper().startswith("SELECT") and "attendance " in s[:200]], seen
    assert count(Attendance) == 60
    assert response.json["sheet"] == manager.get(sheet_url(shop)).json

"""Idempotency-Key on the API's writes: a retry replays the first answer and never makes a second record."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy as sa

from jobmatch import idempotency
from jobmatch.accounts.models import IdempotentRequest
from jobmatch.extensions import db
from jobmatch.modelbase import utcnow
from jobmatch.people.models import Household
from jobmatch.posts.models import Employer
from jobmatch.vocab import Role
from tests import factories
from tests.conftest import ApiClient, token_for
from tests.sql import statements

HOUSEHOLD = {"code": "H1001", "village_code": factories.VILLAGE_CODE, "category": "out_of_poverty"}


def _post(api: ApiClient, url: str, body: dict, key: str | None):
    headers = api.headers | ({"Idempotency-Key": key} if key else {})
    return api.client.post(url, json=body, headers=headers)


def _count(model, *where) -> int:
    db.session.rollback()  # a fresh look, after the requests' own transactions
    return db.session.execute(sa.select(sa.func.count(model.id)).where(*where)).scalar_one()


def test_the_same_key_and_body_replays_the_first_answer_with_its_status(api):
    first = _post(api, "/api/v1/households", HOUSEHOLD, "retry-1")
    again = _post(api, "/api/v1/households", HOUSEHOLD, "retry-1")
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert _count(Household, Household.code == "H1001") == 1


def test_the_same_body_in_another_key_order_is_the_same_request(api):
    body = {"name": "横峰县鑫达服饰有限公司", "kind": "enterprise"}
    first = _post(api, "/api/v1/employers", body, "emp-1")
    again = _post(api, "/api/v1/employers", dict(reversed(list(body.items()))), "emp-1")
    assert again.headers.get("Idempotent-Replayed") == "true" and again.get_json()["id"] == first.get_json()["id"]
    assert _count(Employer) == 1


def test_without_a_key_a_second_post_is_a_second_request(api):
    assert _post(api, "/api/v1/households", HOUSEHOLD, None).status_code == 201
    duplicate = _post(api, "/api/v1/households", HOUSEHOLD, None)
    assert duplicate.status_code == 409 and "Idempotent-Replayed" not in duplicate.headers


def test_the_same_key_with_another_body_is_refused_naming_the_header(api):
    assert _post(api, "/api/v1/households", HOUSEHOLD, "retry-2").status_code == 201
    other = _post(api, "/api/v1/households", HOUSEHOLD | {"code": "H1002"}, "retry-2")
    assert other.status_code == 422
    assert other.mimetype == "application/problem+json"
    [error] = other.get_json()["errors"]
    assert error["field"] == "Idempotency-Key" and error["code"] == "key_reused"
    assert "幂等键" in error["zh"] and "Idempotency-Key" in error["en"]
    assert _count(Household, Household.code == "H1002") == 0


def test_the_same_key_on_another_route_is_another_request(api):
    assert _post(api, "/api/v1/households", HOUSEHOLD, "retry-3").status_code == 201
    employer = _post(api, "/api/v1/employers", {"name": "鑫达", "kind": "enterprise"}, "retry-3")
    assert employer.status_code == 422 and employer.get_json()["errors"][0]["field"] == "Idempotency-Key"


def test_a_refused_request_does_not_use_up_its_key(api):
    wrong = _post(api, "/api/v1/households", HOUSEHOLD | {"category": "rich"}, "retry-4")
    assert wrong.status_code == 422 and wrong.get_json()["errors"][0]["field"] == "category"
    fixed = _post(api, "/api/v1/households", HOUSEHOLD, "retry-4")
    assert fixed.status_code == 201 and "Idempotent-Replayed" not in fixed.headers
    assert _count(IdempotentRequest) == 1


def test_keys_belong_to_their_user(api, client, regions):
    other = ApiClient(client, token_for("bureau-other", Role.bureau, [regions["county"]]))
    assert _post(api, "/api/v1/households", HOUSEHOLD, "shared-key").status_code == 201
    # The other officer's key is theirs: their request runs (and meets the duplicate code).
    theirs = _post(other, "/api/v1/households", HOUSEHOLD, "shared-key")
    assert theirs.status_code == 409 and "Idempotent-Replayed" not in theirs.headers


def test_a_key_older_than_a_day_is_forgotten(api):
    assert _post(api, "/api/v1/households", HOUSEHOLD, "old-key").status_code == 201
    db.session.execute(sa.update(IdempotentRequest).values(created_at=utcnow() - timedelta(hours=25)))
    db.session.commit()
    later = _post(api, "/api/v1/households", HOUSEHOLD | {"code": "H1009"}, "old-key")
    assert later.status_code == 201 and "Idempotent-Replayed" not in later.headers
    assert _count(IdempotentRequest) == 1


@pytest.fixture
def sweep_not_due(monkeypatch):
    """This worker's sweep has just run: the next one is not due during the test."""
    monkeypatch.setattr(idempotency.sweeper, "next_at", math.inf)


def _age(*keys: str, hours: float = 25) -> None:
    db.session.execute(
        sa.update(IdempotentRequest)
        .where(IdempotentRequest.key.in_(keys))
        .values(created_at=utcnow() - timedelta(hours=hours))
    )
    db.session.commit()


EMPLOYER = {"name": "横峰县鑫达服饰有限公司", "kind": "enterprise"}


def test_an_expired_key_is_not_honoured_even_before_the_sweep(api, sweep_not_due):
    first = _post(api, "/api/v1/employers", EMPLOYER, "day-old")
    assert _post(api, "/api/v1/households", HOUSEHOLD, "day-old-2").status_code == 201
    _age("day-old", "day-old-2")

    same = _post(api, "/api/v1/employers", EMPLOYER, "day-old")
    other = _post(api, "/api/v1/households", HOUSEHOLD | {"code": "H1010"}, "day-old-2")

    assert same.status_code == 201 and "Idempotent-Replayed" not in same.headers
    assert same.get_json()["id"] != first.get_json()["id"] and _count(Employer) == 2
    assert other.status_code == 201 and "Idempotent-Replayed" not in other.headers  # not key_reused
    # the renewed keys replay their new answers
    assert _post(api, "/api/v1/employers", EMPLOYER, "day-old").get_json()["id"] == same.get_json()["id"]
    assert _count(IdempotentRequest) == 2


def test_the_sweep_deletes_the_expired_keys_and_keeps_the_others(api, sweep_not_due):
    for i in range(4):
        assert _post(api, "/api/v1/employers", EMPLOYER | {"name": f"企业{i}"}, f"key-{i}").status_code == 201
    _age("key-0", "key-1")
    _age("key-2", hours=23)

    assert idempotency.sweep_expired() == 2

    kept = db.session.execute(sa.select(IdempotentRequest.key).order_by(IdempotentRequest.key)).scalars().all()
    assert kept == ["key-2", "key-3"]
    assert _post(api, "/api/v1/employers", EMPLOYER | {"name": "企业2"}, "key-2").headers["Idempotent-Replayed"]


def test_a_keyed_post_runs_no_delete_and_each_worker_sweeps_at_most_once_a_minute(api, monkeypatch):
    assert _post(api, "/api/v1/employers", EMPLOYER, "warm-up").status_code == 201  # the sweep due at start
    _age("warm-up")

    with statements() as seen:
        for i in range(3):
            assert _post(api, "/api/v1/employers", EMPLOYER | {"name": f"企业{i}"}, f"key-{i}").status_code == 201
    assert seen and not [s for s in seen if s.lstrip().upper().startswith("DELETE")], seen
    assert _count(IdempotentRequest) == 4  # the expired key waits for the sweep (and is never honoured)

    a_minute_later = idempotency.sweeper.next_at + 1
    monkeypatch.setattr(idempotency.sweeper, "clock", lambda: a_minute_later)
    with statements() as seen:
        assert _post(api, "/api/v1/employers", EMPLOYER, "after-a-minute").status_code == 201
        assert _post(api, "/api/v1/employers", EMPLOYER | {"name": "企业9"}, "right-after").status_code == 201
    deletes = [s for s in seen if s.lstrip().upper().startswith("DELETE")]
    assert len(deletes) == 1 and "created_at" in deletes[0]
    assert _count(IdempotentRequest, IdempotentRequest.key == "warm-up") == 0


def test_a_key_that_is_too_long_is_a_field_error(api):
    response = _post(api, "/api/v1/households", HOUSEHOLD, "k" * 65)
    assert response.status_code == 422 and response.get_json()["errors"][0]["field"] == "Idempotency-Key"
    assert _count(Household) == 0


def test_two_requests_racing_with_one_key_make_one_record(api):
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda _: _post(api, "/api/v1/households", HOUSEHOLD, "race-1"), range(2)))
    assert sorted(a.status_code for a in answers) == [201, 201]
    assert len({a.get_json()["id"] for a in answers}) == 1
    assert sorted(a.headers.get("Idempotent-Replayed", "") for a in answers) == ["", "true"]
    assert _count(Household, Household.code == "H1001") == 1


def test_accounts_take_a_key_but_new_token_secrets_are_never_stored(admin_api):
    body = {"name": "robot", "role": "admin", "password": "correct-horse-battery"}
    user = _post(admin_api, "/api/v1/users", body, "user-1")
    replay = _post(admin_api, "/api/v1/users", body, "user-1")
    assert user.status_code == 201 and replay.headers.get("Idempotent-Replayed") == "true"
    assert "correct-horse-battery" not in str(db.session.execute(sa.select(IdempotentRequest.response)).all())
    # A token is shown once and kept only as a hash: a key would have to store it, so /tokens takes none.
    token = _post(admin_api, "/api/v1/tokens", {"user_id": user.get_json()["id"], "label": "ci"}, "tok-1")
    assert token.status_code == 201 and _count(IdempotentRequest) == 1


def test_the_openapi_document_lists_the_header_on_every_create(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in (
        "/api/v1/regions",
        "/api/v1/households",
        "/api/v1/laborers",
        "/api/v1/employers",
        "/api/v1/openings",
        "/api/v1/workshops",
        "/api/v1/referrals",
        "/api/v1/referrals/{referral_id}/transitions",
        "/api/v1/employments",
        "/api/v1/subsidy-claims",
        "/api/v1/alerts/{alert_id}/transitions",
        "/api/v1/users",
        "/api/v1/workshops/{workshop_id}/attendance",
    ):
        names = [p["name"] for p in spec["paths"][path]["post"].get("parameters", []) if p["in"] == "header"]
        assert names == ["Idempotency-Key"], path
    for path, method in (("/api/v1/regions", "get"), ("/api/v1/tokens", "post")):
        assert not any(p["in"] == "header" for p in spec["paths"][path][method].get("parameters", [])), path

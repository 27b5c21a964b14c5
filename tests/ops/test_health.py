"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import json
import re

import sqlalchemy as sa

from jobmatch import crypto
from jobmatch.datakey import DataKeyCheck
from jobmatch.extensions import db
from jobmatch.matching.ranker import PRIOR_VERSION
from jobmatch.people.models import Laborer
from jobmatch.vocab import Role
from tests import factories
from tests.conftest import token_for

REMOTE = {"REMOTE_ADDR": "10.20.30.40"}


def test_healthz_answers_without_the_database(make_app, tmp_path):
    broken = make_app(SQLALCHEMY_DATABASE_URI="sqlite:///" + str(tmp_path / "missing" / "db.sqlite3"))
    client = broken.test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["status"] == "unavailable" and ready.get_json()["database"].startswith("unreachable")


def test_readyz_reports_the_database_the_data_key_and_the_serving_ranker(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "database": "ok",
        "data_key": "ok",
        "ranker": "ok",
        "model_version": PRIOR_VERSION,
    }


def test_readyz_is_unavailable_when_the_data_key_does_not_match_the_data(client, app):
    """The data was written with another key (e.g. instance/data.key lost and made anew): laborer reads would fail."""
    db.session.execute(sa.update(DataKeyCheck).values(check_value="0" * 64))
    db.session.commit()
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable" and body["data_key"].startswith("does not match")


def test_readyz_checks_a_database_written_before_the_check_value_existed(client, app, regions):
    factories.household()
    factories.laborer()
    db.session.execute(sa.delete(DataKeyCheck))
    db.session.commit()
    assert client.get("/readyz").get_json()["data_key"] == "ok"
    # A stored ID number that this key cannot read: written with another key.
    other_key = crypto.keyring_from(crypto.new_key())
    written_elsewhere = crypto.CIPHERTEXT_PREFIX + "A" * 40
    assert not crypto.reads(written_elsewhere, other_key)
    table = Laborer.__table__
    db.session.execute(sa.update(table).values({table.c.id_number_encrypted: sa.literal(written_elsewhere, sa.Text)}))
    db.session.commit()
    assert client.get("/readyz").status_code == 503


def test_readyz_is_unavailable_when_the_promoted_ranker_cannot_load(make_app, tmp_path):
    (tmp_path / "serving.json").write_text(json.dumps({"serving": "20260101-000000", "history": []}))
    app = make_app(MODELS_DIR=str(tmp_path))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.get_json()["ranker"].startswith("not loaded")


def _metric(text: str, name: str, **labels) -> float:
    """The value of one sample in Prometheus text format (0 if absent)."""
    for line in text.splitlines():
        if not line.startswith(name + "{"):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0]))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_requests_by_route_rule_never_the_raw_path(api, client):
    factories.household()
    laborer = factories.laborer()
    route = "/api/v1/laborers/<int:laborer_id>"

    def counts(text: str) -> tuple[float, ...]:
        return (
            _metric(text, "jobmatch_http_requests_total", method="GET", route=route, status="200"),
            _metric(text, "jobmatch_http_requests_total", method="GET", route=route, status="404"),
            _metric(text, "jobmatch_http_request_duration_seconds_count", method="GET", route=route),
            _metric(text, "jobmatch_http_requests_total", method="GET", route="(unmatched)", status="404"),
        )

    before = counts(client.get("/metrics").get_data(as_text=True))
    api.get(f"/api/v1/laborers/{laborer.id}")
    api.get(f"/api/v1/laborers/{laborer.id}?q=13812345678")
    api.get("/api/v1/laborers/999999")
    api.get("/api/v1/no-such-thing/13812345678")
    text = client.get("/metrics").get_data(as_text=True)
    assert counts(text) == (before[0] + 2, before[1] + 1, before[2] + 3, before[3] + 1)
    assert f"/api/v1/laborers/{laborer.id}" not in text and "13812345678" not in text


def test_metrics_time_matches_and_name_the_serving_ranker(api, client):
    factories.household()
    laborer = factories.laborer()
    before = _metric(
        client.get("/metrics").get_data(as_text=True),
        "jobmatch_match_duration_seconds_count",
        direction="laborer_to_openings",
    )
    assert api.get(f"/api/v1/laborers/{laborer.id}/matches").status_code == 200
    response = client.get("/metrics")
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    count = _metric(text, "jobmatch_match_duration_seconds_count", direction="laborer_to_openings")
    assert count == before + 1
    # A match that found no laborer is counted as a request, not timed as a match.
    assert api.get("/api/v1/laborers/999999/matches").status_code == 404
    text = client.get("/metrics").get_data(as_text=True)
    assert _metric(text, "jobmatch_match_duration_seconds_count", direction="laborer_to_openings") == count
    assert _metric(text, "jobmatch_ranker_serving", version=PRIOR_VERSION) == 1


def test_metrics_are_for_this_machine_or_an_admin(client, regions):
    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", environ_base=REMOTE).status_code == 403
    # Through a proxy on this machine, the caller is not local.
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 403
    bureau = token_for("bureau-metrics", Role.bureau, [regions["county"]])
    admin = token_for("admin-metrics", Role.admin)
    as_bureau = client.get("/metrics", environ_base=REMOTE, headers={"Authorization": f"Bearer {bureau}"})
    as_admin = client.get("/metrics", environ_base=REMOTE, headers={"Authorization": f"Bearer {admin}"})
    assert as_bureau.status_code == 403 and as_bureau.mimetype == "application/problem+json"
    assert as_admin.status_code == 200 and "jobmatch_http_requests_total" in as_admin.get_data(as_text=True)


def test_metrics_add_up_every_worker_in_multiprocess_mode(client, tmp_path, monkeypatch):
    from prometheus_client import CollectorRegistry, Counter, values

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    # What a gunicorn worker writes when the directory is set at its start.
    monkeypatch.setattr(values, "ValueClass", values.MultiProcessValue(lambda: 4242))
    worker = Counter("jobmatch_test_worker_total", "a worker's count", registry=CollectorRegistry())
    worker.inc(3)
    text = client.get("/metrics").get_data(as_text=True)
    assert "jobmatch_test_worker_total 3.0" in text

"""The ranker page: train in the background, see the new card beside the serving one, promote, roll back,
and read a refusal in the page's language."""

from __future__ import annotations

import itertools
import re

import pytest

from bench import simulator
from jobmatch.jobs.models import Job
from jobmatch.matches import training
from jobmatch.matching import ranker
from tests.pages import csrf, login

# The module's fitted history is made once: its tests run in one process.
pytestmark = pytest.mark.xdist_group("ranker_page")


@pytest.fixture(scope="module")
def history():
    """Referral outcomes of a simulated county (the test database has too few to learn from)."""
    return simulator.history(simulator.county(seed=3, laborers=200, posts=60), seed=4, per_laborer=5)


@pytest.fixture
def quick_training(app, monkeypatch, tmp_path, history):
    """Training on the simulated outcomes with the logistic candidate only, into this test's own folder."""
    monkeypatch.setitem(app.config, "MODELS_DIR", str(tmp_path))
    monkeypatch.setattr(training, "training_set", lambda settled_by=None: history)
    # The back-test replays recorded referrals, which the simulated county has not got.
    monkeypatch.setattr(training, "backtest", lambda model=None, months=3: {"overall": {"in_top10": 0.5}})
    logistic = ranker.candidate_estimators
    monkeypatch.setattr(
        ranker, "candidate_estimators", lambda seed: {"logistic_regression": logistic(seed)["logistic_regression"]}
    )
    versions = (f"20260401-0{n}0000" for n in itertools.count(1))
    monkeypatch.setattr(training, "new_version", lambda: next(versions))
    return monkeypatch


def _cards(page: str) -> dict[str, str]:
    """Each card's version and its heading (serving, new, candidate)."""
    return dict(
        (version, heading.strip())
        for heading, version in re.findall(r'<h2>\s*([^<]+?)\s*<small class="mono">([^<]+)</small>', page)
    )


def _train(client) -> str:
    response = client.post("/admin/ranker/train", data={"csrf_token": csrf(client, "/admin/ranker")})
    assert response.status_code == 302 and "job=" in response.location
    return client.get(response.location).get_data(as_text=True)


def test_train_shows_the_new_card_then_promote_and_roll_back(app, client, county, quick_training):
    login(client, "admin")
    page = _train(client)
    job = Job.query.order_by(Job.id.desc()).first()
    assert job.state == "done" and job.result["version"] == job.result["card"]["version"] == "20260401-010000"
    assert job.created_by_id == county["users"]["admin"].id
    assert 'value="100"' in page
    # The new card beside the serving prior, not the serving model's card again.
    assert _cards(page) == {ranker.PRIOR_VERSION: "当前服务", "20260401-010000": "刚训练的模型"}
    # This one does not beat the serving prior: the card says why before anyone clicks.
    assert "不能启用" in page and "未超过当前服务模型" in page

    refused = client.post(
        "/admin/ranker/promote",
        data={"csrf_token": csrf(client, "/admin/ranker"), "version": "20260401-010000"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "模型 20260401-010000 未启用" in refused
    assert ranker.serving_state(training.models_dir())["serving"] is None

    quick_training.setattr(ranker, "promotion_verdict", lambda metrics: {"eligible": True, "reasons": []})
    _train(client)
    promoted = client.post(
        "/admin/ranker/promote",
        data={"csrf_token": csrf(client, "/admin/ranker"), "version": "20260401-020000"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "已启用模型 20260401-020000" in promoted
    assert _cards(promoted)["20260401-020000"] == "当前服务"
    assert ranker.serving_state(training.models_dir())["serving"] == "20260401-020000"

    rolled = client.post(
        "/admin/ranker/rollback", data={"csrf_token": csrf(client, "/admin/ranker")}, follow_redirects=True
    ).get_data(as_text=True)
    assert f"现在服务的是 {ranker.PRIOR_VERSION}" in rolled or "先验模型" in rolled
    assert _cards(rolled)[ranker.PRIOR_VERSION] == "当前服务"
    assert ranker.serving_state(training.models_dir())["serving"] is None


def test_a_refusal_reads_in_english_on_the_english_page(app, client, county, quick_training):
    login(client, "admin")
    client.get("/lang/en")
    _train(client)
    page = client.post(
        "/admin/ranker/promote",
        data={"csrf_token": csrf(client, "/admin/ranker"), "version": "20260401-010000"},
        follow_redirects=True,
    ).get_data(as_text=True)
    flash = re.search(r'<div class="flash error" role="status">([^<]+)</div>', page).group(1)
    assert flash.startswith("ranker 20260401-010000 not promoted: NDCG@10")
    assert not re.search(r"[\u4e00-\u9fff]", flash)


def test_training_without_outcomes_fails_with_the_reason_on_the_page(app, client, county, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "MODELS_DIR", str(tmp_path))
    login(client, "admin")
    page = _train(client)
    assert "尚无推荐结果记录，无法训练" in page
    assert Job.query.one().state == "failed"


def test_the_api_starts_training_and_the_job_ends_with_the_new_card(app, as_role, county, quick_training):
    admin = as_role("admin")
    started = admin.post("/api/v1/ranker/train")
    assert started.status_code == 202
    job_url = started.headers["Location"]
    assert job_url == f"/api/v1/jobs/{started.get_json()['id']}" == started.get_json()["url"]
    job = admin.get(job_url).get_json()
    assert (job["kind"], job["state"], job["percent"], job["finished"]) == ("train_ranker", "done", 100, True)
    assert job["message"] == {"zh": "完成", "en": "Done"} and job["error"] is None
    assert job["result"]["version"] == job["result"]["card"]["version"] == "20260401-010000"
    assert job["result"]["card"]["holdout_metrics"]["model"]
    # The new card is a candidate: the prior still serves.
    status = admin.get("/api/v1/ranker").get_json()
    assert status["card"]["version"] == ranker.PRIOR_VERSION and status["serving"] is None
    assert "20260401-010000" in status["versions"]
    # Bureau staff read the ranker but neither train nor read an admin's job.
    assert as_role("bureau").post("/api/v1/ranker/train").status_code == 403
    assert as_role("bureau").get(job_url).status_code == 404

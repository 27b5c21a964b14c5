"""Background jobs: progress a page can read while the job works and after a reload, failures shown, scope."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from jobmatch.accounts.scope import set_current_user
from jobmatch.extensions import db
from jobmatch.jobs import runner
from jobmatch.jobs.models import Job
from jobmatch.modelbase import utcnow
from tests.pages import login

STEP_TIMEOUT_S = 30


@pytest.fixture
def waiting_kind():
    """A kind of job that reports 2 of 4 steps, then waits until the test lets it finish."""
    reached, release = threading.Event(), threading.Event()

    @runner.register("test_waiting", "测试任务", "Test job")
    def waiting(params: dict, progress: runner.Progress) -> dict:
        progress(2, 4, "第二步：核对名单", "Step two: checking the list")
        reached.set()
        assert release.wait(STEP_TIMEOUT_S)
        return {"checked": 4}

    yield reached, release
    runner.KINDS.pop("test_waiting", None)


@pytest.fixture
def failing_kind():
    @runner.register("test_failing", "测试任务", "Test job")
    def failing(params: dict, progress: runner.Progress) -> dict:
        progress(1, 3, "第一步", "Step one")
        raise ValueError("a fault in the code")

    yield
    runner.KINDS.pop("test_failing", None)


def _start(app, user, kind: str, county_id=None) -> int:
    # The user's id is read here, in the test's app: read inside the other app's context, the test's session
    # would load it through that app's engine and hold its connection past that app's end.
    model, user_id = type(user), user.id
    with app.test_request_context():
        set_current_user(db.session.get(model, user_id))
        job = runner.start(kind, {}, county_id)
        return job.id


def test_progress_is_readable_while_the_job_runs_and_after_a_page_reload(make_app, county, waiting_kind):
    reached, release = waiting_kind
    queued = make_app(JOBS_QUEUE="memory")
    admin = county["users"]["admin"]
    job_id = _start(queued, admin, "test_waiting")
    client = queued.test_client()
    login(client, "admin")
    waiting = client.get(f"/jobs/{job_id}/status").get_json()
    assert (waiting["state"], waiting["percent"], waiting["message"]) == ("queued", 0, "排队等待")

    worker = threading.Thread(target=runner.runner_of(queued).work_once)
    worker.start()
    try:
        assert reached.wait(STEP_TIMEOUT_S)
        status = client.get(f"/jobs/{job_id}/status").get_json()
        assert (status["state"], status["done"], status["total"], status["percent"]) == ("running", 2, 4, 50)
        assert status["message"] == "第二步：核对名单"
        # A reload of the page draws the bar where the job is, with who started it.
        page = client.get(f"/admin/ranker?job={job_id}").get_data(as_text=True)
        assert 'value="50"' in page and "第二步：核对名单" in page and "admin" in page
    finally:
        release.set()
        worker.join(STEP_TIMEOUT_S)
    done = client.get(f"/jobs/{job_id}/status").get_json()
    assert (done["state"], done["percent"], done["finished"]) == ("done", 100, True)
    assert db.session.get(Job, job_id).result == {"checked": 4}


def test_a_failed_job_says_so_in_the_pages_language_and_logs_the_fault(app, client, county, failing_kind, caplog):
    job_id = _start(app, county["users"]["admin"], "test_failing")
    login(client, "admin")
    status = client.get(f"/jobs/{job_id}/status").get_json()
    assert status["state"] == "failed" and status["finished"]
    assert status["error"].startswith("任务出错")
    client.get("/lang/en")
    english = client.get(f"/jobs/{job_id}/status").get_json()
    assert english["error"].startswith("The job failed")
    assert "job %s (%s) failed" in [r.msg for r in caplog.records]


def test_a_job_is_seen_by_its_starter_its_countys_bureau_and_admins_only(app, make_app, county):
    bureau = county["users"]["bureau"]
    job_id = _start(app, bureau, "train_ranker", county["county"].id)
    seen = {}
    for role in ("admin", "bureau", "cadre", "manager"):
        other = make_app().test_client()
        login(other, role)
        seen[role] = other.get(f"/jobs/{job_id}/status").status_code
    assert seen == {"admin": 200, "bureau": 200, "cadre": 404, "manager": 404}


@pytest.fixture
def dying_kind():
    """A kind of job whose worker stops halfway (as a killed process does): no end is ever written."""

    @runner.register("test_dying", "测试任务", "Test job")
    def dying(params: dict, progress: runner.Progress) -> dict:
        progress(1, 3, "第一步", "Step one")
        raise SystemExit("the worker was killed")

    yield
    runner.KINDS.pop("test_dying", None)


def _age_heartbeat(job_id: int, seconds: float) -> None:
    """Move a job's heartbeat back, as if that long had passed since its worker last reported."""
    db.session.execute(
        sa.update(Job).where(Job.id == job_id).values(heartbeat_at=utcnow() - timedelta(seconds=seconds))
    )
    db.session.commit()


def test_a_job_whose_worker_died_is_failed_once_its_heartbeat_is_too_old(make_app, county, dying_kind):
    queued = make_app(JOBS_QUEUE="memory")
    job_id = _start(queued, county["users"]["admin"], "test_dying")

    def worker() -> None:
        try:
            runner.runner_of(queued).work_once()
        except SystemExit:
            pass

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(STEP_TIMEOUT_S)
    client = queued.test_client()
    login(client, "admin")
    # Just after the worker stopped, its last heartbeat is recent: the job still looks alive.
    alive = client.get(f"/jobs/{job_id}/status").get_json()
    assert (alive["state"], alive["done"], alive["total"]) == ("running", 1, 3)
    assert db.session.get(Job, job_id).heartbeat_at is not None

    _age_heartbeat(job_id, runner.HEARTBEAT_LIMIT_S + 1)
    failed = client.get(f"/jobs/{job_id}/status").get_json()
    assert (failed["state"], failed["finished"]) == ("failed", True)
    assert failed["error"].startswith("执行任务的后台进程已停止")
    client.get("/lang/en")
    assert client.get(f"/jobs/{job_id}/status").get_json()["error"].startswith("worker stopped")
    db.session.expire_all()
    assert db.session.get(Job, job_id).finished_at is not None


def test_the_sweep_fails_running_jobs_without_a_heartbeat_and_leaves_live_ones(app, county):
    admin = county["users"]["admin"]
    now = utcnow()
    dead, live = (
        Job(kind="test_dying", state="running", created_by_id=admin.id, started_at=now, heartbeat_at=now)
        for _ in range(2)
    )
    db.session.add_all([dead, live])
    db.session.commit()
    _age_heartbeat(dead.id, runner.HEARTBEAT_LIMIT_S + 1)
    _age_heartbeat(live.id, runner.HEARTBEAT_LIMIT_S - 60)
    assert runner.sweep()["failed"] == 1
    db.session.expire_all()
    assert (dead.state, dead.error_en.split(":")[0]) == ("failed", "worker stopped")
    assert live.state == "running" and live.error_en is None
    assert runner.sweep()["failed"] == 0

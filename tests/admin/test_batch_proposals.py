"""Batch proposals on the bureau's page: run in the background, review as a table, untick, confirm the rest."""

from __future__ import annotations

import re

import pytest

from jobmatch.extensions import db
from jobmatch.jobs import runner
from jobmatch.jobs.models import Job
from jobmatch.people.models import Laborer
from jobmatch.placements.models import Referral
from jobmatch.posts import service as posts
from tests import factories
from tests.pages import csrf, login


@pytest.fixture
def sewing_post(county):
    employer = posts.save_employer({"name": "横峰服装厂", "kind": "enterprise", "region_code": factories.VILLAGE_CODE})
    return posts.save_opening(
        {
            "code": "GWHF01",
            "kind": "enterprise",
            "title": "横峰缝纫工",
            "employer_id": employer.id,
            "region_code": factories.VILLAGE_CODE,
            "required_skills": ["缝纫"],
            "headcount": 5,
        }
    )


def _run(client, region: str):
    return client.post("/proposals", data={"csrf_token": csrf(client, "/proposals"), "region": region})


def test_unticked_lines_stay_proposals_and_ticked_ones_become_referrals(client, county, sewing_post):
    login(client, "bureau")
    started = _run(client, county["county"].code)
    assert started.status_code == 302
    page = client.get(started.location).get_data(as_text=True)
    job = Job.query.one()
    assert job.state == "done" and job.county_id == county["county"].id
    lines = re.findall(r'name="line" value="(\d+)" checked', page)
    assert len(lines) == len(job.result["lines"]) >= 2
    # Each line: the laborer with a masked ID number and age, the post, the chance, household, distance.
    east_a, east_b = county["east"]
    assert "东甲" in page and "东乙" in page and "横峰缝纫工" in page and "公里" in page
    assert east_a.id_number not in page and east_a.id_number[:3] + "*" in page
    assert "家中无人就业" in page

    # Untick every line but 东甲's: only 东甲 is referred.
    kept = [line for line in job.result["lines"] if line["laborer_id"] == east_a.id]
    confirmed = client.post(
        f"/proposals/{job.id}/confirm",
        data={"csrf_token": csrf(client, "/proposals"), "line": [str(job.result["lines"].index(kept[0]))]},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "已确认：生成 1 条推荐" in confirmed
    confirming = Job.query.filter_by(kind="confirm_proposal").one()
    assert confirming.params == {"proposal": job.id, "lines": [job.result["lines"].index(kept[0])]}
    assert confirming.state == "done" and confirming.result == {"proposal": job.id, "created": 1, "refused": 0}
    referrals = Referral.query.all()
    assert [(r.laborer_id, r.opening_id) for r in referrals] == [(east_a.id, sewing_post.id)]
    assert referrals[0].note == "批量推荐确认"
    # Confirming again changes nothing.
    again = client.post(
        f"/proposals/{job.id}/confirm",
        data={"csrf_token": csrf(client, "/proposals"), "line": ["0", "1"]},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "这份建议已确认过" in again
    assert Referral.query.count() == 1


def test_a_region_outside_the_county_is_an_error_under_the_field(client, county, sewing_post):
    login(client, "bureau")
    refused = _run(client, "361100000000")
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert re.search(r'<div class="field-error" role="alert" id="region-error">请选择本县或其中一个乡镇</div>', page)
    assert Job.query.count() == 0


def test_a_township_proposal_covers_its_villages_only(client, county, sewing_post):
    login(client, "bureau")
    client.get(_run(client, county["township"].code).location)
    job = Job.query.one()
    assert job.params["region"] == county["township"].code and job.state == "done"
    laborers = [db.session.get(Laborer, line["laborer_id"]) for line in job.result["lines"]]
    assert laborers and all(lab.household.village.parent_id == county["township"].id for lab in laborers)


def test_confirming_runs_in_the_background_and_the_page_shows_its_progress(make_app, county, sewing_post):
    queued = make_app(JOBS_QUEUE="memory")
    worker = runner.runner_of(queued)
    client = queued.test_client()
    login(client, "bureau")
    page = client.get(_run(client, county["county"].code).location).get_data(as_text=True)
    assert "排队等待" in page and 'data-finished="false"' in page
    assert worker.work_once()
    proposal = Job.query.filter_by(kind="batch_proposal").one()
    lines = [str(n) for n in range(len(proposal.result["lines"]))]
    assert len(lines) >= 2

    started = client.post(
        f"/proposals/{proposal.id}/confirm", data={"csrf_token": csrf(client, "/proposals"), "line": lines}
    )
    assert started.status_code == 302 and started.location.endswith(f"/proposals?job={proposal.id}")
    # A reload while the confirmation waits: its progress bar, the boxes locked, no second confirm button.
    waiting = client.get(started.location).get_data(as_text=True)
    assert "正在确认勾选的推荐" in waiting and waiting.count('data-finished="false"') == 1
    assert "确认勾选的推荐</button>" not in waiting and 'checked aria-label="推荐 东甲" disabled' in waiting
    twice = client.post(
        f"/proposals/{proposal.id}/confirm",
        data={"csrf_token": csrf(client, "/proposals"), "line": lines},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "这份建议已确认过" in twice
    assert Referral.query.count() == 0

    assert worker.work_once() and not worker.work_once()
    done = client.get(started.location).get_data(as_text=True)
    assert f"已确认：生成 {len(lines)} 条推荐" in done and "正在确认勾选的推荐" not in done
    db.session.expire_all()
    assert Referral.query.count() == len(lines)
    assert Job.query.filter_by(kind="confirm_proposal").one().percent == 100

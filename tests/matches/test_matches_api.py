"""Matches through the API: explained, scoped, and current across workers."""

from __future__ import annotations

import time
from pathlib import Path

from jobmatch.accounts import tokens
from jobmatch.accounts.service import get_user
from jobmatch.matches.index import REFRESH_INTERVAL_S
from jobmatch.matching import ranker
from jobmatch.posts.service import save_opening
from tests import factories
from tests.matching.test_engine import _training_set


def _post(title: str, skills: list[str], **kw) -> int:
    data = {
        "kind": "enterprise",
        "title": title,
        "region_code": factories.TOWNSHIP_CODE,
        "headcount": 3,
        "age_min": 18,
        "age_max": 60,
        "required_skills": skills,
        "wage_min": 3000,
        "wage_max": 4000,
        "county_code": factories.COUNTY_CODE,
    } | kw
    from jobmatch.extensions import db
    from jobmatch.posts.models import Employer

    employer = db.session.query(Employer).first() or Employer(name="横峰服饰", kind="enterprise")
    db.session.add(employer)
    db.session.commit()
    return save_opening(data | {"employer_id": employer.id}).id


def test_a_cadre_gets_explained_matches_for_a_laborer_in_their_village(as_role, county):
    sewing = _post("缝纫工", ["縫紉"])
    welding = _post("电焊工", ["电焊"])
    body = as_role("cadre").get(f"/api/v1/laborers/{county['east'][0].id}/matches?limit=5").get_json()
    assert [item["opening"]["id"] for item in body["items"]][:2] == [sewing, welding]
    first = body["items"][0]
    assert 0 < first["score"] < 1 and first["rank"] == 1
    kinds = {r["kind"] for r in first["reasons"]}
    assert {"skill", "distance", "age", "wage"} <= kinds
    skill = next(r for r in first["reasons"] if r["kind"] == "skill")
    assert "会踩缝纫机" in skill["zh"] and "缝纫工" in skill["zh"] and "skill match" in skill["en"]
    assert body["model_version"] == ranker.PRIOR_VERSION


def test_matches_outside_the_cadres_villages_are_not_found_and_managers_may_not_ask(as_role, county):
    _post("缝纫工", ["缝纫"])
    assert as_role("cadre").get(f"/api/v1/laborers/{county['west'].id}/matches").status_code == 404
    assert as_role("manager").get(f"/api/v1/laborers/{county['west'].id}/matches").status_code == 403


def test_a_short_list_says_why_and_what_would_widen_it(as_role, county):
    _post("年轻普工", [], age_min=18, age_max=30)
    body = as_role("cadre").get(f"/api/v1/laborers/{county['east'][0].id}/matches?limit=5").get_json()
    assert body["items"] == []
    assert body["shortfall"]["why"][0]["rule"] == "age"
    assert body["shortfall"]["widen"] and body["shortfall"]["widen"][0]["zh"]


def test_opening_matches_list_only_laborers_the_caller_may_see(as_role, county):
    opening = _post("缝纫工", ["缝纫"])
    cadre = as_role("cadre").get(f"/api/v1/openings/{opening}/matches").get_json()
    bureau = as_role("bureau").get(f"/api/v1/openings/{opening}/matches").get_json()
    assert {item["laborer"]["name"] for item in cadre["items"]} <= {"东甲", "东乙"}
    assert {item["laborer"]["name"] for item in bureau["items"]} >= {item["laborer"]["name"] for item in cadre["items"]}
    assert "西丙" not in {item["laborer"]["name"] for item in bureau["items"]}  # already employed in the workshop


def test_an_opening_posted_through_one_worker_is_matched_by_another_within_a_second(county, make_app):
    worker_a, worker_b = make_app().test_client(), make_app().test_client()
    cadre_id = county["users"]["cadre"].id
    bureau_id = county["users"]["bureau"].id
    with worker_b.application.app_context():
        cadre_token = tokens.issue_token(get_user(cadre_id), "b")
    with worker_a.application.app_context():
        bureau_token = tokens.issue_token(get_user(bureau_id), "a")
    laborer_id = county["east"][0].id
    url = f"/api/v1/laborers/{laborer_id}/matches?limit=10"
    cadre = {"Authorization": f"Bearer {cadre_token}"}
    assert worker_b.get(url, headers=cadre).get_json()["items"] == []  # worker B builds its index: nothing yet
    employer = worker_a.post(
        "/api/v1/employers",
        json={"name": "新厂", "kind": "enterprise"},
        headers={"Authorization": f"Bearer {bureau_token}"},
    ).get_json()
    created = worker_a.post(
        "/api/v1/openings",
        json={
            "kind": "enterprise",
            "title": "缝纫工",
            "employer_id": employer["id"],
            "headcount": 2,
            "region_code": factories.TOWNSHIP_CODE,
            "required_skills": ["缝纫"],
        },
        headers={"Authorization": f"Bearer {bureau_token}"},
    ).get_json()
    # Worker B looks for changes at its first match once REFRESH_INTERVAL_S (0.5 s) has passed since its last
    # look: waited out, its next answer has the opening, however slowly this machine answers meanwhile.
    time.sleep(REFRESH_INTERVAL_S + 0.1)
    seen = [i["opening"]["id"] for i in worker_b.get(url, headers=cadre).get_json()["items"]]
    assert created["id"] in seen, "worker B did not see the new opening at its first match after 0.6 s"
    # closing it through worker A takes it out of worker B's matches just as fast
    worker_a.patch(
        f"/api/v1/openings/{created['id']}",
        json={"status": "closed"},
        headers={"Authorization": f"Bearer {bureau_token}"},
    )
    time.sleep(REFRESH_INTERVAL_S + 0.1)
    assert created["id"] not in [i["opening"]["id"] for i in worker_b.get(url, headers=cadre).get_json()["items"]]


def test_skill_normalisation_reads_colloquial_and_traditional_forms(as_role, county):
    body = as_role("manager").get("/api/v1/skills/normalize?q=會開叉車").get_json()
    assert body["items"][0]["name"] == "叉车司机" and body["items"][0]["score"] >= 0.9
    assert as_role("cadre").get("/api/v1/skills/normalize").status_code == 422


def test_the_ranker_serves_the_prior_until_one_is_trained(as_role, county):
    status = as_role("bureau").get("/api/v1/ranker").get_json()
    assert status["serving"] is None and status["card"]["kind"] == "prior"
    started = as_role("admin").post("/api/v1/ranker/train")
    assert started.status_code == 202
    job = as_role("admin").get(started.headers["Location"]).get_json()
    assert job["state"] == "failed" and job["result"] is None
    assert "尚无推荐结果记录" in job["error"]["zh"] and "no recorded referral outcomes" in job["error"]["en"]
    assert as_role("cadre").post("/api/v1/ranker/train").status_code == 403


def test_an_admin_adds_a_synonym_and_every_worker_reads_it(as_role, county, make_app):
    admin = as_role("admin")
    assert admin.get("/api/v1/skills/normalize?q=针车").get_json()["items"] == []
    added = admin.post("/api/v1/skills/synonyms", json={"skill_code": "sewing", "synonym": "針車"})
    assert added.status_code == 201 and added.get_json()["synonym"] == "针车"
    other_worker = make_app().test_client()
    token = admin.headers["Authorization"]
    after = other_worker.get("/api/v1/skills/normalize?q=针车", headers={"Authorization": token}).get_json()
    assert after["items"][0]["code"] == "sewing" and after["items"][0]["score"] == 1.0
    again = admin.post("/api/v1/skills/synonyms", json={"skill_code": "welder", "synonym": "针车"})
    assert again.status_code == 409
    bad = admin.post("/api/v1/skills/synonyms", json={"skill_code": "no_such_skill", "synonym": "某某"})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "skill_code"
    assert (
        as_role("cadre").post("/api/v1/skills/synonyms", json={"skill_code": "sewing", "synonym": "衣车"}).status_code
        == 403
    )


def test_a_batch_proposal_gives_each_place_once_and_only_to_laborers_in_scope(as_role, county, runner, tmp_path):
    one_place = _post("缝纫工", ["缝纫"], headcount=1)
    body = as_role("cadre").post("/api/v1/assignments", json={"region": factories.COUNTY_CODE}).get_json()
    assert {item["laborer_name"] for item in body["items"]} <= {"东甲", "东乙"}
    assert sum(item["opening_id"] == one_place for item in body["items"]) <= 1
    assert body["summary"]["exact"]["expected_hires"] >= body["summary"]["greedy"]["expected_hires"]
    out = tmp_path / "proposal.csv"
    result = runner.invoke(args=["assign", "run", "--region", factories.COUNTY_CODE, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8-sig").startswith("劳动力编号,姓名")
    assert out.stat().st_mode & 0o777 == 0o600  # names and villages: the owner's only
    assert as_role("manager").post("/api/v1/assignments", json={"region": factories.COUNTY_CODE}).status_code == 403


def test_a_promoted_ranker_serves_the_next_match_and_a_rollback_the_one_after(app, as_role, county):
    _post("缝纫工", ["缝纫"])
    cadre = as_role("cadre")
    url = f"/api/v1/laborers/{county['east'][0].id}/matches"
    assert cadre.get(url).get_json()["model_version"] == ranker.PRIOR_VERSION
    directory = Path(app.config["MODELS_DIR"])
    ranker.save(ranker.train(_training_set(), "t-promoted", ranker.PriorModel()), directory)
    try:
        # The worker reads serving.json again only when it changes: the next match uses the new model.
        ranker.promote(directory, "t-promoted")
        assert cadre.get(url).get_json()["model_version"] == "t-promoted"
        ranker.rollback(directory)
        assert cadre.get(url).get_json()["model_version"] == ranker.PRIOR_VERSION
    finally:
        (directory / ranker.SERVING_FILE).unlink(missing_ok=True)

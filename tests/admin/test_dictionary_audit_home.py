"""The skill dictionary page, the audit trail's filters and the administrator's home."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from jobmatch.accounts.models import AuditEvent
from jobmatch.extensions import db
from jobmatch.matches.models import SkillSynonym
from jobmatch.matching import skills
from tests.pages import csrf, login


def test_an_admin_finds_a_skill_adds_a_way_of_writing_it_and_the_phrase_maps_to_it(client, county):
    login(client, "admin")
    found = client.get("/admin/skills?q=缝纫").get_data(as_text=True)
    assert "缝纫工" in found and "sewing" in found
    before = client.get("/admin/skills?phrase=踩洋车").get_data(as_text=True)
    assert not re.search(r"<li><strong>缝纫工</strong> <span class=\"mono\">sewing</span>[^<]*· [^<]*100%", before)

    saved = client.post(
        "/admin/skills",
        data={"csrf_token": csrf(client, "/admin/skills"), "skill_code": "sewing", "synonym": "踩洋车"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "已添加：踩洋车 → 缝纫工" in saved
    assert [(s.skill_code, s.synonym) for s in SkillSynonym.query.all()] == [("sewing", "踩洋车")]
    after = client.get("/admin/skills?phrase=踩洋车").get_data(as_text=True)
    first = re.search(r'<ol class="readings">\s*<li><strong>([^<]+)</strong>', after).group(1)
    assert first == "缝纫工"
    assert skills.normalize_skill("踩洋车", 1)[0].code == "sewing"


def test_a_synonym_already_taken_is_an_error_under_its_field_and_the_choice_is_kept(client, county):
    login(client, "admin")
    page = client.post(
        "/admin/skills",
        data={"csrf_token": csrf(client, "/admin/skills"), "skill_code": "welder", "synonym": "做衣服"},
    ).get_data(as_text=True)
    assert re.search(
        r'<div class="field-error" role="alert" id="synonym-error">“做衣服”已是技能“缝纫工”的写法</div>', page
    )
    assert re.search(r'<option selected value="welder">|<option value="welder" selected>', page)
    assert 'value="做衣服"' in page
    assert SkillSynonym.query.count() == 0


def _event(actor, action, entity_type, entity_id, day, changes=None):
    db.session.add(
        AuditEvent(
            actor_id=actor.id if actor else None,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            changes=changes or {},
            occurred_at=datetime(2026, 4, day, 3, 0, tzinfo=UTC),
        )
    )


def test_the_audit_trail_filters_by_person_record_and_date_and_folds_details(client, county):
    users = county["users"]
    _event(users["cadre"], "update", "laborers", 7, 1, {"phone": "changed", "skills": ["缝纫", "养猪"] * 30})
    _event(users["bureau"], "create", "openings", 3, 2)
    _event(users["cadre"], "reveal", "laborers", 8, 3)
    db.session.commit()
    login(client, "admin")

    def rows(query: str) -> list[str]:
        page = client.get("/admin/audit?" + query).get_data(as_text=True)
        return re.findall(r'<td><a href="\?entity_type=[^"]+">([^<]+)</a></td>', page)

    assert rows(f"actor_id={users['cadre'].id}") == ["劳动力 #8", "劳动力 #7"]
    assert rows("entity_type=openings") == ["岗位 #3"]
    assert rows("entity_type=laborers&entity_id=7") == ["劳动力 #7"]
    assert rows("since=2026-04-02&until=2026-04-02") == ["岗位 #3"]
    page = client.get("/admin/audit?entity_id=7").get_data(as_text=True)
    assert '<details class="changes"><summary>2 项: phone, skills</summary>' in page
    assert "…" in page  # a long value is cut in the folded details
    assert ">修改<" in page and ">cadre</a>" in page

    bad = client.get("/admin/audit?since=2026-13-01&entity_id=abc").get_data(as_text=True)
    assert re.search(r'id="since-error">日期格式应为 2026-04-01<', bad)
    assert re.search(r'id="entity_id-error">记录编号须为整数<', bad)
    assert 'value="2026-13-01"' in bad and 'value="abc"' in bad


def test_the_admins_home_shows_accounts_and_health_and_other_roles_keep_theirs(client, make_app, county):
    login(client, "admin")
    home = client.get("/").get_data(as_text=True)
    assert "系统状态" in home and "数据库可用" in home and "排序模型已加载" in home
    assert re.search(r"<td>村干部</td><td>1</td><td>0</td>", home)
    bureau = make_app().test_client()
    login(bureau, "bureau")
    assert "系统状态" not in bureau.get("/").get_data(as_text=True)

"""Skills as a cadre checks them: what they type is read as the right canonical skill, and fit is explained.

Pure engine tests: no app, no database.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from jobmatch.matching import skills
from jobmatch.text import normalize


def top(query: str) -> skills.SkillMatch:
    """The best canonical reading of a free-text skill."""
    found = skills.normalize_skill(query)
    assert found, f"{query} was not read as any skill"
    return found[0]


def fit(laborer: list[str], required: list[str]) -> skills.SkillFit:
    """Skill fit of a laborer with these skills to an opening asking for those."""
    return skills.skill_fit(skills.profile_skills(laborer), skills.map_required_skills(required))


# --- The dictionary ------------------------------------------------------------------------------------


def test_the_dictionary_has_at_least_200_skills_with_a_version():
    d = skills.dictionary()
    assert len(d) >= 200
    assert d.version


@pytest.mark.parametrize(
    "category",
    [
        "garment",
        "handicraft",
        "electronics",
        "construction",
        "logistics",
        "cleaning_domestic",
        "catering",
        "security",
        "forestry",
        "crops",
        "livestock",
        "aquaculture",
        "food_processing",
        "driving",
        "general",
    ],
)
def test_every_category_named_in_the_issue_has_skills_and_a_chinese_label(category):
    d = skills.dictionary()
    assert any(s.category == category for s in d.skills)
    assert all("\u4e00" <= c <= "\u9fff" for c in d.categories[category])


def test_every_skill_has_a_code_a_name_a_known_category_and_synonyms():
    d = skills.dictionary()
    assert len({s.code for s in d.skills}) == len(d)
    for skill in d.skills:
        assert skill.code.isascii() and skill.name and skill.synonyms, skill.code
        assert skill.category in d.categories, skill.code


def test_a_form_belongs_to_one_skill_unless_documented_as_ambiguous():
    """车工 is both a sewing machinist and a lathe operator; the file says so, and nothing else is shared."""
    d = skills.dictionary()
    owners = {form: ids for form, ids in d.by_text.items() if len(ids) > 1}
    assert set(owners) == {skills.skill_key(f) for f in d.ambiguous}
    codes = {d.skills[i].code for i in owners["车工"]}
    assert codes == {"sewing", "lathe"}


def test_no_form_is_a_single_character_or_a_generic_word():
    d = skills.dictionary()
    assert not [f for f in d.form_texts if len(f) < 2 or f in skills.GENERIC_WORDS]


@pytest.mark.parametrize(
    "code, written",
    [
        ("sewing", ["缝纫", "车工", "做衣服", "会踩缝纫机", "縫紉工", "縫紉"]),
        ("welder", ["电焊", "焊工", "会电焊", "電焊"]),
        ("forklift", ["开叉车", "会开叉车", "叉车", "堆高机"]),
        ("pig", ["喂猪", "养猪", "養豬"]),
    ],
)
def test_the_dictionary_lists_the_forms_cadres_write(code, written):
    skill = skills.dictionary().skills[skills.dictionary().index[code]]
    assert set(written) <= {skill.name, *skill.synonyms}


# --- Reading free text -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, name",
    [
        ("缝纫", "缝纫工"),
        ("做衣服", "缝纫工"),
        ("会踩缝纫机", "缝纫工"),
        ("电焊", "电焊工"),
        ("焊工", "电焊工"),
        ("会电焊", "电焊工"),
        ("开叉车", "叉车司机"),
        ("会开叉车", "叉车司机"),
        ("叉车", "叉车司机"),
        ("堆高机", "叉车司机"),
        ("喂猪", "养猪"),
        ("养猪", "养猪"),
        ("搬砖", "建筑小工"),
        ("看大门", "门卫"),
        ("打扫卫生", "保洁员"),
        ("跑滴滴", "网约车司机"),
    ],
)
def test_colloquial_forms_read_as_the_canonical_skill(query, name):
    assert top(query).name == name
    assert top(query).score == 1.0


@pytest.mark.parametrize(
    "query, name",
    [("縫紉工", "缝纫工"), ("縫紉", "缝纫工"), ("電焊", "电焊工"), ("會開叉車", "叉车司机"), ("養豬", "养猪")],
)
def test_traditional_characters_read_like_simplified(query, name):
    assert top(query).name == name
    assert top(query).score == 1.0


@pytest.mark.parametrize(
    "query, name", [("ＣＮＣ", "数控操作工"), ("ｃｎｃ操作工", "数控操作工"), ("电焊\u3000工", "电焊工")]
)
def test_full_width_letters_and_spaces_read_like_half_width(query, name):
    assert top(query).name == name
    assert top(query).score == 1.0


@pytest.mark.parametrize(
    "query, name",
    [("以前做过电焊", "电焊工"), ("我会踩缝纫机", "缝纫工"), ("能开挖掘机", "挖掘机司机"), ("电焊经验", "电焊工")],
)
def test_extra_words_around_a_skill_are_set_aside(query, name):
    match = top(query)
    assert match.name == name
    assert 0.9 <= match.score < 1.0


@pytest.mark.parametrize(
    "query, name", [("电汗", "电焊工"), ("电汗工", "电焊工"), ("缝任工", "缝纫工"), ("会开插车", "叉车司机")]
)
def test_homophone_typos_read_as_the_skill_a_little_less_surely(query, name):
    match = top(query)
    assert match.name == name
    assert 0.85 <= match.score < 1.0


@pytest.mark.parametrize("query", ["工", "员", "师", "司机", "师傅", "工人", "焊", "车"])
def test_one_character_or_a_generic_word_matches_nothing(query):
    assert skills.normalize_skill(query) == []


@pytest.mark.parametrize("query", ["会计", "编程", "钢琴", "律师", "翻译"])
def test_unrelated_skills_are_not_given_a_canonical_skill(query):
    assert skills.normalize_skill(query) == []


def test_scores_are_between_0_and_1_best_first_and_limited():
    found = skills.normalize_skill("会开插车", limit=3)
    assert 0 < len(found) <= 3
    assert all(0.0 <= m.score <= 1.0 for m in found)
    assert [m.score for m in found] == sorted((m.score for m in found), reverse=True)


def test_an_ambiguous_form_gives_both_readings_the_same_score():
    found = skills.normalize_skill("车工")
    assert {m.code for m in found[:2]} == {"sewing", "lathe"}
    assert found[0].score == found[1].score == 1.0


# --- Skill fit -------------------------------------------------------------------------------------------


def test_an_openings_required_skills_are_mapped_to_codes_when_written():
    required = skills.map_required_skills("缝纫工、鎖邊，缝纫工")
    assert [(r.text, r.code) for r in required] == [("缝纫工", "sewing"), ("锁边", "overlock")]


def test_the_fit_explanation_names_the_matched_pair():
    result = fit(["我会踩缝纫机", "养鸡"], ["缝纫工"])
    assert result.score == pytest.approx(0.95)
    assert result.pairs[0].laborer_skill == "我会踩缝纫机"
    assert result.pairs[0].required == "缝纫工"
    assert result.explain() == "我会踩缝纫机 ≈ 缝纫工 (0.95)"
    assert result.explain("en") == "我会踩缝纫机 ≈ 缝纫工 (0.95)"


def test_a_related_skill_gets_partial_credit_clearly_less_than_the_skill_itself():
    exact = fit(["车工"], ["缝纫工"]).score
    related = fit(["车工"], ["锁边工"])
    assert exact == 1.0
    assert 0.0 < related.score <= 0.8
    assert related.pairs[0].relation == "related"
    assert "相近技能" in related.explain()


def test_same_trade_earns_less_than_a_listed_relation():
    related = fit(["电焊"], ["氩弧焊工"]).score
    same_trade = fit(["电焊"], ["冲压工"]).score
    assert 0.0 < same_trade < related < 1.0


def test_an_unrelated_skill_earns_nothing():
    result = fit(["养猪"], ["电焊工"])
    assert result.score == 0.0
    assert result.pairs[0].laborer_skill is None


def test_a_generic_skill_fits_nothing():
    assert fit(["工"], ["电焊工", "叉车司机"]).score == 0.0
    assert fit(["司机"], ["叉车司机"]).score == 0.0


def test_fit_is_the_mean_over_required_skills_with_the_best_alongside():
    result = fit(["电焊"], ["电焊工", "养猪"])
    assert result.score == pytest.approx(0.5)
    assert result.best == 1.0
    assert [p.required for p in result.pairs] == ["电焊工", "养猪"]


def test_an_opening_without_required_skills_fits_everyone():
    assert fit(["养猪"], []).score == skills.NO_REQUIREMENT_FIT


def test_unknown_skills_are_kept_as_written_and_matched_as_text():
    profile = skills.profile_skills(["会做豆豉"])
    assert profile.skills == ("会做豆豉",)
    assert profile.matches == ((),)
    required = skills.map_required_skills(["豆豉"])
    assert required[0].code is None
    result = skills.skill_fit(profile, required)
    assert result.score > 0.9
    assert result.explain().startswith("会做豆豉 ≈ 豆豉")


def test_an_unknown_laborer_skill_is_read_against_a_known_requirement_as_text():
    profile = skills.profile_skills(["手工艺品"])
    assert profile.matches == ((),)
    result = skills.skill_fit(profile, skills.map_required_skills(["竹编工艺品"]))
    pair = result.pairs[0]
    assert (pair.laborer_skill, pair.required, pair.relation) == ("手工艺品", "竹编", "text")
    assert 0.0 < result.score < 1.0


def test_fit_many_agrees_with_skill_fit_for_dictionary_skills():
    profile = skills.profile_skills(["会踩缝纫机", "电汗", "開叉車"])
    openings = [["缝纫工", "锁边工"], ["电焊工"], ["养猪", "叉车司机", "冲压工"], []]
    rows = np.full((len(openings), 3), skills.NO_REQUIREMENT)
    for i, written in enumerate(openings):
        index = skills.required_index(skills.map_required_skills(written))
        rows[i, : len(index)] = index
    expected = [skills.skill_fit(profile, skills.map_required_skills(w)).score for w in openings]
    assert skills.fit_many(profile, rows) == pytest.approx(expected, abs=1e-4)


def test_a_requirement_outside_the_dictionary_counts_zero_in_the_gather():
    profile = skills.profile_skills(["电焊"])
    rows = np.array([[skills.dictionary().index["welder"], skills.UNKNOWN_REQUIREMENT]])
    assert skills.fit_many(profile, rows) == pytest.approx([0.5])


# --- Purity ----------------------------------------------------------------------------------------------


def test_the_skill_engine_imports_neither_flask_nor_the_database():
    source = Path(skills.__file__).read_text(encoding="utf-8")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
    forbidden = ("flask", "apiflask", "sqlalchemy", "flask_sqlalchemy", "jobmatch.extensions", "workshops")
    assert not [m for m in imported if m.split(".")[0] in forbidden or m in forbidden]


def test_dictionary_names_are_stored_simplified():
    assert all(normalize(s.name) == s.name for s in skills.dictionary().skills)

"""Finding people as cadres type on a phone: pinyin, initials, and names typed with a space."""

from __future__ import annotations

import pytest

from jobmatch import text
from tests import factories


@pytest.fixture
def people(regions):
    factories.household(head_name="覃平")
    factories.household(code="3611251002020002", village_code=factories.OTHER_VILLAGE_CODE, head_name="王建国")
    made = {
        "覃平": factories.laborer(name="覃平", sequence=12),
        "谭萍": factories.laborer(name="谭萍", sequence=14, age=30),
        "王秀英": factories.laborer(name="王秀英", sequence=16),
        "秦小平": factories.laborer(name="秦小平", sequence=18),
    }
    return made


def _names(api, q: str, what: str = "laborers") -> set[str]:
    response = api.get(f"/api/v1/{what}", query_string={"q": q})
    assert response.status_code == 200, response.get_json()
    key = "name" if what == "laborers" else "head_name"
    return {item[key] for item in response.get_json()["items"]}


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("tp", {"覃平", "谭萍"}),  # 覃 read as a surname: Tán
        ("TP", {"覃平", "谭萍"}),
        ("tan ping", {"覃平", "谭萍"}),
        ("tanping", {"覃平", "谭萍"}),
        ("qinp", {"覃平"}),  # and as Qín, its reading elsewhere
        ("qxp", {"秦小平"}),
        ("wangxiu", {"王秀英"}),
        ("王 秀英", {"王秀英"}),
        ("ping", set()),  # the start of a spelling, not any syllable inside it
    ],
)
def test_laborers_are_found_by_pinyin_initials_and_spaced_names(api, people, q, found):
    assert _names(api, q) == found


def test_households_are_found_by_the_heads_pinyin(api, people):
    assert _names(api, "tp", "households") == {"覃平"}
    assert _names(api, "wjg", "households") == {"王建国"}


def test_a_renamed_laborer_is_found_by_the_new_name_only(api, people):
    laborer = people["王秀英"]
    assert api.patch(f"/api/v1/laborers/{laborer.id}", json={"name": "李秀英"}).status_code == 200
    assert _names(api, "lxy") == {"李秀英"}
    assert _names(api, "wxy") == set()


def test_the_name_key_keeps_every_reading_of_the_surname_and_fits_its_column():
    assert text.name_search_key("覃平").split() == ["tanping", "qinping", "yanping", "tp", "qp", "yp"]
    assert len(text.name_search_key("单" * 64)) <= text.NAME_KEY_LENGTH
    assert text.search_letters("王") is None and text.search_letters(" Tan Ping ") == "tanping"

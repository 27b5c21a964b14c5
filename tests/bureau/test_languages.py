"""The bureau's pages read wholly in English after the switch, and in Chinese without it."""

from __future__ import annotations

import pytest

from jobmatch.extensions import db
from jobmatch.vocab import EmploymentStatus
from tests.bureau.conftest import migrant_work
from tests.test_page_languages import assert_english

# (path, Chinese the page shows, its English)
PAGES = [
    ("/bureau", "今日待办", "Today's tasks"),
    ("/workshops/{shop}", "帮扶车间认定", "Certification"),
    ("/workshops/{shop}/edit", "修改帮扶车间", "Edit workshop"),
    ("/workshops/new", "登记帮扶车间", "Register a workshop"),
    ("/employers", "登记用工主体", "Register an employer"),
    ("/employers/new", "统一社会信用代码", "Unified social credit code"),
    ("/subsidies", "跨省务工一次性交通补贴", "one-off transport subsidy for cross-province work"),
    ("/subsidies?tab=claimed", "已申领未发放", "Claimed, not paid"),
    ("/attendance/months", "考勤月份关账", "Closing attendance months"),
    ("/consistency", "登记为已就业但家中无人在岗", "recorded as in work, but nobody in the household works"),
]


@pytest.mark.parametrize(("path", "zh", "en"), PAGES, ids=[p[0] for p in PAGES])
def test_the_bureaus_pages_in_english_and_chinese(county, login, path, zh, en):
    east_a, east_b = county["east"]
    migrant_work(east_a, days_ago=120)
    east_b.employment_status = EmploymentStatus.local_enterprise
    db.session.commit()
    path = path.format(shop=county["workshop"].id)

    english = login("bureau", "en").get(path)
    assert english.status_code == 200
    page = english.get_data(as_text=True)
    assert en in page
    assert_english(page)

    chinese = login("bureau").get(path).get_data(as_text=True)
    assert '<html lang="zh-CN">' in chinese and zh in chinese and en not in chinese

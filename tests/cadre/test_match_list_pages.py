"""The matches page: near-duplicate posts as one entry with a count, posts held or referred to marked apart."""

from __future__ import annotations

import pytest

from jobmatch.placements.service import create_referral
from jobmatch.posts import service as posts
from tests import factories
from tests.cadre.conftest import sewing_post

KM = 0.009  # about 1 km of latitude


def test_the_matches_page_says_how_many_similar_posts_an_entry_stands_for(log_in, county):
    employer = posts.save_employer({"name": "横峰服饰", "kind": "enterprise", "county_code": factories.COUNTY_CODE})
    for d in (0.5, 1.0, 1.5, 2.0):
        sewing_post(employer_id=employer.id, latitude=28.43 + d * KM, longitude=117.62)
    page = log_in("cadre").get(f"/laborers/{county['east'][0].id}/matches").get_data(as_text=True)
    assert page.count('id="opening-') == 1
    assert "另有 3 个相似岗位" in page
    english = log_in("cadre", language="en").get(f"/laborers/{county['east'][0].id}/matches").get_data(as_text=True)
    assert "3 similar posts" in english


@pytest.mark.parametrize("role", ["cadre", "bureau", "admin"])
def test_the_matches_page_lists_a_referred_post_apart_without_a_refer_button(log_in, county, role):
    laborer = county["east"][0]
    referred = sewing_post()
    create_referral({"laborer_id": laborer.id, "opening_id": referred.id})
    page = log_in(role).get(f"/laborers/{laborer.id}/matches").get_data(as_text=True)
    assert f'id="marked-{referred.id}"' in page and f'id="opening-{referred.id}"' not in page
    assert "已推荐（拟推荐）" in page and "不再作为新岗位推荐" in page

"""The skill dictionary as the administrator reads it: search, list by category, what a phrase maps to."""

from __future__ import annotations

import sqlalchemy as sa

from jobmatch import text
from jobmatch.extensions import db
from jobmatch.matches.models import SkillSynonym
from jobmatch.matching import skills

# Search results and recently added synonyms shown at once.
SEARCH_LIMIT = 50
ADDED_SHOWN = 30
READINGS = 5


def _row(skill: skills.Skill, added: dict[str, list[str]]) -> dict:
    own = added.get(skill.code, [])
    return {
        "code": skill.code,
        "name": skill.name,
        "category_name": skill.category_name,
        "synonyms": [s for s in skill.synonyms if s not in own],
        "added": own,
    }


def _added_by_skill() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for code, synonym in db.session.execute(sa.select(SkillSynonym.skill_code, SkillSynonym.synonym)):
        out.setdefault(code, []).append(synonym)
    return out


def search(q: str) -> list[dict]:
    """Skills whose name, code, category or any written form contains q (Traditional and full-width too)."""
    key = text.normalize(q).lower()
    d, added = skills.dictionary(), _added_by_skill()
    found = [
        s
        for s in d.skills
        if key in s.name or key in s.code.lower() or key in s.category_name or any(key in f for f in s.synonyms)
    ]
    return [_row(s, added) for s in found[:SEARCH_LIMIT]]


def by_category() -> list[tuple[str, list[dict]]]:
    """Every skill, by category in dictionary order."""
    d, added = skills.dictionary(), _added_by_skill()
    groups: dict[str, list[dict]] = {}
    for s in d.skills:
        groups.setdefault(s.category_name, []).append(_row(s, added))
    return list(groups.items())


def dictionary_rows(q: str) -> list[dict]:
    """The rows the page lists: the search's for `q`, else every skill by category (its export holds the same)."""
    if q:
        return search(q)
    return [row for _, rows in by_category() for row in rows]


def grouped_choices() -> dict[str, list[tuple[str, str]]]:
    """The skill picker's options: names grouped by category (an optgroup each)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for s in skills.dictionary().skills:
        groups.setdefault(s.category_name, []).append((s.code, f"{s.name}（{s.code}）"))
    return groups


def name_of(code: str) -> str:
    d = skills.dictionary()
    return d.skills[d.index[code]].name if code in d.index else code


def reading(phrase: str) -> list[skills.SkillMatch]:
    """What a phrase maps to, best first, with the score the matching uses."""
    return skills.normalize_skill(phrase[:64], READINGS)


def added() -> list[SkillSynonym]:
    return db.session.scalars(sa.select(SkillSynonym).order_by(SkillSynonym.id.desc()).limit(ADDED_SHOWN)).all()

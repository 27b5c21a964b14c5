"""Adding synonyms to the skill dictionary, and keeping every worker's dictionary in step."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from jobmatch import crud, text
from jobmatch.errors import Collector, Conflict, FieldError
from jobmatch.extensions import db
from jobmatch.matches.models import SkillSynonym
from jobmatch.matching import skills

MIN_SYNONYM_CHARS = 2
MAX_SYNONYM_CHARS = 32


def sync() -> None:
    """Serve the synonyms in the database (a cheap check; the dictionary is rebuilt only when they changed)."""
    marker = db.session.execute(sa.select(sa.func.count(), sa.func.max(SkillSynonym.id))).one()
    state = current_app.extensions.setdefault("skill_synonyms", {"marker": None})
    if state["marker"] == tuple(marker):
        return
    extra: dict[str, list[str]] = {}
    for code, synonym in db.session.execute(sa.select(SkillSynonym.skill_code, SkillSynonym.synonym)):
        extra.setdefault(code, []).append(synonym)
    skills.use_synonyms(extra)
    state["marker"] = tuple(marker)


def _clean(data: dict, errors: Collector, obj) -> dict:
    out: dict = {}
    d = skills.dictionary()
    code = data.get("skill_code", "")
    if code not in d.index:
        errors.add("skill_code", "unknown_skill", f"技能代码 {code} 不存在", f"no skill with code {code}")
    else:
        out["skill_code"] = code
    synonym = text.normalize(data.get("synonym", ""))
    if not MIN_SYNONYM_CHARS <= len(synonym) <= MAX_SYNONYM_CHARS:
        errors.add(
            "synonym",
            "bad_length",
            f"同义词须为 {MIN_SYNONYM_CHARS}–{MAX_SYNONYM_CHARS} 个字",
            f"a synonym has {MIN_SYNONYM_CHARS}–{MAX_SYNONYM_CHARS} characters",
        )
        return out
    known = d.by_text.get(skills.skill_key(synonym))
    if known:
        owner = d.skills[known[0]]
        raise Conflict(
            [
                FieldError(
                    "synonym",
                    "duplicate",
                    f"“{synonym}”已是技能“{owner.name}”的写法",
                    f"already a form of {owner.code}",
                )
            ]
        )
    out["synonym"] = synonym
    return out


def _check(state: dict, errors: Collector, obj) -> None:
    """Synonyms have no rules across fields."""


def add(data: dict) -> SkillSynonym:
    """Add a synonym; every worker serves it from its next match."""
    row = crud.save(SkillSynonym, None, data, _clean, _check, ("skill_code", "synonym"))
    sync()
    return row


def listing() -> sa.Select:
    return sa.select(SkillSynonym).order_by(SkillSynonym.id.desc())

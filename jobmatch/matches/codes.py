"""Skill readings stored with the records, so matching never parses text at query time."""

from __future__ import annotations

from jobmatch.matching import skills

# Scores are stored to this many decimals.
SCORE_DECIMALS = 3


# Readings of recent skill lists, for the dictionary they were read with (imports repeat the same few).
READING_CACHE_SIZE = 4096
_readings: dict[tuple[str, ...], list[list]] = {}
_readings_dictionary: list = [None]


def laborer_skill_codes(written: list[str]) -> list[list]:
    """[[code, score], …] best first: every canonical skill the laborer's skills were read as."""
    dictionary = skills.dictionary()
    if _readings_dictionary[0] is not dictionary:
        _readings.clear()
        _readings_dictionary[0] = dictionary
    key = tuple(written)
    if key not in _readings:
        if len(_readings) >= READING_CACHE_SIZE:
            _readings.clear()
        _readings[key] = _read_laborer_skills(written)
    return [list(pair) for pair in _readings[key]]


def _read_laborer_skills(written: list[str]) -> list[list]:
    profile = skills.profile_skills(written)
    best: dict[str, float] = {}
    for matches in profile.matches:
        for match in matches:
            best[match.code] = max(best.get(match.code, 0.0), match.score)
    return [[code, round(score, SCORE_DECIMALS)] for code, score in sorted(best.items(), key=lambda kv: -kv[1])]


def opening_skill_codes(written: list[str]) -> list[str | None]:
    """The dictionary code of each required skill, None where the dictionary has no sure reading."""
    return [required.code for required in skills.map_required_skills(written)]


def backfill(batch: int = 1000) -> int:
    """Read and store the skill codes of rows written without them (bulk loads); return how many."""
    import sqlalchemy as sa

    from jobmatch.extensions import db
    from jobmatch.people.models import Laborer
    from jobmatch.posts.models import Opening

    done = 0
    for model, source, target, read in (
        (Laborer, "skills_raw", "skill_codes", laborer_skill_codes),
        (Opening, "required_skills", "required_skill_codes", opening_skill_codes),
    ):
        while True:
            rows = db.session.scalars(sa.select(model).where(getattr(model, target).is_(None)).limit(batch)).all()
            if not rows:
                break
            for row in rows:
                setattr(row, target, read(getattr(row, source) or []))
            db.session.commit()
            done += len(rows)
    return done

"""Normalising Chinese text on the way in: Traditional → Simplified, NFKC, whitespace.

Pure functions, no Flask: names, titles and skills pass through `normalize`
before they are stored or matched, so 縫紉工, ｆｕｌｌ-width digits and stray
spaces all land as the same Simplified, half-width text.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

_WHITESPACE = re.compile(r"\s+")
# Characters that show nothing but change what text is: zero-width spaces and joiners, the word
# joiner and byte-order mark, and the bidi embeddings, overrides and isolates that reorder what a
# reader sees (a name that displays as one person's and sorts as another's).
INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff\u202a-\u202e\u2066-\u2069]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# Separators cadres use between skills: 、，,；;／/ and line breaks.
_SKILL_SEPARATORS = re.compile(r"[、，,；;／/|\n]+")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    """The OpenCC converter, built on first use (it loads dictionaries)."""
    return opencc.OpenCC("t2s")


def normalize(value: str | None) -> str:
    """Simplified, NFKC-folded text with single spaces and no padding."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", INVISIBLE.sub("", value))
    text = _t2s().convert(text)
    return _WHITESPACE.sub(" ", text).strip()


def normalize_optional(value: str | None) -> str | None:
    """Like `normalize`, but keeps "no value" as None."""
    if value is None:
        return None
    text = normalize(value)
    return text or None


def normalize_digits(value: str) -> str:
    """Half-width digits and upper-case letters without any spaces (ID numbers, phones)."""
    text = unicodedata.normalize("NFKC", value)
    return _WHITESPACE.sub("", text).replace("-", "").upper()


def has_invisible(value: str) -> bool:
    """Whether the text holds zero-width or bidi control characters (refused in codes and ID numbers)."""
    return INVISIBLE.search(value) is not None


def has_lone_surrogate(value: str) -> bool:
    """Whether the text holds half of a UTF-16 pair (JSON's "\\ud800"), which no UTF-8 text can store."""
    return _LONE_SURROGATE.search(value) is not None


def split_skills(value: str | list[str] | None) -> list[str]:
    """Skills as a list of strings, whether written as a list or as one line."""
    if value is None:
        return []
    parts = value if isinstance(value, list) else _SKILL_SEPARATORS.split(value)
    return [p.strip() for p in parts if p and p.strip()]


def normalize_skills(raw: list[str]) -> list[str]:
    """Normalised skills in input order, duplicates removed."""
    seen: dict[str, None] = {}
    for skill in raw:
        text = normalize(skill)
        if text:
            seen.setdefault(text, None)
    return list(seen)


# Names and skills met again and again (every sheet sorts its workers by name): a few MB at most.
PINYIN_KEYS_CACHED = 50_000


@lru_cache(maxsize=PINYIN_KEYS_CACHED)
def pinyin_key(value: str) -> str:
    """Toneless pinyin of the text, so homophone typos (电汗 / 电焊) share a key."""
    from pypinyin import lazy_pinyin

    return " ".join(lazy_pinyin(normalize(value)))


# A name's search key holds a few pinyin spellings; the column that stores it has room for this many characters.
NAME_KEY_LENGTH = 255
_LATIN = re.compile(r"[a-z]+")


def name_search_key(name: str | None) -> str:
    """Pinyin spellings of a name, full and initials, space-separated: 覃平 → "tanping qinping yanping tp qp yp".

    Cadres type names in pinyin or initials on a phone. The first character is a surname, often read
    differently from the same character elsewhere (覃 is Tán as a surname, Qín otherwise), so every reading
    of it is kept; later characters take their usual reading. Stored at write time beside the name.
    """
    from pypinyin import Style, pinyin

    text = normalize(name).replace(" ", "").lower()
    if not text:
        return ""
    readings = [
        [r for r in options if _LATIN.fullmatch(r)] or [options[0]]
        for options in pinyin(text, Style.NORMAL, heteronym=True)
    ]
    first, rest = readings[0], [options[0] for options in readings[1:]]
    full = ["".join([reading, *rest]) for reading in first]
    initials = ["".join(part[0] for part in [reading, *rest]) for reading in first]
    key = ""
    for token in dict.fromkeys(full + initials):
        if len(key) + len(token) + 1 > NAME_KEY_LENGTH:
            break
        key = f"{key} {token}" if key else token
    return key


def search_letters(q: str) -> str | None:
    """The query as pinyin letters ("tan ping" → "tanping", "TP" → "tp"), or None if it is not pinyin."""
    letters = normalize(q).replace(" ", "").lower()
    return letters if letters and _LATIN.fullmatch(letters) else None

"""Skills: the shipped dictionary, free text → canonical skills, and how well a laborer's skills fit an opening.

Pure engine code: no Flask, no database. What a cadre types (会踩缝纫机, 縫紉, 电汗, 开叉车) is
normalised with `jobmatch.text.normalize`, then scored against every form in the dictionary at once
with `rapidfuzz.process.cdist`. The score of a canonical skill is the best of:

- the form itself (1.0), or a form found inside the text, credited by how much of the text it covers
  once filler words (会, 做过, 经验 …) are set aside — this reads 会开叉车 as 叉车司机;
- the same on pinyin, a little lower, for homophone typos (电汗 → 电焊);
- an equal mix of `fuzz.ratio` on characters and on pinyin, for everything else.

`partial_ratio`, `WRatio` and `token_set_ratio` are not used: the first two give 90–100 whenever a short
string sits inside a longer one (工 in 电焊工), the last splits on spaces that Chinese does not write.
`bench/skill_scorers.py` measures the alternatives.

An opening's required skills are mapped to dictionary codes when it is written (`map_required_skills`);
general-labour words (普工, 杂工, 力工) keep their code but ask for no particular skill, so they drop out of
the required set that skill fit reads (`specific_requirements`): such a post fits everyone fully;
a laborer's skills are scored against the dictionary once per query (`profile_skills`); skill fit is then
a lookup in a per-laborer credit vector (`skill_fit`, or `fit_many` for arrays of openings).
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from jobmatch.text import normalize, normalize_skills, pinyin_key, split_skills

DICTIONARY_PATH = Path(__file__).resolve().parent / "data" / "skills.json"

# --- Scores, all on a 0–1 scale ---------------------------------------------------------------------
# The text is one of the dictionary's forms.
EXACT_SCORE = 1.0
# A dictionary form found inside longer text scores between these, rising with the share of the text
# (filler words set aside) it covers: 开叉车 in 会开叉车 covers all → 0.95, 叉车 → 0.87.
CONTAINED_FLOOR = 0.70
CONTAINED_CEIL = 0.95
# A match on pinyin alone is a homophone typo (电汗 for 电焊): likely, but a little less certain than the
# characters. Subtracted rather than multiplied, so a homophone of the whole text (寸保洁 → 村保洁) still
# beats a correct form covering only part of it (保洁).
HOMOPHONE_PENALTY = 0.05
# Equal weights: measured best on 3,000 noisy queries (bench/skill_scorers.py); pinyin carries the typos.
# Pinyin is compared syllable by syllable: letter by letter, 钢琴 (gang qin) came out close to 钢筋 (gang jin).
CHAR_WEIGHT = 0.5
PINYIN_WEIGHT = 0.5
# Fuzzy similarity never reaches an exact or found form: it is capped at the found-form ceiling.
FUZZY_CEIL = CONTAINED_CEIL
# Below this a canonical skill is not offered: an unrelated skill sharing one character and one syllable
# (演员 / 检验员) scores 0.6 on the mix; a correct reading with a character missing scores 0.85.
MIN_SKILL_SCORE = 0.65
# A laborer's skill is read as every canonical skill within this of its best one (ambiguous typos).
RESOLVE_MARGIN = 0.05
# An opening's required skill is stored as a dictionary code only when read at least this surely: every
# laborer with that skill then gets full credit, so a loose reading (做豆豉 as 豆制品加工, 0.67) stays text.
# On the held-out phrases (bench/skill_phrases.py) 0.80 keeps precision at 98.5 % for a recall of 94.1 %;
# 0.70 gains one point of recall for a wrong code more often (果树种植 read as 瓜果种植 at 0.75 was one).
MIN_REQUIRED_SCORE = 0.80

# --- Guards against short and generic text -----------------------------------------------------------
# A found form must have at least this many characters: one character (工, 车) is inside everything.
MIN_CONTAINED_CHARS = 2
# Homophones inside longer text need three syllables: two-syllable homophones are too common
# (施工 / 石工 are both shi gong).
MIN_HOMOPHONE_CONTAINED_CHARS = 3
# Text that only names a kind of worker says nothing about the skill; it matches only exactly.
GENERIC_WORDS = frozenset(
    {"工", "员", "师", "匠", "手", "人", "工人", "师傅", "司机", "技工", "人员", "工作", "打工", "干活", "上班", "技术"}
    | {"普通", "一般", "都会", "什么都会", "无", "没有", "不会", "暂无"}
)
# Words around a skill that do not change it (会开叉车, 做过电焊, 电焊经验). Longest first.
FILLER_PREFIXES = tuple(
    sorted(
        {"以前做过", "以前干过", "以前", "做过", "干过", "当过", "学过", "搞过", "熟练", "熟悉", "擅长", "精通"}
        | {"会做", "能做", "会干", "能干"}
        | {"懂得", "可以", "能够", "会", "能", "懂", "有", "在", "我", "本人"},
        key=len,
        reverse=True,
    )
)
FILLER_SUFFIXES = tuple(
    sorted(
        {"的经验", "经验", "技术", "手艺", "的活儿", "的活", "活儿", "工作", "方面", "等工作", "等", "都会", "都行"}
        | {"多年", "几年", "也行"},
        key=len,
        reverse=True,
    )
)

# --- Credit between canonical skills, for skill fit ----------------------------------------------------
# Listed as related in the dictionary (缝纫工 ↔ 锁边工): most of the work carries over.
RELATED_CREDIT = 0.7
# Same category only (电焊工 ↔ 冲压工): something carries over, clearly less than the skill itself.
SAME_CATEGORY_CREDIT = 0.5
# An opening that asks for no skill is open to everyone.
NO_REQUIREMENT_FIT = 1.0
# Cells of the required-rows arrays given to `fit_many`: a skill outside the dictionary, and padding.
UNKNOWN_REQUIREMENT = -1
NO_REQUIREMENT = -2

# Matching keys kept in memory (texts, not laborers): a few MB at most.
KEY_CACHE_SIZE = 16_384

_NOT_WORD = re.compile(r"[\W_]+")
# Pinyin syllables are compared as single characters from the supplementary private-use planes: the
# dictionary's syllables get codes of their own, any other syllable a hashed code that cannot equal them.
_SYLLABLE_BASE = 0xF0000
_FOREIGN_SYLLABLE_BASE = 0x100000
_FOREIGN_SYLLABLE_CODES = 0xFFFE


# How a pair reads aloud, by relation between the laborer's skill and the required one.
_EXPLAIN_ZH = {"none": "{required}：无匹配技能", "related": "，相近技能", "category": "，同类技能"}
_EXPLAIN_EN = {"none": "{required}: no matching skill", "related": ", related skill", "category": ", same trade"}


@dataclass(frozen=True)
class Skill:
    """One canonical skill of the dictionary."""

    code: str
    name: str
    category: str
    category_name: str
    synonyms: tuple[str, ...]
    related: tuple[str, ...]
    # General labour (普工, 杂工, 力工): asks for no particular skill, so a post requiring it is open to everyone.
    general: bool = False


@dataclass(frozen=True, eq=False)
class SkillDictionary:
    """The dictionary, with every form's matching key and pinyin precomputed as arrays."""

    version: str
    skills: tuple[Skill, ...]
    categories: Mapping[str, str]
    ambiguous: Mapping[str, str]
    index: Mapping[str, int]
    form_texts: list[str]
    form_pinyins: list[str]
    form_sounds: list[str]
    syllable_codes: Mapping[str, str]
    form_skill: np.ndarray
    form_starts: np.ndarray
    by_text: Mapping[str, tuple[int, ...]]
    by_pinyin: Mapping[str, tuple[int, ...]]
    longest_form: int
    credit: np.ndarray

    def __len__(self) -> int:
        """Number of canonical skills."""
        return len(self.skills)


@dataclass(frozen=True)
class SkillMatch:
    """A canonical skill read from free text, with how sure the reading is (0–1)."""

    code: str
    name: str
    category: str
    category_name: str
    score: float


@dataclass(frozen=True)
class RequiredSkill:
    """An opening's required skill as written, and the canonical skill it was mapped to when written."""

    text: str
    code: str | None
    score: float


@dataclass(frozen=True)
class SkillPair:
    """Which of the laborer's skills best meets one required skill, and how well."""

    required: str
    laborer_skill: str | None
    via: str | None
    score: float
    relation: str

    def explain(self, lang: str = "zh") -> str:
        """The pair as a cadre reads it aloud: 会踩缝纫机 ≈ 缝纫工 (0.95)."""
        words = _EXPLAIN_EN if lang == "en" else _EXPLAIN_ZH
        if self.laborer_skill is None:
            return words["none"].format(required=self.required)
        note = words.get(self.relation, "")
        return f"{self.laborer_skill} ≈ {self.required} ({self.score:.2f}{note})"


@dataclass(frozen=True)
class SkillFit:
    """A laborer's skill fit to an opening: mean and best over its required skills, with the pairs."""

    score: float
    best: float
    pairs: tuple[SkillPair, ...]

    def explain(self, lang: str = "zh") -> str:
        """The matched pairs, joined for reading aloud."""
        separator = "; " if lang == "en" else "；"
        return separator.join(p.explain(lang) for p in self.pairs if p.laborer_skill is not None)


@dataclass(frozen=True)
class LaborerSkills:
    """A laborer's skills scored against the dictionary once, ready for cheap fit lookups."""

    skills: tuple[str, ...]
    matches: tuple[tuple[SkillMatch, ...], ...]
    credit: np.ndarray
    credit_skill: np.ndarray
    credit_via: np.ndarray
    keys: tuple[_Key, ...]


@dataclass(frozen=True)
class _Key:
    """Matching forms of one text: characters and pinyin, with and without filler words."""

    text: str
    core: str
    core_start: int
    pinyin: str
    core_pinyin: str
    syllables: tuple[str, ...] | None

    @property
    def generic(self) -> bool:
        """Too short or too generic to match anything but exactly."""
        return len(self.core) < MIN_CONTAINED_CHARS or self.core in GENERIC_WORDS


def skill_key(value: str | None) -> str:
    """The text a skill is matched on: normalised, without spaces or punctuation, case-folded."""
    return _NOT_WORD.sub("", normalize(value)).casefold()


def _strip_fillers(text: str) -> str:
    """The text without filler words at either end, never shorter than two characters."""
    changed = True
    while changed:
        changed = False
        for prefix in FILLER_PREFIXES:
            if text.startswith(prefix) and len(text) - len(prefix) >= MIN_CONTAINED_CHARS:
                text, changed = text[len(prefix) :], True
                break
        for suffix in FILLER_SUFFIXES:
            if text.endswith(suffix) and len(text) - len(suffix) >= MIN_CONTAINED_CHARS:
                text, changed = text[: -len(suffix)], True
                break
    return text


# Canonical names and common skills recur across openings and laborers: keep their keys.
@lru_cache(maxsize=KEY_CACHE_SIZE)
def _make_key(value: str) -> _Key:
    """Precompute the matching forms of one text."""
    text = skill_key(value)
    core = _strip_fillers(text)
    pinyin = pinyin_key(text)
    syllables = tuple(pinyin.split(" ")) if text else ()
    return _Key(
        text=text,
        core=core,
        core_start=text.find(core),
        pinyin=pinyin,
        core_pinyin=pinyin if core == text else pinyin_key(core),
        # Pinyin of parts of the text can be cut from the whole only when each character is one syllable.
        syllables=syllables if len(syllables) == len(text) else None,
    )


def _sound(pinyin: str, codes: Mapping[str, str]) -> str:
    """Pinyin as one character per syllable, so `ratio` counts whole syllables."""
    return "".join(
        codes.get(s) or chr(_FOREIGN_SYLLABLE_BASE + zlib.crc32(s.encode()) % _FOREIGN_SYLLABLE_CODES)
        for s in pinyin.split(" ")
    )


def _contained_score(length: int, core_length: int) -> float:
    """Score of a form found inside text, by the share of the text's core it covers."""
    coverage = min(1.0, length / max(core_length, 1))
    return CONTAINED_FLOOR + (CONTAINED_CEIL - CONTAINED_FLOOR) * coverage


# --- The dictionary -----------------------------------------------------------------------------------


def build_dictionary(data: Mapping) -> SkillDictionary:
    """A matching-ready dictionary from its JSON shape (version, categories, ambiguous, skills)."""
    categories = dict(data["categories"])
    skills: list[Skill] = []
    form_texts: list[str] = []
    form_skill: list[int] = []
    starts: list[int] = []
    for i, entry in enumerate(data["skills"]):
        skill = Skill(
            code=entry["code"],
            name=normalize(entry["name"]),
            category=entry["category"],
            category_name=categories[entry["category"]],
            synonyms=tuple(entry.get("synonyms", ())),
            related=tuple(entry.get("related", ())),
            general=bool(entry.get("general_labour", False)),
        )
        skills.append(skill)
        starts.append(len(form_texts))
        # Traditional and full-width forms fold onto their Simplified form here, so each is scored once.
        keys = dict.fromkeys(k for k in map(skill_key, (skill.name, *skill.synonyms)) if k)
        form_texts.extend(keys)
        form_skill.extend([i] * len(keys))
    index = {s.code: i for i, s in enumerate(skills)}
    if len(index) != len(skills):
        raise ValueError("skill codes must be unique")
    form_pinyins = [pinyin_key(t) for t in form_texts]
    syllables = dict.fromkeys(s for p in form_pinyins for s in p.split(" "))
    syllable_codes = {s: chr(_SYLLABLE_BASE + i) for i, s in enumerate(syllables)}
    by_text: dict[str, tuple[int, ...]] = {}
    by_pinyin: dict[str, tuple[int, ...]] = {}
    for text, pinyin, i in zip(form_texts, form_pinyins, form_skill, strict=True):
        if i not in by_text.get(text, ()):
            by_text[text] = (*by_text.get(text, ()), i)
        if i not in by_pinyin.get(pinyin, ()):
            by_pinyin[pinyin] = (*by_pinyin.get(pinyin, ()), i)
    return SkillDictionary(
        version=str(data["version"]),
        skills=tuple(skills),
        categories=categories,
        ambiguous=dict(data.get("ambiguous", {})),
        index=index,
        form_texts=form_texts,
        form_pinyins=form_pinyins,
        form_sounds=[_sound(p, syllable_codes) for p in form_pinyins],
        syllable_codes=syllable_codes,
        form_skill=np.asarray(form_skill, dtype=np.intp),
        form_starts=np.asarray(starts, dtype=np.intp),
        by_text=by_text,
        by_pinyin=by_pinyin,
        longest_form=max(map(len, form_texts), default=0),
        credit=_credit_matrix(skills, index),
    )


def _credit_matrix(skills: Sequence[Skill], index: Mapping[str, int]) -> np.ndarray:
    """Credit a laborer's canonical skill (row) earns toward a required one (column)."""
    categories = np.asarray([s.category for s in skills])
    credit = np.where(categories[:, None] == categories[None, :], SAME_CATEGORY_CREDIT, 0.0).astype(np.float32)
    for i, skill in enumerate(skills):
        for code in skill.related:
            j = index[code]  # an unknown related code is a broken dictionary: fail on load
            credit[i, j] = credit[j, i] = max(credit[i, j], RELATED_CREDIT)
    np.fill_diagonal(credit, EXACT_SCORE)
    return credit


def load_dictionary(path: Path | str = DICTIONARY_PATH) -> SkillDictionary:
    """Read and prepare a dictionary file."""
    with open(path, encoding="utf-8") as fh:
        return build_dictionary(json.load(fh))


@lru_cache(maxsize=1)
def shipped_dictionary() -> SkillDictionary:
    """The shipped dictionary, loaded on first use and kept."""
    return load_dictionary(DICTIONARY_PATH)


# The shipped dictionary with the synonyms admins added, when there are any (see `use_synonyms`).
_with_synonyms: SkillDictionary | None = None


def dictionary() -> SkillDictionary:
    """The dictionary in use in this process."""
    return _with_synonyms if _with_synonyms is not None else shipped_dictionary()


def use_synonyms(extra: Mapping[str, Sequence[str]]) -> SkillDictionary:
    """From now on, serve the shipped dictionary plus extra synonyms (code → forms); skills keep their rows."""
    global _with_synonyms
    if not extra:
        _with_synonyms = None
        return dictionary()
    with open(DICTIONARY_PATH, encoding="utf-8") as fh:
        data = json.load(fh)
    for entry in data["skills"]:
        entry["synonyms"] = [*entry.get("synonyms", ()), *extra.get(entry["code"], ())]
    _with_synonyms = build_dictionary(data)
    return _with_synonyms


# --- Scoring free text against the dictionary ------------------------------------------------------------


def _mix_scores(queries: list[str], sounds: list[str], targets: list[str], target_sounds: list[str]) -> np.ndarray:
    """Mix of `ratio` on characters and on pinyin syllables, 0–1, one row per query."""
    chars = process.cdist(queries, targets, scorer=fuzz.ratio, dtype=np.float32)
    syllables = process.cdist(sounds, target_sounds, scorer=fuzz.ratio, dtype=np.float32)
    return np.minimum((CHAR_WEIGHT * chars + PINYIN_WEIGHT * syllables) / 100.0, FUZZY_CEIL)


def _score_keys(keys: Sequence[_Key], d: SkillDictionary) -> np.ndarray:
    """Scores (queries × canonical skills, 0–1) of each text against the whole dictionary at once."""
    n = len(keys)
    scores = np.zeros((n, len(d)), dtype=np.float32)
    if n == 0:
        return scores
    codes = d.syllable_codes
    mix = _mix_scores(
        [k.text for k in keys] + [k.core for k in keys],
        [_sound(k.pinyin, codes) for k in keys] + [_sound(k.core_pinyin, codes) for k in keys],
        d.form_texts,
        d.form_sounds,
    )
    per_form = np.maximum(mix[:n], mix[n:])
    # Forms are stored skill by skill, so a skill's score is the best of its run of forms.
    fuzzy = np.maximum.reduceat(per_form, d.form_starts, axis=1)
    for row, key in enumerate(keys):
        if key.generic:
            # 工, 司机, 员: only an exact form counts (fuzzy scores would rank every 电焊工 and 叉车司机).
            for i in d.by_text.get(key.text, ()):
                scores[row, i] = EXACT_SCORE
            continue
        scores[row] = fuzzy[row]
        _score_found_forms(scores[row], key, d)
    return scores


def _score_found_forms(row: np.ndarray, key: _Key, d: SkillDictionary) -> None:
    """Raise a row's scores for forms that are the text or lie inside its core, by characters and by pinyin."""
    for i in d.by_text.get(key.text, ()):
        row[i] = EXACT_SCORE
    if key.syllables is not None:
        for i in d.by_pinyin.get(key.pinyin, ()):
            row[i] = max(row[i], EXACT_SCORE - HOMOPHONE_PENALTY)
    # Only inside the core: 管工 in 做过酷管工作 straddles the filler 工作 and says nothing.
    core, offset = key.core, key.core_start
    length = len(core)
    for start in range(length):
        # No form is longer than the dictionary's longest, so a long text costs no more than a few short ones.
        for stop in range(start + MIN_CONTAINED_CHARS, min(start + d.longest_form, length) + 1):
            part = core[start:stop]
            score = _contained_score(stop - start, length)
            for i in d.by_text.get(part, ()):
                row[i] = max(row[i], score)
            if key.syllables is None or part in GENERIC_WORDS:
                continue
            if stop - start == length or stop - start >= MIN_HOMOPHONE_CONTAINED_CHARS:
                sound = " ".join(key.syllables[offset + start : offset + stop])
                for i in d.by_pinyin.get(sound, ()):
                    row[i] = max(row[i], score - HOMOPHONE_PENALTY)


def _matches(row: np.ndarray, d: SkillDictionary, limit: int, floor: float = MIN_SKILL_SCORE) -> list[SkillMatch]:
    """The best canonical skills of one score row, best first, ties in dictionary order."""
    candidates = np.flatnonzero(row >= floor)
    order = candidates[np.argsort(-row[candidates], kind="stable")][:limit]
    return [_match(d.skills[i], float(row[i])) for i in order]


def _match(skill: Skill, score: float) -> SkillMatch:
    """A SkillMatch for a dictionary skill."""
    return SkillMatch(skill.code, skill.name, skill.category, skill.category_name, round(score, 4))


def normalize_skill(q: str, limit: int = 5, dictionary_: SkillDictionary | None = None) -> list[SkillMatch]:
    """Canonical skills for one free-text skill, best first, scores 0–1 (for GET /skills/normalize?q=)."""
    d = dictionary_ or dictionary()
    key = _make_key(q)
    if not key.text or limit <= 0:
        return []
    return _matches(_score_keys([key], d)[0], d, limit)


def _resolve(row: np.ndarray, d: SkillDictionary) -> tuple[SkillMatch, ...]:
    """How one skill is read: its exact forms if any, else every skill close to the best one."""
    best = float(row.max()) if row.size else 0.0
    if best < MIN_SKILL_SCORE:
        return ()
    floor = EXACT_SCORE if best >= EXACT_SCORE else max(MIN_SKILL_SCORE, best - RESOLVE_MARGIN)
    return tuple(_matches(row, d, len(d), floor))


def _written_skills(skills: str | Sequence[str]) -> list[str]:
    """Skills as one normalised list without duplicates or empty entries, from a list or one line."""
    return [
        s for s in normalize_skills(split_skills(skills if isinstance(skills, str) else list(skills))) if skill_key(s)
    ]


def map_required_skills(skills: str | Sequence[str], dictionary_: SkillDictionary | None = None) -> list[RequiredSkill]:
    """Map an opening's required skills to dictionary codes, once, when the opening is written."""
    d = dictionary_ or dictionary()
    written = _written_skills(skills)
    rows = _score_keys([_make_key(s) for s in written], d)
    out = []
    for text, row in zip(written, rows, strict=True):
        matches = [m for m in _resolve(row, d) if m.score >= MIN_REQUIRED_SCORE]
        # An ambiguous form (车工) maps to the first skill listing it: dictionary order puts the workshop reading first.
        first = matches[0] if matches else None
        out.append(RequiredSkill(text, first.code if first else None, first.score if first else 0.0))
    return out


def profile_skills(skills: str | Sequence[str], dictionary_: SkillDictionary | None = None) -> LaborerSkills:
    """Score a laborer's skills against the whole dictionary once (one cdist), for cheap fit lookups."""
    d = dictionary_ or dictionary()
    written = _written_skills(skills)
    keys = [_make_key(s) for s in written]
    rows = _score_keys(keys, d)
    matches = tuple(_resolve(row, d) for row in rows)
    # One row of credit per (laborer skill, canonical reading); the column maximum is the fit to each skill.
    sources = [(s, d.index[m.code], m.score) for s, ms in enumerate(matches) for m in ms]
    if sources:
        weights = np.asarray([w for _, _, w in sources], dtype=np.float32)
        via = np.asarray([c for _, c, _ in sources], dtype=np.intp)
        credit_rows = weights[:, None] * d.credit[via]
        best_row = credit_rows.argmax(axis=0)
        credit = credit_rows[best_row, np.arange(len(d))]
        credit_skill = np.asarray([s for s, _, _ in sources], dtype=np.intp)[best_row]
        credit_via = via[best_row]
    else:
        credit = np.zeros(len(d), dtype=np.float32)
        credit_skill = np.full(len(d), -1, dtype=np.intp)
        credit_via = np.full(len(d), -1, dtype=np.intp)
    return LaborerSkills(tuple(written), matches, credit, credit_skill, credit_via, tuple(keys))


# --- Skill fit ---------------------------------------------------------------------------------------------


def _relation(credit: float, skill: int, required: int) -> str:
    """Why one canonical skill earns credit toward another."""
    if skill == required:
        return "same"
    return "related" if credit > SAME_CATEGORY_CREDIT else "category"


def _text_scores(laborer: Sequence[_Key], required: _Key, d: SkillDictionary) -> np.ndarray:
    """Scores (0–1) of the laborer's skills read directly against one required skill's text."""
    if required.generic or not laborer:
        return np.zeros(len(laborer), dtype=np.float32)
    codes = d.syllable_codes
    sounds = [_sound(k.core_pinyin, codes) for k in laborer]
    scores = _mix_scores([k.core for k in laborer], sounds, [required.core], [_sound(required.core_pinyin, codes)])
    scores = scores[:, 0]
    for i, key in enumerate(laborer):
        if key.generic:
            scores[i] = 0.0
            continue
        short, long = sorted((key.core, required.core), key=len)
        if key.text == required.text or key.core == required.core:
            scores[i] = EXACT_SCORE
        elif key.core_pinyin == required.core_pinyin:
            scores[i] = max(scores[i], EXACT_SCORE - HOMOPHONE_PENALTY)
        elif short in long:
            scores[i] = max(scores[i], _contained_score(len(short), len(long)))
    return np.where(scores >= MIN_SKILL_SCORE, scores, 0.0)


def is_general_labour(code: str | None, dictionary_: SkillDictionary | None = None) -> bool:
    """Whether a dictionary code is general labour (普工, 杂工, 力工): no particular skill."""
    d = dictionary_ or dictionary()
    row = d.index.get(code) if code else None
    return row is not None and d.skills[row].general


def specific_requirements(
    required: Sequence[RequiredSkill], dictionary_: SkillDictionary | None = None
) -> list[RequiredSkill]:
    """An opening's required skills without general labour: 普工 on a post asks for nothing in particular."""
    d = dictionary_ or dictionary()
    return [r for r in required if not is_general_labour(r.code, d)]


def skill_fit(
    laborer: LaborerSkills, required: Sequence[RequiredSkill], dictionary_: SkillDictionary | None = None
) -> SkillFit:
    """Best match per required skill (which laborer skill, how well), mean and best over the opening.

    General-labour requirements (普工, 杂工, 力工) are left out: a post asking only for them asks for no skill.
    """
    d = dictionary_ or dictionary()
    required = specific_requirements(required, d)
    if not required:
        return SkillFit(NO_REQUIREMENT_FIT, NO_REQUIREMENT_FIT, ())
    unknown = [i for i, m in enumerate(laborer.matches) if not m]
    pairs = []
    for req in required:
        j = d.index.get(req.code) if req.code else None
        pair = SkillPair(req.text, None, None, 0.0, "none")
        if j is not None:
            name = d.skills[j].name
            credit = float(laborer.credit[j])
            pair = SkillPair(name, None, None, 0.0, "none")
            if credit > 0:
                s, via = int(laborer.credit_skill[j]), int(laborer.credit_via[j])
                pair = SkillPair(name, laborer.skills[s], d.skills[via].name, credit, _relation(credit, via, j))
            # Skills the dictionary does not know are still read against the requirement directly.
            candidates = unknown
            targets = [_make_key(t) for t in dict.fromkeys((name, req.text))]
        else:
            candidates = list(range(len(laborer.skills)))
            targets = [_make_key(req.text)]
        if candidates:
            keys = [laborer.keys[i] for i in candidates]
            text = np.max([_text_scores(keys, target, d) for target in targets], axis=0)
            best = int(text.argmax())
            if text[best] > pair.score:
                s = candidates[best]
                pair = SkillPair(pair.required, laborer.skills[s], None, round(float(text[best]), 4), "text")
        pairs.append(pair)
    scores = [p.score for p in pairs]
    return SkillFit(round(float(np.mean(scores)), 4), max(scores), tuple(pairs))


def required_index(required: Sequence[RequiredSkill], dictionary_: SkillDictionary | None = None) -> np.ndarray:
    """Dictionary row of each specific required skill, UNKNOWN_REQUIREMENT where it has none (for `fit_many`)."""
    d = dictionary_ or dictionary()
    rows = [
        d.index.get(r.code, UNKNOWN_REQUIREMENT) if r.code else UNKNOWN_REQUIREMENT
        for r in specific_requirements(required, d)
    ]
    return np.asarray(rows, dtype=np.intp)


def fit_many(laborer: LaborerSkills, required: np.ndarray) -> np.ndarray:
    """Mean skill fit of one laborer to many openings, from required rows (openings × k, padded with NO_REQUIREMENT).

    A gather, no string work: the candidate stage's estimate. Required skills outside the dictionary
    count 0 here; `skill_fit` also reads them as text for the few openings that are re-ranked.
    """
    required = np.atleast_2d(np.asarray(required))
    # Two zeros at the end: the negative cells (UNKNOWN_REQUIREMENT -1, NO_REQUIREMENT -2) index them.
    table = np.concatenate([laborer.credit, np.zeros(2, dtype=np.float32)])
    total = np.zeros(len(required), dtype=np.float32)
    counts = np.zeros(len(required), dtype=np.int32)
    # Column by column: a sum along a short second axis is several times slower than k vector adds.
    for column in required.T:
        total += np.take(table, column)
        counts += column != NO_REQUIREMENT
    fit = np.full(len(required), NO_REQUIREMENT_FIT, dtype=np.float32)
    return np.divide(total, counts, out=fit, where=counts > 0)

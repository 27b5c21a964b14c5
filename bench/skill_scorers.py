"""Which rapidfuzz scorer reads noisy Chinese skills best, and what one cdist costs.

Builds ~3,000 noisy queries from the shipped skill dictionary with a fixed seed (Traditional forms,
homophone typos, filler words such as 会/能/做过, full-width text, a dropped character), then prints
top-1 accuracy and time per query for candidate scorers and for the final matcher
(`jobmatch.matching.skills.normalize_skill`), and the time of one query's cdist against the dictionary
and against 100,000 strings. Figures only, no asserts.

    python bench/skill_scorers.py
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np
import opencc
from pypinyin import lazy_pinyin
from rapidfuzz import fuzz, process

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jobmatch.matching import skills  # noqa: E402
from jobmatch.text import pinyin_key  # noqa: E402

SEED = 20261122
QUERIES = 3000
LARGE_CHOICES = 100_000
TIMING_REPEATS = 50
FILLER_PREFIXES = ("会", "能", "做过", "干过", "熟练", "以前做过", "会做")
FILLER_SUFFIXES = ("经验", "的活", "技术", "工作")
NOISE_KINDS = (
    "traditional",
    "homophone",
    "filler",
    "full_width",
    "dropped_char",
    "homophone+filler",
    "traditional+filler",
)
# Phrases as cadres write them, composed apart from the dictionary's forms (none of them is one), with the
# skill a cadre would expect: a small out-of-sample check beside the generated noise.
HAND_WRITTEN = (
    ("会用缝纫机做衣服", "sewing"),
    ("在服装厂车衣服", "sewing"),
    ("会烧焊", "welder"),
    ("开过铲车", "loader"),
    ("养了十几年猪", "pig"),
    ("帮人家带小孩", "childcare"),
    ("在饭店洗碗", "dishwasher"),
    ("工地上搬砖", "construction_helper"),
    ("会开货车有B2", "truck_driver"),
    ("采茶叶", "tea_picking"),
    ("给果树打药", "plant_protection"),
    ("在鞋厂做鞋", "shoe_making"),
    ("电子厂流水线", "electronics_assembly"),
    ("装修贴瓷砖", "tiler"),
    ("看山护林", "forest_ranger"),
    ("跑快递送件", "courier"),
    ("小区当保安", "security_guard"),
    ("医院当护工", "patient_escort"),
    ("家里养鸭子", "duck"),
    ("鱼塘喂鱼", "fish"),
    ("做豆腐卖", "tofu"),
    ("杀猪卖肉", "slaughter"),
    ("会开收割机", "farm_machinery"),
    ("修电动车", "motorbike_repair"),
    ("开挖机三年", "excavator"),
    ("绑钢筋", "rebar"),
    ("刷乳胶漆", "painter"),
    ("编竹篮子", "bamboo_weaving"),
    ("种了几亩脐橙", "navel_orange"),
    ("在厂里开冲床", "stamping"),
    ("食堂打饭", "canteen_cook"),
    ("酒店打扫客房", "room_attendant"),
    ("照顾瘫痪老人", "elderly_care"),
    ("开拖拉机耕田", "farm_machinery"),
    ("做电商打包发货", "packer"),
    ("会电脑打字", "clerk"),
    ("砌砖抹灰", "mason"),
    ("剪线头包装", "thread_trimming"),
    ("开摩的", "tricycle"),
    ("钓鱼", "fishing"),
)
# Skills a cadre might write that the dictionary should not claim.
UNRELATED = (
    "会计 编程 钢琴 律师 翻译 医生 教师 飞行员 程序员 导游 主持人 演员 画家 作家 歌手 法官 牙医 心理咨询 股票 保险"
    " 房地产 游泳 篮球 唱歌 跳舞 下棋 英语 数学 物理 软件开发 平面设计 会展策划 外贸 报关 审计 药剂师 幼师 播音 书法"
).split()


def common_characters() -> list[str]:
    """The 3,755 first-level GB2312 characters: what a pinyin keyboard offers first."""
    chars = []
    for high in range(0xB0, 0xD8):
        for low in range(0xA1, 0xFF):
            try:
                chars.append(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def homophone_table(chars: list[str]) -> dict[str, list[str]]:
    """Common characters grouped by toneless pinyin."""
    table: dict[str, list[str]] = defaultdict(list)
    for char, sound in zip(chars, lazy_pinyin(chars), strict=True):
        table[sound].append(char)
    return table


def full_width(text: str) -> str:
    """ASCII as full-width, and an ideographic space after the first character."""
    wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)
    return wide[:1] + "\u3000" + wide[1:] if len(wide) > 2 else wide


def add_filler(text: str, rng: random.Random) -> str:
    """A filler word before the skill, sometimes one after."""
    text = rng.choice(FILLER_PREFIXES) + text
    return text + rng.choice(FILLER_SUFFIXES) if rng.random() < 0.3 else text


def homophone_typo(text: str, rng: random.Random, sounds: dict[str, list[str]]) -> str:
    """One character replaced by another with the same toneless pinyin, as a pinyin keyboard does."""
    positions = [i for i, c in enumerate(text) if "\u4e00" <= c <= "\u9fff"]
    rng.shuffle(positions)
    for i in positions:
        alternatives = [c for c in sounds.get(lazy_pinyin(text[i])[0], []) if c != text[i]]
        if alternatives:
            return text[:i] + rng.choice(alternatives) + text[i + 1 :]
    return text


def build_queries(d: skills.SkillDictionary, rng: random.Random) -> list[tuple[str, int, str]]:
    """(query, true skill row, noise kind) triples from the dictionary's unambiguous forms."""
    s2t = opencc.OpenCC("s2t")
    sounds = homophone_table(common_characters())
    forms_by_skill: dict[int, list[str]] = defaultdict(list)
    for text, i in zip(d.form_texts, d.form_skill, strict=True):
        if len(d.by_text[text]) == 1:
            forms_by_skill[int(i)].append(text)
    queries = []
    while len(queries) < QUERIES:
        truth = rng.randrange(len(d))
        form = rng.choice(forms_by_skill[truth])
        kind = rng.choice(NOISE_KINDS)
        if kind == "dropped_char" and len(form) < 4:
            continue
        query = form
        if "traditional" in kind:
            query = s2t.convert(query)
        if "homophone" in kind:
            query = homophone_typo(query, rng, sounds)
        if kind == "full_width":
            query = full_width(query)
        if kind == "dropped_char":
            cut = rng.randrange(len(query))
            query = query[:cut] + query[cut + 1 :]
        if "filler" in kind:
            query = add_filler(query, rng)
        queries.append((query, truth, kind))
    return queries


def syllable_string(pinyin: str) -> str:
    """Pinyin with each syllable as one character, so `ratio` counts syllables rather than letters."""
    return "".join(_SYLLABLE_CODES.setdefault(s, chr(0xE000 + len(_SYLLABLE_CODES))) for s in pinyin.split(" "))


_SYLLABLE_CODES: dict[str, str] = {}


def per_skill(scores: np.ndarray, d: skills.SkillDictionary) -> np.ndarray:
    """Best form score of each skill."""
    return np.maximum.reduceat(scores, d.form_starts, axis=1)


def cdist_scorer(scorer: Callable) -> Callable[[str, skills.SkillDictionary], int]:
    """A plain rapidfuzz scorer on normalised characters."""

    def top(query: str, d: skills.SkillDictionary) -> int:
        key = skills.skill_key(query)
        return int(per_skill(process.cdist([key], d.form_texts, scorer=scorer, dtype=np.float32), d)[0].argmax())

    return top


def mix_scorer(query: str, d: skills.SkillDictionary) -> int:
    """Equal mix of ratio on characters and ratio on pinyin letters."""
    key = skills.skill_key(query)
    chars = process.cdist([key], d.form_texts, scorer=fuzz.ratio, dtype=np.float32)
    sounds = process.cdist([pinyin_key(key)], d.form_pinyins, scorer=fuzz.ratio, dtype=np.float32)
    return int(per_skill(chars + sounds, d)[0].argmax())


def syllable_mix_scorer(query: str, d: skills.SkillDictionary) -> int:
    """Equal mix of ratio on characters and ratio on whole pinyin syllables."""
    key = skills.skill_key(query)
    chars = process.cdist([key], d.form_texts, scorer=fuzz.ratio, dtype=np.float32)
    sounds = process.cdist([syllable_string(pinyin_key(key))], _SYLLABLE_FORMS, scorer=fuzz.ratio, dtype=np.float32)
    return int(per_skill(chars + sounds, d)[0].argmax())


_SYLLABLE_FORMS: list[str] = []


def final_matcher(query: str, d: skills.SkillDictionary) -> int:
    """jobmatch.matching.skills.normalize_skill: -1 when it offers nothing."""
    found = skills.normalize_skill(query, limit=1, dictionary_=d)
    return d.index[found[0].code] if found else -1


def evaluate(name: str, top: Callable, queries: list, d: skills.SkillDictionary) -> dict:
    """Top-1 accuracy overall, per noise kind and on hand-written phrases, and median time per query."""
    hits: dict[str, list[bool]] = defaultdict(list)
    times = []
    for query, truth, kind in queries:
        start = time.perf_counter()
        found = top(query, d)
        times.append(time.perf_counter() - start)
        hits[kind].append(found == truth)
    every = [h for kind in hits.values() for h in kind]
    written = [top(q, d) == d.index[code] for q, code in HAND_WRITTEN]
    return {
        "name": name,
        "top1": sum(every) / len(every),
        "written": sum(written),
        "kinds": {k: sum(v) / len(v) for k, v in hits.items()},
        "median_ms": statistics.median(times) * 1000,
        "mean_ms": statistics.fmean(times) * 1000,
    }


def median_ms(action: Callable[[], object], repeats: int = TIMING_REPEATS) -> float:
    """Median wall time of an action in milliseconds."""
    action()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def large_choices(d: skills.SkillDictionary, rng: random.Random) -> list[str]:
    """100,000 skill-like strings: dictionary forms with common characters around them."""
    chars = common_characters()
    return [
        "".join(rng.choices(chars, k=rng.randrange(0, 2)))
        + rng.choice(d.form_texts)
        + "".join(rng.choices(chars, k=rng.randrange(0, 2)))
        for _ in range(LARGE_CHOICES)
    ]


def timing_table(d: skills.SkillDictionary, rng: random.Random) -> None:
    """Time of one query's cdist against the dictionary and against 100,000 strings, and of the engine's steps."""
    big = large_choices(d, rng)
    big_pinyin = [pinyin_key(t) for t in big]
    big_syllables = [syllable_string(p) for p in big_pinyin]
    query = "会踩缝纫机"
    query_pinyin = pinyin_key(query)
    query_syllables = syllable_string(query_pinyin)

    def one(scorer: Callable) -> Callable[[list[str]], object]:
        return lambda choices: process.cdist([query], choices, scorer=scorer, dtype=np.float32)

    def mix(pinyin: str, choices_pinyin: list[str]) -> Callable[[list[str]], object]:
        def run(choices: list[str]) -> object:
            chars = process.cdist([query], choices, scorer=fuzz.ratio, dtype=np.float32)
            sounds = process.cdist([pinyin], choices_pinyin, scorer=fuzz.ratio, dtype=np.float32)
            return chars + sounds

        return run

    small_syllables = [syllable_string(p) for p in d.form_pinyins]
    rows = [
        ("ratio", one(fuzz.ratio), one(fuzz.ratio)),
        ("partial_ratio", one(fuzz.partial_ratio), one(fuzz.partial_ratio)),
        ("WRatio", one(fuzz.WRatio), one(fuzz.WRatio)),
        ("ratio chars + pinyin letters (2 cdists)", mix(query_pinyin, d.form_pinyins), mix(query_pinyin, big_pinyin)),
        (
            "ratio chars + syllables (2 cdists)",
            mix(query_syllables, small_syllables),
            mix(query_syllables, big_syllables),
        ),
    ]
    print(f"one query's cdist, median of {TIMING_REPEATS} runs (ms)")
    print(f"{'scorer':<40} {f'dictionary ({len(d.form_texts)})':>18} {'100,000 strings':>16}")
    for name, small_run, big_run in rows:
        small = median_ms(lambda run=small_run: run(d.form_texts))
        large = median_ms(lambda run=big_run: run(big), 10)
        print(f"{name:<40} {small:>18.3f} {large:>16.3f}")
    print()
    five = ["会踩缝纫机", "电汗", "開叉車", "喂猪", "编竹篮"]
    profile = skills.profile_skills(five)
    openings = np.random.default_rng(SEED).integers(skills.NO_REQUIREMENT, len(d), size=(200_000, 3))
    required = skills.map_required_skills(["缝纫工", "锁边"])
    steps = [
        (f"normalize_skill('{query}'), whole query", lambda: skills.normalize_skill(query)),
        ("profile_skills, 5 skills, one cdist each way", lambda: skills.profile_skills(five)),
        ("skill_fit against one opening (2 required)", lambda: skills.skill_fit(profile, required)),
        ("fit_many against 200,000 openings × 3 (gather)", lambda: skills.fit_many(profile, openings)),
    ]
    print("engine steps, median (ms)")
    for name, action in steps:
        print(f"  {name:<50} {median_ms(action, 20):>8.3f}")


def false_matches(d: skills.SkillDictionary, rng: random.Random) -> None:
    """How often the final matcher offers a skill for text that is not one."""
    offered = [q for q in UNRELATED if skills.normalize_skill(q, dictionary_=d)]
    print(f"unrelated skills ({len(UNRELATED)}: 会计, 编程, 钢琴 …) given a match: {len(offered)} {' '.join(offered)}")
    chars = common_characters()
    noise = ["".join(rng.choices(chars, k=rng.randrange(2, 5))) for _ in range(1000)]
    offered = [q for q in noise if skills.normalize_skill(q, dictionary_=d)]
    print(f"random 2–4 character strings (1,000) given a match: {len(offered)}, e.g. {' '.join(offered[:8])}")
    generic = sorted(skills.GENERIC_WORDS)
    offered = [g for g in generic if skills.normalize_skill(g, dictionary_=d)]
    print(f"generic words ({len(generic)}: 工, 员, 司机 …) given a match: {len(offered)}")


def main() -> None:
    """Print the accuracy and timing tables."""
    rng = random.Random(SEED)
    start = time.perf_counter()
    d = skills.dictionary()
    loaded = time.perf_counter() - start
    print(f"dictionary {d.version}: {len(d)} skills, {len(d.form_texts)} forms, loaded in {loaded:.2f} s")
    _SYLLABLE_FORMS.extend(syllable_string(p) for p in d.form_pinyins)
    queries = build_queries(d, rng)
    print(f"{len(queries)} noisy queries, seed {SEED}, e.g. " + "  ".join(q for q, _, _ in queries[:8]))
    print()

    candidates = [
        ("ratio", cdist_scorer(fuzz.ratio)),
        ("partial_ratio", cdist_scorer(fuzz.partial_ratio)),
        ("WRatio", cdist_scorer(fuzz.WRatio)),
        ("QRatio", cdist_scorer(fuzz.QRatio)),
        ("token_set_ratio", cdist_scorer(fuzz.token_set_ratio)),
        ("ratio chars + ratio pinyin letters", mix_scorer),
        ("ratio chars + ratio pinyin syllables", syllable_mix_scorer),
        ("final matcher (normalize_skill)", final_matcher),
    ]
    results = [evaluate(name, top, queries, d) for name, top in candidates]
    written = f"hand-written /{len(HAND_WRITTEN)}"
    print(f"{'scorer (queries normalised first)':<40} {'top-1':>7} {'median ms':>10} {'mean ms':>8} {written:>18}")
    for r in results:
        print(f"{r['name']:<40} {r['top1']:>7.1%} {r['median_ms']:>10.3f} {r['mean_ms']:>8.3f} {r['written']:>18}")
    print()
    print("top-1 by noise kind")
    print(f"{'scorer':<40} " + " ".join(f"{k:>18}" for k in NOISE_KINDS))
    for r in results:
        print(f"{r['name']:<40} " + " ".join(f"{r['kinds'].get(k, 0):>18.1%}" for k in NOISE_KINDS))
    print()
    false_matches(d, rng)
    print()
    timing_table(d, rng)


if __name__ == "__main__":
    main()

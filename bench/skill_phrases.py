"""How well the skill dictionary reads the held-out phrases (tests/matching/data/skill_phrases.tsv).

Prints top-1 and top-3 accuracy by kind of noise, and, for the threshold at which an opening's required
skill is stored as a dictionary code (`MIN_REQUIRED_SCORE`), the precision and recall of that decision at
several thresholds: a phrase counts as kept when its best reading scores at least the threshold, and as
right when that reading is the expected skill.

    PYTHONPATH=. .venv/bin/python bench/skill_phrases.py
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

from jobmatch.matching import skills

PHRASES = Path(__file__).resolve().parent.parent / "tests" / "matching" / "data" / "skill_phrases.tsv"
THRESHOLDS = (0.65, 0.70, 0.75, 0.80, 0.85, 0.90, 0.95, 1.0)


def load(path: Path = PHRASES) -> list[tuple[str, str, str]]:
    """(phrase, expected, kind) rows; comment lines start with #."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            phrase, expected, kind = line.split("\t")
            rows.append((phrase, expected, kind))
    return rows


def right(code: str | None, expected: str, d: skills.SkillDictionary) -> bool:
    """Whether a reading (None: no reading) is what the phrase means."""
    if expected == "none":
        return code is None
    if expected == "general":
        return code is not None and d.skills[d.index[code]].general
    return code == expected


def main() -> int:
    d = skills.dictionary()
    rows = load()
    top1: dict[str, list[bool]] = defaultdict(list)
    top3: dict[str, list[bool]] = defaultdict(list)
    best: list[tuple[float, bool, bool]] = []  # (score of the best reading, right, has an expected skill)
    misses = []
    for phrase, expected, kind in rows:
        found = skills.normalize_skill(phrase, 3)
        codes = [m.code for m in found] or [None]
        ok1 = right(codes[0], expected, d)
        ok3 = ok1 if expected == "none" else any(right(c, expected, d) for c in codes)
        for key in ("all", kind.split("+")[0]):
            top1[key].append(ok1)
            top3[key].append(ok3)
        if not ok1:
            misses.append(f"  {phrase} → {codes[0]} (expected {expected})")
        best.append((found[0].score if found else 0.0, right(codes[0], expected, d), expected != "none"))
    print(f"{len(rows)} phrases, dictionary {d.version} ({len(d)} skills)")
    print(f"{'kind':<14}{'n':>5}{'top-1':>8}{'top-3':>8}")
    for key in sorted(top1, key=lambda k: (k != "all", k)):
        n = len(top1[key])
        print(f"{key:<14}{n:>5}{sum(top1[key]) / n:>8.1%}{sum(top3[key]) / n:>8.1%}")
    wanted = sum(1 for _, _, has in best if has)
    print("\nthreshold for storing a required skill's code: precision / recall of the best reading")
    for t in THRESHOLDS:
        kept = [(ok, has) for score, ok, has in best if score >= t and score > 0]
        correct = sum(1 for ok, has in kept if ok and has)
        precision = correct / len(kept) if kept else 1.0
        print(f"  ≥ {t:.2f}: kept {len(kept):>3}, precision {precision:.1%}, recall {correct / wanted:.1%}")
    print("\nread wrongly or not at all:")
    print("\n".join(misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())

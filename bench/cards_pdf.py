"""Benchmark of the printed employment cards: time and size of an A4 sheet of N cards (10 a page).

Names are drawn from many different characters (as a village's are), so the embedded font subset
is as large as a real sheet's. Prints the font in use and, per size, the median of a few runs of a
first print (QR codes encoded anew) and of a reprint (QR codes remembered), wall and CPU time: on a
busy machine the CPU time is the fairer figure.

Run: PYTHONPATH=. .venv/bin/python bench/cards_pdf.py [--cards 10 100 500] [--runs 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import date

from workshops import codes

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "秀英桂兰玉珍凤梅春华金莲国强建军志明海燕丽娟红霞小平永福德胜淑芬翠花云松光荣家宝长青新民"
VILLAGES = ["城东村", "城西村", "岑阳村", "葛源村", "姚家村", "港边村"]


def cards(n: int, seed: int = 7) -> list[codes.Card]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        code = codes.new_code()
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        out.append(
            codes.Card(
                name=name,
                village=rng.choice(VILLAGES),
                code=code,
                payload=f"https://jobmatch.example.gov.cn/scan?code={codes.display_code(code)}",
                issued=date(2026, 4, 15),
                workshop="城西服装车间",
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, nargs="+", default=[10, 100, 500])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"font: {codes.cjk_font_file() or 'none (reader-supplied STSong-Light, not embedded)'}")
    codes.pdf_font()  # registered once per process: not part of a sheet's time
    for n in args.cards:
        sheet = cards(n)
        pages = -(-n // codes.CARDS_PER_SHEET)
        for label, fresh in (("first print", True), ("reprint", False)):
            wall, cpu, size = [], [], 0
            for _ in range(args.runs):
                if fresh:
                    codes._qr_runs.cache_clear()
                start, start_cpu = time.perf_counter(), time.process_time()
                size = len(codes.cards_sheet_pdf(sheet, "bench"))
                wall.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
            print(
                f"{n:5d} cards, {pages:3d} pages, {label:11s}: median {statistics.median(wall) * 1000:7.0f} ms wall, "
                f"{statistics.median(cpu) * 1000:7.0f} ms CPU, {size / 1024:7.1f} KiB"
            )


if __name__ == "__main__":
    main()

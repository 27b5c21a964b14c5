"""Benchmark of batch assignment (SPEC §9): 20,000 laborers, 2,000 openings, exact against greedy.

Each laborer has 30 candidate openings with a chance of lasting work; openings have 1–20 places
(about 21,000 in all); 40 % of laborers come from households where no one works yet.

Run: PYTHONPATH=. .venv/bin/python bench/assign.py [--laborers N] [--openings M] [--edges K]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from jobmatch.matching import assign


def instance(n_laborers: int, n_openings: int, edges: int, seed: int = 11) -> assign.Candidates:
    rng = np.random.default_rng(seed)
    laborer = np.repeat(np.arange(n_laborers), edges)
    # Popular openings attract more candidates, as real ones do.
    popularity = rng.pareto(1.5, n_openings) + 1
    opening = rng.choice(n_openings, size=n_laborers * edges, p=popularity / popularity.sum())
    pairs = np.unique(np.column_stack([laborer, opening]), axis=0)
    chance = rng.beta(2, 4, len(pairs))
    return assign.Candidates(
        laborer=pairs[:, 0].astype(np.intp),
        opening=pairs[:, 1].astype(np.intp),
        chance=chance,
        places=rng.integers(1, 21, n_openings),
        household=rng.integers(0, int(n_laborers * 0.7), n_laborers),
        no_one_working=rng.random(n_laborers) < 0.4,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--laborers", type=int, default=20_000)
    parser.add_argument("--openings", type=int, default=2_000)
    parser.add_argument("--edges", type=int, default=30)
    args = parser.parse_args()
    c = instance(args.laborers, args.openings, args.edges)
    print(
        f"{args.laborers:,} laborers, {args.openings:,} openings, {len(c.laborer):,} candidate edges, "
        f"{int(c.places.sum()):,} places"
    )
    started = time.perf_counter()
    g = assign.greedy(c)
    greedy_s = time.perf_counter() - started
    started = time.perf_counter()
    e = assign.exact(c)
    exact_s = time.perf_counter() - started
    w = assign.weights(c)
    lookup = dict(zip(zip(c.laborer.tolist(), c.opening.tolist(), strict=True), w.tolist(), strict=True))

    def total(p: assign.Proposal) -> float:
        return sum(lookup[(i, j)] for i, j in zip(p.laborer.tolist(), p.opening.tolist(), strict=True))

    print(f"  {'':<8}{'time':>9}{'assigned':>10}{'expected hires':>16}{'households covered':>20}{'objective':>11}")
    for name, p, seconds in (("greedy", g, greedy_s), ("exact", e, exact_s)):
        print(
            f"  {name:<8}{seconds:>8.2f}s{len(p.laborer):>10,}{p.expected_hires():>16,.1f}"
            f"{p.households_covered(c):>20,}{total(p):>11,.1f}"
        )
    print(f"  greedy reaches {total(g) / total(e):.1%} of the exact objective")


if __name__ == "__main__":
    main()

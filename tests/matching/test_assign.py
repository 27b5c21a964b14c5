"""Batch assignment: exact under places, households without work first, better than greedy."""

from __future__ import annotations

import numpy as np

from jobmatch.matching import assign


def candidates(edges, places, households, no_one_working) -> assign.Candidates:
    laborer, opening, chance = (np.asarray(col) for col in zip(*edges, strict=True))
    return assign.Candidates(
        laborer=laborer.astype(np.intp),
        opening=opening.astype(np.intp),
        chance=chance.astype(float),
        places=np.asarray(places),
        household=np.asarray(households),
        no_one_working=np.asarray(no_one_working, dtype=bool),
    )


def test_exact_beats_greedy_on_households_covered():
    # Two households where no one works, one place at each of two openings. Laborer 0 is the best fit
    # for opening 0 but could also take opening 1; laborer 1 can only take opening 0. Greedy gives
    # opening 0 to laborer 0 and leaves household 200 without work; exact places both.
    c = candidates(
        edges=[(0, 0, 0.90), (1, 0, 0.85), (0, 1, 0.50)],
        places=[1, 1],
        households=[100, 200],
        no_one_working=[True, True],
    )
    g, e = assign.greedy(c), assign.exact(c)
    assert g.households_covered(c) == 1
    assert e.households_covered(c) == 2
    assert e.expected_hires() > g.expected_hires()
    assert sorted(zip(e.laborer.tolist(), e.opening.tolist(), strict=True)) == [(0, 1), (1, 0)]


def test_a_household_with_no_one_working_comes_first():
    # One place; the laborer from a household that already has work fits slightly better.
    c = candidates(edges=[(0, 0, 0.60), (1, 0, 0.50)], places=[1], households=[1, 2], no_one_working=[False, True])
    assert assign.exact(c).laborer.tolist() == [1]


def test_places_are_never_exceeded_and_each_laborer_gets_at_most_one():
    rng = np.random.default_rng(0)
    n_laborers, n_openings = 300, 40
    edges = {
        (int(i), int(j))
        for i, j in zip(rng.integers(0, n_laborers, 3000), rng.integers(0, n_openings, 3000), strict=True)
    }
    rows = [(i, j, float(rng.uniform(0.05, 0.9))) for i, j in sorted(edges)]
    places = rng.integers(0, 6, n_openings)
    c = candidates(rows, places, rng.integers(0, 200, n_laborers), rng.random(n_laborers) < 0.4)
    for proposal in (assign.exact(c), assign.greedy(c)):
        assert len(set(proposal.laborer.tolist())) == len(proposal.laborer)
        assert (np.bincount(proposal.opening, minlength=n_openings) <= places).all()
    exact_total = (assign.exact(c).chance * 0 + 1).sum()
    assert exact_total <= places.sum()
    # exact is never worse than greedy on the weighted objective
    w = dict(zip(zip(c.laborer.tolist(), c.opening.tolist(), strict=True), assign.weights(c).tolist(), strict=True))

    def total(p):
        return sum(w[(i, j)] for i, j in zip(p.laborer.tolist(), p.opening.tolist(), strict=True))

    assert total(assign.exact(c)) >= total(assign.greedy(c)) - 1e-9


def test_nobody_is_assigned_where_there_is_no_place():
    c = candidates([(0, 0, 0.9), (1, 0, 0.8)], places=[0], households=[1, 2], no_one_working=[True, True])
    assert len(assign.exact(c).laborer) == 0 and len(assign.greedy(c).laborer) == 0

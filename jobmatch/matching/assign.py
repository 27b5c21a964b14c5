"""Batch assignment (SPEC §5.6): at most one opening per laborer, every opening within its places,
the largest total chance of lasting work, households where no one works yet first.

Exact: a minimum-cost full matching on the bipartite graph of laborers and opening places
(`scipy.sparse.csgraph.min_weight_full_bipartite_matching`). Every laborer also gets a private
"no post" place, so the matching can leave people unassigned; an opening with k places left
becomes k identical places (capped at the number of laborers who could take it). Greedy by
score is kept for comparison: it is what a cadre working down a list would do.

The result is a proposal for cadres to confirm one by one, never a hire.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

# A laborer from a household where no one works yet counts this much more (1 + bonus).
NO_ONE_WORKING_BONUS = 0.5


@dataclass(frozen=True)
class Candidates:
    """Edges laborer → opening with the chance of lasting work, and what the weights need."""

    laborer: np.ndarray  # laborer index per edge (0..n_laborers-1)
    opening: np.ndarray  # opening index per edge (0..n_openings-1)
    chance: np.ndarray  # P(hire lasting 90 days) per edge
    places: np.ndarray  # places left per opening
    household: np.ndarray  # household id per laborer
    no_one_working: np.ndarray  # per laborer: their household has no one in work


@dataclass(frozen=True)
class Proposal:
    laborer: np.ndarray  # laborer index per proposed pair
    opening: np.ndarray
    chance: np.ndarray

    def expected_hires(self) -> float:
        return float(self.chance.sum())

    def households_covered(self, c: Candidates) -> int:
        """Households with no one in work that get at least one proposal."""
        return len({int(c.household[i]) for i in self.laborer if c.no_one_working[i]})


def weights(c: Candidates) -> np.ndarray:
    return c.chance * (1.0 + NO_ONE_WORKING_BONUS * c.no_one_working[c.laborer])


def exact(c: Candidates) -> Proposal:
    """The assignment with the largest total weight under every opening's places."""
    n_laborers = len(c.household)
    if len(c.laborer) == 0:
        return Proposal(*(np.zeros(0, dtype=np.intp),) * 2, np.zeros(0))
    w = weights(c)
    # Places worth having: an opening cannot use more places than laborers who could take it.
    demand = np.bincount(c.opening, minlength=len(c.places))
    slots = np.minimum(c.places, demand).astype(np.intp)
    first_slot = np.concatenate([[0], np.cumsum(slots)[:-1]])
    n_slots = int(slots.sum())
    # Each edge to an opening becomes one edge per place of that opening.
    reps = slots[c.opening]
    keep = reps > 0
    edge_laborer = np.repeat(c.laborer[keep], reps[keep])
    edge_opening = np.repeat(c.opening[keep], reps[keep])
    edge_weight = np.repeat(w[keep], reps[keep])
    offset = np.arange(len(edge_laborer)) - np.repeat(np.cumsum(reps[keep]) - reps[keep], reps[keep])
    edge_slot = first_slot[edge_opening] + offset
    # Costs must be positive and stored; lower cost = higher weight. The private "no post" place costs the most.
    top = float(w.max()) + 1.0
    rows = np.concatenate([edge_laborer, np.arange(n_laborers)])
    cols = np.concatenate([edge_slot, n_slots + np.arange(n_laborers)])
    costs = np.concatenate([top - edge_weight, np.full(n_laborers, top)])
    graph = csr_matrix((costs, (rows, cols)), shape=(n_laborers, n_slots + n_laborers))
    matched_cols = _match(graph)
    real = matched_cols < n_slots
    laborers = np.flatnonzero(real)
    slot_opening = np.repeat(np.arange(len(slots)), slots)
    openings = slot_opening[matched_cols[real]]
    chance = _edge_chance(c, laborers, openings)
    return Proposal(laborers, openings, chance)


def _match(graph: csr_matrix) -> np.ndarray:
    """Column matched to each row."""
    row_ind, col_ind = min_weight_full_bipartite_matching(graph)
    out = np.empty(graph.shape[0], dtype=np.intp)
    out[row_ind] = col_ind
    return out


def _edge_chance(c: Candidates, laborers: np.ndarray, openings: np.ndarray) -> np.ndarray:
    lookup = {(int(i), int(j)): float(p) for i, j, p in zip(c.laborer, c.opening, c.chance, strict=True)}
    return np.asarray([lookup[(int(i), int(j))] for i, j in zip(laborers, openings, strict=True)])


def greedy(c: Candidates) -> Proposal:
    """Best score first, while the laborer is free and the opening has a place (a cadre down a list)."""
    order = np.argsort(-c.chance, kind="stable")
    taken = np.zeros(len(c.household), dtype=bool)
    left = c.places.astype(np.int64).copy()
    chosen = []
    for e in order:
        i, j = c.laborer[e], c.opening[e]
        if not taken[i] and left[j] > 0:
            taken[i] = True
            left[j] -= 1
            chosen.append(e)
    chosen = np.asarray(chosen, dtype=np.intp)
    return Proposal(c.laborer[chosen], c.opening[chosen], c.chance[chosen])

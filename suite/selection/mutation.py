"""``mutation``: the candidates within ``k`` edits of the best architectures observed so far.

Why: in tabular NAS benchmarks good cells cluster — most of the top cells are a few edits from
another top cell — so the local neighbourhood of the incumbents is where a predictor's
ranking pays off. BANANAS (White et al. 2021) draws its acquisition pool by mutating the best
architectures; White et al. (2020, "Local search is state of the art for NAS benchmarks")
show that searching the 1-edit neighbourhood of the incumbent alone is a strong method. This
selector hands the predictor exactly that neighbourhood.

Rule: seeds are ``history.top(top)``. The neighbourhood is grown ring by ring with
:meth:`Genome.neighbours` — radius 1 = every table cell one edit from a seed, radius ``r`` = one
edit from radius ``r-1`` and not nearer — up to radius ``k`` (growth stops early once the rings
already hold ``n`` candidates). Rings contain all table cells (a path through a queried cell
is still a path); only cells in ``candidates`` are returned. Nearest first: all of radius 1
before any of radius 2; the ring that overflows ``n`` is subsampled uniformly. If the whole
neighbourhood has fewer than ``n`` candidates the rest is a uniform sample of the other
candidates (so it never does worse than ``uniform`` at covering the space). With no history
yet there are no incumbents, and the selector is ``uniform``.

Cost: ``genome.neighbours`` on ``top`` ids, then on each ring (NB-201: 24 neighbours per cell,
radius-``r`` ring of one seed ``C(6, r) 4^r``); no predictor calls.
"""

from __future__ import annotations

import numpy as np

from ..errors import NasSuiteError
from ._positions import CandidateIndex, fill_uniform, uniform_positions
from .base import SearchHistory, Selector


class MutationNeighbourhood(Selector):
    """Candidates within ``k`` edits of the ``top`` best observed architectures, nearest first.

    Parameters:
        k: largest edit radius (>= 1).
        top: number of incumbents whose neighbourhoods are used (>= 1).
    """

    name = "mutation"
    citation = (
        "White et al. 2021, 'BANANAS' (mutation acquisition pool); White et al. 2020, "
        "'Local search is state of the art for NAS benchmarks' (1-edit neighbourhood)"
    )

    def __init__(self, k: int = 1, top: int = 10) -> None:
        self.k = k
        self.top = top

    def select(self, candidates: np.ndarray, n: int, *, history: SearchHistory, rng: np.random.Generator) -> np.ndarray:
        if self.k < 1 or self.top < 1:
            raise NasSuiteError(f"mutation selector needs k >= 1 and top >= 1, got k={self.k}, top={self.top}")
        candidates = np.asarray(candidates, dtype=np.int64).reshape(-1)
        n = int(n)
        if n <= 0 or not len(candidates):
            return np.zeros(0, dtype=np.int64)
        if not len(history.queried):
            return uniform_positions(len(candidates), n, rng)
        if history.genome is None:
            raise NasSuiteError("mutation selector needs history.genome (the space's edit moves); this space has none")
        index = CandidateIndex(candidates)
        picked = self.rings(history, index, n, rng)
        return fill_uniform(picked, len(candidates), n, rng)

    def rings(self, history: SearchHistory, index: CandidateIndex, n: int, rng: np.random.Generator) -> np.ndarray:
        """Positions of neighbourhood candidates, radius 1 first, at most ``n`` (the last ring subsampled)."""
        seen = np.unique(history.top(self.top))
        frontier = seen
        parts: list[np.ndarray] = []
        count = 0
        for _ in range(self.k):
            _, found = history.genome.neighbours(frontier)
            ring = np.setdiff1d(found, seen, assume_unique=False)  # sorted, distinct, nearer radii removed
            if not len(ring):
                break
            seen = np.union1d(seen, ring)
            pos = index.positions(ring)
            if count + len(pos) > n:
                pos = pos[np.sort(rng.choice(len(pos), size=n - count, replace=False))]
            parts.append(pos)
            count += len(pos)
            if count >= n:
                break
            frontier = ring
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

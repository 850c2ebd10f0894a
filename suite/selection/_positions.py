"""Id <-> position bookkeeping shared by the selectors.

Selectors reason in table ids (neighbourhoods, evolved children) but must answer in positions
into ``candidates``; and every strategy that finds fewer than ``n`` of its own picks tops up
uniformly so that the contract "exactly ``n`` when ``len(candidates) >= n``" holds. Both are
written once here, vectorised (a sort of ``candidates`` plus ``searchsorted``, no Python loops).
"""

from __future__ import annotations

import numpy as np

__all__ = ["CandidateIndex", "fill_uniform", "uniform_positions"]


class CandidateIndex:
    """Sorted view of ``candidates`` answering "where is id ``i``?" in O(log N) per id.

    ``candidates`` are distinct table ids (the contract of :meth:`Selector.select`); the array
    is not modified.
    """

    def __init__(self, candidates: np.ndarray) -> None:
        self.candidates = np.asarray(candidates, dtype=np.int64).reshape(-1)
        self._order = np.argsort(self.candidates, kind="stable")
        self._sorted = self.candidates[self._order]

    def __len__(self) -> int:
        return len(self.candidates)

    def positions(self, ids: np.ndarray) -> np.ndarray:
        """int64 positions of those ``ids`` that are candidates, in the order of ``ids`` (others dropped)."""
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        if not len(self._sorted) or not len(ids):
            return np.zeros(0, dtype=np.int64)
        at = np.minimum(np.searchsorted(self._sorted, ids), len(self._sorted) - 1)
        hit = self._sorted[at] == ids
        return self._order[at[hit]].astype(np.int64)

    def contains(self, ids: np.ndarray) -> np.ndarray:
        """bool mask: which ``ids`` are candidates."""
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        if not len(self._sorted):
            return np.zeros(len(ids), dtype=bool)
        at = np.minimum(np.searchsorted(self._sorted, ids), len(self._sorted) - 1)
        return self._sorted[at] == ids


def uniform_positions(n_candidates: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """``min(n, n_candidates)`` distinct uniform positions, sorted (what ``uniform`` returns)."""
    if n >= n_candidates:
        return np.arange(n_candidates, dtype=np.int64)
    return np.sort(rng.choice(n_candidates, size=n, replace=False)).astype(np.int64)


def fill_uniform(chosen: np.ndarray, n_candidates: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """``chosen`` (distinct positions, kept first and in order) topped up to ``min(n, n_candidates)``.

    The extra positions are a uniform random sample of the candidates not yet chosen, so a
    strategy that runs out of its own picks degrades to the ``uniform`` baseline, never below it.
    """
    chosen = np.asarray(chosen, dtype=np.int64)[:n]
    want = min(n, n_candidates) - len(chosen)
    if want <= 0:
        return chosen
    free = np.ones(n_candidates, dtype=bool)
    free[chosen] = False
    rest = np.flatnonzero(free)
    extra = rest[np.sort(rng.choice(len(rest), size=want, replace=False))]
    return np.concatenate([chosen, extra]).astype(np.int64)

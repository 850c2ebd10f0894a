"""``full``: the predictor scores every candidate — the oracle setting of Mauch et al. (2020).

Only possible in tabulated spaces; it is the upper bound the subset strategies are measured
against (sample-efficiency gain with full-space evaluation).
"""

from __future__ import annotations

import numpy as np

from .base import SearchHistory, Selector


class FullSpace(Selector):
    name = "full"
    citation = "Mauch et al. 2020, 'Efficient Sampling for Predictor-Based NAS' (full-space evaluation)"

    def select(self, candidates: np.ndarray, n: int, *, history: SearchHistory, rng: np.random.Generator) -> np.ndarray:
        """All positions; ``n`` is ignored (the whole space is the subset)."""
        return np.arange(len(candidates), dtype=np.int64)

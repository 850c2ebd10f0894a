"""``uniform``: a fresh uniform random subset of the candidates at every step.

The baseline subset of Mauch et al. (2020) and what predictor-based NAS in large spaces does
by default (e.g. BANANAS' random acquisition pool).
"""

from __future__ import annotations

import numpy as np

from .base import SearchHistory, Selector


class UniformSubset(Selector):
    name = "uniform"
    citation = "Mauch et al. 2020 (uniform subset); White et al. 2021, BANANAS (random candidate pool)"

    def select(self, candidates: np.ndarray, n: int, *, history: SearchHistory, rng: np.random.Generator) -> np.ndarray:
        if n >= len(candidates):
            return np.arange(len(candidates), dtype=np.int64)
        return np.sort(rng.choice(len(candidates), size=n, replace=False)).astype(np.int64)

"""The subset-selection interface: which candidates a predictor gets to score.

In real search spaces (billions of cells) a predictor cannot score every candidate; it scores
a subset, and how that subset is chosen decides how much of the predictor's value survives
(Mauch et al. 2020, "Efficient Sampling for Predictor-Based NAS"). A selector answers one
question — ``select(candidates, n, *, history, rng) -> indices`` — given what the search knows
so far (:class:`SearchHistory`). Selectors are stateless between calls apart from caches of
the space (encodings, clusterings) they may build once per benchmark.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

__all__ = ["SearchHistory", "Selector"]


@dataclass
class SearchHistory:
    """What a search knows when it asks for a subset.

    Attributes:
        queried: int64 ``(t,)`` ids queried so far, in query order.
        observed: float64 ``(t,)`` the objective observed for them (higher is better; what the
            search saw, e.g. one seed's validation accuracy).
        predict: the current predictor as a function ``ids -> float64 scores`` (higher is
            better), or None before the first fit. Calls cost predictor time, so selectors
            that use it say how many candidates they score.
        features: ``ids -> float32 (n, d)`` encoding of architectures (the search's encoding),
            for distance-based selectors.
        genome: the space's :class:`suite.encodings.genome.Genome` (edits, mutation, crossover).
        n_archs: size of the whole table (ids are ``0..n_archs-1``).
    """

    queried: np.ndarray
    observed: np.ndarray
    predict: Callable[[np.ndarray], np.ndarray] | None
    features: Callable[[np.ndarray], np.ndarray]
    genome: Any
    n_archs: int
    extra: dict[str, Any] = field(default_factory=dict)

    def top(self, k: int) -> np.ndarray:
        """Ids of the ``k`` best observed queries (ties: earlier query first)."""
        order = np.argsort(-self.observed, kind="stable")
        return self.queried[order[:k]]


class Selector(ABC):
    """One subset-selection strategy. ``__init__`` stores keyword parameters only."""

    #: registry name
    name: str = ""
    #: where the strategy comes from (paper) or why it exists
    citation: str = ""

    @abstractmethod
    def select(self, candidates: np.ndarray, n: int, *, history: SearchHistory, rng: np.random.Generator) -> np.ndarray:
        """Positions into ``candidates`` (int64, distinct, at most ``n``) of the subset to score.

        ``candidates`` are table ids the search may still query (usually: not yet queried).
        A selector returns fewer than ``n`` positions only when ``candidates`` has fewer.
        """

    def get_params(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if not k.startswith("_") and not k.endswith("_")}

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"

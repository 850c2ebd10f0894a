"""Search spaces: turn any user spelling of an architecture into the canonical lookup key.

A space never touches a cache; :class:`suite.data.benchmark.Benchmark` maps keys to ids with the
``key`` column of ``archs.parquet``, which the converters fill with the same function.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Sequence

import numpy as np


class SearchSpace(ABC):
    """Canonical identity of architectures in one benchmark's search space."""

    #: registry name of the benchmark this space belongs to
    name: str = ""

    @abstractmethod
    def key(self, spec: Any) -> str:
        """Canonical key of one architecture spec.

        Raises :class:`suite.errors.InvalidArchitecture` naming the broken rule.
        """

    def keys(self, specs: Sequence[Any]) -> np.ndarray:
        """Keys of many specs (object array); spaces override this where it can be vectorised."""
        return np.array([self.key(s) for s in specs], dtype=object)

    def is_single(self, spec: Any) -> bool:
        """Whether ``spec`` is one architecture (as opposed to a sequence of them)."""
        return isinstance(spec, (str, dict))

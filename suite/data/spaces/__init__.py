"""Search spaces: turn any user spelling of an architecture into the canonical lookup key.

A space never touches a cache; :class:`suite.data.benchmark.Benchmark` maps keys to ids with the
``key`` column of ``archs.parquet``, which the converters fill with the same function.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Callable, Sequence

import numpy as np

from ...errors import InvalidArchitecture


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

    #: ``archs.parquet`` columns from which :meth:`structure_codes` rebuilds literal-structure
    #: codes; empty when the space has no such fast path (then every lookup goes through :meth:`key`)
    structure_columns: tuple[str, ...] = ()

    def structure_lookup(self, specs: Sequence[Any], match: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """Ids of specs found by structure codes, -1 for the rest (they go through :meth:`key`).

        ``match`` maps an ``(n, k)`` int64 code array (-1 = no code) to the id of the first
        stored code per row, -1 where none is stored. Codes name literal structures (equal
        codes: the very same cell), so this is exact; a space may try several equivalent
        spellings per spec (e.g. NB-101 relabellings). Invalid specs raise
        :class:`suite.errors.InvalidArchitecture` as :meth:`key` does. Default: no fast path.
        """
        return np.full(len(specs), -1, dtype=np.int64)

    def structure_codes(self, columns: dict[str, Any]) -> np.ndarray:
        """int64 codes of the stored rows, from the ``structure_columns`` of ``archs.parquet``."""
        raise NotImplementedError(f"{self.name} has no structure codes")

    def structure_miss_is_final(self, spec: Any) -> bool:
        """Whether a miss of :meth:`structure_lookup` proves ``spec`` is not in the table (no hashing needed)."""
        return False

    def is_valid(self, spec: Any) -> bool:
        """Whether ``spec`` is a valid architecture of this space (in a table or not)."""
        try:
            self.key(spec)
        except InvalidArchitecture:
            return False
        return True

    def is_single(self, spec: Any) -> bool:
        """Whether ``spec`` is one architecture (as opposed to a sequence of them)."""
        return isinstance(spec, (str, dict))

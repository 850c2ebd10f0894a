"""The searcher interface: one search run against an :class:`~suite.search.oracle.Oracle`."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np

from .oracle import Oracle, SearchResult

__all__ = ["Searcher"]


class Searcher(ABC):
    """One NAS algorithm over a tabulated space. ``__init__`` stores keyword parameters only.

    ``search`` queries ``oracle`` until its budget is spent (or the space is exhausted) and
    returns the trajectory; everything random comes from ``rng``.
    """

    name: str = ""
    citation: str = ""

    @abstractmethod
    def search(self, oracle: Oracle, rng: np.random.Generator) -> SearchResult:
        """Run until ``oracle.exhausted``."""

    def get_params(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_params().items())})"

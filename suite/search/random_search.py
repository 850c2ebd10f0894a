"""Random search: query architectures uniformly at random without replacement.

The baseline every NAS paper reports (Li & Talwalkar 2019; NAS-Bench-201 §5). Its expected
number of queries to hit one of ``k`` qualifying architectures among ``|S|`` is known in closed
form, ``(|S|+1)/(k+1)`` (:func:`suite.search.efficiency.random_search_expected_queries`), which
the tests use to check the loop and the oracle together.
"""

from __future__ import annotations

import numpy as np

from .base import Searcher
from .oracle import Oracle, SearchResult


class RandomSearch(Searcher):
    name = "random"
    citation = "Li & Talwalkar 2019, 'Random Search and Reproducibility for NAS'"

    def search(self, oracle: Oracle, rng: np.random.Generator) -> SearchResult:
        order = rng.permutation(oracle.unqueried())
        if oracle.budget.queries is not None:
            order = order[: oracle.remaining_queries]
        oracle.query(order)  # stops at the cost budget by itself
        return SearchResult(oracle.trajectory())

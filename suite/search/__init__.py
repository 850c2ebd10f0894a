"""Search on tabulated benchmarks: predictor-based NAS and its baselines, plus sample-efficiency metrics.

Searchers (one per module, registered in the registry :data:`SEARCHERS`): ``random`` (random search),
``rea`` (regularized evolution), ``local`` (local search), ``predictor`` (Neural-Predictor /
BANANAS-style predictor-based search with any registered predictor and subset selector). Each
queries an :class:`~suite.search.oracle.Oracle` — a table read with the benchmark's seed noise
and training-time cost — until a :class:`~suite.search.oracle.Budget` is spent.
:mod:`suite.search.efficiency` turns trajectories into queries-to-target, sample-efficiency
gain and anytime curves. Early stopping on the budget axis lives in
:mod:`suite.search.early_stopping`.

    >>> import numpy as np, suite
    >>> from suite.search import Objective, Budget, run_search
    >>> bench = suite.load("nb201", "cifar10")
    >>> result = run_search(bench, "rea", Objective(schedule=12, noise="mean", cost_metric="train_time",
    ...                     cost_scale=12 / 200), Budget(seconds=12_000), seed=0)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..registry import Entry, Registry
from .base import Searcher
from .oracle import Budget, Objective, Oracle, SearchResult, objective_tables

if TYPE_CHECKING:
    from ..data.benchmark import Benchmark

__all__ = ["SEARCHERS", "Searcher", "Objective", "Budget", "Oracle", "SearchResult", "available", "make", "run_search",
           "objective_tables"]

#: name -> :class:`~suite.registry.Entry` whose factory is the :class:`Searcher` class (imported on
#: use); each citation is the class's ``citation``, verbatim.
SEARCHERS: Registry[Entry] = Registry("search method", [
    Entry("random", factory="suite.search.random_search:RandomSearch",
          citation="Li & Talwalkar 2019, 'Random Search and Reproducibility for NAS'",
          summary="random search: uniform queries without replacement"),
    Entry("rea", factory="suite.search.evolution:RegularizedEvolution",
          citation="Real et al. 2019, 'Regularized Evolution for Image Classifier Architecture Search'",
          summary="regularized (aging) evolution"),
    Entry("local", factory="suite.search.local_search:LocalSearch",
          citation="White, Nolen, Savani 2021, 'Exploring the Loss Landscape in NAS' (local search)",
          summary="local search over one-edit neighbourhoods, with restarts"),
    Entry("predictor", factory="suite.search.predictor_search:PredictorSearch",
          citation="Wen et al. 2020 (Neural Predictor); White et al. 2021 (BANANAS); Mauch et al. 2020 (subset selection)",
          summary="predictor-based search with any registered predictor and subset selector"),
], sort=True)


def available() -> list[str]:
    """Registered searcher names, sorted."""
    return SEARCHERS.available()


def make(name: str, **params: Any) -> Searcher:
    """A searcher by registry name; unknown names and parameters raise one-line errors."""
    return SEARCHERS.make(name, **params)


def run_search(bench: Benchmark, method: str | Searcher, objective: Objective, budget: Budget, *, seed: int,
               params: dict[str, Any] | None = None, tables: Any = None,
               stop_on: np.ndarray | None = None) -> SearchResult:
    """One independent search run. The run's generator is ``default_rng(seed)``: it draws the seed
    noise first (``noise="sample"``: a seed per architecture; ``noise="query"``: the seed of the
    oracle's per-query draws; neither where the cache has only seed means) and then everything the
    searcher draws."""
    searcher = make(method, **(params or {})) if isinstance(method, str) else method
    rng = np.random.default_rng(seed)
    if tables is None:
        tables = objective_tables(bench, objective, rng)
    oracle = Oracle(bench, objective, budget, rng, tables=tables, stop_on=stop_on)
    return searcher.search(oracle, rng)

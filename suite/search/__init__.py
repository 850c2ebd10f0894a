"""Search on tabulated benchmarks: predictor-based NAS and its baselines, plus sample-efficiency metrics.

Searchers (one per module, registered in :data:`SEARCHERS`): ``random`` (random search),
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

import importlib
from typing import Any

import numpy as np

from ..errors import NasSuiteError
from .base import Searcher
from .oracle import Budget, Objective, Oracle, SearchResult, objective_tables

__all__ = ["SEARCHERS", "Searcher", "Objective", "Budget", "Oracle", "SearchResult", "available", "make", "run_search",
           "objective_tables"]

#: name -> "module:Class"
SEARCHERS: dict[str, str] = {
    "random": "suite.search.random_search:RandomSearch",
    "rea": "suite.search.evolution:RegularizedEvolution",
    "local": "suite.search.local_search:LocalSearch",
    "predictor": "suite.search.predictor_search:PredictorSearch",
}


def available() -> list[str]:
    """Registered searcher names."""
    return sorted(SEARCHERS)


def make(name: str, **params: Any) -> Searcher:
    """A searcher by registry name; unknown names and parameters raise one-line errors."""
    target = SEARCHERS.get(name)
    if target is None:
        raise NasSuiteError(f"unknown search method {name!r}; available: {', '.join(available())}")
    module, cls = target.split(":")
    try:
        return getattr(importlib.import_module(module), cls)(**params)
    except TypeError as err:
        raise NasSuiteError(f"search method {name!r}: {err}") from None


def run_search(bench: Any, method: str | Searcher, objective: Objective, budget: Budget, *, seed: int,
               params: dict[str, Any] | None = None, tables: Any = None,
               stop_on: np.ndarray | None = None) -> SearchResult:
    """One independent search run. The run's generator is ``default_rng(seed)``: it draws the seed
    noise (for ``noise="sample"``) and then everything the searcher draws."""
    searcher = make(method, **(params or {})) if isinstance(method, str) else method
    rng = np.random.default_rng(seed)
    if tables is None:
        tables = objective_tables(bench, objective, rng)
    oracle = Oracle(bench, objective, budget, rng, tables=tables, stop_on=stop_on)
    return searcher.search(oracle, rng)

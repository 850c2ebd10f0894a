"""Search on tabulated benchmarks: predictor-based NAS and its baselines, plus sample-efficiency metrics.

Searchers (one per module, registered in the registry :data:`SEARCHERS`): ``random`` (random search),
``rea`` (regularized evolution), ``local`` (local search), ``predictor`` (Neural-Predictor /
BANANAS-style predictor-based search with any registered predictor and subset selector), ``tpe``,
and the multi-fidelity ``hyperband`` and ``bohb`` (queries at several training schedules:
``Oracle.query(ids, schedule=s)``). Each
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
    Entry("reinforce", factory="suite.search.reinforce:Reinforce",
          citation="Williams 1992, 'Simple statistical gradient-following algorithms for connectionist RL' (REINFORCE); settings of NATS-Bench (Dong et al. 2021)",
          summary="REINFORCE with a factorised softmax policy, EMA baseline and Adam (NATS-Bench settings)"),
    Entry("bananas", factory="suite.search.bananas:Bananas",
          citation="White, Neiswanger & Savani 2021, 'BANANAS: Bayesian Optimization with Neural Architectures for NAS' (AAAI)",
          summary="BANANAS: MLP-ensemble BO on the path encoding, Thompson sampling over mutations"),
    Entry("tpe", factory="suite.search.tpe:TPE",
          citation="Bergstra et al. 2011, 'Algorithms for Hyper-Parameter Optimization' (TPE); density of Falkner et al. 2018 (BOHB)",
          summary="TPE with BOHB's kernel density model over the genome (single fidelity)"),
    Entry("bohb", factory="suite.search.bohb:BOHB",
          citation="Falkner, Klein & Hutter 2018, 'BOHB: Robust and Efficient Hyperparameter Optimization at Scale'",
          summary="BOHB: Hyperband brackets over the table's training schedules, TPE proposals (HpBandSter settings)"),
    Entry("hyperband", factory="suite.search.bohb:Hyperband",
          citation="Li et al. 2018, 'Hyperband: A Novel Bandit-Based Approach to Hyperparameter Optimization'",
          summary="Hyperband over the table's training schedules (BOHB with random_fraction=1)"),
    Entry("gp-bo", factory="suite.search.gp_bo:GPBayesOpt",
          citation="Jones, Schonlau & Welch 1998 (expected improvement); Rasmussen & Williams 2006 (Gaussian processes)",
          summary="Gaussian-process BO with expected improvement over neighbours and random candidates"),
    Entry("ask-tell", factory="suite.search.ask_tell:AskTellSearcher",
          citation="the optimizer's own; ask/tell protocol as in Optuna (Akiba et al. 2019) and SMAC3 (Lindauer et al. 2022)",
          summary="any ask/tell optimiser by import path (optimizer='module:attr')"),
    Entry("optuna", factory="suite.search.optuna_search:OptunaSearch", extra="optuna",
          citation="Akiba et al. 2019, 'Optuna: A Next-generation Hyperparameter Optimization Framework' (KDD)",
          summary="Optuna samplers (tpe, random, gp, nsga2) through study.ask/tell"),
    Entry("smac", factory="suite.search.smac_search:SmacSearch", extra="smac",
          citation="Lindauer et al. 2022, 'SMAC3: A Versatile Bayesian Optimization Package for Hyperparameter Optimization' (JMLR)",
          summary="SMAC3 (random-forest or GP facade) through smac.ask/tell"),
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

"""Predictor-based search in the Neural Predictor / BANANAS style, with a pluggable candidate subset.

Loop (Wen et al. 2020, "Neural Predictor for NAS"; White et al. 2021, BANANAS, without the
ensemble's uncertainty — the acquisition is the predicted value):

1. query ``n_init`` architectures uniformly at random;
2. fit the predictor on every (architecture, observed value) queried so far;
3. ask the selector for a subset of at most ``subset_size`` unqueried candidates — the part of
   the space the predictor is allowed to score (Mauch et al. 2020: the whole space in the
   ``full`` oracle setting, a subset in any real space);
4. query the ``batch`` candidates with the highest predicted value; go to 2 until the budget.

Any registered predictor that reads an encoding and/or zero-cost proxies plugs in (learning-
curve models cannot: a search has no curve of an unqueried cell); any registered selector
plugs in. The predictor's ``random_state`` is drawn from the run's rng at every refit.
"""

from __future__ import annotations

import time
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from ..encodings import encode
from ..encodings.genome import genome_for
from ..errors import NasSuiteError
from ..selection import SearchHistory
from ..selection import make as make_selector
from .base import Searcher
from .oracle import Oracle, SearchResult

if TYPE_CHECKING:
    from ..data.benchmark import Benchmark


class PredictorSearch(Searcher):
    name = "predictor"
    citation = "Wen et al. 2020 (Neural Predictor); White et al. 2021 (BANANAS); Mauch et al. 2020 (subset selection)"

    def __init__(self, predictor: str = "xgb", predictor_params: dict[str, Any] | None = None,
                 encoding: str | None = None, selector: str = "full", selector_params: dict[str, Any] | None = None,
                 subset_size: int = 1000, n_init: int = 10, batch: int = 10,
                 selection_encoding: str = "adjacency_onehot") -> None:
        self.predictor = predictor
        self.predictor_params = predictor_params
        self.encoding = encoding
        self.selector = selector
        self.selector_params = selector_params
        self.subset_size = subset_size
        self.n_init = n_init
        self.batch = batch
        self.selection_encoding = selection_encoding

    def search(self, oracle: Oracle, rng: np.random.Generator) -> SearchResult:
        from .. import predictors as P

        bench = oracle.bench
        inputs = P.spec(self.predictor).inputs
        if self.encoding is not None:
            inputs = inputs.with_(encoding=self.encoding)
        if inputs.curve_epochs:
            raise NasSuiteError(f"predictor {self.predictor!r} reads learning curves, which a search does not have for unqueried cells")
        pool = oracle.pool
        row = np.full(len(bench), -1, dtype=np.int64)
        row[pool] = np.arange(len(pool))
        X = P.build_features(bench, inputs, pool)
        enc = encode(bench, self.selection_encoding, pool)
        selector = make_selector(self.selector, **(self.selector_params or {}))
        params = dict(self.predictor_params or {})
        timings = {"fit": 0.0, "predict": 0.0, "select": 0.0}
        scored = 0
        genome = _LazyGenome(bench)  # built at most once per run

        def features(ids: np.ndarray) -> np.ndarray:  # one object per run: selectors may cache on it
            return enc[row[np.asarray(ids, dtype=np.int64)]]


        start = rng.choice(oracle.unqueried(), size=min(self.n_init, len(pool)), replace=False)
        oracle.query(start)
        while not oracle.exhausted:
            candidates = oracle.unqueried()
            if not len(candidates):
                break
            queried, observed = oracle.queried, oracle.observed()
            model = P.make(self.predictor, bench, **params)
            if "random_state" in model.get_params() and "random_state" not in params:
                model.set_params(random_state=int(rng.integers(2**31 - 1)))
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(X[row[queried]], observed)
            t1 = time.perf_counter()

            def predict(ids: np.ndarray, model: Any = model) -> np.ndarray:
                return np.asarray(model.predict(X[row[np.asarray(ids, dtype=np.int64)]]), dtype=np.float64)

            history = SearchHistory(queried=queried, observed=observed, predict=predict, features=features,
                                    genome=genome, n_archs=len(bench))
            positions = selector.select(candidates, self.subset_size, history=history, rng=rng)
            t2 = time.perf_counter()
            subset = candidates[positions]
            scores = predict(subset)
            scored += len(subset) + int(getattr(selector, "n_scored_", 0))  # + what the selector scored itself
            t3 = time.perf_counter()
            k = min(self.batch, len(subset), oracle.remaining_queries)
            order = np.lexsort((subset, -np.nan_to_num(scores, nan=-np.inf)))  # best first, ties by id
            oracle.query(subset[order[:k]])
            timings["fit"] += t1 - t0
            timings["select"] += t2 - t1
            timings["predict"] += t3 - t2
        info = {"fit_seconds": timings["fit"], "predict_seconds": timings["predict"],
                "select_seconds": timings["select"], "n_scored": scored}
        return SearchResult(oracle.trajectory(), info)


class _LazyGenome:
    """The space's genome, built on first use (only mutation-based selectors need it)."""

    def __init__(self, bench: Benchmark) -> None:
        self._bench = bench
        self._genome: Any = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if self._genome is None:
            self._genome = genome_for(self._bench)
        return getattr(self._genome, name)

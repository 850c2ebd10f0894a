"""Gaussian-process Bayesian optimisation with expected improvement over a tabulated space.

Loop (the classic sequential BO of Jones, Schonlau & Welch 1998 / Snoek, Larochelle & Adams
2012, on a finite set of candidates as NAS benchmarks allow):

1. query ``num_init`` architectures uniformly at random;
2. fit the zoo's Gaussian process (:class:`~suite.predictors.gp.GaussianProcess`: Matérn-5/2 on
   standardised inputs, hyper-parameters by marginal likelihood) on every queried architecture;
3. candidates = every unqueried one-edit neighbour of the ``num_incumbents`` best queried
   architectures (local refinement) + ``num_random`` unqueried architectures drawn uniformly
   (global exploration);
4. query the ``k`` candidates of highest expected improvement over the best observed value
   (:func:`~suite.search.acquisition.expected_improvement`, margin ``xi``); go to 2.

Defaults follow the GP-BO baseline of the BANANAS paper's code (``gp_bayesopt_search`` in
``naszilla/nas_algorithms.py``: ``num_init=10``, one query per BO iteration; its candidate
generator ``get_arch_list`` in ``naszilla/nas_benchmarks.py`` perturbs the 5 best architectures,
``num_top_arches=5``). Deviations from that baseline: its GP used a distance kernel and UCB, this
one the zoo's GP on the predictor's encoding (``adjacency_onehot`` on NB-101/201; the genome's
one-hot where a space has no such encoding) and EI; its perturbations were 1..19 random edits,
here the whole one-edit neighbourhood plus uniform random candidates. Any zoo predictor with
``predict_with_std`` can replace the GP (``predictor="bananas"``), and any acquisition of
:mod:`suite.search.acquisition` can replace EI.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..encodings.genome import genome_for
from ..errors import NasSuiteError
from .acquisition import acquire, check_name, top_k
from .base import Searcher
from .model_based import Surrogate, best_queried, neighbour_candidates, random_candidates
from .oracle import Oracle, SearchResult


class GPBayesOpt(Searcher):
    name = "gp-bo"
    citation = "Jones, Schonlau & Welch 1998 (expected improvement); Rasmussen & Williams 2006 (Gaussian processes)"

    def __init__(self, num_init: int = 10, k: int = 1, num_incumbents: int = 5, num_random: int = 100,
                 acquisition: str = "ei", xi: float = 0.0, predictor: str = "gp",
                 predictor_params: dict[str, Any] | None = None, encoding: str | None = None) -> None:
        self.num_init = num_init
        self.k = k
        self.num_incumbents = num_incumbents
        self.num_random = num_random
        self.acquisition = acquisition
        self.xi = xi
        self.predictor = predictor
        self.predictor_params = predictor_params
        self.encoding = encoding

    def _check(self) -> None:
        for key, low in (("num_init", 1), ("k", 1), ("num_incumbents", 0), ("num_random", 0)):
            value = getattr(self, key)
            if not isinstance(value, (int, np.integer)) or value < low:
                raise NasSuiteError(f"gp-bo: {key} must be an integer >= {low}, got {value!r}")
        if self.num_incumbents + self.num_random < 1:
            raise NasSuiteError("gp-bo: num_incumbents + num_random must be >= 1, or there are no candidates")
        check_name(self.acquisition)

    def search(self, oracle: Oracle, rng: np.random.Generator) -> SearchResult:
        self._check()
        bench = oracle.bench
        genome = genome_for(bench)
        surrogate = Surrogate(bench, oracle.pool, genome, self.predictor, self.predictor_params, self.encoding)
        allowed = surrogate.usable
        params = {"xi": float(self.xi)} if self.acquisition == "ei" else {}
        n_candidates = 0
        oracle.query(random_candidates(allowed, oracle.seen, self.num_init, rng))
        while not oracle.exhausted:
            queried, observed = oracle.queried, oracle.observed()
            local = neighbour_candidates(genome, best_queried(queried, observed, self.num_incumbents), allowed,
                                         oracle.seen)
            candidates = np.concatenate([local, random_candidates(allowed, oracle.seen, self.num_random, rng,
                                                                  exclude=local)])
            if not len(candidates):
                break  # every allowed architecture is queried
            n_candidates += len(candidates)
            mean, std = surrogate.fit_predict(queried, observed, candidates, rng)
            scores = acquire(self.acquisition, mean, std, best=float(observed.max()), rng=rng, params=params)
            oracle.query(top_k(candidates, scores, int(min(self.k, oracle.remaining_queries))))
        info = {"fit_seconds": surrogate.fit_seconds, "n_fits": surrogate.n_fits, "features": surrogate.features,
                "n_candidates": n_candidates}
        return SearchResult(oracle.trajectory(), info)

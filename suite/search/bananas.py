"""BANANAS: Bayesian optimisation with an ensemble of neural predictors (White, Neiswanger & Savani, AAAI 2021).

Loop (Algorithm 1 of the paper; ``bananas`` in ``naszilla/nas_algorithms.py`` of its code):

1. query ``num_init`` architectures uniformly at random;
2. fit an ensemble of ``num_ensemble`` neural predictors on the path encoding of every queried
   architecture (the zoo's ``bananas`` predictor, :class:`~suite.predictors.mlp.BananasEnsemble`);
   the ensemble's mean and standard deviation are the posterior;
3. build a candidate set by mutating the best queried architectures
   (:func:`~suite.search.model_based.mutation_candidates`: BANANAS' ``mutation`` acquisition
   optimiser, without re-proposing anything queried);
4. score the candidates with independent Thompson sampling (``"its"``; or ``"ucb"``, ``"ei"``,
   ``"mean"``: :mod:`suite.search.acquisition`) and query the best ``k``; go to 2.

Defaults are those of the paper's code (``naszilla/naszilla``: ``nas_algorithms.bananas`` and
``nas_benchmarks.get_candidates``): ``num_init=10``, ``k=10``, ``num_ensemble=5``,
``acq_opt_type='mutation'``, ``explore_type='its'``, ``num_arches_to_mutate=1``,
``max_mutation_rate=1`` (here ``max_mutations``), 100 candidates, patience factor 5. NASLib's
port (``naslib/optimizers/discrete/bananas/optimizer.py``) uses the same loop; its example
config ``naslib/benchmarks/nas/discrete_config.yaml`` sets ``num_init: 10``, ``k: 10``,
``num_ensemble: 3``, ``num_arches_to_mutate: 5``, ``max_mutations: 1``, ``num_candidates: 200``.

Deviations: the zoo's ensemble trains scikit-learn MLPs (squared loss, 3 x 64 units, 200
epochs by default; the paper: 10 x 20 units, MAE loss, 150 epochs — pass
``predictor_params={"hidden": (20,) * 10, "max_iter": 150}`` to get the paper's shape); a mutation
is one edit of the space's genome, applied ``r`` times for ``r`` edits (the paper's cell
mutation flips each edge/op with probability ``rate / n``). Any zoo predictor with
``predict_with_std`` can replace the ensemble (``predictor="gp"``); ``num_ensemble`` then does
nothing and the predictor's own standard deviation is used. A space without a ``path`` encoding
is read through its genome's one-hot (:func:`~suite.search.model_based.genome_onehot`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..encodings.genome import genome_for
from ..errors import NasSuiteError
from .acquisition import acquire, check_name, top_k
from .base import Searcher
from .model_based import Surrogate, best_queried, mutation_candidates, random_candidates
from .oracle import Oracle, SearchResult


class Bananas(Searcher):
    name = "bananas"
    citation = "White, Neiswanger & Savani 2021, 'BANANAS: Bayesian Optimization with Neural Architectures for NAS' (AAAI)"

    def __init__(self, num_init: int = 10, k: int = 10, num_ensemble: int = 5, acquisition: str = "its",
                 acquisition_params: dict[str, Any] | None = None, num_candidates: int = 100,
                 num_arches_to_mutate: int = 1, max_mutations: int = 1, predictor: str = "bananas",
                 predictor_params: dict[str, Any] | None = None, encoding: str | None = None) -> None:
        self.num_init = num_init
        self.k = k
        self.num_ensemble = num_ensemble
        self.acquisition = acquisition
        self.acquisition_params = acquisition_params
        self.num_candidates = num_candidates
        self.num_arches_to_mutate = num_arches_to_mutate
        self.max_mutations = max_mutations
        self.predictor = predictor
        self.predictor_params = predictor_params
        self.encoding = encoding

    def _check(self) -> None:
        for key in ("num_init", "k", "num_ensemble", "num_candidates", "num_arches_to_mutate", "max_mutations"):
            value = getattr(self, key)
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise NasSuiteError(f"bananas: {key} must be an integer >= 1, got {value!r}")
        check_name(self.acquisition)

    def search(self, oracle: Oracle, rng: np.random.Generator) -> SearchResult:
        self._check()
        bench = oracle.bench
        genome = genome_for(bench)
        surrogate = Surrogate(bench, oracle.pool, genome, self.predictor, self.predictor_params, self.encoding,
                              defaults={"n_models": self.num_ensemble})
        allowed = surrogate.usable
        n_candidates = 0
        n_random_fill = 0
        oracle.query(random_candidates(allowed, oracle.seen, self.num_init, rng))
        while not oracle.exhausted:
            queried, observed = oracle.queried, oracle.observed()
            ranked = best_queried(queried, observed, len(queried))
            candidates = mutation_candidates(genome, ranked, allowed, oracle.seen, num_candidates=self.num_candidates,
                                             num_arches_to_mutate=self.num_arches_to_mutate,
                                             max_mutations=self.max_mutations, rng=rng)
            k = int(min(self.k, oracle.remaining_queries))
            if len(candidates):
                mean, std = surrogate.fit_predict(queried, observed, candidates, rng)
                scores = acquire(self.acquisition, mean, std, best=float(observed.max()), rng=rng,
                                 params=self.acquisition_params)
                batch = top_k(candidates, scores, k)
            else:
                batch = np.zeros(0, dtype=np.int64)
            n_candidates += len(candidates)
            if len(batch) < k:  # too few mutants left: fill the batch uniformly
                fill = random_candidates(allowed, oracle.seen, k - len(batch), rng, exclude=batch)
                n_random_fill += len(fill)
                batch = np.concatenate([batch, fill])
            if not len(batch):
                break  # nothing left to query
            oracle.query(batch)
        info = {"fit_seconds": surrogate.fit_seconds, "n_fits": surrogate.n_fits, "features": surrogate.features,
                "n_candidates": n_candidates, "n_random_fill": n_random_fill}
        return SearchResult(oracle.trajectory(), info)

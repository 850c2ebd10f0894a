"""``guided``: stratified sampling tilted towards the strata the predictor rates highly.

Why: scoring the whole space finds the predictor's favourites but costs a predictor call per
architecture; a uniform subset is cheap but ignores what the predictor already knows. This
selector spends a small *probe* budget to learn which regions of the encoding space the
predictor likes and then samples more from them — the exploit/explore split of a
bandit over strata (softmax / Boltzmann exploration, Sutton & Barto 2018, sec. 2.8 and 13.1),
applied to the cluster strata of Mauch et al. (2020)-style subset selection. The ``explore``
share keeps every stratum represented in proportion to its size, so a wrong predictor cannot
starve a region entirely.

Steps:

1. Strata: the k-means strata of :mod:`suite.selection.cluster` (same cache rule).
2. Probe: ``min(probe, N_c)`` uniform members of each stratum ``c`` are scored with one call of
   ``history.predict``. The stratum score ``z_c`` is its mean probe score standardised over
   strata (minus the mean of the stratum means, divided by their standard deviation), so
   ``temperature`` is in units of the between-strata spread, independent of the predictor's
   units and of heavy tails within strata (NB-201's ~10%-accuracy cells sit in every stratum
   and would otherwise swamp the signal). Non-finite scores count as the lowest finite one.
3. Allocation: weight ``w_c = (1 - explore) softmax(z / temperature)_c + explore N_c / N``; the
   ``n`` picks are allocated by weight with capacity ``N_c`` and largest-remainder rounding
   (:func:`suite.selection.cluster.allocate`), then drawn uniformly within each stratum.

``explore = 1`` is proportional stratified sampling (identical to ``cluster`` with the same
parameters and ``rng``; no probe is scored); ``explore = 0`` follows the predictor only.

Predictor budget: one call scoring at most ``n_clusters * probe`` architectures (512 with the
defaults), independent of ``N`` and ``n`` — versus ``N`` for ``full``; the count of the last
``select`` is in ``n_scored_``. Before the first predictor fit (``history.predict is None``) the
selector is ``uniform``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import NasSuiteError
from ._positions import uniform_positions
from .base import SearchHistory, Selector
from .cluster import ClusterStrata, allocate, sample_strata


class PredictorGuided(Selector):
    """Cluster strata reweighted by ``softmax(probe score / temperature)``, mixed with proportional exploration.

    Parameters:
        temperature: softmax temperature in standard deviations of the stratum means (> 0;
            smaller = greedier; at 0.25 a stratum one deviation above another gets e^4 = 55x
            its weight).
        explore: fraction of the weight allocated in proportion to stratum size (0..1).
        probe: candidates scored per stratum to estimate its quality (>= 1).
        n_clusters, max_fit, refit: the strata, as in :class:`~suite.selection.cluster.ClusterStrata`.
    """

    name = "guided"
    citation = (
        "Mauch et al. 2020, 'Efficient Sampling for Predictor-Based NAS' (subset strategies); "
        "Sutton & Barto 2018 (softmax exploration); Cochran 1977 (stratified allocation)"
    )

    def __init__(
        self,
        temperature: float = 0.25,
        explore: float = 0.2,
        probe: int = 16,
        n_clusters: int = 32,
        max_fit: int = 20_000,
        refit: float = 0.1,
    ) -> None:
        self.temperature = temperature
        self.explore = explore
        self.probe = probe
        self.n_clusters = n_clusters
        self.max_fit = max_fit
        self.refit = refit

    def _strata(self) -> ClusterStrata:
        """The private :class:`ClusterStrata` holding the clustering cache (rebuilt if parameters changed)."""
        params = {"n_clusters": self.n_clusters, "max_fit": self.max_fit, "refit": self.refit}
        strata: ClusterStrata | None = getattr(self, "_strata_", None)
        if strata is None or {k: getattr(strata, k) for k in params} != params:
            strata = ClusterStrata(**params)
            self._strata_ = strata
        return strata

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_strata_", None)
        return state

    def select(self, candidates: np.ndarray, n: int, *, history: SearchHistory, rng: np.random.Generator) -> np.ndarray:
        if not self.temperature > 0 or not 0.0 <= self.explore <= 1.0 or self.probe < 1:
            raise NasSuiteError(f"guided selector needs temperature > 0, 0 <= explore <= 1, probe >= 1; got {self.get_params()}")
        self.n_scored_ = 0
        candidates = np.asarray(candidates, dtype=np.int64).reshape(-1)
        n = int(n)
        if n <= 0 or not len(candidates):
            return np.zeros(0, dtype=np.int64)
        if history.predict is None or n >= len(candidates):
            return uniform_positions(len(candidates), n, rng)
        labels = self._strata().labels(candidates, history=history, rng=rng)
        sizes = np.bincount(labels, minlength=self.n_clusters)
        weights = sizes / sizes.sum()
        if self.explore < 1.0:
            exploit = self._exploit_weights(candidates, labels, sizes, history, rng)
            weights = (1.0 - self.explore) * exploit + self.explore * weights
        return sample_strata(labels, allocate(weights, sizes, n), rng)

    def _exploit_weights(
        self,
        candidates: np.ndarray,
        labels: np.ndarray,
        sizes: np.ndarray,
        history: SearchHistory,
        rng: np.random.Generator,
    ) -> np.ndarray:
        """``softmax(z / temperature)`` over non-empty strata from one probe call (zeros for empty strata)."""
        probe = sample_strata(labels, np.minimum(sizes, self.probe), rng)
        assert history.predict is not None
        scores = np.asarray(history.predict(candidates[probe]), dtype=np.float64).reshape(-1)
        if len(scores) != len(probe):
            raise NasSuiteError(f"history.predict returned {len(scores)} scores for {len(probe)} architectures")
        self.n_scored_ = len(probe)
        finite = np.isfinite(scores)
        scores = np.where(finite, scores, scores[finite].min() if finite.any() else 0.0)
        counts = np.bincount(labels[probe], minlength=len(sizes))
        present = counts > 0
        means = np.bincount(labels[probe], weights=scores, minlength=len(sizes))[present] / counts[present]
        spread = float(means.std())
        z = (means - means.mean()) / spread if spread > 0 else np.zeros_like(means)
        logits = z / self.temperature
        w = np.exp(logits - logits.max())
        out = np.zeros(len(sizes), dtype=np.float64)
        out[present] = w / w.sum()
        return out

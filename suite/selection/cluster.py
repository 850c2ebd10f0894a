"""``cluster``: stratified sampling over k-means strata of the encoding space.

Why: a uniform subset of size ``n`` over-samples dense regions by chance and can miss small
ones. Stratifying on clusters of the encodings (proportional allocation, then uniform within
each stratum) keeps every region represented in proportion to its size — the classic variance
reduction of stratified sampling (Cochran 1977, ch. 5) — and is the cluster-based subset
strategy studied for predictor-based NAS by Mauch et al. (2020). It is also the partition that
``guided`` reweights by predicted quality.

Clustering: Lloyd's k-means with k-means++ seeding (Arthur & Vassilvitskii 2007) in numpy, fit
on a uniform sample of at most ``max_fit`` candidates; every candidate is then labelled by its
nearest centroid (chunked, ``O(N * n_clusters * d)``, never an ``N x N`` matrix).

Allocation: stratum ``c`` of size ``N_c`` gets ``n * N_c / N`` picks rounded by largest
remainder (Hamilton's method: floors first, the leftover picks to the largest fractional parts,
ties to the lower stratum), so the quotas sum to exactly ``n`` and differ from the exact
proportion by less than one. Within a stratum the picks are uniform without replacement.

Cache rule: a search calls ``select`` every iteration with nearly the same candidates (the
previous ones minus the few just queried), so refitting k-means each time would be wasted work.
The selector keeps one clustering and reuses it while (a) it is the same encoding of the same
table: ``history.n_archs`` is unchanged and ``history.features`` is the same object, or — since
a search may build a new ``features`` closure every iteration — returns exactly the cached
encodings for a fingerprint of up to 64 ids (taken from the fit sample, so they are valid ids);
and (b) the candidate count is within ``refit`` (relative) of the count it was fit on;
otherwise it refits. Labels are memoised per table id (exact: a label is a pure function of the
centroids and that id's features), so later calls encode only candidates not labelled before.
The k-means seed is drawn from ``rng`` on every call, hit or miss, so the draws that follow (the
within-stratum sampling) do not depend on the cache state. Caveat: results depend on which
call fit the cached clustering; a fresh selector, or one that fit under the same ``rng`` state,
is reproducible. The cache is dropped on pickling.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..errors import NasSuiteError
from .base import SearchHistory, Selector

__all__ = ["ClusterStrata", "allocate", "kmeans", "nearest_centroid", "sample_strata"]

#: float32 entries per chunk when labelling candidates (~64 MB)
_CHUNK_ENTRIES = 1 << 24
#: label memo is a dense int32 array over table ids up to this many ids (128 MB); larger tables
#: relabel the candidates on every call instead
_MEMO_MAX_IDS = 1 << 25
#: ids in the encoding fingerprint of a cached clustering
_PROBE = 64


# -- k-means ------------------------------------------------------------------------------------
def nearest_centroid(X: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """int64 index of each row's nearest centroid (squared Euclidean), computed in row chunks."""
    X = np.asarray(X, dtype=np.float32)
    C = np.asarray(centroids, dtype=np.float32)
    csq = np.einsum("ij,ij->i", C, C)
    out = np.empty(len(X), dtype=np.int64)
    step = max(1, _CHUNK_ENTRIES // max(len(C), 1))
    for s in range(0, len(X), step):
        d = X[s : s + step] @ C.T
        d *= -2.0
        d += csq[None, :]  # the row's own norm does not change the argmin
        out[s : s + step] = np.argmin(d, axis=1)
    return out


def kmeans(X: np.ndarray, k: int, rng: np.random.Generator, *, n_iter: int = 25) -> np.ndarray:
    """float32 ``(min(k, m), d)`` centroids of Lloyd's k-means on ``X`` ``(m, d)``, k-means++ seeded.

    Stops early when no label changes. An emptied cluster keeps its previous centroid. If ``X``
    has fewer distinct rows than ``k``, k-means++ picks duplicate centroids and some strata stay
    empty (they get no picks), which is the honest answer.
    """
    X = np.asarray(X, dtype=np.float32)
    m = len(X)
    k = min(k, m)
    sq = np.einsum("ij,ij->i", X, X)
    centroids = np.empty((k, X.shape[1]), dtype=np.float32)
    first = int(rng.integers(m))
    centroids[0] = X[first]
    mind = np.maximum(sq - 2.0 * (X @ X[first]) + sq[first], 0.0)
    for c in range(1, k):
        total = float(mind.sum())
        j = int(rng.integers(m)) if total <= 0 else int(np.searchsorted(np.cumsum(mind), rng.random() * total))
        j = min(j, m - 1)
        centroids[c] = X[j]
        np.minimum(mind, np.maximum(sq - 2.0 * (X @ X[j]) + sq[j], 0.0), out=mind)
    labels = None
    for _ in range(n_iter):
        new = nearest_centroid(X, centroids)
        if labels is not None and np.array_equal(new, labels):
            break
        labels = new
        counts = np.bincount(labels, minlength=k)
        sums = np.zeros_like(centroids, dtype=np.float64)
        _grouped_sum(sums, labels, X)
        full = counts > 0
        centroids[full] = (sums[full] / counts[full, None]).astype(np.float32)
    return centroids


def _grouped_sum(out: np.ndarray, labels: np.ndarray, X: np.ndarray) -> None:
    """``out[c] = X[labels == c].sum(0)`` via one sort (faster than ``np.add.at`` on big ``X``)."""
    order = np.argsort(labels, kind="stable")
    present, starts = np.unique(labels[order], return_index=True)
    out[present] = np.add.reduceat(X[order].astype(np.float64), starts, axis=0)


# -- allocation and sampling ----------------------------------------------------------------------
def allocate(weights: np.ndarray, capacity: np.ndarray, n: int) -> np.ndarray:
    """int64 quotas proportional to ``weights``, each at most ``capacity``, summing to ``min(n, capacity.sum())``.

    A stratum whose proportional share reaches its capacity is filled and the rest redistributed
    over the others by weight (repeated until none overflows); the remaining real-valued shares
    are rounded by largest remainder (ties to the lower index). Zero-weight strata get picks
    only when the positive-weight ones are full (then in proportion to capacity).
    """
    weights = np.asarray(weights, dtype=np.float64).reshape(-1)
    capacity = np.asarray(capacity, dtype=np.int64).reshape(-1)
    if len(weights) != len(capacity) or (weights < 0).any() or not np.isfinite(weights).all():
        raise NasSuiteError("allocate: weights must be finite, non-negative and one per stratum")
    quota = np.zeros(len(capacity), dtype=np.int64)
    left = min(int(n), int(capacity.sum()))
    active = capacity > 0
    while left > 0:
        w = np.where(active, weights, 0.0)
        if w.sum() <= 0:
            w = np.where(active, capacity - quota, 0).astype(np.float64)
        share = left * w / w.sum()
        room = capacity - quota
        over = active & (share >= room)
        if over.any():
            left -= int(room[over].sum())
            quota[over] = capacity[over]
            active &= ~over
            continue
        base = np.floor(share).astype(np.int64)
        rest = left - int(base.sum())
        frac = np.where(active, share - base, -1.0)
        quota += base
        if rest > 0:
            quota[np.argsort(-frac, kind="stable")[:rest]] += 1
        break
    return quota


def sample_strata(labels: np.ndarray, quotas: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Sorted int64 positions: ``quotas[c]`` uniform picks without replacement among ``labels == c``.

    Vectorised: every row gets a uniform random key, rows are sorted by (label, key), and the
    first ``quotas[c]`` rows of each label are taken.
    """
    labels = np.asarray(labels, dtype=np.int64)
    keys = rng.random(len(labels))
    order = np.lexsort((keys, labels))
    sorted_labels = labels[order]
    starts = np.searchsorted(sorted_labels, np.arange(len(quotas)))
    rank = np.arange(len(labels)) - starts[sorted_labels]
    return np.sort(order[rank < np.asarray(quotas)[sorted_labels]]).astype(np.int64)


def _one_blas_thread():
    """Context limiting BLAS to one thread around k-means and labelling.

    The products are thin (rows x 36 by 36 x 32), and thread start-up costs more than it saves:
    k-means on the 15,625 NB-201 rows took 0.10 s with one thread and 0.62 s with two on a
    2-core machine. Scoped, so the caller's BLAS settings are untouched.
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def _label(X: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    with _one_blas_thread():
        return nearest_centroid(X, centroids)


# -- the selector ---------------------------------------------------------------------------------
@dataclass
class _Clustering:
    """One cached clustering of one encoding of one table."""

    features: Callable[[np.ndarray], np.ndarray]
    n_archs: int
    n_fit: int
    centroids: np.ndarray
    memo: np.ndarray | None  # int32 label per table id, -1 = not yet labelled
    probe_ids: np.ndarray  # fingerprint: a few fitted ids ...
    probe_x: np.ndarray  # ... and their encodings

    def same_encoding(self, features: Callable[[np.ndarray], np.ndarray], n_archs: int) -> bool:
        """Whether ``features`` encodes this table as the cached clustering's did (and adopt it if so)."""
        if n_archs != self.n_archs:
            return False
        if features is self.features:
            return True
        x = np.asarray(features(self.probe_ids), dtype=np.float32)
        if x.shape != self.probe_x.shape or not np.array_equal(x, self.probe_x):
            return False
        self.features = features
        return True


class ClusterStrata(Selector):
    """Proportional stratified sampling over k-means clusters of ``history.features``.

    Parameters:
        n_clusters: number of strata (k of k-means).
        max_fit: k-means is fit on a uniform sample of at most this many candidates.
        n_iter: maximum Lloyd iterations.
        refit: relative change of the candidate count that triggers a refit of the cached
            clustering (module docstring, "Cache rule").
    """

    name = "cluster"
    citation = (
        "Mauch et al. 2020, 'Efficient Sampling for Predictor-Based NAS' (cluster-based subsets); "
        "Cochran 1977 (stratified sampling, proportional allocation); Arthur & Vassilvitskii 2007 (k-means++)"
    )

    def __init__(self, n_clusters: int = 32, max_fit: int = 20_000, n_iter: int = 25, refit: float = 0.1) -> None:
        self.n_clusters = n_clusters
        self.max_fit = max_fit
        self.n_iter = n_iter
        self.refit = refit

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_cache", None)  # holds the search's features callable; rebuilt on use
        return state

    def select(self, candidates: np.ndarray, n: int, *, history: SearchHistory, rng: np.random.Generator) -> np.ndarray:
        candidates = np.asarray(candidates, dtype=np.int64).reshape(-1)
        n = int(n)
        if n <= 0 or not len(candidates):
            return np.zeros(0, dtype=np.int64)
        labels = self.labels(candidates, history=history, rng=rng)
        sizes = np.bincount(labels, minlength=self.n_clusters)
        return sample_strata(labels, allocate(sizes, sizes, n), rng)

    def labels(self, candidates: np.ndarray, *, history: SearchHistory, rng: np.random.Generator) -> np.ndarray:
        """int64 stratum (``0..n_clusters-1``) of each candidate, from the cached or a fresh clustering.

        Draws exactly one integer from ``rng`` whatever the cache state.
        """
        if self.n_clusters < 1 or self.max_fit < 1 or self.n_iter < 1 or self.refit < 0:
            raise NasSuiteError(f"cluster strata need n_clusters, max_fit, n_iter >= 1 and refit >= 0, got {self.get_params()}")
        candidates = np.asarray(candidates, dtype=np.int64).reshape(-1)
        seed = int(rng.integers(2**63 - 1))
        cache: _Clustering | None = getattr(self, "_cache", None)
        stale = (
            cache is None
            or abs(len(candidates) - cache.n_fit) > self.refit * cache.n_fit
            or not cache.same_encoding(history.features, history.n_archs)
        )
        if stale:
            cache = self._fit(candidates, history, np.random.default_rng(seed))
            self._cache = cache
        assert cache is not None
        if cache.memo is None:
            return _label(history.features(candidates), cache.centroids)
        labels = cache.memo[candidates].astype(np.int64)
        todo = labels < 0
        if todo.any():
            labels[todo] = _label(history.features(candidates[todo]), cache.centroids)
            cache.memo[candidates[todo]] = labels[todo]
        return labels

    def _fit(self, candidates: np.ndarray, history: SearchHistory, rng: np.random.Generator) -> _Clustering:
        sample = candidates
        if len(candidates) > self.max_fit:
            sample = candidates[np.sort(rng.choice(len(candidates), size=self.max_fit, replace=False))]
        X = np.asarray(history.features(sample), dtype=np.float32)
        with _one_blas_thread():
            centroids = kmeans(X, self.n_clusters, rng, n_iter=self.n_iter)
        memo = np.full(history.n_archs, -1, dtype=np.int32) if history.n_archs <= _MEMO_MAX_IDS else None
        probe = np.linspace(0, len(sample) - 1, min(_PROBE, len(sample))).astype(np.int64)
        return _Clustering(history.features, history.n_archs, len(candidates), centroids, memo, sample[probe], X[probe].copy())

"""``diverse``: a spread-out subset — greedy k-center (farthest-point sampling) in encoding space.

Why: a predictor's ranking is only as good as the candidates it sees, and a uniform subset
spends picks on near-duplicates while leaving regions empty. Greedy k-center (Gonzalez 1985)
repeatedly adds the candidate farthest from everything picked so far; it is a 2-approximation
of the minimum covering radius and, in active learning, the "core-set" choice of Sener &
Savarese (2018). Mauch et al. (2020) motivate subset strategies that cover the space better
than uniform sampling. Started from the queried set (``start="queried"``), it fills the parts
of the space the search has not looked at; ``start="random"`` starts from a random candidate.

Distances are squared Euclidean on ``history.features`` (float32; for binary encodings such as
``adjacency_onehot`` the squared distance is the Hamming distance and float32 is exact).

Exact greedy costs ``O(n * N * d)`` — 1.5e11 flops for ``n = 10,000`` of NB-101's ``N = 423,624``
cells (``d = 36``) — so large requests use a documented two-phase approximation; nothing of
size ``N x N`` or ``n x N`` is ever built:

1. Pool: all candidates if ``N <= max_pool``, otherwise a uniform pre-sample of
   ``min(N, max(max_pool, 2 n))`` candidates; only pool members can be picked.
2. Exact phase: farthest-point sampling for the first ``min(n, exact)`` picks, each a
   matrix-vector product over the pool plus an in-place running minimum (float32, ``O(M)``
   memory). It also records each pool point's nearest centre (queried points count as
   centres), which partitions the pool into Voronoi cells.
3. Local phase (only when ``n > exact``): the remaining picks continue the greedy rule — always
   the point with the globally largest distance to its nearest centre — but a new centre only
   updates the distances inside its own cell. The approximation: a pick near a cell border does
   not push away points of the neighbouring cell, so two picks on either side of a border can
   be closer than exact greedy would allow. Per pick this costs ``O(|cell| * d)`` plus an
   argmax over the cell maxima.

Complexity: ``O((t + min(n, exact)) * M * d + (n - exact)^+ * (c * d + C))`` time, with ``M`` the
pool size, ``t`` the number of queried architectures, ``c`` the typical cell size (~``M / exact``)
and ``C`` the number of cells; memory ``O(M * d)`` float32 (NB-101 sized pool: 61 MB). With
``n >= N`` every candidate is returned.
"""

from __future__ import annotations

import numpy as np

from ..errors import NasSuiteError
from .base import SearchHistory, Selector

_STARTS = ("queried", "random")
#: float32 entries per chunk when computing distances to the queried set (~64 MB)
_CHUNK_ENTRIES = 1 << 24


class DiverseSubset(Selector):
    """Greedy k-center / farthest-point sampling over ``history.features``.

    Parameters:
        max_pool: candidate sets larger than this are pre-sampled uniformly to
            ``max(max_pool, 2 n)`` points before the greedy search.
        exact: number of picks made by exact farthest-point sampling; later picks use the
            cell-local approximation (see the module docstring).
        start: ``"queried"`` — the first pick is the candidate farthest from the queried
            architectures (random if nothing is queried yet); ``"random"`` — a random candidate.
    """

    name = "diverse"
    citation = (
        "Gonzalez 1985 (greedy k-center, farthest-point sampling); Sener & Savarese 2018 "
        "(core-set selection); Mauch et al. 2020 (subset selection for predictor-based NAS)"
    )

    def __init__(self, max_pool: int = 100_000, exact: int = 1_000, start: str = "queried") -> None:
        self.max_pool = max_pool
        self.exact = exact
        self.start = start

    def select(self, candidates: np.ndarray, n: int, *, history: SearchHistory, rng: np.random.Generator) -> np.ndarray:
        if self.start not in _STARTS:
            raise NasSuiteError(f"diverse selector: start must be one of {_STARTS}, got {self.start!r}")
        if self.max_pool < 1 or self.exact < 1:
            raise NasSuiteError(f"diverse selector needs max_pool >= 1 and exact >= 1, got {self.get_params()}")
        candidates = np.asarray(candidates, dtype=np.int64).reshape(-1)
        big_n = len(candidates)
        n = int(n)
        if n <= 0 or not big_n:
            return np.zeros(0, dtype=np.int64)
        if n >= big_n:
            return np.arange(big_n, dtype=np.int64)
        size = big_n if big_n <= self.max_pool else min(big_n, max(self.max_pool, 2 * n))
        pool = np.arange(big_n) if size == big_n else np.sort(rng.choice(big_n, size=size, replace=False))
        X = np.ascontiguousarray(history.features(candidates[pool]), dtype=np.float32)
        queried = np.asarray(history.queried, dtype=np.int64)
        Q = None
        if self.start == "queried" and len(queried):
            Q = np.ascontiguousarray(history.features(queried), dtype=np.float32)
        picked = farthest_points(X, n, exact=self.exact, anchors=Q, rng=rng)
        return pool[picked].astype(np.int64)


def _sq_norms(X: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", X, X)


def _nearest(X: np.ndarray, sq: np.ndarray, A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Squared distance of each row of ``X`` to its nearest row of ``A``, and which one (chunked)."""
    asq = _sq_norms(A)
    mind = np.empty(len(X), dtype=np.float32)
    owner = np.empty(len(X), dtype=np.int64)
    step = max(1, _CHUNK_ENTRIES // max(len(A), 1))
    for s in range(0, len(X), step):
        d = X[s : s + step] @ A.T
        d *= -2.0
        d += sq[s : s + step, None]
        d += asq[None, :]
        owner[s : s + step] = np.argmin(d, axis=1)
        mind[s : s + step] = np.maximum(d[np.arange(len(d)), owner[s : s + step]], 0.0)
    return mind, owner


def farthest_points(
    X: np.ndarray,
    n: int,
    *,
    exact: int,
    anchors: np.ndarray | None,
    rng: np.random.Generator,
) -> np.ndarray:
    """Rows of ``X`` (float32 ``(M, d)``, ``n < M``) picked by greedy k-center, in pick order.

    ``anchors`` (float32 ``(t, d)``) are centres that already exist (the queried set); without
    them the first pick is a uniform random row. The first ``min(n, exact)`` picks are exact
    greedy; the rest use cell-local updates (module docstring). Picked rows carry distance
    ``-1`` so they are never picked twice, and rows identical to a centre (distance 0) come last.
    """
    M = len(X)
    sq = _sq_norms(X)
    n_exact = min(n, exact)
    track = n > n_exact  # the local phase needs the Voronoi cells
    picked = np.empty(n, dtype=np.int64)
    if anchors is not None and len(anchors):
        mind, owner = _nearest(X, sq, anchors)
        label0 = len(anchors)
        j = int(np.argmax(mind))
    else:
        mind = np.full(M, np.inf, dtype=np.float32)
        owner = np.zeros(M, dtype=np.int64)
        label0 = 0
        j = int(rng.integers(M))
    d = np.empty(M, dtype=np.float32)
    better = np.empty(M, dtype=bool)
    for i in range(n_exact):
        picked[i] = j
        np.dot(X, X[j], out=d)
        d *= -2.0
        d += sq
        d += sq[j]
        np.maximum(d, 0.0, out=d)  # rounding of the expansion; keeps the -1 marker of picked rows
        np.less(d, mind, out=better)
        np.copyto(mind, d, where=better)
        if track:
            owner[better] = label0 + i
        mind[j] = -1.0
        j = int(np.argmax(mind))
    if track:
        _local_phase(X, sq, mind, owner, picked, n_exact)
    return picked


def _local_phase(X: np.ndarray, sq: np.ndarray, mind: np.ndarray, owner: np.ndarray, picked: np.ndarray, done: int) -> None:
    """Fill ``picked[done:]``: global farthest point, distance updates restricted to its Voronoi cell."""
    order = np.argsort(owner, kind="stable")
    cell_owner, starts = np.unique(owner[order], return_index=True)
    del cell_owner
    ends = np.append(starts[1:], len(order))
    Xs, sqs, minds = X[order], sq[order], mind[order]
    cell_max = np.maximum.reduceat(minds, starts)
    for i in range(done, len(picked)):
        c = int(np.argmax(cell_max))
        s, e = starts[c], ends[c]
        seg = minds[s:e]
        j = s + int(np.argmax(seg))
        picked[i] = order[j]
        d = Xs[s:e] @ Xs[j]
        d *= -2.0
        d += sqs[s:e]
        d += sqs[j]
        np.minimum(seg, np.maximum(d, 0.0), out=seg)
        seg[j - s] = -1.0
        cell_max[c] = seg.max()

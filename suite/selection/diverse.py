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
   ``min(N, max(max_pool, 2 n))`` candidates; only pool members can be picked. The pool is in
   random order, which breaks the many ties of binary encodings uniformly.
2. Exact phase: farthest-point sampling for the first ``min(n, exact)`` picks, each a
   matrix-vector product over the pool plus an in-place running minimum (float32, ``O(M)``
   memory). It also records each pool point's nearest centre (queried points count as
   centres), which partitions the pool into Voronoi cells.
3. Local phase (only when ``n > exact``): the remaining picks continue the greedy rule — always
   the point with the globally largest distance to its nearest centre — but a new centre only
   updates the distances in its own cell and in the ``reach`` cells whose centres are nearest
   to it. The approximation: a pick can fail to push away points of a farther cell it is
   nevertheless close to, so two picks can end up closer than exact greedy would allow (on
   NB-201 one-hot, ``n = 1,000`` with only the first 100 picks exact: mean squared distance to
   the nearest other pick 3.63 with ``reach = 8``, 2.94 with ``reach = 1``, 4.0 for exact
   greedy, 2.43 for uniform). A pool smaller than ``max_pool`` gets proportionally more exact
   picks (at the same cost), so on NB-201 every pick is exact. Pruning cells exactly by the triangle
   inequality was tried and skips almost nothing in these 30-36-dimensional binary spaces.
   Per pick this costs ``O(reach * c * d + C * d)``.

Complexity: ``O((t + min(n, exact)) * M * d + (n - exact)^+ * (reach * c + C) * d)`` time, with
``M`` the pool size, ``t`` the number of queried architectures, ``C = t + exact`` the number of
cells and ``c ~ M / C`` the typical cell size; memory ``O(M * d)`` float32 (the pool twice, once
transposed for streaming: 2 x 14 MB for 100,000 x 36). With ``n >= N`` every candidate is
returned. On a 423,624 x 36 NB-101-sized set, ``n = 10,000`` takes seconds
(``benchmarks/bench_selection.py``).
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
        exact: number of picks made by exact farthest-point sampling on a pool of ``max_pool``
            candidates; a pool of ``M < max_pool`` gets ``exact * max_pool // M`` (the same cost).
            Later picks use the cell-local approximation (see the module docstring).
        reach: in the local phase, how many nearest cells besides its own a new pick updates.
        start: ``"queried"`` — the first pick is the candidate farthest from the queried
            architectures (random if nothing is queried yet); ``"random"`` — a random candidate.
    """

    name = "diverse"
    citation = (
        "Gonzalez 1985 (greedy k-center, farthest-point sampling); Sener & Savarese 2018 "
        "(core-set selection); Mauch et al. 2020 (subset selection for predictor-based NAS)"
    )

    def __init__(self, max_pool: int = 100_000, exact: int = 2_000, reach: int = 8, start: str = "queried") -> None:
        self.max_pool = max_pool
        self.exact = exact
        self.reach = reach
        self.start = start

    def select(self, candidates: np.ndarray, n: int, *, history: SearchHistory, rng: np.random.Generator) -> np.ndarray:
        if self.start not in _STARTS:
            raise NasSuiteError(f"diverse selector: start must be one of {_STARTS}, got {self.start!r}")
        if self.max_pool < 1 or self.exact < 1 or self.reach < 1:
            raise NasSuiteError(f"diverse selector needs max_pool, exact, reach >= 1, got {self.get_params()}")
        candidates = np.asarray(candidates, dtype=np.int64).reshape(-1)
        big_n = len(candidates)
        n = int(n)
        if n <= 0 or not big_n:
            return np.zeros(0, dtype=np.int64)
        if n >= big_n:
            return np.arange(big_n, dtype=np.int64)
        size = big_n if big_n <= self.max_pool else min(big_n, max(self.max_pool, 2 * n))
        # a random order of the pool: argmax takes the first of tied rows, and binary encodings
        # tie constantly, so the order is what breaks ties — uniformly, not by table id
        pool = rng.permutation(big_n) if size == big_n else rng.choice(big_n, size=size, replace=False)
        X = np.ascontiguousarray(history.features(candidates[pool]), dtype=np.float32)
        queried = np.asarray(history.queried, dtype=np.int64)
        Q = None
        if self.start == "queried" and len(queried):
            Q = np.ascontiguousarray(history.features(queried), dtype=np.float32)
        # a pool smaller than max_pool gets proportionally more exact picks: the exact phase costs
        # at most what ``exact`` picks cost on the largest pool, and on NB-201-sized spaces that
        # makes it exact throughout — better spread and, there, faster than the local phase
        exact = max(self.exact, (self.exact * self.max_pool) // len(pool))
        picked = farthest_points(X, n, exact=exact, reach=self.reach, anchors=Q, rng=rng)
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
    reach: int,
    anchors: np.ndarray | None,
    rng: np.random.Generator,
) -> np.ndarray:
    """Rows of ``X`` (float32 ``(M, d)``, ``n < M``) picked by greedy k-center, in pick order.

    ``anchors`` (float32 ``(t, d)``) are centres that already exist (the queried set); without
    them the first pick is a uniform random row. The first ``min(n, exact)`` picks are exact
    greedy; the rest update only ``reach`` nearby cells (module docstring). Picked rows carry
    distance ``-1`` so they are never picked twice; rows identical to a centre (distance 0)
    come last. BLAS is limited to one thread here: each step is a memory-bound matrix-vector
    product for which thread start-up costs more than it saves (measured 1.5 ms with one
    thread vs 4.5 ms with two on a 100,000 x 36 pool).
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return _farthest_points(X, n, exact=exact, reach=reach, anchors=anchors, rng=rng)


def _farthest_points(
    X: np.ndarray, n: int, *, exact: int, reach: int, anchors: np.ndarray | None, rng: np.random.Generator
) -> np.ndarray:
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
    Xt = np.ascontiguousarray(X.T)  # (d, M): the per-step product reads it in one streaming pass
    d = np.empty(M, dtype=np.float32)
    better = np.empty(M, dtype=bool)
    for i in range(n_exact):
        picked[i] = j
        np.dot(X[j], Xt, out=d)
        d *= -2.0
        d += sq
        d += sq[j]
        np.maximum(d, 0.0, out=d)  # rounding of the expansion; keeps the -1 marker of picked rows
        if track:
            np.less(d, mind, out=better)
            owner[np.flatnonzero(better)] = label0 + i
        np.minimum(mind, d, out=mind)
        mind[j] = -1.0
        j = int(np.argmax(mind))
    del Xt
    if track:
        centres = X[picked[:n_exact]] if anchors is None or not len(anchors) else np.concatenate([anchors, X[picked[:n_exact]]])
        _local_phase(X, sq, mind, owner, centres, picked, n_exact, reach)
    return picked


def _local_phase(
    X: np.ndarray,
    sq: np.ndarray,
    mind: np.ndarray,
    owner: np.ndarray,
    centres: np.ndarray,
    picked: np.ndarray,
    done: int,
    reach: int,
) -> None:
    """Fill ``picked[done:]``: the global farthest row, distance updates limited to nearby cells.

    Cells are the Voronoi cells of ``centres`` (float32 ``(C, d)``, indexed by ``owner``) at entry
    and stay fixed; rows are reordered so each cell is contiguous. A new centre ``p`` in cell
    ``c`` updates cell ``c`` and the ``reach`` cells whose centres are nearest to ``p``.
    """
    order = np.argsort(owner, kind="stable")
    cell_ids, starts = np.unique(owner[order], return_index=True)
    lengths = np.diff(np.append(starts, len(order)))
    C = centres[cell_ids]
    csq = _sq_norms(C)
    Xs, sqs, minds = X[order], sq[order], mind[order]
    cell_max = np.maximum.reduceat(minds, starts)
    k = min(reach, len(C))
    for i in range(done, len(picked)):
        c = int(np.argmax(cell_max))
        s = starts[c]
        j = s + int(np.argmax(minds[s : s + lengths[c]]))
        picked[i] = order[j]
        xj = Xs[j]
        near = csq - 2.0 * (C @ xj)  # squared distance to each centre, up to the constant |p|^2
        # own cell appended (it may repeat: a repeated segment is just updated twice, identically)
        hit = np.append(np.argpartition(near, k - 1)[:k], c) if k < len(C) else np.arange(len(C))
        size = lengths[hit]
        offsets = np.cumsum(size) - size
        idx = np.repeat(starts[hit] - offsets, size) + np.arange(int(size.sum()))
        d = Xs[idx] @ xj
        d *= -2.0
        d += sqs[idx]
        d += sqs[j]
        np.maximum(d, 0.0, out=d)
        seg = np.minimum(minds[idx], d)
        seg[idx == j] = -1.0
        minds[idx] = seg
        cell_max[hit] = np.maximum.reduceat(seg, offsets)

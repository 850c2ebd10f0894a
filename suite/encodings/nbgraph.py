"""NAS-Bench-Graph encodings and genome, vectorised over rows of ``archs.parquet``.

Input columns: ``link_0`` .. ``link_3`` (the input of computing node ``k + 1``: 0 = graph input,
``j`` = node ``j``, so ``link_k`` lies in ``0..k``) and ``op_0`` .. ``op_3`` (index in
:data:`suite.data.spaces.nbgraph.OPS`: gat, gcn, gin, cheb, sage, arma, graph, fc, skip), the
benchmark's own representative spelling of each row. Node ``k + 1`` with no successor feeds the
output layer (Qin et al. 2022).

* :func:`onehot` ``(n, 45)``: one indicator per choice, the genome's positions in order: links
  of nodes 2, 3, 4 (2 + 3 + 4 columns; node 1 always reads the input, so its link carries no
  information), then the op of nodes 1..4 (4 x 9, node-major). The predictors' default input
  ``adjacency_onehot`` resolves to it. So does ``path``: the path encoding of this space has
  8 + 8^2 + 8^3 + 8^4 = 4,680 columns (input->leaf op sequences, ``skip`` contracted), ~1 GB in
  float64 over the 26,206 architectures, for a 4-node space; BANANAS' own remedy (truncation)
  would drop the long paths. (The BANANAS searcher falls back to the genome one-hot, the same
  columns.)
* :func:`graph` ``(n, 102) = [A (6*6) | H (6*11)]`` (Wen et al. 2020 style, ops on nodes): node
  0 the input, nodes 1..4 the computing nodes, node 5 the output layer; ``A[link_k, k+1] = 1``
  and ``A[k+1, 5] = 1`` for every node without a successor; node types (input, output, then
  the 9 ops). ``skip`` nodes are kept as nodes of type ``skip``.
* :class:`NBGraphGenome`: the 7 positions of :func:`onehot`; spellings that compute the same
  thing decode to the same row (the table is keyed by the canonical form of
  :func:`suite.data.spaces.nbgraph.canonical`).
"""

from __future__ import annotations

import functools
import itertools
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..data.spaces.nbgraph import N_NODES as N_COMPUTE
from ..data.spaces.nbgraph import OPS, canonical
from ..errors import InvalidArchitecture
from ._common import require_columns
from .genome import Genome

if TYPE_CHECKING:
    from ..data.benchmark import Benchmark

__all__ = ["N_NODES", "N_FEATURES", "NODE_TYPES", "CARDINALITIES", "choices", "onehot", "graph", "NBGraphGenome"]

_LINKS = tuple(f"link_{k}" for k in range(N_COMPUTE))
_OPS = tuple(f"op_{k}" for k in range(N_COMPUTE))
_N_OPS = len(OPS)

#: values of each genome / :func:`onehot` position: links of nodes 2..4, then the 4 ops
CARDINALITIES: np.ndarray = np.array([*range(2, N_COMPUTE + 1), *[_N_OPS] * N_COMPUTE], dtype=np.int64)
_OFFSETS = np.concatenate([[0], np.cumsum(CARDINALITIES)[:-1]]).astype(np.int64)
_WIDTH = int(CARDINALITIES.sum())  # 45
#: mixed-radix place values of the genome positions (last position least significant)
_PLACES = np.concatenate([np.cumprod(CARDINALITIES[::-1])[::-1][1:], [1]]).astype(np.int64)
_N_GENOMES = int(np.prod(CARDINALITIES))  # 24 * 9^4 = 157,464

#: node types of the ``graph`` encoding, in feature order
NODE_TYPES: tuple[str, ...] = ("input", "output", *OPS)
#: input, 4 computing nodes, output
N_NODES = N_COMPUTE + 2
N_FEATURES = len(NODE_TYPES)


def choices(archs: pd.DataFrame) -> np.ndarray:
    """int64 ``(n, 7)``: ``link_1, link_2, link_3, op_0 .. op_3`` (the genome positions), range-checked."""
    require_columns(archs, _LINKS + _OPS, "nbgraph")
    if not len(archs):
        return np.zeros((0, len(CARDINALITIES)), dtype=np.int64)
    links = np.stack([archs[c].to_numpy(dtype=np.int64) for c in _LINKS], axis=1)
    ops = np.stack([archs[c].to_numpy(dtype=np.int64) for c in _OPS], axis=1)
    bad = (links < 0).any(axis=1) | (links > np.arange(N_COMPUTE)).any(axis=1) | ((ops < 0) | (ops >= _N_OPS)).any(axis=1)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InvalidArchitecture(f"NAS-Bench-Graph archs row {row}: links {links[row].tolist()} must have link_k in "
                                  f"0..k and ops {ops[row].tolist()} must be in 0..{_N_OPS - 1}")
    return np.concatenate([links[:, 1:], ops], axis=1)


def onehot(archs: pd.DataFrame) -> np.ndarray:
    """float32 ``(n, 45)``: one-hot of each genome position, position-major (module docstring)."""
    codes = choices(archs)
    out = np.zeros((len(codes), _WIDTH), dtype=np.float32)
    if len(codes):
        out[np.arange(len(codes))[:, None], codes + _OFFSETS[None, :]] = 1.0
    return out


def graph(archs: pd.DataFrame) -> np.ndarray:
    """Ops-on-nodes DAG: float32 ``(n, 102)`` = ``[A (6*6) | H (6*11)]`` row-major (module docstring).

    Split with ``unflatten_graph(X, 6)``. ``A`` is strictly upper triangular (``link_k <= k``).
    """
    codes = choices(archs)
    n = len(codes)
    links = np.concatenate([np.zeros((n, 1), dtype=np.int64), codes[:, : N_COMPUTE - 1]], axis=1)  # (n, 4)
    rows = np.arange(n)
    A = np.zeros((n, N_NODES, N_NODES), dtype=np.float32)
    for k in range(N_COMPUTE):
        A[rows, links[:, k], k + 1] = 1.0
    leaf = ~(links[:, :, None] == np.arange(1, N_COMPUTE + 1)[None, None, :]).any(axis=1)  # (n, 4): no successor
    A[:, 1 : N_COMPUTE + 1, N_NODES - 1] = leaf
    types = np.empty((n, N_NODES), dtype=np.int64)
    types[:, 0] = NODE_TYPES.index("input")
    types[:, 1:-1] = codes[:, N_COMPUTE - 1 :] + NODE_TYPES.index(OPS[0])
    types[:, -1] = NODE_TYPES.index("output")
    H = (types[:, :, None] == np.arange(N_FEATURES)).astype(np.float32)
    return np.concatenate([A.reshape(n, N_NODES * N_NODES), H.reshape(n, N_NODES * N_FEATURES)], axis=1)


@functools.lru_cache(maxsize=1)
def _all_keys() -> np.ndarray:
    """Object ``(157464,)``: canonical key of every genome (mixed-radix order), None for all-``skip``.

    About a second, once per process; the keys do not depend on the dataset.
    """
    skip = OPS.index("skip")
    keys = np.empty(_N_GENOMES, dtype=object)
    ranges = [range(int(c)) for c in CARDINALITIES]
    for i, g in enumerate(itertools.product(*ranges)):  # product order = mixed-radix order of _PLACES
        ops = g[N_COMPUTE - 1 :]
        if all(o == skip for o in ops):
            continue
        keys[i] = canonical((0, *g[: N_COMPUTE - 1]), tuple(OPS[o] for o in ops))
    return keys


class NBGraphGenome(Genome):
    """Links of nodes 2..4 (2, 3, 4 values) and the 4 ops (9 values); an edit rewires one node or changes one op.

    Decoding maps all 157,464 genomes to rows once (their canonical keys, looked up in the
    table's ``key`` column): -1 for the all-``skip`` genome and, on the datasets that hold a
    subset (``proteins``: 2,021 rows), for architectures the table lacks. Several genomes name
    the same row (equivalent spellings), so :meth:`mutate` and :meth:`neighbours` skip edits that
    land on the parent itself.
    """

    cardinalities = CARDINALITIES

    def __init__(self, bench: Benchmark) -> None:
        super().__init__(bench)
        self._codes = choices(bench.columns(list(_LINKS + _OPS))).astype(np.int8)

    @functools.cached_property
    def _id_of(self) -> np.ndarray:
        keys = _all_keys()
        valid = np.flatnonzero(keys != None)  # noqa: E711 - elementwise on an object array
        index = pd.Index(self.bench.columns(["key"])["key"].astype(object))
        out = np.full(_N_GENOMES, -1, dtype=np.int64)
        out[valid] = index.get_indexer(keys[valid])
        return out

    def encode(self, ids: np.ndarray) -> np.ndarray:
        return self._codes[np.asarray(ids, dtype=np.int64)]

    def decode(self, genomes: np.ndarray) -> np.ndarray:
        g = np.asarray(genomes, dtype=np.int64).reshape(-1, self.length)
        valid = ((g >= 0) & (g < self.cardinalities[None, :])).all(axis=1)
        return np.where(valid, self._id_of[np.where(valid, g @ _PLACES, 0)], -1)

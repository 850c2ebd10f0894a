"""NAS-Bench-201 encodings, vectorised over rows of ``archs.parquet``.

Input columns: ``op_0`` .. ``op_5``, the int op code of each edge in cell-string order
(:data:`suite.data.spaces.nb201.EDGES`: 0->1, 0->2, 1->2, 0->3, 1->3, 2->3), codes indexing
:data:`suite.data.spaces.nb201.OPS` (none, skip_connect, nor_conv_1x1, nor_conv_3x3,
avg_pool_3x3). Every encoding is a handful of whole-array numpy operations on the ``(n, 6)``
code matrix.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..data.spaces.nb201 import EDGES, OPS, ordinals_from_codes
from ..errors import InvalidArchitecture
from ._common import chain_graph, check_truncate, indicators, require_columns
from .genome import Genome

if TYPE_CHECKING:
    from ..data.benchmark import Benchmark

__all__ = [
    "N_NODES",
    "N_FEATURES",
    "NODE_TYPES",
    "ROUTES",
    "PATH_OPS",
    "PATHS",
    "ADJACENCY",
    "op_codes",
    "adjacency_onehot",
    "path",
    "graph",
    "NB201Genome",
]

_N_EDGES = len(EDGES)
_N_OPS = len(OPS)
_COLUMNS = tuple(f"op_{k}" for k in range(_N_EDGES))
_CELL_OUTPUT = 3

#: input->output routes through the cell DAG as edge indices (0->3; 0->1->3; 0->2->3; 0->1->2->3)
ROUTES: tuple[tuple[int, ...], ...] = ((3,), (0, 4), (1, 5), (0, 2, 5))
#: ops a path can carry: every op but ``none``, which cuts the path (its output is zero)
PATH_OPS: tuple[str, ...] = OPS[1:]
#: path columns in order: op-name tuples by length (1..3), then lexicographically in OPS order
PATHS: tuple[tuple[str, ...], ...] = tuple(
    p for k in range(1, max(map(len, ROUTES)) + 1) for p in itertools.product(PATH_OPS, repeat=k)
)
_K = len(PATH_OPS)

#: node types of the ``graph`` encoding, in feature order
NODE_TYPES: tuple[str, ...] = ("input", "output", *OPS)
#: nodes: input, one per edge op in cell-string order, output
N_NODES = _N_EDGES + 2
N_FEATURES = len(NODE_TYPES)


def _ops_on_nodes_adjacency() -> np.ndarray:
    """(8, 8) int8 adjacency of the ops-on-nodes DAG, the same for every cell.

    The input feeds each edge op leaving cell node 0; the op of edge ``s -> t`` feeds every edge
    op leaving cell node ``t``; the ops of edges into cell node 3 feed the output.
    """
    adj = np.zeros((N_NODES, N_NODES), dtype=np.int8)
    for k, (t, s) in enumerate(EDGES):
        node = k + 1
        if s == 0:
            adj[0, node] = 1
        if t == _CELL_OUTPUT:
            adj[node, N_NODES - 1] = 1
        for k2, (_, s2) in enumerate(EDGES):
            if s2 == t:
                adj[node, k2 + 1] = 1
    return adj


#: ``graph`` adjacency (8, 8) int8, strictly upper triangular (node order is topological)
ADJACENCY: np.ndarray = _ops_on_nodes_adjacency()
ADJACENCY.setflags(write=False)


def op_codes(archs: pd.DataFrame) -> np.ndarray:
    """``(n, 6)`` int64 op codes from the ``op_k`` columns; raises :class:`InvalidArchitecture` if out of 0..4."""
    require_columns(archs, _COLUMNS, "nb201")
    codes = np.stack([archs[c].to_numpy(dtype=np.int64) for c in _COLUMNS], axis=1) if len(archs) else np.zeros((0, _N_EDGES), np.int64)
    if codes.size and (codes.min() < 0 or codes.max() >= _N_OPS):
        bad = int(np.flatnonzero(((codes < 0) | (codes >= _N_OPS)).any(axis=1))[0])
        raise InvalidArchitecture(f"NB-201 archs row {bad}: op codes {codes[bad].tolist()} must be in 0..{_N_OPS - 1}")
    return codes


def adjacency_onehot(archs: pd.DataFrame) -> np.ndarray:
    """White et al. 2020 one-hot encoding: float32 ``(n, 30)``, column ``5*k + op`` for edge ``k``."""
    codes = op_codes(archs)
    return (codes[:, :, None] == np.arange(_N_OPS)).reshape(len(codes), _N_EDGES * _N_OPS).astype(np.float32)


def path(archs: pd.DataFrame, truncate: int | None = None) -> np.ndarray:
    """BANANAS path encoding (White et al. 2021): float32 ``(n, 84)``, or ``(n, truncate)``.

    Column ``c`` is 1 iff some input->output route (:data:`ROUTES`) carries the op sequence
    :data:`PATHS` ``[c]``. A route with a ``none`` edge is no path (its signal is zero), so the
    alphabet is :data:`PATH_OPS` and an all-``none`` cell has no paths. Paths are identified by
    ops, not by route, so 0->1->3 and 0->2->3 with the same two ops share a column (as in the
    NB-101 encoding). Order: by length, then lexicographically, i.e. ops ``(o_1..o_k)`` (indices
    in :data:`PATH_OPS`) sit at column ``sum_{l<k} 4^l + sum_i o_i 4^(k-i)``. ``truncate=k``
    keeps the first ``k`` columns (shortest paths first, see :func:`suite.encodings.nb101.path`).

    NASLib's NB-201 path encoding differs: it keeps ``none`` in the alphabet (155 columns).
    """
    width = check_truncate(truncate, len(PATHS))
    codes = op_codes(archs)
    n = len(codes)
    rows, cols = [], []
    for route in ROUTES:  # 4 routes, each vectorised over all rows
        ops = codes[:, list(route)]
        alive = np.flatnonzero((ops != 0).all(axis=1))
        k = len(route)
        offset = sum(_K**length for length in range(1, k))
        weights = _K ** np.arange(k - 1, -1, -1, dtype=np.int64)
        rows.append(alive)
        cols.append(offset + (ops[alive] - 1) @ weights)
    return indicators(n, width, np.concatenate(rows), np.concatenate(cols))


def graph(archs: pd.DataFrame) -> np.ndarray:
    """Ops-on-nodes graph (Wen et al. 2020 style): float32 ``(n, 120)`` = ``[A (8*8) | H (8*7)]``.

    ``A`` is :data:`ADJACENCY` for every row; ``H`` one-hot node types in :data:`NODE_TYPES`
    order (input, output, none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3), so node
    ``k + 1`` has feature ``2 + op_k``. Flattened row-major; split with
    :func:`suite.encodings.unflatten_graph` ``(X, 8)``.
    """
    codes = op_codes(archs)
    return chain_graph(codes, ADJACENCY, N_FEATURES, NODE_TYPES.index(OPS[0]))


class NB201Genome(Genome):
    """NB-201 cell = 6 edge op codes (5 values each); an edit changes one edge's op.

    Every code vector is a valid cell, so decoding is a table lookup of its base-5 ordinal.
    """

    cardinalities = np.full(_N_EDGES, _N_OPS, dtype=np.int64)

    def __init__(self, bench: Benchmark) -> None:
        super().__init__(bench)
        codes = op_codes(bench.columns(list(_COLUMNS)))
        self._codes = codes.astype(np.int8)
        self._id_of = np.full(_N_OPS**_N_EDGES, -1, dtype=np.int64)
        self._id_of[ordinals_from_codes(codes)] = np.arange(len(codes))

    def encode(self, ids: np.ndarray) -> np.ndarray:
        return self._codes[np.asarray(ids, dtype=np.int64)]

    def decode(self, genomes: np.ndarray) -> np.ndarray:
        g = np.asarray(genomes, dtype=np.int64).reshape(-1, _N_EDGES)
        return self._id_of[ordinals_from_codes(g)]

"""NAS-Bench-NLP encodings and architecture features, from the ``cell`` column of ``archs.parquet``.

``cell`` holds the canonical form of each cell (:mod:`suite.data.spaces.nbnlp`): nodes in a
canonical topological order, each ``op(inputs)``, then the positions of ``h_new_0, h_new_1, ...``.
That order is the padded node order of the fixed-width encoding, so cells that differ only in
node names or in the order of commutative inputs encode identically. Distinct cell strings are
parsed once (:func:`parsed`), everything else is whole-array numpy.

:func:`adjacency_onehot` (``(n, 612)``), with ``S = 24`` node slots (:data:`N_SLOTS`) and the
sources ``x, h_prev_0, h_prev_1, h_prev_2`` (:data:`SOURCES`):

* ``[0, 168)``: one-hot op of each slot, slot-major (column ``7 * s + op``, ops in
  :data:`suite.data.spaces.nbnlp.OPS` order); empty slots are all-zero;
* ``[168, 264)``: which sources each slot reads (column ``168 + 4 * s + source``);
* ``[264, 540)``: node-to-node edges ``i -> j`` (``i < j``: the order is topological), the 276
  strictly upper-triangular entries of the 24 x 24 adjacency, row-major;
* ``[540, 612)``: which hidden state each slot outputs (column ``540 + 3 * s + k`` for
  ``h_new_k``).

It records which inputs a node reads, not their order, so it does not tell ``blend(z, a, b)``
from ``blend(z, b, a)`` (39 of the logged nodes are blends). Cells with more than 24 nodes or 3
hidden states raise :class:`~suite.errors.InvalidArchitecture` (the logged cells have at most 15
and 3).

:func:`nbnlp_arch_features`: Baker et al.'s "AP" features for the SRM, one row per cell:
:data:`NBNLP_ARCH_FEATURES`, with the parameter count in front when given.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..data.spaces.nbnlp import OPS, parse_key
from ..errors import InvalidArchitecture
from ._common import require_columns

if TYPE_CHECKING:
    from ..data.benchmark import Benchmark

__all__ = ["N_SLOTS", "SOURCES", "NBNLP_ARCH_FEATURES", "parsed", "adjacency_onehot", "nbnlp_arch_features",
           "arch_features_of"]

#: node slots of the padded encoding
N_SLOTS = 24
#: hidden states the encoding has room for
N_HIDDEN = 3
#: the cell's inputs, in column order
SOURCES: tuple[str, ...] = ("x", *(f"h_prev_{k}" for k in range(N_HIDDEN)))
_N_OPS = len(OPS)
_TRIU = np.triu_indices(N_SLOTS, k=1)
_EDGE_COL = np.full((N_SLOTS, N_SLOTS), -1, dtype=np.int64)
_EDGE_COL[_TRIU] = np.arange(len(_TRIU[0]))
_OFF_SRC = N_SLOTS * _N_OPS
_OFF_EDGE = _OFF_SRC + N_SLOTS * len(SOURCES)
_OFF_OUT = _OFF_EDGE + len(_TRIU[0])
WIDTH = _OFF_OUT + N_SLOTS * N_HIDDEN  # 612

NBNLP_ARCH_FEATURES: tuple[str, ...] = (
    "n_nodes", "n_hidden", "depth", *(f"n_{op.removeprefix('activation_').removeprefix('elementwise_')}" for op in OPS),
)
"""Column names of :func:`nbnlp_arch_features` (without ``params``), in order.

* ``n_nodes``: nodes of the cell (sources not counted);
* ``n_hidden``: hidden states (``h_new_k`` outputs);
* ``depth``: nodes on the longest path from a source to ``h_new_0`` (the cell's output);
* ``n_<op>``: nodes of each op, in :data:`suite.data.spaces.nbnlp.OPS` order (``n_linear``,
  ``n_blend``, ``n_prod``, ``n_sum``, ``n_tanh``, ``n_sigm``, ``n_leaky_relu``).
"""


@functools.lru_cache(maxsize=4096)
def parsed(cell: str) -> tuple[np.ndarray, list[tuple[int, ...]], list[tuple[int, ...]], np.ndarray]:
    """``(op codes (V,), node inputs per node, source inputs per node, output slots (K,))`` of one cell string."""
    nodes, outs = parse_key(cell)
    ops = np.array([OPS.index(op) for op, _ in nodes], dtype=np.int64)
    node_in = [tuple(int(s) for s in inputs if s.isdigit()) for _, inputs in nodes]
    src_in = [tuple(SOURCES.index(s) if s in SOURCES else len(SOURCES) for s in inputs if not s.isdigit())
              for _, inputs in nodes]
    return ops, node_in, src_in, np.asarray(outs, dtype=np.int64)


def _cells(archs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(codes, distinct cell strings): ``archs["cell"] == uniques[codes]``."""
    require_columns(archs, ("cell",), "nbnlp")
    codes, uniques = pd.factorize(archs["cell"].astype(object), sort=False)
    return codes, np.asarray(uniques, dtype=object)


def _encode_one(cell: str) -> np.ndarray:
    ops, node_in, src_in, outs = parsed(cell)
    if len(ops) > N_SLOTS or len(outs) > N_HIDDEN or any(s >= len(SOURCES) for ins in src_in for s in ins):
        raise InvalidArchitecture(
            f"NAS-Bench-NLP cell with {len(ops)} nodes and {len(outs)} hidden states does not fit the encoding "
            f"({N_SLOTS} nodes, {N_HIDDEN} hidden states)"
        )
    row = np.zeros(WIDTH, dtype=np.float32)
    slots = np.arange(len(ops))
    row[slots * _N_OPS + ops] = 1.0
    for j, (nodes, sources) in enumerate(zip(node_in, src_in)):
        for s in sources:
            row[_OFF_SRC + j * len(SOURCES) + s] = 1.0
        for i in nodes:
            row[_OFF_EDGE + _EDGE_COL[i, j]] = 1.0
    row[_OFF_OUT + outs * N_HIDDEN + np.arange(len(outs))] = 1.0
    return row


def adjacency_onehot(archs: pd.DataFrame) -> np.ndarray:
    """float32 ``(n, 612)``: op one-hots, source and node edges, output slots (module docstring)."""
    codes, uniques = _cells(archs)
    table = np.stack([_encode_one(c) for c in uniques]) if len(uniques) else np.zeros((0, WIDTH), np.float32)
    return table[codes] if len(codes) else np.zeros((0, WIDTH), dtype=np.float32)


def _features_one(cell: str) -> np.ndarray:
    ops, node_in, _, outs = parsed(cell)
    depth = np.zeros(len(ops))
    for j, nodes in enumerate(node_in):  # canonical order is topological
        depth[j] = 1 + max((depth[i] for i in nodes), default=0)
    counts = np.bincount(ops, minlength=_N_OPS)
    return np.array([len(ops), len(outs), depth[outs[0]], *counts], dtype=np.float64)


def nbnlp_arch_features(archs: pd.DataFrame, params: np.ndarray | None = None) -> np.ndarray:
    """Structural features of NAS-Bench-NLP cells, float64 ``(n, 10)``, or ``(n, 11)`` with ``params``.

    ``archs`` needs the ``cell`` column (``Benchmark.archs`` or ``Benchmark.columns(["cell"])``);
    columns :data:`NBNLP_ARCH_FEATURES`; ``params`` ``(n,)`` (e.g. ``Benchmark.metric("params")``,
    millions) becomes column 0.
    """
    codes, uniques = _cells(archs)
    table = np.stack([_features_one(c) for c in uniques]) if len(uniques) else np.zeros((0, len(NBNLP_ARCH_FEATURES)))
    feats = table[codes] if len(codes) else np.zeros((0, len(NBNLP_ARCH_FEATURES)))
    if params is None:
        return feats
    p = np.asarray(params, dtype=np.float64)
    if p.shape != (len(feats),):
        raise ValueError(f"params must have shape ({len(feats)},), got {p.shape}")
    return np.column_stack([p, feats])


def arch_features_of(bench: Benchmark, ids: np.ndarray) -> np.ndarray:
    """AP features of rows ``ids`` of a loaded ``nbnlp`` benchmark: ``params`` (millions) then
    :data:`NBNLP_ARCH_FEATURES`, float64 ``(len(ids), 11)``."""
    ids = np.asarray(ids, dtype=np.int64)
    return nbnlp_arch_features(bench.columns(["cell"]).iloc[ids], params=bench.metric("params")[ids])

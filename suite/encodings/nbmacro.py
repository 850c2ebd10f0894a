"""NAS-Bench-Macro encodings and genome, vectorised over rows of ``archs.parquet``.

Input columns: ``layer_0`` .. ``layer_7``, the int block choice of each of the 8 searchable
layers (:mod:`suite.data.spaces.nbmacro`: 0 Identity, 1 MB3_K3, 2 MB6_K5). The space is a chain
of layers, so every encoding is one or two numpy operations on the ``(n, 8)`` choice matrix.

* :func:`onehot` ``(n, 24)``: one-hot choice of each layer, layer-major (column ``3*k + choice``).
  The predictors' default input ``adjacency_onehot`` resolves to it (a chain has no adjacency
  to encode). So does ``path``: a chain has exactly one input->output path, the whole 8-layer
  sequence, so White et al.'s path encoding would be a 6,561-column indicator of the
  architecture itself, from which no predictor can generalise; its one-hot per-position factor
  is this encoding. (The BANANAS searcher falls back to the genome one-hot, the same columns.)
* :func:`graph` ``(n, 150) = [A (10*10) | H (10*5)]``: ops-on-nodes chain (Wen et al. 2020
  style) input -> layer 0 -> ... -> layer 7 -> output, node types (input, output, Identity,
  MB3_K3, MB6_K5). ``A`` is the same for every architecture.
* :class:`NBMacroGenome`: the 8 choices; row id = their base-3 value (the table holds all
  3^8 codes), so decoding is arithmetic, never a lookup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..data.spaces.nbmacro import N_ARCHS, N_LAYERS, OPS
from ..errors import InvalidArchitecture, NasSuiteError
from ._common import chain_graph, require_columns
from .genome import Genome

if TYPE_CHECKING:
    from ..data.benchmark import Benchmark

__all__ = ["N_NODES", "N_FEATURES", "NODE_TYPES", "ADJACENCY", "layer_codes", "onehot", "graph", "NBMacroGenome"]

_COLUMNS = tuple(f"layer_{k}" for k in range(N_LAYERS))
_N_OPS = len(OPS)
#: base-3 place value of each layer (layer 0 is the most significant digit: id = int(code, 3))
_PLACES = _N_OPS ** np.arange(N_LAYERS - 1, -1, -1, dtype=np.int64)

#: node types of the ``graph`` encoding, in feature order
NODE_TYPES: tuple[str, ...] = ("input", "output", *OPS)
#: nodes: input, one per layer, output
N_NODES = N_LAYERS + 2
N_FEATURES = len(NODE_TYPES)

#: ``graph`` adjacency (10, 10) int8: the chain ``i -> i + 1``, strictly upper triangular
ADJACENCY: np.ndarray = np.eye(N_NODES, k=1, dtype=np.int8)
ADJACENCY.setflags(write=False)


def layer_codes(archs: pd.DataFrame) -> np.ndarray:
    """int64 ``(n, 8)`` block choices from the ``layer_k`` columns; :class:`InvalidArchitecture` if out of 0..2."""
    require_columns(archs, _COLUMNS, "nbmacro")
    if not len(archs):
        return np.zeros((0, N_LAYERS), dtype=np.int64)
    codes = np.stack([archs[c].to_numpy(dtype=np.int64) for c in _COLUMNS], axis=1)
    bad = ((codes < 0) | (codes >= _N_OPS)).any(axis=1)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InvalidArchitecture(f"NAS-Bench-Macro archs row {row}: layer choices {codes[row].tolist()} must be in 0..2")
    return codes


def onehot(archs: pd.DataFrame) -> np.ndarray:
    """float32 ``(n, 24)``: column ``3*k + choice`` is 1 for the block of layer ``k``."""
    codes = layer_codes(archs)
    return (codes[:, :, None] == np.arange(_N_OPS)).reshape(len(codes), N_LAYERS * _N_OPS).astype(np.float32)


def graph(archs: pd.DataFrame) -> np.ndarray:
    """Ops-on-nodes chain: float32 ``(n, 150)`` = ``[A (10*10) | H (10*5)]`` row-major.

    ``A`` is :data:`ADJACENCY` for every row; node ``k + 1`` is layer ``k`` with feature
    ``2 + choice`` in :data:`NODE_TYPES` order. Split with ``unflatten_graph(X, 10)``.
    """
    codes = layer_codes(archs)
    return chain_graph(codes, ADJACENCY, N_FEATURES, NODE_TYPES.index(OPS[0]))


class NBMacroGenome(Genome):
    """The 8 layer choices (3 values each); an edit swaps one layer's block.

    Every vector is a valid architecture and the table is complete (row id = base-3 value of
    the code), so :meth:`decode` is arithmetic. Codes that train as the same network (see
    :func:`suite.data.spaces.nbmacro.real_code`) are distinct ids with equal values, as in the
    benchmark's own table.
    """

    cardinalities = np.full(N_LAYERS, _N_OPS, dtype=np.int64)

    def __init__(self, bench: Benchmark) -> None:
        if len(bench) != N_ARCHS:
            raise NasSuiteError(f"{bench.name}/{bench.dataset} has {len(bench)} rows, not the {N_ARCHS:,} codes of "
                                "NAS-Bench-Macro; rebuild it with nas-suite data import nbmacro-json")
        super().__init__(bench)

    def encode(self, ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        if ids.size and (ids.min() < 0 or ids.max() >= N_ARCHS):
            raise NasSuiteError(f"nbmacro ids must lie in 0..{N_ARCHS - 1}")
        return ((ids[:, None] // _PLACES[None, :]) % _N_OPS).astype(np.int8)

    def decode(self, genomes: np.ndarray) -> np.ndarray:
        g = np.asarray(genomes, dtype=np.int64).reshape(-1, self.length)
        valid = ((g >= 0) & (g < _N_OPS)).all(axis=1)
        return np.where(valid, g @ _PLACES, -1)

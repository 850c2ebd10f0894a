"""NAS-Bench-101 encodings, vectorised over rows of ``archs.parquet``.

Input columns (see :data:`suite.data.spaces.nb101.COLUMNS_DOC`): ``adjacency``, the int64 bit
mask of the pruned cell (edge ``i -> j``, ``i < j``, is bit ``i + j*(j-1)//2``), and ``ops``,
``"input,...,output"`` with V names (2 <= V <= 7). ``n_vertices`` is cross-checked if present.

Padding (:func:`padded_cells`), the convention of GCN predictors for NB-101 (e.g. Wen et al.
2020): a cell with V < 7 vertices keeps ``input`` at 0 and its interior vertices at 1..V-2;
slots V-1..5 are padding (no edges, no op); ``output`` moves to index 6. Edges into the output
are re-targeted to vertex 6. Every padded adjacency is strictly upper triangular, i.e. index
order is a topological order.

Cost: ``ops`` strings are factorised (at most 364 distinct strings in the whole space,
3^0 + ... + 3^5) and only the distinct ones are parsed in Python; bit masks are remapped with
byte lookup tables and everything else is whole-array numpy, so the time is linear in rows.
"""

from __future__ import annotations

import functools
import itertools
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..data.spaces.nb101 import OPS
from ..errors import InvalidArchitecture
from ._common import check_truncate, indicators, require_columns
from .genome import Genome

if TYPE_CHECKING:
    from ..data.benchmark import Benchmark

__all__ = [
    "N_NODES",
    "N_FEATURES",
    "NODE_TYPES",
    "PATHS",
    "TRIU",
    "padded_cells",
    "adjacency_onehot",
    "path",
    "graph",
    "NB101Genome",
]

#: vertices of a padded cell
N_NODES = 7
#: node types of the ``graph`` encoding, in feature order (Neural Predictor order)
NODE_TYPES: tuple[str, ...] = ("input", "conv1x1-bn-relu", "conv3x3-bn-relu", "maxpool3x3", "output")
N_FEATURES = len(NODE_TYPES)
#: (rows, cols) of the 21 strictly-upper-triangular entries in row-major order: 0->1, 0->2, ..., 5->6
TRIU: tuple[np.ndarray, np.ndarray] = np.triu_indices(N_NODES, k=1)
#: path columns in order: tuples of interior op names, by length (0..5), then lexicographically in
#: nasbench op order (:data:`suite.data.spaces.nb101.OPS`); ``()`` is the direct input->output edge
PATHS: tuple[tuple[str, ...], ...] = tuple(
    p for k in range(N_NODES - 1) for p in itertools.product(OPS, repeat=k)
)

_N_TRIU = len(TRIU[0])  # 21
_N_SLOTS = N_NODES - 2  # 5 interior slots
_TRIU_COL = {(int(i), int(j)): c for c, (i, j) in enumerate(zip(*TRIU))}
_TRIU_FLAT = TRIU[0] * N_NODES + TRIU[1]
_SHIFTS = np.arange(_N_TRIU, dtype=np.int32)
# vertex type codes of padded_cells: 0 input, 1 + index in OPS, 4 output, -1 padding
_INPUT, _OUTPUT, _PAD = 0, len(OPS) + 1, -1
_OP_TYPES = np.arange(1, len(OPS) + 1, dtype=np.int8)
# node-type feature of (vertex type + 1), i.e. index 0 is padding (-1: matches no feature)
_FEATURE_OF_TYPE = np.array(
    [-1, NODE_TYPES.index("input")] + [NODE_TYPES.index(op) for op in OPS] + [NODE_TYPES.index("output")],
    dtype=np.int8,
)
_COLUMNS = ("adjacency", "ops")


@functools.lru_cache(maxsize=1)
def _byte_tables() -> np.ndarray:
    """``(8, 3, 256)`` int32: ``T[V, b, x]`` = padded row-major triu bits of byte ``b`` = ``x`` of a V-cell mask."""
    tables = np.zeros((N_NODES + 1, 3, 256), dtype=np.int32)
    byte_bits = (np.arange(256)[:, None] >> np.arange(8)[None, :]) & 1  # (256, 8)
    for v in range(2, N_NODES + 1):
        weight = np.zeros(24, dtype=np.int64)  # padded weight of each pruned bit
        for j in range(1, v):
            target = j if j < v - 1 else N_NODES - 1
            for i in range(j):
                weight[i + j * (j - 1) // 2] = 1 << _TRIU_COL[(i, target)]
        for b in range(3):
            tables[v, b] = byte_bits @ weight[8 * b : 8 * b + 8]
    return tables


@functools.lru_cache(maxsize=1)
def _path_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidate input->output vertex sequences of a padded cell: 0, a subset of 1..5 ascending, 6.

    Returns ``masks`` (32,) int32 (padded triu bits the path needs), ``offsets`` (32,) int64
    (first column of paths of its length, (3^k - 1) / 2) and ``weights`` (32, 7) int64 (3^(k-1-r)
    for the r-th interior vertex of the path, 0 elsewhere), so a present path's column is
    ``offsets + weights @ op_labels``.
    """
    n = 1 << _N_SLOTS
    masks = np.zeros(n, dtype=np.int32)
    offsets = np.zeros(n, dtype=np.int64)
    weights = np.zeros((n, N_NODES), dtype=np.int64)
    for s in range(n):
        inner = [v for v in range(1, N_NODES - 1) if s >> (v - 1) & 1]
        seq = [0, *inner, N_NODES - 1]
        masks[s] = sum(1 << _TRIU_COL[(a, b)] for a, b in zip(seq, seq[1:]))
        k = len(inner)
        offsets[s] = (len(OPS) ** k - 1) // (len(OPS) - 1)
        for r, v in enumerate(inner):
            weights[s, v] = len(OPS) ** (k - 1 - r)
    return masks, offsets, weights


def _parse_ops(text: object) -> np.ndarray:
    """Padded vertex types (7,) int8 of one ``ops`` string; raises :class:`InvalidArchitecture`."""
    if not isinstance(text, str):
        raise InvalidArchitecture(f"NB-101 ops entry must be a comma-joined string, got {text!r}")
    names = text.split(",")
    v = len(names)
    if not 2 <= v <= N_NODES or names[0] != "input" or names[-1] != "output":
        raise InvalidArchitecture(
            f"NB-101 ops {text!r} must be 'input,...,output' with 2..{N_NODES} vertices"
        )
    row = np.full(N_NODES, _PAD, dtype=np.int8)
    row[0], row[-1] = _INPUT, _OUTPUT
    for slot, op in enumerate(names[1:-1], start=1):
        if op not in OPS:
            raise InvalidArchitecture(f"unknown NB-101 op {op!r} in {text!r}; interior ops are {', '.join(OPS)}")
        row[slot] = 1 + OPS.index(op)
    return row


def padded_cells(archs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Padded 7-vertex form of every row (padding convention in the module docstring).

    Returns ``tri``, int32 ``(n,)``: bit ``c`` is entry ``c`` of :data:`TRIU` (row-major strict
    upper triangle of the padded adjacency), and ``types``, int8 ``(n, 7)``: 0 input, 1 + index
    in :data:`~suite.data.spaces.nb101.OPS` for interior vertices, 4 output, -1 padding.
    Raises :class:`InvalidArchitecture` for masks with bits beyond the cell's vertices.
    """
    require_columns(archs, _COLUMNS, "nb101")
    codes, uniques = pd.factorize(archs["ops"], sort=False, use_na_sentinel=True)
    if len(codes) and codes.min() < 0:
        raise InvalidArchitecture("NB-101 archs frame has a missing ops entry")
    table = np.stack([_parse_ops(u) for u in uniques]) if len(uniques) else np.zeros((0, N_NODES), np.int8)
    types = table[codes]
    n_vertices = ((table >= 0).sum(axis=1))[codes].astype(np.int64)
    if "n_vertices" in archs.columns:
        given = archs["n_vertices"].to_numpy(dtype=np.int64)
        if (given != n_vertices).any():
            bad = int(np.flatnonzero(given != n_vertices)[0])
            raise InvalidArchitecture(
                f"NB-101 archs row {bad}: n_vertices={given[bad]} but its ops list {n_vertices[bad]} vertices"
            )
    mask = archs["adjacency"].to_numpy(dtype=np.int64)
    n_bits = n_vertices * (n_vertices - 1) // 2
    if len(mask) and ((mask < 0) | ((mask >> n_bits) != 0)).any():
        bad = int(np.flatnonzero((mask < 0) | ((mask >> n_bits) != 0))[0])
        raise InvalidArchitecture(
            f"NB-101 archs row {bad}: adjacency mask {mask[bad]} has bits beyond its {n_vertices[bad]} vertices"
        )
    tables = _byte_tables()
    tri = (
        tables[n_vertices, 0, mask & 0xFF]
        | tables[n_vertices, 1, (mask >> 8) & 0xFF]
        | tables[n_vertices, 2, (mask >> 16) & 0xFF]
    )
    return tri, types


def _triu_bits(tri: np.ndarray) -> np.ndarray:
    """``(n, 21)`` int32 0/1 entries of :data:`TRIU` from ``tri`` masks."""
    return (tri[:, None] >> _SHIFTS) & 1


def adjacency_onehot(archs: pd.DataFrame) -> np.ndarray:
    """White et al. 2020 adjacency one-hot encoding: float32 ``(n, 36)``.

    Columns 0..20: the padded adjacency's strict upper triangle, row-major (:data:`TRIU`).
    Columns 21..35: interior slot ``s`` in 0..4 (vertex ``s + 1``) x op ``o`` in nasbench order
    (conv3x3-bn-relu, conv1x1-bn-relu, maxpool3x3) at ``21 + 3*s + o``; padded slots are all-zero.
    """
    tri, types = padded_cells(archs)
    n = len(tri)
    out = np.empty((n, _N_TRIU + _N_SLOTS * len(OPS)), dtype=np.float32)
    out[:, :_N_TRIU] = _triu_bits(tri)
    out[:, _N_TRIU:] = (types[:, 1:-1, None] == _OP_TYPES).reshape(n, _N_SLOTS * len(OPS))
    return out


def path(archs: pd.DataFrame, truncate: int | None = None) -> np.ndarray:
    """BANANAS path encoding (White et al. 2021): float32 ``(n, 364)``, or ``(n, truncate)``.

    Column ``c`` is 1 iff the cell has an input->output path whose interior ops are
    :data:`PATHS` ``[c]``. Columns are ordered by path length, then lexicographically, so the path
    of ops ``(o_1..o_k)`` (indices in nasbench order) is column ``(3^k - 1)/2 + sum_i o_i 3^(k-i)``.

    ``truncate=k`` keeps the first ``k`` columns, i.e. the shortest paths. BANANAS' argument for
    truncation: a length-k path needs k+1 specific edges (of at most 9), so the chance that a
    cell holds a given path falls exponentially with its length, and they show empirically that
    predictors lose little when the longest paths are dropped. Shorter = more common is therefore
    the ordering used; it is fixed by length rather than by frequencies measured on some sample,
    so columns are identical across datasets and subsets (on the 292 embedded real cells the
    mean column frequency falls with length, which the tests check).

    Vectorised as bit tests: a padded cell has 32 candidate vertex sequences (0, an ascending
    subset of 1..5, 6); each is present iff all of its edges are set.
    """
    width = check_truncate(truncate, len(PATHS))
    tri, types = padded_cells(archs)
    masks, offsets, weights = _path_tables()
    rows, subs = np.nonzero((tri[:, None] & masks) == masks)
    labels = types[rows].astype(np.int64) - 1  # interior op index; other entries meet zero weights
    cols = offsets[subs] + np.einsum("ij,ij->i", labels, weights[subs])
    return indicators(len(tri), width, rows, cols)


def graph(archs: pd.DataFrame) -> np.ndarray:
    """Neural Predictor graph (Wen et al. 2020): float32 ``(n, 84)`` = ``[A (7*7) | H (7*5)]``.

    ``A`` is the padded adjacency (``A[i, j] = 1`` for an edge ``i -> j``; strictly upper
    triangular) and ``H`` the one-hot node type in :data:`NODE_TYPES` order, both flattened
    row-major; padded nodes have zero rows, columns and features. Split with
    :func:`suite.encodings.unflatten_graph` ``(X, 7)``.
    """
    tri, types = padded_cells(archs)
    n = len(tri)
    n_adj = N_NODES * N_NODES
    out = np.zeros((n, n_adj + N_NODES * N_FEATURES), dtype=np.float32)
    out[:, _TRIU_FLAT] = _triu_bits(tri)
    features = _FEATURE_OF_TYPE[types.astype(np.int64) + 1]
    out[:, n_adj:] = (features[:, :, None] == np.arange(N_FEATURES, dtype=np.int8)).reshape(n, N_NODES * N_FEATURES)
    return out


class NB101Genome(Genome):
    """NB-101 cell = the 21 upper-triangle bits of the padded 7-vertex matrix + 5 interior ops.

    Padded form as in :func:`padded_cells` (output at vertex 6, padding vertices isolated and
    given op 0). An edit flips one edge or changes one interior op — NASLib's and BANANAS'
    NB-101 mutation. Decoding builds the 7-vertex spec, which
    :meth:`suite.data.Benchmark.find` prunes, validates (<= 9 edges, output reachable) and
    matches by structure code or module hash; edits on padding that change nothing after
    pruning decode to the parent itself.
    """

    cardinalities = np.array([2] * _N_TRIU + [len(OPS)] * (N_NODES - 2), dtype=np.int64)

    def __init__(self, bench: Benchmark) -> None:
        super().__init__(bench)
        tri, types = padded_cells(bench.columns(list(_COLUMNS)))
        interior = np.maximum(types[:, 1:-1].astype(np.int64) - 1, 0)
        self._genomes = np.concatenate([_triu_bits(tri), interior], axis=1).astype(np.int8)

    def encode(self, ids: np.ndarray) -> np.ndarray:
        return self._genomes[np.asarray(ids, dtype=np.int64)]

    def decode(self, genomes: np.ndarray) -> np.ndarray:
        g = np.asarray(genomes, dtype=np.int64).reshape(-1, self.length)
        matrices = np.zeros((len(g), N_NODES, N_NODES), dtype=np.int64)
        matrices[:, TRIU[0], TRIU[1]] = g[:, :_N_TRIU]
        specs = []
        for matrix, interior in zip(matrices, g[:, _N_TRIU:]):
            ops = ["input", *(OPS[k] for k in interior), "output"]
            specs.append((matrix, ops))
        # cells with too many edges are invalid before pruning can help only if pruning removes
        # edges; find() applies the official rule (prune first, then count)
        return self.bench.find(specs)

"""Fixed-width and graph encodings of architectures, vectorised over whole search spaces.

``encode(bench, name)`` turns rows of a :class:`suite.Benchmark`'s ``archs`` table into a
float32 matrix ``(n, d)``; :func:`encode_frame` does the same for a bare ``archs`` frame (tests,
subsets built by hand). Names are the same in every space (``adjacency_onehot``, ``path``,
``graph``); :func:`available` lists them and :func:`spec` says what the columns are and where
the encoding comes from. ``graph`` encodings are ``[A (V*V) | H (V*F)]`` row-major; split them
with :func:`unflatten_graph` using ``graph_shape(benchmark)``.

Example::

    b = suite.load("nb201", "cifar10")
    X = encode(b, "path")                     # (15625, 84) float32
    V, F = graph_shape("nb201")               # (8, 7)
    A, H = unflatten_graph(encode(b, "graph"), V)  # (15625, 8, 8), (15625, 8, 7)
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import pandas as pd

from ..errors import InvalidArchitecture, NotInBenchmark
from .registry import (
    ENCODINGS,
    GRAPH_SHAPES,
    EncodingSpec,
    InvalidEncodingOption,
    UnknownEncoding,
    lookup,
    names,
)

if TYPE_CHECKING:
    from ..data.benchmark import Benchmark

__all__ = [
    "EncodingSpec",
    "InvalidEncodingOption",
    "UnknownEncoding",
    "available",
    "spec",
    "encode",
    "encode_frame",
    "graph_shape",
    "unflatten_graph",
    "flatten_graph",
]


def available(benchmark: str | None = None) -> list[str]:
    """Registered encoding names of ``benchmark`` (e.g. ``["adjacency_onehot", "path", "graph"]``).

    With ``benchmark=None``: every registered encoding as ``"benchmark:name"`` (e.g.
    ``"nb101:path"``), in registry order. Aliases (NB-201 ``onehot``) are accepted by
    :func:`spec`/:func:`encode` but not listed. Unknown benchmarks raise
    :class:`suite.errors.UnknownBenchmark`.
    """
    if benchmark is None:
        return [f"{s.benchmark}:{s.name}" for s in ENCODINGS]
    return names(benchmark)


def spec(benchmark: str, name: str) -> EncodingSpec:
    """The :class:`EncodingSpec` of encoding ``name`` (or an alias) of ``benchmark``.

    Raises :class:`suite.errors.UnknownBenchmark` / :class:`UnknownEncoding` (both
    :class:`suite.errors.NasSuiteError`) with the valid names in the message.
    """
    return lookup(benchmark, name)


def encode_frame(benchmark: str, archs: pd.DataFrame, name: str, **options: Any) -> np.ndarray:
    """Encode every row of an ``archs`` frame of ``benchmark``: float32 ``(len(archs), d)``.

    ``archs`` needs the columns the benchmark's converter writes to ``archs.parquet`` (NB-101:
    ``adjacency``, ``ops``; NB-201: ``op_0``..``op_5``). Options are passed to the encoding
    (``truncate`` for ``path``); one it does not take raises :class:`InvalidEncodingOption`.
    """
    entry = lookup(benchmark, name)
    function = entry.load()
    try:
        inspect.signature(function).bind(archs, **options)
    except TypeError:
        accepted = [p for p in list(inspect.signature(function).parameters)[1:]]
        raise InvalidEncodingOption(
            f"{entry.benchmark} encoding {entry.name!r} takes no option(s) {', '.join(map(repr, options))}; "
            f"options: {', '.join(accepted) or 'none'}"
        ) from None
    out = function(archs, **options)
    assert out.dtype == np.float32 and out.ndim == 2 and len(out) == len(archs), (entry, out.shape, out.dtype)
    return out


def encode(bench: Benchmark, name: str, ids: Sequence[int] | np.ndarray | None = None, **options: Any) -> np.ndarray:
    """Encode architectures of a loaded benchmark: float32 ``(len(ids), d)``, row ``i`` = id ``ids[i]``.

    ``bench`` is a :class:`suite.Benchmark` (uses ``bench.name`` and ``bench.archs``); ``ids``
    are architecture ids (= row positions of ``bench.archs``), default all rows in id order.
    Out-of-range ids raise :class:`suite.errors.NotInBenchmark`. Cost is linear in ``len(ids)``.
    """
    if hasattr(bench, "columns") and "archs" not in vars(bench):
        # Encoders read structure columns, never the identity strings (`arch`, `key`), which are
        # most of NB-101's table in memory; skip them unless the full table is already loaded.
        archs = bench.columns([c for c in bench.arch_columns if c not in _IDENTITY_COLUMNS])
    else:
        archs = bench.archs
    if ids is not None:
        archs = archs.iloc[_check_ids(ids, len(archs), bench.name)]
    return encode_frame(bench.name, archs, name, **options)


_IDENTITY_COLUMNS = ("arch", "key")


def _check_ids(ids: Sequence[int] | np.ndarray, n: int, benchmark: str) -> np.ndarray:
    arr = np.asarray(ids)
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if arr.dtype.kind not in "iu":
        raise InvalidArchitecture(f"architecture ids must be integers, got dtype {arr.dtype}")
    arr = arr.astype(np.int64, copy=False).reshape(-1)
    bad = (arr < 0) | (arr >= n)
    if bad.any():
        raise NotInBenchmark(f"id {int(arr[bad][0])} is out of range: {benchmark} has ids 0..{n - 1}")
    return arr


def graph_shape(benchmark: str) -> tuple[int, int]:
    """``(V, F)``: nodes and node features of ``benchmark``'s ``graph`` encoding (d = V*V + V*F)."""
    return GRAPH_SHAPES[lookup(benchmark, "graph").benchmark]  # validates the name with the usual message


def unflatten_graph(X: np.ndarray, n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Split ``graph`` encodings ``(n, V*V + V*F)`` into ``A`` ``(n, V, V)`` and ``H`` ``(n, V, F)``.

    ``F`` is inferred from the width. Both are views of ``X`` where numpy allows it (no copy),
    so copy before writing to them. Inverse of :func:`flatten_graph`.
    """
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"graph encodings must be 2-D (n, V*V + V*F), got shape {X.shape}")
    v = int(n_nodes)
    rest = X.shape[1] - v * v
    if v < 1 or rest < 0 or rest % v:
        raise ValueError(f"width {X.shape[1]} is not V*V + V*F for V={v}; use graph_shape(benchmark)[0] as n_nodes")
    n = len(X)
    return X[:, : v * v].reshape(n, v, v), X[:, v * v :].reshape(n, v, rest // v)


def flatten_graph(A: np.ndarray, H: np.ndarray) -> np.ndarray:
    """``[A (V*V) | H (V*F)]`` row-major, float32 ``(n, V*V + V*F)``; inverse of :func:`unflatten_graph`."""
    A, H = np.asarray(A), np.asarray(H)
    if A.ndim != 3 or H.ndim != 3 or A.shape[1] != A.shape[2] or H.shape[:2] != A.shape[:2]:
        raise ValueError(f"need A (n, V, V) and H (n, V, F) with the same n and V, got {A.shape} and {H.shape}")
    n = len(A)
    return np.concatenate([A.reshape(n, -1), H.reshape(n, -1)], axis=1).astype(np.float32, copy=False)

"""Helpers shared by the per-space encoders: column checks, option checks, indicator scatter."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import NasSuiteError
from .registry import InvalidEncodingOption


def require_columns(archs: pd.DataFrame, columns: tuple[str, ...], benchmark: str) -> None:
    """Raise :class:`NasSuiteError` naming the ``archs`` columns an encoder needs but lacks."""
    missing = [c for c in columns if c not in archs.columns]
    if missing:
        raise NasSuiteError(
            f"{benchmark} archs frame lacks column(s) {', '.join(missing)}; encoders need "
            f"{', '.join(columns)} as written to archs.parquet by the {benchmark} converter"
        )


def check_truncate(truncate: int | None, width: int) -> int:
    """Number of path columns to keep: ``width`` for ``None``, else ``truncate`` in 1..width."""
    if truncate is None:
        return width
    if isinstance(truncate, bool) or not isinstance(truncate, (int, np.integer)) or not 1 <= truncate <= width:
        raise InvalidEncodingOption(f"truncate must be None or an int in 1..{width}, got {truncate!r}")
    return int(truncate)


def indicators(n: int, width: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """float32 ``(n, width)`` zeros with 1 at every ``(rows[i], cols[i])`` where ``cols[i] < width``.

    Repeated pairs are fine (an indicator, not a count).
    """
    out = np.zeros((n, width), dtype=np.float32)
    keep = cols < width
    out.reshape(-1)[rows[keep] * width + cols[keep]] = 1.0
    return out


def chain_graph(codes: np.ndarray, adjacency: np.ndarray, n_features: int, first_op: int) -> np.ndarray:
    """Ops-on-nodes graphs of a fixed topology: float32 ``(n, V*V + V*F)`` = ``[A | H]`` row-major.

    ``codes`` int ``(n, V-2)``: the op code of each inner node (node ``k + 1``); node 0 is the
    input (feature 0), node ``V-1`` the output (feature 1), an inner node's feature is
    ``first_op + code``. ``adjacency`` ``(V, V)`` is the same for every row (NB-201's cell,
    NB-Macro's chain of layers).
    """
    n, n_nodes = len(codes), len(adjacency)
    types = np.empty((n, n_nodes), dtype=np.int64)
    types[:, 0] = 0
    types[:, 1:-1] = codes + first_op
    types[:, -1] = 1
    out = np.empty((n, n_nodes * n_nodes + n_nodes * n_features), dtype=np.float32)
    out[:, : n_nodes * n_nodes] = adjacency.reshape(-1)
    out[:, n_nodes * n_nodes :] = (types[:, :, None] == np.arange(n_features)).reshape(n, n_nodes * n_features)
    return out

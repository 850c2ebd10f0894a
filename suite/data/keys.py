"""Exact-match lookup from architecture keys to ids without one Python object per key.

A ``pd.Index`` over NB-101's 423,624 module hashes costs ~140 MB of Python strings and a
hash table; the same keys as one fixed-width byte array cost 13.5 MB and are searched with
``np.searchsorted``. Keys are UTF-8 bytes padded with NUL to the longest key in the table,
which is exact for keys that contain no NUL (all canonical keys in this package are ASCII).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pyarrow as pa


def fixed_width(values: pa.Array | pa.ChunkedArray | Sequence[str], width: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Strings as a ``S{width}`` array plus a mask of those it cannot represent exactly.

    ``width`` defaults to the longest value. Values longer than ``width`` (truncated) or
    containing NUL (indistinguishable from padding) are flagged in the mask, so a caller can
    treat them as "cannot match". Vectorised over the Arrow buffers: no per-string Python work.
    """
    arr = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(
        values if isinstance(values, np.ndarray) else list(values), type=pa.large_string()
    )
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks else pa.array([], type=pa.large_string())
    arr = arr.cast(pa.large_binary())
    n = len(arr)
    if arr.null_count:
        raise ValueError("architecture keys must not be null")
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + n + 1]
    data_buf = arr.buffers()[2]
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    lengths = np.diff(offsets)
    w = int(lengths.max(initial=0)) if width is None else int(width)
    w = max(w, 1)
    if n and (lengths == w).all():
        block = data[offsets[0] : offsets[-1]].reshape(n, w)
        has_nul = (block == 0).any(axis=1)
    else:
        cols = np.arange(w)
        idx = offsets[:-1, None] + cols
        keep = cols < np.minimum(lengths, w)[:, None]
        raw = data[np.minimum(idx, max(len(data) - 1, 0))] if len(data) else np.zeros(idx.shape, np.uint8)
        has_nul = (keep & (raw == 0)).any(axis=1)
        block = np.where(keep, raw, 0).astype(np.uint8)
    return np.ascontiguousarray(block).view(f"S{w}").reshape(n), (lengths > w) | has_nul


class KeyIndex:
    """Sorted fixed-width keys with their ids; ``get_indexer`` mirrors ``pd.Index.get_indexer``."""

    def __init__(self, keys: pa.Array | pa.ChunkedArray | Sequence[str]) -> None:
        table, bad = fixed_width(keys)
        if bad.any():
            raise ValueError(f"architecture key #{int(np.flatnonzero(bad)[0])} contains a NUL character")
        self.width = table.dtype.itemsize
        self._order = np.argsort(table, kind="stable")
        self._sorted = table[self._order]

    def __len__(self) -> int:
        return len(self._sorted)

    @property
    def is_unique(self) -> bool:
        return bool(len(self._sorted) < 2 or (self._sorted[1:] != self._sorted[:-1]).all())

    def get_indexer(self, keys: Sequence[str] | np.ndarray) -> np.ndarray:
        """Id of each key (int64), -1 where the table does not hold it; duplicates give the lowest id."""
        query, unmatchable = fixed_width(keys, self.width)
        if not len(self._sorted):
            return np.full(len(query), -1, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self._sorted, query), len(self._sorted) - 1)
        hit = (self._sorted[pos] == query) & ~unmatchable
        return np.where(hit, self._order[pos], -1).astype(np.int64)

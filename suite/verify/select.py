"""Which cells to re-train: a few, spread over the table's whole accuracy range.

A verification has a budget of a handful of trainings; drawing them uniformly would put nearly
all of them in the dense top of the distribution (on NB-201 CIFAR-10, 12 epochs, 3/4 of the cells
are within the top fifth of the range) and a rank correlation over them would say little about
the table as a whole. :func:`stratified_cells` instead stratifies over the accuracy *range*.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

import numpy as np

from ..errors import NasSuiteError

if TYPE_CHECKING:
    from ..data.benchmark import Benchmark

__all__ = ["stratified_cells"]


def stratified_cells(bench: Benchmark, n: int, *, metric: str, schedule: int | None, seed: int,
                     bins: str = "width") -> np.ndarray:
    """``n`` distinct cell ids, one per accuracy stratum, ordered from the lowest stratum up.

    Rule (``bins="width"``, the default): the range ``[min, max]`` of the table's ``metric`` at
    ``schedule`` (cells where it is NaN are never chosen) is cut into ``n`` equal-width bins, the
    last one closed; from each bin one cell is drawn uniformly among those not yet chosen. A bin
    with no cell left (NB-201 has none between ~11% and ~26% at 12 epochs) takes instead the
    unchosen cell whose value is nearest the bin's centre, ties drawn uniformly. So the lowest and
    highest bins always contribute, and every non-empty bin contributes one cell.

    ``bins="quantile"``: ``n`` bins holding equal numbers of cells (the draw then follows the
    distribution's mass rather than its range).

    Deterministic: the draws use ``np.random.default_rng`` seeded from ``seed`` and the
    benchmark/dataset/metric/schedule, never a global generator.
    """
    values = np.asarray(bench.metric(metric, schedule=schedule), dtype=np.float64)
    ids = np.flatnonzero(np.isfinite(values))
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise NasSuiteError(f"the number of cells to select must be a positive integer, got {n!r}")
    if n > len(ids):
        raise NasSuiteError(f"cannot select {n} cells: {bench.name}/{bench.dataset} has {metric} for {len(ids)}")
    tag = zlib.crc32(f"{bench.name}/{bench.dataset}/{metric}/{schedule}".encode())
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), tag]))
    v = values[ids]
    if bins == "width":
        lo, hi = float(v.min()), float(v.max())
        edges = np.linspace(lo, hi, n + 1)
    elif bins == "quantile":
        edges = np.quantile(v, np.linspace(0.0, 1.0, n + 1))
    else:
        raise NasSuiteError(f"unknown binning {bins!r}; use 'width' or 'quantile'")
    which = np.clip(np.searchsorted(edges, v, side="right") - 1, 0, n - 1)
    taken = np.zeros(len(ids), dtype=bool)
    chosen: list[int] = []
    for k in range(n):
        members = np.flatnonzero((which == k) & ~taken)
        if not len(members):
            centre = (edges[k] + edges[k + 1]) / 2.0
            gap = np.where(taken, np.inf, np.abs(v - centre))
            members = np.flatnonzero(gap == gap.min())
        pick = int(rng.choice(members))
        taken[pick] = True
        chosen.append(int(ids[pick]))
    return np.asarray(chosen, dtype=np.int64)

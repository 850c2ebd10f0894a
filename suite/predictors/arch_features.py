"""Small hand-made architecture features ("AP" in Baker et al. 2018), vectorised over cells.

Baker, Gupta, Raskar & Naik, "Accelerating Neural Architecture Search using Performance
Prediction", ICLR 2018 workshop (arXiv:1705.10823) feed their learning-curve regressors with
architecture parameters (number of parameters, depth, ...) next to the curve. For NAS-Bench-201
cells the analogue is the parameter count plus simple counts of the cell's operations and the
length of its longest input -> output path; these are computed here for the whole table at once.

Where a benchmark also varies the training hyper-parameters ("HP" in Baker et al.: learning rate,
batch size...), :func:`hp_features` returns them and :func:`arch_features` appends them after the
AP columns, so the SRM sees both. NAS-HPO-Bench (``fcnet``) varies batch size, dropout, initial
learning rate and its schedule (:data:`suite.encodings.fcnet.FCNET_HP_FEATURES`, log10 for the
learning rate and batch size); NAS-Bench-201 and NAS-Bench-NLP train every architecture with one
recipe, so their HP block is empty.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import numpy as np
import pandas as pd

from ..data.spaces.nb201 import EDGES, N_EDGES, OPS
from ..encodings.fcnet import arch_features_of as fcnet_arch_features_of
from ..encodings.fcnet import hp_features_of as fcnet_hp_features_of
from ..encodings.nbnlp import arch_features_of as nbnlp_arch_features_of
from ..errors import InvalidArchitecture, UnknownBenchmark

if TYPE_CHECKING:
    from ..data.benchmark import Benchmark

__all__ = ["NB201_ARCH_FEATURES", "arch_features", "hp_features", "nb201_arch_features"]

NB201_ARCH_FEATURES: tuple[str, ...] = ("n_conv", "n_pool", "n_skip", "depth")
"""Column names of :func:`nb201_arch_features` (without ``params``), in order.

* ``n_conv``: edges holding ``nor_conv_1x1`` or ``nor_conv_3x3`` (0-6);
* ``n_pool``: edges holding ``avg_pool_3x3`` (0-6);
* ``n_skip``: edges holding ``skip_connect`` (0-6);
* ``depth``: number of edges on the longest path from the input node 0 to the output node 3
  using only non-``none`` edges (1-3; 0 when no such path exists, i.e. the cell outputs zeros).
"""

_CONV = np.array([OPS.index("nor_conv_1x1"), OPS.index("nor_conv_3x3")])
_POOL = OPS.index("avg_pool_3x3")
_SKIP = OPS.index("skip_connect")
_NONE = OPS.index("none")


def nb201_arch_features(archs: pd.DataFrame | np.ndarray, params: np.ndarray | None = None) -> np.ndarray:
    """Structural features of NAS-Bench-201 cells, shape ``(n, 4)`` or ``(n, 5)`` with ``params``.

    Parameters
    ----------
    archs
        ``Benchmark.archs`` (or any DataFrame with int columns ``op_0 .. op_5``), or an integer
        array of shape ``(n, 6)``: op codes in :data:`suite.data.spaces.nb201.OPS` order (0 none,
        1 skip_connect, 2 nor_conv_1x1, 3 nor_conv_3x3, 4 avg_pool_3x3), edges in
        :data:`~suite.data.spaces.nb201.EDGES` order ((1,0), (2,0), (2,1), (3,0), (3,1), (3,2)) as
        (target, source).
    params
        Optional parameter counts, shape ``(n,)`` (e.g. ``Benchmark.metric("params")``, millions);
        when given they become column 0.

    Returns
    -------
    np.ndarray
        float64, shape ``(n, 4)``: the columns :data:`NB201_ARCH_FEATURES`; with ``params``,
        shape ``(n, 5)``: ``params`` followed by those columns.

    Raises
    ------
    InvalidArchitecture
        An op code outside 0-4 or a wrong number of edges.
    """
    if isinstance(archs, pd.DataFrame):
        cols = [f"op_{k}" for k in range(N_EDGES)]
        missing = [c for c in cols if c not in archs.columns]
        if missing:
            raise InvalidArchitecture(f"NB-201 archs table lacks columns {missing}; pass Benchmark.archs or an (n, 6) code array")
        codes = archs[cols].to_numpy()
    else:
        codes = np.asarray(archs)
    if codes.ndim != 2 or codes.shape[1] != N_EDGES:
        raise InvalidArchitecture(f"NB-201 op codes must have shape (n, {N_EDGES}), got {codes.shape}")
    if codes.size and (codes.min() < 0 or codes.max() >= len(OPS)):
        raise InvalidArchitecture(f"NB-201 op codes must lie in 0..{len(OPS) - 1} ({', '.join(OPS)})")
    codes = codes.astype(np.int64)

    n_conv = np.isin(codes, _CONV).sum(axis=1)
    n_pool = (codes == _POOL).sum(axis=1)
    n_skip = (codes == _SKIP).sum(axis=1)

    # Longest path by dynamic programming over the DAG (EDGES are listed in topological order of
    # their target): longest[:, j] = max over live edges (j, s) of longest[:, s] + 1.
    n_nodes = 1 + max(t for t, _ in EDGES)
    longest = np.full((len(codes), n_nodes), -np.inf)
    longest[:, 0] = 0.0
    for k, (target, source) in enumerate(EDGES):
        live = codes[:, k] != _NONE
        longest[:, target] = np.maximum(longest[:, target], np.where(live, longest[:, source] + 1.0, -np.inf))
    out_len = longest[:, n_nodes - 1]
    depth = np.where(np.isfinite(out_len), out_len, 0.0)

    feats = np.column_stack([n_conv, n_pool, n_skip, depth]).astype(np.float64)
    if params is None:
        return feats
    p = np.asarray(params, dtype=np.float64)
    if p.shape != (len(codes),):
        raise ValueError(f"params must have shape ({len(codes)},), got {p.shape}")
    return np.column_stack([p, feats])


def _nb201_from_bench(bench: Benchmark, ids: np.ndarray) -> np.ndarray:
    return nb201_arch_features(bench.archs.iloc[ids], params=bench.metric("params")[ids])


_BY_BENCHMARK: dict[str, Callable[[Benchmark, np.ndarray], np.ndarray]] = {
    "nb201": _nb201_from_bench,
    "nbnlp": nbnlp_arch_features_of,  # params + suite.encodings.nbnlp.NBNLP_ARCH_FEATURES
    "fcnet": fcnet_arch_features_of,  # suite.encodings.fcnet.FCNET_ARCH_FEATURES
}
#: benchmarks whose grid varies training hyper-parameters -> their HP feature function
_HP_BY_BENCHMARK: dict[str, Callable[[Benchmark, np.ndarray], np.ndarray]] = {
    "fcnet": fcnet_hp_features_of,  # suite.encodings.fcnet.FCNET_HP_FEATURES
}


def hp_features(bench: Benchmark, ids: np.ndarray) -> np.ndarray:
    """HP features (training hyper-parameters) of rows ``ids``, float64 ``(len(ids), k)``.

    ``k = 0`` for a benchmark that trains every architecture with the same recipe; ``fcnet``:
    ``k = 5``, :data:`suite.encodings.fcnet.FCNET_HP_FEATURES`.
    """
    ids = np.asarray(ids, dtype=np.int64)
    make = _HP_BY_BENCHMARK.get(bench.name)
    return np.empty((len(ids), 0)) if make is None else make(bench, ids)


def arch_features(bench: Benchmark, ids: np.ndarray) -> np.ndarray:
    """AP features, then HP features (:func:`hp_features`), of rows ``ids`` of a loaded benchmark,
    shape ``(len(ids), k)``, float64.

    NAS-Bench-201: ``k = 5``, columns ``params`` (millions) then :data:`NB201_ARCH_FEATURES`;
    ``fcnet``: ``k = 9``, :data:`suite.encodings.fcnet.FCNET_ARCH_FEATURES` then
    :data:`~suite.encodings.fcnet.FCNET_HP_FEATURES`.
    Raises :class:`~suite.errors.UnknownBenchmark` for benchmarks without a feature function.
    """
    try:
        make = _BY_BENCHMARK[bench.name]
    except KeyError:
        raise UnknownBenchmark(
            f"no architecture features for benchmark {bench.name!r}; available: {', '.join(_BY_BENCHMARK)}"
        ) from None
    ids = np.asarray(ids, dtype=np.int64)
    return np.column_stack([make(bench, ids), hp_features(bench, ids)])

"""What a predictor reads: the assembly of its input matrix ``X`` from a benchmark.

Predictors are plain regressors on a 2-D array; this module is the one place that turns "the
encoding + these proxies + this much of the learning curve" into that array, so every predictor
of an experiment sees identical, documented features. Column order of ``X``:

    [encoding columns | one column per proxy/statistic | observed curve prefix | arch features]

Rows follow ``ids``. A value the benchmark did not measure is NaN (e.g. NB-201 zero-cost proxies
exist for 725 cells only); :func:`measured_ids` gives the rows where every input exists, which is
where such a predictor can be trained and evaluated.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from ..errors import InvalidArgument, UnknownMetric

if TYPE_CHECKING:
    from ..data.benchmark import Benchmark

__all__ = ["Inputs", "build_features", "measured_ids", "proxy_metric"]


@dataclass(frozen=True)
class Inputs:
    """The inputs of one predictor.

    Attributes:
        encoding: encoding name (``suite.encodings.available(benchmark)``), or None.
        proxies: zero-cost proxy / cheap statistic names (``synflow``, ``params``, ``flops``...),
            resolved by :func:`proxy_metric` to benchmark metrics.
        curve_epochs: length of the observed learning-curve prefix (0 = none). For ``curve_mode``
            ``"prefix"`` train and test rows both get epochs ``1..curve_epochs``; for ``"srm"``
            training rows get the whole curve up to ``target_epoch`` and test rows the prefix
            followed by NaN (Baker et al.'s sequential regression models train on full curves).
        curve_metric: the curve's metric (default ``valid_acc``, the per-epoch validation accuracy).
        curve_mode: ``"prefix"`` or ``"srm"``.
        target_epoch: last epoch of the training curves in ``"srm"`` mode (None = the schedule's last).
        arch_features: append structural features (``suite.predictors.arch_features``), for
            learning-curve models (Baker's "AP" features).
    """

    encoding: str | None = "adjacency_onehot"
    proxies: tuple[str, ...] = ()
    curve_epochs: int = 0
    curve_metric: str = "valid_acc"
    curve_mode: str = "prefix"
    target_epoch: int | None = None
    arch_features: bool = False

    def with_(self, **changes: Any) -> "Inputs":
        """A copy with some fields changed (``proxies`` may be given as a list)."""
        if "proxies" in changes:
            changes["proxies"] = tuple(changes["proxies"])
        return replace(self, **changes)

    def describe(self) -> str:
        parts = [self.encoding] if self.encoding else []
        parts += [f"proxy:{p}" for p in self.proxies]
        if self.curve_epochs:
            parts.append(f"curve[{self.curve_metric}, {self.curve_epochs} epochs, {self.curve_mode}]")
        if self.arch_features:
            parts.append("arch_features")
        return " + ".join(parts) or "(nothing)"


def proxy_metric(bench: Benchmark, proxy: str) -> str:
    """The benchmark metric holding ``proxy``: the metric of that name, else ``zc_<proxy>`` (computed
    by :mod:`suite.proxies`), else ``zc_nbsz_<proxy>`` (published by NAS-Bench-Suite-Zero)."""
    for name in (proxy, f"zc_{proxy}", f"zc_nbsz_{proxy}"):
        if name in bench.metrics:
            return name
    have = sorted({m[3:] if m.startswith("zc_") else m for m in bench.metrics if m.startswith("zc_")} | {
        m for m in ("params", "flops", "latency") if m in bench.metrics})
    raise UnknownMetric(
        f"{bench.name}/{bench.dataset} has no proxy {proxy!r}; available: {', '.join(have) or 'none'} "
        f"(compute one with: nas-suite proxies compute --benchmark {bench.name} --dataset {bench.dataset} --proxy {proxy})"
    )


def _curve(bench: Benchmark, inputs: Inputs, ids: np.ndarray, train: bool) -> np.ndarray:
    frame = bench.curves(inputs.curve_metric, ids)
    curves = frame.to_numpy(dtype=np.float64)
    epochs = np.asarray(frame.columns)
    if inputs.curve_epochs > len(epochs):
        raise InvalidArgument(f"curve_epochs={inputs.curve_epochs} (a fidelity) but {inputs.curve_metric} has "
                              f"{len(epochs)} epochs; choose fidelities up to {len(epochs)}")
    if inputs.curve_mode == "prefix":
        return curves[:, : inputs.curve_epochs]
    if inputs.curve_mode != "srm":
        raise ValueError(f"curve_mode must be 'prefix' or 'srm', got {inputs.curve_mode!r}")
    last = len(epochs) if inputs.target_epoch is None else int(np.searchsorted(epochs, inputs.target_epoch) + 1)
    out = curves[:, :last].copy()
    if not train:
        out[:, inputs.curve_epochs :] = np.nan
    return out


def build_features(bench: Benchmark, inputs: Inputs, ids: Sequence[int] | np.ndarray, *, train: bool = True) -> np.ndarray:
    """``X`` (len(ids), d) float64 for rows ``ids`` of ``bench`` (column order: module docstring).

    ``train`` matters only for learning-curve models in ``"srm"`` mode (full curves to train on,
    prefixes to predict from).
    """
    ids = np.asarray(ids, dtype=np.int64)
    blocks: list[np.ndarray] = []
    if inputs.encoding:
        from ..encodings import encode

        blocks.append(np.asarray(encode(bench, inputs.encoding, ids), dtype=np.float64))
    for proxy in inputs.proxies:
        blocks.append(bench.metric(proxy_metric(bench, proxy))[ids][:, None])
    if inputs.curve_epochs:
        blocks.append(_curve(bench, inputs, ids, train))
    if inputs.arch_features:
        from .arch_features import arch_features

        blocks.append(arch_features(bench, ids))
    if not blocks:
        raise ValueError("these Inputs select nothing: give an encoding, proxies or a curve prefix")
    X = np.concatenate(blocks, axis=1)
    # an unbounded proxy value (NAS-Bench-Suite-Zero keeps one -inf NASWOT score) cannot be learnt from
    X[~np.isfinite(X) & ~np.isnan(X)] = np.nan
    return X


def measured_ids(bench: Benchmark, inputs: Inputs) -> np.ndarray:
    """Ids of the architectures whose every input (and whose whole training curve, in ``"srm"``
    mode) is measured."""
    ids = np.arange(len(bench))
    probe = inputs.with_(encoding=None) if inputs.encoding else inputs
    if probe.proxies or probe.curve_epochs:
        X = build_features(bench, probe.with_(arch_features=False), ids, train=True)
        ids = ids[np.isfinite(X).all(axis=1)]
    return ids

"""The speed-up statistic of an early-stopping method over full-training random search, over runs.

Per run ``i`` (one seed; :func:`~.runner.run_early_stopping` writes these columns):

* ``R_i`` = ``cost_full_to_target``: compute (benchmark seconds) that the reference — random
  search training each of its ``n_archs`` candidates fully — spends until it has trained its
  own final incumbent, whose validation value is the run's *target*;
* ``M_i`` = the compute *charged* to the method (:func:`charged_cost`): its compute until its
  incumbent first reaches the target (``cost_to_target``) if it does; if it never does (a
  *failure*), the larger of its whole spend (``cost``) and the reference's whole spend
  (``cost_full``, the budget every method is given). A failure is therefore never counted as
  faster than the reference, and since reaching the target would have cost it more than it
  spent (or was impossible: the pool was exhausted), every ratio below is an upper bound when
  failures occur; the failure rate is reported beside it.

Over the runs of one method:

* **total-compute ratio** ``sum_i R_i / sum_i M_i`` — the compute all runs of full training
  need to reach their targets over what the method is charged for the same targets;
* **geometric mean of per-run ratios** ``exp(mean_i log(R_i / M_i))``;
* **failure rate**: share of runs that missed the target (they stay in both averages, at the
  charge above, never dropped); ``slower_share``: share of runs with ``R_i / M_i < 1``
  (failures included);
* **test regret**: mean of ``regret_test`` (the reference's final incumbent's test value minus
  the method's; signed) — reported beside every speed-up;
* **same-architectures cost ratio** ``sum_i cost_full_i / sum_i cost_i`` (Baker et al.'s
  measure: total compute of training the *same* architectures without vs with early
  stopping; only for methods that train the reference's architectures).

Intervals: 95 % percentile bootstrap over runs (``scipy.stats.bootstrap``, runs resampled with
replacement, ``R_i`` and ``M_i`` kept paired, 10,000 resamples, seeded), for every ratio and the
mean regret. The arithmetic mean of per-run ratios is deliberately not reported: ratios are
skewed, and their arithmetic mean over-weights runs where the reference was unlucky.

Worked example (``tests/test_early_stopping.py`` pins it): three runs reach the target with
``(R, M)`` = (100, 50), (200, 100), (60, 30); a fourth (``R`` = 150) misses it after spending
80 s of a reference that spent 300 s, so it is charged ``max(80, 300) = 300``. Total-compute
ratio ``(100 + 200 + 60 + 150) / (50 + 100 + 30 + 300) = 510 / 480 = 1.0625``; geometric mean
``(2 * 2 * 2 * 0.5) ** (1/4) = 4 ** 0.25 = 1.4142``; failure rate ``1/4 = 0.25``. Dropping the
failure instead (the old statistic) would have given an arithmetic mean of 2.0.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import bootstrap

from ...errors import NasSuiteError

__all__ = ["STAT_COLUMNS", "charged_cost", "run_ratio", "speedup_statistics"]

#: columns of :func:`speedup_statistics`'s row, in order
STAT_COLUMNS = (
    "runs", "failed", "failure_rate", "slower_share",
    "speedup_total_compute", "speedup_total_compute_low", "speedup_total_compute_high",
    "speedup_geomean", "speedup_geomean_low", "speedup_geomean_high", "speedup_median",
    "regret_test_mean", "regret_test_low", "regret_test_high", "regret_valid_mean",
    "same_archs_cost_ratio", "same_archs_cost_ratio_low", "same_archs_cost_ratio_high",
)


def charged_cost(cost_to_target: Any, cost: Any, cost_full: Any) -> np.ndarray:
    """Compute charged to each run (seconds): ``cost_to_target`` where finite (the target was
    reached), else ``max(cost, cost_full)`` (a failure, charged at least the reference's budget)."""
    to_target, spent, budget = (np.asarray(a, dtype=np.float64) for a in (cost_to_target, cost, cost_full))
    return np.where(np.isfinite(to_target), to_target, np.maximum(spent, budget))


def run_ratio(cost_full_to_target: Any, cost_to_target: Any, cost: Any, cost_full: Any) -> np.ndarray:
    """Per-run speed-up ``R / M`` (:func:`charged_cost` for ``M``); <= 1 for every failure."""
    return np.asarray(cost_full_to_target, dtype=np.float64) / charged_cost(cost_to_target, cost, cost_full)


def _interval(data: tuple[np.ndarray, ...], statistic: Any, *, confidence: float, n_resamples: int,
              seed: int) -> tuple[float, float]:
    """Percentile bootstrap interval of ``statistic`` over runs (paired samples); a point when the
    data are constant or there is a single run."""
    if len(data[0]) < 2:
        value = float(statistic(*data, axis=-1))
        return value, value
    res = bootstrap(data, statistic, paired=True, vectorized=True, confidence_level=confidence,
                    n_resamples=n_resamples, method="percentile", rng=np.random.default_rng(seed))
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def _ratio_of_sums(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.sum(a, axis=axis) / np.sum(b, axis=axis)


def _geomean_of_ratios(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.exp(np.mean(np.log(a) - np.log(b), axis=axis))


def _mean(a: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.mean(a, axis=axis)


def speedup_statistics(runs: pd.DataFrame, *, same_architectures: bool = True, confidence: float = 0.95,
                       n_resamples: int = 10_000, seed: int = 0) -> dict[str, float]:
    """The statistics of the module docstring for the runs (rows) of one method.

    ``runs`` needs the columns ``cost_full_to_target, cost_to_target, cost, cost_full,
    regret_test, regret_valid``. ``same_architectures``: whether the method trains the
    reference's architectures (else the same-architectures cost ratio is NaN). Returns a dict
    with the keys :data:`STAT_COLUMNS`.
    """
    if not len(runs):
        raise NasSuiteError("no runs to summarise")
    ref = runs["cost_full_to_target"].to_numpy(dtype=np.float64)
    charged = charged_cost(runs["cost_to_target"], runs["cost"], runs["cost_full"])
    if not (np.isfinite(ref).all() and (ref > 0).all() and (charged > 0).all()):
        raise NasSuiteError("every run needs a positive reference cost to target and a positive charged cost")
    failed = ~np.isfinite(runs["cost_to_target"].to_numpy(dtype=np.float64))
    regret_test = runs["regret_test"].to_numpy(dtype=np.float64)
    kw = {"confidence": confidence, "n_resamples": n_resamples, "seed": seed}
    total_low, total_high = _interval((ref, charged), _ratio_of_sums, **kw)
    geo_low, geo_high = _interval((ref, charged), _geomean_of_ratios, **kw)
    reg_low, reg_high = _interval((regret_test,), _mean, **kw)
    out = {
        "runs": float(len(runs)), "failed": float(failed.sum()), "failure_rate": float(failed.mean()),
        "slower_share": float((ref / charged < 1).mean()),
        "speedup_total_compute": float(_ratio_of_sums(ref, charged)),
        "speedup_total_compute_low": total_low, "speedup_total_compute_high": total_high,
        "speedup_geomean": float(_geomean_of_ratios(ref, charged)),
        "speedup_geomean_low": geo_low, "speedup_geomean_high": geo_high,
        "speedup_median": float(np.median(ref / charged)),
        "regret_test_mean": float(regret_test.mean()), "regret_test_low": reg_low, "regret_test_high": reg_high,
        "regret_valid_mean": float(runs["regret_valid"].mean()),
        "same_archs_cost_ratio": np.nan, "same_archs_cost_ratio_low": np.nan, "same_archs_cost_ratio_high": np.nan,
    }
    if same_architectures:
        full, spent = runs["cost_full"].to_numpy(dtype=np.float64), runs["cost"].to_numpy(dtype=np.float64)
        low, high = _interval((full, spent), _ratio_of_sums, **kw)
        out.update(same_archs_cost_ratio=float(_ratio_of_sums(full, spent)), same_archs_cost_ratio_low=low,
                   same_archs_cost_ratio_high=high)
    return out

"""Pure, NaN-aware metric functions.

Conventions, so that tables from different predictors are comparable:

- Arguments are ``(y_true, y_pred)``; pairs where either side is NaN are dropped (a predictor
  that returns NaN for some architectures is scored on the rest; the count is visible through
  :func:`n_pairs`).
- Correlations are signed: a predictor that ranks backwards scores negative (NASLib reports
  ``abs(pearson)``, which hides that).
- Degenerate inputs (fewer than 2 pairs, a constant side) give NaN, never an exception and
  never a made-up 0; malformed inputs (shape mismatch, bad ``k``) raise ``ValueError``.

Why :func:`bootstrap_ci` keeps its own resampling loop instead of ``scipy.stats.bootstrap``: a
rank metric is NaN on a resample whose one side is constant, and the rule here (drop those
resamples; NaN interval only when more than half are) is not scipy's (a NaN in the bootstrap
distribution makes its whole interval NaN); calling scipy and re-doing the quantiles would not be
shorter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import pandas as pd

Metric = Callable[[np.ndarray, np.ndarray], float]


def _paired(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop pairs where either side is NaN; shapes must match."""
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"expected two 1-D arrays of equal length, got {x.shape} and {y.shape}")
    keep = ~(np.isnan(x) | np.isnan(y))
    return x[keep], y[keep]


def n_pairs(y_true: np.ndarray, y_pred: np.ndarray) -> int:
    """Number of complete (non-NaN) pairs the other metrics are computed on."""
    return len(_paired(y_true, y_pred)[0])


def _ranks(x: np.ndarray) -> np.ndarray:
    return pd.Series(x).rank(method="average").to_numpy(dtype=np.float64, copy=True)


def _corr(x: np.ndarray, y: np.ndarray) -> float:
    x = x - x.mean()
    y = y - y.mean()
    denom = math.sqrt(float((x * x).sum()) * float((y * y).sum()))
    return float((x * y).sum() / denom) if denom > 0 else float("nan")


def spearman(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Spearman's rho over complete pairs (average ranks for ties); NaN if < 2 pairs or no spread."""
    x, y = _paired(y_true, y_pred)
    if len(x) < 2:
        return float("nan")
    return _corr(_ranks(x), _ranks(y))


def kendall(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Kendall's tau-b over complete pairs (tie-corrected); NaN if < 2 pairs or no spread."""
    from scipy.stats import kendalltau

    x, y = _paired(y_true, y_pred)
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    return float(kendalltau(x, y).statistic)


def pearson(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Pearson's r over complete pairs, signed; NaN if < 2 pairs or no spread."""
    x, y = _paired(y_true, y_pred)
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:  # centring a constant leaves rounding noise, not 0
        return float("nan")
    return _corr(x, y)


def r2(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Coefficient of determination ``1 - SS_res / SS_tot`` (can be negative); NaN if y_true is constant."""
    x, y = _paired(y_true, y_pred)
    if len(x) < 2 or np.ptp(x) == 0:
        return float("nan")
    total = float(((x - x.mean()) ** 2).sum())
    return 1.0 - float(((x - y) ** 2).sum()) / total


def mae(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean absolute error over complete pairs; NaN if there are none."""
    x, y = _paired(y_true, y_pred)
    return float(np.abs(x - y).mean()) if len(x) else float("nan")


def rmse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Root mean squared error over complete pairs; NaN if there are none."""
    x, y = _paired(y_true, y_pred)
    return float(np.sqrt(((x - y) ** 2).mean())) if len(x) else float("nan")


def _top_set(values: np.ndarray, k: int) -> np.ndarray:
    """NASLib's top-k: values strictly above the (k+1)-th largest (ties at the edge are out)."""
    threshold = np.sort(values)[-k - 1]
    return values > threshold


def precision_at_k(y_true: np.ndarray, y_pred: np.ndarray, k: int | float = 10) -> float:
    """Top-k overlap: share of the true top-k that the predictor also puts in its top-k.

    NASLib's definition (``precision_10``/``precision_20`` of White et al. 2021): both top sets
    hold the values strictly above their (k+1)-th largest, and the overlap is divided by k.
    ``k`` is a count (int >= 1) or a fraction of the complete pairs (``0 < k < 1``, rounded,
    at least 1). Needs more than k complete pairs, else ``ValueError``.
    """
    x, y = _paired(y_true, y_pred)
    n = len(x)
    if isinstance(k, float) and not k.is_integer():
        if not 0 < k < 1:
            raise ValueError(f"k as a fraction must be in (0, 1), got {k}")
        k = max(1, int(round(k * n)))
    k = int(k)
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if n <= k:
        raise ValueError(f"precision@{k} needs more than {k} complete pairs, got {n}")
    return float((_top_set(x, k) & _top_set(y, k)).sum() / k)


def budget_correlation(values: pd.DataFrame | np.ndarray, budgets: Sequence | None = None, method: str = "spearman") -> pd.DataFrame:
    """Rank correlation of the same architectures between every pair of training budgets.

    ``values`` is ``(n_archs, n_budgets)``: one column per budget (a DataFrame's columns name
    the budgets, else ``budgets`` does). Entry ``(i, j)`` is the Spearman (or Kendall) rank
    correlation of the architectures measured at both budgets — how well training for budget
    i ranks architectures for budget j (Zela et al. 2018; HpBandSter's
    ``correlation_across_budgets``). ``method="pearson"`` gives the linear correlation instead,
    because that is what papers sometimes quote (NAS-Bench-201's "about 0.9" between 12 and 200
    epochs). Pairwise-complete, so budgets measured on different subsets still get an entry; NaN
    where fewer than 2 architectures are shared.
    """
    scores = {"spearman": spearman, "kendall": kendall, "pearson": pearson}
    if method not in scores:
        raise ValueError(f"method must be one of {sorted(scores)}, got {method!r}")
    frame = values if isinstance(values, pd.DataFrame) else pd.DataFrame(np.asarray(values, dtype=np.float64))
    if budgets is not None:
        if len(budgets) != frame.shape[1]:
            raise ValueError(f"{len(budgets)} budget labels for {frame.shape[1]} columns")
        frame = frame.set_axis(list(budgets), axis=1)
    cols = list(frame.columns)
    data = frame.to_numpy(dtype=np.float64)
    score = scores[method]
    out = np.eye(len(cols))
    for i in range(len(cols)):
        for j in range(i + 1, len(cols)):
            out[i, j] = out[j, i] = score(data[:, i], data[:, j])
    for i in range(len(cols)):
        if np.isfinite(data[:, i]).sum() < 2:
            out[i, i] = np.nan
    index = pd.Index(cols, name="budget")
    return pd.DataFrame(out, index=index, columns=index.rename("budget_other"))


@dataclass(frozen=True)
class Interval:
    """A point estimate with a two-sided confidence interval."""

    estimate: float
    low: float
    high: float
    level: float

    def __str__(self) -> str:
        return f"{self.estimate:.3f} [{self.low:.3f}, {self.high:.3f}]"


def bootstrap_ci(
    metric: Metric,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    n_boot: int = 1000,
    level: float = 0.95,
    rng: np.random.Generator | int | None = None,
) -> Interval:
    """Percentile bootstrap interval of ``metric`` over resampled (true, predicted) pairs.

    Pairs are resampled with replacement from the complete pairs; resamples on which the
    metric is undefined (NaN) are dropped, and the interval is NaN if more than half are.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    x, y = _paired(y_true, y_pred)
    estimate = float(metric(x, y))
    if len(x) < 2:
        return Interval(estimate, float("nan"), float("nan"), level)
    gen = np.random.default_rng(rng)
    draws = gen.integers(0, len(x), size=(n_boot, len(x)))
    stats = np.array([metric(x[d], y[d]) for d in draws], dtype=np.float64)
    stats = stats[np.isfinite(stats)]
    if len(stats) < n_boot / 2:
        return Interval(estimate, float("nan"), float("nan"), level)
    alpha = (1 - level) / 2
    low, high = np.quantile(stats, [alpha, 1 - alpha])
    return Interval(estimate, float(low), float(high), level)


def mean_ci(values: Sequence[float] | np.ndarray, level: float = 0.95) -> Interval:
    """Mean over seeds with a Student-t interval (NaNs dropped); the summary-table statistic."""
    from scipy.stats import t

    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if not len(v):
        return Interval(float("nan"), float("nan"), float("nan"), level)
    m = float(v.mean())
    if len(v) < 2:
        return Interval(m, float("nan"), float("nan"), level)
    half = float(t.ppf((1 + level) / 2, len(v) - 1) * v.std(ddof=1) / math.sqrt(len(v)))
    return Interval(m, m - half, m + half, level)


#: Metrics the experiment runner records per cell, by column name.
METRICS: dict[str, Metric] = {
    "spearman": spearman,
    "kendall": kendall,
    "pearson": pearson,
    "r2": r2,
    "mae": mae,
    "rmse": rmse,
    "precision@10": lambda t, p: precision_at_k(t, p, 10),
    "precision@20": lambda t, p: precision_at_k(t, p, 20),
    "precision@10%": lambda t, p: precision_at_k(t, p, 0.1),
}


def score_all(y_true: np.ndarray, y_pred: np.ndarray, names: Sequence[str] | None = None) -> dict[str, float]:
    """Every metric in ``names`` (default all of :data:`METRICS`); a top-k needing more pairs than given is NaN."""
    out: dict[str, float] = {"n_pairs": float(n_pairs(y_true, y_pred))}
    for name in names or METRICS:
        try:
            fn = METRICS[name]
        except KeyError:
            raise ValueError(f"unknown metric {name!r}; available: {', '.join(METRICS)}") from None
        try:
            out[name] = fn(y_true, y_pred)
        except ValueError as err:
            if "complete pairs" not in str(err):
                raise
            out[name] = float("nan")  # too few test architectures for this k: undefined, not an error
    return out

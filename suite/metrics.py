"""Pure, NaN-aware metric functions. Signed: a negative correlation stays negative."""

from __future__ import annotations

import numpy as np
import pandas as pd


def _paired(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop pairs where either side is NaN; shapes must match."""
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"expected two 1-D arrays of equal length, got {x.shape} and {y.shape}")
    keep = ~(np.isnan(x) | np.isnan(y))
    return x[keep], y[keep]


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rho over complete pairs (average ranks for ties); NaN if < 2 pairs or no spread."""
    x, y = _paired(a, b)
    if len(x) < 2:
        return float("nan")
    rx = pd.Series(x).rank(method="average").to_numpy()
    ry = pd.Series(y).rank(method="average").to_numpy()
    rx = rx - rx.mean()  # rank arrays may be read-only views (pandas >= 3)
    ry = ry - ry.mean()
    denom = np.sqrt((rx * rx).sum() * (ry * ry).sum())
    return float((rx * ry).sum() / denom) if denom > 0 else float("nan")


def kendall(a: np.ndarray, b: np.ndarray) -> float:
    """Kendall's tau-b over complete pairs (tie-corrected); NaN if < 2 pairs or no spread."""
    from scipy.stats import kendalltau

    x, y = _paired(a, b)
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    return float(kendalltau(x, y).statistic)

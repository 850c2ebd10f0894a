"""Parametric learning-curve families and their vectorised least-squares fit.

Used by :class:`suite.predictors.lcurve.CurveExtrapolation`. The families are the saturating
three-parameter models of Domhan, Springenberg & Hutter, "Speeding up Automatic Hyperparameter
Optimization of Deep Neural Networks by Extrapolation of Learning Curves", IJCAI 2015 (``pow3``)
and the exponential analogue ``exp3``. Curves are rows of a NaN-padded array, epochs ``t = 1..L``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from scipy.optimize import OptimizeWarning, curve_fit

__all__ = ["CURVE_FAMILIES", "fit_curves", "observed_length"]


def observed_length(curves: np.ndarray) -> np.ndarray:
    """Number of leading non-NaN values per row of ``curves`` ``(n, n_epochs)`` -> int ``(n,)``."""
    return np.cumprod(~np.isnan(curves), axis=1).sum(axis=1)


def _pow3_basis(t: np.ndarray, rate: np.ndarray) -> np.ndarray:
    return t ** (-rate)


def _exp3_basis(t: np.ndarray, rate: np.ndarray) -> np.ndarray:
    return np.exp(-rate * t)


CURVE_FAMILIES: dict[str, tuple[Any, tuple[float, float]]] = {
    "pow3": (_pow3_basis, (1e-2, 5.0)),
    "exp3": (_exp3_basis, (1e-3, 5.0)),
}
"""Three-parameter families ``y(t) = c - a * g_r(t)``, name -> (basis ``g_r``, bounds of ``r``).

``pow3``: ``c - a t^(-alpha)`` (Domhan et al. 2015's pow3); ``exp3``: ``c - a exp(-b t)``.
Both are linear in ``(c, a)`` for a fixed rate ``r``, which :func:`fit_curves` exploits.
"""


def fit_curves(
    curves: np.ndarray, family: str = "pow3", refine: bool = True, n_grid: int = 100
) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares fit of one curve family to every row of ``curves`` ``(n, L)``, NaN-padded.

    Epochs are ``t = 1..L``; only each row's leading non-NaN values are used. The fit is
    vectorised: for each of ``n_grid`` log-spaced rates ``r`` the optimal ``(c, a)`` of all rows
    follow in closed form (weighted 2x2 normal equations), and the rate with the least squared
    error is kept. With ``refine``, :func:`scipy.optimize.curve_fit` (trust-region reflective,
    rate within the family's bounds) polishes each row from that start; its result is kept only
    if it is finite and no worse. Rows with fewer than 3 observed values get NaN.

    Returns
    -------
    params : np.ndarray, shape (n, 3)
        ``(c, a, r)`` per row (``r`` is ``alpha`` for pow3, ``b`` for exp3).
    sse : np.ndarray, shape (n,)
        Sum of squared residuals over the observed values (NaN where no fit).
    """
    if family not in CURVE_FAMILIES:
        raise ValueError(f"unknown curve family {family!r}; expected one of {', '.join(CURVE_FAMILIES)}")
    basis, (r_lo, r_hi) = CURVE_FAMILIES[family]
    Y = np.asarray(curves, dtype=np.float64)
    if Y.ndim != 2:
        raise ValueError(f"curves must be 2-D (n, n_epochs), got shape {Y.shape}")
    n, L = Y.shape
    length = observed_length(Y)
    W = (np.arange(L) < length[:, None]).astype(np.float64)  # (n, L) weights of the observed prefix
    Yw = np.where(W > 0, Y, 0.0)
    t = np.arange(1, L + 1, dtype=np.float64)
    rates = np.geomspace(r_lo, r_hi, n_grid)
    G = basis(t[:, None], rates[None, :])  # (L, K)

    with np.errstate(invalid="ignore", divide="ignore"):
        s1 = W.sum(axis=1)
        y_mean = Yw.sum(axis=1) / s1
        Yc = (Yw - y_mean[:, None]) * W  # centred, zero outside the prefix
        g_mean = (W @ G) / s1[:, None]  # (n, K)
        sgg = W @ G**2 - s1[:, None] * g_mean**2  # centred sums of squares
        sgy = Yc @ G  # centred cross products (Yc sums to 0 per row)
        beta = sgy / sgg
        sse_grid = (Yc**2).sum(axis=1)[:, None] - beta * sgy
        sse_grid = np.where(np.isfinite(sse_grid) & (sgg > 1e-12 * s1[:, None]), sse_grid, np.inf)
        k = np.argmin(sse_grid, axis=1)
        rows = np.arange(n)
        b = beta[rows, k]
        params = np.column_stack([y_mean - b * g_mean[rows, k], -b, rates[k]])
        sse = sse_grid[rows, k]
    ok = (length >= 3) & np.isfinite(sse)
    params[~ok] = np.nan
    sse[~ok] = np.nan

    if refine:

        def model(tt: np.ndarray, c: float, a: float, r: float) -> np.ndarray:
            return c - a * basis(tt, r)

        r_start = np.clip(params[:, 2], r_lo * (1 + 1e-9), r_hi * (1 - 1e-9))
        for i in np.flatnonzero(ok):
            ti, yi = t[: length[i]], Y[i, : length[i]]
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", OptimizeWarning)
                    p, _ = curve_fit(
                        model, ti, yi, p0=(params[i, 0], params[i, 1], r_start[i]),
                        bounds=([-np.inf, -np.inf, r_lo], [np.inf, np.inf, r_hi]), method="trf",
                    )
            except (RuntimeError, ValueError):
                continue  # keep the grid solution
            new_sse = float(np.sum((yi - model(ti, *p)) ** 2))
            if np.all(np.isfinite(p)) and new_sse <= sse[i]:
                params[i], sse[i] = p, new_sse
    return params, sse

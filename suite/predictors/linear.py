"""Linear family: ordinary least squares and ridge regression.

OLS is the simplest model-based predictor and one of Baker et al.'s (2017) base learners; ridge
adds an L2 penalty, which matters for one-hot encodings whose columns are linearly dependent
(the one-hot blocks of every edge sum to one, so plain OLS relies on a minimum-norm solution).
"""

from __future__ import annotations

from typing import Any

from sklearn.linear_model import LinearRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from .base import WrappedRegressor

__all__ = ["OLS", "RidgeRegressor"]


class OLS(WrappedRegressor):
    """Ordinary least squares (minimum-norm solution when columns are collinear)."""

    def __init__(self, fit_intercept: bool = True, random_state: Any = None) -> None:
        self.fit_intercept = fit_intercept
        self.random_state = random_state

    def _build(self, n_samples: int, n_features: int) -> Any:
        return LinearRegression(fit_intercept=self.fit_intercept)


class RidgeRegressor(WrappedRegressor):
    """L2-penalised least squares on standardised inputs (``alpha`` in units of the scaled inputs)."""

    def __init__(self, alpha: float = 1.0, scale_inputs: bool = True, random_state: Any = None) -> None:
        self.alpha = alpha
        self.scale_inputs = scale_inputs
        self.random_state = random_state

    def _build(self, n_samples: int, n_features: int) -> Any:
        ridge = Ridge(alpha=self.alpha)
        return make_pipeline(StandardScaler(), ridge) if self.scale_inputs else ridge

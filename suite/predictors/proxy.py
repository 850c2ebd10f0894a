"""Zero-cost proxies and cheap baselines used as predictors.

A proxy (synflow, jacov, NASWOT, ...; Abdelfattah et al. 2021, Mellor et al. 2021,
Krishnakumar et al. 2022) or a cheap statistic (parameter count, FLOPs) is a score computed
without training. As a predictor it ranks architectures by that score, so its rank metrics are
exactly the proxy's. ``fit`` only learns an affine map from the standardised score to the target
scale (slope = the target's standard deviation, never negative), which makes MAE/R² meaningful
without ever changing the ranking. The score is one column of ``X`` (``column``); ``sign=-1``
turns a proxy whose large values mean *worse* networks around.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["ProxyScore"]


class ProxyScore(RegressorMixin, BaseEstimator):
    """Predicts ``mean(y) + std(y) * z(sign * X[:, column])`` with ``z`` standardised on the
    training scores: monotone increasing in ``sign * score``."""

    def __init__(self, column: int = 0, sign: float = 1.0, random_state: Any = None) -> None:
        self.column = column
        self.sign = sign
        self.random_state = random_state

    def _score(self, X: np.ndarray) -> np.ndarray:
        if not -X.shape[1] <= self.column < X.shape[1]:
            raise ValueError(f"column={self.column} is outside the {X.shape[1]} input columns")
        if self.sign not in (1, -1):
            raise ValueError(f"sign must be +1 or -1, got {self.sign!r}")
        return self.sign * X[:, self.column]

    def fit(self, X: Any, y: Any) -> "ProxyScore":
        X, y = validate_data(self, X, y, y_numeric=True, dtype=np.float64)
        score = self._score(X)
        self.score_mean_ = float(score.mean())
        spread = float(score.std())
        self.score_scale_ = spread if spread > 0 else 1.0
        self.target_mean_ = float(y.mean())
        self.target_scale_ = float(y.std())
        return self

    def predict(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        z = (self._score(X) - self.score_mean_) / self.score_scale_
        return self.target_mean_ + self.target_scale_ * z
